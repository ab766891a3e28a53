"""The same short flow under every terminal an IC is likely to have, seen at 80x24 and 120x40.

TERM=xterm-256color, screen-256color, tmux-256color, linux (the 16-colour console) and
NO_COLOR=1: the dashboard comes up with every SLO pane, an incident is declared, a step runs and
its output shows, ``q`` quits and gives the terminal back. Colour is checked for what the terminal
can take: no 256-colour or truecolor codes on ``linux``, only greys under NO_COLOR.

One dashboard per terminal, not one per terminal and size: the flow runs at 80x24 (the declare
dialog whose runbook list once could not open there: ci38b), then the terminal is resized to 120x40
and every check of the screen is made again on the frame drawn there (the panes, the incident, DRILL,
the step's end, the colours, nothing past the edges). The flow itself at 120x40 is
``test_signals``'s and ``test_tui_tmux``'s. It was ten dashboards, each a new drill (its warm-up and
library children too): five fewer, ≈ 20 s of CPU. (Shrunk from 120x40 to 80x24 instead, the
timeline keeps its top rows and the step's end is below them: seen here, stop 53.)

Each run's screen is written to ``docs/terminals/`` when ``WARROOM_UPDATE_TERMINAL_DOCS=1``
(the README links them); otherwise to the test's temp dir only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e import steps
from tests.e2e.dashboard_flow import PANE_WORDS, declare, prepare, run_selected_step, wait_dashboard
from tests.e2e.test_tui_tmux import COLS, colour_codes
from tests.e2e.tmuxterm import TmuxTerm, WaitTimeout
from tests.e2e.warroom_session import WarroomSession

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

if not __import__("shutil").which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)

DOCS = REPO / "docs" / "terminals"
VARIANTS = [
    ("xterm-256color", False),
    ("screen-256color", False),
    ("tmux-256color", False),
    ("linux", False),
    ("xterm-256color", True),
]
SIZES = [(80, 24), (120, 40)]
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
GREYS = {0, 7, 8, 15, 16, 231, *range(232, 256)}


def colours(screen_with_escapes: str) -> tuple[set[int], set[tuple[int, int, int]]]:
    """The 256-colour indexes and truecolor triples the screen's cells use (fg and bg)."""
    indexed: set[int] = set()
    rgb: set[tuple[int, int, int]] = set()
    for params in SGR.findall(screen_with_escapes):
        parts = [p for p in re.split("[;:]", params)]
        i = 0
        while i < len(parts):
            if parts[i] in ("38", "48") and i + 2 < len(parts) and parts[i + 1] == "5":
                indexed.add(int(parts[i + 2]))
                i += 3
            elif parts[i] in ("38", "48") and i + 4 < len(parts) and parts[i + 1] == "2":
                rgb.add((int(parts[i + 2]), int(parts[i + 3]), int(parts[i + 4])))
                i += 5
            else:
                i += 1
    return indexed, rgb


def variant_name(term: str, no_color: bool, cols: int, rows: int) -> str:
    return f"{term}{'-NO_COLOR' if no_color else ''}-{cols}x{rows}"


def finished_flow(term: TmuxTerm, incident: str, before: str | None) -> str:
    """The frame that shows the step's end as the dashboard draws it (timeline), every pane and the
    incident; after a resize (``before``: the last frame at the old size), one the dashboard drew at
    the new size: wider, a line past the old width; narrower, not the old frame cut at the new edges
    (tmux's own view until the app redraws). The last screen when none comes (the asserts fail on it)."""
    def resized(s: str) -> bool:
        if before is None:
            return True
        old = max(map(len, before.splitlines()), default=0)
        if term.width > old:
            return max(map(len, s.splitlines()), default=0) > old
        cut = [line[:term.width].rstrip() for line in before.splitlines()[:term.height]]
        return [line.rstrip() for line in s.splitlines()] != cut

    def drawn(s: str) -> bool:      # the end on the timeline and in the checklist (drawn a moment apart), and
        # every pane with a value: resized past 80 columns the panes are drawn anew, "waiting for data" until a poll
        return (resized(s) and "e2e-fast-marker" in s and "Step 1 ok" in s and incident in s and "DRILL" in s
                and re.search(rf"[✔≠≟]{COLS}1\. ", s) is not None and all(w in s.lower() for w in PANE_WORDS)
                and "waiting" not in s.lower())
    try:
        return term.wait_for(drawn, timeout=60)
    except WaitTimeout:
        return term.screen()


def check_screen(screen: str, styled: str, term_name: str, no_color: bool, incident: str, cols: int,
                 rows: int) -> None:
    low = screen.lower()
    assert incident in screen and "DRILL" in screen
    assert all(word in low for word in PANE_WORDS), f"an SLO pane is missing at {cols}x{rows}:\n{screen}"
    assert len(screen.splitlines()) <= rows and all(len(line) <= cols for line in screen.splitlines())

    indexed, rgb = colours(styled)
    if no_color:
        assert indexed <= GREYS and all(r == g == b for r, g, b in rgb), (indexed, rgb)
        # what test_tui_tmux's test_no_color_keeps_state_words_and_icons_and_sends_no_colour asked of its own
        # NO_COLOR demo, folded in here (one dashboard fewer): state words and icons, not colour, say it ...
        assert re.search(r"\d+(?:\.\d+)?%\s+[✔▲✖] (OK|WARN|CRIT)", screen), screen
        assert re.search(rf"[✔≠≟]{COLS}1\. ", screen) and re.search(rf"○{COLS}2\. ", screen), screen
        assert "\x1b[" in styled  # ... bold / reverse / dim are still there ...
        assert colour_codes(styled) == [], colour_codes(styled)[:5]  # ... colours are not
    elif term_name == "linux":
        assert not indexed and not rgb, f"256-colour/truecolor codes on a 16-colour console: {indexed} {rgb}"
        assert re.search(r"\x1b\[[0-9;]*(3[0-7]|9[0-7])[;m]", styled), "no colour at all on the linux console"
    else:
        assert indexed - GREYS, "a 256-colour terminal got no colour"


@pytest.mark.parametrize("term_name,no_color", VARIANTS, ids=lambda v: str(v))
def test_flow_under_terminal(term_name: str, no_color: bool, tmp_path: Path) -> None:
    """The flow at 80x24, then the same dashboard resized to 120x40: each size's screen is checked
    and written."""
    session = WarroomSession(tmp_path / "wr", term=term_name, no_color=no_color)
    prepare(session)
    first, *_ = sizes = SIZES          # small first: grown, the dashboard redraws the timeline to its end
    seen: list[tuple[int, int, str, str]] = []
    try:
        with TmuxTerm(*first, term=term_name) as term:
            term.start(session.argv("demo"), notices=session.notices)
            wait_dashboard(term)
            incident = declare(term)
            run_selected_step(term)
            assert steps.finished(session, 1)["status"] == "ok"
            before: str | None = None
            for cols, rows in sizes:
                if before is not None:
                    term.resize(cols, rows)
                # everything read off this frame below is waited for on it: tmux may capture a frame half
                # painted (a frame that never shows it still fails: the asserts below read the last one)
                screen = before = finished_flow(term, incident, before)
                styled = term.screen(escapes=True)
                seen.append((cols, rows, screen, styled))
                name = variant_name(term_name, no_color, cols, rows)
                for snapshot_dir in [tmp_path] + ([DOCS] if os.environ.get("WARROOM_UPDATE_TERMINAL_DOCS") else []):
                    snapshot_dir.mkdir(parents=True, exist_ok=True)
                    (snapshot_dir / f"{name}.txt").write_text(screen)
            term.send("q")
            exit_status = term.wait_exit()
            modes = term.terminal_modes()
    finally:
        steps.kill_leftovers(session)

    assert [(c, r) for c, r, _, _ in seen] == sizes
    for cols, rows, screen, styled in seen:
        check_screen(screen, styled, term_name, no_color, incident, cols, rows)
    assert exit_status == (0, None), f"quit did not exit cleanly: (exit code, signal) = {exit_status}"
    assert modes == ("0", "0"), f"the terminal was not given back (alternate screen, mouse) = {modes}"
