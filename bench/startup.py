"""Startup: process start → first complete frame, warroom demo against a bare Textual app.

"Complete" for warroom means all five SLO panes drawn with a value and the runbook loaded
(``common.warroom_frame_complete``); for the baseline, its one ``Static`` on screen. Both are
detected the same way — a terminal emulator following the pty byte stream — and the two programs
are run alternately so load on the machine hits both alike.
"""

from __future__ import annotations

from bench.common import Options, bare_textual, first_frame, warroom_demo, warroom_demo_available
from bench.figures import Figure, Sample, write_raw


def run(opts: Options) -> list[Figure]:
    missing = warroom_demo_available()
    base, ours = Sample(), Sample()
    raw: dict[str, list[float | None]] = {"bare_textual_s": [], "warroom_demo_s": []}
    repeat = 2 if opts.quick else opts.repeat
    for i in range(repeat):
        program = bare_textual()
        run_ = program.launch(opts.workdir / f"startup-bare-{i}")
        try:
            t, _ = first_frame(run_, program.ready)
        finally:
            run_.stop()
        base.add(t)
        raw["bare_textual_s"].append(t)
        if missing:
            continue
        home = opts.workdir / f"startup-warroom-{i}"
        program = warroom_demo(home)
        run_ = program.launch(home)
        try:
            t, follower = first_frame(run_, program.ready)
            if t is None:
                raw.setdefault("warroom_last_screen", []).append(follower.text())  # type: ignore[arg-type]
        finally:
            run_.stop()
        ours.add(t)
        raw["warroom_demo_s"].append(t)
    write_raw("startup", raw)
    note = missing or ""
    if not missing and len(ours.values) < repeat:
        note = f"{repeat - len(ours.values)} of {repeat} runs never drew a complete frame within 60 s (see results/startup.json)"
    to_ms = lambda s: Sample([v * 1000 for v in s.values])  # noqa: E731
    return [
        Figure.from_samples(
            "startup to first complete frame", "ms", to_ms(ours), to_ms(base), "<= 1.3",
            baseline_name="bare Textual", note=note,
        )
    ]  # fmt: skip
