"""The PIR names the runbook of a step as every screen does (``IncidentState.step_name``):
RB-LAUNCH-005 and the RB-LAUNCH-002 a GO opened beside it both have a step 2, so while both are
open "Step 2 (…) skipped" must say which, for either runbook (Steps Skipped or Failed, Commands
Run, the appendix, the key-moment lines), as the timeline and the not-done rows do."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.journal import events as ev


def _failed_run(inc, number: int, runbook_id: str | None) -> None:  # type: ignore[no-untyped-def]
    step = inc.step(number, runbook_id)
    ref = {"step": step.number, "step_id": step.id, "label": step.label,
           "runbook_id": runbook_id or inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true", "mutating": True})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "failed", "exit_code": 3, "duration": 0.5})


def test_the_pir_says_whose_step_2_it_was(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    beside_2, main_2 = inc.step(2, "RB-LAUNCH-002"), inc.step(2)
    inc.skip(2, "replica count is in the ticket", "RB-LAUNCH-002")
    inc.skip(2, "the dashboard shows it")
    _failed_run(inc, 1, "RB-LAUNCH-002")
    _failed_run(inc, 1, None)
    inc.resolve("hotfix", rollback=True)
    pir = inc.render("pir")
    assert f"- RB-LAUNCH-002 step 2 ({beside_2.label}) **skipped**: replica count is in the ticket" in pir
    assert f"- RB-LAUNCH-005 step 2 ({main_2.label}) **skipped**: the dashboard shows it" in pir
    beside_1, main_1 = inc.step(1, "RB-LAUNCH-002"), inc.step(1)
    assert f"- RB-LAUNCH-002 step 1 ({beside_1.label}) **failed** (exit 3)" in pir
    assert f"- RB-LAUNCH-005 step 1 ({main_1.label}) **failed** (exit 3)" in pir
    assert f". RB-LAUNCH-002 step 1 {beside_1.label}**" in pir            # the appendix
    assert f"| RB-LAUNCH-002 step 1 {beside_1.label} " in pir             # the commands table
    assert f"Step 1 ({main_1.label}" not in pir                            # never a bare step 1 while both are open


def test_an_approval_for_a_step_of_the_runbook_beside_names_that_runbook(tmp_path: Path) -> None:
    """Both runbooks have a step 5: "Approval A-… requested … for step 5" must say which (the
    timeline, the incoming commander's brief and the PIR's approvals); the current runbook's stays
    "step 5"."""
    from warroom.incident.handoff import catch_up_brief

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    for rb in ("RB-LAUNCH-002", None):
        step = inc.step(5, rb)
        inc._append(ev.APPROVAL_REQUESTED, {"step": 5, "step_id": step.id, "label": step.label,
                                           "runbook_id": rb or inc.runbook().id, "command": "kubectl apply",
                                           "command_sha256": "0" * 64, "mutating": True})
    st = inc.refresh()
    beside, main = [t.text for t in st.timeline if t.text.startswith("Approval ")]
    assert " for RB-LAUNCH-002 step 5 (" in beside and " for RB-LAUNCH-005 step 5 (" in main
    brief = catch_up_brief(st, inc.clock(), update_every=inc.update_every(),
                           config=inc.config, runbooks=inc.open_runbooks())
    waiting = dict(brief.sections)["Approvals waiting"]
    assert [" RB-LAUNCH-002 step 5 (" in w for w in waiting] == [True, False]
    assert [" RB-LAUNCH-005 step 5 (" in w for w in waiting] == [False, True]
    inc.resolve("hotfix", rollback=True)
    assert " RB-LAUNCH-002 step 5 (" in inc.render("pir")


def test_evidence_around_a_step_of_the_runbook_beside_is_cited_on_that_step_only(tmp_path: Path) -> None:
    """SLO values recorded around RB-LAUNCH-002 step 5 belong to its row, never to RB-LAUNCH-005's
    step 5 run later (evidence was matched by step number alone); the timeline says whose step."""
    from warroom.incident.review.commands import commands

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    cited, refs = [], {}
    for rb in ("RB-LAUNCH-002", None):
        step = inc.step(5, rb)
        refs[rb] = ref = {"step": 5, "step_id": step.id, "label": step.label, "runbook_id": rb or inc.runbook().id}
        inc._append(ev.STEP_STARTED, {**ref, "command": "kubectl apply -f x", "mutating": True})
        if rb:
            e = inc._append(ev.EVIDENCE, {**ref, "when": "before", "offset": 0.0,
                                          "values": {"flow-failures": {"value": 12.0, "unit": "percent"}}})
            cited.append(e.seq)
        done = inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 1.0})
        if rb:
            finished = done.seq
    # RB-LAUNCH-002 step 5's value five minutes after it ended comes in after the other step 5 ran
    e = inc._append(ev.EVIDENCE, {**refs["RB-LAUNCH-002"], "when": "after", "offset": 300.0, "finished_seq": finished,
                                  "values": {"flow-failures": {"value": 3.0, "unit": "percent"}}})
    cited.append(e.seq)
    st = inc.refresh()
    rows = {row.step.split(" ", 1)[0]: row for row in commands(st, inc.clock())}
    assert set(cited) <= set(rows["RB-LAUNCH-002"].cites)
    (main_row,) = [r for k, r in rows.items() if k != "RB-LAUNCH-002"]
    assert not set(cited) & set(main_row.cites)
    assert any(t.text.startswith("SLO evidence (before RB-LAUNCH-002 step 5)") for t in st.timeline)


def test_an_approval_used_on_the_beside_runbooks_step_is_cited_on_that_run_not_on_a_same_id_step(tmp_path: Path) -> None:
    """RB-LAUNCH-005 and RB-LAUNCH-002 both have a step with the id
    ``read-the-schema-version-flowengine-serves``: an approval used for RB-LAUNCH-002's must be
    cited on that run in the PIR's commands, never on RB-LAUNCH-005's run of the same id that
    another responder started in between (the match was by step id alone)."""
    from datetime import UTC, datetime, timedelta

    from warroom.incident.fold import replay
    from warroom.incident.identity import Person
    from warroom.incident.review.commands import commands
    from warroom.journal.log import Event, format_ts

    alice, bob = Person("alice", 1001, "b1", "alice@b1"), Person("bob", 1002, "b2", "bob@b2")
    t0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    sid, sha = "read-the-schema-version-flowengine-serves", "ab" * 32
    evs: list[Event] = []

    def add(type_: str, data: dict, who: Person = alice) -> None:  # type: ignore[type-arg]
        evs.append(Event(seq=len(evs) + 1, ts=t0 + timedelta(seconds=len(evs)), actor=who.actor, type=type_,
                         data=data, prev="", h=f"h{len(evs) + 1}"))

    add(ev.DECLARED, {"id": "INC-1", "title": "t", "severity": "P1", "source": {"kind": "manual"},
                      "runbook": {"id": "RB-LAUNCH-005", "title": "Mass failure"}, "commander": "alice"})
    add(ev.RUNBOOK_ATTACHED, {"id": "RB-LAUNCH-002", "title": "Rollback", "beside": "RB-LAUNCH-005"})
    ref = {"step": 7, "step_id": sid, "label": "Read the schema version", "runbook_id": "RB-LAUNCH-002"}
    add(ev.APPROVAL_REQUESTED, {**ref, "command": "psql -c 'select 1'", "command_sha256": sha, "mutating": True,
                                "requester": alice.to_json(), "expires_after": 900})
    add(ev.APPROVAL_GRANTED, {"request": "R3", "command_sha256": sha, "approver": bob.to_json(),
                              "expires_at": format_ts(t0 + timedelta(minutes=15))}, bob)
    add(ev.APPROVAL_USED, {"request": "R3", "by": alice.to_json(), "command_sha256": sha})
    other = {**ref, "step": 3, "runbook_id": "RB-LAUNCH-005"}
    add(ev.STEP_STARTED, {**other, "command": "psql -c 'select 2'"}, bob)        # bob, the other runbook
    add(ev.STEP_STARTED, {**ref, "command": "psql -c 'select 1'", "mutating": True})
    add(ev.STEP_FINISHED, {**other, "status": "ok", "exit_code": 0, "duration": 1.0}, bob)
    add(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 1.0})
    rows = {row.step.split(" ", 1)[0]: row for row in commands(replay(evs), t0 + timedelta(hours=1))}
    assert "approved (R3) by bob@b2" in rows["RB-LAUNCH-002"].result
    assert "approved" not in rows["RB-LAUNCH-005"].result
