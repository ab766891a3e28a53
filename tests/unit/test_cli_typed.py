"""A command line's parser builds only its typed subcommands (``tui.cli_typed``) and parses as the whole one does.

Every subcommand at every level is found in the whole parser itself (a new one is checked the day it is added),
given a command line that parses (its positionals, its required options) and one with every option it has, the
global options before and after it, and parsed both ways: the namespaces are the same, and the typed tree parsed
alone (built no whole tree), so the comparison is of two parses, not of one. What only the whole tree can say
(help, errors) is said by it: the command lines on which main's tree of the typed module alone spoke for the whole
(``warroom -h incident`` listed one command, ``warroom --he`` three) are compared output for output.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
from collections.abc import Iterator
from typing import Any

import pytest

from tui.cli import build_parser

#: Values tried, in order, for a positional or an option's value without choices: the first its type takes.
VALUES = ("INC-20261207-1", "1", "P1", "5m")
#: Global options, before the command and after it.
BEFORE = ["--state-dir", "/tmp/warroom-typed-state", "--context", "kind-prod"]
AFTER = ["--read-only", "--config", "/tmp/warroom-typed.toml"]


@functools.cache
def _whole() -> argparse.ArgumentParser:
    return build_parser()


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                          argparse.ArgumentParser]]:
    """Every subcommand of the tree (at every level) with its parser; the leaves are those with no subcommands."""
    for name, sub in _commands(parser).items():
        yield path + (name,), sub
        yield from _paths(sub, path + (name,))


def _value(action: argparse.Action) -> str:
    if action.choices:
        return str(next(iter(action.choices)))
    for value in VALUES:
        try:
            if action.type is not None:
                action.type(value)  # type: ignore[operator]
            return value
        except (ValueError, TypeError, argparse.ArgumentTypeError):
            continue
    raise AssertionError(f"no sample value for {action.dest}")


def _required(parser: argparse.ArgumentParser) -> list[str]:
    words: list[str] = []
    for a in parser._actions:
        if a.option_strings and a.required:
            words += [a.option_strings[-1], _value(a)]
        elif not a.option_strings and not isinstance(a, argparse._SubParsersAction) and a.nargs not in ("?", "*"):
            words.append(_value(a))
    return words


def _every_option(parser: argparse.ArgumentParser) -> list[str]:
    words: list[str] = []
    for a in parser._actions:
        if a.option_strings and not a.required and a.help != argparse.SUPPRESS and a.dest != "help":
            words += [a.option_strings[-1]] + ([] if a.nargs == 0 else [_value(a)])
    return words


def _plain(value: Any) -> Any:
    """A handler said by what it runs: ``_later`` makes a new closure each build, the same one each time."""
    if callable(value):
        cells = tuple(c.cell_contents for c in (getattr(value, "__closure__", None) or ()))
        return value.__module__, value.__qualname__, cells
    return value


def _outcome(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[Any, ...]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ns, extra = parser.parse_known_args(argv)
        except SystemExit as done:
            return "exit", done.code, out.getvalue(), err.getvalue()
    assert out.getvalue() == err.getvalue() == "", argv
    return "parsed", {k: _plain(v) for k, v in vars(ns).items()}, extra


def _same(typed: tuple[Any, ...], whole: tuple[Any, ...]) -> bool:
    """The same outcome; a parse's namespace may lack the top's default (the dashboard's handler, which the whole
    tree's top has in every parse): a typed tree has it when it registered the dashboard's module, and
    ``main`` reads it from ``parser.get_default``, which is the whole tree's then."""
    if typed[0] == whole[0] == "parsed" and "default_func" not in typed[1]:
        whole = whole[0], {k: v for k, v in whole[1].items() if k != "default_func"}, whole[2]
    return typed == whole


def _leaves() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    return [(path, parser) for path, parser in _paths(_whole()) if not _commands(parser)]


def test_every_subcommand_parses_alone_as_the_whole_tree_parses_it() -> None:
    from tui.cli_typed import TypedRoot

    leaves = _leaves()
    assert len(leaves) >= 40 and {("incident", "show"), ("runbooks", "lint"), ("drill",)} <= {p for p, _ in leaves}
    refused = []
    for path, parser in leaves:
        needed = _required(parser)
        for every_option, argv in ((False, [*path, *needed]), (False, [*BEFORE, *path, *needed, *AFTER]),
                                   (True, [*path, *needed, *_every_option(parser)])):
            whole = _outcome(_whole(), argv)
            typed = build_parser(argv)
            assert isinstance(typed, TypedRoot)
            got = _outcome(typed, argv)
            assert _same(got, whole), argv
            if whole[0] == "parsed":
                assert not typed.whole_built, f"{argv}: the typed tree did not parse it alone"
            else:       # only every option at once may be refused: two of a mutually exclusive group
                assert every_option and whole[1] == 2 and "not allowed with argument" in whole[3], argv
                refused.append(path)
    assert len(refused) <= 2, refused


@pytest.mark.parametrize("argv", [
    ["-h", "incident"], ["--he"], ["--", "incident", "list"], ["--conf", "incident", "runbooks", "list"],
    ["--conf", "incident"], ["--state", "incident"], ["--version"], ["--vers"], ["incident", "--help"],
    ["incident", "show", "-h"], ["incident", "show"], ["incident", "sho", "X"], ["runbooks"], ["bogus"],
    ["incident", "list", "--bogus"], [],
])
def test_what_only_the_whole_tree_can_say_it_says(argv: list[str]) -> None:
    """Help, usage errors, an abbreviated option (argparse's allow_abbrev), an option's value that is a
    command's name, no command at all: the typed tree's answer is the whole tree's, byte for byte."""
    assert _same(_outcome(build_parser(argv), argv), _outcome(_whole(), argv))


@pytest.mark.parametrize("argv", [["--state", "incident"], ["--conf", "runbooks", "--read-only"]])
def test_no_command_chosen_opens_the_dashboard_whatever_was_typed(argv: list[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An option's value that is a command's name (``--state`` abbreviates ``--state-dir``) chooses no command:
    the whole tree opens the dashboard (main's tree of the named module alone printed the help)."""
    from tui.cli import main

    opened: list[argparse.Namespace] = []
    monkeypatch.setattr("tui.commands.cmd_dashboard", lambda args: opened.append(args) or 0)
    assert main(argv) == 0
    assert len(opened) == 1 and getattr(opened[0], "command", None) is None


def _toy(reads_back: bool) -> argparse.ArgumentParser:
    """A tree whose ``b`` parser, when not typed, is read back by its register code if ``reads_back``."""
    def build(make: Any) -> argparse.ArgumentParser:
        top = make(prog="toy")
        sub = top.add_subparsers(dest="command")
        a = sub.add_parser("a", help="the a")
        a.add_argument("x")
        b = sub.add_parser("b", help="the b")
        group = b.add_mutually_exclusive_group()
        group.add_argument("--y").completer = None
        if reads_back:
            b.set_defaults(prog=b.prog)
        return top

    from tui.cli_typed import TypedRoot

    whole = functools.partial(build, argparse.ArgumentParser)
    return build(functools.partial(TypedRoot, ["a", "1"], whole, "default_func"))


def test_a_stand_in_takes_the_building_calls_and_refuses_to_be_read() -> None:
    from tui.cli_typed import FullTreeNeeded

    toy = _toy(reads_back=False)
    assert _outcome(toy, ["a", "1"]) == ("parsed", {"command": "a", "x": "1"}, [])
    assert not toy.whole_built
    with pytest.raises(FullTreeNeeded):
        _toy(reads_back=True)       # build_parser answers this with the whole tree


def test_an_untyped_subcommand_reached_or_a_namespace_given_is_the_whole_tree_s() -> None:
    toy = _toy(reads_back=False)
    assert _outcome(toy, ["b", "--y", "2"]) == ("parsed", {"command": "b", "y": "2"}, [])   # "b" not typed
    assert toy.whole_built
    toy = _toy(reads_back=False)
    ns = argparse.Namespace(kept=True)
    assert toy.parse_known_args(["a", "1"], ns) == (ns, []) and vars(ns) == {"kept": True, "command": "a", "x": "1"}
    assert toy.whole_built
    assert "the b" in _toy(reads_back=False).format_help()
