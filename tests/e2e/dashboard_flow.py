"""The key sequences a person types into the dashboard, as bounded waits on the real screen.

Shared by the SSH, terminal-variant and signal tests so a change in the dashboard's dialogs is
fixed in one place. The flows use a small runbook of their own (``E2E_RUNBOOK``): one instant step
and one that takes a few seconds, so a test can act while a step is running.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession

INCIDENT_ID = re.compile(r"INC-\d{8}-\d+")
# Each SLO pane's title, in the words it keeps even when squeezed into the 80x24 strip.
PANE_WORDS = ("failure", "latency", "quota", "5xx", "audit")

E2E_RUNBOOK_ID = "RB-E2E-001"
SLOW_TICKS = 20
E2E_RUNBOOK = f"""+++
id = "{E2E_RUNBOOK_ID}"
title = "End-to-end drill"
severity = "P3"
+++
# End-to-end drill

## Triage

```bash
# Print a marker
echo e2e-fast-marker
```

```bash
# Count slowly
for i in $(seq 1 {SLOW_TICKS}); do echo "tick $i"; sleep 0.25; done; echo e2e-slow-done
```
"""


# The slow step is streaming: a tick past the first and before the last on screen. "tick 2" alone
# was a state that passes by: the output pane scrolls it off after a few more ticks, and a box that
# captured no frame in that window saw it again only inside "tick 20", as the step ended.
STREAMING = re.compile(r"\btick (?:" + "|".join(str(n) for n in range(2, SLOW_TICKS)) + r")\b")


def prepare(session: WarroomSession) -> Path:
    """Write the e2e runbook and a config that adds its directory; returns the runbook path."""
    rb_dir = session.root / "runbooks"
    rb_dir.mkdir(parents=True, exist_ok=True)
    path = rb_dir / "e2e.md"
    path.write_text(E2E_RUNBOOK)
    cfg = session.config_home / "warroom" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(f'[runbooks]\ndirs = ["{rb_dir}"]\n')
    return path


def dashboard_ready(screen: str) -> bool:
    """The dashboard is up: DRILL flag, every SLO pane with a value, the runbook pane drawn."""
    low = screen.lower()
    return "DRILL" in screen and all(w in low for w in PANE_WORDS) and "waiting" not in low and "runbook" in low


def wait_dashboard(term: TmuxTerm, timeout: float = 90) -> str:
    return term.wait_for(dashboard_ready, timeout=timeout)


def declare(term: TmuxTerm, runbook: str | None = E2E_RUNBOOK_ID, timeout: float = 30) -> str:
    """``d``; pick ``runbook`` in the dialog's runbook list (type-to-search); ctrl+s. Returns the id."""
    term.press("d", until="Declare an incident", timeout=timeout)
    if runbook is not None:
        term.send("Tab", "Tab", "Enter")  # title → severity → runbook list, opened
        # opened: runbooks on two lines or more between the fields' ▊ ▎ edges (a closed select shows
        # one; at 80x24 the list covers the select itself). Counting "RB-CORE-00" alone was fooled by
        # the panes: on a slow box two panes had breached and named RB-CORE-001 and RB-CORE-003
        # beside the select's own, so the id was typed before the list was open
        term.wait_for(lambda s: sum("▊" in ln and "RB-" in ln for ln in s.splitlines()) >= 2
                      and s.count("RB-CORE-00") >= 3, timeout=timeout)
        term.type(runbook)
        term.send("Enter")
        term.wait_for(lambda s: s.count(runbook) == 1 and "RB-CORE-005" not in s, timeout=timeout)
    screen = term.press("C-s", until=lambda s: INCIDENT_ID.search(s) is not None and "Declare an incident" not in s,
                        timeout=timeout)
    if runbook is not None:
        term.wait_for(runbook, timeout=timeout)
    match = INCIDENT_ID.search(screen)
    assert match is not None
    return match.group(0)


def run_selected_step(term: TmuxTerm, timeout: float = 30) -> None:
    """``enter`` on the highlighted step, then Run (ctrl+s) in the dialog; a refusal or failure
    the app says ends the wait with its words (``TmuxTerm.press``)."""
    term.press("Enter", until=re.compile(r"Run step \d+:"), timeout=timeout)
    term.press("C-s", until=lambda s: re.search(r"Run step \d+:", s) is None, timeout=timeout)
