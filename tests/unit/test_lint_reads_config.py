"""``warroom runbooks lint`` reads the configuration the app reads (issue 13, lint14): ``--config``
(else ``$WARROOM_CONFIG``, else the user's file), every ``[runbooks].dirs`` entry when no PATH is
given, a runbook's written update cadence checked against the loaded cadence for its severity
(not only the built-in one), and each finding named ``file:line`` (a configured directory that is
missing: the config file's line that names it)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui.cli import main
from warroom.config import Config, load_config
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.lint import lint_paths
from warroom.runbook.parser import parse_runbook
from warroom.runbook.update_cadence import stated_cadences


def runbook(severity: str, line: str, rid: str = "RB-T-001") -> str:
    return textwrap.dedent(f'''\
        +++
        id = "{rid}"
        title = "Slow flows"
        severity = "{severity}"
        +++

        # Slow flows

        ## Mitigation

        ```bash
        # Look at the queue
        echo queue
        ```

        - [ ] {line}
        ''')


LINE = 16           # the checklist line of ``runbook()``


def config_file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_detector_reads_prose_only_and_the_wordings_runbooks_use() -> None:
    text = textwrap.dedent('''\
        - [ ] Send a stakeholder update every 15 minutes while flows are slow.
        - [ ] Every 10 minutes, post an update in #incidents
        Keep the TL updated every 30 min.
        Give the change 15 minutes to show, then check.
        ```bash
        # the cache updates every 5 minutes
        echo hi
        ```
        Post an update hourly; every half an hour once it is quiet (update them).
        ''')
    assert [(c.line, c.seconds, c.words) for c in stated_cadences(text)] == [
        (1, 900.0, "every 15 minutes"), (2, 600.0, "every 10 minutes"), (3, 1800.0, "every 30 min"),
        (9, 1800.0, "every half an hour"), (9, 3600.0, "hourly")]


def test_the_parser_keeps_what_the_prose_states_with_its_file_line() -> None:
    rb = parse_runbook(runbook("P3", "Send a stakeholder update every 30 minutes."))
    assert [(c.line, c.seconds) for c in rb.update_cadences] == [(LINE, 1800.0)]


def test_cadence_is_checked_against_the_given_config_not_the_default(tmp_path: Path) -> None:
    rb = tmp_path / "rb" / "slow.md"
    rb.parent.mkdir()
    rb.write_text(runbook("P3", "Send a stakeholder update every 30 minutes."), encoding="utf-8")
    assert lint_paths([rb]) == []                    # the built-in P3 cadence is 30m
    cfg = load_config(config_file(tmp_path, '''\
        [incident]
        status_update_cadence = { P1 = "10m", P2 = "15m", P3 = "15m", P4 = "60m" }
        '''))
    [finding] = lint_paths([rb], cfg)
    assert (finding.file, finding.line, finding.level) == (str(rb), LINE, "warning")
    assert "every 30 minutes" in finding.message and "every 15 minutes" in finding.message
    assert f"incident.status_update_cadence.P3 in {tmp_path / 'config.toml'}" in finding.message


def test_a_severity_the_table_omits_is_checked_against_status_update_every(tmp_path: Path) -> None:
    rb = tmp_path / "slow.md"
    rb.write_text(runbook("P4", "Post an update every 45 minutes."), encoding="utf-8")
    cfg = load_config(config_file(tmp_path, '''\
        [incident]
        status_update_every = "45m"
        status_update_cadence = { P1 = "10m" }
        '''))
    assert lint_paths([rb], cfg) == []
    [finding] = lint_paths([rb], Config())
    assert "incident.status_update_cadence.P4, built-in default" in finding.message


def test_a_runbook_without_severity_is_wrong_only_when_no_severity_has_its_cadence(tmp_path: Path) -> None:
    text = runbook("P3", "Post an update every 20 minutes.").replace('severity = "P3"\n', "")
    rb = tmp_path / "slow.md"
    rb.write_text(text, encoding="utf-8")
    no_severity = [str(f) for f in lint_paths([rb]) if "front matter has no severity" in f.message]
    [finding] = [f for f in lint_paths([rb]) if str(f) not in no_severity]
    assert finding.line == LINE - 1 and "no severity's update countdown runs that often" in finding.message
    assert "(P1 10 minutes, P2 15 minutes, P3 30 minutes, P4 60 minutes;" in finding.message
    cfg = load_config(config_file(tmp_path, '[incident]\nstatus_update_cadence = { P2 = "20m" }\n'))
    assert [str(f) for f in lint_paths([rb], cfg)] == no_severity


def test_cli_lint_loads_config_option_and_env(tmp_path: Path, capsys, monkeypatch) -> None:
    rb = tmp_path / "slow.md"
    rb.write_text(runbook("P3", "Send a stakeholder update every 30 minutes."), encoding="utf-8")
    cfg = config_file(tmp_path, '[incident]\nstatus_update_cadence = { P3 = "15m" }\n')
    assert run(capsys, "runbooks", "lint", str(rb)) == (0, "", "")
    code, out, err = run(capsys, "runbooks", "lint", str(rb), "--config", str(cfg))
    assert code == 1 and out.startswith(f"{rb}:{LINE}: warning: says to update every 30 minutes")
    assert run(capsys, "--config", str(cfg), "runbooks", "lint", str(rb))[:2] == (1, out)
    monkeypatch.setenv("WARROOM_CONFIG", str(cfg))
    assert run(capsys, "runbooks", "lint", str(rb))[:2] == (1, out)


def test_no_path_lints_every_configured_dir_and_names_a_missing_one_by_config_line(
        tmp_path: Path, capsys) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    (tmp_path / "one" / "a.md").write_text(runbook("P3", "Update every 15 minutes.", "RB-A"),
                                           encoding="utf-8")
    (tmp_path / "two" / "b.md").write_text(runbook("P1", "Update every 15 minutes.", "RB-B"),
                                           encoding="utf-8")
    cfg = config_file(tmp_path, f'''\
        # where our runbooks live
        [runbooks]
        dirs = [
          "{tmp_path / 'one'}",   # team A
          "{tmp_path / 'two'}",
          "{tmp_path / 'gone'}",
        ]
        ''')
    code, out, err = run(capsys, "runbooks", "lint", "--config", str(cfg))
    lines = out.splitlines()
    assert code == 2, out + err                      # a configured directory cannot be read
    assert lines[0] == (f"{cfg}:6: error: runbooks.dirs: '{tmp_path / 'gone'}': runbook "
                        "directory does not exist")
    assert lines[1].startswith(f"{tmp_path / 'one' / 'a.md'}:{LINE}: warning: says to update every "
                               "15 minutes, but a P3 incident's update countdown runs every 30 minutes")
    assert lines[2].startswith(f"{tmp_path / 'two' / 'b.md'}:{LINE}: warning: says to update every "
                               "15 minutes, but a P1 incident's update countdown runs every 10 minutes")
    assert len(lines) == 3


def test_no_path_and_no_configured_dir_is_refused_saying_what_to_give(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "runbooks", "lint")
    assert code == 2 and out == ""
    assert "no [runbooks].dirs in no config file" in err and "warroom runbooks lint PATH" in err
    cfg = config_file(tmp_path, '[incident]\nstatus_update_every = "10m"\n')
    code, out, err = run(capsys, "runbooks", "lint", "--config", str(cfg))
    assert code == 2 and f"no [runbooks].dirs in {cfg}" in err


def test_on_go_resolves_against_the_configured_library(tmp_path: Path, capsys) -> None:
    """A GO can open a runbook of a configured directory: linting the file that names it, with
    that configuration, is clean; without it, the id is unknown."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "rollback.md").write_text(runbook("P2", "Roll back.", "RB-OURS-ROLLBACK"), encoding="utf-8")
    text = runbook("P2", "Decide.").replace("- [ ] Decide.\n", textwrap.dedent('''\
        ```decision
        question = "Roll back the release?"
        deadline = "15m"
        on_go = "RB-OURS-ROLLBACK"
        [[go]]
        text = "errors keep rising"
        ```
        '''))
    rb = tmp_path / "decide.md"
    rb.write_text(text, encoding="utf-8")
    [unknown] = lint_paths([rb])
    assert "'RB-OURS-ROLLBACK'" in unknown.message
    cfg = config_file(tmp_path, f'[runbooks]\ndirs = ["{lib}"]\n')
    assert run(capsys, "runbooks", "lint", str(rb), "--config", str(cfg)) == (0, "", "")


def test_a_config_that_cannot_be_loaded_stops_lint_as_it_stops_the_app(tmp_path: Path, capsys) -> None:
    rb = tmp_path / "slow.md"
    rb.write_text(runbook("P3", "Send a stakeholder update every 30 minutes."), encoding="utf-8")
    cfg = config_file(tmp_path, '[incident]\nstatus_update_cadence = { P3 = "soon" }\n')
    code, out, err = run(capsys, "runbooks", "lint", str(rb), "--config", str(cfg))
    assert code == 2 and out == "" and "incident.status_update_cadence.P3" in err


def test_a_configured_runbook_whose_id_the_library_gives_to_another_file_is_reported(
        tmp_path: Path, capsys) -> None:
    """The app keeps the first runbook of an id (shipped, then [runbooks].dirs in order): a team's
    runbook claiming a shipped id is never opened by that id, which lint says at the id's line."""
    ours = tmp_path / "ours"
    ours.mkdir()
    text = runbook("P3", "Send a stakeholder update every 30 minutes.", "RB-CORE-003")
    (ours / "quota.md").write_text(text, encoding="utf-8")
    (ours / "RB-CORE-001.md").write_text("# Flow failures\n\n```bash\necho flows\n```\n",
                                         encoding="utf-8")
    cfg = config_file(tmp_path, f'[runbooks]\ndirs = ["{ours}"]\n')
    code, out, err = run(capsys, "runbooks", "lint", "--config", str(cfg))
    shipped = Path(shipped_runbooks_dir())
    assert code == 1
    assert out.splitlines() == [
        f"{ours / 'RB-CORE-001.md'}:1: warning: runbook id 'RB-CORE-001' (from the file name) is "
        f"already taken by {shipped / 'RB-CORE-001-flow-failure.md'}:2, which warroom finds first "
        "(the shipped library, then [runbooks].dirs in order): asking for this id opens that file, "
        "never this one; give this runbook its own id",
        f"{ours / 'quota.md'}:2: error: runbook id 'RB-CORE-003' is already taken by "
        f"{shipped / 'RB-CORE-003-rate-limit-exhaustion.md'}:2, which warroom finds first (the "
        "shipped library, then [runbooks].dirs in order): asking for this id opens that file, never "
        "this one; give this runbook its own id"]
    # The shipped library linted as itself owns its ids: nothing to say.
    assert run(capsys, "runbooks", "lint", str(shipped))[:2] == (0, "")
