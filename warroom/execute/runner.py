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

This module starts and reattaches; the handle is :mod:`warroom.execute.handle`, the spec and
result types :mod:`warroom.execute.run_spec`, output files and their lock
:mod:`warroom.execute.output_files`, and interrupted-run recovery :mod:`warroom.execute.recovery`.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import warroom
from warroom.execute import safety, shell_state
from warroom.execute.capture import read_tail
from warroom.execute.handle import CATCH_UP_LIMIT as CATCH_UP_LIMIT, READ_BLOCK as READ_BLOCK, StepHandle
from warroom.execute.output_files import allocate_output, output_locked as output_locked
from warroom.execute.recovery import find_finished as find_finished, find_unfinished, mark_interrupted
from warroom.execute.run_spec import OBSERVER_MARK, ExecuteError, RunSpec, StartOvertaken, StepResult
from warroom.execute.watchdog import claim_owner, claim_path, try_claim
from warroom.journal import events as ev
from warroom.journal.encoding import HeadMoved
from warroom.journal.log import Event, Journal, JournalError, format_ts, read_journal
from warroom.paths import command, store_option


START_TIMEOUT = 30.0


class JournalDamagedError(JournalError):
    """The incident's journal is damaged: no step may start on it (exit 6)."""


class StepAlreadyRunning(ExecuteError):
    """The same step is already running (its claim is held by another process): refused."""

    exit_code = 5


def reconcile(incident_dir: str | os.PathLike[str], events: Iterable[Event] | None = None,
              memory_lines: int = 2000, *, clock_held: datetime | None = None
              ) -> tuple[list[StepHandle], list[StepResult]]:
    """On resume: handles for steps still running, and ``interrupted`` results journaled for
    started steps whose supervisor died without recording an end (``clock_held``: the incident's
    clock when it does not run with the wall, as ``RunSpec.clock_held``)."""
    incident_dir = Path(incident_dir)
    if events is None:
        events = read_journal(incident_dir / "journal.jsonl").events
    running: list[StepHandle] = []
    interrupted: list[StepResult] = []
    for data in find_unfinished(events):
        handle = attach(incident_dir, data, memory_lines=memory_lines, clock_held=clock_held)
        if handle is not None:
            running.append(handle)
            continue
        result = mark_interrupted(incident_dir, data, at=clock_held)
        if result is None:  # it started up again between the two checks: it is running
            handle = attach(incident_dir, data, memory_lines=memory_lines, clock_held=clock_held)
            if handle is not None:
                running.append(handle)
        elif result.status == "interrupted":
            interrupted.append(result)
    return running, interrupted


# ---------------------------------------------------------------------------- start / attach


def _pattern_engine_paths() -> list[str]:
    """Where the supervisor (``python -S``: no site-packages) finds RE2, which configured
    ``redaction.patterns`` run on and which finds the built-in rules' trigger words in a long
    output in one pass; appended after the standard library, never before it."""
    import importlib.util

    found = importlib.util.find_spec("re2")
    if found is None or not found.origin:
        return []
    where = Path(found.origin).resolve().parent
    return [str(where.parent if found.submodule_search_locations else where)]


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
        "expect_text": spec.expect_text,
        "excerpt_lines": spec.excerpt_lines,
        "max_output": spec.max_output,
        "redaction": spec.redaction.to_json(),
        "secret_params": spec.secret_params(),
        "path_after_stdlib": _pattern_engine_paths(),
        "actor": spec.actor,
        "restore_env": restore,
        "start_after": ({"seq": spec.start_after[0], "unless": sorted(spec.start_after[1])}
                        if spec.start_after is not None else None),
        "clock_held": format_ts(spec.clock_held) if spec.clock_held is not None else None,
        "start_before": format_ts(spec.start_before) if spec.start_before is not None else None,
        "caller_journals_start": spec.journal_start is not None,
        **shell_state.supervisor_fields(spec.command, spec.capture_vars, output, rel),
        "event": {
            "step": spec.step, "step_id": spec.step_id,
            **({"runbook_id": spec.runbook_id} if spec.runbook_id else {}),
            "label": spec.label, "kind": spec.kind,
            "params": {k: str(v) for k, v in spec.params.items()},
            **({"off_default": dict(spec.off_default)} if spec.off_default else {}),
            **({"section": spec.section} if spec.section else {}),
            **({"phase": spec.phase} if spec.phase else {}),
            "mutating": safety.step_is_mutating(spec),
            "confirmed": spec.confirmation is not None and spec.confirmation.covers(spec.command),
            "confirmed_via": spec.confirmation.via if spec.confirmation is not None else None,
            "target": dict(spec.target), "evidence_before": spec.evidence_before,
            **({"approval": dict(spec.approval)} if spec.approval else {}),
            **(OBSERVER_MARK if spec.observer else {}),      # a read-only seat's run: never the response's
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
    damage = read_journal(incident_dir / "journal.jsonl").issues
    if damage:
        # Whoever calls, a step never runs on a damaged journal: its start and end would be
        # recorded after the damage, where no view reads them.
        inc, where = incident_dir.name, store_option(incident_dir)
        raise JournalDamagedError(f"{inc}: journal {damage[0]}; nothing was run"
                                  f" (`{command('incident', 'verify', inc, *where)}`,"
                                  f" then `{command('incident', 'repair', inc, *where)}`)")
    claim = claim_path(incident_dir, spec.step_id, spec.observer)
    try:
        claim.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        claim_fd = try_claim(claim)
        if claim_fd is None and not _step_unfinished(incident_dir, spec.step_id):
            # The journal has its end: the last run's supervisor or watchdog is just exiting.
            deadline = time.monotonic() + 2.0
            while claim_fd is None and time.monotonic() < deadline:
                time.sleep(0.01)
                claim_fd = try_claim(claim)
    except OSError as exc:
        raise _disk_error(claim, exc) from None
    if claim_fd is None:
        owner = claim_owner(claim)
        who = f" (supervisor pid {owner['supervisor_pid']}, output {owner.get('output')})" if owner.get(
            "supervisor_pid") else ""
        raise StepAlreadyRunning(f"step {spec.step or spec.step_id} ({spec.label or spec.step_id}) is already"
                                 f" running{who}; nothing was started (wait for it, or cancel it first)")
    try:
        return _start_claimed(spec, incident_dir, claim_fd, start_timeout)
    finally:
        os.close(claim_fd)  # the supervisor and its watchdog hold their own copies now


def _step_unfinished(incident_dir: Path, step_id: str) -> bool:
    events = read_journal(incident_dir / "journal.jsonl").events
    return any(d.get("step_id") == step_id for d in find_unfinished(events))


def _disk_error(path: Path, exc: OSError) -> JournalError:
    return JournalError(f"{path}: cannot write: {exc.strerror or exc}; nothing was run")


def _start_claimed(spec: RunSpec, incident_dir: Path, claim_fd: int, start_timeout: float) -> StepHandle:
    try:
        output, rel = allocate_output(incident_dir, spec.step_id)
    except OSError as exc:
        raise _disk_error(incident_dir / "outputs", exc) from None
    spec_path = output.with_name(output.name[:-len(".log")] + ".spec.json")
    log_path = output.with_name(output.name[:-len(".log")] + ".supervisor.log")
    env = spec.build_env()
    # The supervisor must import warroom from wherever this process did; the step itself must
    # see the user's PYTHONPATH unchanged, so the supervisor restores it for the command.
    pkg_root = str(Path(warroom.__file__).resolve().parent.parent)
    restore: dict[str, str | None] = {"PYTHONPATH": env.get("PYTHONPATH")}
    env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    sup_spec = _supervisor_spec(spec, output, rel, restore)
    sup_spec.update({"claim_fd": claim_fd, "log_path": str(log_path)})
    payload = json.dumps(sup_spec).encode()
    try:
        fd = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask: the supervisor must be able to read it
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        _cleanup(spec_path, output, log_path)
        raise _disk_error(spec_path, exc) from None
    os.set_inheritable(claim_fd, True)
    try:
        os.pwrite(claim_fd, json.dumps({"output": rel}).encode().ljust(255) + b"\n", 0)
    except OSError:
        pass  # who holds the claim is a courtesy for the refusal message; the lock is what counts
    try:
        # -P: the step's cwd is not put on sys.path (a stray selectors.py there cannot hijack the
        # supervisor); -S: no site processing, it needs only the stdlib and warroom (on PYTHONPATH).
        proc = subprocess.Popen(
            [sys.executable, "-P", "-S", "-m", "warroom.execute.supervisor", str(spec_path)],
            stdin=subprocess.PIPE if spec.journal_start is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=log_fd,
            start_new_session=True, env=env, cwd=spec.cwd or None, close_fds=True, pass_fds=(claim_fd,),
        )
    except OSError as exc:
        _cleanup(spec_path, output, log_path)
        raise ExecuteError(f"cannot start the step supervisor: {exc.strerror or exc}") from None
    finally:
        os.close(log_fd)
    msg = _read_ready(proc, start_timeout)
    if msg is None or not msg.get("ok"):
        if msg is None:
            proc.kill()
        proc.wait()
        why = (msg or {}).get("error") or _supervisor_log_tail(log_path) or "no reason given"
        _cleanup(spec_path, output, log_path)
        if (msg or {}).get("overtaken"):
            raise StartOvertaken(str(why))
        if (msg or {}).get("journal"):
            raise JournalError(str(why))
        raise ExecuteError(f"the step supervisor did not start: {why}")
    if spec.journal_start is not None:
        _journal_start(spec, proc, msg["started"], (spec_path, output, log_path))
    try:
        os.pwrite(claim_fd, json.dumps({"output": rel, "supervisor_pid": proc.pid}).encode().ljust(255) + b"\n", 0)
    except OSError:
        pass
    return StepHandle(incident_dir, msg["started"], proc=proc, memory_lines=spec.memory_lines,
                      clock_held=spec.clock_held)


def _journal_start(spec: RunSpec, proc: subprocess.Popen[bytes], started: dict[str, Any],
                   files: tuple[Path, Path, Path]) -> None:
    """The caller journals the start (``RunSpec.journal_start``) while the command waits at its
    gate, then lets it go; refused (overtaken, the store down), the supervisor ends it unrun."""
    assert spec.journal_start is not None and proc.stdin is not None
    try:
        spec.journal_start(started)
    except BaseException as exc:
        _tell(proc, b"no")
        proc.wait()
        _cleanup(*files)
        if isinstance(exc, HeadMoved):
            raise StartOvertaken(str(exc)) from None
        raise
    _tell(proc, b"go")


def _tell(proc: subprocess.Popen[bytes], word: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(word)
        proc.stdin.close()
    except OSError:
        pass  # it is gone: it let nothing run without the word


def _cleanup(spec_path: Path, output: Path, log: Path | None = None) -> None:
    for p in (spec_path, output, *((log,) if log is not None else ())):
        try:
            if p != spec_path and p.stat().st_size:
                continue
            p.unlink()
        except OSError:
            continue


def attach(incident_dir: str | os.PathLike[str], started: Mapping[str, Any],
           memory_lines: int = 2000, clock_held: datetime | None = None) -> StepHandle | None:
    """Reconnect to a step that is still running (after a resume): a handle whose ``tail`` holds
    the last ``memory_lines`` lines and whose ``follow`` continues from there. None if it ended."""
    handle = StepHandle(Path(incident_dir), started, memory_lines=memory_lines, clock_held=clock_held)
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
    held = getattr(incident, "clock_held", None)
    if callable(held):
        options.setdefault("clock_held", held())      # the incident's clock, for the lines the supervisor writes
    spec = RunSpec.from_config(
        cfg, incident_dir=incident.dir, command=command, timeout=prepared.timeout, env=env,
        step=prepared.number, step_id=prepared.step_id, label=prepared.label, kind=prepared.kind,
        runbook_id=getattr(prepared, "runbook_id", None),
        params=dict(prepared.params), mutating=bool(prepared.mutating),
        off_default=dict(getattr(prepared, "off_default", None) or {}),
        section=str(getattr(step, "section", None) or ""), phase=str(getattr(step, "phase", None) or ""),
        confirm=bool(getattr(step, "confirm", False)),
        confirmation=safety.Confirmation.of(command, via=via) if confirmed else None,
        target=dict(prepared.target or {}), expect=prepared.expect,
        expect_text=getattr(prepared, "expect_text", None),
        path_prepend=list(path_prepend), actor=getattr(getattr(incident, "journal", None), "actor", None),
        **options,
    )
    decision = safety.decide(spec)
    if decision.action != "run":
        Journal(Path(incident.dir) / "journal.jsonl", actor=spec.actor).append(
            ev.STEP_REFUSED, {**decision.event_data(), **(OBSERVER_MARK if spec.observer else {})}, ts=spec.clock_held)
        raise safety.StepRefused((decision.reason or "refused") + " (recorded in the journal)")
    handle = start(spec)
    if stream is not None:
        handle.stream_to(stream)
    return handle
