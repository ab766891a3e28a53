"""A command warroom tells a person to type is written one way: ``warroom.paths.command`` (cycle-5).

``make demo`` runs ``.venv/bin/warroom``, which no PATH names. The exact lines (quit, relaunch,
resume, replay) already named that script through ``program()``, but about sixty hints and errors
("`warroom incident verify INC-3`", "`warroom demo` needs none", "ask again: `warroom incident
request …`") were written by hand as a bare ``warroom …``: pasted, "command not found". Now every
one goes through ``command(*words)``, and this file finds any text that names a command another way.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from tests import source_trees
from tui.cli import COMMAND_MODULES
from warroom import paths

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = sorted(w for words in COMMAND_MODULES.values() for w in words)
# "warroom incident …", "warroom --config …", "`warroom`": a command named by hand
NAMED = re.compile(rf"(?<![\w/.-])warroom(?: (?:{'|'.join(SUBCOMMANDS)})\b| --?[a-z]|`)")


def _docstrings(tree: ast.AST) -> set[int]:
    """Strings that stand alone as a statement (docstrings, attribute notes): read by developers."""
    return {id(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}


def _sources() -> tuple[Path, ...]:
    """The product's modules; their trees are parsed once for every sweep (tests.source_trees)."""
    return source_trees.modules("warroom", "tui", "panes")


def test_no_text_names_a_warroom_command_by_hand() -> None:
    """Every string a person can see (f-string pieces, help, errors, notices) that names a command
    gets it from ``command()``; docstrings and comments are for developers and not checked."""
    found = []
    for path in _sources():
        tree = source_trees.tree(path)
        skip = _docstrings(tree)
        found += [f"{path.relative_to(ROOT)}:{n.lineno}: {n.value.strip()[:90]!r}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
                  and NAMED.search(n.value)]
    assert found == []


def test_the_checker_sees_the_forms_a_hint_was_written_in() -> None:
    """The rule above would pass on nothing if its pattern missed the forms the hints had."""
    for text in ("(`warroom incident verify ", "run `warroom shared init`", "try `warroom demo`",
                 "  approve: warroom incident approve ", "`warroom resume ", "`warroom --config X`", "`warroom`"):
        assert NAMED.search(text), text
    for text in ("this warroom needs version 3", "warroom's drill stand-in for kubectl", "/x/warroom/cli",
                 "warroom.paths", "a warroom configuration"):
        assert not NAMED.search(text), text


def test_only_command_names_the_program() -> None:
    """The exact lines too: ``program()`` is read by ``command()`` alone, so a printed command
    cannot be joined another way (unquoted, or without the script's path)."""
    calls = [f"{path.relative_to(ROOT)}:{n.lineno}" for path in _sources() if path.name != "paths.py"
             for n in ast.walk(source_trees.tree(path))
             if isinstance(n, ast.Call) and (getattr(n.func, "id", None) == "program"
                                             or getattr(n.func, "attr", None) == "program")]
    assert calls == []


@pytest.fixture
def off_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """warroom run as ``make demo`` runs it: a console script under a directory no PATH names
    (with a space, as a checkout can be), so a bare ``warroom`` is not found."""
    script = tmp_path / "my checkout" / ".venv" / "bin" / "warroom"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script), "demo"])
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return f"'{script}'"


def test_hints_name_the_script_that_runs(off_path: str, tmp_path: Path) -> None:
    """A hint from each layer (CLI, core, journal, dashboard launch) says the script's own path."""
    from tui.launch import open_source
    from warroom.cli.status import no_source
    from warroom.config import Config
    from warroom.errors import NotFoundError
    from warroom.incident.after_resolve import reopen_command
    from warroom.incident.verify_events import unsettled
    from warroom.incident.store import IncidentStore

    assert paths.command("incident", "list") == f"{off_path} incident list"
    assert paths.command("resume", "INC-1", "--state-dir", "/s t") == f"{off_path} resume INC-1 --state-dir '/s t'"
    assert f"`{off_path} config init`" in no_source() and f"`{off_path} demo`" in no_source()
    assert f"`{off_path} demo`" in str(open_source(Config())[1])
    assert reopen_command("INC-4") == f"{off_path} incident reopen INC-4 --reason R"
    assert f"`{off_path} resume INC-4`" in unsettled("INC-4")
    with pytest.raises(NotFoundError) as missing:
        IncidentStore(tmp_path / "state").open("INC-9")
    assert f"`{off_path} incident list`" in str(missing.value)
