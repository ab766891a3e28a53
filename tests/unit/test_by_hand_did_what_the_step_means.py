"""A typed change credits a step only when it did what the step means (redteam49 F11).

RB-CORE-005's "Bring FlowEngine back" (``kubectl scale deployment/{{ deployment }} --replicas={{ replicas }}``) was
credited by any value in its places: a scale-down while FlowEngine ran (5 → 4: ``scale_down``, nothing was halted)
and a scale of the audit shipper ("with deployment=audit-shipper"). The workload the step names is the incident's
(``Shape.match``'s ``values``), and the typing must mean what the step's own command means on the runbook's path
(``by_hand.Meaning``: after its halt, ``flowengine_start``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock, typed_drill_incident
from tests.unit.standins_corpus import START, typed_in_shell, warm_drill
from warroom.config import Config
from warroom.incident.by_hand import typed_steps
from warroom.incident.drill_report import drill_report
from warroom.incident.store import IncidentStore

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"


def _scale(name: str, replicas: int) -> list[str]:
    return ["kubectl", "scale", f"deployment/{name}", f"--replicas={replicas}", "-n", "production"]


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def test_a_typed_change_credits_the_step_only_for_its_workload_and_what_it_means(tmp_path: Path) -> None:
    d, clock, inc = typed_drill_incident(tmp_path, "audit-gap", RUNBOOK, title="Audit log quiet")
    book = inc.runbook()

    def credited(t: float) -> dict[str, str]:
        clock.t = d.wall_time(t)
        return {sid: c.state for (_, sid), c in typed_steps(d, inc.state, [book], clock()).items()}

    # 5 → 5 while FlowEngine runs, never halted: it changed nothing, and what the step means (brought back after the
    # halt) does not hold then, so it is no "already in force" (attack50 A1: credited "done by hand", in the report's
    # path too, while FlowEngine was never halted)
    assert typed_in_shell(d, _scale("flowengine", 5), 120.0) == 0
    assert typed_in_shell(d, _scale("flowengine", 4), 150.0) == 0        # 5 → 4: replicas removed, nothing halted
    assert typed_in_shell(d, _scale("audit-shipper", 4), 200.0) == 0     # another workload
    assert typed_in_shell(d, ["kubectl", "scale", "deploy/audit-shipper", "--replicas", "3"], 220.0) == 0
    assert "restore-replicas" not in credited(300.0)
    assert typed_in_shell(d, _scale("flowengine", 0), 400.0) == 0        # the halt (step 7), word for word
    assert typed_in_shell(d, _scale("flowengine", 0), 450.0) == 0        # again: zero while halted restores nothing
    states = credited(500.0)
    assert "halt-flows" in states and "restore-replicas" not in states, states
    assert typed_in_shell(d, _scale("flowengine", 5), 600.0) == 0        # brought back: 0 → 5, with its value
    states = credited(700.0)
    assert states.get("restore-replicas", "").startswith("done by hand at "), states
    assert "with replicas=5" in states["restore-replicas"], states
    # after it, a scale-down and the shipper's scale are no "Bring FlowEngine back" again: the report's path keeps them
    # outside the runbook's steps (its Go/No-Go's typings and ``typed_again`` ask the same rule)
    assert typed_in_shell(d, _scale("flowengine", 4), 650.0) == 0
    assert typed_in_shell(d, _scale("audit-shipper", 4), 660.0) == 0
    clock.t = d.wall_time(700.0)
    report = drill_report(d, inc.state, at=clock().timestamp(), runbook=book)
    [(_, _, state, did)] = [line for line in report.runbook_path if line[1] == "Bring FlowEngine back"]
    assert state.startswith("done by hand at ") and "4 replicas" not in did, did
    assert [o for o in report.outside if "scaled to 4 replicas" in o] == [      # each of the two typings, as typed
        "scaled to 4 replicas on flowengine (kubectl scale deployment/flowengine --replicas=4 -n production)",
        "scaled to 4 replicas on audit-shipper (kubectl scale deployment/audit-shipper --replicas=4 -n production)"] * 2
    assert "scaled to 5 replicas on flowengine (kubectl scale deployment/flowengine --replicas=5 -n production)" \
        in report.outside, report.outside        # the 5 → 5 before any halt: no typing of the restore


def test_a_change_that_changed_nothing_is_the_step_only_while_what_the_step_means_holds(tmp_path: Path) -> None:
    """RB-CORE-004's "Put the provider back into routing and leave manual review" (``DISABLE_PROVIDERS-
    MANUAL_REVIEW_MODE-``) typed before anything was taken out changes nothing and is no credit (attack50 A1); typed
    again once both were put back (by another spelling), it is the step already in force."""
    d, clock, inc = typed_drill_incident(tmp_path, "provider-outage", RUNBOOK.parent / "RB-CORE-004-provider-outage.md",
                                         title="Flows failing")
    book = inc.runbook()
    back = book.step(21).id

    def env(*words: str) -> list[str]:
        return ["kubectl", "set", "env", "deployment/flowengine", *words, "-n", "production"]

    def credited(t: float) -> dict[str, str]:
        clock.t = d.wall_time(t)
        return {sid: c.state for (_, sid), c in typed_steps(d, inc.state, [book], clock()).items()}

    assert typed_in_shell(d, env("DISABLE_PROVIDERS-", "MANUAL_REVIEW_MODE-"), 150.0) == 0     # nothing to put back
    assert back not in credited(180.0)
    assert typed_in_shell(d, env("DISABLE_PROVIDERS=anthropic"), 200.0) == 0
    assert typed_in_shell(d, env("MANUAL_REVIEW_MODE=true"), 250.0) == 0
    # put back by other words (the unsets in another order are the step itself since redteam51 R7: values instead)
    assert typed_in_shell(d, env("MANUAL_REVIEW_MODE=false", "DISABLE_PROVIDERS="), 300.0) == 0
    assert typed_in_shell(d, env("DISABLE_PROVIDERS-", "MANUAL_REVIEW_MODE-"), 400.0) == 0
    assert credited(450.0).get(back) == "done by hand at +5m00s (drill shell)"


def test_an_undo_onto_the_bad_release_is_no_rollback_and_a_lower_floor_adds_no_replicas(tmp_path: Path) -> None:
    """The same mechanism on other changes a value fills: RB-LAUNCH-005's "Roll FlowEngine back" (``rollout undo
    --to-revision={{ good_revision }}``, no default) typed to the bad release's revision after a rollback by image
    means ``rollback_off``; RB-CORE-002's "Add FlowEngine replicas" (``patch hpa … minReplicas: {{ replicas }}``)
    typed with a floor below the running count adds none, while its own value (8) would have."""
    d = warm_drill(tmp_path / "drills", "mass-failure", speed=60.0, start=START)
    clock = DrillClock(d.wall_time(100.0))
    store = IncidentStore(tmp_path / "incidents", Config(), clock=clock)
    runbooks = Path(__file__).resolve().parents[2] / "runbooks"
    launch = store.create(title="Flows failing", severity="P1", runbook=str(runbooks / "RB-LAUNCH-005-mass-failure.md"),
                          drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)})
    timeout = store.create(title="Flows slow", severity="P2", runbook=str(runbooks / "RB-CORE-002-timeout-recovery.md"),
                           drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)})
    image = "registry.internal/flowengine:v1.1.0"
    assert typed_in_shell(d, ["kubectl", "set", "image", "deployment/flowengine", f"flowengine={image}", "-n",
                              "production"], 150.0) == 0                  # off the bad release (v1.2.0, revision 7)
    assert typed_in_shell(d, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production",
                              "--to-revision=7"], 200.0) == 0              # back onto it
    assert typed_in_shell(d, ["kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p",
                              '{"spec": {"minReplicas": 3 }}'], 250.0) == 0
    clock.t = d.wall_time(300.0)
    assert typed_steps(d, launch.state, [launch.runbook()], clock()) == {}
    assert typed_steps(d, timeout.state, [timeout.runbook()], clock()) == {}
    assert typed_in_shell(d, ["kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p",
                              '{"spec": {"minReplicas": 12 }}'], 350.0) == 0
    # a case beside another under one heading is no part of its path: "from 50 to 20" typed without "throttle to 5"
    # (Rate limit exhaustion, beside Database connection pool exhaustion) throttles, as its words say
    assert typed_in_shell(d, ["kubectl", "set", "env", "deployment/flowengine", "MAX_CONCURRENT_FLOWS=20", "-n",
                              "production"], 380.0) == 0
    clock.t = d.wall_time(400.0)
    [(key, credit)] = typed_steps(d, timeout.state, [timeout.runbook()], clock()).items()
    assert key[1] == timeout.runbook().step(9).id and "with replicas=12" in credit.state, credit.state
    [(key, credit)] = typed_steps(d, launch.state, [launch.runbook()], clock()).items()
    assert key[1] == launch.runbook().step(35).id and credit.state.startswith("done by hand at "), credit.state
    # a rollback that also drops what was set since (the throttle, in the revision it leaves) is still the rollback:
    # the step's own command would have dropped it too
    assert typed_in_shell(d, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production",
                              "--to-revision=5"], 450.0) == 0
    clock.t = d.wall_time(500.0)
    said = {k[1]: c.state for k, c in typed_steps(d, launch.state, [launch.runbook()], clock()).items()}
    assert said.get(launch.runbook().step(28).id, "").startswith("typed by hand at "), said
