"""A sped-up drill lives in scenario time: the escalation tier and the update cadence move with
the drill's clock, not the wall clock (``--speed 10`` reaches the 15-minute tier after 90 s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from panes.header import IncidentHeader
from panes.view import HeaderInfo
from warroom.config import Config
from warroom.incident.store import IncidentStore


def _incident(tmp_path: Path, speed: float | None):
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    drill = {"scenario": "rate-limit", "speed": speed, "dir": str(tmp_path / "d")} if speed else None
    return IncidentStore(tmp_path, cfg).create(title="quota climbing", severity="P2", runbook=None,
                                               source={}, drill=drill)


def test_at_speed_10_the_tier_moves_at_15_scenario_minutes(tmp_path: Path) -> None:
    st = _incident(tmp_path, 10.0).state
    t0 = st.clock_start
    assert st.time_scale == 10.0
    assert st.escalation_tier(t0 + timedelta(seconds=89)).label == "on-call"
    assert st.escalation_tier(t0 + timedelta(seconds=91)).label == "page TL"   # 15m10s of scenario time
    assert st.escalation_tier(t0 + timedelta(seconds=181)).label == "IC + consider rollback"
    due = st.next_update_due(t0, every=900.0)
    assert due is not None and abs((due - st.declared_at).total_seconds() - 90.0) < 1e-6


def test_a_real_incident_keeps_wall_time(tmp_path: Path) -> None:
    st = _incident(tmp_path, None).state
    t0 = st.clock_start
    assert st.time_scale == 1.0
    assert st.escalation_tier(t0 + timedelta(minutes=14)).label == "on-call"
    assert st.escalation_tier(t0 + timedelta(minutes=16)).label == "page TL"


def test_header_draws_scenario_time_and_says_the_speed() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
    bar = IncidentHeader()
    bar.info = HeaderInfo(incident_id="INC-1", title="t", status="investigating", severity="P2",
                          declared_at=now - 100, next_update_at=now - 10 + 90, drill="rate-limit",
                          time_scale=10.0)
    text = bar.clocks_text(now).plain
    assert "×10" in text
    assert "16:40" in text                 # 100 s wall = 16m40s scenario
    assert "update in 13m20s" in text      # 80 s wall to the next update = 13m20s scenario


def test_a_replay_of_a_recording_across_days_says_the_day() -> None:
    """A three-day incident replayed: the header's recorded time names its day (a time of day alone
    is the same on each of the three); a recording within one day keeps the short form."""
    start = datetime(2026, 12, 1, 22, 0, tzinfo=UTC).timestamp()
    bar = IncidentHeader()
    bar.info = HeaderInfo(drill="replay INC-1", recording=(1000.0, start, 3600.0, start + 3 * 86400))
    assert "recorded 2026-12-02 22:00:00 UTC " in bar.clocks_text(1000.0 + 24).plain
    assert "recording ended 2026-12-04 22:00:00 UTC" in bar.clocks_text(1e6).plain
    bar.info = HeaderInfo(drill="replay INC-1", recording=(1000.0, start, 60.0, start + 3600))
    assert "recorded 22:01:00 UTC " in bar.clocks_text(1001.0).plain


def test_incident_show_and_the_csv_row_read_drill_time(tmp_path: Path) -> None:
    """``incident show``: elapsed and the response times in drill time with the wall beside;
    the incident log's duration in drill minutes (injected clock: no wall time passes)."""
    from warroom.cli.incident_show import render_show
    from warroom.incident.csvlog import row_for

    inc = _incident(tmp_path, 10.0)
    st = inc.state
    now = st.clock_start + timedelta(seconds=150)        # 2m30s wall = 25m00s of drill time
    text = "\n".join(render_show(inc, st, now))
    assert "elapsed 25m00s drill time (2m30s wall) at ×10" in text
    assert row_for(st, now)["Duration (min)"] == "25" and row_for(st, now)["Wall Duration (min)"] == "2"
    real = _incident(tmp_path / "real", None)
    assert "elapsed 2m30s;" in "\n".join(render_show(real, real.state, real.state.clock_start + timedelta(seconds=150)))


def test_the_json_view_gives_both_clocks(tmp_path: Path) -> None:
    from warroom.incident.jsonview import state_to_json

    st = _incident(tmp_path, 10.0).state
    doc = state_to_json(st, st.clock_start + timedelta(seconds=150))
    assert doc["elapsed"] == 150.0 and doc["scenario_elapsed"] == 1500.0 and doc["time_scale"] == 10.0


def test_the_step_detail_says_a_run_time_is_wall_in_a_drill() -> None:
    """A command's run time is real seconds (never scaled); in a drill the pane says ``wall``."""
    from types import SimpleNamespace

    from tui.view import step_view

    run = SimpleNamespace(expect_met=None, exit_code=0, duration=0.4, started_at=None, output=None,
                          status="ok", expect=None, excerpt="")
    st = SimpleNamespace(last_run=run, status="ok", skipped_reason=None, refusals=[])
    assert step_view(st, SimpleNamespace(time_scale=10.0)).duration_text == "0.4s wall"
    assert step_view(st, SimpleNamespace(time_scale=1.0)).duration_text == "0.4s"


def test_a_pane_for_hold_counts_drill_time() -> None:
    """``for = "5m"`` is incident time: at x10 a pane past crit for 40 wall seconds (6m40s of
    drill time) is breached; at x1 it is still holding (timestamps injected)."""
    from warroom.config import SloConfig
    from warroom.sources.evaluate import SloTracker
    from warroom.sources.model import SloSample

    slo = SloConfig(id="q", title="q", query="q", unit="percent", warn=2.0, crit=5.0, for_=300.0)
    t = 1_800_000_000.0
    series = tuple((t - 40 + i * 10, 9.0) for i in range(5))      # past crit from t-40 to t
    sample = SloSample("q", 9.0, series, sample_time=t, fetched_at=t)
    drill = SloTracker([slo], 60.0, speed=10.0).update([sample], now=t)[0]
    real = SloTracker([slo], 60.0).update([sample], now=t)[0]
    assert drill.state == "crit" and drill.breached
    assert real.state == "warn" and not real.breached and "past crit for 40s (breached after 5m00s)" in (real.note or "")
    early = SloTracker([slo], 60.0, speed=10.0).update(
        [SloSample("q", 9.0, series[-2:], sample_time=t, fetched_at=t)], now=t)[0]
    assert early.state == "warn" and "past crit for 1m40s drill time (breached after 5m00s drill time)" in (early.note or "")


def test_the_incident_log_gives_the_wall_minutes_beside_and_an_older_log_keeps_its_shape(tmp_path: Path) -> None:
    """A drill's row in incident_log.csv: ``Duration (min)`` in drill minutes, ``Wall Duration
    (min)`` beside it. A log written before that column existed gets rows of its own width, and a
    re-export is still recognised as the same row."""
    from warroom.incident import csvlog

    inc = _incident(tmp_path, 60.0)
    st = inc.state
    now = st.clock_start + timedelta(minutes=3)                        # 3 wall minutes = 3 drill hours
    log = tmp_path / "incident_log.csv"
    assert csvlog.append_row(log, csvlog.row_for(st, now))
    row = csvlog.read_rows(log)[0]
    assert row["Duration (min)"] == "180" and row["Wall Duration (min)"] == "3"
    assert not csvlog.append_row(log, csvlog.row_for(st, now))         # the same export again
    old = tmp_path / "old.csv"
    old.write_text(csvlog.encode_row(dict(zip(csvlog.COLUMNS[:-2], csvlog.COLUMNS[:-2]))), encoding="utf-8")
    assert csvlog.append_row(old, csvlog.row_for(st, now))
    assert not csvlog.append_row(old, csvlog.row_for(st, now))
    lines = old.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[1].count(",") == lines[0].count(",") and lines[1].split(",")[5] == "180"


def test_at_speed_60_the_header_and_the_draft_count_drill_minutes(tmp_path: Path) -> None:
    """x60: 15 wall seconds are the 15-minute tier; the update every 15 drill minutes is due 15
    wall seconds after declaring; the drafted update says when in drill time with the wall beside."""
    from warroom.incident.cadence import draft_update

    now = datetime(2026, 12, 1, 23, 59, 50, tzinfo=UTC).timestamp()       # the next update falls after midnight
    bar = IncidentHeader()
    bar.info = HeaderInfo(incident_id="INC-1", title="t", status="investigating", severity="P2",
                          declared_at=now - 14, next_update_at=now - 14 + 15, drill="rate-limit", time_scale=60.0)
    text = bar.clocks_text(now).plain
    assert "14:00 ×60" in text and "T0 on-call" in text and "update in 1m00s" in text
    text = bar.clocks_text(now + 2).plain
    assert "16:00 ×60" in text and "T1 page TL" in text and "update overdue by 1m00s" in text
    st = _incident(tmp_path, 60.0).state
    draft = draft_update(st, st.declared_at + timedelta(seconds=5), 900.0)
    due = st.declared_at + timedelta(seconds=20)
    assert f"Next update by {due:%H:%M:%S} UTC (in 15m00s drill time (15s wall))." in draft


def test_the_paused_note_says_how_much_drill_time_went_by_unseen() -> None:
    """A dialog pauses the dashboard's drawing, not the drill: at x10, 12 wall seconds behind a
    dialog are two drill minutes the IC did not see."""
    from tui.screens.modals.base import paused_text

    since = datetime(2026, 12, 1, 23, 59, 55, tzinfo=UTC).timestamp()
    drill = paused_text(since, since + 12, 10.0)
    assert drill == "‖ dashboard paused 02:00 drill, 00:12 wall · catches up when this closes · since 23:59:55 UTC"
    assert "paused since 23:59:55 UTC (00:12) ·" in paused_text(since, since + 12)
    # the drill's two spans and the point of the note both fit 80 columns, an hour of drill time at x60 too: a cut
    # takes only the start's clock time (redteam44 L2 lost the point, redteam47 F13 the spans)
    hour = paused_text(since, since + 60, 60.0)
    assert hour.startswith("‖ dashboard paused 1:00:00 drill, 01:00 wall · catches up when this closes ·"), hour
    assert len(hour.split(" · since")[0]) <= 74, hour     # 78 columns inside the note's padding, with room
