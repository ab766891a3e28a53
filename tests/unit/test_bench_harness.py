"""The bench harness's own arithmetic and its frame detection, so the table it prints can be trusted."""

from __future__ import annotations

import json
import sys

import pytest

from bench.common import warroom_frame_complete
from bench.figures import Figure, Sample, table
from bench.ptyrun import PtyRun, ScreenFollower


def test_ratio_and_target_direction() -> None:
    lower_is_better = Figure("startup", "ms", 300.0, 250.0, "<= 1.3")
    assert lower_is_better.ratio == pytest.approx(1.2)
    assert lower_is_better.met is True
    assert Figure("bw", "KB/s", 5.0, 7.0, "<= 0.5").met is False
    assert Figure("capture", "MB/s", 20.0, 100.0, ">= 0.25").met is False
    assert Figure("capture", "MB/s", 30.0, 100.0, ">= 0.25").met is True
    assert Figure("missing", "ms", None, 100.0, "<= 1.3").met is None


def test_samples_give_median_and_range_and_summary_shape() -> None:
    fig = Figure.from_samples("cpu", "%", Sample([3.0, 1.0, 2.0]), Sample([1.0, 1.0]), "<= 2.5", baseline_name="btop")
    assert (fig.value, fig.value_range, fig.baseline) == (2.0, (1.0, 3.0), 1.0)
    summary = fig.summary()
    assert {"name", "value", "unit", "baseline", "ratio", "target", "met"} <= summary.keys()
    assert summary["ratio"] == 2.0 and summary["met"] is True
    json.dumps(summary)
    text = table([fig, Figure("x", "ms", None, 5.0, "<= 1", note="not measured")])
    assert "2.00 [1.00–3.00]" in text and "2.00×" in text and "x: not measured" in text


SCREEN = """\
 DRILL  INC-20261122-1  rate limit
 Flow failure rate 0.42%   P95 flow latency 88s   Quota used 91%   5xx rate 1.2%   Audit-log gap 0s
 ╭─ RB-CORE-003 · Rate limit exhaustion ───╮
"""


def test_complete_frame_needs_every_pane_with_a_value_and_the_runbook() -> None:
    assert warroom_frame_complete(SCREEN)
    assert not warroom_frame_complete(SCREEN.replace("─ RB-CORE-003", "  RB-CORE-003"))
    assert warroom_frame_complete(SCREEN.replace("─ RB-CORE-003 · Rate limit exhaustion", "─ Runbook"))
    assert not warroom_frame_complete(SCREEN.replace("5xx rate 1.2%", "errors"))
    assert not warroom_frame_complete(SCREEN + "\n quota: loading")


def test_pty_run_records_bytes_and_screen() -> None:
    code = "import os; print(os.get_terminal_size()); print('done-marker')"
    run = PtyRun([sys.executable, "-c", code], {"PATH": "/usr/bin:/bin", "TERM": "xterm"}, cols=77, rows=11)
    run.start()
    try:
        follower = ScreenFollower(run)
        t = follower.until(lambda s: "done-marker" in s, timeout=30)
    finally:
        run.stop()
    assert t is not None and t >= run.t_spawn
    assert "columns=77, lines=11" in follower.text()
    assert run.total_bytes() > 0


def test_profile_attributes_bytes_to_rows_and_splits_frames() -> None:
    from bench.profile import attribute_rows, split_frames
    from bench.ptyrun import Chunk

    data = b"\x1b[3;1Habc\x1b[1Bde\x1b[10;4fxyz"
    rows = attribute_rows(data)
    assert rows[3] == len(b"\x1b[3;1Habc") and rows[4] == len(b"\x1b[1Bde") and rows[10] == len(b"\x1b[10;4fxyz")
    assert sum(rows.values()) == len(data)
    frames = split_frames([Chunk(0.0, b"a"), Chunk(0.005, b"b"), Chunk(0.5, b"c")])
    assert [f.data for f in frames] == [b"ab", b"c"]
