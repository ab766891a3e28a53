"""redteam38 F6: a check's missed expectation, once the IC ticked the step done, is no open concern at resolve.

RB-CORE-005's Detection count (step 2) missed its expectation and the IC ticked it done; the audit log was later
restored and validated, yet the resolve dialog, ``incident resolve`` and the PIR's header all said "Resolved
although: step 2 (...): expectation not met". A check (a run that changes nothing) reads the world; the IC who ticked
it after reading its output has judged what it found, and the checklist already counts it done. A mitigation's miss
is another matter: ticking it does not make the change happen, so it stays a concern, as a failed verify gate does.
A later run that met the expectation settles a miss, as before; unticking brings the miss back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, ran_ok
from warroom.config import Config
from warroom.incident.metric_sync import resolve_concerns
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary

UNMET = {"expect": "0 confirms an audit-log failure", "expect_met": False, "expect_verdict": "unmet",
         "expect_reason": "the output holds 500 (wanted 0)", "expect_kind": "numeric"}
MET = {**UNMET, "expect_met": True, "expect_verdict": "met", "expect_reason": "the output holds 0 (wanted 0)"}


def _audit_gap(tmp_path: Path):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    runbook = RunbookLibrary.from_config(cfg).get("RB-CORE-005").path
    return IncidentStore(tmp_path, cfg).create(title="Audit log gap", severity="P1", runbook=runbook, source={})


def _unmet(concerns: list[str]) -> list[str]:
    return [c for c in concerns if "expectation not met" in c]


def test_a_ticked_check_is_settled_a_ticked_mitigation_is_not(tmp_path: Path) -> None:
    inc = _audit_gap(tmp_path)
    count = ran_ok(inc, 2, **UNMET)                       # Detection: the audit-log count
    scan = ran_ok(inc, 3, **UNMET)                        # another check, left unticked
    halt = ran_ok(inc, 7, mutating=True, **UNMET)         # Mitigation: scale to 0
    assert len(_unmet(resolve_concerns(inc.refresh(), {}))) == 3
    inc.tick(2)
    inc.tick(7)
    concerns = _unmet(resolve_concerns(inc.refresh(), {}))
    # what the output held beside what was wanted (redteam43 R12: "not met (0)" read as "it found 0")
    assert concerns == [f"step 3 ({scan.label}): expectation not met: the output holds 500 (wanted 0)",
                        f"step 7 ({halt.label}): expectation not met: the output holds 500 (wanted 0)"]
    inc.untick(2)                                         # the IC takes the word back: the miss is open again
    assert any(count.label in c for c in _unmet(resolve_concerns(inc.refresh(), {})))


def test_a_run_after_the_tick_is_judged_again(tmp_path: Path) -> None:
    inc = _audit_gap(tmp_path)
    count = ran_ok(inc, 2, **MET)
    inc.tick(2)
    ran_ok(inc, 2, **UNMET)                               # ran again after the tick: its miss is new
    assert any(count.label in c for c in _unmet(resolve_concerns(inc.refresh(), {})))
    ran_ok(inc, 2, **MET)                                 # a later run that met it settles it, as before
    assert not _unmet(resolve_concerns(inc.refresh(), {}))


def test_resolve_and_the_pir_say_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inc = _audit_gap(tmp_path)
    count = ran_ok(inc, 2, **UNMET)
    halt = ran_ok(inc, 7, mutating=True, **UNMET)
    inc.tick(2)
    code, _, err = Cli(tmp_path, capsys)("resolve", inc.id, "--summary", "audit shipper restarted", "--yes")
    assert code == 0
    assert halt.label in err and count.label not in err
    pir = inc.render("pir")
    assert f"Resolved although: step 7 ({halt.label}): expectation not met" in pir
    assert f"Resolved although: step 2 ({count.label})" not in pir


def _ran(inc, number: int, command: str, **finished):  # type: ignore[no-untyped-def]
    """A run of step ``number`` that ran ``command`` (as run: its parameters filled in)."""
    from warroom.journal import events as ev

    step = inc.step(number)
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": command, "mutating": False})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1, **finished})
    return step


def test_a_miss_settled_by_a_later_run_of_the_same_check_is_no_concern(tmp_path: Path) -> None:
    """A miss is settled by a later run of the same step (above) or by a later run of the same check in
    another step: the same command, as run, with the same expectation, met (a runbook that repeats its
    Triage check under Validation; two open runbooks that share one). What is not the same check settles
    nothing: RB-CORE-005's Detection count ("0 confirms an audit-log failure", over 5 minutes) and its
    Validation count ("more than 0", over 15) are two checks with opposite expectations, and the runbook
    format declares no link between them (the IC ticks the Detection step to say it was judged)."""
    inc = _audit_gap(tmp_path)
    pods = "kubectl get pods -n production"
    first = _ran(inc, 2, pods, **UNMET)
    assert _unmet(resolve_concerns(inc.refresh(), {}))
    _ran(inc, 3, "kubectl get pods -n staging", **MET)           # another command: not the same check
    _ran(inc, 4, pods, **{**MET, "expect": "more than 0"})       # another expectation: not the same check
    assert any(first.label in c for c in _unmet(resolve_concerns(inc.refresh(), {})))
    _ran(inc, 4, pods, **MET)                                    # the same check, met later: settled
    assert not any(first.label in c for c in _unmet(resolve_concerns(inc.refresh(), {})))
    _ran(inc, 2, pods, **UNMET)                                  # missed again after it: open again
    assert any(first.label in c for c in _unmet(resolve_concerns(inc.refresh(), {})))
