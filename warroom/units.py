"""SLO values written the way people read them, everywhere outside the live panes.

One formatter for ``warroom status``, metric evidence on the timeline, the PIR and promql step
output, so a value reads the same wherever it is recorded. (The panes have their own
fixed-width variant, ``panes.fmt``, because a pane has a dozen cells to spend.)
"""

from __future__ import annotations

import math

from warroom.durations import format_duration


def format_value(value: float | None, unit: str) -> str:
    """A value as a pane shows it: ``4.1%``, ``95.2s``, ``0.032``, ``1.2 MB``, ``—``."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if unit == "percent":
        return f"{_num(value)}%"
    if unit == "seconds":
        if abs(value) >= 600:
            return format_duration(value)
        return f"{_num(value)}s"
    if unit == "bytes":
        size = abs(value)
        for suffix in ("B", "kB", "MB", "GB", "TB"):
            if size < 1000 or suffix == "TB":
                sign = "-" if value < 0 else ""
                return f"{sign}{size:.{0 if suffix == 'B' else 1}f} {suffix}"
            size /= 1000
    if unit == "ratio":
        return f"{value:.3f}"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value)}"
    return _num(value)


def _num(value: float) -> str:
    """Three significant digits, never scientific notation on screen."""
    if abs(value) >= 1000:
        return f"{value:.0f}"
    if value != 0 and abs(value) < 0.001:
        return f"{value:.2e}"
    return f"{value:.3g}"
