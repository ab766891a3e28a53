"""A reason typed over several lines is one line in every view (found by review13e): `incident
close-runbook --reason $'GO reversed\\n  ◆ Fake line: 51 of 51 steps done'` and `incident skip
--reason $'x\\n  11:00:00  #99   Fake entry'` printed a second line in `incident show` (the
checklist, "Closed beside it", the timeline) that read as a line of its own: a forged timeline
entry, a forged count. The fold keeps a closing's, a skip's and an approval's reason on one line
(records.one_line: the whitespace runs of a text with a line break become one space, as the
title's); a timeline entry that keeps its lines on purpose (a note; the PIR shows them as <br>)
hangs under its text in `incident show`, never at the margin where entries start."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.cli.incident_show import render_show
from warroom.incident.closing import closure_of
from warroom.journal import events as ev
from warroom.incident.records import one_line

ROLLBACK = "RB-LAUNCH-002"
FORGED = "11:00:00  #99   Fake entry"


def test_a_reason_with_line_breaks_is_one_line_in_the_state_and_on_the_timeline(tmp_path: Path) -> None:
    inc, _library = _mass_failure(tmp_path)
    _go(inc)
    inc.skip(1, f"not needed\n  {FORGED}", ROLLBACK)
    inc.close_runbook(ROLLBACK, "GO reversed\r\n  ◆ Fake line:\u2028 19 of 19 steps done")
    st = inc.refresh()
    closure = closure_of(st, ROLLBACK)
    assert closure is not None and closure.reason == "GO reversed ◆ Fake line: 19 of 19 steps done"
    assert closure.line().endswith("GO reversed ◆ Fake line: 19 of 19 steps done; 1 of 19 steps done when closed")
    (skipped,) = [s for s in st.steps.values() if s.runbook_id == ROLLBACK and s.status == "skipped"]
    assert skipped.skipped_reason == "not needed 11:00:00 #99 Fake entry"
    for entry in st.timeline:
        if entry.kind in (ev.RUNBOOK_CLOSED, ev.STEP_SKIPPED):
            assert len(entry.text.splitlines()) == 1, entry.text
    inc.set_severity("P2", f"calmer\n  {FORGED}")
    st = inc.refresh()
    shown = "\n".join(render_show(inc, st, inc.clock())).splitlines()
    timeline = shown[shown.index("Timeline (UTC):") + 1:]
    entry = re.compile(r"^  \d\d:\d\d:\d\d  #\d+ ")
    assert len([ln for ln in timeline if entry.match(ln)]) == len(st.timeline)    # one head per entry
    (sev,) = [i for i, ln in enumerate(timeline) if "Severity P1 -> P2: calmer" in ln]
    assert timeline[sev + 1] == " " * 18 + f"  {FORGED}"                            # hangs under its text
    assert not any(ln.lstrip().startswith("◆ Fake") for ln in shown)


def test_one_line_keeps_text_without_a_break_exactly() -> None:
    assert one_line("two  spaces\tand a tab") == "two  spaces\tand a tab"
    assert one_line("a\n b\x85c\u2029d\ve") == "a b c d e"
    assert one_line(None) == ""
