"""redteam42 R5: mass failure worked by the book scored "Time to mitigate: MISSED" by 52 minutes.

RB-LAUNCH-005's rollback had no verify gate, so the milestone waited for every breached pane to come back under
its warn line, and the failure-rate pane is a ratio over an hour: a textbook rollback at +21m46s was "mitigated" at
+1h21m54s. The runbook's fixes (the rollback, the hot-fix's restart, routing around a failed provider) now carry a
gate on the five-minute failure rate; here it is judged on the drill's own world, on the pinned clock: it passes a
few minutes after a rollback that worked, and runs out after one that rolled onto the bad release again.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warmed
from warroom import scenario_time as stime
from warroom.config import Config
from warroom.drill.directory import DrillSource, create_drill
from warroom.runbook.library import RunbookLibrary
from warroom.sources.verify import VerifyCheck, VerifyRun, parse_verify

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC).timestamp()
FIXED_AT = 1300.0          # scenario seconds: about when redteam42 rolled back (+21m46s after detection)
SPEED = 10.0


def _gate(step_id: str):  # noqa: ANN202 - a VerifyGate
    book = RunbookLibrary.from_config(Config()).get("RB-LAUNCH-005")
    assert book is not None
    [step] = [s for s in book.steps if s.id == step_id]
    assert step.verify, f"{step_id} has no verify gate: the milestone waits for the hour-long pane"
    return parse_verify(step.verify, [], book.queries)


def _watch(tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch) -> tuple[VerifyCheck, float]:
    """The rollback gate watched every 2 wall seconds after ``command`` ran at ``FIXED_AT``: the outcome and the
    drill minutes from the step to the look that settled it. Bounded by the gate's window."""
    gate = _gate("rollback-deployment")
    monkeypatch.setenv(stime.AT_ENV, repr(T0))
    d = warmed(create_drill(tmp_path, "mass-failure", speed=SPEED, start=T0))
    opened = d.wall_time(FIXED_AT)
    monkeypatch.setenv(stime.AT_ENV, repr(opened))
    code, _out, err = run_one(d, command.split(), FIXED_AT)
    assert code == 0, err
    run = VerifyRun(gate, DrillSource(d), started_at=opened, speed=SPEED)
    for i in range(math.ceil((run.deadline - opened) / 2.0) + 2):
        at = opened + 2.0 * i
        monkeypatch.setenv(stime.AT_ENV, repr(at))
        check = run.check()
        if check.status != "pending":
            return check, (at - opened) * SPEED / 60.0
    raise AssertionError("the gate outlived its window")


def test_every_fix_in_the_runbook_has_a_gate_on_a_short_window() -> None:
    for step_id in ("rollback-deployment", "hotfix-restart", "route-around-provider"):
        gate = _gate(step_id)
        assert gate.window == 900.0 and gate.hold == 120.0, step_id
        assert "5m" in gate.title, gate.title


def test_a_rollback_that_worked_is_confirmed_within_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check, minutes = _watch(tmp_path, "kubectl rollout undo deployment/flowengine -n production --to-revision=6",
                            monkeypatch)
    assert check.status == "passed", check.reason
    assert minutes < 10.0          # the rollout (~45 s), the five-minute window emptying, the two-minute hold


def test_a_rollback_onto_the_bad_release_is_not_confirmed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart is a new revision of the same (bad) template: nothing changes, and the gate says so."""
    check, _ = _watch(tmp_path, "kubectl rollout restart deployment/flowengine -n production", monkeypatch)
    assert check.status == "failed"
    assert "ran out" in (check.reason or ""), check.reason
