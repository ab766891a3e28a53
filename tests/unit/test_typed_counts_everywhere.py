"""A step typed by hand in the drill shell is counted alike on every view (attack47 Y4, Y9, Y10, Y13).

The drill report's path counted a step of RB-LAUNCH-002 (opened beside by a GO) typed in the drill shell "done by
hand", while ``incident show``, the handoff brief and the GO's own count ("3 of 19") did not, and the same typing was
also "Done outside the runbook's steps" (Y4, Y9). A step typed after the runbook was closed was credited on its path
beside "… steps done when closed" (Y10). ``incident show --json`` had no checklist of the runbook beside, and its
``steps`` no runbook id (Y13). One drill (mass-failure, stand-ins in-process, calls recorded as ``standins.base.main``
records them), every clock pinned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, run_one, warmed
from tests.unit.test_runbook_beside import _go
from warroom.cli.incident_show import _checklist, render_show
from warroom.config import Config
from warroom.drill.actions import CALLS_FILE, Action, append_actions
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.handoff import catch_up_brief
from warroom.incident.jsonview import state_to_json
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-LAUNCH-005-mass-failure.md"
ROLLBACK = "RB-LAUNCH-002"
ALLOWLIST = ["blocks", "config", "set", "repos.allowlist", "compliance-service"]      # its step 5, its default
PIN = ["kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p",
       '{"spec":{"minReplicas":3,"maxReplicas":3}}']                                 # its step 6


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _typed(d, argv: list[str], t: float) -> None:  # type: ignore[no-untyped-def]
    assert run_one(d, argv, t)[0] == 0
    append_actions(d.path, [Action("call", t, d.wall_time(t), argv[0], tuple(argv[1:]), {"code": 0})], CALLS_FILE)


def _report(inc, d):  # type: ignore[no-untyped-def]
    live = LiveIncident(inc)
    try:
        snap = live.snapshot()
    finally:
        live.close()
    return drill_report(d, snap.state, at=inc.clock().timestamp(), slos=[], runbook=snap.runbook,
                        runbook_of=snap.runbook_by_id, config=inc.config)


def test_a_step_typed_in_the_drill_shell_is_one_step_counted_alike_everywhere_and_none_after_its_close(
        tmp_path: Path) -> None:
    d = warmed(create_drill(tmp_path / "drills", "mass-failure", speed=10.0, start=START))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    _go(inc)                                              # opens RB-LAUNCH-002 beside
    inc.tick(1, ROLLBACK)
    # its step 6, typed in the drill shell (step 5, the allowlist, has a verify gate: typed, it is "not verified")
    _typed(d, PIN, 400.0)
    clock.t = d.wall_time(450.0)
    st = inc.refresh()

    # Y4: `incident show`, its --json, the brief and the GO's count say the step done by hand, as the path does
    shown = "\n".join(render_show(inc, st, clock()))
    assert "✍ [hand]      6  Pin the autoscaler to the pilot's three replicas (done by hand at" in shown
    typed = inc.typed_by_hand()
    rows = {r["step"]: r for r in _checklist(inc, st, clock(), typed, ROLLBACK)}
    assert rows[6]["state"] == "done_by_hand" and rows[6]["by_hand"].startswith("done by hand at ")
    brief = catch_up_brief(st, clock(), update_every=inc.update_every(), config=inc.config,
                           runbooks=inc.open_runbooks(), by_hand=typed)
    owed = "\n".join(line for _title, lines in brief.sections for line in lines)
    assert f"{ROLLBACK} step 6 " not in owed and f"{ROLLBACK} step 3 " in owed
    (opened,) = inc.go_opened()
    assert (opened.done, opened.total) == (2, 19)
    from panes.runbook import progress_text
    from tui.view import incident_view

    live = LiveIncident(inc)
    try:
        snap = live.snapshot()
    finally:
        live.close()
    (beside,) = incident_view(snap, 900.0, now=clock().timestamp(), config=inc.config, typed=typed).beside
    assert progress_text(inc.runbook(ROLLBACK), beside.steps) == "2/19 done"      # the dashboard's heading

    # Y13: --json names each step record's runbook, and lists the beside runbook's checklist
    data = state_to_json(st, clock())
    assert {(s["runbook"], s["step"]) for s in data["steps"]} >= {(ROLLBACK, 1)}

    # Y10: closed, its count frozen with the hand-typed step; a step typed after the close is not its
    clock.t = d.wall_time(500.0)
    event = inc.close_runbook(ROLLBACK, "GO reversed")
    assert event.data["progress"] == {"done": 2, "failed": 0, "total": 19}
    _typed(d, ALLOWLIST, 600.0)
    clock.t = d.wall_time(650.0)
    assert (ROLLBACK, "allowlist-pilot-only") not in inc.typed_by_hand() and len(inc.typed_by_hand()) == 1
    # Y9: the report's GO line and the path say one count; the typing is the step's, not outside the steps
    report = _report(inc, d)
    ((rid, text, path),) = report.opened
    assert rid == ROLLBACK and text.endswith(": 2 of 19 steps done when closed"), text
    hand = {label: s for _sec, label, s, _did in path if s.startswith("done by hand")}
    assert list(hand) == ["Pin the autoscaler to the pilot's three replicas"], hand      # not the allowlist's
    assert not any("patch hpa" in o for o in report.outside), report.outside
    (listed,) = [o for o in report.outside if "repos.allowlist" in o]      # outside, said whose step it was
    assert listed.endswith("compliance-service, typed after RB-LAUNCH-002 was closed (its step 5's command))"), listed


def test_what_is_typed_while_the_incident_stood_resolved_is_no_credit_and_said_so() -> None:
    """Y5: resolve, type, reopen: a typing between the resolve and the reopening is no part of the response (the
    step is credited by its typing after the reopening), and its row says it was taken while resolved."""
    from tests.unit.test_typed_step_any_value import AWS, _provider_book
    from warroom.incident.by_hand import Call, Hands, Typed
    from warroom.incident.drill_report.actions import _late
    from warroom.incident.drill_report.rows import ActionRow

    book, step = _provider_book()

    def credit(*ats: float):  # type: ignore[no-untyped-def]
        calls = tuple(Call(START + at, at, "aws", (*AWS[1:], "1789999100000"), 0, "") for at in ats)
        typed = Typed(calls, 100.0, START + 1000, paused=((START + 150, START + 300),))
        return Hands(typed).steps(book, lambda _sid: True, {}, [], {}).get(step.id)

    assert credit(200.0) is None                                               # typed while resolved: none
    assert credit(200.0, 400.0).state == "done by hand at +5m00s (drill shell)"    # after reopening
    assert credit(120.0, 400.0).state == "done by hand at +20s (drill shell)"      # before the resolve
    row = ActionRow(START + 200, 200.0, "x", "x", "aws", False)
    assert _late(row, 50.0, 10.0, 100.0).late == ("taken 50s drill time (5s wall) after the incident was resolved,"
                                                  " while it stood resolved (1m40s drill time (10s wall) before it"
                                                  " was reopened)")


def test_a_step_of_a_runbook_a_go_opened_typed_again_with_another_value_is_its_step_not_outside(
        tmp_path: Path) -> None:
    """fix47credit's left item: ``typed_again`` read the report's own runbook only, so RB-LAUNCH-002's step 5 (opened
    beside by a GO) typed again with another repository was "Done outside the runbook's steps"; it is that step's
    again, on its own path line and in the PIR's credits, as a step of the report's runbook is."""
    d = warmed(create_drill(tmp_path / "drills", "mass-failure", speed=10.0, start=START))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    _go(inc)                                              # opens RB-LAUNCH-002 beside
    _typed(d, ALLOWLIST, 400.0)                           # its step 5: credited done by hand
    _typed(d, [*ALLOWLIST[:-1], "risk-engine"], 420.0)     # the same step again, another repository
    clock.t = d.wall_time(450.0)
    report = _report(inc, d)
    assert not any("allowlist" in o for o in report.outside), report.outside
    ((rid, _text, path),) = report.opened
    did = next(did for _sec, label, _s, did in path if label == "Keep only the pilot repository on the allowlist")
    assert "(typed again by hand at " in did and "with pilot_repo=risk-engine))" in did, did
    assert [(rb, n) for rb, n, _label, said, _at, _rows in report.credited if "typed again" in said] == [(ROLLBACK, 5)]


def test_a_handoff_reads_the_drill_shell_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLOSING-stop47 "Work done twice": a handoff read the drill shell twice, the PIR's ``drill_shell`` (a whole drill
    report) for "What happened" and ``Incident.typed_by_hand`` for the steps owed. The credits are the report's own
    now (one rule, one read), and they are those ``typed_by_hand`` gives: the brief owes the typed step no more."""
    from warroom.incident import by_hand
    from warroom.incident.handoff import Brief

    d = warmed(create_drill(tmp_path / "drills", "mass-failure", speed=10.0, start=START))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Flows failing", severity="P1", runbook=str(RUNBOOK),
        drill={"scenario": "mass-failure", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    _go(inc)                                              # opens RB-LAUNCH-002 beside
    _typed(d, PIN, 400.0)                                 # its step 6, typed in the drill shell
    clock.t = d.wall_time(450.0)
    counted = {key: c.state for key, c in inc.typed_by_hand().items()}
    pin = next(key for key in counted if key[0] == ROLLBACK and key[1] != "allowlist-pilot-only")
    assert counted == {pin: counted[pin]}
    read = []
    real = by_hand.typed_steps
    monkeypatch.setattr(by_hand, "typed_steps", lambda *a, **k: read.append(1) or real(*a, **k))
    brief = Brief.from_json(inc.assign_role("commander", "carol", "end of shift").data["brief"])
    assert brief is not None
    owed = "\n".join(dict(brief.sections)["Steps running and not done"])
    assert f"{ROLLBACK} step 6 " not in owed and f"{ROLLBACK} step 3 " in owed
    assert any(f"{ROLLBACK} step 6 " in line and "done by hand" in line
               for line in dict(brief.sections)["What happened"])         # the PIR's typed rows, merged in
    assert read == [], "the handoff read the drill shell's credits a second time"
    _typed_rows, credits = inc.drill_shell_read()       # the credits it read: those typed_by_hand counts
    assert {key: c.state for key, c in credits.items()} == counted
