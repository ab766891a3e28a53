"""A correction changes what a note says, never what kind of note it is (A14-19).

``incident correct ID SEQ TEXT`` on a ``went-well`` note used to drop the tag from the timeline
line ('[went-well] breaker held' → 'breaker held within 2 minutes'), and the PIR cited the note
as [#N] in What Went Well but [#N, #C] in its timeline and Key Moments: two citations of one
statement. Now the timeline line keeps the tag and every PIR section cites the same seqs.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock, install_fake_runbook
from warroom.config import Config
from warroom.incident.pir_templates import render_pir
from warroom.incident.review.build import build_review
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore


@pytest.fixture
def inc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Incident:
    install_fake_runbook(monkeypatch, tmp_path)
    return IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="Quota exhausted", severity="P3", runbook="RB-TEST-001")


def _section(md: str, title: str) -> str:
    return md.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("tag", ["went-well", "root-cause", "action", "info"])
def test_a_corrected_note_keeps_its_tag_and_one_set_of_cites(inc: Incident, tag: str) -> None:
    noted = inc.note(tag, "breaker held", owner="sre" if tag == "action" else None)
    fixed = inc.correct_timeline(noted.seq, "breaker held within 2 minutes")
    st = inc.state
    entry = next(t for t in st.timeline if t.seq == noted.seq)
    assert entry.text == f"[{tag}] breaker held within 2 minutes", entry.text
    assert entry.original == f"[{tag}] breaker held"
    assert [n.tag for n in st.notes] == [tag] and st.notes[0].text == "breaker held within 2 minutes"

    review = build_review(st, st.declared_at + timedelta(hours=1))
    in_timeline = [r for r in review.timeline if noted.seq in r.cites]
    in_notes = [r for r in review.notes[tag] if noted.seq in r.cites]
    assert len(in_timeline) == 1 and len(in_notes) == 1
    assert in_timeline[0].cites == in_notes[0].cites == (noted.seq, fixed.seq)
    assert in_notes[0].text.startswith("breaker held within 2 minutes") and in_notes[0].corrected
    assert in_timeline[0].corrected


def test_the_pir_cites_a_corrected_went_well_note_alike_everywhere(inc: Incident) -> None:
    noted = inc.note("went-well", "breaker held")
    fixed = inc.correct_timeline(noted.seq, "breaker held within 2 minutes")
    md = render_pir(inc.state, "pir", inc.config, inc.state.declared_at + timedelta(hours=1))
    cite = f"`[#{noted.seq}, #{fixed.seq}]`"
    well = _section(md, "What Went Well")
    assert f"breaker held within 2 minutes _(corrected)_ {cite}" in well, well
    for title in ("Key Moments", "Full Timeline"):     # few events: every one is a key moment
        body = _section(md, title)
        assert f"[went-well] breaker held within 2 minutes _(corrected)_ {cite}" in body, body
    cited = set(re.findall(r"`\[#%d(?:, #\d+)*\]`" % noted.seq, md))
    assert cited == {cite}, cited


def test_a_corrected_status_update_line_still_says_it_is_a_status_update(inc: Incident) -> None:
    """The same rule for every line that says what kind it is: a correction of a status update's
    timeline line replaces what it said, not "Status update recorded as sent by hand: "."""
    sent = inc.record_status_update("Investigating elevated failures", ["manual"])
    inc.correct_timeline(sent.seq, "Investigating elevated failures in EU")
    entry = next(t for t in inc.state.timeline if t.seq == sent.seq)
    assert entry.original == "Status update recorded as sent by hand: Investigating elevated failures"
    assert entry.text == "Status update recorded as sent by hand: Investigating elevated failures in EU"


def test_a_manual_entry_is_replaced_whole(inc: Incident) -> None:
    added = inc.add_timeline("Deploy 2.3.1 with new retry policy")
    inc.correct_timeline(added.seq, "Deploy 2.3.1 rolled out with the new retry policy")
    entry = next(t for t in inc.state.timeline if t.seq == added.seq)
    assert entry.text == "Deploy 2.3.1 rolled out with the new retry policy"
