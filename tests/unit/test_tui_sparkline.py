"""The cheap sparkline: right cells, right bands, and one style per run (the SSH budget)."""

from __future__ import annotations

import io

from rich.console import Console

from panes.fmt import escalation_tier, format_age, format_clock
from panes.sparkline import BLOCKS, band, render_sparkline, resample


def test_resample_keeps_newest_and_spikes() -> None:
    assert resample([1, 2, 3], 5) == [1, 2, 3]
    squeezed = resample([0, 0, 9, 0, 0, 0, 0, 0], 4)
    assert squeezed == [0, 9, 0, 0]
    assert resample([], 4) == []


def test_band_respects_direction() -> None:
    assert band(5, 2, 4, "above") == "crit"
    assert band(3, 2, 4, "above") == "warn"
    assert band(1, 2, 4, "above") == "ok"
    assert band(1, 4, 2, "below") == "crit"
    assert band(3, 4, 2, "below") == "warn"


def test_one_span_per_run_of_equal_band() -> None:
    values = [1, 1, 1, 6, 6, 9, 9, 9, 1]
    text = render_sparkline(values, 20, warn=5, crit=8)
    assert text.plain == "".join(text.plain)  # plain block characters only
    assert len(text.plain) == len(values)
    assert [s.style for s in text.spans] == ["green", "yellow", "bold red", "green"]
    assert set(text.plain) <= set(BLOCKS)


def test_flat_line_and_nan_do_not_crash() -> None:
    assert render_sparkline([3.0] * 10, 10).plain == BLOCKS[0] * 10
    assert render_sparkline([float("nan"), 1.0], 4).plain
    assert render_sparkline([], 10).plain == ""


def test_bytes_written_stay_small() -> None:
    """A 30-cell line with one band costs one colour code, not thirty."""
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="256", width=80)
    console.print(render_sparkline([float(i % 7) for i in range(30)], 30, warn=100, crit=200), end="")
    out = buf.getvalue()
    assert out.count("\x1b[") <= 2, out
    assert len(out.encode()) < 130


def test_formats() -> None:
    assert format_age(None) == "never"
    assert format_age(0.5) == "now"
    assert format_age(75) == "1m ago"
    assert format_clock(3725) == "1:02:05"
    assert format_clock(65) == "01:05"
    assert escalation_tier(0) == "T0 on-call"
    assert escalation_tier(16 * 60) == "T1 page TL"
    assert escalation_tier(61 * 60) == "T3 stakeholders"
