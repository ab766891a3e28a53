"""redteam41 X4: a drill incident whose first journal line (its declaration) was edited opened as a
*real* incident — "INVESTIGATING", elapsed 0s, every pane "no Prometheus", no DRILL banner, no word
of the damage — `incident show` printed that hollow incident on stdout, and the drill report said
it was "not a drill incident". With the declaration unreadable nothing of the incident is known:
every way in refuses with the damage named (file line, seq, what is wrong) and the command that
says what the records still prove; `verify` itself still reads it. The clock is pinned."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from warroom import scenario_time
from warroom.config import Config
from warroom.incident.session import JournalDamaged

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()


def test_an_incident_whose_declaration_was_edited_is_refused_everywhere_but_verify(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    cli = Cli(tmp_path / "state", capsys)
    code, out, err = cli("new", "--drill", "timeout", "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    assert cli("note", inc, "--tag", "info", "pruning looks off")[0] == 0
    journal = cli.journal(inc)
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    first = json.loads(lines[0])
    assert first["type"] == "incident.declared"
    lines[0] = lines[0].replace(f'"severity":"{first["data"]["severity"]}"', '"severity":"P4"', 1)
    assert lines[0] != journal.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    journal.write_text("".join(lines), encoding="utf-8")

    for argv in (("show", inc), ("show", inc, "--json"), ("drill-report", inc), ("note", inc, "--tag", "info", "x")):
        code, out, err = cli(*argv)
        assert (code, out) == (6, ""), (argv, code, out, err)
        assert "line 1" in err and "the declaration cannot be read" in err, (argv, err)
        assert "not a drill incident" not in err and "verify" in err, (argv, err)
        said = err
    assert said.startswith(f"warroom: {inc}: journal line 1 (seq 1): "), said

    code, out, err = cli("verify", inc)
    assert code == 1 and "line 1" in out + err, (out, err)

    from tui.launch import resume_context

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    with pytest.raises(JournalDamaged, match="the declaration cannot be read"):
        resume_context(cfg, inc)
    from tui.drill_shell import find_drill      # attack41 A19: the drill shell called it "a real incident"

    with pytest.raises(JournalDamaged, match="the declaration cannot be read"):
        find_drill(cfg, inc)
