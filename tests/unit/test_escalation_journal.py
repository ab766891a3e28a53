"""Escalation tiers on the record: "escalated to tier N at T", once per tier, in the incident's own
time, on the timeline and in the PIR (``warroom.incident.escalation``). The clock is pinned
(``$WARROOM_DRILL_AT`` in a drill, an injected clock for a real incident): no wall time is read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom import scenario_time
from warroom.config import Config
from warroom.incident.store import IncidentStore

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

T0 = datetime(2026, 12, 2, 23, 50, tzinfo=UTC).timestamp()       # the tiers cross midnight


def _cfg(tmp: Path) -> Config:
    cfg = Config()
    cfg.incident.state_dir = str(tmp)
    return cfg


def _drill(tmp: Path, monkeypatch: pytest.MonkeyPatch, speed: float = 10.0):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    return IncidentStore(tmp, _cfg(tmp)).create(title="quota climbing", severity="P3", source={},
                                                drill={"scenario": "rate-limit", "speed": speed})


def _at(monkeypatch: pytest.MonkeyPatch, wall: float) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + wall))


def _tiers(inc) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(e.data["tier"], e.data["reached_at"]) for e in inc.read().events if e.type == "escalation.tier"]


def _utc(wall: float) -> str:
    return datetime.fromtimestamp(T0 + wall, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_each_tier_is_journaled_once_at_the_drill_instant_it_was_reached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """x10: the TL is paged 15 drill minutes (90 wall seconds) after detection; looks before that
    journal nothing, two watchers (two Incident objects: two dashboards, the CLI) write it once,
    and the line says when it was reached, not when someone looked."""
    inc = _drill(tmp_path, monkeypatch)
    other = IncidentStore(tmp_path, _cfg(tmp_path)).open(inc.id)
    _at(monkeypatch, 89)
    assert inc.check_escalation() == [] and other.check_escalation() == []
    _at(monkeypatch, 100)                          # 16m40s drill time: a look 10 wall seconds late
    assert [e.data["tier"] for e in inc.check_escalation()] == [1]
    assert other.check_escalation() == [] and inc.check_escalation() == []
    assert _tiers(inc) == [(1, _utc(90))]
    line = next(t for t in inc.state.timeline if t.kind == "escalation.tier")
    assert line.at == datetime.fromtimestamp(T0 + 90, UTC)
    assert line.text.startswith("Escalated to tier 1 (page TL), 15m00s drill time (1m30s wall) after detection")
    assert inc.state.escalation_tier(datetime.fromtimestamp(T0 + 100, UTC)).tier == 1   # the header's judge agrees


def test_a_watcher_back_after_a_kill_journals_every_tier_it_missed_in_order_and_none_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _drill(tmp_path, monkeypatch)
    _at(monkeypatch, 95)
    inc.check_escalation()
    scenario_time.forget_work()                    # the dashboard was killed; a new one resumes
    _at(monkeypatch, 400)                          # 66m40s drill time
    resumed = IncidentStore(tmp_path, _cfg(tmp_path)).open(inc.id)
    assert [e.data["tier"] for e in resumed.check_escalation()] == [2, 3]
    assert _tiers(resumed) == [(1, _utc(90)), (2, _utc(180)), (3, _utc(360))]
    assert resumed.check_escalation() == [] and inc.check_escalation() == []
    times = [t.at for t in resumed.state.sorted_timeline() if t.kind == "escalation.tier"]
    assert times == sorted(times) and len(times) == 3


def test_a_resolved_incident_never_gets_a_tier_it_did_not_reach_and_resolving_records_the_ones_it_did(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody looked while it ran: resolving at 20 drill minutes journals tier 1 (reached at 15)
    before the resolution; a look long after (70 drill minutes) adds nothing."""
    inc = _drill(tmp_path, monkeypatch)
    _at(monkeypatch, 120)
    inc.resolve("breaker on")
    events = [e.type for e in inc.read().events]
    assert events.index("escalation.tier") < events.index("incident.resolved")
    _at(monkeypatch, 420)
    assert inc.check_escalation() == [] and _tiers(inc) == [(1, _utc(90))]
    assert all(e.type != "escalation.tier" for e in inc.keep_up(None))


def test_resolved_before_the_first_tier_journals_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _drill(tmp_path, monkeypatch)
    _at(monkeypatch, 80)                             # 13m20s drill time
    inc.resolve("transient")
    _at(monkeypatch, 1000)
    assert inc.check_escalation() == [] and _tiers(inc) == []


def test_a_real_incident_escalates_on_its_own_wall_clock_and_back_dated_detection_moves_the_tiers(
        tmp_path: Path) -> None:
    start = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    now = [start]
    store = IncidentStore(tmp_path, _cfg(tmp_path), clock=lambda: now[0])
    inc = store.create(title="disk full", severity="P2", source={})
    now[0] = start + timedelta(minutes=14, seconds=59)
    assert inc.check_escalation() == []
    inc.mark_phase("detected", at=start - timedelta(minutes=20))       # noticed twenty minutes before declaring
    assert [e.data["tier"] for e in inc.check_escalation()] == [1, 2]
    # both were due on the moved clock (09:55, 10:10), but nobody could be paged before the journal
    # knew: they are reached at the back-dating (review13b), never before the declaration
    assert [r for _, r in _tiers(inc)] == ["2026-12-02T10:14:59.000Z", "2026-12-02T10:14:59.000Z"]
    text = [t.text for t in inc.state.timeline if t.kind == "escalation.tier"]
    assert text[0].startswith("Escalated to tier 1 (page TL), 15m00s after detection (due before detection was"
                              " back-dated: reached at the back-dating): page the tech lead")


def test_a_detection_before_the_declaration_is_never_escalated_before_the_declaration(tmp_path: Path) -> None:
    """Declared from an alert that fired 40 minutes earlier: the incident is at tier 2 on its clock,
    but the timeline and PIR must not say the TL was paged 15 minutes before the incident existed."""
    start = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    now = [start]
    store = IncidentStore(tmp_path, _cfg(tmp_path), clock=lambda: now[0])
    inc = store.create(title="disk full", severity="P2",
                       source={"kind": "alert", "detected_at": "2026-12-02T09:20:00Z"})
    now[0] = start + timedelta(seconds=5)
    assert [e.data["tier"] for e in inc.check_escalation()] == [1, 2]
    assert [r for _, r in _tiers(inc)] == ["2026-12-02T10:00:00.000Z", "2026-12-02T10:00:00.000Z"]
    st = inc.refresh()
    declared = next(t for t in st.timeline if t.kind == "incident.declared")
    assert all(t.at >= declared.at for t in st.timeline if t.kind == "escalation.tier")
    assert "(due before the incident was declared: reached at the declaration)" in \
        [t.text for t in st.timeline if t.kind == "escalation.tier"][0]
    now[0] = start + timedelta(minutes=15)                # tier 3 (60 min after detection) on its own time
    assert [e.data["tier"] for e in inc.check_escalation()] == []
    now[0] = start + timedelta(minutes=20)
    assert [(e.data["tier"], e.data["reached_at"]) for e in inc.check_escalation()] == [(3, "2026-12-02T10:20:00.000Z")]


def test_the_cli_journals_tiers_and_the_pir_shows_them_in_drill_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TZ", "UTC")         # the PIR local column read below: else the machine's zone (13:53 at +14)
    cli = Cli(tmp_path / "state", capsys)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    code, out, err = cli("new", "--title", "quota climbing", "--severity", "P3", "--drill", "rate-limit",
                         "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    _at(monkeypatch, 200)                                        # 33m20s drill time
    code, out, err = cli("show", inc)
    assert code == 0, err
    assert "escalated to tier 1 (page TL), reached at " + _utc(90) in err
    assert "escalated to tier 2 (IC + consider rollback), reached at " + _utc(180) in err
    assert "23:51:30" in out and "Escalated to tier 1 (page TL), 15m00s drill time (1m30s wall) after detection" in out
    code, out, err = cli("show", inc)
    assert "escalated to tier" not in err                       # once
    _at(monkeypatch, 250)
    assert cli("resolve", inc, "--summary", "breaker on", "--yes")[0] == 0
    assert cli("export", inc)[0] == 0
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text(encoding="utf-8")
    assert "| 23:53:00 | 23:53 | Escalated to tier 2 (IC + consider rollback), 30m00s drill time (3m00s wall)" in pir
    assert "tier 3" not in pir                                  # 41m40s: never reached
    kinds = [json.loads(x)["type"] for x in cli.journal(inc).read_text().splitlines()]
    assert kinds.count("escalation.tier") == 2
    code, out, _ = cli("show", inc, "--json")
    assert [(e["tier"], e["reached_at"][:19]) for e in json.loads(out)["escalations"]] == [
        (1, _utc(90)[:19]), (2, _utc(180)[:19])]


def test_the_header_reads_the_core_schedule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's header shows the tier the core scheduled (the instants of
    ``escalation.schedule``), and it stops at the tier reached when the incident was resolved."""
    from panes.header import IncidentHeader
    from tui.view import incident_view

    inc = _drill(tmp_path, monkeypatch)

    class Snap:
        state = inc.state
        runbook = None

    view = incident_view(Snap(), 900.0, now=T0 + 100)
    assert view.header.tiers[:2] == ((T0, 0), (T0 + 90, 1))
    bar = IncidentHeader()
    bar.info = view.header
    assert "T1 page TL" in bar.clocks_text(T0 + 100).plain
    assert "T0 on-call" in bar.clocks_text(T0 + 89).plain
    _at(monkeypatch, 120)
    inc.resolve("breaker on")
    Snap.state = inc.state
    bar.info = incident_view(Snap(), 900.0, now=T0 + 600).header
    assert "T1 page TL" in bar.clocks_text(T0 + 600).plain        # 100 drill minutes later: still T1


def test_a_tier_whose_time_came_while_resolved_is_reached_on_reopening(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolved at 20 drill minutes, reopened at 50: tier 2 (30 minutes) was never reached while
    resolved; it is reached on reopening, at the reopening, and says so."""
    inc = _drill(tmp_path, monkeypatch)
    _at(monkeypatch, 120)
    inc.resolve("breaker on")
    _at(monkeypatch, 300)
    inc.reopen("quota climbing again")
    _at(monkeypatch, 310)
    assert [e.data["tier"] for e in inc.check_escalation()] == [2]
    assert _tiers(inc) == [(1, _utc(90)), (2, _utc(300))]
    line = [t for t in inc.state.timeline if t.kind == "escalation.tier"][-1]
    assert "reached on reopening" in line.text and line.at == datetime.fromtimestamp(T0 + 300, UTC)


def test_watchers_racing_write_each_tier_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four watchers (separate Incident objects: dashboards, CLI commands) look at once, 66m40s in:
    whatever the interleaving, the journal holds tiers 1, 2 and 3 once each, in order."""
    import threading

    inc = _drill(tmp_path, monkeypatch)
    _at(monkeypatch, 400)
    watchers = [IncidentStore(tmp_path, _cfg(tmp_path)).open(inc.id) for _ in range(4)]
    start = threading.Barrier(len(watchers))
    errors: list[BaseException] = []

    def look(w) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait(timeout=30)
            w.check_escalation()
        except BaseException as exc:        # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=look, args=(w,)) for w in watchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and not any(t.is_alive() for t in threads)
    assert [tier for tier, _ in _tiers(inc)] == [1, 2, 3]


def test_a_mark_that_does_not_move_detection_earlier_moves_no_tier(tmp_path: Path) -> None:
    """Tier 1 came at 10:15 while nobody looked; detection marked again at its own time at 10:20:
    tier 1 was still reached at 10:15 (the clock's instant), not at the mark."""
    start = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    now = [start]
    store = IncidentStore(tmp_path, _cfg(tmp_path), clock=lambda: now[0])
    inc = store.create(title="disk full", severity="P2", source={})
    now[0] = start + timedelta(minutes=20)
    inc.mark_phase("detected", at=start, reason="confirmed")
    assert [(e.data["tier"], e.data["reached_at"]) for e in inc.check_escalation()] == [(1, "2026-12-02T10:15:00.000Z")]


def test_decide_brings_the_journal_up_to_date_as_every_command_that_reads_an_incident(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """redteam37, mass-failure ×60 headless: `incident decide` at 18:50:32, a second after tier 1 (18:50:31.5) and
    6 s after the first update was due, journaled the Go/No-Go's overdue line but no tier, no overdue update,
    no breach: those came only when a dashboard looked, 14 minutes later. `decide` reads the incident (and with
    --go/--no-go writes to it) like `show`: it brings the journal up to date first (``incident_metrics.sync``)."""
    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cli = Cli(tmp_path / "state", capsys)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    code, out, err = cli("new", "--title", "flows failing", "--drill", "mass-failure", "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    _at(monkeypatch, 200)                                        # 33m20s drill time: tiers 1 and 2 are due
    code, out, err = cli("decide", inc)
    assert code == 0, err
    assert "escalated to tier 1 (page TL), reached at " + _utc(90) in err
    kinds = [json.loads(x)["type"] for x in cli.journal(inc).read_text().splitlines()]
    assert kinds.count("escalation.tier") == 2 and "status_update.overdue" in kinds
