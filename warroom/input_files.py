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


def read_text_input(path: str | os.PathLike[str], what: str, limit: int,
                    error: type[WarroomError] = WarroomError) -> str:
    """The UTF-8 text of ``path`` (a regular file or a pipe, at most ``limit`` bytes)."""
    name = os.fspath(path)
    try:
        st = os.stat(path)
        kind = _kind(st.st_mode)
        if kind is not None:
            raise error(f"{name}: cannot read {what}: {kind}")
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise error(f"{name}: {what} is {st.st_size} bytes, more than the {limit} a {what} may be")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            kind = _kind(os.fstat(fd).st_mode)  # swapped after the stat
            if kind is not None:
                raise error(f"{name}: cannot read {what}: {kind}")
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
        if total == 0 and stat.S_ISFIFO(st.st_mode):
            raise error(f"{name}: cannot read {what}: a FIFO nothing was written to")
    except OSError as exc:
        raise error(f"{name}: cannot read {what}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL in the path
        raise error(f"{name!r}: cannot read {what}: {exc}") from None
    if total > limit:
        raise error(f"{name}: {what} is more than {limit} bytes")
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{name}: {what} is not valid UTF-8 (byte {exc.start})") from None


def _kind(mode: int) -> str | None:
    """Why a file of this mode is not read (None: a regular file or a pipe)."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "not a regular file"
