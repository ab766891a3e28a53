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


def _mass_failure(tmp_path: Path, clock=None):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    library = RunbookLibrary.from_config(cfg)
    inc = IncidentStore(tmp_path, cfg, clock=clock).create(title="flows failing", severity="P1",
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
    assert said.startswith("ticked RB-LAUNCH-002 step 4 (Tell stakeholders that the rollback")
    assert main(["incident", "show", inc.id, *base]) == 0
    shown = capsys.readouterr().out
    assert "Open beside it: RB-LAUNCH-002 — Rollback to pilot (opened by the GO on rollback-to-pilot" in shown
    assert "Earlier runbook RB-LAUNCH-002" not in shown
    beside = shown[shown.index("Open beside it"):]
    assert "☑ [x]         4  Tell stakeholders that the rollback" in beside


def test_resolving_after_a_go_asks_about_the_rollback_and_records_how_far_it_got(tmp_path: Path) -> None:
    """A GO is a verdict, not a rollback done: resolving without saying whether a rollback was
    part of the fix is refused (neither yes nor no by default); the answer is recorded with what
    the GO opened and how far that runbook got, and the PIR says both."""
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(4, "RB-LAUNCH-002")
    inc.skip(2, "in the change ticket", "RB-LAUNCH-002")
    (opened,) = inc.go_opened()
    assert (opened.runbook_id, opened.done, opened.total, opened.failed, opened.open_now) == ("RB-LAUNCH-002", 2, 19, 0, True)
    assert opened.text().startswith('GO on "Roll back to the pilot repository (RB-LAUNCH-002)?" by dana at ')
    assert opened.text().endswith("opened RB-LAUNCH-002 (Rollback to pilot): 2 of 19 steps done")
    with pytest.raises(WarroomError, match="say whether a rollback was part of the fix"):
        inc.resolve("flows back", "rolled back to pilot", None)
    assert not inc.refresh().resolved
    e = inc.resolve("flows back", "fixed the schema", False)
    assert e.data["rollback"] is False
    assert e.data["go_opened"] == [{"runbook_id": "RB-LAUNCH-002", "title": "Rollback to pilot",
                                    "decision": "rollback-to-pilot", "verdict_seq": opened.verdict_seq,
                                    "question": "Roll back to the pilot repository (RB-LAUNCH-002)?",
                                    "at": opened.at.isoformat() if opened.at else None,
                                    "by": "dana", "done": 2, "failed": 0, "total": 19, "open_now": True}]
    pir = inc.render("pir")
    # the very words resolving showed the commander (one text: ``GoOpened.text``)
    assert f"Rollback: no, as the commander said at resolve ({opened.text()})" in pir


def test_an_incident_without_a_go_resolves_as_before(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    assert inc.go_opened() == []
    e = inc.resolve("flows back", "fixed the schema", None)     # the CLI without --rollback
    # not said (no GO asked): kept as not said and asked of a human, never a default "no" (19abad8)
    assert e.data["rollback"] is None and "go_opened" not in e.data
    pir = inc.render("pir")
    assert f"Rollback: _Needs a human:_ whether a rollback was part of the fix (not said at resolve) `[#{e.seq}]`." in pir
    assert "Rollback: no" not in pir


def test_the_cli_resolve_after_a_go_needs_rollback_or_no_rollback_and_the_pir_lists_both_runbooks(
        tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "resolve", inc.id, "--summary", "flows back", "--yes", *base]) != 0
    err = capsys.readouterr().err
    assert "opened RB-LAUNCH-002 (Rollback to pilot): 0 of 19 steps done" in err and "--no-rollback" in err
    assert main(["incident", "resolve", inc.id, "--summary", "flows back", "--rollback", "--yes", *base]) == 0
    capsys.readouterr()
    assert main(["incident", "export", inc.id, "--no-log", *base]) == 0
    pir = (inc.dir / "pir.md").read_text()
    assert "Rollback: yes, as the commander said at resolve (GO on " in pir
    assert "opened RB-LAUNCH-002 (Rollback to pilot): 0 of 19 steps done)" in pir
    # steps never touched, of each open runbook, each under its own runbook's name
    assert "- RB-LAUNCH-002 step 4 (Tell stakeholders that the rollback to pilot is starting" in pir
    assert "- RB-LAUNCH-005 step 4 (Acknowledge the page within 30 seconds) not done" in pir   # two open: named


def test_a_resolution_journaled_before_the_question_was_kept_reads_the_same_words(tmp_path: Path) -> None:
    """``go_opened`` journaled by an older warroom had no question and no time: the PIR takes them
    from the verdict it names, and says the same sentence resolving showed."""
    from warroom.incident.review.facts import rollback_text

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(4, "RB-LAUNCH-002")
    (opened,) = inc.go_opened()
    old = {k: v for k, v in opened.to_json().items() if k not in ("question", "at")}
    assert rollback_text({"rollback": True, "go_opened": [old]}, inc.refresh().decisions) == \
        f"yes, as the commander said at resolve ({opened.text()})"


def test_the_incoming_commanders_brief_lists_the_open_steps_of_both_runbooks(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(1, "RB-LAUNCH-002")
    inc.assign_role("commander", "erin", "shift change")
    brief = inc.refresh().role_changes[-1]["brief"]
    text = "\n".join(str(x) for x in brief.values()) if isinstance(brief, dict) else str(brief)
    assert "RB-LAUNCH-005 step 1 (" in text
    assert "RB-LAUNCH-002 step 2 (" in text and "RB-LAUNCH-002 step 1 (" not in text   # step 1 was ticked
    assert "more of RB-LAUNCH-005" in text and "more of RB-LAUNCH-002" in text


def test_incident_show_json_names_the_runbook_open_beside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from tui.cli import main

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    assert main(["incident", "show", inc.id, "--json", "--state-dir", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["runbook"]["id"] == "RB-LAUNCH-005"
    (beside,) = shown["beside"]
    assert beside["id"] == "RB-LAUNCH-002" and beside["opened_by"]["decision"] == "rollback-to-pilot"
