"""A replay of a recorded incident shows the recorded curve, in a real terminal.

The incident is real: its source is a real Prometheus backfilled (``promtool``) with the
rate-limit scenario's series, and it is declared, marked and resolved from the shell, which saves
its metric history in its directory. Prometheus is then stopped: the replay needs nothing but the
incident. `warroom drill --replay INC --speed 60` is driven as a person would (send-keys,
capture-pane) on a pinned clock (``$WARROOM_DRILL_AT``, a day after the incident): each pane shows
the value recorded at the recorded time the header names; the runbook is the incident's own
snapshot (the library's copy was edited since); declaring pre-fills the recording's first breach,
its severity and runbook. Killed with SIGKILL and started again 55 wall seconds later (the pinned
clock moved), the replay offers the rehearsal and continues it: 55 recorded minutes on, with the
values and the climb of the quota curve the recording holds then. Killed again, the quit dialog's
command (`warroom resume ID --state-dir …/drills`) continues it too, 70 recorded minutes on.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.dashboard_flow import INCIDENT_ID, PANE_WORDS
from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

if not shutil.which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)
pytest.importorskip("warroom.drill.actions")

RUNBOOK = """+++
id = "RB-REPLAY-001"
title = "Quota rehearsal"
severity = "P2"
+++
# Quota rehearsal

## Mitigation

```bash
# {step}
echo breaker on
```
"""
OK_GLYPHS, CRIT_GLYPHS = "▁▂▃▄", "▇█"


def pane_box(screen: str, title: str) -> list[str]:
    """The inside of the SLO pane titled ``title``: its rows, cut at the pane's own borders (a
    breached pane's are heavy)."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        m = re.search(rf"[─━] {re.escape(title)} ", line)
        if m is None:
            continue
        left = max(line.rfind("╭", 0, m.start()), line.rfind("┏", 0, m.start()))
        right = min(j for j in (line.find("╮", m.end()), line.find("┓", m.end()), len(line)) if j >= 0)
        rows = []
        for row in lines[i + 1:]:
            if row[left:left + 1] in ("╰", "┗"):
                return rows
            rows.append(row[left + 1:right].strip())
        return rows
    raise AssertionError(f"no pane titled {title!r} on screen:\n{screen}")


def drawn_box(screen: str, title: str) -> list[str]:
    """``pane_box``, or no rows while the pane is not drawn yet (a wait's condition, not a failure)."""
    try:
        return pane_box(screen, title)
    except AssertionError:
        return []


def recorded(history, slo_id: str, t: float) -> float:  # type: ignore[no-untyped-def]
    """The value the recording holds at recorded time ``t``: its newest point at or before ``t``."""
    pane = history.pane(slo_id)
    return [v for pt, v in pane.points if pt <= t + 1e-6][-1]


def test_a_recorded_incident_replays_its_curve_and_resumes(tmp_path: Path) -> None:
    from tests.drill_backfill import write_openmetrics
    from tests.integration.sources_servers import PromServer, backfill
    from warroom.incident.history import load_history
    from warroom.units import format_value

    # -- a real incident against a real Prometheus -------------------------------------------
    base = math.floor((time.time() - 1800 - 60) / 15) * 15        # scenario second 0, half an hour ago
    buf = io.StringIO()
    write_openmetrics(buf, "rate-limit", base=base, start=-5400, end=1800, step=15)
    server = PromServer(tmp_path / "prom")
    backfill(buf.getvalue(), server.tsdb, tmp_path)
    library = tmp_path / "runbooks"
    library.mkdir()
    (library / "quota.md").write_text(RUNBOOK.format(step="Turn the circuit breaker on"))
    session = WarroomSession(tmp_path / "s")
    config = session.config_home / "warroom" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    with server:
        config.write_text(f'[prometheus]\nurl = "{server.url}"\ntimeout = 10\n\n'
                          f'[runbooks]\ndirs = ["{library}"]\n')
        made = session.run_cli("incident", "new", "--title", "quota", "--severity", "P2",
                               "--runbook", "RB-REPLAY-001")
        assert made.returncode == 0, made.stderr
        inc_id = made.stdout.split()[0]
        for phase, at in (("started", "-25m"), ("detected", "-20m")):
            marked = session.run_cli("incident", "mark", inc_id, phase, "--at", at)
            assert marked.returncode == 0, marked.stderr
        resolved = session.run_cli("incident", "resolve", inc_id, "--summary", "breaker on", "--yes")
        assert resolved.returncode == 0, resolved.stderr
    recording = session.state_home / "warroom" / "incidents" / inc_id
    history = load_history(recording)
    # the team's runbook moved on since; the replay must show the copy the incident was worked with
    (library / "quota.md").write_text(RUNBOOK.format(step="Page the provider"))

    later = math.floor(history.end) + 86_400            # the rehearsal, the next day (a pinned clock)

    def replay(term: TmuxTerm, now: float) -> None:
        argv = session.argv("drill", "--replay", inc_id, "--speed", "60")
        argv.insert(argv.index("env") + 2, f"WARROOM_DRILL_AT={now}")
        term.start(argv, notices=session.notices)

    def shows(t: float):  # type: ignore[no-untyped-def]
        """A screen with the header at recorded time ``t`` and every pane at its recorded value."""
        stamp = re.compile(rf"recorded ({time.strftime('%Y-%m-%d', time.gmtime(t))} )?"   # the day: past midnight
                           + time.strftime("%H:%M:%S UTC", time.gmtime(t)))

        def check(screen: str) -> bool:
            if not stamp.search(screen) or not all(w in screen.lower() for w in PANE_WORDS):
                return False
            for pane in history.panes:
                rows = pane_box(screen, pane.slo.title)
                if not rows or not rows[0].startswith(format_value(recorded(history, pane.slo.id, t),
                                                                   pane.slo.unit) + " "):
                    return False
            return True
        return check

    # -- the replay opens at the recording's start, with the incident's runbook ----------------
    with TmuxTerm(140, 45) as term:
        replay(term, later)
        # every check reads one frame waited for whole: tmux may capture a frame half painted
        term.wait_for(lambda s: shows(history.start)(s) and "READ-ONLY" in s.splitlines()[0]
                      and f"scenario replay {inc_id}" in s, timeout=90)
        first = f"{format_value(recorded(history, 'quota', history.start), 'percent')}  ✔ OK"   # as the pane says it
        screen = term.wait_for(lambda s: "RB-REPLAY-001 · Quota rehearsal" in s and "Turn the circuit breaker on" in s
                               and drawn_box(s, "Model API quota used")[:1] == [first], timeout=60)
        assert "Page the provider" not in screen

        # -- declaring pre-fills what the recording shows first, its severity and runbook -----------
        term.send("d")
        # the first pane past critical, the incident's severity and runbook (waited for whole: a
        # dialog's first frame can come before its fields)
        term.wait_for(lambda s: "Declare an incident" in s and "Model API quota used past 80%" in s
                      and "P2" in s and s.count("RB-REPLAY-001") >= 2, timeout=30)
        term.send("C-s")
        screen = term.wait_for(lambda s: "Declare an incident" not in s and "INVESTIGATING" in s, timeout=30)
        rehearsal = INCIDENT_ID.search(screen.splitlines()[0])
        assert rehearsal is not None, screen
        term.wait_for(shows(history.start), timeout=30)          # the clock did not move: same values

        # -- the terminal's program is killed without a goodbye -----------------------------------
        os.kill(term.pane_pid(), signal.SIGKILL)
        term.wait_exit(timeout=30)

    # -- 55 wall seconds later at x60: the offer, then 55 recorded minutes on ---------------------
    at = history.start + 55 * 60
    assert at < history.end
    with TmuxTerm(140, 45) as term:
        replay(term, later + 55)
        term.wait_for(lambda s: "resume it?" in s and rehearsal.group(0) in s and "×60" in s, timeout=90)
        term.send("Enter")
        value = recorded(history, "quota", at)
        assert value > 80                                                  # breached by then, as recorded
        # the curve: half an hour of recording, below warn at its left edge, past crit at its right
        assert recorded(history, "quota", at - 1800) < 70

        def resumed(s: str) -> bool:
            """The whole frame is drawn as expected (tmux may capture one half painted: a frame
            that never comes right still fails, with the last screen)."""
            if not (shows(at)(s) and "INVESTIGATING" in s and "55:00" in s
                    and rehearsal.group(0) in s.splitlines()[0] and "Turn the circuit breaker on" in s):
                return False
            quota = drawn_box(s, "Model API quota used")
            return (len(quota) >= 3 and quota[0] == f"{format_value(value, 'percent')}  ✖ CRIT"   # 93.04: "93%"
                    and bool(quota[2].strip()) and quota[2][0] in OK_GLYPHS and quota[2].rstrip()[-1] in CRIT_GLYPHS)

        term.wait_for(resumed, timeout=60)
        os.kill(term.pane_pid(), signal.SIGKILL)
        term.wait_exit(timeout=30)

    # -- and by the command the quit dialog names, 70 wall seconds after the start: the same replay ------
    at = history.start + 70 * 60
    assert at < history.end
    drills = session.state_home / "warroom" / "drills"
    # 160 columns: when the recording crosses midnight UTC the header's stamp carries its date, and
    # at 140 the scenario's name gives way to it (by design); the check must not depend on the hour
    with TmuxTerm(160, 45) as term:
        argv = session.argv("resume", rehearsal.group(0), "--state-dir", str(drills))
        argv.insert(argv.index("env") + 2, f"WARROOM_DRILL_AT={later + 70}")
        term.start(argv, notices=session.notices)
        term.wait_for(lambda s: shows(at)(s) and "elapsed 1:10:00" in s and rehearsal.group(0) in s.splitlines()[0]
                      and f"scenario replay {inc_id}" in s, timeout=90)
