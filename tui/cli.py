"""The ``warroom`` entry point.

Headless subcommands live in ``warroom.cli.*`` (core, no Textual); the dashboard commands
(``warroom`` alone, ``demo``, ``drill``) import the Textual app only when they run, so
``warroom runbooks list`` never pays for loading the UI.

Its own imports run with the cyclic GC off and what they built is frozen after (``warroom.ImportsUnswept``): every
command is a process of its own, mostly importing (the suite starts hundreds); frozen, no later collection (a
long-lived command's: ``status --watch``, the dashboard) walks them either.
"""

from __future__ import annotations

from warroom import ImportsUnswept

with ImportsUnswept():      # on again even when an import fails (audit57 F3)
    import argparse
    import errno
    import importlib
    import os
    import sys
    from collections.abc import Callable, Sequence
    from functools import partial

    from tui.cli_typed import FullTreeNeeded, TypedRoot
    from warroom import __version__
    from warroom.cli.common import common_parser
    from warroom.cli.terminal import guarded
    from warroom.errors import WarroomError

# Each module exposes register(subparsers, common); listed in the order `--help` shows them,
# with the commands each one registers, so `warroom runbooks list` imports only what it runs.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "tui.commands": ("demo", "drill", "resume"),
    "warroom.cli.incident": ("incident",),
    "warroom.cli.runbooks": ("runbooks",),
    "warroom.cli.status": ("status",),
    "warroom.cli.config_cmd": ("config",),
    "warroom.cli.shared_cmd": ("shared",),
}
DASHBOARD_MODULE = "tui.commands"


def _modules_for(words: frozenset[str]) -> list[str]:
    """The modules registering a command typed among ``words``; with none typed, the dashboard's (``warroom``
    alone, or a command line only the whole tree answers: it imports every module then)."""
    return [module for module, commands in COMMAND_MODULES.items() if words & set(commands)] or [DASHBOARD_MODULE]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for this command line (``tui.cli_typed``: only its typed subcommands built, the whole tree
    answering help, errors and anything else); ``argv`` None builds it whole (every subcommand)."""
    if argv is None:
        return _tree(argparse.ArgumentParser, list(COMMAND_MODULES))
    words = frozenset(argv)
    try:
        return _tree(partial(TypedRoot, words, build_parser, "default_func"), _modules_for(words))
    except FullTreeNeeded:      # a register function that read back a parser it was not given
        return build_parser()


def _tree(make: Callable[..., argparse.ArgumentParser], modules: list[str]) -> argparse.ArgumentParser:
    common = common_parser()
    parser = make(
        prog="warroom",
        description="Terminal incident-commander console. Run without a command to open the dashboard.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        default = importlib.import_module(name).register(sub, common)
        if callable(default):
            # A module may return the handler for `warroom` with no subcommand (the dashboard).
            parser.set_defaults(default_func=default)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with stdout and stderr behind the sanitiser (``warroom.cli.terminal``):
    no text but step output reaches the terminal with an escape sequence or a control character."""
    with guarded():
        return _main(argv)


#: Options whose value may start with "-" (``--at -15m``): joined to the option before argparse
#: sees them, so the relative-time syntax the dashboard takes works on the command line too.
DASH_VALUE_OPTIONS = frozenset({"--at"})


def _join_dash_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in DASH_VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-") and argv[i + 1] != "--":
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        if arg == "--":
            out.extend(argv[i:])
            break
        out.append(arg)
        i += 1
    return out


def _main(argv: Sequence[str] | None) -> int:
    if argv is None:        # the ``warroom`` command itself: this process is its own (``common.OWN_PROCESS``)
        from warroom.cli import common

        common.OWN_PROCESS = True
    argv = _join_dash_values(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra:       # `incident update ID --state-dir D "text"`: argparse closed a "*" text at the option (redteam45
        # R5); what it left is text where argparse itself would read it so: after a `--`, or words with a space in them
        # ("-5% errors since the rollback", attack45 X2); a lone word like an option is still refused
        cut = extra.index("--") if "--" in extra else len(extra)
        words = [e for e in extra[:cut] if not e.startswith("-") or " " in e] + extra[cut + 1:]
        if not isinstance(getattr(args, "text", None), list) or len(words) != len(extra) - (cut < len(extra)):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.text += words
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
    except OSError as exc:
        # An OS error no layer turned into a WarroomError: still one line naming the file, and
        # a full disk (or a read-only one, or a quota) is exit 6 as the README promises.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"warroom: {where}{exc.strerror or exc}", file=sys.stderr)
        return 6 if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS) else 1
    except (RecursionError, OverflowError, MemoryError) as exc:
        # Input shaped to exhaust the parser (a 5000-deep array) or the arithmetic: say so in
        # one line; WARROOM_DEBUG=1 shows the traceback for a bug report.
        if os.environ.get("WARROOM_DEBUG"):
            raise
        what = {RecursionError: "input nests too deeply", OverflowError: "a number in the input is out of range",
                MemoryError: "out of memory"}[type(exc)]
        print(f"warroom: {what} ({exc}); nothing was changed", file=sys.stderr)
        return 2

