"""Reading a user-named text file (config, status-update text) without hanging or blowing up.

A path on the command line can be anything: a FIFO nobody writes to, ``/dev/zero``, a directory,
a sparse file of gigabytes, bytes that are not UTF-8. Each must give one line naming the file,
never a hang, a traceback or unbounded memory. Pipes stay readable (``--file <(cmd)`` hands over
``/dev/fd/N``): they are opened non-blocking (a FIFO with no writer then reads as empty) and read
up to the limit only.
"""

from __future__ import annotations

import os
import stat

from warroom.errors import WarroomError


class Unreadable(Exception):
    """Why ``read_bounded`` did not read a file: ``kind`` is directory | fifo | socket | device |
    other | too_large (``size``: how big it is, or at least became). Callers word it themselves."""

    def __init__(self, kind: str, size: int | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.size = size


def read_bounded(path: str | os.PathLike[str], limit: int, *, pipes: bool) -> bytes:
    """At most ``limit`` bytes of a regular file (or, with ``pipes``, a pipe), never a hang:
    anything else is refused from its ``stat`` before it is opened, the file is opened
    non-blocking and checked again after the open (swapped since the stat), and reading stops
    one byte past the limit. Raises ``Unreadable``, or ``OSError``/``ValueError`` from the OS."""
    st = os.stat(path)
    kind = _kind(st.st_mode, pipes)
    if kind is not None:
        raise Unreadable(kind)
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        raise Unreadable("too_large", st.st_size)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        kind = _kind(os.fstat(fd).st_mode, pipes)
        if kind is not None:
            raise Unreadable(kind)
        if pipes:
            os.set_blocking(fd, True)  # a pipe with a writer is waited for; one without reads as empty
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:  # grew since the stat, or a pipe
        raise Unreadable("too_large", total)
    if total == 0 and stat.S_ISFIFO(st.st_mode):
        raise Unreadable("empty_fifo")
    return b"".join(chunks)


_WORDS = {"directory": "is a directory", "fifo": "is a FIFO", "socket": "is a socket, not a file",
          "device": "is a device, not a file", "other": "not a regular file",
          "empty_fifo": "a FIFO nothing was written to"}


def read_text_input(path: str | os.PathLike[str], what: str, limit: int,
                    error: type[WarroomError] = WarroomError) -> str:
    """The UTF-8 text of ``path`` (a regular file or a pipe, at most ``limit`` bytes)."""
    name = os.fspath(path)
    try:
        data = read_bounded(path, limit, pipes=True)
    except Unreadable as exc:
        if exc.kind == "too_large":
            raise error(f"{name}: {what} is {exc.size} bytes, more than the {limit} a {what} may be") from None
        raise error(f"{name}: cannot read {what}: {_WORDS[exc.kind]}") from None
    except OSError as exc:
        raise error(f"{name}: cannot read {what}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL in the path
        raise error(f"{name!r}: cannot read {what}: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{name}: {what} is not valid UTF-8 (byte {exc.start})") from None


def _kind(mode: int, pipes: bool = True) -> str | None:
    """Why a file of this mode is not read (None: a regular file, or a pipe when ``pipes``)."""
    if stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode)):
        return None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"
