"""A replay answers what the recorded incident's Go/No-Go and verify gates read, not only its panes (redteam48 F7).

A rehearsal of a mass-failure incident could not rehearse its Go/No-Go: every measured criterion of RB-LAUNCH-005
read "query failed: INC-… recorded only its panes' queries", and the rollback's gate (``failure_rate_5m``) had
nothing to watch. At resolve the queries the incident's runbooks' decisions, branch conditions and verify gates read
beyond the panes are recorded beside them (``history.judged_queries``), one series each as the source answered, and
the replay answers them from the recording; one the recording truly lacks still says so, and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom import scenario_time as stime
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.history import judged_queries, load_history, record_history, runbooks_of
from warroom.incident.replay import ReplaySource
from warroom.incident.store import IncidentStore
from warroom.sources.prom_results import QueryError

START = 1_800_000_000.0
SPEED = 60.0


def test_a_replay_answers_the_runbooks_decision_and_gate_queries_from_the_recording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    monkeypatch.setenv(stime.AT_ENV, repr(START + 15.0))            # 15 drill minutes in: the failures are on
    drill = warmed(create_drill(tmp_path / "state" / "drills", "mass-failure", SPEED, start=START))
    inc = IncidentStore(cfg.state_dir(), cfg).create(
        title="Flow failures across repositories", severity="P1", runbook="RB-LAUNCH-005", source={},
        drill={"scenario": "mass-failure", "speed": SPEED, "dir": str(drill.path)})
    monkeypatch.setenv(stime.AT_ENV, repr(START + 30.0))
    inc.resolve("rolled back")
    books = runbooks_of(inc)
    wanted = {name: promql for name, _, promql, _ in judged_queries(books, cfg.slo)}
    assert {"repos_failing", "pilot_failure_share", "failure_rate_5m"} <= set(wanted), wanted
    source = drill.source(cfg.slo)
    record_history(inc.dir, inc.state, cfg.slo, source, runbooks=books)
    history = load_history(inc.dir)
    replay = ReplaySource.at(history, SPEED, cfg.prometheus.window, START + 1000.0)
    # at recorded instants on the grid, the replay answers each query with the value the drill gave then
    times = [t for t, _ in history.panes[0].points if START + 5.0 <= t <= history.end][::5]    # the breach on
    assert len(times) >= 3, (history.start, history.end, history.step)
    answered = 0
    for name in ("repos_failing", "pilot_failure_share", "failure_rate_5m"):
        for t in times:
            live = sorted(v for _, v in source.query(wanted[name], at=t))
            got = sorted(v for _, v in replay.query(wanted[name], at=replay.wall_time(t)))
            assert got == pytest.approx(live), (name, t)
            answered += bool(got)
    assert answered >= 6
    # a PromQL step of the GO path (RB-LAUNCH-002's flows per repository: one series a repository) reads it too
    [step] = [st for st in books[1].steps if st.kind == "promql" and "by (repo)" in str(st.command)]
    t = times[-1]
    live = sorted(v for _, v in source.query(str(step.command), at=t))
    assert live and sorted(v for _, v in replay.query(str(step.command), at=replay.wall_time(t))) == pytest.approx(live)
    # a verify gate's instant reads the recording too (the rollback's ``failure_rate_5m < 1``)
    t = times[-1]
    assert replay.instant(wanted["failure_rate_5m"], at=replay.wall_time(t)).value == pytest.approx(
        source.query(wanted["failure_rate_5m"], at=t)[0][1])
    # what nothing recorded still says so, naming what was
    with pytest.raises(QueryError, match=r"recorded its panes' queries .*and its runbooks' decisions', gates' and"
                                         r" PromQL steps' .*this one was not recorded"):
        replay.query("up", at=replay.wall_time(t))


def test_the_runbooks_a_go_would_open_are_recorded_too(tmp_path: Path) -> None:
    """attack49 F4: a rehearsal takes the Go/No-Go again, perhaps the other way. RB-CORE-004's GO opens RB-LAUNCH-002
    beside it; what its Go/No-Go and rollback gate read is recorded with the incident's own, though no GO was taken."""
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    inc = IncidentStore(cfg.state_dir(), cfg).create(
        title="Provider down", severity="P1", runbook="RB-CORE-004", source={})
    books = runbooks_of(inc)
    assert [b.id for b in books] == ["RB-CORE-004", "RB-LAUNCH-002"]
    names = {name for name, _, _, _ in judged_queries(books, cfg.slo)}
    assert {"providers_down", "repos_failing", "pilot_failure_share", "failure_rate_5m"} <= names, names
    # and what either path's PromQL steps read: NO-GO stays in RB-CORE-004, whose Validation reads the 15-minute
    # failure rate; GO's RB-LAUNCH-002 checks the pilot by its flows per repository (fix50c: "not recorded" before)
    promql = {" ".join(promql.split()) for _, _, promql, _ in judged_queries(books, cfg.slo)}
    steps = [books[0].step(15), books[1].step(12)]
    assert all(st.kind == "promql" and " ".join(str(st.command).split()) in promql for st in steps), promql
