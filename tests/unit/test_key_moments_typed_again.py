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
                     "fallback removed #8 (the last of 8 changes typed in the drill shell to this setting; the Full"
                     " Timeline lists each)",
                     "fallback enabled #9 (the last of 9 changes typed in the drill shell to this setting; the Full"
                     " Timeline lists each)"], shown
    assert shown[-1] == "Incident resolved" and shown[-2].startswith("fallback enabled #9"), shown   # what stood
    assert len(rows) == 23 and [str(r.text) for r in rows].count("fallback enabled #5") == 1     # the timeline's


def test_a_command_typed_twice_is_both_typings_with_no_count() -> None:
    rows = [Line("Incident declared", (1,), T0, weight=100),
            Line("fallback enabled", (), T0 + timedelta(minutes=1), weight=TYPED_MOVED, again=ON),
            Line("fallback enabled again", (), T0 + timedelta(minutes=3), weight=TYPED, again=ON),
            Line("Incident resolved", (2,), T0 + timedelta(minutes=9), weight=100)]
    assert [str(r.text) for r in key_moments(rows)] == [
        "Incident declared", "fallback enabled", "fallback enabled again", "Incident resolved"]


def test_one_setting_turned_on_and_off_in_many_spellings_ends_on_what_stood() -> None:
    """attack47 Y12 and Y6: the fallback enabled 16 times, removed 15 times in other spellings (``-n``/``--namespace``,
    ``deploy/``, the names in either order), then the NO-GO and the severity change. Each removal spelling was a group
    of its own and the last enable tied every moving typing, so Key Moments ended on nine "removed" rows while the
    fallback stood enabled. One setting: its first and last change, the last what stood, the decisions kept."""
    from warroom.incident.review.timeline import setting

    on = "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo FALLBACK_ON_5XX=true -n production"
    offs = ["kubectl set env deployment/flowengine FALLBACK_MODEL- FALLBACK_ON_5XX- -n production",
            "kubectl set env deploy/flowengine FALLBACK_ON_5XX- FALLBACK_MODEL- --namespace production",
            "kubectl set env deployment.apps/flowengine --namespace=production FALLBACK_MODEL- FALLBACK_ON_5XX-"]
    assert len({setting(c) for c in (on, *offs)}) == 1
    assert setting(on) == "env of flowengine: FALLBACK_MODEL, FALLBACK_ON_5XX"
    assert setting("kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=5 -n production") != setting(on)
    assert setting("blocks flow retry  tsk_1") == "blocks flow retry tsk_1" != setting("blocks flow retry tsk_2")
    rows = [Line("Incident declared", (1,), T0, weight=100)]
    at = T0
    for i in range(16):
        at += timedelta(minutes=1)
        rows.append(Line(Md(f"enabled #{i + 1}"), (), at, weight=TYPED_MOVED, again=setting(on)))
        if i < 15:
            at += timedelta(minutes=1)
            rows.append(Line(Md(f"removed #{i + 1}"), (), at, weight=TYPED_MOVED, again=setting(offs[i % 3])))
    rows += [Line("Decision NO-GO", (2,), at + timedelta(minutes=1), weight=88),
             Line("Severity P2 -> P1", (3,), at + timedelta(minutes=2), weight=80),
             Line("Incident resolved", (4,), at + timedelta(minutes=9), weight=100)]
    shown = [str(r.text) for r in key_moments(rows)]
    assert shown == ["Incident declared", "enabled #1",
                     "enabled #16 (the last of 31 changes typed in the drill shell to this setting; the Full Timeline"
                     " lists each)", "Decision NO-GO", "Severity P2 -> P1", "Incident resolved"], shown
