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
    assert len(set(render_sparkline([3.0] * 10, 10).plain)) == 1   # flat stays flat
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


def test_scale_is_the_panes_own_so_a_breach_sits_high_and_noise_stays_flat() -> None:
    # A sustained breach is drawn at the top, a healthy flat line low: never the same picture.
    breach = render_sparkline([150.0] * 10, 10, warn=90, crit=120).plain
    healthy = render_sparkline([40.0] * 10, 10, warn=90, crit=120).plain
    assert set(breach) <= set(BLOCKS[6:]) and set(healthy) <= set(BLOCKS[:4])
    # 108-109 s with under 1% noise is not stretched to full height.
    noisy = render_sparkline([108.0, 109.0, 108.4, 108.9, 108.1] * 4, 20, warn=90, crit=120).plain
    assert len(set(noisy)) == 1
    assert len(set(render_sparkline([100.0, 100.5, 99.7, 100.2], 4).plain)) == 1


def test_band_reads_from_the_glyph_height_without_colour() -> None:
    """ok ▁..▄, warn ▅▆, crit ▇█ (above); mirrored for below: the height alone says the band."""
    values = [0.0, 0.3, 0.49, 0.51, 0.7, 0.99, 1.01, 5.0, 50.0]
    text = render_sparkline(values, 20, warn=0.5, crit=1.0).plain
    for v, ch in zip(values, text, strict=True):
        level = BLOCKS.index(ch)
        want = band(v, 0.5, 1.0, "above")
        assert (want == "ok" and level <= 3) or (want == "warn" and level in (4, 5)) \
            or (want == "crit" and level >= 6), (v, ch)
    below = [99.99, 99.6, 99.4, 99.1, 98.0, 10.0]
    text = render_sparkline(below, 10, warn=99.5, crit=99.0, direction="below").plain
    for v, ch in zip(below, text, strict=True):
        level = BLOCKS.index(ch)
        want = band(v, 99.5, 99.0, "below")
        assert (want == "ok" and level >= 4) or (want == "warn" and level in (2, 3)) \
            or (want == "crit" and level <= 1), (v, ch)


def test_values_at_the_ends_of_the_float_range_draw_not_crash() -> None:
    """A pane whose source answered -1.7e308 then 1.7e308 (a broken exporter, a tampered recording):
    the span between them overflowed to inf and the level to NaN (ValueError: the dashboard died)."""
    for warn, crit in ((70.0, 80.0), (None, None)):
        text = render_sparkline([-1.7e308, 1.0, 1.7e308], 20, warn=warn, crit=crit).plain
        assert len(text) == 3 and text[0] == "▁" and text[-1] == "█"


def test_a_time_without_a_point_is_a_blank_cell_however_the_line_is_squeezed() -> None:
    """The cells are laid on the points' own time grid: each missing grid time between two points
    is a blank cell, at its place, also when the line is squeezed into fewer cells (a bucket of
    nothing but missing times stays blank); a series with no missing time draws as its values."""
    from panes.sparkline import on_time_grid

    series = [(100.0 + 15 * i, 5.0) for i in range(40) if not 10 <= i < 20]        # 10 grid times missing
    cells = on_time_grid(series)
    assert len(cells) == 40 and cells[10:20] == [None] * 10 and None not in cells[:10] + cells[20:]
    drawn = render_sparkline(cells, 40).plain
    assert [c == " " for c in drawn] == [False] * 10 + [True] * 10 + [False] * 20
    squeezed = render_sparkline(cells, 20).plain
    assert [c == " " for c in squeezed] == [False] * 5 + [True] * 5 + [False] * 10
    whole = [(100.0 + 15 * i + 1e-7 * (i % 3), float(i)) for i in range(40)]               # float dust
    assert on_time_grid(whole) == [float(i) for i in range(40)]
    odd = [(0.0, 1.0), (1e-3, 2.0), (900.0, 3.0)]            # no grid: its values, not 900,000 cells
    assert on_time_grid(odd) == [1.0, 2.0, 3.0]


def test_a_no_data_pane_runs_blank_from_its_last_point_to_its_instant() -> None:
    """``until`` (the instant a NO DATA reading is of) adds a blank cell for each grid time after the
    last point; none when the last point is that instant's, and never without bound."""
    from panes.sparkline import on_time_grid

    series = [(100.0 + 15 * i, 5.0) for i in range(30)]
    assert on_time_grid(series, until=100.0 + 15 * 39) == [5.0] * 30 + [None] * 10
    assert on_time_grid(series, until=100.0 + 15 * 29 + 7) == [5.0] * 30            # within a step: no gap
    assert on_time_grid(series, until=1e12) == [5.0] * 30                             # far past: its values


def test_an_infinite_reading_is_drawn_at_the_edge_in_its_place_and_nan_is_a_blank() -> None:
    """inf-3: a pane reading +Inf (x/0 in Prometheus) says CRIT +Inf, so its cells are drawn at the top
    in the crit band; -Inf at the bottom; each in its own place in time. NaN (no reading) is a blank
    cell where it was, not dropped (which pulled the older cells one step towards now)."""
    inf, nan = float("inf"), float("nan")
    values = [1.0, 1.0, inf, inf, inf, 1.0, 1.0, 1.0]
    text = render_sparkline(values, 20, warn=5.0, crit=10.0)
    assert len(text.plain) == len(values)
    assert text.plain[2:5] == BLOCKS[-1] * 3 and set(text.plain[:2] + text.plain[5:]) <= set(BLOCKS[:4])
    assert [s.style for s in text.spans] == ["green", "bold red", "green"]
    # the finite cells keep the scale they had without the +Inf stretch (the pane's own scale)
    calm = render_sparkline([1.0] * 8, 20, warn=5.0, crit=10.0).plain
    assert text.plain[:2] + text.plain[5:] == calm[:5]
    # squeezed: a bucket holding +Inf is drawn at the top (maxima)
    assert BLOCKS[-1] in render_sparkline(values * 4, 10, warn=5.0, crit=10.0).plain
    # all +Inf (the replay of a whole incident at x/0): the whole line at the top, not an empty line
    assert render_sparkline([inf] * 6, 6, warn=5.0, crit=10.0).plain == BLOCKS[-1] * 6
    assert render_sparkline([inf] * 6, 6).plain == BLOCKS[-1] * 6
    # bad below: -Inf at the bottom in crit, +Inf at the top in ok
    below = render_sparkline([99.9, -inf, inf], 3, warn=99.5, crit=99.0, direction="below")
    assert below.plain[1] == BLOCKS[0] and below.plain[2] == BLOCKS[-1]
    assert [s.style for s in below.spans] == ["green", "bold red", "green"]
    # NaN keeps its place in time as a blank cell
    assert render_sparkline([1.0, nan, nan, 1.0], 4, warn=5.0, crit=10.0).plain[1:3] == "  "
    assert render_sparkline([nan, nan], 4).plain == ""


def test_the_last_column_is_the_value_beside_it_not_its_bucket_s_max() -> None:
    """redteam41 X7: squeezed into fewer cells, the last column was the max of its bucket, so after
    a recovery it stayed crit-tall (█) beside an OK value for two drill minutes. The newest value has
    the last cell to itself, and the pane's value now (``newest``: the sparkline's points trail it by
    up to one step) is that cell: the glyph height beside the value tells the value's band."""
    assert resample([1, 1, 9, 9, 9, 1], 3) == [1, 9, 1]          # older points still bucket maxima
    crit_then_ok = [1.0] * 6 + [9.0] * 5 + [1.0]
    text = render_sparkline(crit_then_ok, 4, warn=5, crit=8)
    assert text.plain[-1] in BLOCKS[:4] and text.spans[-1].style == "green"
    assert [s.style for s in text.spans] == ["green", "bold red", "green"]      # the breach is still drawn
    # the points end crit (a cached sparkline one step old), the pane's value is back OK
    late = render_sparkline([1.0, 1.0, 9.0, 9.0], 4, warn=5, crit=8, newest=1.0)
    assert late.plain[-1] in BLOCKS[:4] and late.spans[-1].style == "green"
    assert render_sparkline([1.0, 9.0], 4, warn=5, crit=8, newest=None).spans[-1].style == "bold red"
