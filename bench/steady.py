"""Steady state: terminal bandwidth and CPU against btop, resident memory against a bare Textual app.

Each program runs in a fresh 120x40 pty (see ``ptyrun`` for why a raw pty and not tmux), is left
to settle after its first complete frame, then measured over a window: bytes it wrote to the pty
per second, CPU seconds (user + system, itself and its children) per second as a percentage of one
core, and its resident set at the end of the window. warroom runs the drill with its panes
refreshing at 1 Hz and an incident declared (so the header's elapsed time and update countdown
tick every second, as during a real drill); btop runs at its default refresh, as a user would
have it (it redraws its clock every second and its graphs every 2 s).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    Options,
    Program,
    bare_textual,
    btop,
    declare_incident,
    first_frame,
    pause,
    warroom_demo,
    warroom_demo_available,
)
from bench.figures import RESULTS_DIR, Figure, Sample, write_raw
from bench.ptyrun import PtyRun, ScreenFollower, cpu_seconds, rss_bytes


def measure(
    program: Program,
    home: Path,
    opts: Options,
    window: float,
    keep_stream: Path | None = None,
    prepare: Callable[[PtyRun, ScreenFollower], bool] | None = None,
) -> dict[str, object]:
    run = program.launch(home)
    try:
        t_first, follower = first_frame(run, program.ready)
        if t_first is None:
            return {"error": "no complete frame within 60 s", "screen": follower.text()}
        if prepare is not None and not prepare(run, follower):
            return {"error": "could not prepare the measured state", "screen": follower.text()}
        pause(opts.settle)
        proc = run.process()
        c0, t0 = cpu_seconds(proc), time.perf_counter()
        pause(window)
        c1, t1 = cpu_seconds(proc), time.perf_counter()
        rss = rss_bytes(proc)
        elapsed = t1 - t0
        per_second = [run.bytes_between(t0 + i, min(t0 + i + 1, t1)) for i in range(math.ceil(elapsed))]
        if keep_stream is not None:
            keep_stream.write_bytes(b"".join(c.data for c in run.chunks if t0 <= c.t < t1))
        return {
            "first_frame_s": t_first,
            "window_s": elapsed,
            "bytes": run.bytes_between(t0, t1),
            "bytes_per_s": run.bytes_between(t0, t1) / elapsed,
            "cpu_percent": 100.0 * (c1 - c0) / elapsed,
            "rss_bytes": rss,
            "bytes_each_second": per_second,
        }
    finally:
        run.stop()


def run(opts: Options) -> list[Figure]:
    missing = warroom_demo_available()
    repeat = 1 if opts.quick else opts.steady_repeat
    window = 8.0 if opts.quick else opts.window
    raw: dict[str, list[dict[str, object]]] = {"btop": [], "warroom_demo": [], "bare_textual": []}
    bw = {"btop": Sample(), "warroom_demo": Sample()}
    cpu = {"btop": Sample(), "warroom_demo": Sample()}
    rss = {"bare_textual": Sample(), "warroom_demo": Sample()}
    top = btop()
    for i in range(repeat):
        if top is not None:
            m = measure(top, opts.workdir / f"steady-btop-{i}", opts, window)
            raw["btop"].append(m)
            if "error" not in m:
                bw["btop"].add(m["bytes_per_s"])  # type: ignore[arg-type]
                cpu["btop"].add(m["cpu_percent"])  # type: ignore[arg-type]
        m = measure(bare_textual(), opts.workdir / f"steady-bare-{i}", opts, min(window, 5.0))
        raw["bare_textual"].append(m)
        if "error" not in m:
            rss["bare_textual"].add(m["rss_bytes"])  # type: ignore[arg-type]
        if missing:
            continue
        home = opts.workdir / f"steady-warroom-{i}"
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        m = measure(
            warroom_demo(home), home, opts, window,
            keep_stream=RESULTS_DIR / "warroom-steady-stream.bin", prepare=declare_incident,
        )  # fmt: skip
        raw["warroom_demo"].append(m)
        if "error" not in m:
            bw["warroom_demo"].add(m["bytes_per_s"])  # type: ignore[arg-type]
            cpu["warroom_demo"].add(m["cpu_percent"])  # type: ignore[arg-type]
            rss["warroom_demo"].add(m["rss_bytes"])  # type: ignore[arg-type]
    write_raw("steady", raw)
    note = missing or ""
    if not missing and not bw["warroom_demo"].values:
        note = "warroom demo never drew a complete frame (see results/steady.json)"
    no_btop = "" if top else "btop is not installed (apt-get install btop)"
    kb = lambda s: Sample([v / 1000 for v in s.values])  # noqa: E731
    mb = lambda s: Sample([v / 1e6 for v in s.values])  # noqa: E731
    return [
        Figure.from_samples(
            "terminal bandwidth, drill at 1 Hz", "KB/s", kb(bw["warroom_demo"]), kb(bw["btop"]), "<= 0.5",
            baseline_name="btop", note=note or no_btop,
        ),
        Figure.from_samples(
            "CPU, same window", "% of a core", cpu["warroom_demo"], cpu["btop"], "<= 2.5",
            baseline_name="btop", note=note or no_btop,
        ),
        Figure.from_samples(
            "resident memory (RSS)", "MB", mb(rss["warroom_demo"]), mb(rss["bare_textual"]), "<= 1.5",
            baseline_name="bare Textual", note=note,
        ),
    ]  # fmt: skip
