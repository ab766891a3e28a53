"""The ``warroom`` entry point.

Headless subcommands live in ``warroom.cli.*`` (core, no Textual); the dashboard commands
(``warroom`` alone, ``demo``, ``drill``) import the Textual app only when they run, so
``warroom runbooks list`` never pays for loading the UI.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from warroom import __version__
from warroom.cli.common import common_parser
from warroom.errors import WarroomError

# Each module exposes register(subparsers, common). Listed in the order `--help` shows them.
HEADLESS_MODULES = (
    "warroom.cli.incident",
    "warroom.cli.runbooks",
    "warroom.cli.status",
    "warroom.cli.config_cmd",
)
UI_MODULES = ("tui.commands",)


def build_parser() -> argparse.ArgumentParser:
    common = common_parser()
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="Terminal incident-commander console. Run without a command to open the dashboard.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in UI_MODULES + HEADLESS_MODULES:
        # Modules are added as their issues land; a missing one is skipped by name, never by
        # swallowing an import error raised inside a module that does exist.
        if importlib.util.find_spec(name) is None:
            continue
        default = importlib.import_module(name).register(sub, common)
        if callable(default):
            # A module may return the handler for `warroom` with no subcommand (the dashboard).
            parser.set_defaults(default_func=default)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        default = getattr(args, "default_func", None) or parser.get_default("default_func")
        if default is None:
            parser.print_help()
            return 0
        func = default
    try:
        return int(func(args) or 0)
    except WarroomError as exc:
        print(f"warroom: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("warroom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `warroom ... | head` closed the pipe: not an error worth a traceback.
        sys.stderr.close()
        return 0
