"""A sparkline drawn as a handful of styled runs, not one styled segment per cell.

Textual's stock ``Sparkline`` gives every cell its own colour, which costs about 62 KB per
update over SSH at 256 colours. Here each cell only picks a *band* (ok / warn / crit relative to
the pane's thresholds); consecutive cells in the same band share one style, so a typical line
is one to three escape sequences plus the block characters.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BLOCKS = "▁▂▃▄▅▆▇█"
ASCII_BLOCKS = "_.-=+*#@"


def resample(values: Sequence[float], width: int) -> list[float]:
    """Fit ``values`` into ``width`` cells: the newest on the right, bucket maxima when squeezed.

    Maxima (not means) so a short spike stays visible on a narrow pane.
    """
    if width <= 0 or not values:
        return []
    n = len(values)
    if n <= width:
        return list(values)
    out: list[float] = []
    for i in range(width):
        lo = i * n // width
        hi = max(lo + 1, (i + 1) * n // width)
        out.append(max(values[lo:hi]))
    return out


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


def render_sparkline(
    values: Sequence[float],
    width: int,
    *,
    warn: float | None = None,
    crit: float | None = None,
    direction: str = "above",
    styles: dict[str, str] | None = None,
    ascii_only: bool = False,
) -> Text:
    """Return ``width`` cells (or fewer when there is less data) as styled runs.

    The vertical scale includes the thresholds that are in view, so a flat line well under its
    threshold stays low instead of being stretched to fill the height.
    """
    styles = styles or {"ok": "green", "warn": "yellow", "crit": "bold red"}
    blocks = ASCII_BLOCKS if ascii_only else BLOCKS
    points = [v for v in resample([v for v in values if v == v], width)]  # drop NaN
    text = Text(no_wrap=True, overflow="crop")
    if not points:
        return text
    lo = min(points)
    hi = max(points)
    # Keep the nearest threshold in range so a quiet line sits low (above) or high (below).
    ref = [t for t in (warn, crit) if t is not None]
    if ref and direction == "above":
        hi = max(hi, min(ref))
    elif ref:
        lo = min(lo, max(ref))
    span = hi - lo
    run_band: str | None = None
    run_chars: list[str] = []
    for v in points:
        level = 0 if span <= 0 else int((v - lo) / span * (len(blocks) - 1) + 0.5)
        level = min(max(level, 0), len(blocks) - 1)
        b = band(v, warn, crit, direction)
        if b != run_band and run_chars:
            text.append("".join(run_chars), styles.get(run_band or "ok", ""))
            run_chars = []
        run_band = b
        run_chars.append(blocks[level])
    if run_chars:
        text.append("".join(run_chars), styles.get(run_band or "ok", ""))
    return text
