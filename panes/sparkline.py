"""A sparkline drawn as a handful of styled runs, not one styled segment per cell.

Textual's stock ``Sparkline`` gives every cell its own colour, which costs about 62 KB per
update over SSH at 256 colours. Here each cell only picks a *band* (ok / warn / crit relative to
the pane's thresholds); consecutive cells in the same band share one style, so a typical line
is one to three escape sequences plus the block characters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from panes.safe import SafeText as Text

BLOCKS = "▁▂▃▄▅▆▇█"
ASCII_BLOCKS = "_.-=+*#@"


def resample(values: Sequence[float | None], width: int) -> list[float | None]:
    """Fit ``values`` into ``width`` cells: the newest alone in the last cell, the older ones as bucket
    maxima when squeezed.

    Maxima (not means) so a short spike stays visible on a narrow pane. ``None`` is a time with no
    data (``on_time_grid``); a bucket of nothing else stays a gap. The newest is never a bucket's max:
    drawn beside the pane's value, a last column holding a breach of two drill minutes ago stayed crit-tall
    next to an OK value (redteam41 X7).
    """
    if width <= 0 or not values:
        return []
    n = len(values)
    if n <= width:
        return list(values)
    older, cells = values[:-1], width - 1
    out: list[float | None] = []
    for i in range(cells):
        lo = i * (n - 1) // cells
        hi = max(lo + 1, (i + 1) * (n - 1) // cells)
        held = [v for v in older[lo:hi] if v is not None]
        out.append(max(held) if held else None)
    return [*out, values[-1]]


def on_time_grid(series: Sequence[tuple[float, float]], until: float | None = None) -> list[float | None]:
    """A pane's ``(time, value)`` points as cells on their own time grid: ``None`` for each grid
    time between two points that has no point (the source answered nothing then: down, not
    scraped, not recorded), and, given ``until`` (the instant a NO DATA reading is of), for each
    grid time after the last point up to it. Drawing only the values closed every gap, so ten
    minutes with the source down vanished from the curve and what came after seemed to follow
    without a break; a pane inside an outage ended its curve at the right edge, as if current.

    The grid is the smallest spacing between points (every source answers a range query on one
    step); a series too irregular for one (more than 8 cells per point) is drawn as its values."""
    values = [v for _, v in series]
    times = [t for t, _ in series]
    if len(times) < 3:
        return list(values)
    span = times[-1] - times[0]
    steps = [b - a for a, b in zip(times, times[1:]) if b - a > 1e-9 * max(1.0, abs(span))]
    if not steps or span <= 0:
        return list(values)
    step = min(steps)
    cells = int(round(span / step)) + 1
    after = int(round((until - times[-1]) / step)) if until is not None and until - times[-1] > 1.5 * step else 0
    if cells + after > 8 * len(times) or (cells <= len(times) and not after):
        return list(values)          # no grid to speak of, or no time without a point
    out: list[float | None] = [None] * (cells + after)
    for t, v in series:
        out[min(cells - 1, max(0, int(round((t - times[0]) / step))))] = v
    return out


def _drawable(value: float | None) -> float | None:
    """A value as a cell: None (a time with no data, NaN included: a blank cell in its place, never
    a level, and never dropped, which would pull older cells one step towards now), ±Inf kept (a
    reading past every line: the pane says CRIT +Inf, so the cell is drawn at the edge), a finite
    value within ±1e300 so a span between two of them is finite too (-1e308..1e308 overflowed)."""
    if value is None or math.isnan(value):
        return None
    return value if math.isinf(value) else max(-1e300, min(1e300, value))


def band(value: float, warn: float | None, crit: float | None, direction: str) -> str:
    """Which side of the thresholds a value is on: "ok", "warn" or "crit"."""
    def bad(limit: float | None) -> bool:
        if limit is None:
            return False
        return value > limit if direction == "above" else value < limit

    if bad(crit):
        return "crit"
    if bad(warn):
        return "warn"
    return "ok"


def _segments(lo: float, hi: float, warn: float | None, crit: float | None,
              direction: str, top: int) -> list[tuple[float, float, float, float]]:
    """Piecewise-linear value → level map as (v0, v1, level0, level1) pieces.

    Each band owns fixed glyph heights, so the height alone says the band (NO_COLOR, a
    monochrome terminal, a screenshot): above: ok ▁▂▃▄, warn ▅▆, crit ▇█; below: mirrored, crit
    ▁▂, warn ▃▄, ok ▅▆▇█. With one threshold, the band past it owns the top (bottom) two.
    """
    ts = sorted(t for t in (warn, crit) if t is not None)
    if not ts:
        return [(lo, hi, 0.0, float(top))]
    if direction == "above":
        if warn is not None and crit is not None and warn < crit:
            return [(lo, warn, 0.0, 3.999), (warn, crit, 4.0, 5.999), (crit, hi, 6.0, float(top))]
        t = ts[0] if crit is None else crit
        return [(lo, t, 0.0, 5.999), (t, hi, 6.0, float(top))]
    if warn is not None and crit is not None and crit < warn:
        return [(lo, crit, 0.0, 1.999), (crit, warn, 2.0, 3.999), (warn, hi, 4.0, float(top))]
    t = ts[-1] if crit is None else crit
    return [(lo, t, 0.0, 1.999), (t, hi, 2.0, float(top))]


def scale(points: Sequence[float], warn: float | None, crit: float | None, direction: str,
          from_zero: bool = True) -> tuple[float, float]:
    """The pane's vertical range: always the thresholds (with room past the worse one), the data
    only where it goes beyond them, and zero when ``from_zero`` and nothing is negative. Never
    the data's own min..max: a flat line with 1% noise must stay flat, not fill the height."""
    ts = [t for t in (warn, crit) if t is not None]
    dmin, dmax = min(points), max(points)
    if not ts:
        lo = min(0.0, dmin) if from_zero else dmin
        hi = dmax
        floor_span = max(abs(dmax), abs(dmin)) * 0.1 or 1.0
        if hi - lo < floor_span:
            hi = lo + floor_span
        return lo, hi
    tmin, tmax = min(ts), max(ts)
    gap = (tmax - tmin) or abs(tmax) * 0.5 or 1.0
    if direction == "above":
        lo = min(0.0, dmin) if from_zero and tmin >= 0 else min(dmin, tmin - gap)
        hi = max(dmax, tmax + gap)
    else:
        lo = min(0.0, dmin) if from_zero and tmin >= 0 else min(dmin, tmin - gap)
        hi = max(dmax, tmax + gap)
    return lo, hi


def render_sparkline(
    values: Sequence[float | None],
    width: int,
    *,
    warn: float | None = None,
    crit: float | None = None,
    direction: str = "above",
    styles: dict[str, str] | None = None,
    ascii_only: bool = False,
    from_zero: bool = True,
    newest: float | None = None,
) -> Text:
    """Return ``width`` cells (or fewer when there is less data) as styled runs.

    The vertical scale is the pane's own (``scale``): fixed by its thresholds, so a breach sits
    visibly high (low, for ``direction = "below"``) and a flat line stays flat; each band has its
    own glyph heights (``_segments``), so the level reads without colour. ``newest``: the pane's value
    now, drawn as the last cell in place of the last point (which trails it by up to one step of the
    sparkline), so the last column and the value beside it tell one band.
    """
    styles = styles or {"ok": "green", "warn": "yellow", "crit": "bold red"}
    blocks = ASCII_BLOCKS if ascii_only else BLOCKS
    if newest is not None and values:
        values = [*values[:-1], newest]
    cells = [_drawable(v) for v in resample([_drawable(v) for v in values], width)]
    if all(v is None for v in cells):
        return Text(no_wrap=True, overflow="crop")
    # The scale is the finite points' (±Inf has no place on one); ±Inf then maps to the top (bottom)
    # level through the last (first) piece, and its band is the one its value says (+Inf past an
    # "above" crit: crit), so the line agrees with the pane's CRIT +Inf.
    finite = [v for v in cells if v is not None and math.isfinite(v)]
    lo, hi = scale(finite or [t for t in (warn, crit) if t is not None] or [0.0], warn, crit, direction, from_zero)
    text = Text(no_wrap=True, overflow="crop")
    top = len(blocks) - 1
    pieces = _segments(lo, hi, warn, crit, direction, top)
    run_band: str | None = None
    run_chars: list[str] = []
    for v in cells:
        if v is None:
            if run_band != "gap" and run_chars:
                text.append("".join(run_chars), styles.get(run_band or "ok", ""))
                run_chars = []
            run_band = "gap"
            run_chars.append(" ")
            continue
        level = 0
        for v0, v1, l0, l1 in pieces:
            if v <= v1 or (v0, v1, l0, l1) == pieces[-1]:
                frac = 0.0 if v1 <= v0 else (min(max(v, v0), v1) - v0) / (v1 - v0)
                level = int(l0 + frac * (l1 - l0) + (0.5 if len(pieces) == 1 else 0.0))
                break
        level = min(max(level, 0), top)
        b = band(v, warn, crit, direction)
        if b != run_band and run_chars:
            text.append("".join(run_chars), styles.get(run_band or "ok", ""))
            run_chars = []
        run_band = b
        run_chars.append(blocks[level])
    if run_chars:
        text.append("".join(run_chars), styles.get(run_band or "ok", ""))
    return text
