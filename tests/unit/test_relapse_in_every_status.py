"""Every view of an incident's status carries its relapse (redteam51 R8): the resume offer and ``incident list`` said
"MITIGATED" / "mitigated" of an incident the header, ``incident show`` and the brief called "MITIGATED · RELAPSED", so
a responder choosing which incident to pick up was told it was contained. The list and the offer read many incidents:
the relapse is read from the journal alone (``status_said``), the head the header writes first. A clock is injected:
no wall time is asserted, no server."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.unit.incident_fixtures import Cli
from tests.unit.test_mitigation_relapse import _breach_again, _mitigated
from warroom.incident.relapse import holding
from warroom.incident.status_said import status_said


def test_the_list_and_the_resume_offer_say_the_relapse_the_header_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.presenter import open_incidents
    from tui.screens.modals.pickers import OpenIncident, ResumeRow

    inc = _mitigated(tmp_path)
    # no metric source configured: the gate's measure cannot be read, so the list says it did not check (attack52 F6),
    # as the header says whether it holds is not known; never "mitigated" as if checked
    code, out, err = Cli(tmp_path, capsys)("list")
    assert code == 0 and " mitigated · NOT CHECKED " in out and "RELAPSED" not in out, (out, err)
    assert "the verify gate of step 6 (quota) was not read: no metric source" in err, err
    held = holding(inc.refresh(), inc.now[0])
    assert held is not None and "not known" in held.status_words("mitigated"), held
    _breach_again(inc)
    st = inc.refresh()
    header = holding(st, inc.now[0])
    assert header is not None and header.status_words(st.status).startswith("MITIGATED · RELAPSED since 03:33:30")

    code, out, _ = Cli(tmp_path, capsys)("list")
    assert code == 0 and f"{st.id}     P3  mitigated · RELAPSED since 03:33:30 " in out, out
    code, out, _ = Cli(tmp_path, capsys)("list", "--json")
    [listed] = json.loads(out)
    assert listed["relapsed"]["since"].startswith("2026-12-05T03:33:30"), listed["relapsed"]
    assert listed["relapsed"]["words"].startswith("RELAPSED since 03:33:30: Flow failure rate"), listed["relapsed"]

    [offered] = open_incidents(SimpleNamespace(config=inc.config, state_dir=str(tmp_path), drill=None))
    assert offered.relapse == "RELAPSED since 03:33:30", offered
    row = ResumeRow(OpenIncident(id=offered.id, title=offered.title, severity=offered.severity, status=offered.status,
                                 started=offered.declared_at, relapse=offered.relapse), "1:00:00")
    assert str(row).startswith(f"{st.id}  P3  MITIGATED · RELAPSED since 03:33:30  quota climbing"), str(row)
    assert status_said(st, inc.now[0]).text(upper=True) == "MITIGATED · RELAPSED since 03:33:30"
