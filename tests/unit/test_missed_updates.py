"""Stakeholder updates that fell due and were never sent are counted, and the resolve gate says so (redteam41 G7).

A P1 was resolved after 4h13m of drill time with no stakeholder update ever sent: the resolve dialog and
`incident resolve` said nothing of it, the PIR's "Stakeholder Updates" had one "update due, not sent" line (the
journal holds one ``status_update.overdue`` per stretch, never another while it stays unsent) and the drill
report nothing. ``cadence.missed_updates`` counts every due time from the journal and the severity's cadence;
the resolve reading, the PIR and the drill report say it, in drill time in a drill. Clocks are pinned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock, FixedClock
from tests.unit.standins_corpus import warm_drill
from warroom.config import Config
from warroom.drill.directory import Drill
from warroom.incident.concern_reading import read_concerns, unread_reading
from warroom.incident.drill_report import drill_report
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def test_a_p1_drill_resolved_with_no_update_sent_says_how_many_fell_due(tmp_path: Path) -> None:
    # x5: a P1's 10 minutes are 2 wall minutes, the least a drill gives people (stime.HUMAN_FLOOR): not raised
    d = warm_drill(tmp_path / "drills", "provider-outage", speed=5.0, start=1_800_000_000.0)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="5xx", severity="P1", drill={"scenario": "provider-outage", "speed": 5.0, "dir": str(d.path)})
    clock.t = d.wall_time(100.0 + 45 * 60)          # 45 drill minutes: due at 10, 20, 30, 40 (P1: every 10)
    at = clock()
    said = "no stakeholder update was sent in 45m00s drill time (9m00s wall) (one due every 10m00s drill time of a P1)"
    assert read_concerns(inc, None, at).concerns[-1] == f"{said}: 4 fell due"
    assert unread_reading(inc.state, at, "refused", inc.config).concerns[-1] == f"{said}: 4 fell due"
    inc.resolve("back", concerns=None)
    counted = ("4 stakeholder updates fell due and were never sent: none was sent in 45m00s drill time (9m00s wall)"
               " (one due every 10m00s drill time of a P1)")
    assert f"{counted[:1].upper()}{counted[1:]}." in drill_report(d, inc.state, at=clock.t, config=inc.config).summary
    updates = inc.render().split("## Stakeholder Updates", 1)[1].split("\n## ", 1)[0]
    assert f"- {counted}" in updates, updates


def test_at_x60_the_update_cadence_gives_people_two_wall_minutes_and_every_view_says_so(tmp_path: Path) -> None:
    """attack42 A13: at x60 a P1's 10-minute cadence was 10 wall seconds (11 "fell due" in 2 wall minutes). A drill
    speeds up the world, not the people: the cadence is ``stime.for_people``'s, 2h00m of drill time (2 wall
    minutes), in the countdown, the overdue line, the resolve reading, the drill report and the PIR, each saying
    it was raised from the configured 10 minutes."""
    d = warm_drill(tmp_path / "drills", "provider-outage", speed=60.0, start=1_800_000_000.0)
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="5xx", severity="P1", drill={"scenario": "provider-outage", "speed": 60.0, "dir": str(d.path)})
    assert inc.update_every() == 7200.0
    clock.t = d.wall_time(100.0 + 119 * 60)         # 1m59s wall: nothing owed yet
    assert inc.state.next_update_due(clock(), inc.update_every()) == inc.state.declared_at + timedelta(minutes=2)
    assert inc.check_update_overdue(clock()) is None
    clock.t = d.wall_time(100.0 + 250 * 60)         # 4h10m drill (4m10s wall): due at 2h, 4h
    assert inc.check_update_overdue(clock()) is not None
    raised = ("one due every 2h00m00s drill time of a P1, raised from the configured cadence, 10m00s drill time"
              " (10s wall), so the team has time to write one")
    said = f"no stakeholder update was sent in 4h10m00s drill time (4m10s wall) ({raised})"
    assert read_concerns(inc, None, clock()).concerns[-1] == f"{said}: 2 fell due"
    inc.resolve("back", concerns=None)
    counted = ("2 stakeholder updates fell due and were never sent: none was sent in 4h10m00s drill time (4m10s wall)"
               f" ({raised})")
    assert f"{counted[:1].upper()}{counted[1:]}." in drill_report(d, inc.state, at=clock.t, config=inc.config).summary
    assert f"- {counted}" in inc.render().split("## Stakeholder Updates", 1)[1].split("\n## ", 1)[0]


def test_the_last_update_long_ago_is_a_concern_with_the_updates_due_since(tmp_path: Path) -> None:
    clock = FixedClock()
    t0 = clock.now
    inc = IncidentStore(tmp_path, Config(), clock=clock).create(title="slow", severity="P2")   # every 15 minutes
    clock.advance(20 * 60)
    inc.record_status_update("investigating", delivery="recorded")       # late: due at +15m
    clock.advance(62 * 60)                                               # due since: +35, +50, +65, +80
    concern = read_concerns(inc, None, clock()).concerns[-1]
    assert concern == (f"the last stakeholder update was sent 1h02m00s ago ({t0 + timedelta(minutes=20):%H:%M:%S} UTC):"
                       " 4 fell due since, unsent (one due every 15m00s of a P2)"), concern
    inc.record_status_update("mitigating", delivery="recorded")
    assert not any("stakeholder update" in c for c in read_concerns(inc, None, clock()).concerns)
    inc.set_severity("P1", "worse")          # the countdown follows the severity at once, as the header's
    clock.advance(11 * 60)
    assert read_concerns(inc, None, clock()).concerns[-1].endswith(": 1 fell due since, unsent (one due every"
                                                                    " 10m00s of a P1)")


@pytest.mark.parametrize(("was", "now_sev", "changed_after", "asked_after"), [
    ("P3", "P1", 5, 15),      # raised: the header is overdue from +10m; "0 fell due" said nothing of it
    ("P1", "P3", 5, 25),      # lowered: the header owes one at +30m; "1 fell due" at +25m said one was missed
    ("P2", "P1", 12, 13),
    ("P1", "P2", 8, 40),
])
def test_after_a_severity_change_the_count_agrees_with_the_headers_countdown(
        tmp_path: Path, was: str, now_sev: str, changed_after: int, asked_after: int) -> None:
    """attack41 A14: the count of updates that fell due and the header's "update due in / overdue by" disagreed after
    a severity change, both ways. One rule: an update is owed its severity's cadence after the last one, the severity
    being the one at that moment, as the header counts down; every due time the count has is one the header said."""
    from warroom.incident.cadence import missed_updates, update_every

    clock = FixedClock()
    cfg = Config()
    inc = IncidentStore(tmp_path, cfg, clock=clock).create(title="slow", severity=was)
    clock.advance(changed_after * 60)
    inc.set_severity(now_sev, "changed")
    for minute in range(changed_after + 1, asked_after + 1):
        clock.advance(60)
        st = inc.state
        header_due = st.next_update_due(clock(), lambda sev: update_every(cfg, sev, st))   # as the header asks
        missed = missed_updates(st, cfg, clock())
        assert missed is not None and header_due is not None
        overdue = header_due < clock()
        assert bool(missed.since) == overdue, (minute, header_due, missed.since)
        if overdue:
            assert missed.since[0] == header_due, (minute, header_due, missed.since)


def _p3_drill(tmp_path: Path) -> tuple[Drill, float, DrillClock, Incident, datetime]:
    """A P3 rate-limit drill incident at x10, declared 100 drill seconds in: (drill, the declaration's wall time,
    its clock, the incident, its first update's due time at +30m00s drill time, 3 wall minutes on)."""
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=10.0, start=1_800_000_000.0)
    t0 = d.wall_time(100.0)
    clock = DrillClock(t0)
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="429s", severity="P3", drill={"scenario": "rate-limit", "speed": 10.0, "dir": str(d.path)})
    assert inc.state.declared_at is not None
    return d, t0, clock, inc, inc.state.declared_at + timedelta(minutes=3)


def test_an_update_sent_late_is_said_late_by_how_much_and_a_skipped_slot_never_sent(tmp_path: Path) -> None:
    """redteam43 R2: a P3's update due at +30m, sent at +36m43s, was "1 stakeholder update fell due and was never
    sent" in the drill report beside "Status update sent" on the timeline. One rule (``cadence.Missed``): in each
    stretch between two updates the first due time is the one the next update filled, late, or the one overdue
    now; the others, and those of a stretch the resolution ended, were never sent. The drill report, the PIR's
    count and its overdue lines, and the resolve reading say the same."""
    d, t0, clock, inc, due = _p3_drill(tmp_path)
    clock.t = t0 + (36 * 60 + 2) / 10
    assert inc.check_update_overdue(clock()) is not None              # the header: "overdue by 6m02s"
    clock.t = t0 + (36 * 60 + 43) / 10
    inc.record_status_update("DRILL investigating", delivery="recorded")
    late = f"1 stakeholder update was sent late (due {due:%H:%M:%S} UTC, sent 6m43s drill time (40s wall) late)"
    cadence = " (one due every 30m00s drill time of a P3)"

    def summary() -> tuple[str, ...]:
        return drill_report(d, inc.state, at=clock.t, config=inc.config).summary

    def pir_updates() -> str:
        return inc.render().split("## Stakeholder Updates", 1)[1].split("\n## ", 1)[0]

    clock.t = t0 + 51 * 60 / 10                                      # the red team's report at +51m
    assert f"{late[:1].upper()}{late[1:]}{cadence}." in summary(), "\n".join(summary())
    assert not any("never sent" in line for line in summary())
    assert f"- {late}{cadence}" in pir_updates(), pir_updates()
    assert f"{due:%H:%M:%S} UTC: update due, sent late at " in pir_updates() and "never sent" not in pir_updates()
    assert not any("stakeholder update" in c for c in read_concerns(inc, None, clock()).concerns)
    clock.t = t0 + 70 * 60 / 10                                      # the next, due +66m43s, is overdue now
    pending = f"; 1 more is overdue by 3m17s drill time (19s wall), not sent yet"
    pending += f" (due {due + timedelta(seconds=40.3 + 180):%H:%M:%S} UTC)"
    assert f"{late[:1].upper()}{late[1:]}{pending}{cadence}." in summary(), "\n".join(summary())
    clock.t = t0 + 100 * 60 / 10                                     # +66m43s and +96m43s: skipped, and resolved
    inc.resolve("back", concerns=None)
    never = "2 stakeholder updates fell due and were never sent; 1 was sent late"
    assert any(line.startswith(never) for line in summary()), summary()
    assert f"- {never}" in pir_updates(), pir_updates()


def test_a_raise_after_an_update_fell_due_moves_no_due_time_into_the_past(tmp_path: Path) -> None:
    """attack43 A15: a P3 (one update every 30m) overdue since +30m, raised to P1 (every 20m in a x10 drill's floor;
    10m configured) at +36m: the header said "OVERDUE by 16m" from a +20m the P3 never owed, the journal took an
    overdue line due before the one it held, and the count's due time moved back to +30m the moment an update was
    sent. One rule (``IncidentState.first_update_owed``): an update is owed once the cadence of the severity then in
    force has passed, so the raise leaves the +30m due time where it was, in the header, the journal and the count,
    before and after the update is sent."""
    from warroom.incident.cadence import missed_updates, update_every

    _, t0, clock, inc, due = _p3_drill(tmp_path)
    clock.t = t0 + 35 * 60 / 10
    assert inc.check_update_overdue(clock()) is not None
    clock.t = t0 + 36 * 60 / 10
    inc.set_severity("P1", "raised")
    clock.t = t0 + 40 * 60 / 10
    assert inc.check_update_overdue(clock()) is None                  # no second, earlier due time journaled
    assert [o["due_at"] for o in inc.state.overdue] == [due]
    st = inc.state
    assert st.next_update_due(clock(), lambda sev: update_every(inc.config, sev, st)) == due     # the header's
    before = missed_updates(st, inc.config, clock())
    assert before is not None and before.pending == due and not before.never
    clock.t = t0 + 42 * 60 / 10
    inc.record_status_update("DRILL investigating", delivery="recorded")
    after = missed_updates(inc.state, inc.config, clock())
    assert after is not None and after.late == ((due, after.last),) and not after.never and after.pending is None


def test_a_step_asking_for_updates_ticked_done_is_said_beside_the_ones_never_sent(tmp_path: Path) -> None:
    """redteam43 R17: "Send a stakeholder update every 30 minutes … until resolved" ticked done counted as done
    three lines under "17 stakeholder updates fell due and were never sent": the tool holds the evidence the ticked
    claim was not kept. The count says the tick beside it, in the drill report and the PIR alike."""
    from warroom.runbook.library import RunbookLibrary

    cfg = Config()
    book = RunbookLibrary.from_config(cfg).get("RB-CORE-003")
    assert book is not None
    step = next(s for s in book.steps if s.label.startswith("Send a stakeholder update every 30 minutes"))
    clock = FixedClock()
    inc = IncidentStore(tmp_path, cfg, clock=clock).create(title="429s", severity="P3", runbook=book.path)
    inc.tick(step.number)
    clock.advance(65 * 60)                                          # due at +30 and +60: none sent
    inc.resolve("over", concerns=None)
    said = f'; yet step {step.number} ("{step.label}") was ticked done'
    updates = inc.render().split("## Stakeholder Updates", 1)[1].split("\n## ", 1)[0]
    assert "2 stakeholder updates fell due and were never sent" in updates and said in updates, updates
