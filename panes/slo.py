"""SLO panes: a full box per SLO on roomy terminals, one line per SLO in the compact strip.

Each pane is split into one-line ``Static`` children that are only updated when their text
changes, so a refresh that only moves the sparkline repaints one line, and the age ticking
over repaints another: over SSH only the changed regions are sent.
"""

from __future__ import annotations

import math
import textwrap

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from panes.fmt import format_age
from warroom import scenario_time as stime
from warroom.units import format_reading, format_threshold
from panes.sparkline import on_time_grid, render_sparkline
from warroom.config import SloConfig
from warroom.sources.model import STATE_WORDS, SloReading

STATE_ICONS = {"ok": "✔", "warn": "▲", "crit": "✖", "nodata": "∅", "stale": "⌛", "error": "!"}
STATE_STYLES = {
    "ok": "bold green", "warn": "bold yellow", "crit": "bold red",
    "nodata": "dim", "stale": "bold dim", "error": "bold magenta",
}
SPARK_STYLES = {"ok": "green", "warn": "yellow", "crit": "red"}
ALL_STATE_CLASSES = tuple(f"state-{s}" for s in STATE_ICONS)


def set_text(widget: Static, text: Text | str, *, layout: bool = False) -> None:
    """Update a Static only when what it shows changes (no repaint, no bytes otherwise). Every update
    of ``widget`` must come through here (the text last shown is remembered on it).

    ``layout``: whether a change may change the widget's size. The dashboard's lines are one row of
    fixed height (see dashboard.tcss), so their size never changes: skipping the layout pass
    Static.update would run by default cuts steady-state CPU by ~40% and bytes written by ~80%
    (measured with `python -m bench`). A dialog's text that grows and shrinks passes True."""
    key = text.markup if isinstance(text, Text) else text
    if getattr(widget, "_warroom_last", None) == key:
        return
    widget._warroom_last = key  # type: ignore[attr-defined]
    widget.update(text, layout=layout)


def set_state_class(widget: Widget, state: str) -> None:
    """Swap the ``state-*`` class with one restyle of the widget's subtree, not two (removing
    and adding each restyle it when done separately)."""
    if not widget.has_class(f"state-{state}"):
        widget.remove_class(*ALL_STATE_CLASSES, update=False)
        widget.add_class(f"state-{state}")


#: An ERROR pane says how its source failed: each needs a different fix.
KIND_LABELS = {"unauthorized": "⊘ UNAUTHORIZED", "slow": "◔ SLOW", "refused": "✖ REFUSED",
               "down": "✖ DOWN"}


def state_label(state: str, kind: str | None = None, *, short: bool = False) -> Text:
    if state == "error" and kind in KIND_LABELS:
        label = KIND_LABELS[kind]
        if short and kind == "unauthorized":
            label = "⊘ UNAUTH"       # the compact strip's state column is 10 cells
        return Text(label, style=STATE_STYLES["error"])
    return Text(f"{STATE_ICONS.get(state, '?')} {STATE_WORDS.get(state, state.upper())}",
                style=STATE_STYLES.get(state, ""))


def limits_text(slo: SloConfig) -> str:
    parts = []
    if slo.crit is not None:
        parts.append(f"crit{format_threshold(slo.crit, slo.unit, slo.direction)}")
    if slo.warn is not None:
        parts.append(f"warn{format_threshold(slo.warn, slo.unit, slo.direction)}")
    return " ".join(parts) or "no threshold"


class ReadingMixin:
    """Holds the latest reading and when it was taken, so the age keeps counting between polls."""

    slo: SloConfig
    reading: SloReading | None = None
    reading_at: float | None = None
    undrawn: bool = False
    meta_at: float | None = None     # the moment the age / runbook line was last written for
    last_data: float | None = None   # the newest moment a reading's series had a value, kept past its window
    time_scale: float = 1.0          # world seconds per wall second (a drill's speed): a NO DATA age is the world's

    def show(self, reading: SloReading, now: float) -> None:
        """Keep the reading; draw it only while this widget's set (boxes or strip) is displayed.

        The dashboard holds both the boxes and the compact strip and hides one of them by
        terminal size. Drawing the hidden set too cost a third of the dashboard's steady-state CPU
        (``python -m bench``): sizing a hidden widget makes Textual arrange the whole screen again.
        The hidden set draws its last reading when a resize shows it (``on_show``).
        """
        self.reading = reading
        self.reading_at = now
        if not self.in_displayed_set():
            self.undrawn = True
            return
        self.undrawn = False
        self.draw(now)

    def draw(self, now: float) -> None:
        raise NotImplementedError

    def part(self, selector: str) -> Static:
        """A child line by class selector, looked up once: a CSS query on every update was a
        sixth of the dashboard's steady-state CPU."""
        cache: dict[str, Static] = self.__dict__.setdefault("_parts", {})
        widget = cache.get(selector)
        if widget is None:
            widget = cache[selector] = self.query_one(selector, Static)  # type: ignore[attr-defined]
        return widget

    def in_displayed_set(self) -> bool:
        parent = getattr(self, "parent", None)
        return parent is None or bool(parent.display)

    def on_show(self) -> None:
        if self.undrawn and self.reading is not None:
            self.undrawn = False
            self.draw(self.reading_at or 0.0)

    def current_age(self, now: float) -> float | None:
        if self.reading is None or self.reading.age is None:
            return None
        drift = (now - self.reading_at) if self.reading_at is not None else 0.0
        return max(0.0, self.reading.age + drift)

    def age_words(self, now: float) -> str:
        """The data's age; for NO DATA, the age of the last value the pane had ("last data 20s
        ago"): "never" there read as "this pane never had data" while its sparkline showed
        values seconds old (redteam38 F14). The last value is kept once it leaves the sparkline's
        window (it said "never" again half an hour of drill time after a halt, redteam41 X10); with
        none seen, "no data in the last 30m" (the window), and "never" only for a series of one moment."""
        r = self.reading
        if r is None or r.value is not None or r.state != "nodata":
            return format_age(self.current_age(now))
        seen = max((t for t, v in r.series if v is not None and math.isfinite(v)), default=None)
        last = max((t for t in (seen, self.last_data) if t is not None), default=None)
        self.last_data = last
        if last is None:
            span = stime.drill_seconds(r.series[-1][0] - r.series[0][0], self.time_scale) if r.series else 0.0
            return f"no data in the last {format_age(span).removesuffix(' ago')}" if span >= 2 else format_age(None)
        of = r.sample_time if r.sample_time is not None else (self.reading_at or now)
        drift = (now - self.reading_at) if self.reading_at is not None else 0.0
        # in the world's time: at x60, 59 wall seconds without a value is 59 drill minutes, not a blip (attack41 A13)
        age = stime.drill_seconds(max(0.0, of - last) + drift, self.time_scale)
        return "last data just now" if age < 2 else f"last data {format_age(age)}"

    def meta_width(self) -> int:
        """The columns the age / runbook line has on screen; 0 before the layout gave any."""
        raise NotImplementedError

    def meta_text(self, now: float) -> Text:
        """The data's age, and on a breach the runbook and severity to declare with.

        Where the line is too narrow for both, the age gives way: "RB-LAUNCH-005 P1" is what a
        commander acts on (and what `d` pre-fills), while a stale reading says so in its state
        word. At 120 columns the full "now → RB-LAUNCH-005 P1" (22) was cut to "RB-LAUNCH-005…"
        in a 20-column box, the severity gone behind the ellipsis (fix37a)."""
        r = self.reading
        self.meta_at = now
        text = Text(no_wrap=True, overflow="ellipsis")
        if r is None:
            text.append("waiting for data", "dim")
            return text
        text.append(self.age_words(now), "dim")
        if r.breached and r.slo.runbook:
            advice = Text("→ ")
            advice.append(r.slo.runbook, "bold reverse")
            if r.slo.severity:
                advice.append(f" {r.slo.severity}", "bold")
            width = self.meta_width()
            if 0 < width < text.cell_len + 1 + advice.cell_len:
                return Text.assemble(advice, no_wrap=True, overflow="ellipsis")
            text.append(" ")
            text.append_text(advice)
        return text


class SloPane(ReadingMixin, Widget):
    """One SLO as a bordered box of four lines: value and state, thresholds, sparkline, age /
    runbook.

    One widget that draws its own four lines (``render_line``), not four ``Static`` children:
    twenty fewer widgets to style and lay out before the first frame, and to walk on every frame
    the panes change. A line is rendered again, and only its row marked for repaint, when its
    text changes (``set_line``): a poll that moves a value sends that one row to the terminal.
    """

    LINES = (".slo-value", ".slo-limits", ".slo-spark", ".slo-meta")

    def __init__(self, slo: SloConfig, *, ascii_only: bool = False) -> None:
        super().__init__(id=f"slo-{slo.id}", classes="slo-pane state-nodata")
        self.slo = slo
        self.ascii_only = ascii_only
        self.border_title = Text(slo.title)  # a configured title may hold [brackets]
        self._lines: list[Text] = [Text("—", style="dim"), Text(limits_text(slo)), Text(""),
                                   Text("waiting for data", style="dim")]
        self._keys: list[str] = [t.markup for t in self._lines]
        self._strips: list[tuple[int, Strip] | None] = [None] * len(self.LINES)

    def line(self, selector: str) -> Text:
        """The text one line shows (``.slo-value``, ``.slo-limits``, ``.slo-spark``, ``.slo-meta``)."""
        return self._lines[self.LINES.index(selector)]

    def set_line(self, selector: str, text: Text | str) -> None:
        """Show ``text`` on one line; nothing is redrawn when it shows what it showed."""
        i = self.LINES.index(selector)
        if not isinstance(text, Text):
            text = Text(text)
        key = text.markup
        if self._keys[i] == key:
            return
        self._keys[i], self._lines[i], self._strips[i] = key, text, None
        if self.is_mounted:
            self.refresh(Region(0, i, max(1, self.content_size.width), 1))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if not 0 <= y < len(self.LINES) or width <= 0:
            return Strip.blank(max(0, width), self.rich_style)
        cached = self._strips[y]
        if cached is not None and cached[0] == width:
            return cached[1]
        console = self.app.console
        text = self._lines[y]
        # As a one-row Static shows it: wrapped (or cut, as the text says) to the width, first row.
        rows = text.wrap(console, width, overflow=text.overflow, no_wrap=text.no_wrap)
        first = rows[0] if rows else Text()
        first.truncate(width, overflow=text.overflow or "fold", pad=True)
        segments = first.render(console)
        if text.style:   # the text's own base style, under its spans (``render`` leaves it out)
            segments = Segment.apply_style(segments, console.get_style(text.style))
        strip = Strip(segments, width).apply_style(self.rich_style)
        self._strips[y] = (width, strip)
        return strip

    def on_resize(self) -> None:
        self._strips = [None] * len(self.LINES)
        r = self.reading
        if r is None:
            return
        if r.error:
            self.call_after_refresh(self.draw_error, r.error)
        else:
            self.call_after_refresh(self.draw_spark)
        if self.meta_at is not None:      # the age gives way to the advice by the width: written again at the new one
            self.call_after_refresh(self.tick, self.meta_at)

    def draw(self, now: float) -> None:
        """Draw the reading. Each line is rebuilt only when what it shows changed: a poll that
        moves nothing but the value (a drill's sparkline is reused for a step) builds one line."""
        reading = self.reading
        assert reading is not None
        state = reading.state
        drawn: dict[str, object] = self.__dict__.setdefault("_drawn", {})
        set_state_class(self, state)
        value_key = (reading.value, state, reading.error_kind)
        if drawn.get("value") != value_key:
            value = Text(no_wrap=True, overflow="ellipsis")
            value.append(format_reading(reading.value, self.slo), "bold")
            value.append("  ")
            value.append_text(state_label(state, reading.error_kind))
            self.set_line(".slo-value", value)
            drawn["value"] = value_key
        if reading.error:
            # The failure in place of the (old) sparkline: both rows for the whole sentence, so
            # a hint at its end ("check bearer_token_env PROM_TOKEN") is not cut off.
            drawn.pop("limits", None)
            self.draw_error(reading.error)
        else:
            if drawn.get("limits", ...) != reading.note:
                if reading.note:
                    self.set_line(".slo-limits", Text(reading.note, style="dim", no_wrap=True, overflow="ellipsis"))
                else:
                    self.set_line(".slo-limits", limits_text(self.slo))
                drawn["limits"] = reading.note
            self.draw_spark()
        self.set_line(".slo-meta", self.meta_text(now))

    def meta_width(self) -> int:
        return self.content_size.width

    def tick(self, now: float) -> None:
        if self.reading is not None and not self.undrawn:
            self.set_line(".slo-meta", self.meta_text(now))

    def draw_spark(self) -> None:
        width = max(1, self.content_size.width)
        series = self.reading.series if self.reading else ()
        until = _blank_until(self.reading)
        drawn: dict[str, object] = self.__dict__.setdefault("_drawn", {})
        last = drawn.get("spark")
        if isinstance(last, tuple) and last[0] == width and (last[1] is series or last[1] == series) \
                and last[2] == until:
            return  # the same points at the same width: the same line
        drawn["spark"] = (width, series, until)
        self.set_line(".slo-spark", render_sparkline(
            on_time_grid(series, until), width, warn=self.slo.warn, crit=self.slo.crit,
            direction=self.slo.direction, styles=SPARK_STYLES, ascii_only=self.ascii_only,
            from_zero=self.slo.spark_from_zero, newest=_newest(self.reading),
        ))

    def draw_error(self, error: str) -> None:
        self.__dict__.setdefault("_drawn", {}).pop("spark", None)   # the error takes the spark row
        width = max(8, self.content_size.width)
        lines = textwrap.wrap(error, width) or [error]
        second = " ".join(lines[1:])
        self.set_line(".slo-limits", Text(lines[0], style="magenta", no_wrap=True))
        self.set_line(".slo-spark", Text(second, style="magenta", no_wrap=True, overflow="ellipsis"))


def _newest(reading: SloReading | None) -> float | None:
    """The value the pane shows beside its sparkline, its last column's (None: no value to draw there)."""
    return reading.value if reading is not None and reading.state not in ("nodata", "error") else None


def _blank_until(reading: SloReading | None) -> float | None:
    """Where a NO DATA pane's sparkline runs blank to (the reading's instant); None otherwise."""
    return reading.sample_time if reading is not None and reading.state == "nodata" else None


class SloLine(ReadingMixin, Horizontal):
    """One SLO in the compact strip: title, value, state word, short sparkline, age or runbook."""


    def __init__(self, slo: SloConfig, *, ascii_only: bool = False) -> None:
        super().__init__(id=f"slo-line-{slo.id}", classes="slo-line state-nodata")
        self.slo = slo
        self.ascii_only = ascii_only

    def compose(self) -> ComposeResult:
        yield Static(Text(self.slo.title), classes="sl-title")
        yield Static(Text("—", style="dim"), classes="sl-value")
        yield Static(Text("waiting", style="dim"), classes="sl-state")
        yield Static("", classes="sl-spark")
        yield Static("", classes="sl-meta")

    def draw(self, now: float) -> None:
        reading = self.reading
        assert reading is not None
        set_state_class(self, reading.state)
        set_text(self.part(".sl-value"),
                 Text(format_reading(reading.value, self.slo), style="bold"))
        set_text(self.part(".sl-state"), state_label(reading.state, reading.error_kind, short=True))
        self.draw_spark()
        self.tick(now)

    def draw_spark(self) -> None:
        reading = self.reading
        if reading is None:
            return
        spark = self.part(".sl-spark")
        set_text(spark, render_sparkline(
            on_time_grid(reading.series, _blank_until(reading)), spark.content_size.width or 12,
            warn=self.slo.warn, crit=self.slo.crit, direction=self.slo.direction,
            styles=SPARK_STYLES, ascii_only=self.ascii_only, from_zero=self.slo.spark_from_zero,
            newest=_newest(reading),
        ))

    def on_resize(self) -> None:
        """The sparkline is drawn to its cell's width: one drawn before the layout gave the cell its
        width (12 points) or before a layout change is drawn again at the new width, not left short
        until the next poll (a stale source sends none; seen in a snapshot on a loaded box)."""
        if self.reading is not None:
            self.call_after_refresh(self.draw_spark)
        if self.meta_at is not None:      # the age gives way to the advice by the width: written again at the new one
            self.call_after_refresh(self.tick, self.meta_at)

    def meta_width(self) -> int:
        return self.part(".sl-meta").content_size.width

    def tick(self, now: float) -> None:
        if self.reading is None or self.undrawn:
            return
        r = self.reading
        if r.error:
            meta = Text(r.error, style="magenta", no_wrap=True, overflow="ellipsis")
        else:
            meta = self.meta_text(now)
        set_text(self.part(".sl-meta"), meta)
