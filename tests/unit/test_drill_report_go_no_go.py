"""The drill report covers the Go/No-Go (A25-9): mass-failure worked with a late GO that opened
RB-LAUNCH-002, then none of its 19 steps done, read a summary, "what was missed" and runbook path of
RB-LAUNCH-005 only, while the PIR and the resolve dialog said "opened RB-LAUNCH-002: 0 of 19 steps
done"; a decision left with no verdict past its deadline was not said either."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import warmed
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident import decisions as dec
from warroom.incident.drill_report import drill_report, report_lines
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore

START = 1_800_000_000.0
SPEED = 5.0          # 15m at x5 is 3 wall minutes: above the floor a drill gives people (redteam41 G5)


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _declared(tmp_path: Path):  # type: ignore[no-untyped-def]
    d = warmed(create_drill(tmp_path / "drills", "mass-failure", speed=SPEED, start=START))
    clock = DrillClock(d.wall_time(60))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook="RB-LAUNCH-005",
        drill={"scenario": "mass-failure", "speed": SPEED, "dir": str(d.path)}, commander="Dana Lee")
    return d, inc, clock


def _report(d, inc, clock):  # type: ignore[no-untyped-def]
    live = LiveIncident(inc)
    try:
        snap = live.snapshot()
    finally:
        live.close()
    return drill_report(d, snap.state, at=clock.t, slos=inc.config.slo, runbook=snap.runbook_by_id("RB-LAUNCH-005"),
                        runbook_of=snap.runbook_by_id)


def _decide(d, inc, clock, verdicts) -> None:  # type: ignore[no-untyped-def]
    """Each (drill minutes after detection, verdict) recorded by dana on RB-LAUNCH-005's decision, as the dialog does."""
    live = LiveIncident(inc)
    try:
        book = live.snapshot().runbook_by_id("RB-LAUNCH-005")
    finally:
        live.close()
    for minutes, verdict, why in verdicts:
        clock.t = d.wall_time(60 + minutes * 60)
        [view] = dec.standing(book, inc.refresh(), clock())
        dec.record(inc, view, verdict, by="dana", why=why or f"{verdict} at {minutes}")


def _late_go_resolved(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The mass-failure drill: GO recorded 20 drill minutes after detection (the deadline is 15), then resolved
    5 minutes later; the report read at the resolve."""
    d, inc, clock = _declared(tmp_path)
    _decide(d, inc, clock, [(20, "GO", "7 repos failing, no root cause")])
    clock.t = d.wall_time(60 + 1500)
    inc.resolve("rolled back?", rollback=False, concerns=None)
    report = _report(d, inc, clock)
    return report


def test_a_go_after_the_deadline_reversing_a_no_go_in_time_is_not_taken_late(tmp_path: Path) -> None:
    """NO-GO at +10m, GO at +20m, deadline +15m: a verdict stood in time, so the GO is a reversal after
    the deadline (redteam32b), not "taken late", and the PIR says the same (``answered_in_time``)."""
    d, inc, clock = _declared(tmp_path)
    _decide(d, inc, clock, [(10, "NO-GO", None), (20, "GO", None)])
    clock.t = d.wall_time(60 + 1500)
    inc.resolve("rolled back", rollback=False, concerns=None)
    said = "\n".join(_report(d, inc, clock).summary)
    assert "taken late" not in said, said
    assert ('Go/No-Go "Roll back to the pilot repository (RB-LAUNCH-002)?": NO-GO at +10m00s drill time by dana,'
            " within its deadline (+15m00s drill time).") in said, said
    assert ('Go/No-Go "Roll back to the pilot repository (RB-LAUNCH-002)?": GO at +20m00s drill time by dana,'
            " reversed 5m00s after its deadline (+15m00s drill time); first answered in time at +10m00s drill time."
            ) in said, said
    pir = inc.render("pir")
    assert "Taken after its deadline" not in pir and "Reversed after its deadline" in pir, pir


def test_what_a_go_opened_is_said_on_the_drill_clock_among_its_neighbours(tmp_path: Path) -> None:
    """redteam32b: 'GO on "…?" by bob at 23:22:00 UTC opened RB-LAUNCH-002 …' sat among 'GO at +20m00s
    drill time' lines. Every moment of that sentence (the GO, the NO-GO that reversed it, the closure)
    is now on the drill's clock in the report, and stays on the wall in the PIR (the journal's times)."""
    d, inc, clock = _declared(tmp_path)
    _decide(d, inc, clock, [(20, "GO", None), (22, "NO-GO", None)])
    clock.t = d.wall_time(60 + 23 * 60)
    inc.close_runbook("RB-LAUNCH-002", "the GO was reversed")
    clock.t = d.wall_time(60 + 1500)
    inc.resolve("rolled back", rollback=False, concerns=None)
    report = _report(d, inc, clock)
    [went] = [ln for ln in report.summary if ln.startswith("GO on ")]
    assert went.startswith('GO on "Roll back to the pilot repository (RB-LAUNCH-002)?" by dana at +20m00s drill time'
                           " opened RB-LAUNCH-002 (Rollback to pilot) (the GO was reversed: NO-GO by dana at +22m00s"
                           " drill time) (closed at +23m00s drill time by "), went
    assert "UTC" not in went, went
    assert "GO at +20m00s drill time by dana" in "\n".join(report.summary)
    pir = inc.render("pir")
    walls = [clock_at.strftime("%H:%M:%S UTC") for clock_at in (inc.state.decisions[0]["at"],
                                                                 inc.state.decisions[1]["at"])]
    assert f"by dana at {walls[0]} opened RB-LAUNCH-002" in pir and f"NO-GO by dana at {walls[1]})" in pir, pir


def test_a_late_go_and_the_runbook_it_opened_are_in_the_report(tmp_path: Path) -> None:
    report = _late_go_resolved(tmp_path)
    said = "\n".join(report.summary)
    assert ('Go/No-Go "Roll back to the pilot repository (RB-LAUNCH-002)?": GO at +20m00s drill time by dana,'
            " 5m00s after its deadline (+15m00s drill time): taken late.") in report.summary, said
    assert any("opened RB-LAUNCH-002 (Rollback to pilot): 0 of 19 steps done." in ln for ln in report.summary), said
    assert any(ln.startswith("Runbook RB-LAUNCH-002 (opened by the GO) path: 0 of 19 steps done; not done: ")
               for ln in report.summary), said
    [(rid, _, path)] = report.opened
    assert rid == "RB-LAUNCH-002" and len(path) == 19 and {s for _, _, s, _ in path} == {"pending"}
    assert "Runbook RB-LAUNCH-002 (opened by the GO), its steps in order:" in report_lines(report)
    assert not any("no verdict" in ln for ln in report.summary)


def test_a_decision_left_without_a_verdict_past_its_deadline_is_missed(tmp_path: Path) -> None:
    d, inc, clock = _declared(tmp_path)
    clock.t = d.wall_time(60 + 1200)
    inc.resolve("gave up", concerns=None)
    report = _report(d, inc, clock)
    assert ('Go/No-Go "Roll back to the pilot repository (RB-LAUNCH-002)?" (RB-LAUNCH-005): no verdict by its'
            " deadline (+15m00s drill time), none at the resolution: missed.") in report.summary, report.summary
    assert report.opened == ()


def test_a_decision_whose_deadline_has_not_come_is_not_missed(tmp_path: Path) -> None:
    d, inc, clock = _declared(tmp_path)
    clock.t = d.wall_time(60 + 600)                    # 10 drill minutes: 5 left before the deadline
    report = _report(d, inc, clock)
    assert not any(ln.startswith("Go/No-Go") for ln in report.summary), report.summary
    clock.t = d.wall_time(60 + 1000)                   # read mid-drill (g), the deadline past, still open
    report = _report(d, inc, clock)
    assert ('Go/No-Go "Roll back to the pilot repository (RB-LAUNCH-002)?" (RB-LAUNCH-005): no verdict by its'
            " deadline (+15m00s drill time), none yet: missed.") in report.summary, report.summary


def test_at_80x24_the_go_s_runbook_and_a_clock_only_verdict_read_whole(tmp_path: Path) -> None:
    """The dialog at 80x24 gives the report 66 columns: RB-LAUNCH-002's section titles (sentences)
    took the width and cut every step's state to 'not d…'; '▲ clock only' wrapped the milestone
    header to 'mileston' / 'e'. Now the titles wrap, the states and the header are whole."""
    import io

    from rich.console import Console

    from tui.screens.drill_report import report_renderable

    report = _late_go_resolved(tmp_path)
    console = Console(width=66, file=io.StringIO(), record=True)
    console.print(report_renderable(report))
    lines = console.export_text().splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Response times against the targets"))
    assert lines[head + 1].split() == ["milestone", "at", "(UTC)", "drill", "wall", "target", "result"]
    assert any("Time to" in ln and ln.rstrip().endswith("▲ clock only") for ln in lines[head:]), lines[head:head + 16]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Runbook RB-LAUNCH-002 (opened by the GO): its steps"))
    table = lines[start + 1:next(i for i in range(start + 1, len(lines)) if not lines[i].strip())]
    # every state whole (a step's own label may end in '…': the runbook model shortens long ones)
    assert sum(ln.count("not done") for ln in table) == 19 and "not d…" not in "\n".join(table), table


def test_what_a_go_opened_is_said_live_in_a_drill_on_its_clock_with_the_wall_beside(tmp_path: Path) -> None:
    """redteam34 (issue 13 item 2, left by mend33): the resolve dialog, the close dialog, the CLI's refusal
    to resolve and the beside checklist's heading said a drill's GO, its reversal and the closure on the wall
    clock alone ("by dana at 23:22:00 UTC") beside a header counting drill time. In a drill every moment of
    those sentences is on the drill's clock from detection with the wall moment beside (the one the PIR says)."""
    from tui.view import open_beside
    from warroom.incident.closing import closure_of

    d, inc, clock = _declared(tmp_path)
    _decide(d, inc, clock, [(20, "GO", None), (22, "NO-GO", None)])
    go_at, nogo_at = (f"{v['at']:%H:%M:%S} UTC" for v in inc.state.decisions)
    with LiveIncident(inc) as live:
        snap = live.snapshot()
        (beside,) = open_beside(snap, snap.state, {}, inc.clock())
    assert beside.opened_by == f"GO REVERSED: NO-GO by dana at +22m00s drill time ({nogo_at})"
    clock.t = d.wall_time(60 + 23 * 60)
    inc.close_runbook("RB-LAUNCH-002", "the GO was reversed")
    closure = closure_of(inc.refresh(), "RB-LAUNCH-002")
    assert closure is not None
    closed_at = f"{closure.at:%H:%M:%S} UTC"
    (opened,) = inc.go_opened()         # the sentence the resolve dialog and the CLI's refusal say
    said = opened.text()
    assert said.startswith(f'GO on "Roll back to the pilot repository (RB-LAUNCH-002)?" by dana at +20m00s drill time'
                           f" ({go_at}) opened RB-LAUNCH-002 (Rollback to pilot) (the GO was reversed: NO-GO by dana"
                           f" at +22m00s drill time ({nogo_at})) (closed at +23m00s drill time ("), said
    assert f"(closed at +23m00s drill time ({closed_at}) by " in said, said
    clock.t = d.wall_time(60 + 1500)
    inc.resolve("rolled back", rollback=False, concerns=None)
    pir = inc.render("pir")            # the PIR says the wall moments the dialog had beside its drill time
    [row] = [ln for ln in pir.splitlines() if ln.startswith("| **Rollback** |")]
    assert f"by dana at {go_at} opened RB-LAUNCH-002" in row and f"NO-GO by dana at {nogo_at})" in row, row
    assert f"(closed at {closed_at} by " in row and "drill time" not in row, row      # one clock in one sentence
