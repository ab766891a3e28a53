"""Key Moments when a command is typed again and again in the drill shell (fix47x's leftover).

Each typing that moved a pane weighs as a marked milestone. A fallback switched on and off eight times filled every
Key Moment: the NO-GO, the severity change and the recoveries were pushed out, and the typing that stood at the
resolution (which moved nothing: the fallback was on already) fell past the fifteenth. Key Moments keep the first and
the last typing of each command, the last saying how many there were; the Full Timeline keeps every one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.incident.md_text import Md
from warroom.incident.review.lines import Line
from warroom.incident.review.timeline import TYPED, TYPED_MOVED, key_moments

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
ON, OFF = "step: Step 8 (Fall back)", "typed: kubectl set env deployment/flowengine FALLBACK_MODEL- -n production"


def _rows() -> list[Line]:
    rows = [Line("Incident declared", (1,), T0, weight=100),
            Line("SLO breached", (2,), T0 + timedelta(minutes=1), weight=95)]
    at = T0 + timedelta(minutes=2)
    for i in range(8):
        rows.append(Line(Md(f"fallback enabled #{i + 1}"), (), at, weight=TYPED_MOVED,
                         again=ON))
        rows.append(Line(Md(f"fallback removed #{i + 1}"), (), at + timedelta(minutes=1), weight=TYPED_MOVED,
                         again=OFF))
        at += timedelta(minutes=2)
    rows += [Line("SLO recovered", (3,), at, weight=85),
             Line("Decision NO-GO", (4,), at + timedelta(seconds=1), weight=88),
             Line("Severity P2 -> P1", (5,), at + timedelta(seconds=2), weight=80),
             Line(Md("fallback enabled #9"), (), at + timedelta(minutes=1), weight=TYPED, again=ON),  # on: moved none
             Line("Incident resolved", (6,), at + timedelta(minutes=9), weight=100)]
    return rows


def test_a_command_typed_again_and_again_is_its_first_and_last_typing_and_the_decisions_stay() -> None:
    rows = _rows()
    shown = [str(r.text) for r in key_moments(rows)]
    assert "Decision NO-GO" in shown and "Severity P2 -> P1" in shown and "SLO recovered" in shown, shown
    typed = [t for t in shown if t.startswith("fallback")]
    assert typed == ["fallback enabled #1", "fallback removed #1",
                     "fallback removed #8 (the last of 8 typings of this command in the drill shell; the Full Timeline"
                     " lists each)",
                     "fallback enabled #9 (the last of 9 typings of this command in the drill shell; the Full Timeline"
                     " lists each)"], shown
    assert shown[-1] == "Incident resolved" and shown[-2].startswith("fallback enabled #9"), shown   # what stood
    assert len(rows) == 23 and [str(r.text) for r in rows].count("fallback enabled #5") == 1     # the timeline's


def test_a_command_typed_twice_is_both_typings_with_no_count() -> None:
    rows = [Line("Incident declared", (1,), T0, weight=100),
            Line("fallback enabled", (), T0 + timedelta(minutes=1), weight=TYPED_MOVED, again=ON),
            Line("fallback enabled again", (), T0 + timedelta(minutes=3), weight=TYPED, again=ON),
            Line("Incident resolved", (2,), T0 + timedelta(minutes=9), weight=100)]
    assert [str(r.text) for r in key_moments(rows)] == [
        "Incident declared", "fallback enabled", "fallback enabled again", "Incident resolved"]
