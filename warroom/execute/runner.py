"""Caller-side API for running a step under its supervisor (CLI, TUI and drill all use this).

Typical use::

    spec = RunSpec.from_config(cfg, incident_dir=inc_dir, command=final_command,
                               step=step.number, step_id=step.id, label=step.label,
                               mutating=step.mutating, confirm=step.confirm,
                               timeout=step.timeout, expect=step.expect, params=values,
                               confirmation=Confirmation.of(final_command, via="--yes"))
    decision = safety.decide(spec, dry_run=args.dry_run)   # journal step.refused / step.dry_run
    handle = start(spec)            # returns once step.started is in the journal
    handle.follow(print_lines)      # blocks, calling back with batches of OutputLine, until it ends
    result = handle.wait()          # StepResult, from the step.finished the supervisor journaled

* :func:`start` (``RunSpec`` → :class:`StepHandle`) spawns ``python -m warroom.execute.supervisor``
  detached (own session, stdin /dev/null); the supervisor journals ``step.started`` and
  ``step.finished`` itself (see :mod:`warroom.execute.supervisor`). It raises
  :class:`~warroom.execute.safety.StepRefused` for a step that may not run (no confirmation for a
  mutating step, read-only session) and :class:`ExecuteError` if the supervisor cannot start.
* :class:`StepHandle`: ``output_path``, ``supervisor_pid``, ``pid``, ``pgid``, ``started`` (the
  event data), ``tail`` (deque of the last ``memory_lines`` :class:`OutputLine`), ``running()``,
  ``follow(callback, stop_event)``, ``cancel()``, ``poll()``, ``wait(timeout)``.
* :func:`start_step` (``Incident`` + ``PreparedStep`` → StepHandle) is the incident engine's
  doorway: it builds the ``RunSpec`` from the config, turns the person's yes into a
  ``Confirmation`` for the exact command, journals ``step.refused`` if the runner refuses, and can
  copy the output live to a stream (``stream=sys.stdout`` for ``warroom incident run``).
* :meth:`StepHandle.read_new` (non-blocking, for a UI timer) and :meth:`StepHandle.follow`
  (blocking, for a worker thread) deliver :class:`~warroom.execute.capture.OutputLine` batches;
  stderr lines have ``stream == "err"``; ``text`` keeps SGR colour, ``plain`` drops it.
* :func:`attach` (incident dir + a ``step.started`` event's data → StepHandle or None) reconnects
  to a step that is still running after a resume; :func:`reconcile` does that for a whole
  incident and journals ``step.finished`` with status ``interrupted`` for every started step whose
  supervisor is gone without having journaled an end (:func:`mark_interrupted`).

A step is "running" while its supervisor holds the ``flock`` on its output file, so these checks
work from any process (the TUI, a second CLI) and survive pid reuse.

``follow`` keeps memory bounded: it reads the output file in large blocks, materialises at most
``memory_lines`` lines per callback (when it falls behind, older lines in a batch are skipped —
their :attr:`OutputLine.n` shows the gap, the file has them all) and keeps ``tail`` as a bounded
deque. The callback runs in the calling thread; run ``follow`` in a worker thread in a UI.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import warroom
from warroom.errors import WarroomError
from warroom.execute import safety
from warroom.execute.capture import OutputLine, parse_line, read_tail
from warroom.execute.redact import RedactionSettings, Redactor, looks_secret_name
from warroom.incident import events as ev
from warroom.incident.journal import Event, Journal, format_ts, read_journal

START_TIMEOUT = 30.0
READ_BLOCK = 1 << 20
CATCH_UP_LIMIT = 64 << 20  # bytes read per follow round before handing a batch over


class ExecuteError(WarroomError):
    """The step could not be started (supervisor failed, journal not writable, bad spec)."""


@dataclass
class RunSpec:
    """Everything needed to run one step. ``command`` is the final command, parameters already
    substituted (shell-quoted) — it runs exactly as given and is journaled redacted."""

    incident_dir: Path
    command: str
    step: int | None = None
    step_id: str = "command"
    label: str = ""
    kind: str = "shell"
    params: dict[str, str] = field(default_factory=dict)
    mutating: bool | None = None
    confirm: bool = False
    confirmation: safety.Confirmation | None = None
    read_only: bool = False
    target: dict[str, str] = field(default_factory=dict)
    timeout: float | None = 300.0
    kill_grace: float = 5.0
    shell: str = "/bin/bash"
    env: dict[str, str] = field(default_factory=dict)
    path_prepend: list[str] = field(default_factory=list)
    cwd: str | None = None
    expect: str | None = None
    memory_lines: int = 2000
    excerpt_lines: int = 10
    redaction: RedactionSettings = field(default_factory=RedactionSettings)
    evidence_before: dict[str, Any] | None = None
    actor: str | None = None

    @classmethod
    def from_config(cls, cfg: Any, *, incident_dir: str | os.PathLike[str], command: str,
                    timeout: float | None = None, env: Mapping[str, str] | None = None,
                    **kw: Any) -> RunSpec:
        """Defaults from ``warroom.config.Config``: shell, timeout (a step's own ``timeout`` wins),
        kill_grace, memory_lines, execute.env (plus ``env``), redaction, read_only."""
        ex = cfg.execute
        merged = dict(ex.env)
        merged.update(env or {})
        kw.setdefault("read_only", bool(cfg.read_only))
        return cls(incident_dir=Path(incident_dir), command=command,
                   timeout=timeout if timeout is not None else ex.timeout,
                   kill_grace=ex.kill_grace, shell=ex.shell, env=merged,
                   memory_lines=ex.memory_lines,
                   redaction=RedactionSettings.from_config(cfg.redaction), **kw)

    def build_env(self) -> dict[str, str]:
        """The step's environment: the user's, plus ``env``, with ``path_prepend`` first on PATH."""
        env = dict(os.environ)
        env.update({k: os.path.expandvars(os.path.expanduser(v)) for k, v in self.env.items()})
        if self.path_prepend:
            parts = [str(p) for p in self.path_prepend]
            if env.get("PATH"):
                parts.append(env["PATH"])
            env["PATH"] = os.pathsep.join(parts)
        return env

    def secret_params(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.params.items() if looks_secret_name(k, self.redaction.env_names)}

    def redactor(self) -> Redactor:
        return Redactor.from_env(self.build_env(), self.redaction, self.secret_params())


@dataclass(frozen=True)
class StepResult:
    """How a step ended (the ``step.finished`` event's data, typed)."""

    status: str
    exit_code: int | None
    signal: str | None
    started_at: str | None
    ended_at: str | None
    duration: float | None
    expect: str | None
    expect_met: bool | None
    excerpt: str
    output: str
    lines: int
    bytes: int
    seq: int | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_event(cls, event: Event) -> StepResult:
        d = event.data
        return cls(status=str(d.get("status")), exit_code=d.get("exit_code"), signal=d.get("signal"),
                   started_at=d.get("started_at"), ended_at=d.get("ended_at"),
                   duration=d.get("duration"), expect=d.get("expect"), expect_met=d.get("expect_met"),
                   excerpt=str(d.get("excerpt") or ""), output=str(d.get("output")),
                   lines=int(d.get("lines") or 0), bytes=int(d.get("bytes") or 0),
                   seq=event.seq, data=dict(d))


# ---------------------------------------------------------------------------- helpers


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60]
    return s or "step"


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def allocate_output(incident_dir: Path, step_id: str) -> tuple[Path, str]:
    """Create ``outputs/NNNN-<step-id>.log`` (0600), numbered after the highest existing one."""
    outputs = incident_dir / "outputs"
    _ensure_private_dir(outputs)
    highest = 0
    for p in outputs.iterdir():
        m = re.match(r"(\d{4,})-", p.name)
        if m:
            highest = max(highest, int(m.group(1)))
    slug = _slug(step_id)
    for n in range(highest + 1, highest + 1000):
        path = outputs / f"{n:04d}-{slug}.log"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return path, f"outputs/{path.name}"
    raise ExecuteError(f"{outputs}: cannot allocate an output file")


def output_locked(path: Path) -> bool:
    """True while a supervisor holds the output file's lock (the step is running)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(fd)
    return False


def find_finished(incident_dir: Path, output_rel: str, events: Iterable[Event] | None = None) -> StepResult | None:
    """The journaled end of the run whose output file is ``output_rel``, if any."""
    if events is None:
        events = read_journal(incident_dir / "journal.jsonl").events
    found = None
    for e in events:
        if e.type == ev.STEP_FINISHED and e.data.get("output") == output_rel:
            found = e
    return StepResult.from_event(found) if found is not None else None


def _plain_excerpt(path: Path, n: int = 10) -> tuple[str, int, int]:
    try:
        lines, total, _ = read_tail(path, n)
        size = path.stat().st_size
    except OSError:
        return "", 0, 0
    return "\n".join(line.plain for line in lines), total, size


def mark_interrupted(incident_dir: str | os.PathLike[str], started: Mapping[str, Any],
                     reason: str | None = None) -> StepResult | None:
    """Journal ``step.finished`` (status ``interrupted``) for a started step whose supervisor is
    gone. Returns the step's result (the existing one if it did finish), or None while it still
    runs. Safe against a concurrent supervisor or a second caller: it holds the output lock.

    The step's own processes are not signalled: after a reboot their ids may belong to someone
    else. The reason names the process group so a person can check it."""
    if reason is None:
        reason = ("its supervisor ended without recording the step's end; processes of group "
                  f"{started.get('pgid')} may still be running if the machine was not restarted")
    incident_dir = Path(incident_dir)
    rel = str(started["output"])
    path = incident_dir / rel
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = -1
    try:
        if fd >= 0:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    return None
                raise
        done = find_finished(incident_dir, rel)
        if done is not None:
            return done
        excerpt, lines, size = _plain_excerpt(path)
        data = {
            "step": started.get("step"), "step_id": started.get("step_id"),
            "status": "interrupted", "exit_code": None, "signal": None,
            "started_at": started.get("started_at"), "ended_at": None, "duration": None,
            "expect": None, "expect_met": None, "excerpt": excerpt, "output": rel,
            "lines": lines, "bytes": size, "reason": reason,
            "detected_at": format_ts(datetime.now(UTC)),
        }
        event = Journal(incident_dir / "journal.jsonl").append(ev.STEP_FINISHED, data)
        return StepResult.from_event(event)
    finally:
        if fd >= 0:
            os.close(fd)


def find_unfinished(events: Iterable[Event]) -> list[dict[str, Any]]:
    """``step.started`` data of every run without a ``step.finished`` (by output file)."""
    started: dict[str, dict[str, Any]] = {}
    for e in events:
        out = e.data.get("output")
        if e.type == ev.STEP_STARTED and out:
            started[str(out)] = dict(e.data)
        elif e.type == ev.STEP_FINISHED and out:
            started.pop(str(out), None)
    return list(started.values())


def reconcile(incident_dir: str | os.PathLike[str], events: Iterable[Event] | None = None,
              memory_lines: int = 2000) -> tuple[list[StepHandle], list[StepResult]]:
    """On resume: handles for steps still running, and ``interrupted`` results journaled for
    started steps whose supervisor died without recording an end."""
    incident_dir = Path(incident_dir)
    if events is None:
        events = read_journal(incident_dir / "journal.jsonl").events
    running: list[StepHandle] = []
    interrupted: list[StepResult] = []
    for data in find_unfinished(events):
        handle = attach(incident_dir, data, memory_lines=memory_lines)
        if handle is not None:
            running.append(handle)
            continue
        result = mark_interrupted(incident_dir, data)
        if result is None:  # it started up again between the two checks: it is running
            handle = attach(incident_dir, data, memory_lines=memory_lines)
            if handle is not None:
                running.append(handle)
        elif result.status == "interrupted":
            interrupted.append(result)
    return running, interrupted


# ---------------------------------------------------------------------------- the handle


class StepHandle:
    """A running (or finished) step, seen from a caller. Cheap; several may exist for one step."""

    def __init__(self, incident_dir: Path, started: Mapping[str, Any],
                 proc: subprocess.Popen[bytes] | None = None, memory_lines: int = 2000) -> None:
        self.incident_dir = Path(incident_dir)
        self.started = dict(started)
        self.output_rel = str(started["output"])
        self.output_path = self.incident_dir / self.output_rel
        self.supervisor_pid = int(started.get("supervisor_pid") or 0)
        self.pid = int(started.get("pid") or 0)
        self.pgid = int(started.get("pgid") or 0)
        self.memory_lines = max(1, memory_lines)
        self.tail: deque[OutputLine] = deque(maxlen=self.memory_lines)
        self._proc = proc
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
            result = mark_interrupted(self.incident_dir, self.started)
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

    def _consume(self, data: bytes, batch: deque[OutputLine]) -> None:
        buf = self._partial + data if self._partial else data
        nl = buf.rfind(b"\n")
        if nl < 0:
            self._partial = buf
            return
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
                    while got < CATCH_UP_LIMIT:
                        data = f.read(READ_BLOCK)
                        if not data:
                            break
                        got += len(data)
                        self._offset += len(data)
                        self._consume(data, batch)
            except FileNotFoundError:
                return []
            lines = list(batch)
            self.tail.extend(lines)
            return lines

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

        self._streamer = threading.Thread(target=self.follow, args=(write,), daemon=True,
                                          name=f"stream {self.output_rel}")
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


# ---------------------------------------------------------------------------- start / attach


def _supervisor_spec(spec: RunSpec, output: Path, rel: str, restore: dict[str, str | None]) -> dict[str, Any]:
    shell = spec.shell
    if os.sep not in shell:
        shell = shutil.which(shell) or shell
    return {
        "version": 1,
        "incident_dir": str(spec.incident_dir),
        "output": str(output),
        "output_rel": rel,
        "command": spec.command,
        "shell": shell,
        "cwd": spec.cwd,
        "timeout": spec.timeout,
        "kill_grace": spec.kill_grace,
        "expect": spec.expect,
        "excerpt_lines": spec.excerpt_lines,
        "redaction": spec.redaction.to_json(),
        "secret_params": spec.secret_params(),
        "actor": spec.actor,
        "restore_env": restore,
        "event": {
            "step": spec.step, "step_id": spec.step_id, "label": spec.label, "kind": spec.kind,
            "params": {k: str(v) for k, v in spec.params.items()},
            "mutating": safety.step_is_mutating(spec),
            "confirmed": spec.confirmation is not None and spec.confirmation.covers(spec.command),
            "confirmed_via": spec.confirmation.via if spec.confirmation is not None else None,
            "target": dict(spec.target), "evidence_before": spec.evidence_before,
        },
    }


def _read_ready(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any] | None:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not sel.select(left):
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
    proc.stdout.close()
    if not buf.strip():
        return {"ok": False, "error": ""}
    try:
        msg = json.loads(buf.split(b"\n", 1)[0])
    except ValueError:
        return {"ok": False, "error": buf.decode("utf-8", "replace")[:500]}
    return msg if isinstance(msg, dict) else None


def _supervisor_log_tail(path: Path, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - limit))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def start(spec: RunSpec, *, start_timeout: float = START_TIMEOUT) -> StepHandle:
    """Start the step under its supervisor; returns once ``step.started`` is journaled."""
    safety.check(spec)
    incident_dir = Path(spec.incident_dir)
    if not (incident_dir / "journal.jsonl").exists() and not incident_dir.is_dir():
        raise ExecuteError(f"{incident_dir}: incident directory not found")
    output, rel = allocate_output(incident_dir, spec.step_id)
    spec_path = output.with_name(output.name[:-len(".log")] + ".spec.json")
    env = spec.build_env()
    # The supervisor must import warroom from wherever this process did; the step itself must
    # see the user's PYTHONPATH unchanged, so the supervisor restores it for the command.
    pkg_root = str(Path(warroom.__file__).resolve().parent.parent)
    restore: dict[str, str | None] = {"PYTHONPATH": env.get("PYTHONPATH")}
    env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    payload = json.dumps(_supervisor_spec(spec, output, rel, restore)).encode()
    fd = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(payload)
    log_path = output.parent / "supervisor.log"
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        # -P: the step's cwd is not put on sys.path (a stray selectors.py there cannot hijack the
        # supervisor); -S: no site processing, it needs only the stdlib and warroom (on PYTHONPATH).
        proc = subprocess.Popen(
            [sys.executable, "-P", "-S", "-m", "warroom.execute.supervisor", str(spec_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log_fd,
            start_new_session=True, env=env, cwd=spec.cwd or None, close_fds=True,
        )
    except OSError as exc:
        _cleanup(spec_path, output)
        raise ExecuteError(f"cannot start the step supervisor: {exc.strerror or exc}") from None
    finally:
        os.close(log_fd)
    msg = _read_ready(proc, start_timeout)
    if msg is None or not msg.get("ok"):
        if msg is None:
            proc.kill()
        proc.wait()
        why = (msg or {}).get("error") or _supervisor_log_tail(log_path) or "no reason given"
        _cleanup(spec_path, output)
        raise ExecuteError(f"the step supervisor did not start: {why}")
    return StepHandle(incident_dir, msg["started"], proc=proc, memory_lines=spec.memory_lines)


def _cleanup(spec_path: Path, output: Path) -> None:
    for p in (spec_path, output):
        try:
            if p == output and p.stat().st_size:
                continue
            p.unlink()
        except OSError:
            continue


def attach(incident_dir: str | os.PathLike[str], started: Mapping[str, Any],
           memory_lines: int = 2000) -> StepHandle | None:
    """Reconnect to a step that is still running (after a resume): a handle whose ``tail`` holds
    the last ``memory_lines`` lines and whose ``follow`` continues from there. None if it ended."""
    handle = StepHandle(Path(incident_dir), started, memory_lines=memory_lines)
    if not handle.running():
        return None
    try:
        lines, total, offset = read_tail(handle.output_path, handle.memory_lines)
    except OSError:
        return handle
    handle._offset, handle._n = offset, total
    handle.tail.extend(lines)
    handle._undelivered = list(lines)
    return handle


def start_step(incident: Any, prepared: Any, *, confirmed: bool, stream: TextIO | None = None,
               env: Mapping[str, str] | None = None, path_prepend: Iterable[str] = (),
               **options: Any) -> StepHandle:
    """Run a ``warroom.incident.session.PreparedStep`` of an ``Incident`` (the incident engine's
    doorway; duck-typed to keep the core free of import cycles).

    ``confirmed`` is the person's answer (dialog / ``--yes``); it becomes a
    :class:`~warroom.execute.safety.Confirmation` for exactly ``prepared.command``. If the runner's
    own check refuses (e.g. the classifier finds the final command mutating), ``step.refused`` is
    journaled and :class:`~warroom.execute.safety.StepRefused` raised. ``stream`` gets a live copy
    of the output (see :meth:`StepHandle.stream_to`); other keyword options are ``RunSpec`` fields.
    """
    cfg = incident.config
    command = prepared.command
    step = prepared.step
    via = "dialog" if stream is None else "--yes"
    spec = RunSpec.from_config(
        cfg, incident_dir=incident.dir, command=command, timeout=prepared.timeout, env=env,
        step=prepared.number, step_id=prepared.step_id, label=prepared.label, kind=prepared.kind,
        params=dict(prepared.params), mutating=bool(prepared.mutating),
        confirm=bool(getattr(step, "confirm", False)),
        confirmation=safety.Confirmation.of(command, via=via) if confirmed else None,
        target=dict(prepared.target or {}), expect=prepared.expect,
        path_prepend=list(path_prepend), actor=getattr(getattr(incident, "journal", None), "actor", None),
        **options,
    )
    decision = safety.decide(spec)
    if decision.action != "run":
        Journal(Path(incident.dir) / "journal.jsonl", actor=spec.actor).append(
            ev.STEP_REFUSED, decision.event_data())
        raise safety.StepRefused((decision.reason or "refused") + " (recorded in the journal)")
    handle = start(spec)
    if stream is not None:
        handle.stream_to(stream)
    return handle
