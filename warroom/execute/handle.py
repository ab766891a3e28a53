"""The caller's view of one running step: its output as it grows, its end, and a way to stop it.

A handle may belong to a step this process started or to one found still running after a
resume; either way it only reads the output file and the journal and signals the supervisor,
which is why it is independent of how the step was started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from warroom.errors import WarroomError
from warroom.execute.capture import OutputLine, parse_line
from warroom.execute.output_files import output_locked
from warroom.execute.recovery import find_finished, mark_interrupted
from warroom.execute.run_spec import StepResult

READ_BLOCK = 1 << 20

CATCH_UP_LIMIT = 64 << 20  # bytes read per follow round before handing a batch over
BATCH_BYTES = 4 << 20
"""Most text one batch holds: lines are stored up to 64 KiB each, so ``memory_lines`` alone would
let a newline-free flood hold ``2000 x 64 KiB`` = 128 MB in a batch (and as much again in
``tail``); a byte budget keeps a follower's memory flat whatever the lines look like."""
TAIL_BYTES = 8 << 20


class StepHandle:
    """A running (or finished) step, seen from a caller. Cheap; several may exist for one step."""

    def __init__(self, incident_dir: Path, started: Mapping[str, Any],
                 proc: subprocess.Popen[bytes] | None = None, memory_lines: int = 2000,
                 alive: Callable[[], bool] | None = None, clock_held: datetime | None = None) -> None:
        """``clock_held``: where the incident's clock stands when it does not run with the wall
        (``RunSpec.clock_held``): an end this handle journals (interrupted) carries it."""
        self.incident_dir = Path(incident_dir)
        self.clock_held = clock_held
        self.started = dict(started)
        self.output_rel = str(started["output"])
        self.output_path = self.incident_dir / self.output_rel
        self.supervisor_pid = int(started.get("supervisor_pid") or 0)
        self.pid = int(started.get("pid") or 0)
        self.pgid = int(started.get("pgid") or 0)
        self.memory_lines = max(1, memory_lines)
        self.tail: deque[OutputLine] = deque(maxlen=self.memory_lines)
        self._proc = proc
        # An in-process step (promql / k8s) has no supervisor: ``alive`` says whether its
        # thread still runs; it cannot be cancelled (it ends by its own timeout).
        self._alive = alive
        self._result: StepResult | None = None
        self._offset = 0
        self._n = 0
        self._partial = b""
        self._undelivered: list[OutputLine] = []
        self._lock = threading.Lock()
        self._streamer: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<StepHandle {self.output_rel} supervisor={self.supervisor_pid}>"

    # ------------------------------------------------------------------ state

    def running(self) -> bool:
        if self._result is not None:
            return False
        if self._proc is not None:
            return self._proc.poll() is None
        if self._alive is not None:
            return self._alive()
        return output_locked(self.output_path)

    def poll(self) -> StepResult | None:
        """The result once the step has ended (journaling ``interrupted`` if its supervisor died
        without recording an end), else None."""
        if self._result is not None:
            return self._result
        if self.running():
            return None
        result = find_finished(self.incident_dir, self.output_rel)
        if result is None:
            result = mark_interrupted(self.incident_dir, self.started, at=self.clock_held)
            if result is None:
                return None
        self._result = result
        return result

    def wait(self, timeout: float | None = None) -> StepResult:
        """Block until the step ends; raises TimeoutError if ``timeout`` passes first. With
        :meth:`stream_to` active, also waits until every line has been written out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            result = self.poll()
            if result is not None:
                if self._streamer is not None:
                    left = None if deadline is None else max(0.0, deadline - time.monotonic())
                    self._streamer.join(left)
                return result
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f"step {self.output_rel} still running")
            if self._proc is not None:
                try:
                    self._proc.wait(timeout=left)
                except subprocess.TimeoutExpired:
                    raise TimeoutError(f"step {self.output_rel} still running") from None
            else:
                time.sleep(0.05 if left is None else min(0.05, left))

    def cancel(self) -> bool:
        """Ask the supervisor to end the step (SIGTERM, then SIGKILL after kill_grace; journaled
        as ``cancelled``). Returns False if the step had already ended."""
        if not self.running() or self.supervisor_pid <= 0:
            return False
        try:
            os.kill(self.supervisor_pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True

    # ------------------------------------------------------------------ output

    def _consume(self, data: bytes, batch: deque[OutputLine]) -> int:
        """Turn ``data`` into lines on ``batch``; returns the bytes of text added."""
        buf = self._partial + data if self._partial else data
        nl = buf.rfind(b"\n")
        if nl < 0:
            self._partial = buf
            return 0
        complete, self._partial = buf[:nl], buf[nl + 1:]
        count = complete.count(b"\n") + 1
        keep = batch.maxlen or count
        first = self._n + 1
        if count > keep:
            pos = len(complete)
            for _ in range(keep):
                pos = complete.rfind(b"\n", 0, pos)
            complete = complete[pos + 1:]
            first = self._n + count - keep + 1
        for i, raw in enumerate(complete.split(b"\n")):
            batch.append(parse_line(first + i, raw))
        self._n += count
        return len(complete)

    def read_new(self) -> list[OutputLine]:
        """Read what was added to the output since the last call (at most ``memory_lines``
        lines are returned, the newest; ``tail`` is updated). Non-blocking."""
        batch: deque[OutputLine] = deque(maxlen=self.memory_lines)
        with self._lock:
            if self._undelivered:
                batch.extend(self._undelivered)
                self._undelivered = []
            try:
                with open(self.output_path, "rb") as f:
                    f.seek(self._offset)
                    got = 0
                    held = 0
                    while got < CATCH_UP_LIMIT and held < BATCH_BYTES:
                        data = f.read(READ_BLOCK)
                        if not data:
                            break
                        got += len(data)
                        self._offset += len(data)
                        held += self._consume(data, batch)
            except FileNotFoundError:
                return []
            lines = list(batch)
            self.tail.extend(lines)
            self._trim_tail()
            return lines

    def _trim_tail(self) -> None:
        """Keep ``tail`` under :data:`TAIL_BYTES` as well as ``memory_lines`` (oldest go first)."""
        size = sum(len(line.text) for line in self.tail)
        while size > TAIL_BYTES and len(self.tail) > 1:
            size -= len(self.tail.popleft().text)

    def stream_to(self, stream: TextIO, colour: bool | None = None) -> None:
        """Copy the output to ``stream`` (e.g. ``sys.stdout`` for ``incident run``) from a
        background thread as it arrives; :meth:`wait` returns after the last line is written.
        Colour is kept only when ``stream`` is a terminal (or ``colour`` says so)."""
        if colour is None:
            isatty = getattr(stream, "isatty", None)
            colour = bool(isatty()) if callable(isatty) else False
        keep_colour = colour

        def write(lines: list[OutputLine]) -> None:
            text = "\n".join(ln.text if keep_colour else ln.plain for ln in lines) + "\n"
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):
                return  # the reader went away (closed pipe); the file still has everything

        def run() -> None:
            try:
                self.follow(write)
            except WarroomError:
                # The step's end could not be recorded (disk full): ``wait()`` meets the same
                # error in the caller's thread and reports it there; this copy only streams.
                return

        self._streamer = threading.Thread(target=run, daemon=True, name=f"stream {self.output_rel}")
        self._streamer.start()

    def follow(self, callback: Callable[[list[OutputLine]], object],
               stop_event: threading.Event | None = None, poll_interval: float = 0.05) -> StepResult | None:
        """Tail the output file, calling ``callback(lines)`` with each new batch, until the step
        ends (returns its result) or ``stop_event`` is set (returns None)."""
        stop = stop_event or threading.Event()
        while not stop.is_set():
            alive = self.running()
            lines = self.read_new()
            if lines:
                callback(lines)
                continue
            if not alive:
                return self.poll()
            stop.wait(poll_interval)
        return None
