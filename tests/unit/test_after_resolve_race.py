"""What a resolved incident accepts holds across processes (``warroom.incident.after_resolve``).

A ``run`` checked just before another process resolved still started: its ``step.started`` (written
by the step's supervisor, a third process) landed after the resolution, the command ran, and the
timeline did not say so. Now the run is judged, and the supervisor journals the start only if no
resolution came since that judgement, under the journal's lock, before the command is let go; if one
came, the run is judged again and refused in the words a resolved incident is refused in (exit 5).
The same holds for every line written through ``Incident._append`` (a tick judged just before).

Two real processes, ordered without sleeping: process A (the real CLI, with a hook that stops it
between its judgement and what comes next, on a pipe) and process B (the CLI's resolve: ``main(argv)`` in the
test's own process, another process than A all the same). The test lets A go only once B's command has returned.
Set-up and the later looks (new, reopen, the run again, show) are ``main(argv)`` in the test's process too: each
was an interpreter of its own, ~0.5 s CPU of start-up and imports, for what the same ``main`` says here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.in_process import warroom_here
from tests.unit.race_support import events, refusal_words, stopped_at
from warroom.journal import events as ev

RUNBOOK = """+++
id = "RB-TEST-RACE"
title = "Race"
severity = "P3"
+++

# Race

## Mitigation

```bash
# Say it ran
echo ran > "$RACE_MARK"
```

- [ ] Confirm the rollout
"""

_events, _refusal_words = events, refusal_words


def _wr(state: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``warroom incident ARGV --state-dir STATE`` run to its end through ``tui.cli.main`` in this process
    (``warroom_here``), ``env`` set for the call (a step's own process inherits it): what it wrote to ``sys.stdout`` /
    ``sys.stderr`` is its stdout and stderr. Process B, or a later look."""
    return warroom_here("incident", *argv, "--state-dir", str(state), env=env)


def _incident(tmp_path: Path) -> tuple[Path, str]:
    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    state = tmp_path / "state"
    made = _wr(state, "new", "--title", "quota", "--severity", "P3", "--runbook", str(book))
    assert made.returncode == 0, made.stderr
    return state, made.stdout.strip()


def _resolved_between(state: Path, inc: str, hook: str, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``incident ARGV`` in process A, stopped at ``hook``; resolve in process B meanwhile; let
    A go on once B has exited. Returns A's result."""
    with stopped_at(hook, *argv, "--state-dir", str(state), **env) as a:
        b = _wr(state, "resolve", inc, "--summary", "back to normal")
        assert b.returncode == 0, b.stderr
        return a.go()


def test_a_run_judged_before_another_process_resolves_is_refused_not_started_after(tmp_path: Path) -> None:
    state, inc = _incident(tmp_path)
    mark = tmp_path / "ran"
    # A stops after run_step judged the incident open, before the supervisor is spawned
    a = _resolved_between(state, inc, "warroom.execute.runner::start", "run", inc, "1", "--yes",
                          env={"RACE_MARK": str(mark)})
    types = [e["type"] for e in _events(state, inc)]
    assert ev.STEP_STARTED not in types, types          # never journaled as started after the resolution
    assert not mark.exists()                            # and the command never ran
    assert a.returncode == 5, (a.returncode, a.stderr)
    assert _refusal_words(state, inc, "run a step") in a.stderr, a.stderr
    assert "Traceback" not in a.stderr
    # the step is free again: after a reopen the same run starts and is journaled before anything else
    assert _wr(state, "reopen", inc, "--reason", "not over").returncode == 0
    again = _wr(state, "run", inc, "1", "--yes", RACE_MARK=str(mark))
    assert again.returncode == 0 and mark.read_text() == "ran\n", again.stderr


def test_a_line_judged_before_another_process_resolves_is_judged_again(tmp_path: Path) -> None:
    """``Incident._append``: a tick judged on the open incident, whose append meets a resolution
    another process journaled in between, is refused in the same words (not written after it)."""
    state, inc = _incident(tmp_path)
    a = _resolved_between(state, inc, "warroom.journal.log:Journal:append", "tick", inc, "2", env={})
    types = [e["type"] for e in _events(state, inc)]
    assert ev.STEP_TICKED not in types, types
    assert a.returncode == 5, (a.returncode, a.stderr)
    assert _refusal_words(state, inc, "tick a step") in a.stderr, a.stderr


def test_a_start_folded_after_the_resolution_is_said_late_on_the_timeline(tmp_path: Path) -> None:
    """A start that reached the journal without the check (a shared incident's spooled start, a line
    written by hand): it is recorded, and the timeline says it started after the resolution."""
    from warroom.incident.store import IncidentStore
    from warroom.journal.log import Journal

    state, inc = _incident(tmp_path)
    assert _wr(state, "resolve", inc, "--summary", "back to normal").returncode == 0
    Journal(state / "incidents" / inc / "journal.jsonl").append(
        ev.STEP_STARTED, {"step": 1, "step_id": "say-it-ran", "label": "Say it ran", "command": "echo ran"})
    st = IncidentStore(state).open(inc, work=False).refresh()
    (line,) = [t.text for t in st.sorted_timeline() if t.kind == ev.STEP_STARTED]
    assert line.endswith(f" — after the incident was resolved at {st.resolved_at:%H:%M:%S} UTC"), line


def test_a_conditional_append_is_refused_only_by_a_line_that_changes_the_judgement(tmp_path: Path) -> None:
    """``Journal.append(after=H, unless=TYPES)``: moved past H by other lines, it appends; moved by a
    line of one of TYPES (a resolution), it raises ``HeadMoved`` and writes nothing."""
    import pytest

    from warroom.incident.after_resolve import ENDS
    from warroom.journal.encoding import HeadMoved
    from warroom.journal.log import Journal, read_journal

    journal = Journal(tmp_path / "journal.jsonl")
    judged = journal.append(ev.DECLARED, {"title": "quota"}).seq
    journal.append(ev.NOTE, {"tag": "info", "text": "another process's note"})
    assert journal.append(ev.STEP_TICKED, {"step": 1}, after=judged, unless=ENDS).seq == judged + 2
    judged = journal.head()[0]
    journal.append(ev.RESOLVED, {"summary": "done"})
    journal.append(ev.NOTE, {"tag": "info", "text": "after the end"})
    with pytest.raises(HeadMoved):
        journal.append(ev.STEP_TICKED, {"step": 2}, after=judged, unless=ENDS)
    with pytest.raises(HeadMoved):
        journal.append(ev.STEP_TICKED, {"step": 2}, after=judged)     # without unless: any line moves it
    assert [e.type for e in read_journal(journal.path).events][-2:] == [ev.RESOLVED, ev.NOTE]


def test_the_shared_store_judges_a_conditional_append_the_same_way(shared_dsn: str, tmp_path: Path) -> None:
    """The same condition under the shared store's lock: another host's note does not refuse it,
    its resolution does."""
    import pytest

    from tests.integration.shared_fixtures import shared_config
    from warroom.incident.after_resolve import ENDS, IncidentResolved
    from warroom.incident.store import IncidentStore
    from warroom.journal.encoding import HeadMoved

    alice = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice"))
    bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob"))
    inc = alice.create(title="Quota at 92%", severity="P3", runbook="RB-SHARED-T")
    other = bob.open(inc.id)
    judged = other.refresh().last_seq
    inc.note("info", "alice's note")
    assert other.journal.append(ev.NOTE, {"tag": "info", "text": "bob"}, after=judged, unless=ENDS).seq == judged + 2
    judged = other.refresh().last_seq
    inc.resolve("back to normal")
    with pytest.raises(HeadMoved):
        other.journal.append(ev.STEP_TICKED, {"step": 1}, after=judged, unless=ENDS)
    with pytest.raises(IncidentResolved):
        other.tick(1)                     # through the write path: judged again, refused in its words


def test_a_shared_incident_s_run_judged_before_another_host_resolves_is_refused_not_started_after(
        shared_dsn: str, tmp_path: Path) -> None:
    """A shared incident's run journaled its start in this host's spool (the supervisor cannot reach
    the store), forwarded after whatever the store took meanwhile: judged open, resolved on another
    host, it still started, after the resolution. Its start is now journaled by the caller in the
    store, under the store's lock, only if no resolution came since the judgement, while the command
    waits at its gate; else nothing runs and the run is refused in the resolved words. Two real
    processes (the CLI on each "host", two state dirs), ordered on a pipe."""
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    here, there = tmp_path / "host-a", tmp_path / "host-b"
    made = _wr(here, "new", "--title", "quota", "--severity", "P3", "--runbook", str(book), "--shared", shared_dsn)
    assert made.returncode == 0, made.stderr
    inc = made.stdout.strip()
    mark = tmp_path / "ran"
    with stopped_at("warroom.execute.runner::start", "run", inc, "1", "--yes", "--shared", shared_dsn,
                    "--state-dir", str(here), RACE_MARK=str(mark)) as stopped:
        b = _wr(there, "resolve", inc, "--summary", "back to normal", "--shared", shared_dsn)   # the other host
        assert b.returncode == 0, b.stderr
        a = stopped.go()
    cfg = Config()
    cfg.incident.state_dir = str(here)
    cfg.shared.override = shared_dsn
    events = IncidentStore.from_config(cfg).open(inc, work=False).read().events
    types = [e.type for e in events]
    assert ev.STEP_STARTED not in types, types                          # never started after the resolution
    assert not mark.exists()                                            # the command never ran
    assert not any(ev.STEP_STARTED in p.read_text() for p in here.rglob("journal.jsonl"))   # nor spooled
    assert a.returncode == 5, (a.returncode, a.stderr)
    (resolved,) = [e for e in events if e.type == ev.RESOLVED]
    assert f"{inc} is resolved at {resolved.ts:%Y-%m-%d %H:%M:%S} UTC; reopen it first to run a step" in a.stderr, a.stderr
    # reopened, the run starts in the store (judged there) and its end arrives from this host's spool
    assert _wr(there, "reopen", inc, "--reason", "not over", "--shared", shared_dsn).returncode == 0
    again = _wr(here, "run", inc, "1", "--yes", "--shared", shared_dsn, RACE_MARK=str(mark))
    assert again.returncode == 0 and mark.read_text() == "ran\n", again.stderr
    events = IncidentStore.from_config(cfg).open(inc, work=False).read().events
    assert [e.type for e in events if e.type in (ev.STEP_STARTED, ev.STEP_FINISHED)] == [ev.STEP_STARTED,
                                                                                        ev.STEP_FINISHED]


def test_a_shared_incident_s_native_run_is_judged_in_the_store(
        shared_dsn: str, tmp_path: Path, monkeypatch: "pytest.MonkeyPatch") -> None:
    """A PromQL step runs in-process and journaled its start in this host's spool on a shared
    incident: resolved on another host after the judgement, the start was still forwarded after the
    resolution. It is now appended to the store through the single write path (judged again there)."""
    import pytest

    from tests.integration.shared_fixtures import shared_config
    from warroom.incident.after_resolve import IncidentResolved
    from warroom.incident.session import Incident
    from warroom.incident.store import IncidentStore

    book = tmp_path / "rbq.md"
    book.write_text(RUNBOOK.replace("```bash\n# Say it ran\necho ran > \"$RACE_MARK\"",
                                    "```promql\n# Read the quota\nmax(flowengine_model_quota_used_ratio)"),
                    encoding="utf-8")
    alice = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice"))
    bob = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "bob"))
    inc = alice.create(title="Quota at 92%", severity="P3", runbook=str(book))
    other = bob.open(inc.id)
    claimed = Incident._run_native_claimed

    def resolved_meanwhile(self: Incident, *args: object) -> object:
        other.resolve("back to normal")             # the other host, after the judgement, before the start
        return claimed(self, *args)

    monkeypatch.setattr(Incident, "_run_native_claimed", resolved_meanwhile)
    assert inc.prepare_step(1).kind == "promql"
    with pytest.raises(IncidentResolved):
        inc.run_native_step(inc.prepare_step(1))
    types = [e.type for e in other.read().events]
    assert ev.STEP_STARTED not in types, types
    assert not any(ev.STEP_STARTED in p.read_text() for p in (tmp_path / "state-alice").rglob("journal.jsonl"))


def test_a_shared_run_whose_caller_dies_after_journaling_its_start_ends_cancelled_never_run(
        shared_dsn: str, tmp_path: Path) -> None:
    """The caller journals a shared run's start in the store, then tells the supervisor to let the
    command go. Killed (-9) in between, the command never runs: its supervisor keeps an end saying
    so, and the next look on this host journals it — cancelled, "never ran" — not an interruption
    of a command that might have run."""
    import time

    from warroom.config import Config
    from warroom.execute.output_files import output_locked
    from warroom.incident.store import IncidentStore

    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    here = tmp_path / "host-a"
    made = _wr(here, "new", "--title", "quota", "--severity", "P3", "--runbook", str(book), "--shared", shared_dsn)
    assert made.returncode == 0, made.stderr
    inc = made.stdout.strip()
    mark = tmp_path / "ran"
    with stopped_at("warroom.execute.runner::_tell", "run", inc, "1", "--yes", "--shared", shared_dsn,
                    "--state-dir", str(here), RACE_MARK=str(mark)):
        pass                                                    # the start is in the store; "go" never said: killed
    cfg = Config()
    cfg.incident.state_dir = str(here)
    cfg.shared.override = shared_dsn
    found = IncidentStore.from_config(cfg).open(inc, work=False)
    (start,) = [e for e in found.read().events if e.type == ev.STEP_STARTED]
    output = found.dir / str(start.data["output"])
    deadline = time.monotonic() + 60                            # its supervisor sees the caller gone and ends
    while output_locked(output) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not output_locked(output)
    shown = _wr(here, "show", inc, "--shared", shared_dsn)       # the next look reconciles
    assert shown.returncode == 0, shown.stderr
    (end,) = [e for e in IncidentStore.from_config(cfg).open(inc, work=False).read().events
              if e.type == ev.STEP_FINISHED]
    assert end.data["status"] == "cancelled" and "the command never ran" in end.data["reason"], end.data
    assert not mark.exists()
    state = IncidentStore.from_config(cfg).open(inc, work=False).refresh()
    (run,) = [r for st in state.steps.values() for r in st.runs]
    assert run.status == "cancelled" and any("never ran" in n for n in run.notes), run.notes
    assert not any("journaled late" in n for n in run.notes), run.notes   # the journal was never the problem
