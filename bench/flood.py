"""Output flood: a runbook step running ``seq 1 1000000`` inside the dashboard.

Two figures:

* key press → screen, p95, while the flood is on — from the run until the output pane shows the
  last line — against the same measurement idle. The probe
  is the checklist cursor: ``j``/``k`` move between two steps whose commands carry distinct
  markers, and the step-detail pane shows the highlighted step's command; a press has "reached
  the screen" at the first pty chunk after which the terminal (a pyte emulator following the
  byte stream) shows the new marker. Presses are closed-loop (the next one waits for the last to
  show), timestamps are taken when ``write``/``read`` return, so the emulator's own speed never
  counts.
* capture throughput: bytes of output per second of the step, from its journaled ``duration``
  (the supervisor's start → end, output file written and fsynced), against the shell writing the
  same output to a file (``sh -c 'seq 1 1000000 > file'``, process start included).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from pathlib import Path

from bench.common import Options, first_frame, warroom_demo, warroom_demo_available
from bench.figures import Figure, Sample, write_raw
from bench.ptyrun import PtyRun, ScreenFollower

FLOOD = "seq 1 1000000"
RUNBOOK_ID = "RB-BENCH-001"
MARKERS = ("probe-alpha-marker", "probe-bravo-marker")
RUNBOOK = f"""+++
id = "{RUNBOOK_ID}"
title = "Bench: output flood"
severity = "P4"
+++
# Bench: output flood

## Triage

```bash
# Flood the output
{FLOOD}
```

```bash
# Probe one
echo {MARKERS[0]}
```

```bash
# Probe two
echo {MARKERS[1]}
```
"""
ENTER, TAB, CTRL_S = b"\r", b"\t", b"\x13"


def flood_bytes() -> int:
    return sum(len(str(i)) + 1 for i in range(1, 1_000_001))


def shell_to_file_seconds(workdir: Path) -> float:
    out = workdir / "seq.out"
    t0 = time.perf_counter()
    subprocess.run(["sh", "-c", f"{FLOOD} > {out}"], check=True, timeout=60)
    elapsed = time.perf_counter() - t0
    out.unlink()
    return elapsed


def p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=20, method="inclusive")[18]


class FloodRun:
    """One dashboard in a pty, declared on the bench runbook, probed idle and during the flood."""

    def __init__(self, home: Path) -> None:
        self.home = home
        rb_dir = home / "runbooks"
        rb_dir.mkdir(parents=True, exist_ok=True)
        (rb_dir / "bench.md").write_text(RUNBOOK)
        self.program = warroom_demo(home, "1s", f'[runbooks]\ndirs = ["{rb_dir}"]\n')
        self.run: PtyRun | None = None
        self.follower: ScreenFollower | None = None

    # -- plumbing ------------------------------------------------------------------------------
    def key(self, data: bytes) -> float:
        assert self.run is not None
        return self.run.write(data)

    def wait(self, condition, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]
        assert self.follower is not None
        t = self.follower.until(condition, timeout)
        if t is None:
            raise TimeoutError(f"screen never matched within {timeout}s:\n{self.follower.text()}")
        return t

    def journal_events(self) -> list[dict[str, object]]:
        found = sorted((self.home / "state").rglob("journal.jsonl"))
        if not found:
            return []
        return [json.loads(line) for line in found[0].read_bytes().splitlines() if line.strip()]

    def flood_end(self) -> dict[str, object] | None:
        for e in self.journal_events():
            if e.get("type") == "step.finished" and e["data"].get("step") == 1:  # type: ignore[union-attr]
                return e["data"]  # type: ignore[return-value]
        return None

    # -- the flow ------------------------------------------------------------------------------
    def start(self) -> None:
        self.run = self.program.launch(self.home)
        t, self.follower = first_frame(self.run, self.program.ready)
        if t is None:
            raise TimeoutError("warroom demo never drew a complete frame")
        self.key(b"d")
        self.wait(lambda s: "Declare an incident" in s)
        self.key(TAB)
        self.key(TAB)
        self.key(ENTER)
        self.wait(lambda s: s.count("RB-CORE-00") >= 3)
        for ch in RUNBOOK_ID:  # typed as a person types: one key at a time
            self.key(ch.encode())
            time.sleep(0.02)
        time.sleep(0.3)
        self.key(ENTER)
        self.wait(lambda s: "RB-DEPLOY-001" not in s and RUNBOOK_ID in s)
        self.key(CTRL_S)
        self.wait(lambda s: "INC-" in s and "Declare an incident" not in s and "Probe two" in s)

    def probe(self, presses: int, until: float | None = None) -> list[float]:
        """Alternate j/k between the two probe steps; seconds from each press to its marker.

        Starts with the cursor on step 2 (alpha). Stops after ``presses`` or, when ``until`` is
        given, once that perf_counter time has passed and at least two presses were measured.
        """
        latencies: list[float] = []
        on_alpha = True
        for _ in range(presses):
            if until is not None and time.perf_counter() > until and len(latencies) >= 2:
                break
            target = MARKERS[1] if on_alpha else MARKERS[0]
            t0 = self.key(b"j" if on_alpha else b"k")
            t1 = self.wait(lambda s, m=target: m in s, timeout=60)
            latencies.append(t1 - t0)
            on_alpha = not on_alpha
            time.sleep(0.05)
        if not on_alpha:  # leave the cursor on alpha
            self.key(b"k")
            self.wait(lambda s: MARKERS[0] in s)
        return latencies

    def measure(self, presses: int) -> dict[str, object]:
        self.start()
        self.key(b"j")  # step 1 (flood) -> step 2 (alpha)
        self.wait(lambda s: MARKERS[0] in s)
        idle = self.probe(presses)
        self.key(b"k")  # back to the flood step
        self.wait(lambda s: FLOOD in s)
        self.key(ENTER)
        self.wait(lambda s: "Run step 1:" in s)
        self.key(CTRL_S)
        t_run = time.perf_counter()
        self.wait(lambda s: "Run step 1:" not in s)
        self.key(b"j")
        self.wait(lambda s: MARKERS[0] in s)
        # Probe while the flood is on: from the run until the output pane shows its last line
        # (the process itself may be done long before the dashboard has taken its output in).
        during: list[float] = []
        deadline = time.perf_counter() + 120
        assert self.follower is not None
        while time.perf_counter() < deadline and "1000000" not in self.follower.text():
            during += self.probe(2)
        t_screen = self.wait(lambda s: "1000000" in s, timeout=120)
        end = None
        while end is None and time.perf_counter() < deadline:
            end = self.flood_end()
            time.sleep(0.05)
        return {
            "idle_latency_s": idle,
            "flood_latency_s": during,
            "step": end,
            "screen_shows_last_line_after_s": t_screen - t_run,
        }

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()


def run(opts: Options) -> list[Figure]:
    missing = warroom_demo_available()
    repeat = 1 if opts.quick else 3
    presses = 10 if opts.quick else 20
    base = Sample()
    for _ in range(2 if opts.quick else opts.repeat):
        base.add(flood_bytes() / shell_to_file_seconds(opts.workdir) / 1e6)
    raw: dict[str, object] = {"shell_to_file_MB_per_s": base.values, "runs": []}
    idle_p95, flood_p95, capture = Sample(), Sample(), Sample()
    note = missing or ""
    if not missing:
        for i in range(repeat):
            flood = FloodRun(opts.workdir / f"flood-{i}")
            try:
                m = flood.measure(presses)
            except TimeoutError as exc:
                raw["runs"].append({"error": str(exc)})  # type: ignore[union-attr]
                note = "a flood run timed out (see results/flood.json)"
                continue
            finally:
                flood.stop()
            raw["runs"].append(m)  # type: ignore[union-attr]
            idle_p95.add(p95(m["idle_latency_s"]))  # type: ignore[arg-type]
            flood_p95.add(p95(m["flood_latency_s"]))  # type: ignore[arg-type]
            step = m["step"] or {}
            if step.get("duration"):  # type: ignore[union-attr]
                capture.add(float(step["bytes"]) / float(step["duration"]) / 1e6)  # type: ignore[index]
    write_raw("flood", raw)
    ms = lambda s: Sample([v * 1000 for v in s.values])  # noqa: E731
    return [
        Figure.from_samples(
            "key → screen p95, flood vs idle", "ms", ms(flood_p95), ms(idle_p95), "<= 3",
            baseline_name="idle", note=note,
        ),
        Figure.from_samples(
            "capture throughput, seq 1 1000000", "MB/s", capture, base, ">= 0.25",
            baseline_name="seq > file", note=note,
        ),
    ]  # fmt: skip
