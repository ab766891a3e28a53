"""The panes' answers kept with the incident (``warroom.incident.history_memo``).

Two promises, checked by counting and comparing, never by timing:

* exact: what a command reads through the memo is, float for float, what reading the whole window
  afresh gives, after actions that bend the curves, across the grid's step doubling as the window
  grows, and after a kill (every command a new process: new drill, new memo read from the file);
* bounded: a CLI command's work (grid points asked of the drill, rows the simulator integrates)
  does not grow with the incident's age. Before, ``incident show`` five hours into a x60 drill asked
  every pane's whole window and integrated the whole drill again (17 s).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.drill import series as drill_series
from tests.unit.standins_corpus import warm_drill
from warroom.drill.directory import DrillSource, open_drill
from warroom.incident.history_memo import MEMO_FILE, HistoryMemo
from warroom.incident.live import metric_source_for
from warroom.incident.metric_history import align, fold, grid_step, query_history
from warroom.incident.store import IncidentStore

START = 1_800_000_000.0
HOUR = 3600.0


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pins below are undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _pin(t: float) -> None:
    os.environ["WARROOM_DRILL_AT"] = repr(t)


@pytest.mark.parametrize("speed", [60.0, 7.0])      # a grid step in binary fractions, and one that is not
def test_kept_points_are_the_points_read_afresh(tmp_path: Path, speed: float) -> None:
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    slos = Config().slo
    memo_file = tmp_path / MEMO_FILE
    base = 15.0 / speed
    start = START + 600 / speed
    # drill hours at which a command runs (the window's step doubles past three hours), and an action
    # recorded before it, dated before the last command's reading: it bends points already kept
    for age, action in [(0.5, None), (1.5, None), (2.0, ("circuit_breaker", 1.4)), (3.2, None),
                        (3.3, ("circuit_breaker_off", 3.1)), (4.1, None)]:
        now = START + age * HOUR / speed
        _pin(now)
        if action is not None:
            open_drill(d.path).record(action[0], tool="kubectl", at=START + action[1] * HOUR / speed)
        step = grid_step(start, now, base)
        memo = HistoryMemo(memo_file)                   # a new process: the memo as the last one left it
        # the process's drill, read through the memo and without it: what is compared is the memo's points with the
        # whole window read afresh from the world, not two integrations of that world (the simulator's rows are
        # the plain integration's, bit for bit: test_drill_incremental); a drill of each integrated every row
        # since the last action twice, half of this test's CPU
        drill = open_drill(d.path)
        kept_source, fresh_source = drill.source(slos), drill.source(slos)
        for slo in slos:
            kept = query_history(kept_source, slo.query, start, now, step, slo.direction, memo)
            fresh = query_history(fresh_source, slo.query, start, now, step, slo.direction)
            assert kept == fresh, (age, slo.id)
            assert kept, (age, slo.id)
        memo.save()
        kept_source.close()
    assert memo.asked < sum(len(kept_source.walls(start, now, step)) for _ in slos)   # the last read was not whole


class Work:
    """What the drill does for a command: grid points asked, rows integrated."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.points = self.rows = 0
        query_at, rates = DrillSource.query_at, drill_series.Series.rates

        def counted_query_at(source: DrillSource, expr: str, walls: list[float]) -> object:
            self.points += len(walls)
            return query_at(source, expr, walls)

        def counted_rates(series: drill_series.Series, t: float) -> list[float]:
            self.rows += 1
            return rates(series, t)

        monkeypatch.setattr(DrillSource, "query_at", counted_query_at)
        monkeypatch.setattr(drill_series.Series, "rates", counted_rates)

    def take(self) -> tuple[int, int]:
        out, self.points, self.rows = (self.points, self.rows), 0, 0
        return out


def _command(state_dir: Path, inc_id: str, now: float) -> list[object]:
    """One CLI command's metric sync, as ``warroom.cli.incident_metrics.sync`` does it: a fresh
    process's incident and drill, its source opened and closed."""
    _pin(now)
    inc = IncidentStore(state_dir / "incidents", Config(),
                        clock=lambda: datetime.fromtimestamp(now, UTC)).open(inc_id)
    source, speed = metric_source_for(inc)
    try:
        return list(inc.sync_metrics(source, speed=speed, now=now).events)
    finally:
        source.close()


def test_a_commands_work_does_not_grow_with_the_incidents_age(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    speed = 60.0
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    declared = START + 600 / speed
    _pin(declared)
    inc = IncidentStore(tmp_path / "incidents", Config(),
                        clock=lambda: datetime.fromtimestamp(declared, UTC)).create(
        title="Quota climbing", severity="p3", drill={"scenario": "rate-limit", "speed": speed, "dir": str(d.path)})
    work = Work(monkeypatch)
    _command(tmp_path, inc.id, declared)
    per_age = {}
    for hours in (1, 3, 5):
        now = START + hours * HOUR / speed
        _command(tmp_path, inc.id, now - 10)           # the command before
        work.take()
        _command(tmp_path, inc.id, now)                # and this one, 10 s (ten drill minutes) later
        per_age[hours] = work.take()
    # at most ten drill minutes of new points per pane (the grid's step is 15 s drill time or more),
    # and the rows of those minutes plus what was not yet written back: at one hour as at five
    panes, new = len(Config().slo), 600.0
    for hours, (points, rows) in per_age.items():
        assert points <= panes * (new / 15 + 2), (hours, points)
        assert rows <= new / drill_series.GRID + 121 + 2, (hours, rows)
    assert (inc.dir / MEMO_FILE).is_file()


def test_a_query_whose_points_depend_on_the_batch_is_read_whole(tmp_path: Path) -> None:
    """``@ end()`` makes every point of a range query the value at its end: kept points would be
    the end of an earlier read. Such a query (and ``offset``) is never memoised."""
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=60.0, start=START)
    memo = HistoryMemo(None)
    expr = "100 * max(flowengine_model_quota_used_ratio @ end())"
    start = START + 10
    for age in (1.0, 1.5):
        now = START + age * HOUR / 60.0
        _pin(now)
        kept = query_history(open_drill(d.path).source(), expr, start, now, 1.0, "above", memo)
        fresh = query_history(open_drill(d.path).source(), expr, start, now, 1.0, "above")
        assert kept == fresh, age
    assert memo.asked == 0


def test_a_memo_that_cannot_be_written_costs_only_speed(tmp_path: Path) -> None:
    """An incident directory that cannot take the file (gone, read-only): the command still reads
    the history; the points stay in memory and the next save tries again."""
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=60.0, start=START)
    now = START + HOUR / 60.0
    _pin(now)
    memo = HistoryMemo(tmp_path / "gone" / MEMO_FILE)
    slo = Config().slo[0]
    first = query_history(d.source(), slo.query, START + 10, now, 1.0, slo.direction, memo)
    memo.save()
    assert not (tmp_path / "gone").exists()
    (tmp_path / "gone").mkdir()
    memo.save()
    again = HistoryMemo(tmp_path / "gone" / MEMO_FILE)
    assert query_history(d.source(), slo.query, START + 10, now, 1.0, slo.direction, again) == first
    assert again.asked == 0


def test_a_long_read_within_the_held_rows_integrates_nothing_again(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """At x3600 a look every 15 s asks for drill hours the panes' poll already integrated, and a window's step
    doubling asks for all of them: the simulator holds ``Series.KEEP`` hours of rows (its ``HELD`` bytes, ~112 drill
    hours), so a whole-window read within them integrates no row again. (Was: a 30-hour read bounded by "each hour
    once per pane", written when it held four hours; since it holds 112, that read integrated 0 rows and the bound
    held nothing. Past the held hours the bound does not hold today: held to four, the same read integrates 465,193
    rows against 73,440, suite43's finding, a performance gap of x3600 drills past ~2 wall minutes, left named.)
    Six drill hours (was twelve: 10,080 rows integrated by the poll, ~3.5 s CPU): the window's step still doubles
    (1,440 points of 15 s) and its eight hours of rows are twice the four chunks once held, so a series holding
    fewer than it reads still integrates rows again here (red with ``_evict`` keeping four)."""
    speed, hours = 3600.0, 6.0
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    now = START + hours                                 # six drill hours
    _pin(now)
    source = d.source()
    slos = Config().slo
    source.fetch(slos)                                  # the panes' poll integrated up to now
    series = d.simulator.refresh()
    assert series.KEEP * series.CHUNK * drill_series.GRID >= (hours + 2) * HOUR + drill_series.HISTORY   # held
    work = Work(monkeypatch)
    memo = HistoryMemo(None)
    step = grid_step(START, now, 15.0 / speed)
    for slo in slos:
        query_history(source, slo.query, START, now, step, slo.direction, memo)
    points, rows = work.take()
    assert points > 0 and rows == 0, (points, rows)


@pytest.mark.parametrize("speed", [3600.0, 600.0, 7.0, 60.0])   # steps 15/speed: not binary fractions, and one that is
def test_a_doubled_grid_is_every_other_time_of_the_finer_one(tmp_path: Path, speed: float) -> None:
    """The history's grid is the multiples of its step (``metric_history.align``), each time
    computed as ``k * step``: doubling the step (a window past ``MAX_POINTS``) gives, bit for bit,
    every other time of the finer grid, so the memo keeps what it answered. As ``t0 + i * step``
    they differed by an ulp (15/3600 is not a binary fraction): at each doubling one look asked the
    whole window again (x3600: 96 drill hours at once)."""
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    source = d.source()
    for start in (START + 600 / speed, START + 2000 / speed, START + 0.1):
        base = 15.0 / speed
        fine, coarse = grid_step(start, start + 1.0, base), 2 * grid_step(start, start + 1.0, base)
        _pin(start + 5 * HOUR / speed)
        end = start + 4 * HOUR / speed
        fine_walls = set(source.walls(align(start, fine), end, fine))
        coarse_walls = source.walls(align(start, coarse), end, coarse)
        assert len(coarse_walls) > 400
        assert set(coarse_walls[1:]) <= fine_walls, start      # its first may sit a fine step before


@pytest.mark.parametrize("speed", [3600.0, 7.0])
def test_a_look_across_the_step_doubling_asks_only_the_new_points(tmp_path: Path, speed: float) -> None:
    """Just past three drill hours the window's step doubles: the look then asks the source for its
    new points only (and the coarse grid's first, a fine step before the window), and what it
    returns is still what a fresh read of the whole window gives. Several windows: as
    ``t0 + i * step`` a doubled grid kept all, a third or two thirds of its times, by the start."""
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    slos = Config().slo
    base = 15.0 / speed
    source, fresh = d.source(slos), d.source(slos)     # one world, read through the memo and without it
    # drill seconds from the drill's start: the bench's window (declared at ten minutes, an hour's
    # lookback), and one whose doubled grid missed 100 (x3600) and 259 (x7) of its 363 times
    for offset in (-3000.0, 2000.0):
        start = START + offset / speed
        memo = HistoryMemo(None)
        steps = []
        for ahead in (-4, 3):                   # four fine steps before the doubling, three after
            now = start + (720 + ahead) * base
            _pin(now)
            step = grid_step(start, now, base)
            steps.append(step)
            asked = memo.asked
            for slo in slos:
                kept = query_history(source, slo.query, start, now, step, slo.direction, memo)
                assert kept == query_history(fresh, slo.query, start, now, step, slo.direction), (offset, ahead)
        assert steps == [base, 2 * base]
        # seven fine steps later: at most four new coarse points per pane, and the coarse grid's first
        assert memo.asked - asked <= len(slos) * (4 + 1), (offset, memo.asked - asked)


@pytest.mark.parametrize("speed", [3600.0, 600.0, 7.0])
def test_a_grid_time_reads_the_scrape_its_exact_instant_reads(tmp_path: Path, speed: float) -> None:
    """A drill started on a whole second puts every grid time of a x3600 (x600, x7) window exactly
    on a scrape; the wall time's float error (an ulp, times the speed: up to a millisecond of drill
    time) then decided whether a point read that scrape or the one before, and a point moved as
    the float expression of its time changed. Each point is the value at its exact instant (here
    computed in integers), as x60's are."""
    from fractions import Fraction

    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    slos = Config().slo
    base = 15.0 / speed
    start, now = START - 3000 / speed, START + 2 * HOUR / speed
    _pin(now)
    step = grid_step(start, now, base)
    k0 = round(align(start, step) / step)
    exact = Fraction(15) / Fraction(speed) * Fraction(step / base)          # the step's exact value
    source = d.source(slos)
    walls = source.walls(align(start, step), now, step)
    at = [float(((k0 + i) * exact - int(START)) * int(speed)) for i in range(len(walls))]     # whole seconds
    assert all(t == round(t) for t in at) and len(at) > 400
    for slo in slos:
        got = query_history(source, slo.query, start, now, step, slo.direction)
        many = d.simulator.evaluate_many(slo.query, at)
        cols = [({}, many.scalar)] if many.scalar is not None else many.vector or []
        want = fold([(labels, [(w, v) for w, v in zip(walls, col, strict=True) if v is not None])
                     for labels, col in cols], slo.direction)
        assert got == want, slo.id


def test_a_cache_from_before_exact_instants_is_not_served(tmp_path: Path) -> None:
    """A version-1 ``panes.cache`` holds points read before a grid time was read at its exact
    instant (some the scrape before), at times the new grid still hits bit for bit, on a world
    (simulator code, actions) that has not changed: it is started afresh, never served."""
    import json

    speed = 3600.0
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=speed, start=START)
    now = START + 2 * HOUR / speed
    _pin(now)
    slo, start = Config().slo[0], START - 3000 / speed
    step = grid_step(start, now, 15.0 / speed)
    source = d.source()
    memo_file = tmp_path / MEMO_FILE
    memo = HistoryMemo(memo_file)
    fresh = query_history(source, slo.query, start, now, step, slo.direction, memo)
    memo.save()
    doc = json.loads(memo_file.read_text())
    doc["version"] = 1
    for points in doc["points"].values():
        for point in points:
            point[1] = -1.0                 # what an older read said there (any other value)
    memo_file.write_text(json.dumps(doc))
    again = HistoryMemo(memo_file)
    assert query_history(source, slo.query, start, now, step, slo.direction, again) == fresh
    assert again.asked > 0
