"""Files of an incident directory: private (0700 / 0600) whatever the umask, created
exclusively, never through a symlink. The session, the store, the PIR export and the CSV log
all write through these."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from warroom.journal.log import JournalError

JOURNAL_NAME = "journal.jsonl"
DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private_dir(path: Path, *, tighten: bool = True) -> None:
    """Create ``path`` and every missing parent as 0700 whatever the umask (``mkdir`` then
    ``chmod``: a umask can only take bits away, and ``Path.mkdir(parents=True)`` gives parents
    the umask's mode). With ``tighten`` an existing ``path`` is set to 0700 too; a directory
    someone else made (a shared export directory) is left as it is with ``tighten=False``."""
    try:
        missing: list[Path] = []
        p = Path(path)
        while not os.path.lexists(p) and p != p.parent:
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            try:
                os.mkdir(d, DIR_MODE)
            except FileExistsError:
                continue  # made by a concurrent process: not ours to change
            os.chmod(d, DIR_MODE)
        if not os.path.isdir(path):
            raise NotADirectoryError(20, "not a directory")
        if tighten:
            os.chmod(path, DIR_MODE)
    except OSError as exc:
        raise JournalError(f"{path}: cannot create directory: {exc.strerror or exc}") from None


_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def create_exclusive(directory: Path, prefix: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new file in ``directory`` that did not exist before (``O_EXCL``: never a file or
    symlink someone planted, and ``O_NOFOLLOW``), mode 0600 whatever the umask; (fd, path)."""
    for _ in range(100):
        tmp = directory / f"{prefix}{secrets.token_hex(8)}{suffix}"
        try:
            fd = os.open(tmp, _EXCLUSIVE, FILE_MODE)
        except FileExistsError:
            continue
        os.fchmod(fd, FILE_MODE)
        return fd, tmp
    raise FileExistsError(17, f"no free temporary name in {directory}")


def read_nofollow(path: Path) -> bytes | None:
    """The bytes of a regular file at ``path``; None when there is none — a symlink is never
    followed and a FIFO or device is never opened for reading (it could block or lie)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: bytes) -> None:
    """Write a whole file atomically, mode 0600: never half-written, never through a symlink.

    The data goes to a temporary file created exclusively next to ``path`` (``O_EXCL |
    O_NOFOLLOW``, random name, so a planted file or symlink is never opened), is fsynced, and is
    renamed over ``path`` — which replaces a symlink at ``path`` instead of writing where it
    points."""
    tmp: Path | None = None
    try:
        fd, tmp = create_exclusive(path.parent, f".{path.name}.")
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            try:
                tmp.unlink()
            except OSError:
                pass  # the error below is what matters
        raise JournalError(f"{path}: cannot write: {exc.strerror or exc}; nothing was written") from None
