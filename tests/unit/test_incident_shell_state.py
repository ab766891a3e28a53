"""Shell state across an incident's steps (issue 14): a variable one step sets reaches a later
step, is journaled redacted, and a step whose variable only an unrun step sets says so first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock
from warroom.config import Config
from warroom.execute import shell_state
from warroom.incident import runbook_ref
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.runbook.parser import parse_runbook

RUNBOOK = """# Shell state

## Investigate

```bash
# Remember the revision
REV_ID=$(echo rev-$((40 + 2)))
TOKEN_X=$(printf 's3cr3t-%s' value-123)
```

```bash
# Use it
echo "revision is $REV_ID"
```
"""


@pytest.fixture
def inc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Incident:
    md = tmp_path / "rb-vars.md"
    md.write_text(RUNBOOK)
    monkeypatch.setattr(runbook_ref, "resolve_ref", lambda ref, cfg: md)
    monkeypatch.setattr(runbook_ref, "load_file", lambda p: parse_runbook(RUNBOOK, Path(p)))
    return IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="vars", severity="P3", runbook=str(md))


def test_runbook_records_what_each_step_sets_and_reads() -> None:
    rb = parse_runbook(RUNBOOK)
    assert [s.sets_vars for s in rb.steps] == [["REV_ID", "TOKEN_X"], []]
    assert [s.uses_vars for s in rb.steps] == [[], ["REV_ID"]]


def test_variables_carry_to_later_steps_and_are_journaled_redacted(inc: Incident) -> None:
    second = inc.prepare_step(2)
    assert second.notes and "$REV_ID" in second.notes[0] and "step 1" in second.notes[0]
    inc.run_step(inc.prepare_step(1)).wait(60)
    assert inc.prepare_step(2).notes == ()
    handle = inc.run_step(inc.prepare_step(2))
    assert handle.wait(60).status == "ok"
    out = (inc.dir / [e for e in inc.read().events if e.type == "step.finished"][-1]
           .data["output"]).read_text()
    assert "revision is rev-42" in out
    finished = [e for e in inc.read().events if e.type == "step.finished"]
    assert finished[0].data["vars"] == {"REV_ID": "[REDACTED]", "TOKEN_X": "[REDACTED]"}
    journal = (inc.dir / "journal.jsonl").read_text()
    assert "s3cr3t-value-123" not in journal  # the value set is never journaled
    vars_file = inc.dir / finished[0].data["vars_file"]
    assert oct(vars_file.stat().st_mode & 0o777) == "0o600"
    # the command journaled is the runbook's, not the wrapped one
    started = [e for e in inc.read().events if e.type == "step.started"][0]
    assert "__warroom_rc" not in json.dumps(started.data)


def test_trailer_keeps_exit_status_and_values_literal(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "v"
    cmd = shell_state.wrap("A='x y $HOME'; B=2; false", ["A", "B", "C"], str(path))
    proc = subprocess.run(["/bin/bash", "-c", cmd])
    assert proc.returncode == 1
    assert shell_state.read_values(path) == {"A": "x y $HOME", "B": "2"}
    assert shell_state.supervisor_fields("cat <<EOF\nx", ["A"], tmp_path / "o", "o") == {}


def test_dollar_placeholder_takes_a_param_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "# T\n\n```bash\n# Retry it\necho retry job_$(job_id).json\n```\n"
    md = tmp_path / "rb-dollar.md"
    md.write_text(text)
    monkeypatch.setattr(runbook_ref, "resolve_ref", lambda ref, cfg: md)
    monkeypatch.setattr(runbook_ref, "load_file", lambda p: parse_runbook(text, Path(p)))
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="p", severity="P3", runbook=str(md))
    prepared = inc.prepare_step(1, {"job_id": "j-7"})
    assert prepared.command == "echo retry job_j-7.json"
    assert inc.run_step(prepared).wait(60).status == "ok"


def test_cli_says_so_before_running_a_step_whose_variable_is_unset(
        inc: Incident, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    code = main(["incident", "run", inc.id, "2", "--state-dir", str(inc.dir.parent.parent)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: uses $REV_ID, which step 1" in err
    assert err.index("note:") < err.index("step 2: ok")


def test_a_variable_no_step_sets_and_the_environment_lacks_is_said_before_running(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = '# U\n\n```bash\necho "ns=$RT14_NOT_SET_ANYWHERE $HOME"\n```\n'
    md = tmp_path / "rb-unset.md"
    md.write_text(text)
    monkeypatch.setattr(runbook_ref, "resolve_ref", lambda ref, cfg: md)
    monkeypatch.setattr(runbook_ref, "load_file", lambda p: parse_runbook(text, Path(p)))
    monkeypatch.delenv("RT14_NOT_SET_ANYWHERE", raising=False)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="unset", severity="P3", runbook=str(md))
    (note,) = inc.prepare_step(1).notes
    assert "$RT14_NOT_SET_ANYWHERE" in note and "no step" in note and "empty" in note
    monkeypatch.setenv("RT14_NOT_SET_ANYWHERE", "x")
    assert inc.prepare_step(1).notes == ()


def test_a_step_ticked_done_is_never_said_to_have_not_run(inc: Incident) -> None:
    """attack47 Y2's note: a tick is the commander saying the step was done outside warroom; the note before a step
    that reads its variable says so, never "it has not run"."""
    assert "it has not run in this incident" in inc.prepare_step(2).notes[0]
    inc.tick(1)
    (note,) = inc.prepare_step(2).notes
    assert "has not run" not in note
    assert "it was ticked done at " in note and "UTC, not run through warroom, so the variable is empty" in note


def test_what_an_observers_run_set_is_no_value_of_the_response(inc: Incident) -> None:
    """A read-only seat's run is not the step's run (``observer_seat``): a later step of the response does not act on
    a value it set, and the note says why the variable is empty."""
    inc.config.read_only = inc.config.observer = True
    assert inc.run_step(inc.prepare_step(1)).wait(60).status == "ok"
    inc.config.read_only = inc.config.observer = False
    assert inc.carried_vars() == {}
    (note,) = inc.prepare_step(2).notes
    assert "only an observer (read-only seat) ran it, which is not the step's run, so the variable is empty" in note
    inc.run_step(inc.prepare_step(1)).wait(60)           # the response's own run of it
    assert inc.carried_vars()["REV_ID"] == "rev-42" and inc.prepare_step(2).notes == ()


def test_an_observers_own_run_carries_its_values_to_its_own_later_runs_only(inc: Incident) -> None:
    """attack48 Z8: a read-only seat could not follow a runbook whose steps pass a variable: its own step 1's value
    was not carried to its own step 2 ("only an observer ran it"). An observer's runs are its own session: what they
    set reaches its own later runs, never the response's, nor another observer's."""
    inc.config.read_only = inc.config.observer = True
    assert inc.run_step(inc.prepare_step(1)).wait(60).status == "ok"
    assert inc.carried_vars()["REV_ID"] == "rev-42" and inc.prepare_step(2).notes == ()
    assert inc.run_step(inc.prepare_step(2)).wait(60).status == "ok"
    out = (inc.dir / [e for e in inc.read().events if e.type == "step.finished"][-1].data["output"]).read_text()
    assert "revision is rev-42" in out
    me, inc.journal.actor = inc.journal.actor, "another-observer"
    assert inc.carried_vars() == {}                        # another read-only seat: not its session
    inc.journal.actor = me
    inc.config.read_only = inc.config.observer = False
    assert inc.carried_vars() == {}                        # the response: never an observer's value
