"""The drill report's what-ifs keep a later ``rollout undo`` where it landed when typed, and an undo that meant no
mitigation is listed with why (redteam37 F11).

mass-failure, never rolled back: ``kubectl rollout restart`` (a new revision of v1.2.0), then a plain ``kubectl
rollout undo`` (back one revision: v1.2.0 again, as Kubernetes does). The report credited the restart with the 5xx
share falling from 9.2% to 0.198%: its "without it" replayed the undo without the restart, where going back one
revision reaches v1.1.0, so the what-if had a rollback nobody did. And the undo itself, which meant nothing (no
canonical action), was in neither "What was done" nor "what was missed".
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.cluster import build_cluster, pinned, release
from warroom.drill.directory import Drill
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.text import report_lines

RESTART, UNDO = 600.0, 780.0


def restarted_then_undone() -> Drill:
    d = warm_drill(Path(tempfile.mkdtemp()), "mass-failure", speed=60.0, start=START, name="undo")
    for command, t in (("kubectl rollout restart deployment/flowengine -n production", RESTART),
                       ("kubectl rollout undo deployment/flowengine -n production", UNDO)):
        assert run_one(d, command.split(), t)[0] == 0, command
    return d


def test_an_undo_lands_where_it_did_when_typed_in_a_world_without_what_came_before() -> None:
    d = restarted_then_undone()
    recorded = d.actions()
    without = [a for a in recorded if a.t != RESTART]
    assert release(build_cluster(d.scenario, recorded).flowengine.current.image) == "v1.2.0"     # as it went
    assert release(build_cluster(d.scenario, without).flowengine.current.image) == "v1.1.0"      # re-meant
    kept = [a for a in pinned(d.scenario, recorded) if a.t != RESTART]
    assert release(build_cluster(d.scenario, kept).flowengine.current.image) == "v1.2.0"


def test_while_open_the_undo_says_where_it_landed_never_that_it_is_the_fault() -> None:
    """attack42 A7: mid-drill the report told which release is the fault ("the release in fault") and how the
    restart bends it ("keeps the bad version"): the answer before any triage. Until the end it says what each did."""
    d = restarted_then_undone()
    report = drill_report(d, at=d.wall_time(UNDO + 900.0))         # no incident resolved: the drill is not over
    undo = next(a for a in report.actions if a.action == "rollout_undo")
    assert undo.why == "stayed on v1.2.0" and not undo.mitigation and undo.meant == ""
    restart = next(a for a in report.actions if a.action == "restart")
    assert restart.cause == "" and "Model API 5xx rate" in restart.change
    shown = "\n".join(report_lines(report)) + "\n".join(report.summary) + str(report.to_dict())
    assert "in fault" not in shown and "bad version" not in shown and "Not done" not in shown


def test_the_restart_is_credited_with_its_own_effect_and_the_undo_is_listed_with_why(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from warroom.incident.store import IncidentStore

    d = restarted_then_undone()
    now = [d.wall_time(RESTART - 60.0)]
    inc = IncidentStore(tmp_path / "inc", clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="failures", severity="P1", drill={"scenario": "mass-failure", "speed": 60.0})
    now[0] = d.wall_time(UNDO + 600.0)
    inc.resolve("looked fine")          # the drill is over: the scenario's judgement is told
    report = drill_report(d, inc.refresh(), at=d.wall_time(UNDO + 900.0))
    restart = next(a for a in report.actions if a.action == "restart")
    # without the restart (the undo kept on v1.2.0) the 5xx share is the bad release's, ~10%, not v1.1.0's 0.2%
    said = re.search(r"Model API 5xx rate [\d.]+%[^;]*?\(([\d.]+)% without it\)", restart.change)
    assert said is not None and float(said.group(1)) > 5.0, restart.change
    undo = next(a for a in report.actions if a.action == "rollout_undo")
    assert not undo.effective and undo.why == "stayed on v1.2.0, the release in fault", undo
    missed = next(line for line in report.summary if line.startswith("Not done:"))
    assert "FlowEngine rolled back off the bad release (FlowEngine rollout undone at " in missed, missed
    assert "stayed on v1.2.0, the release in fault" in missed, missed
    shown = "\n".join(report_lines(report))
    assert "FlowEngine rollout undone: did nothing — stayed on v1.2.0, the release in fault" in shown, shown



def test_while_open_the_json_says_no_judgement_either_and_once_over_it_does(tmp_path: Path) -> None:
    """attack42 A7 (its JSON part): mid-drill the text named no judgement, yet ``--json`` still gave each action's
    ``effective`` (the scenario's fix in force) and ``mitigation`` (one of its mitigations at all): the answer.
    One rule (``ActionRow.judged``) for the text, the screen, the summary and ``--json``: null until resolved.
    A restart taken a second time ("did nothing — already in force") is the scenario's judgement too; two minutes
    apart, the two are weighed together and credited once, to the first (attack43 A7's addendum: each weighed alone
    read "unchanged"), the second saying so, whoever the scenario counts."""
    from datetime import UTC, datetime

    from warroom.incident.store import IncidentStore

    d = warm_drill(tmp_path / "drill", "mass-failure", speed=60.0, start=START, name="twice")
    for t in (300.0, 420.0):
        assert run_one(d, "kubectl rollout restart deployment/flowengine -n production".split(), t)[0] == 0
    now = [d.wall_time(240.0)]
    inc = IncidentStore(tmp_path / "inc", clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="failures", severity="P1", drill={"scenario": "mass-failure", "speed": 60.0})
    during = drill_report(d, inc.state, at=d.wall_time(1200.0))
    rows = during.to_dict()["actions"]
    assert len(rows) == 2 and all(a["effective"] is None and a["mitigation"] is None for a in rows), rows
    # which of them the scenario counts its fix is its judgement too (attack43 A8: ``resolution_done`` named it)
    assert during.to_dict()["resolution_done"] is None
    assert [a.effective for a in during.actions] == [True, False]      # judged all the same, only not said
    text = "\n".join(report_lines(during))
    assert "did nothing" not in text and "already in force" not in text, text
    assert "Model API 5xx rate 9.2% 10m00s drill time (10s wall) later (10.2% without it)" in text, text
    assert "its effect is counted with the first restart's — restarted again within the first's effect window" in text
    now[0] = d.wall_time(1300.0)
    inc.resolve("restarted")
    after = drill_report(d, inc.refresh(), at=d.wall_time(1400.0))
    assert [(a["effective"], a["mitigation"]) for a in after.to_dict()["actions"]] == [(True, True), (False, True)]
    assert after.to_dict()["resolution_done"] == after.resolution_done
    assert "did nothing — restarted again within the first's effect window" in "\n".join(report_lines(after))


def test_an_env_change_is_credited_with_its_keys_and_its_rollouts_restart_is_named_as_the_restart() -> None:
    """redteam42 R12: ``kubectl set env … FALLBACK_MODEL=…`` in mass-failure (no fallback fixes a bad release) was
    credited with the 5xx share falling 10.2% -> 9.2%: what its rollout did, a restart onto the same bad release
    (the scenario's restart clears the gateway client's stuck connections). The simulator keys on the restart, so
    the report says so: a restart row beside the change's, and the change weighed against the same rollout as a
    plain restart. A model a provider serves (gpt-4o is none of the drill's: its calls fail, attack A12)."""
    d = warm_drill(Path(tempfile.mkdtemp()), "mass-failure", speed=60.0, start=START, name="env")
    command = "kubectl set env deployment/flowengine -n production FALLBACK_MODEL=gpt-4-turbo"
    assert run_one(d, command.split(), 300.0)[0] == 0
    rows = drill_report(d, at=d.wall_time(1500.0)).actions
    assert [a.action for a in rows] == ["fallback_routing", "restart"], rows
    env, restart = rows
    assert restart.description == ("FlowEngine rollout restarted (by the rollout of set FALLBACK_MODEL=gpt-4-turbo on"
                                   " flowengine)") and restart.effective and restart.moved
    assert re.search(r"Model API 5xx rate [\d.]+% .*\([\d.]+% without it\)", restart.change), restart.change
    # no pane moved by the change (its restart did), but it moved Claude's calls to GPT-4 (the world's record, fix51c)
    assert not env.moved and env.change.startswith("Flow failure rate and Model API 5xx rate unchanged within ") \
        and "; Anthropic (Claude) requests 0/min (" in env.change, env.change


def test_while_open_every_action_an_operation_meant_is_named_by_what_it_did() -> None:
    """The mid-drill labels (core43c's leftover of attack43 A8): a rollback, then ``set image`` back onto v1.2.0,
    mid-drill read "FlowEngine rolled back off the bad release (…)" and "FlowEngine moved back onto the bad release
    (set image …)": which release is the fault, before any triage. One rule (``ActionRow.description``): while open,
    named by what the command did; once over, the scenario's name (test_drill_report's off-switch test)."""
    d = warm_drill(Path(tempfile.mkdtemp()), "mass-failure", speed=60.0, start=START, name="labels")
    for command, t in (("kubectl rollout undo deployment/flowengine -n production", 600.0),
                       ("kubectl set image deployment/flowengine flowengine=registry.internal/flowengine:v1.2.0"
                        " -n production", 660.0)):
        assert run_one(d, command.split(), t)[0] == 0, command
    report = drill_report(d, at=d.wall_time(900.0))         # no incident resolved: the drill is not over
    names = [a.description for a in report.actions]
    assert "deployment image changed (set image registry.internal/flowengine:v1.2.0 on flowengine)" in names, names
    shown = "\n".join(report_lines(report)) + "\n".join(report.summary) + str(report.to_dict())
    assert "bad release" not in shown, shown


def test_a_step_the_scenario_asks_for_undone_by_a_rollout_undo_is_not_done(tmp_path: Path) -> None:
    """redteam46 R8's neighbour in audit-gap: PII redaction re-enabled by ``set env``, then a plain ``rollout undo``
    (back to the revision without it). No canonical action records a switch-off of redaction, so the resolution read it
    done; the undo row is named by what it put back, and "what was missed" says redaction was not in force."""
    from datetime import UTC, datetime

    from warroom.incident.store import IncidentStore

    d = warm_drill(tmp_path / "d", "audit-gap", speed=60.0, start=START, name="redact")
    for command, t in (("kubectl set env deployment/flowengine -n production PII_REDACTION_ENABLED=true", 600.0),
                       ("kubectl rollout undo deployment/flowengine -n production", 900.0)):
        assert run_one(d, command.split(), t)[0] == 0, command
    now = [d.wall_time(300.0)]
    inc = IncidentStore(tmp_path / "inc", clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="audit quiet", severity="P1", drill={"scenario": "audit-gap", "speed": 60.0})
    now[0] = d.wall_time(1500.0)
    inc.resolve("done")
    report = drill_report(d, inc.refresh(), at=d.wall_time(1600.0))
    assert "redaction" in report.resolution_missing and "redaction" not in report.resolution_done
    undo = next(a for a in report.actions if a.action == "rollout_undo")
    assert undo.description == "FlowEngine rollout undone (PII_REDACTION_ENABLED true → false)", undo
    missed = next(line for line in report.summary if line.startswith("Not done:"))
    assert "PII redaction re-enabled (not in force when it ended)" in missed, missed
