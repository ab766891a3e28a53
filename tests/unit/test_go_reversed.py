"""A GO taken back by a later NO-GO: the runbook it opened stays open beside the current one
(steps done in it may need undoing), but no view may read as if the GO still stood — the
resolve question, the PIR's Rollback line, the beside checklist's heading, ``incident show``
and the incoming commander's brief all say the GO was reversed, by whom and when. A GO taken
again makes it stand again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.errors import WarroomError
from warroom.incident.handoff import catch_up_brief
from warroom.incident.live import LiveIncident


def _brief_lines(inc) -> list[str]:  # type: ignore[no-untyped-def]
    brief = catch_up_brief(inc.refresh(), inc.clock(), update_every=inc.update_every(),
                           runbooks=inc.open_runbooks())
    return [line for _title, lines in brief.sections for line in lines]


def _heading(inc) -> str:  # type: ignore[no-untyped-def]
    from tui.view import open_beside

    with LiveIncident(inc) as live:
        snap = live.snapshot()
        (rb,) = open_beside(snap, snap.state, {}, inc.clock())
    return rb.opened_by


def test_a_go_reversed_by_a_no_go_is_said_wherever_the_go_is_said(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(1, "RB-LAUNCH-002")
    assert _heading(inc) == "GO on rollback-to-pilot"
    (opened,) = inc.go_opened()
    assert opened.reversed_by == "" and "reversed" not in opened.text()
    assert not any("reversed" in line for line in _brief_lines(inc))

    nogo = _go(inc, "NO-GO").event
    when = f"{nogo.ts:%H:%M:%S} UTC"
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005", "RB-LAUNCH-002"]      # stays open: 1 step was done
    (opened,) = inc.go_opened()
    assert opened.reversed_by == f"NO-GO by dana at {when}"
    assert f"(the GO was reversed: NO-GO by dana at {when}): 1 of 19 steps done" in opened.text()
    assert _heading(inc) == f"GO on rollback-to-pilot, reversed: NO-GO by dana at {when}"
    assert f"RB-LAUNCH-002 is open beside, but the GO that opened it was reversed (NO-GO by dana at {when})" \
        in " ".join(_brief_lines(inc))

    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "show", inc.id, *base]) == 0
    assert f"; the GO was reversed: NO-GO by dana at {when})" in capsys.readouterr().out
    with pytest.raises(WarroomError, match="the GO was reversed: NO-GO by dana"):
        inc.resolve("hotfix deployed", rollback=None)
    inc.resolve("hotfix deployed", rollback=False)
    pir = inc.render("pir")
    assert (f"no, as the commander said at resolve (RB-LAUNCH-002, opened by the GO (reversed: NO-GO by dana"
            f" at {when}), had 1 of 19 steps done)") in pir


def test_a_go_taken_again_after_the_no_go_stands_again(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    _go(inc, "NO-GO")
    assert inc.go_opened()[0].reversed_by.startswith("NO-GO by dana")
    _go(inc)
    (opened,) = inc.go_opened()
    assert opened.reversed_by == "" and "reversed" not in opened.text()
    assert _heading(inc) == "GO on rollback-to-pilot"
