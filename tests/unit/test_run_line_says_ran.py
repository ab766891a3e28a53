"""``warroom incident run`` closes with the same word for a run as the timeline and ``show``:
"ran", never "ok", when the step exited 0 but its output did not give what the runbook expected.

Found driving the mass-failure drill (attack14): step 3 printed 90.7 against "99 or more" and the
CLI said ``step 3: ok, exit 0, 0.0s; expectation NOT met`` while ``incident show`` marked it
``≠ [UNMET]`` and the timeline said ``Step 3 ran, exit 0``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli

RUNBOOK = """+++
id = "RB-TEST-UNMET"
title = "Success rate check"
severity = "P3"
+++

# Success rate check

## Detection

```bash
# Flow success rate, in percent
echo 90.7
# Expected: 99 or more
```

```bash
# Flow failures
echo 21
# Expected: 5 or more
```
"""


class _Ran:
    """What ``warroom incident ARGV`` gave: its exit code, stdout and stderr."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _wr(capsys: pytest.CaptureFixture[str], state: Path, *argv: str) -> _Ran:
    """``warroom incident ARGV`` in-process (the CLI's own ``main``, ``incident_fixtures.Cli``): what is tested is the
    words the commands say, not the process boundary (each call was an interpreter of its own, ~0.4 s CPU); the steps
    ``incident run`` starts are still real processes."""
    return _Ran(*Cli(state, capsys)(*argv))


def test_an_unmet_run_is_reported_as_ran_not_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    state = tmp_path / "state"
    inc = _wr(capsys, state, "new", "--title", "flows failing", "--severity", "P3",
              "--runbook", str(book)).stdout.strip()
    unmet = _wr(capsys, state, "run", inc, "1")
    assert unmet.returncode == 1, unmet.stderr
    assert "step 1: ran, exit 0, " in unmet.stderr and "; expectation NOT met" in unmet.stderr, unmet.stderr
    assert "step 1: ok" not in unmet.stderr
    met = _wr(capsys, state, "run", inc, "2")
    assert met.returncode == 0 and "step 2: ok, exit 0, " in met.stderr, met.stderr
    show = _wr(capsys, state, "show", inc).stdout
    assert "[UNMET]" in show and "Step 1 ran, exit 0" in show


def test_show_json_checklist_gives_the_state_the_text_marks(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``incident show --json``'s checklist said ``"status": "ok"`` for the step the text marks
    ``≠ [UNMET]``; its ``state`` is the checklist's (``unmet``), ``status`` stays the journal's."""
    import json

    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    state = tmp_path / "state"
    inc = _wr(capsys, state, "new", "--title", "flows failing", "--severity", "P3",
              "--runbook", str(book)).stdout.strip()
    _wr(capsys, state, "run", inc, "1")
    _wr(capsys, state, "run", inc, "2")
    rows = json.loads(_wr(capsys, state, "show", inc, "--json").stdout)["checklist"]
    assert [(r["step"], r["status"], r["state"]) for r in rows] == [(1, "ok", "unmet"), (2, "ok", "ok")]
