"""Replay a real incident: its metrics over the window are saved at resolve; `warroom drill
--replay INC-…` plays the recorded curves back, read-only, in the drills' state dir."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.incident.replay import ReplaySource
from tests.unit.standins_corpus import warmed
from warroom.drill.directory import create_drill
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.history import load_history, record_history
from warroom.incident.store import IncidentStore


def _resolved_drill_incident(tmp_path: Path):
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state" / "drills")
    # warm: the window record_history saves reads the two hours before the drill's start, the warm file's rows
    drill = warmed(create_drill(tmp_path / "state" / "drills", "rate-limit", 60.0))
    store = IncidentStore(cfg.state_dir(), cfg)
    inc = store.create(title="quota climbing", severity="P3", runbook=None, source={},
                       drill={"scenario": "rate-limit", "speed": 60.0, "dir": str(drill.path)})
    inc.resolve("breaker on", resolution="circuit breaker")
    source = drill.source(cfg.slo)
    return cfg, inc, drill, source


def test_resolve_saves_the_window_and_replay_plays_the_recorded_curve(tmp_path: Path) -> None:
    cfg, inc, drill, source = _resolved_drill_incident(tmp_path)
    path = record_history(inc.dir, inc.state, cfg.slo, source)
    history = load_history(inc.dir)
    assert path.name == "metrics.json" and history.incident_id == inc.id and history.time_scale == 60.0
    quota = history.pane("quota")
    assert quota is not None and len(quota.points) > 100
    # the history holds what the drill's panes showed at those times
    for t, v in quota.points[:: len(quota.points) // 7]:
        (live,) = [s for s in source.fetch(cfg.slo, at=t) if s.slo_id == "quota"]
        assert math.isclose(v, live.value, rel_tol=1e-9)
    # played back: at the replay's start the first recorded value, then the curve at the speed
    replay = ReplaySource(history, speed=2.0, start=1_000.0)
    first = replay.fetch(cfg.slo, at=1_000.0)
    assert {s.slo_id: s.value for s in first}["quota"] == quota.points[0][1]
    later = {s.slo_id: s for s in replay.fetch(cfg.slo, at=1_010.0)}
    expected = [v for t, v in quota.points if t <= history.start + 20.0][-1]
    assert later["quota"].value == expected
    assert later["quota"].series and all(1_000.0 <= w <= 1_010.0 + 1e-6 for w, _ in later["quota"].series)
    end = {s.slo_id: s.value for s in replay.fetch(cfg.slo, at=1e9)}
    assert end["quota"] == quota.points[-1][1]          # held at the end of the recording
    assert replay.instant("rate(x[5m])").error


def test_replay_context_is_read_only_and_keeps_to_the_drills(tmp_path: Path) -> None:
    from tui.launch import replay_context

    cfg, inc, drill, source = _resolved_drill_incident(tmp_path)
    record_history(inc.dir, inc.state, cfg.slo, source)
    base = Config()
    base.incident.state_dir = str(tmp_path / "state")
    ctx = replay_context(base, inc.id, None)
    assert ctx.read_only and ctx.drill is not None and ctx.drill.speed == 60.0
    assert Path(ctx.state_dir) == tmp_path / "state" / "drills"
    assert [s.id for s in ctx.config.slo] == [s.id for s in cfg.slo]
    assert "replaying" in (ctx.drill.notice or "") and "read-only" in (ctx.drill.notice or "")
    with pytest.raises(NotFoundError):
        replay_context(Config(), "INC-19990101-1", None)


def test_an_incident_without_saved_metrics_says_so(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg).create(title="t", severity="P3", runbook=None, source={})
    with pytest.raises(NotFoundError, match="saved when the incident is resolved"):
        load_history(inc.dir)


class _Gone:
    """A metric source that can no longer answer: down (raises) or past its retention (empty)."""

    name = "prometheus"

    def __init__(self, empty: bool) -> None:
        self.empty = empty

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        if self.empty:
            return []
        raise ConnectionError("connection refused")

    def instant(self, expr: str, at: float | None = None):
        from warroom.sources.model import SloSample

        return SloSample(expr, None, error="connection refused")


@pytest.mark.parametrize("empty", [False, True])
def test_the_pir_evidence_falls_back_to_the_saved_metrics(tmp_path: Path, empty: bool) -> None:
    from warroom.incident.review.metrics import evidence

    import time
    from datetime import UTC, datetime

    cfg = Config()
    now = time.time()
    drill = create_drill(tmp_path / "drills", "rate-limit", 60.0, start=now - 40.0)   # 40 drill minutes in
    clock = iter([now - 35.0, now - 35.0, now - 5.0, now - 5.0] + [now - 5.0] * 50)
    inc = IncidentStore(tmp_path / "state", cfg, clock=lambda: datetime.fromtimestamp(next(clock), UTC)).create(
        title="quota climbing", severity="P3", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": 60.0, "dir": str(drill.path)})
    inc.resolve("gave up")
    source = drill.source(cfg.slo)
    live = inc.sync_metrics(source, cfg.slo, speed=60.0, summary=True)
    want = {k: (e["worst"], e["at_resolution"]) for k, e in inc.state.metric_summary["slos"].items()}
    want_rows, _ = evidence(inc.state)
    assert "quota" in [r.slo_id for r in want_rows] and all(r.worst != "n/a" for r in want_rows)   # quoted
    assert not any(e["recorded"] for e in inc.state.metric_summary["slos"].values()) and live.histories
    record_history(inc.dir, inc.state, cfg.slo, source)
    inc.sync_metrics(_Gone(empty), cfg.slo, speed=60.0, summary=True)
    summ = inc.state.metric_summary
    assert not summ["errors"] and all(e["recorded"] for e in summ["slos"].values())
    assert {k: (e["worst"], e["at_resolution"]) for k, e in summ["slos"].items()} == want
    rows, note = evidence(inc.state)
    assert [(r.title, r.worst, r.at_resolution) for r in rows] == [(r.title, r.worst, r.at_resolution) for r in want_rows]
    assert note is not None and "saved metrics.json" in note.text
    # a damaged saved file is said, naming it, and nothing is quoted from it
    good = (inc.dir / "metrics.json").read_text()
    (inc.dir / "metrics.json").write_text((inc.dir / "metrics.json").read_text().replace('"step": ', '"step": -'))
    inc.sync_metrics(_Gone(empty), cfg.slo, speed=60.0, summary=True)
    summ = inc.state.metric_summary
    assert any(str(inc.dir / "metrics.json") in e and "$.step" in e for e in summ["errors"])
    assert not any(e.get("recorded") for e in summ["slos"].values())
    _, note = evidence(inc.state)         # the PIR says the history is unreadable, and why
    assert note is not None and f"{inc.dir / 'metrics.json'}: the saved metric history cannot be read: $.step" in note.text
    # one naming a pane this incident never had (spliced from another) is unreadable too, said so
    doc = json.loads(good)
    doc["panes"][0]["id"] = "checkout_errors"
    (inc.dir / "metrics.json").write_text(json.dumps(doc))
    inc.sync_metrics(_Gone(empty), cfg.slo, speed=60.0, summary=True)
    assert any("$.panes[0].id: 'checkout_errors' is not a pane of" in e for e in inc.state.metric_summary["errors"])
    # without the saved file, the same dead source is said, not guessed
    (inc.dir / "metrics.json").unlink()
    inc.sync_metrics(_Gone(empty), cfg.slo, speed=60.0, summary=True)
    summ = inc.state.metric_summary
    assert not any(e.get("worst") for e in summ["slos"].values()) if empty else summ["errors"]


def _saved(tmp_path: Path):
    """A resolved drill incident with its metrics.json written; (cfg for the state dir, incident)."""
    cfg, inc, drill, source = _resolved_drill_incident(tmp_path)
    record_history(inc.dir, inc.state, cfg.slo, source)
    base = Config()
    base.incident.state_dir = str(tmp_path / "state")
    return base, inc


def _doc(text: str, **keys: object) -> bytes:
    return json.dumps({**json.loads(text), **keys}).encode()


def _crowded(start: float, n: int) -> list[list[float]]:
    """``n`` points a millisecond apart from ``start`` (the document is parsed once for its start,
    not once per point: 2,000 parses of metrics.json were 2 s of the suite)."""
    return [[start + i / 1e3, 1.0] for i in range(n)]


def _pane(text: str, **keys: object) -> bytes:
    doc = json.loads(text)
    doc["panes"][0].update(keys)
    return json.dumps(doc).encode()


@pytest.fixture(scope="module")
def saved_once(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One resolved drill incident with its metrics.json, for every damage below: each test writes
    its damaged copy of the same recording (building the incident and its history is 0.3 s, the
    damage and the refusal a few ms) and puts the recording back. Each test also checks the refusal
    wrote nothing (``_files`` before and after), so the next starts from the state ``_saved`` left."""
    base, inc = _saved(tmp_path_factory.mktemp("replay-damage"))
    path = inc.dir / "metrics.json"
    return base, inc, path, path.read_text()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("edit, says", [
    (lambda d: d.encode()[:-40], "line 1, column"),                                          # truncated
    (lambda d: d.replace('"warn": 70.0', '"warn": "seventy"', 1).encode(), "$.panes[2].warn"),
    (lambda d: d.replace('"panes": [{', '"panes": ["x", {', 1).encode(), "$.panes[0]"),
    (lambda d: d.replace('"step": ', '"step": -', 1).encode(), "$.step"),
    (lambda d: d.replace('"unit": "percent"', '"unit": "furlongs"', 1).encode(), "$.panes[0].unit"),
    (lambda d: d.replace('"start": ', '"start": 1e999, "x": ', 1).encode(), "$.start"),     # not finite
    (lambda d: b"[]", "$: expected `object`, got `array`"),
    (lambda d: d.replace('"incident": "INC-', '"incident": "INC-1', 1).encode(), "holds the metrics of INC-1"),
    (lambda d: b"\xff\xfe garbage", "line 1, column 1: not JSON"),
    # values no recording holds: each would crash a date, a header or the PIR, or freeze the panes
    (lambda d: _doc(d, start=1e300, end=1e300), "$.start"),
    (lambda d: _doc(d, start=-1e15), "$.start"),
    (lambda d: _doc(d, version=2), "$.version"),                          # a newer format: not guessed at
    (lambda d: _doc(d, time_scale=1e300), "$.time_scale"),
    (lambda d: _doc(d, step=1e300), "is longer than the window"),
    (lambda d: _doc(d, severity="SEV-0"), "$.severity"),
    (lambda d: _pane(d, id=""), "$.panes[0].id"),
    (lambda d: _doc(d, panes=[*json.loads(d)["panes"], json.loads(d)["panes"][0]]), "a second pane 'failure_rate'"),
    (lambda d: _pane(d, points=[[1e300, 1.0]]), "$.panes[0].points[0][0]"),
    (lambda d: _pane(d, points=[[json.loads(d)["start"] - 3600, 1.0]]), "$.panes[0] (pane 'failure_rate'): 1 points outside the window"),
    (lambda d: _pane(d, points=_crowded(json.loads(d)["start"], 2000)),
     "(pane 'failure_rate'): 2000 points, more than a window"),
    # a hand edit giving one time two values: which did the pane show? (sorted, the replay, its worst
    # and the PIR all quoted the larger, whatever the screen said)
    (lambda d: _pane(d, points=[[json.loads(d)["start"], 1.0], [json.loads(d)["start"], 99.0]]),
     "$.panes[0].points[1] (pane 'failure_rate'): time"),
    (lambda d: _pane(d, readings=[[json.loads(d)["start"], 1.0], [json.loads(d)["start"], 2.0]]),
     "$.panes[0].readings[1] (pane 'failure_rate'): time"),
])
def test_a_damaged_history_is_refused_naming_the_file_and_key(saved_once, edit, says: str) -> None:  # type: ignore[no-untyped-def]
    """Replaying trusts nothing in metrics.json: a damaged one is a clear error naming the file and
    the key, never a traceback or a replay of nonsense."""
    from tui.launch import replay_context

    base, inc, path, recording = saved_once
    state = Path(base.incident.state_dir)
    before = _files(state)
    try:
        path.write_bytes(edit(recording))
        with pytest.raises(WarroomError) as err:
            replay_context(base, inc.id, None)
        assert str(path) in str(err.value) and says in str(err.value)
    finally:
        path.write_text(recording)
    assert _files(state) == before      # refused having written nothing: the next damage starts afresh


def test_a_huge_empty_or_unordered_history(tmp_path: Path, monkeypatch) -> None:
    import json

    import warroom.incident.history_file as history_file
    from tui.launch import replay_context

    base, inc = _saved(tmp_path)
    path = inc.dir / "metrics.json"
    doc = json.loads(path.read_text())
    doc["panes"][0]["points"].reverse()     # by hand, out of order: warroom writes them in order, so refused
    path.write_text(json.dumps(doc))
    with pytest.raises(WarroomError, match=r"\$\.panes\[0\]\.points\[1\] \(pane 'failure_rate'\): time .* is not after"):
        replay_context(base, inc.id, None)
    doc["panes"][0]["points"].reverse()
    path.write_text(json.dumps(doc))
    monkeypatch.setattr(history_file, "MAX_BYTES", path.stat().st_size - 1)
    with pytest.raises(WarroomError, match="larger than .*not read"):
        load_history(inc.dir)
    monkeypatch.undo()
    for pane in doc["panes"]:
        pane["points"] = []
    path.write_text(json.dumps(doc))
    with pytest.raises(WarroomError, match="no pane recorded a single point"):
        replay_context(base, inc.id, None)


def test_replay_refuses_open_unknown_and_unsaved_incidents(tmp_path: Path) -> None:
    from tui.launch import replay_context

    base, inc = _saved(tmp_path)
    store = IncidentStore(tmp_path / "state", base)
    still_open = store.create(title="checkout 5xx", severity="P2", runbook=None, source={})
    with pytest.raises(WarroomError, match=f"{still_open.id} is still open"):
        replay_context(base, still_open.id, None)
    still_open.resolve("fine", resolution="nothing")          # resolved, but nothing could be saved
    with pytest.raises(NotFoundError, match=f"{still_open.dir / 'metrics.json'}: no saved metrics"):
        replay_context(base, still_open.id, None)
    with pytest.raises(NotFoundError, match="INC-20200101-9"):
        replay_context(base, "INC-20200101-9", None)
    base, inc = _saved(tmp_path / "again")
    for speed in (1e308, 1e4, float("nan")):        # bounded as a drill's speed (MAX_SPEED)
        with pytest.raises(WarroomError, match=r"replay speed must be a number from 1/3600 .* up to 3600"):
            replay_context(base, inc.id, speed)


def test_a_replay_answers_its_panes_queries_and_runs_no_command(tmp_path: Path) -> None:
    """A step or gate asking a pane's own query gets the recorded value at the replay's time; a
    rehearsal incident declared in the replay runs no command (nothing to run it on) and is offered
    only to this replay, never to another drill's dashboard (and that drill's incident not here)."""
    from tui.launch import replay_context
    from tui.presenter import open_incidents, world_mismatch

    base, inc = _saved(tmp_path)
    ctx = replay_context(base, inc.id, None)
    src = ctx.source
    quota = src.history.pane("quota")
    at = src.start + 30.0
    want = [v for t, v in quota.points if t <= src.recorded_time(at) + 1e-6][-1]
    assert src.instant("  100 *  max(flowengine_model_quota_used_ratio) ", at=at).value == want
    assert src.instant("quota", at=at).value == want
    assert inc.id in (src.instant("up", at=at).error or "")
    [(labels, pts)] = src.query_range("quota", src.start, src.start + 60.0, 15.0)
    assert pts and all(v == src.instant("quota", at=w).value for w, v in pts)
    assert "recorded" in src.label and inc.id in src.label
    assert src.query("quota", at=at) == [({}, want)]              # a Go/No-Go criterion on a pane
    from warroom.sources.prom_results import QueryError

    with pytest.raises(QueryError, match="recorded its panes. queries .*this one was not recorded"):
        src.query("up", at=at)
    store = IncidentStore(ctx.config.state_dir(), ctx.config)
    rehearsal = store.create(title="quota past 80%", severity="P3", runbook="RB-CORE-003", source={},
                             drill={"scenario": ctx.drill.scenario, "speed": ctx.drill.speed, **ctx.drill.extra})
    with pytest.raises(WarroomError, match=f"rehearses {inc.id}.*commands are not run"):
        rehearsal.prepare_step(4)                              # psql: refused, not run on this host
    assert rehearsal.prepare_step(1).kind == "promql"          # a query of the recording is fine
    assert [o.id for o in open_incidents(ctx)] == [rehearsal.id]
    assert world_mismatch(ctx, rehearsal.id, rehearsal.state.drill) is None
    assert world_mismatch(ctx, inc.id, inc.state.drill) is not None     # the drill incident itself
    assert world_mismatch(ctx, "INC-x", None) is not None               # a real one
    from types import SimpleNamespace

    from tui.presenter import IncidentPresenter

    with pytest.raises(WarroomError, match=f"a replay of {inc.id} has no simulator"):   # not "for drills"
        IncidentPresenter(SimpleNamespace(ctx=ctx), lambda message: None).drill_report()
    with pytest.raises(WarroomError, match=f"warroom drill --replay {inc.id} --state-dir "):
        rehearsal.open_drill()                                  # the exact command, its state dir named
    # one declared in another run of this replay (its own start and speed) is at another point of
    # the recording: offered to reopen in its own replay, never adopted into this one
    other = {**rehearsal.state.drill, "replay_start": ctx.drill.extra["replay_start"] - 40.0, "speed": 60.0}
    assert "another run of its replay" in (world_mismatch(ctx, rehearsal.id, other) or "")
    fresh = Config()
    fresh.incident.state_dir = str(tmp_path / "state")
    later = replay_context(fresh, inc.id, 60.0)
    [offered] = open_incidents(later)
    assert offered.id == rehearsal.id and offered.elsewhere == str(ctx.config.state_dir())


def test_a_rehearsal_resumes_in_its_replay_by_the_quit_dialogs_command(tmp_path: Path) -> None:
    """A rehearsal declared in a replay comes back in the same replay (its recording, speed and
    runbook), by `warroom resume ID` and by the exact command the quit dialog names (`--state-dir`
    the drills' own), and from the real dashboard's offer; never as a drill whose world is 'gone'."""
    import shlex
    from types import SimpleNamespace

    from tui.cli import build_parser
    from tui.launch import replay_context, resume_context, resume_invocation
    from tui.presenter import IncidentPresenter
    from warroom.cli.common import config_from_args
    from warroom.incident.replay import ReplaySource

    base, inc = _saved(tmp_path)
    replay = replay_context(base, inc.id, 120.0)
    host = SimpleNamespace(ctx=replay)
    rehearsal_id = IncidentPresenter(host, lambda m: None).declare(  # type: ignore[arg-type]
        title="quota past 80%", severity="P3", runbook=None, source={})
    rehearsal = IncidentStore(replay.config.state_dir(), replay.config).open(rehearsal_id)
    assert rehearsal.state.drill["replay"] == inc.id and rehearsal.state.drill["recording"] == str(inc.dir.resolve())

    def check(ctx) -> None:
        assert isinstance(ctx.source, ReplaySource) and ctx.source.history.incident_id == inc.id
        assert ctx.resume_id == rehearsal_id and ctx.drill.speed == 120.0 and ctx.read_only
        assert ctx.drill.extra["replay"] == inc.id
        assert ctx.source.start == replay.source.start       # the recording's clock goes on, not from its start

    fresh = Config()
    fresh.incident.state_dir = str(tmp_path / "state")
    check(resume_context(fresh, rehearsal_id))
    from warroom.incident.live import metric_source_for

    headless, speed = metric_source_for(rehearsal)         # `incident show/run/resolve` judge it by the same
    assert isinstance(headless, ReplaySource) and speed == 120.0 and headless.start == replay.source.start
    cmd = shlex.split(resume_invocation(rehearsal_id, tmp_path / "state" / "drills"))
    args = build_parser(cmd[1:]).parse_args(cmd[1:])
    check(resume_context(config_from_args(args), args.incident))
    (inc.dir / "metrics.json").unlink()
    with pytest.raises(NotFoundError, match="no saved metrics"):
        resume_context(fresh, rehearsal_id)


def test_metrics_not_saved_at_resolve_are_saved_by_a_later_export(tmp_path: Path, capsys) -> None:
    """The source did not answer at resolve (here: the drill's world was away): the resolve stands and
    says so; `incident export` later saves the same window once the source answers again."""
    from tui.cli import main

    state = tmp_path / "state"
    assert main(["incident", "new", "--title", "quota", "--severity", "P3", "--drill", "rate-limit",
                 "--speed", "60", "--state-dir", str(state)]) == 0
    inc_id = capsys.readouterr().out.split()[0]
    inc = IncidentStore(state, Config()).open(inc_id)
    world = Path(inc.state.drill["dir"])
    world.rename(world.with_name("away"))
    assert main(["incident", "resolve", inc_id, "--summary", "s", "--yes", "--state-dir", str(state)]) == 0
    assert "metrics were not saved" in capsys.readouterr().err and not (inc.dir / "metrics.json").exists()
    world.with_name("away").rename(world)
    assert main(["incident", "export", inc_id, "--state-dir", str(state), "--out", str(tmp_path / "out")]) == 0
    assert "metrics of the incident window saved" in capsys.readouterr().err
    history = load_history(inc.dir)
    resolved = IncidentStore(state, Config()).open(inc_id).state.phases["resolved"].timestamp()
    assert history.end == pytest.approx(resolved) and history.pane("quota").points   # the incident's window


@pytest.mark.parametrize("argv, says", [
    (["drill", "timeout", "--replay", "INC-20261201-1"], "a scenario (timeout) does not go with it"),
    (["drill", "--replay", "INC-20261201-1", "--speed", "-3"], "--speed of a replay must be a number from 1/3600 (an hour of wall time per replayed second) up to 3600, got -3"),
    (["drill", "--replay", "INC-20261201-1", "--speed", "nan"], "--speed of a replay must be a number from 1/3600 (an hour of wall time per replayed second) up to 3600, got nan"),
    (["drill", "--replay", "INC-20261201-1", "--speed", "inf"], "--speed of a replay must be a number from 1/3600 (an hour of wall time per replayed second) up to 3600, got inf"),
    (["drill", "rate-limit", "--speed", "inf"], "--speed must be a number from 1 (real time) up to 3600, got inf"),
    (["drill", "--replay", "INC-20261201-1", "--speed", "4000"], "--speed of a replay must be a number from 1/3600 (an hour of wall time per replayed second) up to 3600, got 4000"),
    (["drill", "--replay", "INC-20991231-9"], "no incident"),
])
def test_the_replay_command_refuses_what_it_cannot_play(tmp_path: Path, capsys, argv, says: str) -> None:
    from tui.cli import main

    assert main([*argv, "--state-dir", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


class _Down:
    """Prometheus' answer for an incident whose source was down for part of it: every pane on the
    grid, quota past crit throughout, nothing at all from ``gap[0]`` to ``gap[1]``."""

    name = "prometheus"

    def __init__(self, gap: tuple[float, float]) -> None:
        self.gap = gap

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        n = int((end - start) // step) + 1
        times = [start + i * step for i in range(n)]
        value = 90.0 if "quota" in expr else 0.1
        return [({}, [(t, value) for t in times if not self.gap[0] < t < self.gap[1]])]

    def instant(self, expr: str, at: float | None = None):
        from warroom.sources.model import SloSample

        return SloSample(expr, None, error="not asked")


def test_a_gap_in_the_history_is_said_beside_the_time_in_breach(tmp_path: Path) -> None:
    """Quota past crit for the whole impact window, but the source answered nothing for 10 minutes
    of it: the PIR's time past critical (points only) and its span (first to last) would disagree
    without a word; the gap is said beside both, and the three add up."""
    import time
    from datetime import UTC, datetime

    from warroom.incident.review.metrics import evidence, impact

    cfg = Config()
    now = math.floor(time.time() / 15) * 15
    clock = [now - 1800.0]                               # declared (detected) 30 minutes ago, resolved now
    inc = IncidentStore(tmp_path, cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC)).create(
        title="quota", severity="P2", runbook=None, source={})
    clock[0] = now
    inc.resolve("breaker on")
    inc.sync_metrics(_Down((now - 1200, now - 600)), cfg.slo, summary=True)
    summ = inc.state.metric_summary
    quota = summ["slos"]["quota"]
    assert quota["gap_seconds"] == pytest.approx(600 - 15, abs=15)
    impact_window = summ["marks"]["resolved"] - summ["marks"]["started"]      # past crit all along
    assert quota["breach_seconds"] + quota["gap_seconds"] == pytest.approx(impact_window, abs=30)
    [line] = [ln.text for ln in impact(inc.state) if ln.text.startswith("Model API quota used")]
    assert "no data for 9m45s of the impact window" in line or "no data for 10m00s of the impact window" in line
    [row] = [r for r in evidence(inc.state)[0] if r.slo_id == "quota"]
    assert row.breach.endswith("(no data for 9m45s)") or row.breach.endswith("(no data for 10m00s)")
    # a grid read at a drill's speed (steps of 0.025 s, float dust between points) has no gap at all
    from warroom.config import default_slos
    from warroom.incident.metric_history import PaneHistory

    dust = PaneHistory(default_slos()[0], tuple((now + i * 0.025 + 1e-7 * (i % 3), 1.0) for i in range(400)), 0.025)
    assert dust.gap_seconds(now, now + 399 * 0.025) == 0.0


def test_a_rehearsal_is_not_replayed_and_the_commands_name_their_state_dir(tmp_path: Path, capsys) -> None:
    """A rehearsal's saved metrics are its recording replayed on the rehearsal's wall clock (the
    replay of it opened on NO DATA, the header on the rehearsal's wall time): refused, naming the
    recording and the exact command. Ids are per state dir, so every printed replay command names
    its state dir, and a replay of an id held by two stores says which one it plays."""
    import shlex

    from tui.cli import main
    from tui.launch import replay_context

    base, inc = _saved(tmp_path)
    ctx = replay_context(base, inc.id, 60.0)
    store = IncidentStore(ctx.config.state_dir(), ctx.config)
    # declared a wall minute into the replay: its window holds replayed points (one resolved at the
    # replay's first instant holds none, and an empty recording is not kept)
    rehearsal = store.create(title="quota past 80%", severity="P3", runbook=None, source={},
                             drill={"scenario": ctx.drill.scenario, "speed": 60.0,
                                    **{**ctx.drill.extra, "replay_start": ctx.drill.extra["replay_start"] - 60.0}})
    drills = str(Path(ctx.config.state_dir()).resolve())
    assert main(["incident", "resolve", rehearsal.id, "--summary", "rehearsed", "--yes", "--state-dir", drills]) == 0
    said = capsys.readouterr().out                 # it names the recording's replay, not its own (refused)
    assert f"`{shlex.join(['warroom', 'drill', '--replay', inc.id, '--state-dir', drills])}` replays that" in said
    drilled = store.create(title="quota", severity="P3", runbook=None, source={},
                           drill={"scenario": "rate-limit", "speed": 60.0, "dir": inc.state.drill["dir"]})
    assert main(["incident", "resolve", drilled.id, "--summary", "done", "--yes", "--state-dir", drills]) == 0
    said = capsys.readouterr().out                 # a drill incident, not in the default state dir: named
    assert f"`{shlex.join(['warroom', 'drill', '--replay', drilled.id, '--state-dir', drills])}` replays them" in said
    fresh = Config()
    fresh.incident.state_dir = str(tmp_path / "state")
    with pytest.raises(WarroomError, match=f"{rehearsal.id} is a rehearsal of {inc.id}") as err:
        replay_context(fresh, rehearsal.id, None)
    assert shlex.join(["warroom", "drill", "--replay", inc.id, "--state-dir", drills]) in str(err.value)
    # the same id among the real incidents: that one is played, and the other named with its command
    real = Config()
    real.incident.state_dir = str(tmp_path / "state")
    from tests.legacy_ids import numbered_apart

    with numbered_apart(tmp_path / "state"):     # as each store numbered its own (tests/legacy_ids.py)
        made = IncidentStore(tmp_path / "state", real).create(title="real", severity="P2", runbook=None, source={})
    assert made.id == inc.id
    (made.dir / "metrics.json").write_text((inc.dir / "metrics.json").read_text())
    made.resolve("done")
    notice = replay_context(real, inc.id, None).drill.notice
    assert f"{inc.id} also names an incident under {tmp_path / 'state' / 'drills'}" in notice


def test_reopened_and_resolved_again_the_recording_is_said_to_end_early_until_saved_again(tmp_path: Path,
                                                                                            capsys) -> None:
    """Resolved, reopened, resolved again while the source did not answer: metrics.json still ends
    at the first resolution. A replay says so (it ended 'at the resolution' without a word), and the
    next export saves the window to the last resolution (it only saved a missing file)."""
    from tui.cli import main
    from tui.launch import replay_context
    from warroom.incident import history as history_mod

    base, inc = _saved(tmp_path)
    first = load_history(inc.dir)
    inc.reopen("quota climbed again")
    while time.time() < first.end + 4 * first.step:      # a few recorded grid steps later (bounded: 1 s)
        time.sleep(0.05)
    inc.resolve("breaker on, again")
    assert history_mod.behind(inc.dir, inc.state)
    notice = replay_context(base, inc.id, None).drill.notice
    assert "the recording ends at" in notice and "before its last resolution" in notice
    drills = str(tmp_path / "state" / "drills")
    assert main(["incident", "export", inc.id, "--stdout", "--no-log", "--state-dir", drills]) == 0
    capsys.readouterr()
    again = load_history(inc.dir)
    assert again.end == pytest.approx(inc.state.resolved_at.timestamp()) and again.end > first.end
    assert not history_mod.behind(inc.dir, inc.state)
    fresh = Config()
    fresh.incident.state_dir = str(tmp_path / "state")
    assert "the recording ends at" not in replay_context(fresh, inc.id, None).drill.notice


def test_a_pane_the_recording_could_not_read_is_said_not_shown_as_no_data(tmp_path: Path) -> None:
    """Prometheus refused one pane's query when the incident was resolved: metrics.json keeps why.
    The replay showed that pane as NO DATA (as if the metric had been empty); it says why now."""
    from tui.launch import replay_context

    base, inc = _saved(tmp_path)
    path = inc.dir / "metrics.json"
    path.write_bytes(_pane(path.read_text(), points=[], error="Flow failure rate: range query failed: HTTP 422"))
    ctx = replay_context(base, inc.id, None)
    shown = {s.slo_id: s for s in ctx.source.fetch(ctx.config.slo, at=ctx.source.start + 5)}
    assert shown["failure_rate"].value is None
    assert shown["failure_rate"].error == f"{inc.id} could not record it: Flow failure rate: range query failed: HTTP 422"
    assert shown["quota"].error is None and shown["quota"].value is not None


class _Answers:
    """A metric source that is up but holds data only for the panes in ``values`` (flat there):
    the others' targets were down for the whole incident."""

    name = "prometheus"

    def __init__(self, values: dict[str, float]) -> None:
        self.values = values

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        from warroom.config import default_slos

        value = next((self.values[s.id] for s in default_slos() if s.query == expr and s.id in self.values), None)
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        return [] if value is None else [({}, [(t, value) for t in times])]

    def instant(self, expr: str, at: float | None = None):
        from warroom.sources.model import SloSample

        return SloSample(expr, None)


@pytest.mark.parametrize("answered", [{}, {"quota": 10.0}])
def test_panes_with_no_data_over_the_window_are_said_not_judged_healthy(tmp_path: Path, answered) -> None:
    """The source answered nothing for the whole incident (or for every pane but one): the resolve
    said "metrics saved ... replays them" and the replay was refused (no point to replay); the PIR
    said "No pane went past its warn threshold during the incident window", a clean bill of health
    for panes nobody could see. Now an empty recording is not kept (a later export tries again),
    and the PIR names each pane with no data as not judged."""
    from datetime import UTC, datetime

    from warroom.config import default_slos

    cfg = Config()
    now = math.floor(time.time() / 15) * 15
    clock = [now - 1800.0]
    inc = IncidentStore(tmp_path, cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC)).create(
        title="checkout slow", severity="P2", runbook=None, source={})
    clock[0] = now
    inc.resolve("restarted")
    source = _Answers(answered)
    if not answered:
        with pytest.raises(WarroomError, match="answered nothing over the incident window .*no pane has a single point"):
            record_history(inc.dir, inc.state, cfg.slo, source)
        assert not (inc.dir / "metrics.json").exists()
    inc.sync_metrics(source, cfg.slo, summary=True)
    pir = inc.render("pir")
    evidence = pir.split("## SLO Evidence", 1)[1].split("\n## ", 1)[0]
    assert "No pane went past its warn threshold" not in evidence
    blank = [s.title for s in default_slos() if s.id not in answered]
    assert f"No data over the incident window (the metric source answered nothing) for {', '.join(blank)}: not judged" \
        in evidence
    assert ("no other pane went past its warn threshold" in evidence) == bool(answered)   # quota at 10 %: it did not


def test_past_the_recordings_end_the_panes_go_stale_and_nothing_is_read(tmp_path: Path) -> None:
    """redteam47 F14: a replay played past its recording's end held the last values with no age: every pane read
    "now", a gate or a criterion read the frozen value as live, and a rehearsal recorded it as its own readings for
    as long as it ran. Past the end a pane keeps its last value aged from when it was played (STALE within
    stale_after, as a pane whose exporter died), reads answer no data naming the end, and a rehearsal's history
    holds the end for one grid step only."""
    from warroom.sources.evaluate import evaluate

    cfg, inc, drill, source = _resolved_drill_incident(tmp_path)
    record_history(inc.dir, inc.state, cfg.slo, source)
    history = load_history(inc.dir)
    replay = ReplaySource(history, speed=2.0, start=1_000.0)
    end_wall = replay.wall_time(history.end)
    quota = history.pane("quota")
    assert quota is not None
    at_end = {s.slo_id: s for s in replay.fetch(cfg.slo, at=end_wall)}
    assert at_end["quota"].data_time is None and at_end["quota"].value == quota.points[-1][1]   # playing: live
    later = end_wall + 300.0                              # five wall minutes past the end
    past = {s.slo_id: s for s in replay.fetch(cfg.slo, at=later)}
    assert past["quota"].value == quota.points[-1][1] and past["quota"].data_time == pytest.approx(
        replay.wall_time(quota.points[-1][0]))
    assert all(w <= end_wall + 1e-3 for w, _ in past["quota"].series)      # the curve runs out at the end
    (reading,) = [r for r in evaluate(cfg.slo, [past["quota"]], stale_after=60.0, now=later) if r.slo.id == "quota"]
    assert reading.state == "stale" and reading.age is not None and reading.age > 60.0, reading
    gate = replay.instant("quota", at=later)
    assert gate.value is None and gate.error and "ended at" in gate.error and "nothing after it" in gate.error
    with pytest.raises(Exception, match="ended at"):
        replay.query("quota", at=later)
    [(_, points)] = replay.query_range(quota.slo.query, end_wall - 10.0, end_wall + 600.0, 5.0)
    assert points and max(w for w, _ in points) < end_wall + 5.0                # one step past the end, no more
