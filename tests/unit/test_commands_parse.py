"""Every command warroom tells a person to type parses with warroom's own parser (redteam-2).

``warroom.paths.command`` writes each of them (cycle-5, test_commands_one_way.py), but nothing read
what it wrote: `incident verify` and `incident repair` with no ID (journal damage, a step refused
on a damaged journal, a list row) and `incident resolve ID` with no ``--summary`` (replay of an open
incident) answered "error: the following arguments are required" when pasted. This file renders
every ``command(...)`` call in warroom/, tui/ and panes/ (its literal words as written, a sample
for each computed word) and parses it with ``tui.cli.build_parser()``: a hint that argparse would
refuse cannot ship.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import itertools
from pathlib import Path

from tests import source_trees
from tui.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
# What a computed word (an id, a state dir, a step number, a scenario, a runbook ref) may hold: a
# call passes when some choice of these parses, so an unknown value is never what fails it; a
# missing required argument or option fails whatever is chosen.
SAMPLES = ("INC-20261203-1", "2", "rate-limit", "/tmp/state dir", "RB-CORE-003")
# Calls whose every word is computed at run time (the command line that was typed, less --new),
# so no word can be read here; each of them is a command the person already typed.
WHOLLY_TYPED = {"tui/launch.py:resume_command", "tui/app.py:resume_command"}


def _command_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names this module calls ``warroom.paths.command`` by, and the names it calls the
    ``warroom.paths`` module by (a module's own ``command``, e.g. the stand-ins' decorator, is not it)."""
    funcs, mods = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module == "warroom.paths":
            funcs |= {a.asname or a.name for a in n.names if a.name == "command"}
        elif isinstance(n, ast.ImportFrom) and n.module == "warroom":
            mods |= {a.asname or a.name for a in n.names if a.name == "paths"}
        elif isinstance(n, ast.Import):
            mods |= {a.asname for a in n.names if a.name == "warroom.paths" and a.asname}
    return funcs, mods


def _alternatives(arg: ast.expr) -> list[list[str | None]]:
    """The words one argument can stand for: a literal is itself, ``a if c else b`` either branch,
    a starred sequence of literals its words, ``*options`` (global options typed) none; any other
    expression is one computed word (None, filled from SAMPLES)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [[arg.value]]
    if isinstance(arg, ast.IfExp):
        return _alternatives(arg.body) + _alternatives(arg.orelse)
    if isinstance(arg, ast.Starred):
        if isinstance(arg.value, (ast.List, ast.Tuple)):
            return _alternatives_all(arg.value.elts)
        return [[]]
    return [[None]]


def _alternatives_all(args: list[ast.expr]) -> list[list[str | None]]:
    return [list(itertools.chain.from_iterable(pick)) for pick in itertools.product(*map(_alternatives, args))]


@functools.cache
def _calls() -> list[tuple[str, ast.Call]]:
    """Every ``command(...)`` call of the product, with where it is. Built once, by the first test that
    asks, in the worker that runs this file: it was built at import (a parametrize list), so at collection
    in every xdist worker, ~2 s of CPU each for a list only one worker's tests read."""
    found = []
    for path in source_trees.modules("warroom", "tui", "panes"):     # read and parsed once for every sweep
        text = source_trees.source(path)
        # Every import _command_names counts spells the word "paths" (warroom.paths, from warroom
        # import paths): a module without it calls no command(), so it is not parsed.
        if "paths" not in text:
            continue
        tree = source_trees.tree(path)
        funcs, mods = _command_names(tree)
        if not funcs and not mods:
            continue
        parents = {id(c): fn.name for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for c in ast.walk(fn)}
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and ((isinstance(n.func, ast.Name) and n.func.id in funcs) or (
                    isinstance(n.func, ast.Attribute) and n.func.attr == "command"
                    and isinstance(n.func.value, ast.Name) and n.func.value.id in mods)):
                where = f"{path.relative_to(ROOT)}:{n.lineno}"
                if all(isinstance(a, ast.Starred) for a in n.args):
                    where = f"{path.relative_to(ROOT)}:{parents.get(id(n), '?')}"
                found.append((where, n))
    return found


_parser = None


def _parses(words: list[str]) -> str | None:
    """None when warroom's parser takes ``words``; else the last line of what argparse said."""
    global _parser
    _parser = _parser or build_parser()
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            _parser.parse_args(words)
    except SystemExit as stop:
        if stop.code:
            return (err.getvalue().strip().splitlines() or ["exit %s" % stop.code])[-1]
    return None


def refusal(call: ast.Call) -> str | None:
    """What argparse says to the first way of reading ``call`` that no choice of samples makes
    parse; None when every way parses for some choice."""
    for words in _alternatives_all(call.args):
        holes = [i for i, w in enumerate(words) if w is None]
        said = None
        for fill in itertools.product(SAMPLES, repeat=len(holes)):
            filled = list(words)
            for i, v in zip(holes, fill):
                filled[i] = v
            said = _parses([w for w in filled if w is not None])
            if said is None:
                break
        if said is not None:
            return f"{' '.join(w or '?' for w in words)}: {said}"
    return None


def test_the_scan_finds_the_commands() -> None:
    """The check below would pass on nothing if the scan missed the calls: it sees the known ones
    (hints in core, journal, CLI and launch) and not the stand-ins' own ``command`` decorator."""
    calls = _calls()
    places = {where.rsplit(":", 1)[0] for where, _ in calls}
    assert len(calls) > 50
    assert {"warroom/journal/log.py", "warroom/incident/store.py", "warroom/execute/runner.py",
            "tui/launch.py", "warroom/cli/incident.py"} <= places
    assert "warroom/drill/standins/blocks.py" not in places
    assert {w for w, c in calls if all(isinstance(a, ast.Starred) for a in c.args)} == WHOLLY_TYPED


def test_every_command_a_person_is_told_to_type_parses() -> None:
    """Each call is checked, as when this test was parametrized by call (one case per call, its place
    the id); the list of calls is no longer built at collection (see ``_calls``), and a failure names
    every refused call with what argparse said, not the first."""
    checked = [(where, call) for where, call in _calls() if where not in WHOLLY_TYPED]
    assert checked
    refused = [f"{where}: {said}" for where, call in checked if (said := refusal(call)) is not None]
    assert refused == [], "\n".join(refused)


def test_the_check_refuses_what_argparse_refuses() -> None:
    """A command missing its required id or option, or naming no subcommand, is caught."""
    for src in ("command('incident', 'verify')", "command('incident', 'resolve', inc)",
                "command('incident', 'nosuch', inc)", "command('incident', 'resolve', x, '--summary')"):
        call = ast.parse(src, mode="eval").body
        assert isinstance(call, ast.Call) and refusal(call) is not None, src
    for src in ("command('incident', 'verify', inc)", "command('incident', 'resolve', inc, '--summary', 'TEXT')",
                "command('resume', inc, '--state-dir', d, *options)", "command('incident', 'list')"):
        call = ast.parse(src, mode="eval").body
        assert isinstance(call, ast.Call) and refusal(call) is None, src
