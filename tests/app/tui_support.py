"""Deterministic building blocks for the dashboard's Pilot and snapshot tests.

A frozen clock, the fake metric source and a small hand-built runbook, so snapshots are
byte-identical on every run whatever the other areas' code does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import WaitForScreenTimeout

from panes.view import HeaderInfo, IncidentView, StepView, TimelineItem
from tui.app import WarroomApp
from tui.clock import FrozenClock
from tui.context import AppContext, DrillInfo
from tui.fakesource import FakeSource
from warroom.config import Config
from warroom.incident.handoff import PeopleAlert
from warroom.runbook.model import Runbook, Section, Step

T0 = 1_795_000_000.0  # 2026-11-19T..Z, fixed for every snapshot


def sample_runbook() -> Runbook:
    def step(n: int, kind: str, label: str, section: str, command: str | None = None,
             expect: str | None = None, mutating: bool = False) -> Step:
        return Step(number=n, id=f"s{n}", kind=kind, label=label, section=section, line=n * 3,
                    command=command, expect=expect, mutating=mutating, confirm=mutating)

    triage = Section("Triage", 2, 5, phase="investigate", steps=[
        step(1, "shell", "Check quota usage per key", "Triage",
             "curl -s http://quota.internal/usage", expect="used_ratio"),
        step(2, "shell", "Recent 429s in the flow logs", "Triage",
             "kubectl logs deploy/flowengine -n production --since=15m | grep -c 429"),
        step(3, "manual", "Confirm which provider is limiting", "Triage"),
    ])
    mitigate = Section("Mitigation", 2, 20, phase="mitigate", steps=[
        step(4, "shell", "Enable the circuit breaker", "Mitigation",
             "kubectl set env deploy/flowengine -n production CIRCUIT_BREAKER=on",
             expect="env updated", mutating=True),
        step(5, "shell", "Lower the concurrency", "Mitigation",
             "kubectl scale deploy/flowengine-workers -n production --replicas=4", mutating=True),
    ])
    verify = Section("Validation", 2, 40, phase="verify", steps=[
        step(6, "promql", "Quota back under 80%", "Validation", "max(flowengine_model_quota_used_ratio)"),
        step(7, "manual", "Tell stakeholders the limit is cleared", "Validation"),
    ])
    return Runbook(id="RB-TEST-003", title="Rate limit exhaustion (test)", path=Path("rb-test.md"),
                   severity="P3", triggers=["quota"], sections=[triage, mitigate, verify])


def rollback_runbook() -> Runbook:
    """A small follow-up runbook, the kind a GO opens beside the current one."""
    def step(n: int, kind: str, label: str, command: str | None = None, mutating: bool = False) -> Step:
        return Step(number=n, id=f"r{n}", kind=kind, label=label, section="Rollback", line=n * 3,
                    command=command, mutating=mutating, confirm=mutating)

    back = Section("Rollback", 2, 5, phase="mitigate", steps=[
        step(1, "shell", "Record the current revision", "kubectl rollout history deploy/flowengine -n production"),
        step(2, "shell", "Roll back to the previous revision",
             "kubectl rollout undo deploy/flowengine -n production", mutating=True),
        step(3, "manual", "Tell stakeholders the rollback is done"),
    ])
    return Runbook(id="RB-TEST-002", title="Roll back the release (test)", path=Path("rb-rollback.md"),
                   severity="P2", triggers=[], sections=[back])


def mid_incident_view() -> IncidentView:
    header = HeaderInfo(incident_id="INC-20261119-1", title="Model API quota exhausted",
                        status="investigating", severity="P3", declared_at=T0 - 17 * 60 - 5,
                        next_update_at=T0 + 13 * 60,
                        roles="IC alice · Ops bob · Comms — · Scribe —",
                        people=PeopleAlert(approvals=(("R14", "pending", datetime(9999, 1, 1, tzinfo=UTC)),)))
    steps = {
        "s1": StepView(state="ok", exit_code=0, duration=1.2, expect_met=True),
        "s2": StepView(state="ok", exit_code=0, duration=0.8),
        "s3": StepView(state="ticked"),
        "s4": StepView(state="running", started_at=T0 - 3),
    }
    tl = [
        TimelineItem(T0 - 1025, "declared", "Declared P3: Model API quota exhausted (from pane quota 84.2%)"),
        TimelineItem(T0 - 1000, "step-ok", "Step 1 Check quota usage per key: ok, exit 0, 1.2s, expectation met"),
        TimelineItem(T0 - 900, "step-ok", "Step 2 Recent 429s in the flow logs: ok, exit 0, 0.8s"),
        TimelineItem(T0 - 600, "tick", "Ticked 3 Confirm which provider is limiting"),
        TimelineItem(T0 - 300, "note", "Batch import job fired 40k requests at once", tag="root-cause"),
        TimelineItem(T0 - 3, "step", "Step 4 Enable the circuit breaker started (mutating, confirmed)"),
    ]
    return IncidentView(header=header, steps=steps, timeline=tl, runbook_id="RB-TEST-003",
                        running=(("RB-TEST-003", "s4"),))


def make_ctx(tmp: Path | None = None, *, drill: bool = True, errors: dict[str, str] | None = None,
             **kw: object) -> AppContext:
    cfg = Config()
    if tmp is not None:
        cfg.incident.state_dir = str(tmp / "state")
    clock = FrozenClock(T0)
    ctx = AppContext(config=cfg, clock=clock, source=FakeSource(clock, start=T0, errors=errors),
                     runbooks=[sample_runbook()], tick=0, refresh=0,
                     drill=DrillInfo("rate-limit") if drill else None, offer_resume=False)
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def make_app(tmp: Path | None = None, **kw: object) -> WarroomApp:
    return WarroomApp(make_ctx(tmp, **kw))


async def press_loaded(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """``pilot.press`` on a box shared with other work: Pilot delivers the keys, then waits at most 30 s for the
    screen's widgets to drain their queues and raises ``WaitForScreenTimeout`` past it. The keys are in by then; a
    busy machine taking longer to drain says nothing of what a test checks, whose own bounded waits (``wait_for``,
    ``wait_screen``) follow (ci43a: the PIR preview test's ``p`` timed out under a load of ten, the key delivered)."""
    try:
        await pilot.press(*keys)
    except WaitForScreenTimeout:
        return


SLACK = 3.0      # see wait_for


async def wait_for(pilot, predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``predicate()`` holds; bounded, never a bare sleep.

    The bound is generous on purpose: CI runs on two cores shared with other work, where a
    worker thread, a poll or a journal write can take many times what it takes on an idle
    machine. The wait ends as soon as the event happens, so a long bound costs only a failing
    run its time; a short one made passing runs fail under load.

    Between two looks the app runs on its own (the test and the app share one event loop): a plain
    ``asyncio.sleep``, not ``pilot.pause``, whose every call queued a callback on every widget of the
    screen, waited for all of them and forced a screen update, 20 times a second for as long as a
    test waits. That polling was a third of an idle drill dashboard's CPU in a test (1.27 -> 0.82 s
    per 10 s wall). Nothing a predicate reads waits for Pilot: the app's own timers, messages and
    repaints run meanwhile, as they do for a person at the terminal.

    Each bound is ``SLACK`` times the ``timeout`` a test names: a test names what the wait takes on a
    quiet box, and a whole suite run beside other work (load 20 on two cores measured here) made 60 s
    waits that end in 5 s on a quiet box fail. A passing wait still ends when its event happens."""
    loops = int(timeout * SLACK / 0.05)
    for _ in range(loops):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout * SLACK:g}s: {predicate}")


async def timer_periods(pilot, node, period: float, count: int, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let ``count`` periods of ``period`` pass in the app's own event loop, counted by a timer of
    that period on ``node`` (a widget, screen or the app). "Nothing happened while N periods
    passed" is then a fact about the app's timers, which had as many chances to fire: a pause of
    so many seconds proves nothing on a busy machine, where it can end before any timer fired."""
    fired = 0

    def tick() -> None:
        nonlocal fired
        fired += 1

    timer = node.set_interval(period, tick)
    try:
        await wait_for(pilot, lambda: fired >= count, timeout)
    finally:
        timer.stop()


async def metrics_drawn(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.dashboard.readings))
    await pilot.pause()


def record_notifications(app: Any) -> list[str]:
    """What the app says in notifications (``App.notify`` wrapped; the toasts show the same)."""
    said: list[str] = []
    notify = app.notify

    def recording(message: str, *args: Any, **kw: Any) -> None:
        said.append(str(message))
        notify(message, *args, **kw)

    app.notify = recording
    return said
