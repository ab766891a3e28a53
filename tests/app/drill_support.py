"""Pilot helpers for tests that drive the dashboard through the REAL engine: the drill
simulator (high speed) as the metric source, the incident engine and journal, the supervised
runner running real processes. Nothing here is faked; only the runbook is a small fixture
(``tests/fixtures/tui/dashboard-flows.md``) whose commands need nothing but a shell.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.app.tui_support import wait_for
from tests.conftest import REPO
from tui import drill_warmup
from tui.app import WarroomApp
from tui.context import AppContext
from tui.launch import drill_context
from warroom.config import Config
from warroom.journal.log import read_journal
from warroom.journal.reader import JournalFollower

FIXTURES = REPO / "tests" / "fixtures" / "tui"
FLOWS_RUNBOOK = "RB-TUI-001"


_real_start = drill_warmup.start


def _scenario_of(drill_dir: Path) -> str:
    return str(json.loads((drill_dir / "drill.json").read_text())["scenario"])


def drill_ctx(tmp: Path, *, speed: float = 120.0, scenario: str = "rate-limit",
              refresh: float = 1.0, tick: float = 0.2) -> AppContext:
    """The drill dashboard's context for a Pilot test: its metric poll every ``refresh`` s (the product's
    default, 1 s), its beat every ``tick`` s.

    The beat is what a step's state, a journal line or a dialog's close waits for (the journal is looked at on
    each one), so it stays short: a test's flow is not slowed and its drill minutes stay as they were. The poll
    reads the whole simulated world (PromQL over the drill's history) and draws every pane: at 0.2 s it was most of
    an idle dashboard's CPU (1.05 s per 10 s wall against 0.46 s at 1 s, ``/tmp/spy58/idle.py``), so every test
    paid CPU for as long as it waited, and on a loaded box waited longer. A test that waits on a reading waits at
    most one poll more, within its bound."""
    cfg = Config()
    cfg.incident.state_dir = str(tmp / "state")
    cfg.runbooks.dirs = [str(FIXTURES)]
    with mock.patch.object(drill_warmup, "start", _seeded_start):
        ctx = drill_context(cfg, scenario, speed)
    ctx.refresh = refresh
    ctx.tick = tick
    ctx.offer_resume = False
    return ctx


def _seeded_start(drill_dir: Path, cache_file: Path) -> Callable[[], None] | None:
    """``drill_warmup.start`` for a drill that meets the cache file a warm-up child would have left:
    the stand-ins' warm file (``standins_corpus.warm_cache``, bit for bit what the drill integrates,
    ``test_drill_incremental``), so no child starts: ≈ 0.55 s CPU each, one per dashboard these
    helpers start. The real ``start`` still decides; a drill continued with its own file keeps it.
    The cold start a user gets stays covered: the child and the first poll waiting for it where they
    are the subject (``test_drill_warmup``, ``test_tui_warmup``), the app tests that call
    ``drill_context`` themselves, a drill started over from the dashboard, every e2e drill."""
    from tests.unit.standins_corpus import warm_cache

    if not cache_file.exists():
        cache_file.write_bytes(warm_cache(_scenario_of(drill_dir)))
    return _real_start(drill_dir, cache_file)


def drill_app(tmp: Path, **kw: Any) -> WarroomApp:
    return WarroomApp(drill_ctx(tmp, **kw))


_FOLLOWED: dict[tuple[Path, int], JournalFollower] = {}


def _journal_events(path: Path) -> list[Any]:
    """The journal's valid events, reading only what was appended since the last call for this file.

    ``wait_for`` asks 20 times a second, and reading the whole journal each time was ~3 % of a long app
    test's CPU. The product's own incremental reader does the reading; a file replaced at the same path
    (another inode) gets a new one, and one that stopped (a damaged or shrunk journal) is read whole, so
    what a test sees is what ``read_journal`` says."""
    try:
        key = (path, path.stat().st_ino)
    except FileNotFoundError:
        return []
    follower = _FOLLOWED.get(key)
    if follower is None:
        if len(_FOLLOWED) >= 8:
            _FOLLOWED.clear()
        follower = _FOLLOWED[key] = JournalFollower(path)
    follower.poll()
    if follower.stopped:
        return list(read_journal(path).events)
    return follower.events


def events(app: WarroomApp, type_: str | None = None) -> list[Any]:
    inc = app.dashboard.controller.incident
    assert inc is not None
    evs = _journal_events(inc.dir / "journal.jsonl")
    return [e for e in evs if type_ is None or e.type == type_]


def looking(app: WarroomApp) -> bool:
    """Whether a look (the presenter's "evidence" worker) is running now."""
    return any(w.group == "evidence" and not w.is_finished for w in app.workers)


class Looks:
    """The dashboard's looks, counted as they start and end.

    A look (the presenter's "evidence" worker: ``LiveIncident.record_due_evidence``, then the
    Go/No-Go reminders) journals what the watchers owe: breaches and recoveries read from the
    metric history, tiers reached, reminders. It runs in a thread when its timer says, and on a
    busy machine it ends seconds later than on an idle one. A test that counts journal lines
    first waits for the known state "a look that started after this point has ended and none is
    running", never for enough time: stop 23's CI counted a breach the declaration's look
    journaled after the resolve as the resolved incident's doing. Install before the app runs
    (the declaration's look starts on the first beat after it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from warroom.incident.live import LiveIncident

        self._lock = threading.Lock()
        self._started = 0
        self._ended = 0
        real = LiveIncident.record_due_evidence

        def counted(live: LiveIncident) -> list[dict[str, Any]]:
            with self._lock:
                self._started += 1
            try:
                return real(live)
            finally:
                with self._lock:
                    self._ended += 1

        monkeypatch.setattr(LiveIncident, "record_due_evidence", counted)

    @property
    def started(self) -> int:
        with self._lock:
            return self._started

    def _done_since(self, app: WarroomApp, mark: int) -> bool:
        with self._lock:
            done = self._started > mark and self._ended == self._started
        return done and not looking(app)

    async def settled(self, pilot: Any, after: int = 0, timeout: float = 60.0) -> None:
        """Wait until a look that started after ``after`` looks had started has ended, and no
        look is running: what the watchers owed when it started is journaled."""
        await wait_for(pilot, lambda: self._done_since(pilot.app, after), timeout)

    async def look_now(self, pilot: Any, timeout: float = 60.0) -> None:
        """Prod a look (as a deadline passing does) and wait until it has run (``settled``)."""
        mark = self.started
        pilot.app.dashboard.presenter.look_now()
        await self.settled(pilot, mark, timeout)


def step_state(app: WarroomApp, number: int) -> str:
    runbook = app.dashboard.runbook
    step = runbook.step(number) if runbook is not None else None
    sv = app.dashboard.view.steps.get(step.id) if step is not None else None
    return sv.state if sv is not None else "pending"


async def wait_step(pilot: Any, number: int, *states: str, timeout: float = 60.0) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: step_state(app, number) in states, timeout)


async def wait_screen(pilot: Any, cls: type, timeout: float = 60.0) -> Any:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, cls), timeout)
    await pilot.pause()
    return app.screen


async def wait_dashboard(pilot: Any, timeout: float = 60.0) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen is app.dashboard, timeout)
    await pilot.pause()


async def declare_prefilled(pilot: Any) -> None:
    """Declare the drill's incident as pre-filled (its scenario's runbook and severity) once
    the panes are drawn; back on the dashboard with the incident live."""
    from tests.app.tui_support import metrics_drawn
    from tui.screens.modals.forms import DeclareScreen

    app = pilot.app
    await metrics_drawn(pilot)
    await pilot.press("d")
    await wait_screen(pilot, DeclareScreen, 30)
    await pilot.press("ctrl+s")
    await wait_dashboard(pilot)
    await wait_for(pilot, lambda: app.dashboard.presenter.live is not None, 30)


async def select_step(pilot: Any, number: int) -> None:
    """Bring the checklist cursor to step ``number``, its last move a key (j from the enabled row
    above it, k from the one below when it is the first), as a person's last key press.

    The cursor is put on that neighbouring row directly (``OptionList.highlighted``, what j and k
    set): walked there one key at a time, every row passed on the way was highlighted and drawn
    (the step pane, the output view): ≈ 0.2 s of CPU a row at 80x24, 2.2 s to reach RB-LAUNCH-005's
    rollback, most of the CPU of the steps the rollback test runs. j and k themselves stay driven
    here on every call (and row by row in ``test_tui_dashboard``, ``test_tui_checklist_view`` and
    ``test_tui_presenter``'s flood).

    It returns once the dashboard has followed the cursor (the Output pane shows the step's view,
    ``_followed``): the key's highlight reaches the dashboard two messages later, which Pilot's settle
    after a key need not have seen; walked row by row, the later keys had given it that time (the
    presenter's "stack.shown() is waiting" failed once on the single key)."""
    from panes.runbook import ChecklistPane

    app = pilot.app
    checklist = app.dashboard.query_one(ChecklistPane)
    checklist.focus()
    step = checklist.selected_step()
    if step is not None and step.number == number:
        await wait_for(pilot, lambda: _followed(app, step))
        return
    try:
        target = checklist.get_option_index(f"step-{number}")
    except LookupError:
        target = None
    if target is not None:
        enabled = [i for i in range(checklist.option_count) if not checklist.get_option_at_index(i).disabled]
        above = [i for i in enabled if i < target]
        below = [i for i in enabled if i > target]
        if above or below:
            checklist.highlighted = above[-1] if above else below[0]
            await pilot.press("j" if above else "k")
    for _ in range(60):
        step = checklist.selected_step()
        if step is not None and step.number == number:
            await wait_for(pilot, lambda: _followed(app, step))
            return
        await pilot.press("j" if step is None or step.number < number else "k")
    raise AssertionError(f"could not select step {number}")


def _followed(app: WarroomApp, step: Any) -> bool:
    """Whether the dashboard followed the main checklist's cursor onto ``step``: the Output pane
    shows that step's view (``DashboardScreen.show_output``, titled by its number and label)."""
    from panes.output import OutputStack

    shown = app.dashboard.query_one(OutputStack).shown()
    return shown is not None and str(shown.border_title) == f"Output · {step.number}. {step.label}"


async def run_selected(pilot: Any, *, confirm: bool = False) -> None:
    """enter → the run dialog → ctrl+s (→ the confirmation → ctrl+s)."""
    from tui.screens.modals.confirm import ConfirmScreen
    from tui.screens.modals.run_step import RunStepScreen

    await pilot.press("enter")
    dialog = await wait_screen(pilot, RunStepScreen)
    await pilot.press("ctrl+s")
    if confirm:
        await wait_for(pilot, lambda: pilot.app.screen is not dialog)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("ctrl+s")
    await wait_dashboard(pilot)


def pane_text(app: WarroomApp, selector: str) -> str:
    widget = app.dashboard.query_one(selector)
    return str(widget.render())


def frozen_drill_app(tmp: Path, scenario: str, *, title: str, severity: str,
                     minutes: float = 10.0) -> tuple[WarroomApp, Any]:
    """A dashboard on an incident of a ``scenario`` drill at x60, resumed as the launch resumes
    one, on a :class:`tui.clock.FrozenClock` ``minutes`` drill minutes into it (the test moves it by
    hand): what a dialog drafts is then of one known moment, never of how fast the machine ran."""
    from tui.clock import FrozenClock
    from tui.launch import resume_context
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp / "state")
    ctx = drill_context(cfg, scenario, 60.0)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title=title, severity=severity, runbook=None, source={},
        drill={"scenario": scenario, "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    ctx = resume_context(ctx.config, inc.id)
    clock = FrozenClock(inc.state.clock_start.timestamp() + minutes * 60.0 / drill.speed)
    ctx.clock = clock
    ctx.refresh, ctx.tick = 0.2, 0
    return WarroomApp(ctx), clock
