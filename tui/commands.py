"""``warroom`` (the dashboard), ``warroom demo``, ``warroom drill`` and ``warroom resume``.

Textual and the heavier core pieces are imported inside the handlers, so ``warroom runbooks
list`` never pays for the UI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from warroom.paths import command

if TYPE_CHECKING:
    from tui.context import AppContext, Reopen


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> Callable[..., int]:
    """Add the UI subcommands; returns the handler for ``warroom`` with no subcommand."""
    demo = sub.add_parser("demo", parents=[common],
                          help="drill mode with the rate-limit scenario (same as `drill rate-limit`)")
    demo.add_argument("--speed", type=float, default=None, metavar="N",
                      help="compress time N-fold (default: the scenario's own pace); a drill that is"
                           " continued keeps its own speed")
    demo.add_argument("--new", action="store_true",
                      help="start the scenario over even if a drill of it is unfinished")
    demo.set_defaults(func=cmd_demo)

    drill = sub.add_parser("drill", parents=[common],
                           help="run a drill: a simulated incident with nothing installed",
                           epilog=f"By hand, a drill's kubectl, psql, aws, curl and blocks are its stand-ins only in"
                                  f" `{command('drill', 'shell')}` (the latest open drill incident's; or name"
                                  f" an incident, a drill or a scenario) or after pasting what"
                                  f" `{command('drill', 'shell', '--print')}` prints. In your own shell they are"
                                  " the real ones.")
    drill.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                       help="one of: " + ", ".join(scenario_names()) + " (default rate-limit); or `shell`"
                            " to open your $SHELL on a drill's stand-ins, as its steps run them")
    drill.add_argument("target", nargs="?", default=None, metavar="ID|NAME",
                       help="with shell: the drill incident (INC-…), drill or scenario (default: the latest"
                            " open drill incident's drill)")
    drill.add_argument("--print", action="store_true", dest="print_env",
                       help="with shell: print the export line to paste instead of opening a shell (into a terminal"
                            " kept for the drill: it also sets the drill's database host and fake API keys)")
    drill.add_argument("--list", action="store_true", help="list the scenarios and exit")
    drill.add_argument("--speed", type=float, default=None, metavar="N",
                       help="compress time N-fold (default: the scenario's own pace); a drill that"
                            " is continued keeps its own speed")
    drill.add_argument("--new", action="store_true",
                       help="start the scenario over even if a drill of it is unfinished")
    drill.add_argument("--replay", metavar="INC-ID",
                       help="replay a resolved incident's recorded metrics as a read-only drill")
    drill.set_defaults(func=cmd_drill)

    resume = sub.add_parser("resume", parents=[common],
                            help="open the dashboard on an open incident (default: the latest)")
    resume.add_argument("incident", nargs="?", metavar="ID", help="incident id, e.g. INC-20261122-1")
    resume.set_defaults(func=cmd_resume)
    return cmd_dashboard


# --------------------------------------------------------------------------- handlers


def cmd_dashboard(args: argparse.Namespace) -> int:
    from tui.launch import dashboard_context, global_options
    from tui.run import needs_terminal, run_app
    from warroom.cli.common import config_from_args

    cfg = config_from_args(args)
    needs_terminal()        # before the sources are opened: a refused start starts nothing
    ctx = dashboard_context(cfg)
    ctx.options = global_options(sys.argv[1:])
    return run_app(ctx, reopen=partial(_reopen, args))


def cmd_resume(args: argparse.Namespace) -> int:
    """The dashboard on an incident in its own world: a drill incident reopens its drill
    (simulator, speed, clock), a real one the configured sources (``tui.launch.resume_context``)."""
    from tui.launch import global_options, resume_context
    from tui.run import needs_terminal, run_app
    from warroom.cli.common import config_from_args

    cfg = config_from_args(args)
    needs_terminal()        # before the drill is reopened: a refused start warms up no world
    ctx = resume_context(cfg, args.incident, options=global_options(sys.argv[1:]))
    return run_app(ctx, reopen=partial(_reopen, args))


def _reopen(args: argparse.Namespace, request: Reopen) -> AppContext:
    """The dashboard a ``Reopen`` asks for, from a fresh config (the last one was bent to
    the world it ran)."""
    from tui.launch import global_options, resume_context
    from warroom.cli.common import config_from_args

    cfg = config_from_args(args)
    cfg.incident.state_dir = str(request.root)
    return resume_context(cfg, request.incident_id, options=global_options(sys.argv[1:]))


def cmd_demo(args: argparse.Namespace) -> int:
    args.scenario = "rate-limit"
    args.list = False
    return cmd_drill(args)


def cmd_drill(args: argparse.Namespace) -> int:
    from warroom import scenario_time as stime
    from warroom.errors import WarroomError

    if args.scenario == "shell":
        return cmd_drill_shell(args)
    if getattr(args, "target", None) is not None or getattr(args, "print_env", False):
        raise WarroomError(f"{getattr(args, 'target', None) or '--print'} goes with `{command('drill', 'shell')}` only")
    names = scenario_names()
    if args.speed is not None and getattr(args, "replay", None) is None:
        stime.check_drill_speed(args.speed, "--speed")     # the one rule of a simulated drill's speed
    elif args.speed is not None:
        stime.check_replay_speed(args.speed, "--speed of a replay")
    if getattr(args, "replay", None) is not None:     # an empty id too: it started the demo drill instead
        if not args.replay.strip():
            raise WarroomError("--replay needs the id of a resolved incident (INC-…;"
                               f" `{command('incident', 'list')}` shows them)")
        if args.scenario is not None:
            raise WarroomError(f"--replay plays {args.replay}'s own recording; a scenario ({args.scenario}) does"
                               " not go with it")
        if args.new or args.list:      # both were silently ignored: the recording was played
            raise WarroomError(f"--replay plays {args.replay}'s own recording; {'--new' if args.new else '--list'}"
                               " does not go with it")
        from tui.launch import replay_context
        from tui.run import run_app
        from warroom.cli.common import config_from_args

        # Reading the recording starts nothing, so what is wrong with it is said first, with or
        # without a terminal (a script checking a recording); run_app then asks for the terminal.
        return run_app(replay_context(config_from_args(args), args.replay, args.speed),
                       reopen=partial(_reopen, args))
    if args.list:
        for name, summary in scenario_summaries():
            print(f"{name:<16} {summary}")
        return 0
    if args.speed is not None:        # a replay may be slower than x1; a simulated drill may not
        from warroom.scenario_time import check_drill_speed

        check_drill_speed(args.speed, "--speed")
    args.scenario = args.scenario or "rate-limit"
    if args.scenario not in names:
        raise WarroomError(f"unknown drill scenario {args.scenario!r}; choose one of: {', '.join(names)}")
    from tui.launch import drill_context, global_options, resume_command
    from tui.run import needs_terminal, run_app
    from warroom.cli.common import config_from_args

    cfg = config_from_args(args)
    needs_terminal()        # before the drill is chosen: a refused start begins no drill's clock
    relaunch = resume_command(sys.argv[1:])
    options = global_options(sys.argv[1:])
    ctx = drill_context(cfg, args.scenario, args.speed, new=bool(getattr(args, "new", False)), relaunch=relaunch,
                        options=options)
    ctx.options = options
    return run_app(ctx, reopen=partial(_reopen, args))


def cmd_drill_shell(args: argparse.Namespace) -> int:
    """``warroom drill shell [ID|NAME] [--print]``: the IC's shell on a drill's stand-ins (``tui.drill_shell``)."""
    from dataclasses import replace

    from tui.drill_shell import export_line, find_drill, run_shell
    from warroom.cli.common import config_from_args
    from warroom.errors import WarroomError

    bad = [w for w, on in (("--new", args.new), ("--list", args.list), ("--speed", args.speed is not None),
                           ("--replay", args.replay is not None)) if on]
    if bad:
        raise WarroomError(f"`{command('drill', 'shell')}` opens an existing drill; {bad[0]} does not go with it")
    cfg = config_from_args(args)
    found = replace(find_drill(cfg, args.target), read_only=bool(cfg.read_only))
    if args.print_env:
        if found.ended:
            print(f"# {found.ended}")
        if found.read_only:
            print("# read-only: the drill's tools answer, and refuse every change")
        print(export_line(found.drill, found.read_only))
        return 0
    return run_shell(found)


# --------------------------------------------------------------------------- scenarios


def scenario_summaries() -> list[tuple[str, str]]:
    """Every scenario file shipped in ``warroom/drill/scenarios`` with its one-line story."""
    from warroom.drill.scenarios import list_scenarios

    return [(s.name, f"{s.symptom} ({s.runbook})") for s in list_scenarios()]


def scenario_names() -> list[str]:
    return [n for n, _ in scenario_summaries()]
