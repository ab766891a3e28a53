"""Two runbook ids that differ only in case (``RB-TEAM-001`` and ``rb-team-001``): the app opens each
only when typed exactly and refuses any other spelling as ambiguous (``warroom.runbook.ids``, b1b19b7).
``runbooks lint`` warns about the pair, naming both files and the lines their ids are written on,
whether both are linted or one sits in the library the app searches (shipped, then
``[runbooks].dirs``); the app's library says the same words, and the dashboard finds a runbook by
id with the core's rule (it took the first id equal ignoring case, so picking ``rb-team-001`` could
declare with ``RB-TEAM-001``'s file)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui.cli import main
from tui.context import AppContext
from warroom.config import Config
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.ids import AmbiguousRunbookId
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.lint import lint_paths

SHIPPED_003 = Path(shipped_runbooks_dir()) / "RB-CORE-003-rate-limit-exhaustion.md"
TAIL = ("warroom matches a typed id ignoring case, so each opens only when typed exactly and any "
        "other spelling is refused as ambiguous between the two; give one of them an id that "
        "differs by more than case")


def write(path: Path, rid: str | None, *, blank_lines: int = 0) -> Path:
    """A runbook with one step; its id (when given) on line 2 + ``blank_lines``."""
    head = f'+++\n{chr(10) * blank_lines}id = "{rid}"\ntitle = "Queue"\nseverity = "P3"\n+++\n' if rid else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + textwrap.dedent("""\
        # Queue

        ## Mitigation

        ```bash
        # Look at the queue
        echo queue
        ```
        """), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_two_linted_ids_differing_in_case_name_both_files_and_lines(tmp_path: Path, capsys) -> None:
    a = write(tmp_path / "team" / "a.md", "RB-TEAM-001")
    b = write(tmp_path / "team" / "b.md", "rb-team-001", blank_lines=3)      # its id on line 5
    code, out, _ = run(capsys, "runbooks", "lint", str(tmp_path / "team"))
    assert code == 1
    assert out.splitlines() == [
        f"{b}:5: warning: runbook id 'rb-team-001' differs only in case from 'RB-TEAM-001' at {a}:2: {TAIL}"]
    # What the warning says is what the app does.
    library = RunbookLibrary([tmp_path / "team"], shipped=False)
    assert library.get("RB-TEAM-001").path == a and library.get("rb-team-001").path == b
    with pytest.raises(AmbiguousRunbookId):
        library.get("Rb-Team-001")
    # The app's library reports the pair in the same words (runbooks list, the dashboard's picker).
    assert [str(f) for f in library.findings] == out.splitlines()


def test_a_team_file_named_like_a_shipped_id_in_another_case(tmp_path: Path, capsys) -> None:
    """``rb-core-003.md`` without front matter takes its id from its name: typed ``Rb-Core-003`` it
    is now ambiguous with the shipped RB-CORE-003, linted as a file or through the config."""
    team = write(tmp_path / "team" / "rb-core-003.md", None)
    want = [f"{team}:1: warning: runbook id 'rb-core-003' (from the file name) differs only in case "
            f"from 'RB-CORE-003' at {SHIPPED_003}:2: {TAIL}"]
    assert run(capsys, "runbooks", "lint", str(team))[:2] == (1, "\n".join(want) + "\n")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[runbooks]\ndirs = ["{tmp_path / "team"}"]\n', encoding="utf-8")
    assert run(capsys, "runbooks", "lint", "--config", str(cfg))[:2] == (1, "\n".join(want) + "\n")
    code, _, err = run(capsys, "runbooks", "list", "--config", str(cfg))
    assert code == 0 and [f"warroom: {w}" for w in want] == err.splitlines()


def test_three_spellings_give_one_warning_per_pair_and_a_duplicate_only_its_own(tmp_path: Path) -> None:
    a = write(tmp_path / "a.md", "RB-Q-1")
    b = write(tmp_path / "b.md", "rb-q-1")
    c = write(tmp_path / "c.md", "Rb-Q-1")
    d = write(tmp_path / "d.md", "RB-Q-1")          # the very same id as a.md: the duplicate check's
    findings = [f for f in lint_paths([tmp_path], Config()) if "differs only in case" in f.message
                or "duplicate" in f.message]
    assert [(Path(f.file).name, f.line, f.level) for f in findings] == [
        ("d.md", 2, "error"), ("b.md", 2, "warning"), ("c.md", 2, "warning"), ("c.md", 2, "warning")]
    assert [m.message.split(":")[0] for m in findings[1:]] == [
        "runbook id 'rb-q-1' differs only in case from 'RB-Q-1' at " + str(a),
        "runbook id 'Rb-Q-1' differs only in case from 'RB-Q-1' at " + str(a),
        "runbook id 'Rb-Q-1' differs only in case from 'rb-q-1' at " + str(b)]
    assert str(d) not in " ".join(f.message for f in findings[1:]) and c.exists()


def test_no_warning_for_one_file_linted_twice_or_distinct_ids(tmp_path: Path) -> None:
    a = write(tmp_path / "a.md", "RB-Q-1")
    write(tmp_path / "b.md", "RB-Q-10")
    library = RunbookLibrary.from_config(Config())
    assert lint_paths([a, a, tmp_path], Config(), library=library) == []


def test_the_dashboard_finds_a_runbook_by_id_with_the_core_rule(tmp_path: Path) -> None:
    a = write(tmp_path / "a.md", "RB-TEAM-001")
    b = write(tmp_path / "b.md", "rb-team-001")
    ctx = AppContext(config=Config(), runbooks=RunbookLibrary([tmp_path], shipped=False).list())
    assert ctx.runbook("RB-TEAM-001").path == a
    assert ctx.runbook("rb-team-001").path == b          # exact: never the first equal ignoring case
    assert ctx.runbook("Rb-Team-001") is None            # ambiguous: the core refuses it, listing both
    assert ctx.runbook("b.md").path == b
    ctx = AppContext(config=Config(), runbooks=RunbookLibrary([tmp_path / "a.md"], shipped=False).list())
    assert ctx.runbook("rb-team-001").path == a          # the only id equal ignoring case
