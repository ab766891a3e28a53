"""The parser of one command line: only the subcommands typed on it are built.

``warroom``'s whole parser is about a hundred ``ArgumentParser``s (every ``incident`` action has its own), and
argparse makes each one slowly (its gettext look-ups stat the locale files every time): 23 ms of CPU per
``main()``, paid by every ``warroom`` process and by every in-process CLI call of the tests. A command line needs
at most one parser per level, and argparse picks a subcommand only by its exact name (or alias) as one word of the
command line; so a subcommand none of whose names was typed can never be chosen, and its parser need not be built.

:class:`TypedRoot` is the top of such a tree. The register functions build it as they build the whole one (the
same calls); :class:`TypedSubParsers` lists every subcommand (its name among the choices, its help line) but
builds only the typed ones, handing the register function an :class:`Unbuilt` stand-in for the others. Equal by
construction, and where it cannot be, the whole tree answers:

* every parser argparse runs is a real one, made by the same calls, and every level has the same choices, so a
  parse that ends without a word to the user is the whole tree's parse;
* anything that would speak or stop (``--help``, ``--version``, a usage error at any level, an untyped parser
  reached or a stand-in read back) raises :class:`FullTreeNeeded` inside the parse, before a byte is written, and
  :meth:`TypedRoot.parse_known_args` parses again with the whole tree, which says it (help lists every command);
* after the parse, the root's ``error``/``print_help``/``format_*`` are the whole tree's.

``tests/unit/test_cli_typed.py`` parses a command line for every subcommand both ways and compares.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any, NoReturn


class FullTreeNeeded(Exception):
    """Only the whole parser can answer this command line (help, an error, a subcommand not built)."""


class TypedParser(argparse.ArgumentParser):
    """A parser inside a typed tree: its subcommands are built only when typed, and it never speaks itself."""

    typed: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", TypedSubParsers)

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:  # type: ignore[type-arg]
        kwargs.setdefault("parser_class", TypedParser)
        action = super().add_subparsers(**kwargs)
        if not isinstance(action, TypedSubParsers):   # an action class of its own: only the whole tree has it right
            raise FullTreeNeeded(f"{self.prog}: subcommands of a class of their own")
        action.typed = self.typed
        return action

    # Everything argparse writes goes through these: inside a typed parse each hands the line to the whole tree.
    def print_usage(self, file: Any = None) -> None:
        raise FullTreeNeeded(f"{self.prog}: usage")

    def print_help(self, file: Any = None) -> None:
        raise FullTreeNeeded(f"{self.prog}: help")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise FullTreeNeeded(f"{self.prog}: exit {status}")

    def error(self, message: str) -> NoReturn:
        raise FullTreeNeeded(f"{self.prog}: {message}")


class TypedSubParsers(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subcommands of which only the typed ones are built; the others are listed, as choices and in help."""

    typed: frozenset[str] = frozenset()

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if {name, *kwargs.get("aliases", ())} & self.typed:
            parser = super().add_parser(name, **kwargs)
            if not isinstance(parser, TypedParser):
                raise FullTreeNeeded(f"{name}: a parser class of its own")
            parser.typed = self.typed
            return parser
        build, self._parser_class = self._parser_class, Unbuilt
        try:
            return super().add_parser(name, **kwargs)
        finally:
            self._parser_class = build


class Unbuilt:
    """What a register function gets for a subcommand not typed: it takes the calls that build a parser and
    keeps nothing. Whatever else is asked of it (argparse running it, a value read back) is the whole tree's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def _absorb(self, *args: Any, **kwargs: Any) -> Unbuilt:
        return Unbuilt()

    add_argument = add_argument_group = add_mutually_exclusive_group = add_subparsers = add_parser = _absorb
    set_defaults = register = _absorb

    def __setattr__(self, name: str, value: object) -> None:
        pass                    # `action.completer = …` on an argument's stand-in

    def __getattr__(self, name: str) -> NoReturn:
        raise FullTreeNeeded(f"a subcommand's parser not built was asked for {name}")


class _WholeTreeVersion(argparse.Action):
    """``--version`` in a typed tree (argparse's prints before it exits): the whole tree prints it."""

    def __init__(self, option_strings: Sequence[str], version: str | None = None, dest: str = argparse.SUPPRESS,
                 default: Any = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        raise FullTreeNeeded("--version")


class TypedRoot(TypedParser):
    """The top of a typed tree for the words ``typed``; ``whole`` builds the whole parser, which answers every
    command line this tree cannot (see the module's docstring). ``top_default``: the default the whole tree's
    top has for a command line with no command (a register function gives it): a parse that chooses no command
    here is the whole tree's only when this tree has it too."""

    def __init__(self, typed: Sequence[str], whole: Callable[[], argparse.ArgumentParser], top_default: str,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.typed = frozenset(typed)
        self._top_default = top_default
        self._whole_tree = whole
        self._whole: argparse.ArgumentParser | None = None
        self._parsing = False
        self._commands: argparse._SubParsersAction | None = None  # type: ignore[type-arg]
        self.register("action", "version", _WholeTreeVersion)

    def whole(self) -> argparse.ArgumentParser:
        if self._whole is None:
            self._whole = self._whole_tree()
        return self._whole

    @property
    def whole_built(self) -> bool:
        """Whether the whole tree was needed (a typed tree that answered alone built none)."""
        return self._whole is not None

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:  # type: ignore[type-arg]
        self._commands = super().add_subparsers(**kwargs)
        return self._commands

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        if namespace is not None:       # a try that fell through would leave the caller's namespace half-filled
            return self.whole().parse_known_args(args, namespace)
        self._parsing = True
        try:
            parsed: tuple[argparse.Namespace, list[str]] | None = super().parse_known_args(args, None)
        except FullTreeNeeded:
            parsed = None
        finally:
            self._parsing = False
        if parsed is None or (self._commands is not None and getattr(parsed[0], self._commands.dest, None) is None
                              and super().get_default(self._top_default) is None):
            # Or no command was chosen, so the answer is the top's default (the dashboard's handler), and no
            # module registered in this tree gave it.
            return self.whole().parse_known_args(args, None)
        return parsed

    def get_default(self, dest: str) -> Any:
        """The top's default for no command is the whole tree's even where no module registered here gave it."""
        value = super().get_default(dest)
        if value is None and dest == self._top_default:
            return self.whole().get_default(dest)
        return value

    # After the parse (``main`` refusing an extra word, or showing help): the whole tree's words.
    def print_usage(self, file: Any = None) -> None:
        if self._parsing:
            super().print_usage(file)
        self.whole().print_usage(file)

    def print_help(self, file: Any = None) -> None:
        if self._parsing:
            super().print_help(file)
        self.whole().print_help(file)

    def format_usage(self) -> str:
        return self.whole().format_usage()

    def format_help(self) -> str:
        return self.whole().format_help()

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if self._parsing:
            super().exit(status, message)
        self.whole().exit(status, message)

    def error(self, message: str) -> NoReturn:
        if self._parsing:
            super().error(message)
        self.whole().error(message)
