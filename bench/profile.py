"""What repaints: bytes per frame and per screen row, to explain a bandwidth figure.

    python -m bench.profile                      # warroom demo at 1 Hz, 15 s window
    python -m bench.profile --seconds 30 -- btop # any program

A "frame" is a burst of writes with less than 10 ms between chunks. Bytes are attributed to the
screen row the cursor was moved to (``CSI row;col H``, which is how Textual addresses every line
it repaints). The report lists the rows that cost the most, with what they show on the final
screen, and how many of the bytes are escape sequences (SGR colour codes above all) rather than
text — the two levers for cutting bandwidth: repaint less, and style in longer runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import COLS, ROWS, Program, declare_incident, first_frame, warroom_demo
from bench.ptyrun import Chunk, PtyRun

CUP = re.compile(rb"\x1b\[(\d*)(?:;(\d*))?([HfB])")
SGR = re.compile(rb"\x1b\[[0-9;:]*m")
ESC = re.compile(rb"\x1b(?:\[[0-9;:?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


@dataclass
class Frame:
    t: float
    data: bytes = b""


@dataclass
class Profile:
    seconds: float
    frames: list[Frame]
    row_bytes: Counter[int] = field(default_factory=Counter)
    row_frames: Counter[int] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(len(f.data) for f in self.frames)


def split_frames(chunks: list[Chunk], gap: float = 0.010) -> list[Frame]:
    frames: list[Frame] = []
    last = -1.0
    for chunk in chunks:
        if not frames or chunk.t - last > gap:
            frames.append(Frame(chunk.t))
        frames[-1].data += chunk.data
        last = chunk.t
    return frames


def attribute_rows(data: bytes) -> Counter[int]:
    """Bytes of one frame by the row they were written to (row 0 = before any cursor move)."""
    rows: Counter[int] = Counter()
    pos = 0
    row = 0
    for m in CUP.finditer(data):
        rows[row] += m.start() - pos
        n = int(m.group(1) or 1)
        row = row + n if m.group(3) == b"B" else n
        pos = m.start()
    rows[row] += len(data) - pos
    return rows


def profile(chunks: list[Chunk], seconds: float) -> Profile:
    frames = split_frames(chunks)
    prof = Profile(seconds, frames)
    for frame in frames:
        rows = attribute_rows(frame.data)
        prof.row_bytes.update(rows)
        prof.row_frames.update(rows.keys())
    return prof


def report(prof: Profile, screen_rows: list[str], top: int = 15) -> str:
    total = prof.total or 1
    all_data = b"".join(f.data for f in prof.frames)
    sgr = sum(len(m.group(0)) for m in SGR.finditer(all_data))
    esc = sum(len(m.group(0)) for m in ESC.finditer(all_data))
    sizes = sorted(len(f.data) for f in prof.frames) or [0]
    lines = [
        f"window {prof.seconds:.1f} s: {prof.total:,} bytes = {prof.total / prof.seconds / 1000:.2f} KB/s "
        f"in {len(prof.frames)} frames ({len(prof.frames) / prof.seconds:.2f}/s)",
        f"frame size: median {sizes[len(sizes) // 2]:,} B, max {sizes[-1]:,} B",
        f"escape sequences {100 * esc / total:.0f}% of bytes (SGR colour/style {100 * sgr / total:.0f}%), "
        f"printable text {100 * (total - esc) / total:.0f}%",
        "",
        f"{'row':>4} {'bytes/s':>8} {'frames':>6}  row on the final screen",
    ]
    for row, count in prof.row_bytes.most_common(top):
        text = screen_rows[row - 1].rstrip() if 1 <= row <= len(screen_rows) else "(before first cursor move)"
        lines.append(f"{row:>4} {count / prof.seconds:>8.0f} {prof.row_frames[row]:>6}  {text[:100]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--refresh", default="1s", help="warroom pane refresh (default 1s)")
    parser.add_argument("--save", type=Path, help="also write the window's raw bytes here")
    parser.add_argument("--no-incident", action="store_true", help="warroom: do not declare an incident first")
    parser.add_argument("command", nargs="*", help="a program to profile instead of warroom demo")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="warroom-profile-"))
    try:
        if args.command:
            program = Program(args.command[0], args.command, lambda s: bool(s.strip()))
        else:
            program = warroom_demo(home, args.refresh)
        run = program.launch(home)
        try:
            t, follower = first_frame(run, program.ready)
            if t is None:
                print("no complete frame within 60 s; last screen:\n" + follower.text(), file=sys.stderr)
                return 1
            if not args.command and not args.no_incident and not declare_incident(run, follower):
                print("could not declare an incident; last screen:\n" + follower.text(), file=sys.stderr)
                return 1
            time.sleep(args.settle)
            t0 = time.perf_counter()
            time.sleep(args.seconds)
            t1 = time.perf_counter()
            chunks = [c for c in run.chunks if t0 <= c.t < t1]
            for chunk in run.chunks[follower.index :]:
                follower.feed(chunk)
            screen = list(follower.screen.display)
        finally:
            run.stop()
        if args.save:
            args.save.write_bytes(b"".join(c.data for c in chunks))
        print(f"{program.name} in a {COLS}x{ROWS} pty; first complete frame after {t * 1000:.0f} ms")
        print(report(profile(chunks, t1 - t0), screen))
        return 0
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
