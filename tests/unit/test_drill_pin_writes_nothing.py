"""On a drill that runs on the wall clock, ``$WARROOM_DRILL_AT`` replays a moment and changes nothing (redteam43 R15).

``WARROOM_DRILL_AT=<a minute after the start> kubectl set env … ARCHITECT_FALLBACK_MODEL=…`` typed twenty drill
minutes in recorded the fix at +1m39s: every pane, the journal's evidence and the report moved into a past the team
had already watched; a pin ahead of the wall scheduled a scale to zero nobody would see made. Such a drill (made
unpinned, no start given) now answers a pinned read as of that moment (recording the call when it was typed), refuses
a pinned change and a pinned moment after the wall's now. A drill made under a pin (the tests' worlds) is unchanged.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from warroom import scenario_time as stime
from warroom.drill.actions import CALLS_FILE
from warroom.drill.directory import ENV_DIR, create_drill
from warroom.drill.standins import main

SET_ENV = ["set", "env", "deployment/flowengine", "ARCHITECT_FALLBACK_MODEL=gpt-4-turbo", "-n", "production"]


def run(tool: str, argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(tool, argv)
    return code, out.getvalue() + err.getvalue()


def test_a_pin_on_a_wall_clock_drill_reads_that_moment_and_changes_nothing(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(stime.AT_ENV, raising=False)
    monkeypatch.setenv("WARROOM_DRILL_NO_DELAY", "1")
    drill = create_drill(tmp_path, "rate-limit", speed=10.0)
    monkeypatch.setenv(ENV_DIR, str(drill.path))
    monkeypatch.setenv(stime.AT_ENV, repr(drill.start))           # the drill's first moment: behind the wall
    code, said = run("blocks", ["quota", "show"])
    assert code == 0 and "Used:" in said, said
    [call] = [json.loads(line) for line in (drill.path / CALLS_FILE).read_text(encoding="utf-8").splitlines()]
    assert call["ts"] > drill.start, call                          # typed now, whatever moment it replayed
    code, said = run("kubectl", SET_ENV)
    assert code == 1 and "changes nothing in its past" in said and "env updated" not in said, said
    assert drill.actions() == []
    monkeypatch.setenv(stime.AT_ENV, repr(drill.start + 3600.0))  # an hour ahead of the wall
    code, said = run("kubectl", ["scale", "deployment/flowengine", "--replicas=0", "-n", "production"])
    assert code == 1 and "a drill holds nothing from a time that has not happened" in said, said
    assert drill.actions() == []
    monkeypatch.delenv(stime.AT_ENV)
    assert run("kubectl", SET_ENV)[0] == 0 and [a.action for a in drill.actions()][:1] == ["set_env"]


def test_a_drill_made_under_a_pin_still_changes_at_the_pin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(stime.AT_ENV, "1800000000")
    drill = create_drill(tmp_path, "rate-limit", speed=10.0)
    monkeypatch.setenv(ENV_DIR, str(drill.path))
    monkeypatch.setenv(stime.AT_ENV, "1800000060")
    assert run("kubectl", SET_ENV)[0] == 0 and drill.actions()[0].t == pytest.approx(600.0)
