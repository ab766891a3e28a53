"""The service layer: parameters, refusals, dry runs, checklist, notes, resolve, damaged journals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock, install_fake_runbook
from warroom.config import Config
from warroom.errors import NotFoundError, WarroomError
from warroom.journal import events as ev
from warroom.incident.session import DryRun, Incident, JournalDamaged, ParamError, StepRefused, detect_target
from warroom.incident.store import IncidentStore


@pytest.fixture
def inc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Incident:
    install_fake_runbook(monkeypatch, tmp_path)
    cfg = Config()
    cfg.params = {"task_id": "from-config"}
    return IncidentStore(tmp_path / "state", cfg, clock=Clock()).create(
        title="Quota exhausted", severity="P3", runbook="RB-TEST-001")


def _types(inc: Incident) -> list[str]:
    return [e.type for e in inc.read().events]


def test_param_layers_runbook_config_journal_given(inc: Incident) -> None:
    by_name = {p.name: p for p in inc.param_prompts(1)}
    assert (by_name["namespace"].value, by_name["namespace"].source) == ("production", "runbook")
    assert (inc.param_prompts(2)[0].value, inc.param_prompts(2)[0].source) == ("from-config", "config")
    inc.run_step(inc.prepare_step(2, {"task_id": "t-42"}), dry_run=True)
    assert (inc.param_prompts(2)[0].value, inc.param_prompts(2)[0].source) == ("t-42", "journal")
    p = inc.prepare_step("show-task", {"task_id": "given_1"})
    assert p.params == {"task_id": "given_1"} and "given_1" in (p.command or "")


def test_values_are_substituted_shell_quoted(inc: Incident) -> None:
    # A value outside the safe alphabet is refused (the namespace declares no pattern), named.
    with pytest.raises(ParamError, match="parameter 'namespace' contains ';'") as err:
        inc.prepare_step(1, {"namespace": "prod; rm -rf /"})
    assert "rm -rf" not in str(err.value)
    p = inc.prepare_step(1, {"namespace": "prod-eu.1"})
    assert p.command == "kubectl get pods -n prod-eu.1"
    assert p.target == {"context": "(current context)", "namespace": "prod-eu.1"}
    assert not p.mutating


def test_missing_and_invalid_params_are_clear(inc: Incident, tmp_path: Path) -> None:
    inc.config.params = {}
    with pytest.raises(ParamError) as err:
        inc.prepare_step(2)
    assert "missing required parameter task_id (id of the failed task)" in str(err.value)
    assert "--param task_id=VALUE" in str(err.value)
    # the run dialog takes the value in its field: its preview says so, never the command line's --param (redteam49 F11)
    assert "type its value in the task_id field" in err.value.dialog and "--param" not in err.value.dialog
    with pytest.raises(ParamError) as err:
        inc.prepare_step(2, {"task_id": "bad id!"})
    assert "does not match" in str(err.value) and "task_id" in str(err.value)
    with pytest.raises(ParamError) as err:
        inc.prepare_step(2, {"nope": "x", "task_id": "a"})
    assert "does not take nope" in str(err.value)
    assert _types(inc) == [ev.DECLARED]  # nothing journaled for bad input


def test_unknown_step_names_close_matches(inc: Incident) -> None:
    with pytest.raises(NotFoundError) as err:
        inc.prepare_step("check-pod")
    assert "no step 'check-pod'" in str(err.value) and "check-pods" in str(err.value)
    with pytest.raises(NotFoundError):
        inc.tick(99)


def test_mutating_step_needs_confirmation_and_read_only_refuses(inc: Incident) -> None:
    p = inc.prepare_step(3)
    assert p.mutating
    with pytest.raises(StepRefused) as err:
        inc.run_step(p)
    assert err.value.exit_code == 5 and "--yes" in str(err.value)
    with pytest.raises(StepRefused) as err:
        inc.run_step(p, confirm=True, read_only=True)
    assert "read-only" in str(err.value)
    refusals = inc.state.steps["enable-breaker"].refusals
    assert "not confirmed" in refusals[0]["reason"] and "read-only session" in refusals[1]["reason"]
    assert refusals[0]["command"] == p.command


def test_dry_run_records_the_exact_command(inc: Incident) -> None:
    p = inc.prepare_step(3, {"namespace": "prod"})
    result = inc.run_step(p, dry_run=True, read_only=True)
    assert isinstance(result, DryRun)
    assert result.event.data["command"] == p.command
    st = inc.state.steps["enable-breaker"]
    assert st.status == "pending" and st.dry_runs[0]["command"] == p.command


def test_manual_steps_are_ticked_not_run(inc: Incident) -> None:
    with pytest.raises(WarroomError, match="tick it"):
        inc.run_step(inc.prepare_step(4))
    inc.tick(4)
    assert inc.state.steps["page-tl"].status == "ticked"
    with pytest.raises(WarroomError, match="already ticked"):
        inc.tick("page-tl")
    inc.untick("Page the tech lead")
    assert inc.state.steps["page-tl"].status == "pending"
    with pytest.raises(WarroomError, match="needs a reason"):
        inc.skip(4, "  ")
    inc.skip(4, "TL already on the call")
    assert inc.state.steps["page-tl"].skipped_reason == "TL already on the call"


def test_every_mutation_is_one_append(inc: Incident) -> None:
    before = len(inc.read().events)
    inc.note("root-cause", "retry storm", owner=None)
    inc.note("action", "alert at 75%", owner="sre", due="2099-12-01")
    inc.set_severity("P2", "spreading")
    inc.set_status("monitoring")
    inc.mark_phase("mitigated")
    inc.add_timeline("customer report")
    inc.correct_timeline(inc.state.timeline[-1].seq, "customer report via support")
    inc.record_status_update("investigating", ["clipboard"])
    inc.record_evidence({"quota": {"value": 91.0, "unit": "percent", "state": "crit"}})
    inc.resolve("quota back to normal", "breaker on", rollback=False, type="Rate limit", affected_repos="3")
    assert len(inc.read().events) == before + 10
    st = inc.state
    assert st.severity == "P2" and st.status == "resolved"
    assert st.resolution and st.resolution["affected_repos"] == "3"
    assert [n.tag for n in st.notes] == ["root-cause", "action"]


def test_invalid_calls_write_nothing(inc: Incident) -> None:
    n = len(inc.read().events)
    for call in (lambda: inc.note("blame", "x"), lambda: inc.note("info", " "), lambda: inc.set_severity("P3"),
                 lambda: inc.set_severity("P7"), lambda: inc.mark_phase("lunch"), lambda: inc.reopen("x"),
                 lambda: inc.correct_timeline(999, "x"), lambda: inc.resolve("")):
        with pytest.raises(WarroomError):
            call()
    inc.resolve("done")
    with pytest.raises(WarroomError, match="already resolved"):
        inc.resolve("again")
    assert len(inc.read().events) == n + 1


def test_damaged_journal_refuses_writes_but_reads_the_prefix(inc: Incident) -> None:
    inc.note("info", "one")
    inc.note("info", "two")
    inc.note("info", "three")
    lines = inc.journal.path.read_bytes().split(b"\n")
    assert b'"text":"two"' in lines[2]
    lines[2] = lines[2].replace(b'"text":"two"', b'"text":"TWO"')
    inc.journal.path.write_bytes(b"\n".join(lines))
    fresh = IncidentStore(inc.dir.parent.parent, inc.config).open(inc.id)
    assert [n.text for n in fresh.state.notes] == ["one"]  # the valid prefix: seq 1-2
    assert fresh.state.event_count == 2
    assert "seq 3" in fresh.state.journal_issues[0]
    with pytest.raises(JournalDamaged) as err:
        fresh.note("info", "four")
    assert "seq 3" in str(err.value) and err.value.exit_code == 6
    assert b"four" not in inc.journal.path.read_bytes()


def test_detect_target_reads_flags_params_and_config() -> None:
    cfg = Config()
    cfg.kubernetes.context = "prod-eu"
    assert detect_target("kubectl --context=stage get pods -n web", {}, cfg) == {"context": "stage", "namespace": "web"}
    assert detect_target("kubectl get pods", {}, cfg) == {"context": "prod-eu", "namespace": "production"}
    assert detect_target("ssh -p 22 ops@db-1 uptime", {}, cfg) == {"host": "ops@db-1"}
    assert detect_target("curl -s https://api.example.com/health", {}, cfg) == {"host": "api.example.com"}
    assert detect_target("psql -h db.internal -c 'select 1'", {}, cfg) == {"host": "db.internal"}
    assert detect_target("echo hi", {"host": "h1"}, cfg) == {"host": "h1"}


def test_redacted_answers_are_never_offered_as_values(inc: Incident) -> None:
    from warroom.journal.log import Journal

    Journal(inc.journal.path).append(ev.STEP_DRY_RUN, {"step": 2, "step_id": "show-task", "label": "Show task",
                                                       "command": "echo task x",
                                                       "params": {"task_id": "[REDACTED:task_id]"}})
    prompt = inc.param_prompts(2)[0]
    assert prompt.value == "from-config" and prompt.source == "config"
