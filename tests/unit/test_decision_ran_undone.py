"""A Go/No-Go criterion that counts a step's run ("the step that turns PII redaction back on ran ok") counts it only
while nothing recorded since undid it (redteam51 R6): redaction switched off again and the audit shipper scaled to
zero by hand in the drill shell read "✔ met … ran ok" and the NO-GO "✗ not met … flows would run unredacted", so a GO
brought FlowEngine back unredacted with no shipper. One rule for every runbook's decisions
(``decisions.reversals``): in a drill the stand-ins' record, in a real incident a later step run through warroom. Every
clock is pinned; the stand-ins run in-process."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, run_one, typed_in_shell
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

REDACTION_ON = "The step that turns PII redaction back on ran ok"
SHIPPER = "The audit shipper's restart ran ok (needed when the audit log went quiet)"
UNREDACTED = "The step that turns PII redaction back on has not run: flows would run unredacted"
MITIGATION = "A mitigation step of this runbook ran ok (reroute, breaker, rollback, hot-patch, larger pool)"
LAUNCH_005 = Path(__file__).resolve().parents[2] / "runbooks" / "RB-LAUNCH-005-mass-failure.md"
WAIT = "The wait for the audit shipper to be ready ran ok after its restart (its rollout finished)"
QUIET = "The audit log is quiet (5 minutes or more without an event) and the audit shipper has not been restarted"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _ran(inc: Any, step_id: str, command: str, tag: str = "") -> None:
    """Journal a run of ``step_id`` that ran ``command`` and ended ok; ``tag``: the run's, which a drill's stand-ins
    stamp its changes with (none: what it changed is read off its command, as in a real incident)."""
    step = inc.runbook().step(step_id)
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": command, "mutating": True} | ({"tag": tag} if tag else {}))
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1})


def _step(d: Any, inc: Any, step_id: str, argv: list[str], t: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """``step_id`` run through warroom at drill second ``t``: its stand-in call stamped with the run's tag."""
    from warroom.execute.watchdog import TAG_ENV

    monkeypatch.setenv(TAG_ENV, f"tag-{step_id}")
    assert run_one(d, argv, t)[0] == 0
    monkeypatch.delenv(TAG_ENV)
    _ran(inc, step_id, shlex.join(argv), f"tag-{step_id}")


def _audit_gap(tmp_path: Path) -> tuple[Any, DrillClock, Any]:
    """An audit-gap drill at x60 with its RB-CORE-005 incident declared at drill second 100."""
    d = create_drill(tmp_path / "drills", "audit-gap", speed=60.0, start=START)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Audit log gap growing", severity="P1", runbook="RB-CORE-005",
        drill={"scenario": "audit-gap", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    return d, clock, inc


def _criteria(inc: Any, now: datetime) -> dict[str, Any]:
    [view] = dec.evaluate_all(inc, inc.refresh(), [inc.runbook()], None, now)
    return {c.text: c for c in view.criteria}


def test_redaction_switched_off_and_the_shipper_scaled_to_zero_by_hand_undo_the_go_criteria(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d, clock, inc = _audit_gap(tmp_path)
    clock.t = d.wall_time(200.0)
    on = ["kubectl", "set", "env", "deployment/flowengine", "PII_REDACTION_ENABLED=true",
          "PII_PATTERNS=email,ssn,credit_card", "-n", "production"]
    _step(d, inc, "enable-pii-redaction", on, 200.0, monkeypatch)
    clock.t = d.wall_time(210.0)
    restart = ["kubectl", "rollout", "restart", "deployment/audit-shipper", "-n", "production"]
    _step(d, inc, "restart-audit-pipeline", restart, 210.0, monkeypatch)
    clock.t = d.wall_time(250.0)
    said = _criteria(inc, clock())
    assert (said[REDACTION_ON].state, said[SHIPPER].state, said[UNREDACTED].state) == ("met", "met", "not met")
    # redteam51 R11: the half its words state is named false, never "its words say it has not" (read as the
    # restart's own output saying it had not restarted)
    assert said[QUIET].state == "not met" and said[QUIET].evidence.endswith(
        'but step restart-audit-pipeline ran ok 40s drill time ago (14:13:23 UTC): "the audit shipper has not been'
        ' restarted" is false'), said[QUIET].evidence

    off = ["kubectl", "set", "env", "deployment/flowengine", "PII_REDACTION_ENABLED=false", "-n", "production"]
    assert typed_in_shell(d, off, 300.0) == 0
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/audit-shipper", "--replicas=0", "-n", "production"],
                          310.0) == 0
    clock.t = d.wall_time(400.0)
    said = _criteria(inc, clock())
    at = datetime.fromtimestamp(d.wall_time(300.0), UTC)
    assert said[REDACTION_ON].state == "not met", said[REDACTION_ON]
    assert (f"undone at {at:%H:%M:%S} UTC by `kubectl set env deployment/flowengine PII_REDACTION_ENABLED=false -n"
            " production` typed in the drill shell (PII_REDACTION_ENABLED=false)") in said[REDACTION_ON].evidence
    assert said[SHIPPER].state == "not met" and "(scaled to 0)" in said[SHIPPER].evidence, said[SHIPPER]
    # the NO-GO reasons hold again: flows would run unredacted; the quiet log's measure is evidence again
    assert said[UNREDACTED].state == "met" and "no longer stands" in said[UNREDACTED].evidence, said[UNREDACTED]
    assert "but step restart-audit-pipeline ran ok" not in said[QUIET].evidence
    assert "undone at" in said[QUIET].evidence, said[QUIET]

    # put back by hand (a switch as FlowEngine reads it: 1 is true), the runs stand again
    assert typed_in_shell(d, [*off[:4], "PII_REDACTION_ENABLED=1", *off[5:]], 420.0) == 0
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/audit-shipper", "--replicas=1", "-n", "production"],
                          430.0) == 0
    clock.t = d.wall_time(435.0)
    said = _criteria(inc, clock())
    assert (said[REDACTION_ON].state, said[SHIPPER].state, said[UNREDACTED].state) == ("met", "met", "not met")

    # a rollout undo goes back to the revision before the last change: redaction off again, read from the drill's
    # world (its record holds no template)
    assert typed_in_shell(d, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"], 440.0) == 0
    clock.t = d.wall_time(500.0)
    said = _criteria(inc, clock())
    assert said[REDACTION_ON].state == "not met" and said[REDACTION_ON].evidence.endswith(
        "typed in the drill shell (PII_REDACTION_ENABLED=false by a rollout undo)"), said[REDACTION_ON]
    assert said[SHIPPER].state == "met"


RUNBOOK = '''# Feature X

## Mitigation

```bash {name="enable-x" mutating=true}
# Turn feature X on
kubectl set env deployment/api FEATURE_X=true -n prod
```

```bash {name="disable-x" mutating=true}
# Turn feature X off again
kubectl set env deployment/api FEATURE_X=false -n prod
```

```bash {name="undo-api" mutating=true}
# Roll the API back one revision
kubectl rollout undo deployment/api -n prod
```

```decision
id = "ship"
question = "Ship it?"
deadline = "15m"

[[go]]
text = "Feature X's step ran ok"
ran = ["enable-x"]

[[no_go]]
text = "Feature X's step has not run"
not_ran = ["enable-x"]
```
'''


def test_in_a_real_incident_a_later_step_undoes_the_run_and_a_rollout_undo_leaves_it_unknown(
        tmp_path: Path) -> None:
    """No drill: what undid a run is a later step run through warroom, read off its journaled command; a ``rollout
    undo`` puts back a revision the journal does not hold: unknown, never met."""
    path = tmp_path / "RB-X-001-feature.md"
    path.write_text(RUNBOOK, encoding="utf-8")
    clock = DrillClock(datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp())
    cfg = Config()
    inc = IncidentStore(tmp_path / "incidents", cfg, clock=clock).create(
        title="API broken", severity="P2", runbook=str(path), source={})
    clock.t += 60
    _ran(inc, "enable-x", "kubectl set env deployment/api FEATURE_X=true -n prod")
    clock.t += 60
    assert _criteria(inc, clock())["Feature X's step ran ok"].state == "met"
    _ran(inc, "undo-api", "kubectl rollout undo deployment/api -n prod")
    clock.t += 60
    said = _criteria(inc, clock())
    assert said["Feature X's step ran ok"].state == "unknown", said
    assert "may have been undone at 10:02:00 UTC by step 3 (Roll the API back one revision)" in \
        said["Feature X's step ran ok"].evidence
    assert said["Feature X's step has not run"].state == "unknown"
    _ran(inc, "disable-x", "kubectl set env deployment/api FEATURE_X=false -n prod")
    clock.t += 60
    said = _criteria(inc, clock())
    assert said["Feature X's step ran ok"].state == "not met", said
    assert said["Feature X's step ran ok"].evidence.endswith(
        "undone at 10:03:00 UTC by step 2 (Turn feature X off again) (FEATURE_X=false)")
    assert said["Feature X's step has not run"].state == "met"
    _ran(inc, "enable-x", "kubectl set env deployment/api FEATURE_X=true -n prod")      # run again: it stands
    clock.t += 60
    said = _criteria(inc, clock())
    assert (said["Feature X's step ran ok"].state, said["Feature X's step has not run"].state) == ("met", "not met")


def test_the_rollback_undone_by_a_plain_rollout_undo_is_no_mitigation_that_ran_ok(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RB-LAUNCH-005's rollback is itself a ``rollout undo``: what it did is the release it went back to, read from the
    drill's world. A plain ``rollout undo`` typed after it goes back onto the bad release: "A mitigation step of this
    runbook ran ok" no longer counts it."""
    d = create_drill(tmp_path / "drills", "mass-failure", speed=10.0, start=START)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook=str(LAUNCH_005),
        drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    clock.t = d.wall_time(200.0)
    _step(d, inc, "rollback-deployment", ["kubectl", "rollout", "undo", "deployment/flowengine", "--to-revision=6",
                                          "-n", "production"], 200.0, monkeypatch)
    clock.t = d.wall_time(300.0)
    assert _criteria(inc, clock())[MITIGATION].state == "met"
    assert typed_in_shell(d, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"], 340.0) == 0
    clock.t = d.wall_time(400.0)
    said = _criteria(inc, clock())[MITIGATION]
    assert said.state == "not met" and said.evidence.endswith(
        "typed in the drill shell (image registry.internal/flowengine:v1.2.0 by a rollout undo)"), said


def test_a_wait_for_ready_stands_only_while_nothing_changed_what_it_waited_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """attack51 A2: the wait for the audit shipper to be ready ran ok after its restart; then the store's secret was
    deleted and the shipper restarted by hand: its new pods cannot log in. A read changes nothing, so nothing it did
    can be undone; what it found holds only while nothing changed what it read: the restart since makes it stale."""
    d, clock, inc = _audit_gap(tmp_path)
    clock.t = d.wall_time(210.0)
    _step(d, inc, "restart-audit-pipeline",
          ["kubectl", "rollout", "restart", "deployment/audit-shipper", "-n", "production"], 210.0, monkeypatch)
    clock.t = d.wall_time(300.0)
    _step(d, inc, "audit-shipper-ready", ["kubectl", "rollout", "status", "deployment/audit-shipper", "-n",
                                          "production", "--timeout=120s"], 300.0, monkeypatch)
    clock.t = d.wall_time(320.0)
    assert _criteria(inc, clock())[WAIT].state == "met"
    assert typed_in_shell(d, ["kubectl", "delete", "secret", "audit-store-2025-11", "-n", "production"], 330.0) == 0
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", "-n", "production"],
                          340.0) == 0
    clock.t = d.wall_time(400.0)
    said = _criteria(inc, clock())[WAIT]
    at = datetime.fromtimestamp(d.wall_time(340.0), UTC)
    assert said.state == "not met", said
    assert f"undone at {at:%H:%M:%S} UTC by `kubectl rollout restart deployment/audit-shipper -n production` typed" \
           " in the drill shell (audit-shipper restarted since it was read)" in said.evidence, said.evidence
