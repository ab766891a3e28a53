"""Every notification the dashboard shows, kept: one JSON line per toast in ``$WARROOM_NOTIFY_LOG``.

A toast is on screen for a few seconds. Anyone who looks at the terminal a moment later (an
end-to-end test polling the screen on a busy box, a commander who looked away) cannot tell a
key that was refused (a warning toast came and went) from a key that never arrived. The log is
the durable record: written before the toast is drawn, in the order shown, with the exact words
(already sanitised) and the severity. Only the environment turns it on (``Config.notify_log``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def append(path: Path, *, severity: str, title: str, message: str) -> None:
    """Append one notification as a whole line (``O_APPEND``: a reader sees whole lines in order;
    a line cut by a crash has no newline and readers skip it)."""
    line = json.dumps({"severity": severity, "title": title, "message": message}, ensure_ascii=False) + "\n"
    data = line.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)
