"""Roles and two-person approval on the dashboard: the people line of the header at 80x24 and
120x40, the approvals dialog (approve another person's request; never your own), the roles
dialog (assign; a handoff to you is acknowledged with its brief in view).

The incident is a real one in a temporary state dir; "another person" is a second ``Incident``
object built for a different OS account (as a second process would be), so the dashboard's own
person is the OS account running the test (``identity.whoami``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.widgets import Button, Input, Select

from panes.header import IncidentHeader
from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.people import ApprovalsScreen, RolesScreen
from warroom.config import Config
from warroom.incident.identity import Person, whoami
from warroom.incident.people import ApprovalView, HandoffView, PeopleView
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

ALICE = Person("alice-not-you", 4242, "bastion-9", "alice-not-you@bastion-9")
LONG = "Model API quota exhaustion on the Anthropic provider across every region, retries multiplying"


def sample_people(*, mine: bool) -> PeopleView:
    """A filled view for layout tests: a long brief, several requests with a dry run."""
    brief = "\n".join(f"  - 14:{i:02d}:00 UTC {LONG}" for i in range(30))
    lines = ("R14  PENDING  step 6 (" + LONG + ")", "  command: kubectl set env deployment/flowengine X=1 " * 3,
             *(f"    dry run line {i}" for i in range(20)))
    reqs = tuple(ApprovalView(id=f"R{14 + i}", state="pending" if i == 0 else "used", lines=lines, mine=False,
                              step=f"step 6 {LONG}") for i in range(6))
    return PeopleView(incident_id="INC-20261201-1", me="root@vm",
                      roles=(("commander", "incident commander", "bob"), ("ops", "ops lead", LONG),
                             ("comms", "comms lead", ""), ("scribe", "scribe", "")),
                      handoff=HandoffView(person="bob", previous="alice", at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
                                          brief=brief, mine=mine),
                      approvals=reqs)


def _incident(tmp_path: Path) -> tuple[Config, Incident, Incident]:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    clock = lambda: datetime.now(UTC)  # noqa: E731 - the dashboard's incident runs on the wall clock
    mine = IncidentStore(cfg.state_dir(), cfg, clock=clock).create(title="Quota", severity="P2", commander="alice-not-you")
    alice = Incident(mine.id, mine.dir, config=cfg, clock=clock, actor=ALICE.actor, person=ALICE)
    return cfg, mine, alice


def _ask(inc: Incident, command: str = "kubectl rollout restart deploy/flowengine -n production") -> str:
    e = inc.append(ev.APPROVAL_REQUESTED, {
        "step": 6, "step_id": "restart", "runbook_id": "RB-X", "label": "Restart flowengine", "kind": "shell",
        "command": command, "command_sha256": "ab" * 32, "params": {"namespace": "production"},
        "target": {"context": "prod-eu", "namespace": "production"}, "mutating": True,
        "reasons": ["the runbook marks this step approval=true"], "dry_run": None,
        "verify": "failure_rate < 1 within 10m", "requester": inc.person().to_json(), "expires_after": 900})
    return f"R{e.seq}"


def _header(app: Any) -> str:
    header = app.dashboard.query_one(IncidentHeader)
    return str(header.query_one(".hdr-people").render())


async def test_people_line_fits_and_says_what_needs_someone(tmp_path: Path) -> None:
    cfg, mine, alice = _incident(tmp_path)
    alice.assign_role("ops", "carol")
    alice.assign_role("commander", "bob")             # a handoff nobody acknowledged
    rid = _ask(alice)
    for size in ((80, 24), (120, 40)):
        app = make_app(tmp_path, resume_id=mine.id)
        async with app.run_test(size=size) as pilot:
            await metrics_drawn(pilot)
            await wait_for(pilot, lambda: "IC" in _header(app))
            line = _header(app)
            assert line.startswith(" HANDOFF to bob not acknowledged · 1 approval waiting"), line
            header = app.dashboard.query_one(IncidentHeader)
            assert header.query_one(".hdr-people").region.bottom <= size[1]
            if size[0] >= 120:
                assert f"({rid})" in line and "IC bob · Ops carol · Comms — · Scribe —" in line


async def test_approve_another_persons_request_from_the_dialog(tmp_path: Path) -> None:
    cfg, mine, alice = _incident(tmp_path)
    rid = _ask(alice)
    app = make_app(tmp_path, resume_id=mine.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: "approval waiting" in _header(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalsScreen))
        await pilot.pause()
        screen = app.screen
        detail = str(screen.query_one("#approval-detail").render())
        for want in ("kubectl rollout restart deploy/flowengine -n production", "context prod-eu",
                     "failure_rate < 1 within 10m", "requested by alice-not-you@bastion-9"):
            assert want in detail
        button = screen.query_one("#approve", Button)
        assert not button.disabled and button.region.bottom <= 24
        await pilot.click("#approve")
        await wait_for(pilot, lambda: mine.state.approvals[rid].status == "approved")
    req = mine.state.approvals[rid]
    assert req.decided_by is not None and req.decided_by.login == whoami().login
    assert "approved: " + rid in " ".join(t.text for t in mine.state.timeline) or req.status == "approved"


async def test_own_request_cannot_be_approved_but_can_be_refused_with_a_reason(tmp_path: Path) -> None:
    cfg, mine, _alice = _incident(tmp_path)
    rid = _ask(mine)                                  # asked by this very person
    app = make_app(tmp_path, resume_id=mine.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: "approval waiting" in _header(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalsScreen))
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#approve", Button).disabled
        assert "a second person must approve it" in str(screen.query_one("#approval-detail").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "cannot approve their own" in str(screen.query_one("#form-error").render())
        await pilot.click("#refuse")
        await pilot.pause()
        assert "Say why" in str(screen.query_one("#form-error").render())
        screen.query_one("#why", Input).value = "withdrawn: wrong namespace"
        # Textual's Button ignores a click while its press effect (-active, 0.2 s) from the first
        # click lasts: on a fast machine the second click came sooner and was dropped
        refuse = screen.query_one("#refuse", Button)
        await wait_for(pilot, lambda: not refuse.has_class("-active"))
        await pilot.click("#refuse")
        await wait_for(pilot, lambda: mine.state.approvals[rid].status == "refused")
    assert mine.state.approvals[rid].reason == "withdrawn: wrong namespace"


async def test_roles_dialog_acknowledges_a_handoff_to_you_then_assigns(tmp_path: Path) -> None:
    cfg, mine, alice = _incident(tmp_path)
    me = whoami().login
    alice.assign_role("commander", me, "end of shift")       # handed to the person at this dashboard
    app = make_app(tmp_path, resume_id=mine.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: f"HANDOFF to {me} not acknowledged" in _header(app))
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RolesScreen))
        await pilot.pause()
        screen = app.screen
        brief = str(screen.query_one("#handoff-brief").render())
        assert "What happened:" in brief and "Stakeholder updates:" in brief
        ack = screen.query_one("#ack", Button)
        assert ack.region.bottom <= 24 and ack.region.area > 0
        await pilot.click("#ack")
        await wait_for(pilot, lambda: mine.state.role_changes[-1].get("acknowledged_seq") is not None)
        await wait_for(pilot, lambda: "HANDOFF" not in _header(app))
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RolesScreen))
        await pilot.pause()
        screen = app.screen
        assert not screen.query("#ack")                # nothing waits for this person any more
        screen.query_one("#role", Select).value = "scribe"
        screen.query_one("#person", Input).value = "dave"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: mine.state.roles.get("scribe") == "dave")
        await wait_for(pilot, lambda: "Scribe dave" in _header(app))
    assert mine.state.role_changes[-2]["acknowledged_by"].startswith(me + "@")


async def test_a_handoff_to_someone_else_offers_no_acknowledgement(tmp_path: Path) -> None:
    cfg, mine, alice = _incident(tmp_path)
    alice.assign_role("commander", "somebody-else")
    app = make_app(tmp_path, resume_id=mine.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: "HANDOFF to somebody-else" in _header(app))
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RolesScreen))
        await pilot.pause()
        assert not app.screen.query("#ack")
        assert "only somebody-else can acknowledge it" in str(app.screen.query_one("#handoff-head").render())


APPROVAL_RUNBOOK = """+++
id = "RB-APPR-TUI"
title = "Approval in the run dialog"
severity = "P2"
[params.namespace]
default = "production"
+++
# Approval in the run dialog

## Mitigation

Restart the service:

```bash {approval=true verify="failure_rate < 1 within 10m"}
echo restart -n {{ namespace }}
```
"""


async def test_run_dialog_asks_for_approval_instead_of_running(tmp_path: Path) -> None:
    from tests.app.drill_support import select_step, wait_screen
    from tui.screens.modals.run_step import RunStepScreen

    md = tmp_path / "rb-appr.md"
    md.write_text(APPROVAL_RUNBOOK)
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    mine = IncidentStore(cfg.state_dir(), cfg).create(title="Quota", severity="P2", runbook=str(md))
    app = make_app(tmp_path, resume_id=mine.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: app.dashboard.runbook is not None and app.dashboard.runbook.id == "RB-APPR-TUI")
        await select_step(pilot, 1)
        await pilot.press("enter")
        dialog = await wait_screen(pilot, RunStepScreen)
        said = str(dialog.query_one("#run-approval").render())
        assert "APPROVAL" in said and "none was requested" in said
        assert dialog.query_one("#ask", Button).display and not dialog.query_one("#run", Button).display
        ask = dialog.query_one("#ask", Button).region
        assert ask.area > 0 and ask.right <= 80 and ask.bottom <= 24
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(mine.state.approvals))
    (req,) = mine.state.approvals.values()
    assert req.command == "echo restart -n production" and req.verify == "failure_rate < 1 within 10m"
    assert not mine.state.steps.get("restart-the-service") or mine.state.steps["restart-the-service"].status == "pending"
    assert ev.STEP_STARTED not in [e.type for e in mine.read().events]
