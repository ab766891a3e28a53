"""The CLI's one choke point to the terminal: everything written to stdout/stderr is made safe.

``warroom``'s entry point replaces ``sys.stdout`` and ``sys.stderr`` with :class:`SafeStream`
for the whole run of a headless command, so every ``print``, ``out()``, argparse message and
error goes through :func:`warroom.safe_text.safe_text` — a field added tomorrow cannot reach the
terminal raw. The only way around it is :func:`step_output_stream`, for step output, which was
already cleaned by the step-output sanitiser at capture (colour kept, nothing else) and is cleaned
again here when it did not come from a capture file (:func:`write_step_output`).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from warroom.safe_text import one_line, safe_text


class SafeStream(io.TextIOBase):
    """A text stream that writes ``safe_text(s)`` for every ``write(s)`` to the stream it wraps."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, s: str) -> int:
        self.raw.write(safe_text(s))
        return len(s)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.raw, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.raw, "encoding", "utf-8") or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)

    def __del__(self) -> None:
        """Dropping the guard must not close the stream it guards (IOBase would)."""

    def close(self) -> None:
        # Closing the guard closes what it guards (BrokenPipeError handling closes stderr).
        with contextlib.suppress(OSError, ValueError):
            self.raw.close()
        super().close()


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`SafeStream` for the block."""
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeStream(saved[0])  # type: ignore[assignment]
    sys.stderr = SafeStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        sys.stdout, sys.stderr = saved


def step_output_stream(stream: TextIO | None = None) -> TextIO:
    """The unguarded stream under ``stream`` (default stdout), for step output only.

    Only :meth:`warroom.execute.handle.StepHandle.stream_to` gets it: the lines it copies are
    read back from the capture file, which holds output the step-output sanitiser already cleaned.
    """
    stream = sys.stdout if stream is None else stream
    while isinstance(stream, SafeStream):
        stream = stream.raw
    return stream


def write_step_output(line: str, stream: TextIO | None = None) -> None:
    """One line of step output that did not come through a capture stream: cleaned with the
    step-output sanitiser (colour kept, every other escape removed) and written unguarded."""
    from warroom.execute.sanitize import sanitize

    step_output_stream(stream).write(sanitize(line).replace("\r", "") + "\n")


def rich_console(stream: TextIO | None = None) -> Any:
    """A Rich console for tables (``warroom status``): it writes colour itself, so it gets the
    unguarded stream — every cell it is given must come from :func:`cell`."""
    from rich.console import Console

    return Console(file=step_output_stream(stream), soft_wrap=False)


def cell(value: object, style: str = "", *, newlines: bool = False) -> Any:
    """A Rich ``Text`` of user or config text: sanitised (one line unless ``newlines``), and never
    read as markup."""
    from rich.text import Text

    return Text(safe_text(value, newlines=newlines) if newlines else one_line(value), style=style)
