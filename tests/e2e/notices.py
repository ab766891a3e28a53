"""The app's notifications as the e2e harness reads them: the file ``$WARROOM_NOTIFY_LOG`` names.

tmux shows only what is on screen when it is captured. A toast lives a few seconds, so a test
polling the screen on a busy box can miss one entirely, and then a key the app refused (a warning
came and went) reads the same as a key that never arrived. The app appends every toast to this
log before drawing it (``tui.notify_log``); the harness reads it back: to fail a wait at once with
the app's own words when the key was refused, to wait for a toast that may already be gone, and
to put what the app said into every WaitTimeout.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.messages import REMINDER

REFUSALS = ("warning", "error")   # the severities a key's refusal or failure is said in


@dataclass(frozen=True)
class Notice:
    severity: str
    title: str
    message: str

    @property
    def refusal(self) -> bool:
        """Whether this may be the answer to keys: a warning or error, but never a reminder (the
        incident's clock brings it on its own, whatever was pressed: the Go/No-Go overdue one)."""
        return self.severity in REFUSALS and self.title != REMINDER

    def __str__(self) -> str:
        head = f"{self.severity}" + (f" [{self.title}]" if self.title else "")
        return f"{head}: {self.message}"


class NoticeLog:
    """The notifications one app run recorded, in the order they were shown."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[Notice]:
        """Every whole line so far (a line still being written has no newline yet: not read)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")[:-1]
        return [Notice(**json.loads(line)) for line in lines if line.strip()]

    def count(self) -> int:
        return len(self.read())

    def since(self, mark: int) -> list[Notice]:
        return self.read()[mark:]

    def wait_for(self, wanted: str | re.Pattern[str] | Callable[[Notice], bool], *, after: int = 0,
                 timeout: float = 30.0) -> Notice:
        """The first notice past ``after`` that matches, shown now or seconds ago; AssertionError
        naming every notice seen if none comes in ``timeout``."""
        if isinstance(wanted, str):
            text = wanted
            match: Callable[[Notice], bool] = lambda n: text in n.message   # noqa: E731
        elif isinstance(wanted, re.Pattern):
            pattern = wanted
            match = lambda n: pattern.search(n.message) is not None   # noqa: E731
        else:
            match = wanted
        deadline = time.monotonic() + timeout
        seen: list[Notice] = []
        while time.monotonic() < deadline:
            seen = self.since(after)
            for notice in seen:
                if match(notice):
                    return notice
            time.sleep(0.1)
        raise AssertionError(f"no notification {wanted!r} within {timeout}s; the app said: "
                             f"{[str(n) for n in seen] or 'nothing'}")
