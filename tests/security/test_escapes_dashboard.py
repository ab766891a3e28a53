"""Terminal escapes through every text channel into the dashboard, in a real terminal (tmux).

An incident is declared headless from the hostile runbook of ``test_escapes_cli_exports`` (every
escape kind in its title, section, checklist labels, step labels and commands) with every kind in
its title, notes, timeline entry, status update and severity reason; then ``warroom resume`` opens
it in tmux and the run dialog is opened on a step. Checked, with tmux as the terminal:

* the pane title (``#{pane_title}``: OSC 0/2, also through DCS passthrough and 8-bit OSC) never
  changes to the injected one;
* no tmux buffer appears (``set-clipboard on`` makes tmux store every OSC 52 write);
* the screen still shows the incident after every channel is drawn (nothing cleared or moved it),
  with the escapes shown as visible characters (``␛``) and markup shown literally;
* every checklist label's kind is visible, one per line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.tmuxterm import TmuxTerm
from tests.e2e.warroom_session import WarroomSession
from tests.security.payloads import ESCAPES, tagged, tags_seen
from tests.security.test_escapes_cli_exports import hostile_runbook

pytestmark = pytest.mark.e2e

if not shutil.which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)


def argv_text(channel: str) -> str:
    """Every kind for a command-line argument (argv cannot carry a NUL; the rest goes in raw)."""
    return tagged(channel).replace("\x00", "")


def _ok(proc: object) -> str:
    assert getattr(proc, "returncode") == 0, getattr(proc, "stderr")
    return str(getattr(proc, "stdout"))


def test_dashboard_shows_every_channel_without_obeying_an_escape(tmp_path: Path) -> None:
    session = WarroomSession(tmp_path / "s")
    rb = hostile_runbook(tmp_path / "evil.md")
    inc = _ok(session.run_cli("incident", "new", "--title", "[bold red]MARKUP[/] " + argv_text("title"),
                              "--severity", "P2", "--runbook", str(rb))).strip()
    for argv in (("note", inc, "--tag", "root-cause", argv_text("note")),
                 ("timeline", inc, argv_text("timeline")),
                 ("update", inc, argv_text("update")),
                 ("severity", inc, "P1", "--reason", argv_text("severity"))):
        _ok(session.run_cli("incident", *argv))

    with TmuxTerm(width=220, height=70) as term:
        term.start(["sleep", "600"])                       # a pane to set options on, then respawn
        term.tmux("set-option", "-s", "set-clipboard", "on")
        term.tmux("set-option", "-t", term.session, "allow-rename", "on")
        before = term.tmux("display-message", "-p", "-t", term.session, "#{pane_title}").stdout.strip()
        term.tmux("respawn-pane", "-k", "-t", term.session, *session.argv("resume", inc))
        screen = term.wait_for(inc, timeout=60)
        screen = term.wait_for(lambda sc: "«rb-check:" in sc and "«title:" in sc, timeout=30)

        # the run dialog of the first command step: label, command, parameters
        first = len(ESCAPES) + 1                            # checklist items first, then the steps
        term.send(*(["j"] * len(ESCAPES)))
        screen_steps = term.wait_for(f"{first}. «rb-label:", timeout=30)
        term.send("Enter")
        dialog = term.wait_for(f"Run step {first}:", timeout=30)

        title = term.tmux("display-message", "-p", "-t", term.session, "#{pane_title}").stdout.strip()
        buffers = term.tmux("list-buffers", check=False).stdout.strip()
        term.send("Escape")
        last = term.wait_for(inc, timeout=30)

    assert "PWNED" not in title and title == before, title
    assert buffers == "", buffers                           # no clipboard write reached tmux
    visible = screen + screen_steps + dialog + last
    assert "␛]0;PWNED-TITLE␇" in visible                   # shown, not obeyed
    assert "[bold red]MARKUP[/]" in visible                # markup is text
    assert inc in last                                     # nothing cleared the screen
    seen = tags_seen(visible, "rb-check")
    assert seen == set(ESCAPES), sorted(set(ESCAPES) - seen)
    for channel in ("title", "rb-label", "rb-command", "timeline"):
        assert tags_seen(visible, channel), channel
    assert not re.search(r"\x1b\](?:0|2|52);", visible)


def test_the_terminal_would_notice_a_title_or_clipboard_write() -> None:
    """Control: the same tmux settings do record an OSC 2 title and an OSC 52 clipboard write
    when a program sends them raw, so the test above would see one that got through."""
    import time

    with TmuxTerm() as term:
        term.start(["sleep", "600"])
        term.tmux("set-option", "-s", "set-clipboard", "on")
        term.tmux("respawn-pane", "-k", "-t", term.session, "sh", "-c",
                  r"printf '\033]2;PWNED-TITLE\007\033]52;c;UFdORUQ=\007'; echo sent; sleep 600")
        term.wait_for("sent", timeout=30)
        deadline = time.monotonic() + 30
        title = buffers = ""
        while time.monotonic() < deadline and not ("PWNED" in title and buffers):
            title = term.tmux("display-message", "-p", "-t", term.session, "#{pane_title}").stdout
            buffers = term.tmux("list-buffers", check=False).stdout.strip()
            time.sleep(0.05)
    assert "PWNED-TITLE" in title and "PWNED" in buffers
