"""What keeps a step's processes and its result from outliving their record.

Three pieces, each for a way the supervisor can fail to see a step through:

* **the tag**: every process of a step carries ``WARROOM_STEP_TAG=<random>`` in its environment
  (inherited through ``setsid``, double forks and process-group changes), so the step's processes
  can be found after the supervisor that knew them is gone; :func:`tagged_pids` finds them;
* **the watchdog**: a tiny process forked by the supervisor before the command, in a session of
  its own (a kill of the supervisor's group does not reach it). It waits on a pipe only the
  supervisor writes to. A supervisor that finishes says "done"; one that dies (``kill -9``, OOM)
  closes the pipe without it, and the watchdog ends every tagged process (SIGTERM, then SIGKILL
  after the grace) and journals the step ``interrupted`` with the pids it ended. The command's
  shell also gets ``PR_SET_PDEATHSIG``: it is killed by the kernel the moment the supervisor dies;
* **the step claim** (``outputs/.claim-<step>.lock``): an ``flock`` held by the caller until the
  supervisor has it, then by the supervisor and the watchdog until the step and its processes are
  over. A second ``run`` of the same step, from any process, finds it held and is refused;
* **the end record** (``outputs/NNNN-<step>.end``): space for the step's end reserved before the
  command starts. When the journal cannot take ``step.finished`` (disk full), the result is kept
  there instead, and the next warroom that can write the journal records it: the step's real exit
  status is never lost.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: ``recovery.mark_interrupted(incident_dir, started, *, reason, watchdog)``: journals the step's end.
MarkInterrupted = Callable[..., Any]

TAG_ENV = "WARROOM_STEP_TAG"
PR_SET_PDEATHSIG = 1
END_SIZE = 16384
DONE = b"d"


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux only)."""
    import ctypes      # here: every drill stand-in imports this module for TAG_ENV, and ctypes is ~2 ms of it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except (OSError, AttributeError):
        return


def tagged_pids(tag: str) -> list[int]:
    """Pids of live processes whose environment carries the step's tag (never our own)."""
    needle = f"{TAG_ENV}={tag}".encode() + b"\0"
    me = os.getpid()
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read() + b"\0"
        except OSError:
            continue
        if b"\0" + needle in b"\0" + env:
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != b"Z":
                found.append(int(name))
    return found


def end_tree(tag: str, pgid: int, grace: float) -> list[int]:
    """SIGTERM every tagged process (and the step's group), SIGKILL what is left after ``grace``.
    Returns the pids that were found running."""
    pids = tagged_pids(tag)
    seen = set(pids)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if pgid > 1:
            try:
                os.killpg(pgid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                continue
        if sig == signal.SIGKILL:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            pids = tagged_pids(tag)
            seen.update(pids)
            if not pids:
                break
            time.sleep(0.05)
        pids = tagged_pids(tag)
        seen.update(pids)
        if not pids:
            break
    # Reap nothing: they are not our children; just wait until they are gone (bounded).
    deadline = time.monotonic() + 2.0
    while tagged_pids(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    return sorted(seen)


def start_watchdog(incident_dir: Path, started: dict[str, Any], keep_fds: tuple[int, ...],
                   grace: float, mark_interrupted: MarkInterrupted) -> tuple[int, int]:
    """Fork the watchdog; returns ``(its pid, the write end the supervisor holds)``.

    ``mark_interrupted`` is ``warroom.execute.recovery.mark_interrupted``, handed in by the
    supervisor: recovery reads this module's claims and end records, so this module importing it
    back would be a cycle.

    ``started`` is filled in later by the supervisor through :func:`watchdog_started`; the
    watchdog reads it back from the pipe just before the supervisor says done (or from the
    journal, if the supervisor dies first).
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the watchdog process
        code = 0
        try:
            os.setsid()
            for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
                signal.signal(sig, signal.SIG_IGN)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
            low = 3
            for fd in sorted({r, *keep_fds}):
                os.closerange(low, fd)
                low = fd + 1
            os.closerange(low, max(os.sysconf("SC_OPEN_MAX"), 1024))
            code = _watch(r, incident_dir, started, grace, mark_interrupted)
        except BaseException:  # noqa: BLE001 - a dying watchdog must still exit, never return into the supervisor
            code = 1
        finally:
            os._exit(code)
    os.close(r)
    return pid, w


def _watch(r: int, incident_dir: Path, started: dict[str, Any], grace: float,
           mark_interrupted: MarkInterrupted) -> int:
    buf = b""
    while True:
        try:
            chunk = os.read(r, 65536)
        except InterruptedError:
            continue
        if not chunk:
            break
        buf += chunk
    if buf.endswith(DONE):
        return 0
    # The supervisor died without saying done: its step's processes are unsupervised.
    info = started
    if buf:
        try:
            info = {**started, **json.loads(buf.split(b"\n", 1)[0])}
        except ValueError:
            pass
    tag = str(info.get("tag") or "")
    pgid = int(info.get("pgid") or 0)
    ended = end_tree(tag, pgid, grace) if tag else []
    if not buf or not info.get("output"):
        return 0  # it died before the step's start was journaled: there is no run to end
    reason = (f"its supervisor (pid {info.get('supervisor_pid')}) died without recording the step's end;"
              + (f" the watchdog ended {len(ended)} process(es) of the step (pids {', '.join(map(str, ended))})"
                 if ended else " no process of the step was left running"))
    try:
        mark_interrupted(incident_dir, info, reason=reason, watchdog=True)
    except Exception:  # noqa: BLE001 - nothing to report to; a resumed warroom journals it
        return 1
    return 0


def write_started(w: int, started: dict[str, Any]) -> None:
    """Tell the watchdog what it watches (one JSON line), once ``step.started`` is journaled."""
    try:
        os.write(w, json.dumps(started).encode() + b"\n")
    except OSError:
        return


def say_done(w: int) -> None:
    try:
        os.write(w, DONE)
    except OSError:
        pass
    finally:
        os.close(w)


# ---------------------------------------------------------------------------- end record


def reserve_end(path: Path) -> int:
    """Create the end record with its space allocated now (raises OSError on a full disk)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            os.posix_fallocate(fd, 0, END_SIZE)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                raise
            os.pwrite(fd, b" " * END_SIZE, 0)  # no fallocate here: write the space instead
        os.fsync(fd)
    except OSError:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    return fd


def write_end(fd: int, data: dict[str, Any]) -> bool:
    """Keep the step's end in its reserved record (no new disk space needed)."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    if len(raw) >= END_SIZE:
        data = {**data, "excerpt": "", "expect": None}
        raw = json.dumps(data, separators=(",", ":")).encode()[:END_SIZE - 1]
    try:
        os.pwrite(fd, raw + b"\n" + b" " * (END_SIZE - len(raw) - 1), 0)
        os.fsync(fd)
    except OSError:
        return False
    return True


def read_end(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes().strip()
    except OSError:
        return None
    if not raw:
        return None
    try:
        data = json.loads(raw.split(b"\n", 1)[0])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def end_path_for(incident_dir: Path, output_rel: str) -> Path:
    rel = output_rel[:-len(".log")] if output_rel.endswith(".log") else output_rel
    return incident_dir / f"{rel}.end"


# ---------------------------------------------------------------------------- step claim


def claim_path(incident_dir: Path, step_id: str, observer: bool = False) -> Path:
    """The lock one run of a step holds while it runs. A read-only seat's runs take their own (``observer``): its
    run is not the response's, so it never keeps a responder from running the step (attack48 Z7: the commander's run
    was refused "already running" while only an observer's was)."""
    import re

    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", step_id).strip("-")[:60] or "step"
    return incident_dir / "outputs" / (f".observer-claim-{slug}.lock" if observer else f".claim-{slug}.lock")


CLAIM_SIZE = 256


def _create_claim(path: Path) -> None:
    """Create the claim file whole (its fixed-size record already written), or not at all: a
    full disk refuses the run here instead of leaving an empty file behind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            if os.write(fd, b"{}".ljust(CLAIM_SIZE - 1) + b"\n") != CLAIM_SIZE:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass


def try_claim(path: Path) -> int | None:
    """The claim's fd with its lock held, or None when another process holds it."""
    if not path.exists():
        _create_claim(path)
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def claim_held(path: Path) -> bool:
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


def claim_owner(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_bytes() or b"{}"))
    except (OSError, ValueError, TypeError):
        return {}
