"""The key sequences a person types into the dashboard, as bounded waits on the real screen.

Shared by the SSH, terminal-variant and signal tests so a change in the dashboard's dialogs is
fixed in one place.
"""

from __future__ import annotations

import re

from tests.e2e.tmuxterm import TmuxTerm

INCIDENT_ID = re.compile(r"INC-\d{8}-\d+")
# Each SLO pane's title, in the words it keeps even when squeezed into the 80x24 strip.
PANE_WORDS = ("failure", "latency", "quota", "5xx", "audit")


def dashboard_ready(screen: str) -> bool:
    """The dashboard is up: DRILL flag, every SLO pane with a value, the runbook pane drawn."""
    low = screen.lower()
    return (
        "DRILL" in screen
        and all(w in low for w in PANE_WORDS)
        and "waiting" not in low
        and "runbook" in low
    )


def wait_dashboard(term: TmuxTerm, timeout: float = 60) -> str:
    return term.wait_for(dashboard_ready, timeout=timeout)


def declare(term: TmuxTerm, timeout: float = 30) -> str:
    """``d``, accept the pre-filled title and severity with ctrl+s; returns the new incident id."""
    term.send("d")
    term.wait_for("Declare an incident", timeout=timeout)
    term.send("C-s")
    screen = term.wait_for(lambda s: INCIDENT_ID.search(s) is not None and "Declare an incident" not in s,
                           timeout=timeout)
    match = INCIDENT_ID.search(screen)
    assert match is not None
    return match.group(0)
