"""What every dialog shares: escape cancels, ctrl+s submits, the box is styled by ``.dialog``,
and a line at the bottom of the terminal says that the dashboard behind is paused, since when.

While a dialog is open the dashboard keeps its data but does not draw it (drawing behind a
dialog repaints the whole dimmed terminal for every change, see ``DashboardScreen.painting``).
A frozen pane that still says "85% CRIT · now" twenty seconds later is a false mark, so every
dialog says plainly that what is behind it is paused and since when; closing it draws the
latest of everything at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from panes.fmt import format_clock, format_time
from panes.safe import ui_text
from tui.bindings import MODAL_BINDINGS
from tui.notices import CarriesNotices, NoticeBand
from warroom import scenario_time as stime

T = TypeVar("T")


class PausedNote(Static):
    """``‖ dashboard paused since 21:05:10 UTC (0:12) · it catches up when this closes``; in a
    drill the time the world moved on unseen first, in drill time (``‖ dashboard paused 02:00 drill, 00:12 wall ·
    catches up when this closes · since 21:05:10 UTC``)."""

    def __init__(self, since: float, clock: Callable[[], float] = stime.now, scale: float = 1.0) -> None:
        super().__init__(id="paused-note")
        self.since = since
        self.clock = clock
        self.scale = scale
        self._shown: str | None = None

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(1.0, self.redraw)

    def redraw(self) -> None:
        """The note as of now. One row of fixed size (``#paused-note``: height 1, width 100%), so a
        change repaints that row only: with Textual's default layout pass every second, each tick laid
        out the whole dialog again (the PIR preview's few hundred Markdown blocks), and the same text
        (a frozen clock) was drawn again."""
        text = paused_text(self.since, self.clock(), self.scale)
        if text != self._shown:
            self._shown = text
            self.update(ui_text(text), layout=False)


def paused_text(since: float, now: float, scale: float = 1.0) -> str:
    """The note; in a drill the two spans first, then what the note is for, then since when: at 80 columns "it catches
    up when this closes" was pushed off the line by the spans (redteam44 L2), then, moved last, the spans fell off
    (redteam47 F13: "… · 00:2…"), the drill time the world moved on unseen. Both fit 80 columns now, even an hour
    of drill time (``1:00:00 drill``: the unit said short, "time" did not fit); the start's clock time, which the
    spans say again, is what a cut takes."""
    span = stime.Span(now - since, scale)
    if span.drill:
        return (f"‖ dashboard paused {format_clock(span.seconds)} drill, {format_clock(span.wall_seconds)} wall"
                f" · catches up when this closes · since {format_time(since)} UTC")
    return f"‖ dashboard paused since {format_time(since)} UTC ({format_clock(span.seconds)}) · it catches up when" \
           " this closes"


class PausesDashboard(CarriesNotices):
    """Mixed into every modal screen: mounts its foot, docked at the bottom of the terminal: the
    band of notices (``tui.notices``: no toast is drawn over a dialog) and, when the dashboard is
    below it, the paused note. Docked, the foot takes its rows from the space the dialog is laid
    out in: nothing in it covers the dialog.

    The pause began when the first modal above the dashboard opened (a confirmation over the
    run dialog does not restart it)."""

    opened_at: float = 0.0

    def on_mount(self) -> None:
        screen: Screen = self  # type: ignore[assignment]
        ctx = getattr(screen.app, "ctx", None)
        clock = ctx.clock.now if ctx is not None else stime.now   # the app's clock: frozen in tests
        self.opened_at = clock()
        foot: list[Widget] = [NoticeBand()]
        stack = list(screen.app.screen_stack)
        dashboard = getattr(screen.app, "dashboard", None)
        if dashboard is not None and dashboard in stack and stack.index(dashboard) < stack.index(screen):
            modals = stack[stack.index(dashboard) + 1:]
            since = min((getattr(m, "opened_at", 0.0) or self.opened_at) for m in modals)
            foot.append(PausedNote(since, clock, world_scale(screen.app)))
        screen.mount(Vertical(*foot, id="modal-foot"))


def world_scale(app: object) -> float:
    """How fast the world behind the dialog moves: the open incident's own time scale, else the
    drill's speed. A drill runs before anything is declared (the panes climb at its speed), so
    with no incident open the note still counts the drill time that went by unseen."""
    dashboard = getattr(app, "dashboard", None)
    if getattr(getattr(dashboard, "controller", None), "incident", None) is not None:
        return stime.scale_of(dashboard.view.header)        # type: ignore[union-attr]
    drill = getattr(getattr(app, "ctx", None), "drill", None)
    speed = getattr(drill, "speed", 1.0)
    return float(speed) if isinstance(speed, (int, float)) and 0 < speed < float("inf") else 1.0


class ScrollsView:
    """Mixed into a screen that shows one long view (``SCROLLED``, a selector): the keys of
    ``bindings.scroll_bindings`` scroll it, whatever has the focus (the PIR preview's Markdown
    takes none, so nothing moved it: redteam39 F15)."""

    SCROLLED: ClassVar[str] = ""

    def action_scroll_view(self, how: str) -> None:
        view = self.query_one(self.SCROLLED)          # type: ignore[attr-defined]
        move = {"down": view.scroll_down, "up": view.scroll_up, "page_down": view.scroll_page_down,
                "page_up": view.scroll_page_up, "home": view.scroll_home, "end": view.scroll_end}.get(how)
        if move is not None:
            move(animate=False)


class Dialog(PausesDashboard, ModalScreen[T]):
    BINDINGS: ClassVar[list[Binding]] = MODAL_BINDINGS

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        """Override: validate and ``dismiss(answer)``."""
        self.dismiss(None)
