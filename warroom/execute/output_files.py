"""A step's output file: where it goes, and whether a supervisor still holds it.

The file's ``flock`` is what "running" means across processes (the TUI, a second CLI, a resumed
session), so allocating the file and testing its lock live together.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
from pathlib import Path

from warroom.execute.run_spec import ExecuteError


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60]
    return s or "step"


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


HOST_TAG_NAME = ".host-tag"


def write_host_tag(outputs: Path) -> str:
    """Give this dir's output names a tag unique to this host and dir (a shared incident's
    runs from several hosts then never share a name); returns it."""
    import hashlib
    import socket

    path = outputs / HOST_TAG_NAME
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    tag = "h" + hashlib.sha256(f"{socket.gethostname()}\0{outputs.resolve()}".encode()).hexdigest()[:8]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, tag.encode() + b"\n")
    finally:
        os.close(fd)
    return tag


def _host_tag(outputs: Path) -> str:
    try:
        tag = (outputs / HOST_TAG_NAME).read_text().strip()
    except OSError:
        return ""
    return f"{tag}-" if re.fullmatch(r"h[0-9a-f]{8}", tag) else ""


def allocate_output(incident_dir: Path, step_id: str) -> tuple[Path, str]:
    """Create ``outputs/NNNN-<step-id>.log`` (0600), numbered after the highest existing one
    (``NNNN-<host tag>-<step-id>.log`` where the dir has a host tag: a shared incident)."""
    outputs = incident_dir / "outputs"
    _ensure_private_dir(outputs)
    highest = 0
    for p in outputs.iterdir():
        m = re.match(r"(\d{4,})-", p.name)
        if m:
            highest = max(highest, int(m.group(1)))
    slug = _host_tag(outputs) + _slug(step_id)
    for n in range(highest + 1, highest + 1000):
        path = outputs / f"{n:04d}-{slug}.log"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.fchmod(fd, 0o600)  # whatever the umask: the supervisor must be able to write it
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
        return not try_lock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)


def try_lock(fd: int, operation: int) -> bool:
    """Take ``operation`` (``LOCK_SH``/``LOCK_EX``) on ``fd`` without waiting.

    False means another process holds the lock, which for an output file means its step is
    still running; any other failure is an error worth raising, not a "running" answer.
    """
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True
