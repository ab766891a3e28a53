"""`warroom demo` in a real terminal (tmux, 120x40), driven with send-keys exactly as a person
would: declare, run three steps of the rate-limit drill's runbook (one mutating, confirmed), tick a
checklist item, add a root-cause note, resolve, export. Assertions are on the captured screen and
on the exported pir.md. The tmux session is killed after the second step and the demo resumed in a
new one: the journal-rebuilt state (``incident show --json``) and the screen are the same, and the
demo goes on to its exported PIR from there.

Each test has its own tmux server (unique socket, killed in teardown), its own XDG dirs, bounded
waits on the screen and no wall-clock assertions.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.tmuxterm import TmuxTerm, WaitTimeout
from tests.e2e.warroom_session import WarroomSession, of_type

pytestmark = pytest.mark.e2e

if not shutil.which("tmux"):
    pytest.skip("needs tmux (Debian tmux; .ci/run installs it)", allow_module_level=True)

INC = re.compile(r"INC-\d{8}-\d+")
# The marker columns between a step's state icon and its number: ⚠ (changes things), then the
# expectation (✓ met, ✗ NOT met, ? not checked, ◇ not run yet).
COLS = r"[\s⚠✓✗?◇]+"


def start(term: TmuxTerm, session: WarroomSession) -> None:
    term.start(session.argv("demo", "--speed", "20"), notices=session.notices)
    term.wait_for("press d to declare", timeout=60)
    term.wait_for(re.compile(r"\d+(?:\.\d+)?%\s+\S+ (OK|WARN|CRIT)"), timeout=30)  # live panes


def declare(term: TmuxTerm) -> str:
    term.press("d", until="Declare an incident")
    screen = term.press("C-s", until=lambda sc: "RB-CORE-003 · Rate limit exhaustion" in sc
                        and INC.search(sc) is not None, timeout=30)
    found = INC.search(screen)
    assert found, screen
    return found.group(0)


def run_step(term: TmuxTerm, number: int, *, mutating: bool = False) -> None:
    term.wait_for(f"││ {number}. ")  # the step detail pane shows the selected step
    # each key waits for its screen or ends with the app's words (a refusal or failure toast,
    # however briefly shown: the notification log keeps it), never 30 s of "nothing happened"
    term.press("Enter", until=f"Run step {number}:")
    # ok (≠: ran, expectation not met); a step with a verify gate reads ✔ only until its gate opens
    # (◔ watching, then ⊜ held before or ✔): waiting for that instant missed it on a busy box
    marks = "✔≠≟◔⊜" if mutating else "✔≠≟"
    ended = re.compile(rf"[{marks}]{COLS}{number}\. ")
    if mutating:
        term.press("C-s", until=f"Run mutating step {number}?")
        # the confirmation drawn whole, buttons too, before the key that answers it (a C-s sent on
        # the first frame with its title was once lost in CI: test_tui_tmux_fit)
        term.wait_for_all(f"Run mutating step {number}?", "Back", "Yes, run it", refused=True)
    term.press("C-s", until=ended, timeout=60)


def move_to(term: TmuxTerm, frm: int, to: int) -> None:
    term.send(*(["j"] * (to - frm)))


def first_part(term: TmuxTerm, session: WarroomSession) -> str:
    """Declare and run the first two steps (a PromQL query and a read-only stand-in command)."""
    start(term, session)
    inc = declare(term)
    run_step(term, 1)
    move_to(term, 1, 3)
    run_step(term, 3)
    term.wait_for("Used: ")  # the stand-in's output streamed into the output pane
    return inc


def second_part(term: TmuxTerm, session: WarroomSession, at: int = 3) -> Path:
    """Mutating step 6 (confirmed), tick 16, a root-cause note, resolve, export; returns pir.md."""
    move_to(term, at, 6)
    run_step(term, 6, mutating=True)
    term.wait_for("env updated")
    move_to(term, 6, 16)
    term.wait_for("││ 16. ")
    term.press("Space", until=re.compile(rf"☑{COLS}16\. "))
    term.press("n", until="Add a note to the timeline")
    term.type("retry storm from the new repos burned the quota")
    # shift+tab and enter in one write, as a fast typist's keys arrive over a slow link: the
    # focus must move before enter is handed on, or enter lands in the text (opens the tag list).
    term.send("BTab", "Enter")
    term.wait_for("went wrong")
    term.send("Up", "Up", "Up", "Up", "Up", "Enter")
    term.wait_for(re.compile(r"root cause\s+▼"))
    term.send("C-s")
    term.wait_for("[root-cause] retry storm from the new repos")
    term.press("r", until="Resolve: ")
    term.type("circuit breaker stopped the quota climb")
    term.wait_for("quota climb")
    term.send("Tab", "e", "n")  # the next field's first letters ride in the same write as tab
    term.type("abled the circuit breaker")
    term.wait_for("enabled the circuit breaker")   # drawn: the resolution field holds every key typed
    term.send("Enter")
    # a drill ends with its report, read off one frame drawn whole (tmux may capture a frame half
    # painted); the action's cell wraps in its column ("circuit breaker" / "enabled" / "(ENABLE_CIRCUIT_" ...)
    term.wait_for_all("End of drill", "Response times against the targets",
                      re.compile(r"\+\d+m?\d*s\s+\d\d:\d\d:\d\d\s+circuit breaker "), "ENABLE_CIRCUIT_", timeout=90)
    term.send("e")  # export, straight from the report
    term.wait_for("PIR exported", timeout=60)
    exported = session.wait_events(lambda evs: bool(of_type(evs, "pir.exported")))
    path = Path(of_type(exported, "pir.exported")[-1]["data"]["path"])
    return path if path.is_absolute() else session.journal().parent / path


def assert_pir(pir: Path, inc: str) -> None:
    text = pir.read_text()
    assert inc in text
    for needle in ("retry storm from the new repos burned the quota", "circuit breaker stopped the quota climb",
                   "blocks quota show --all", "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true"):
        assert needle in text, needle


def show_json(session: WarroomSession, inc: str) -> dict:
    state = session.state_home / "warroom" / "drills"
    p = session.run_cli("incident", "show", inc, "--json", "--state-dir", str(state))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def checklist_rows(screen: str) -> list[str]:
    return [m.group(0) for m in re.finditer(rf"[○✔✖☑↷◐⊘↯≠≟⧗]{COLS}\d+\. [^│…]{{0,30}}", screen)]


def timeline_rows(screen: str) -> list[str]:
    """The timeline's entries, cut before the width a notification toast may cover."""
    return [m.group(0)[:48] for m in re.finditer(r"\d\d:\d\d:\d\d [◆▶✔≠≟∿☑✎] [^│▌]*", screen)]


# what the dashboard's looks journal on their own as drill time passes; an escalation tier too: 15
# drill minutes after detection are 45 s of wall time at x20, which a slow box spends before the
# resume looks (seen at x200: 'escalation.tier' journaled by the resumed dashboard)
WATCHER_KINDS = {"slo.breached", "slo.recovered", "evidence.recorded", "status_update.overdue", "escalation.tier"}


def test_killed_after_the_second_step_resumes_identically(tmp_path: Path) -> None:
    """The demo from the declaration to the exported PIR (three steps, one mutating and confirmed, a tick,
    a root-cause note, resolve, export), with the terminal killed after the second step and the drill
    resumed in a new one. It carries every assertion of ``test_demo_from_declaration_to_exported_pir``,
    which walked the same keys through the same dashboard without the kill: one demo started, not two
    (≈ 24 s of CI)."""
    # The drill's world goes on while the terminal is gone: a watcher may journal what it sees
    # (a pane breaching, evidence, an overdue update, a tier reached) at any moment, so "identically" means
    # nothing recorded before the kill is lost or changed, whatever the machine's speed; the
    # only new entries allowed are the watchers'. "After" evidence is off and the update cadence
    # a day, so those do not even arise here.
    config = ("[execute]\nevidence_after = []\n[incident]\nstatus_update_every = \"24h\"\n"
              "[incident.status_update_cadence]\nP1 = \"24h\"\nP2 = \"24h\"\nP3 = \"24h\"\nP4 = \"24h\"\n")
    session = WarroomSession(tmp_path / "wr", config=config)
    with TmuxTerm(120, 40) as term:
        inc = first_part(term, session)
        before_screen = term.screen()
        before = show_json(session, inc)
        term.tmux("kill-server")  # the terminal goes away (a dropped connection)
        term._started = False
    with TmuxTerm(120, 40) as term:
        term.start(session.argv("demo"), notices=session.notices)  # no --speed: continue the unfinished drill
        term.wait_for("still open — resume it?", timeout=60)
        term.send("Enter")
        term.wait_for(re.compile(rf"[✔≠≟]{COLS}3\. "), timeout=30)
        # tmux may capture a frame half painted (seen on a busy CI box: rows 10+ missing): wait
        # for the whole checklist to be drawn as it was; a checklist that differs still fails.
        want = checklist_rows(before_screen)
        try:
            screen = term.wait_for(lambda s: checklist_rows(s) == want, timeout=30)
        except WaitTimeout:
            screen = term.screen()
        assert inc in screen
        after = show_json(session, inc)
        assert after["steps"] == before["steps"]
        assert all(entry in after["timeline"] for entry in before["timeline"])
        new = [entry for entry in after["timeline"] if entry not in before["timeline"]]
        assert {entry["kind"] for entry in new} <= WATCHER_KINDS, new
        assert after["status"] == before["status"] and after["severity"] == before["severity"]
        assert checklist_rows(screen) == checklist_rows(before_screen)
        shown_before = [r for r in timeline_rows(before_screen) if "SLO breached" not in r]
        shown_after = [r for r in timeline_rows(screen) if "SLO breached" not in r]
        assert shown_after == shown_before[len(shown_before) - len(shown_after):]
        # …and the incident carries on from there, to the end of the demo.
        term.wait_for("││ 1. ")
        move_to(term, 1, 3)
        pir = second_part(term, session)
        term.wait_for_all(inc, "RESOLVED", timeout=60)   # one frame drawn whole, not the next capture
    assert_pir(pir, inc)
    evs = session.events()
    assert len(of_type(evs, "incident.declared")) == 1
    assert not of_type(evs, "step.refused")
    started = {e["data"]["step"]: e["data"] for e in of_type(evs, "step.started")}
    assert set(started) == {1, 3, 6}
    assert started[6]["mutating"] and started[6]["confirmed"]
    assert [e["data"]["status"] for e in of_type(evs, "step.finished")] == ["ok", "ok", "ok"]
    resolved = of_type(evs, "incident.resolved")[-1]["data"]
    # the demo resolves without answering whether a rollback was part of the fix: not said, never a "no" (F5)
    assert resolved["resolution"] == "enabled the circuit breaker" and resolved["rollback"] is None
    # The breaker reached the drill: the stand-in recorded it for the simulator.
    actions = list((session.state_home / "warroom" / "drills" / "drills").glob("*/actions.jsonl"))
    assert actions and "circuit_breaker" in actions[0].read_text()


# NO_COLOR (state words and icons, no colour codes) is checked on test_terminals' NO_COLOR dashboard, at 80x24
# and 120x40: test_no_color_keeps_state_words_and_icons_and_sends_no_colour started a demo of its own for it
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
COLOUR_PARAMS = {*map(str, range(30, 38)), "38", *map(str, range(40, 48)), "48",
                 *map(str, range(90, 98)), *map(str, range(100, 108))}


def colour_codes(screen: str) -> list[str]:
    """Every SGR sequence that sets a foreground or background colour (39/49, the terminal's
    own default colours, are not colours)."""
    return [m.group(0) for m in SGR.finditer(screen)
            if COLOUR_PARAMS & set(re.split(r"[;:]", m.group(1)))]
