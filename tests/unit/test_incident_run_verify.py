"""`warroom incident run` and verify gates, headless: it waits for the gate with a line of
progress per probe, fails the run when the fix does not take, and `--no-wait` leaves the gate
open for the next run to settle from the metric history."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from tests.unit.standins_corpus import warmed
from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore

RUNBOOK = """+++
id = "RB-TEST-VERIFY"
title = "Verify probe"
severity = "P3"
+++

# Verify probe

## Mitigation

```bash {name="holds" mutating=false verify="quota < 1000 for 2m within 10m"}
# A fix that works
echo breaker on
```

```bash {name="never" mutating=false verify="quota < -1 within 10m"}
# A fix that does not
echo breaker on again
```

```bash {name="plain"}
# Nothing to verify
echo hello
```
"""

SPEED = 600  # ten minutes of scenario time pass in one second


def _incident(tmp_path: Path, speed: float = SPEED):  # type: ignore[no-untyped-def]
    state = tmp_path / "state"
    rb = tmp_path / "verify.md"
    rb.write_text(RUNBOOK)
    # started now, by the test: a test's world, whose clock a test may pin (one made on the wall clock replays a pinned
    # moment and writes nothing: redteam43 R15/R18)
    drill = warmed(create_drill(state / "drills", "rate-limit", speed=speed, start=time.time()))
    inc = IncidentStore(state).create(title="Verify drill", severity="P3", runbook=rb,
                                      drill={"scenario": "rate-limit", "speed": speed, "dir": str(drill.path)})
    return state, inc


class _Ran:
    """What ``warroom incident run`` gave: its exit code, stdout and stderr."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _run(capsys: pytest.CaptureFixture[str], state: Path, inc_id: str, step: str, *extra: str,
         at: float | None = None) -> _Ran:
    """``warroom incident run`` in-process (the CLI's own ``main``, ``incident_fixtures.Cli``): what is tested is how
    the run waits for, fails or leaves its gate and what it says, not the process boundary (each call was an
    interpreter of its own); the step is still a real process. ``at``: the drill's clock pinned there
    (``$WARROOM_DRILL_AT``, for this call only), else it runs with the wall."""
    with pytest.MonkeyPatch.context() as env:
        if at is None:
            env.delenv("WARROOM_DRILL_AT", raising=False)
        else:
            env.setenv("WARROOM_DRILL_AT", repr(at))
        return _Ran(*Cli(state, capsys)("run", inc_id, step, *extra))


def test_run_waits_for_the_gate_and_reports_its_progress(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # at x60 the 2-minute hold is 2 wall seconds: the run's first look (its every 0.2 s) lands inside it unless the
    # machine stalls 2 s between journaling the gate and looking (at x600, 0.2 s: a busy box missed it, suite45unit)
    state, inc = _incident(tmp_path, speed=60)
    proc = _run(capsys, state, inc.id, "holds")
    assert proc.returncode == 0, proc.stderr
    assert "holding" in proc.stderr and "left" in proc.stderr      # progress while the hold runs
    # quota < 1000 held from before the step to the pass: the gate's outcome never reads "passed" (P25-1)
    assert "verify Model API quota used < 1000% for 2m: held before the step (now " in proc.stderr
    assert ": passed" not in proc.stderr
    types = [(e.type, e.data.get("step_id")) for e in inc.read().events if e.type.startswith("verify.")]
    assert types == [("verify.started", "holds"), ("verify.passed", "holds")]
    # quota < 1000 held before the step ran: its pass is no evidence of a fix (G25-2)
    assert [e.data["before"]["holds"] for e in inc.read().events if e.type == "verify.started"] == [True]
    assert inc.state.status != "mitigated"
    assert "it already held when the step started" in proc.stderr and "not counted as mitigated" in proc.stderr


def test_a_gate_that_fails_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state, inc = _incident(tmp_path)
    proc = _run(capsys, state, inc.id, "never")
    assert proc.returncode == 1, proc.stderr
    assert "verify Model API quota used < -1%: FAILED: window of 10m00s drill time ran out" in proc.stderr
    failed = [e for e in inc.read().events if e.type == "verify.failed"]
    assert len(failed) == 1 and failed[0].data["step_id"] == "never"


def test_no_wait_leaves_the_gate_open_and_the_next_run_settles_it(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    state, inc = _incident(tmp_path)
    # the drill's clock pinned, so the window's end is a fact of the test, not of how fast it ran:
    # the gate opens at t0; 3 wall s later (30 drill minutes) its 10-minute window has ended unwatched
    t0 = time.time()
    proc = _run(capsys, state, inc.id, "holds", "--no-wait", at=t0)
    assert proc.returncode == 0, proc.stderr
    assert "opened, not waited for" in proc.stderr
    started = [e for e in inc.read().events if e.type.startswith("verify.")]
    assert [e.type for e in started] == ["verify.started"]
    deadline = datetime.fromisoformat(started[0].data["deadline"]).timestamp()
    assert deadline - t0 == pytest.approx(600 / SPEED, abs=0.002)    # the window: 10 drill minutes from t0
    proc = _run(capsys, state, inc.id, "plain", at=t0 + 3.0)
    assert proc.returncode == 0, proc.stderr
    assert "verify (step 1) Model API quota used < 1000% for 2m: passed: confirmed at" in proc.stderr
    passed = [e for e in inc.read().events if e.type == "verify.passed"]
    assert len(passed) == 1 and "checked after the fact" in passed[0].data["how"]
