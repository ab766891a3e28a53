"""``runbooks lint`` checks a decision's ``on_go`` against the library (issue 13, D5): a GO on a
block naming a runbook that does not exist is journaled but opens nothing, so the typo must be
found before the drill, not at the GO."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui.cli import main
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.lint import lint_paths


def _runbook(rid: str, on_go: str) -> str:
    return textwrap.dedent(f'''\
        +++
        id = "{rid}"
        title = "Rollback question"
        severity = "P2"
        +++

        # Rollback question

        ## Mitigation

        ```bash
        # Look at the errors
        echo errors
        ```

        ```decision
        question = "Roll back the release?"
        deadline = "15m"
        on_go = "{on_go}"
        [[go]]
        text = "errors keep rising"
        ```
        ''')


def _on_go_line(text: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("on_go"))


def test_unknown_on_go_in_a_directory_is_an_error_naming_file_line_and_id(tmp_path: Path, capsys) -> None:
    text = _runbook("RB-T-001", "RB-NOPE-999")
    (tmp_path / "rb.md").write_text(text, encoding="utf-8")
    code = main(["runbooks", "lint", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{tmp_path / 'rb.md'}:{_on_go_line(text)}" in out
    assert "error" in out and "'RB-NOPE-999'" in out and "could not open it" in out


def test_known_on_go_is_clean_shipped_or_beside_it(tmp_path: Path) -> None:
    """An id of the shipped library, or of a runbook linted in the same run, is no finding
    (case-insensitive, as the GO's look-up is)."""
    (tmp_path / "a.md").write_text(_runbook("RB-T-001", "RB-LAUNCH-002"), encoding="utf-8")
    (tmp_path / "b.md").write_text(_runbook("RB-T-002", "rb-t-001"), encoding="utf-8")
    assert [f for f in lint_paths([tmp_path]) if "on_go" in f.message] == []


def test_a_single_file_without_its_library_gets_a_warning_saying_so(tmp_path: Path) -> None:
    text = _runbook("RB-T-001", "RB-NOPE-999")
    path = tmp_path / "rb.md"
    path.write_text(text, encoding="utf-8")
    (finding,) = [f for f in lint_paths([path]) if "on_go" in f.message]
    assert finding.level == "warning" and finding.line == _on_go_line(text)
    assert "'RB-NOPE-999'" in finding.message and "without its library" in finding.message


def test_shipped_runbooks_name_only_runbooks_that_exist(tmp_path: Path) -> None:
    """Every shipped on_go resolves."""
    assert [f for f in lint_paths([shipped_runbooks_dir()]) if "on_go" in f.message] == []


@pytest.mark.parametrize("typo", ["RB-LAUNCH-0002", "RB-LAUNCH-02"])
def test_a_near_miss_is_not_accepted(tmp_path: Path, typo: str) -> None:
    (tmp_path / "rb.md").write_text(_runbook("RB-T-001", typo), encoding="utf-8")
    (finding,) = [f for f in lint_paths([tmp_path]) if "on_go" in f.message]
    assert finding.level == "error" and repr(typo) in finding.message
