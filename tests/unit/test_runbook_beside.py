"""On GO the follow-up runbook opens BESIDE the current one: the journal says which runbooks are
open (the current one stays current), the steps of each run against their own runbook, and a
runbook that is not open (never attached, or replaced) is refused. The dashboard only draws this.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary


def _mass_failure(tmp_path: Path):
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    library = RunbookLibrary.from_config(cfg)
    inc = IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P1",
                                              runbook=library.get("RB-LAUNCH-005").path, source={})
    return inc, library


def _go(inc, verdict: str = "GO"):
    (rb, d), = [(rb, d) for rb, d in dec.decisions_of([inc.runbook()]) if rb == "RB-LAUNCH-005"]
    view = dec.evaluate(d, rb, inc.state, inc.state.clock_start + timedelta(minutes=16), query=None,
                        step_output=lambda _s: None)
    return dec.record(inc, view, verdict, by="dana", why="no root cause after 15 minutes")


def test_go_opens_the_rollback_beside_and_the_current_runbook_stays_current(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    done = _go(inc)
    assert done.opened == "RB-LAUNCH-002"
    st = inc.refresh()
    assert st.runbook["id"] == "RB-LAUNCH-005"                     # not replaced
    assert st.open_runbook_ids() == ["RB-LAUNCH-005", "RB-LAUNCH-002"]
    (ref,) = st.beside
    assert ref["beside"] == "RB-LAUNCH-005"
    assert ref["opened_by"] == {"decision": "rollback-to-pilot", "runbook_id": "RB-LAUNCH-005",
                                "seq": done.event.seq}
    assert st.timeline[-1].text == ("Runbook opened beside RB-LAUNCH-005: RB-LAUNCH-002 Rollback to pilot"
                                    " (GO on rollback-to-pilot)")
    assert inc.runbook().id == "RB-LAUNCH-005" and inc.runbook("RB-LAUNCH-002").id == "RB-LAUNCH-002"
    with LiveIncident(inc) as live:
        snap = live.snapshot()
        assert snap.runbook.id == "RB-LAUNCH-005"
        assert [rb.id for rb in snap.beside] == ["RB-LAUNCH-002"]
    # GO again (or NO-GO then GO) opens nothing more
    again = _go(inc)
    assert again.opened is None and again.already_open
    assert [r["id"] for r in inc.refresh().runbooks].count("RB-LAUNCH-002") == 1


def test_each_runbooks_steps_run_against_their_own_runbook(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    main_4 = inc.step(4)
    roll_4 = inc.step(4, "RB-LAUNCH-002")
    assert main_4.label != roll_4.label                     # both runbooks have a step 4
    e = inc.tick(4, "RB-LAUNCH-002")
    assert e.data["runbook_id"] == "RB-LAUNCH-002" and e.data["step_id"] == roll_4.id
    st = inc.refresh()
    assert st.steps.get(("RB-LAUNCH-002", roll_4.id)).status == "ticked"
    assert st.steps.get(main_4.id) is None                  # the current runbook's step 4 did not move
    assert st.timeline[-1].text.startswith("RB-LAUNCH-002 step 4 done: ")
    with pytest.raises(WarroomError, match="already ticked"):
        inc.tick(4, "RB-LAUNCH-002")
    inc.tick(4)                                              # the current runbook's own step 4
    assert inc.refresh().steps.get(main_4.id).status == "ticked"
    inc.skip(2, "allowlist recorded in the change ticket", "RB-LAUNCH-002")
    inc.untick(4, "RB-LAUNCH-002")
    st = inc.refresh()
    assert st.steps.get(("RB-LAUNCH-002", inc.step(2, "RB-LAUNCH-002").id)).status == "skipped"
    assert st.steps.get(main_4.id).status == "ticked"

    with LiveIncident(inc) as live:
        key = live.key_of(1, "RB-LAUNCH-002")
        assert key == ("RB-LAUNCH-002", inc.step(1, "RB-LAUNCH-002").id)
        prepared = live.prepare(key)
        assert prepared.runbook_id == "RB-LAUNCH-002"
        assert prepared.command == inc.step(1, "RB-LAUNCH-002").command
        assert live.prepare(live.key_of(1)).runbook_id == "RB-LAUNCH-005"
        # the dialog's preview prepares from a snapshot: the same rules, the same runbook
        assert live.preparer().prepare_step(key[1], {}, runbook_id="RB-LAUNCH-002").command == prepared.command
        with pytest.raises(WarroomError, match="RB-CORE-001 is not attached"):
            live.key_of(1, "RB-CORE-001")


def test_attaching_another_runbook_replaces_the_current_one_and_keeps_the_one_beside(tmp_path: Path) -> None:
    inc, library = _mass_failure(tmp_path)
    _go(inc)
    inc.attach_runbook(library.get("RB-CORE-004").path)     # o: the commander follows another runbook
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-CORE-004", "RB-LAUNCH-002"]
    with pytest.raises(WarroomError, match="RB-LAUNCH-005 is not open .*replaced"):
        inc.tick(4, "RB-LAUNCH-005")
    with LiveIncident(inc) as live:
        with pytest.raises(WarroomError, match="attach RB-LAUNCH-005 again"):
            live.prepare(("RB-LAUNCH-005", "anything"))
    # attaching the runbook open beside makes it the current one (it is no longer beside)
    inc.attach_runbook(library.get("RB-LAUNCH-002").path)
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-002"] and st.beside == []


def test_a_go_reopens_its_runbook_beside_when_it_was_replaced_earlier(tmp_path: Path) -> None:
    """"Already open" must be true: RB-LAUNCH-002 attached by hand, then replaced by RB-LAUNCH-005,
    is not open; a GO opens it again (beside), and the PIR says it was opened."""
    inc, library = _mass_failure(tmp_path)
    inc.attach_runbook(library.get("RB-LAUNCH-002").path)
    inc.attach_runbook(library.get("RB-LAUNCH-005").path)
    done = _go(inc)
    assert done.opened == "RB-LAUNCH-002" and not done.already_open
    assert inc.refresh().open_runbook_ids() == ["RB-LAUNCH-005", "RB-LAUNCH-002"]
    pir = inc.render("pir")
    assert "RB-LAUNCH-002 was opened beside the runbook" in pir


def test_a_journal_written_before_beside_existed_still_reads_as_a_replacement(tmp_path: Path) -> None:
    """An old ``runbook.attached`` (no ``beside``) after a GO replaced the runbook then; it is
    folded the way it was written, never reinterpreted."""
    inc, library = _mass_failure(tmp_path)
    inc.attach_runbook(library.get("RB-LAUNCH-002").path)
    st = inc.refresh()
    assert st.runbook["id"] == "RB-LAUNCH-002" and st.beside == []
    assert st.timeline[-1].text == "Runbook attached: RB-LAUNCH-002 Rollback to pilot"


def test_the_cli_works_a_step_of_the_runbook_open_beside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "tick", inc.id, "4", "--runbook", "RB-LAUNCH-002", *base]) == 0
    said = capsys.readouterr().out
    assert said.startswith("ticked step 4 (Tell stakeholders that the rollback") and "of RB-LAUNCH-002" in said
    assert main(["incident", "show", inc.id, *base]) == 0
    shown = capsys.readouterr().out
    assert "Open beside it: RB-LAUNCH-002 — Rollback to pilot (opened by the GO on rollback-to-pilot" in shown
    assert "Earlier runbook RB-LAUNCH-002" not in shown
    beside = shown[shown.index("Open beside it"):]
    assert "☑ [x]         4  Tell stakeholders that the rollback" in beside
