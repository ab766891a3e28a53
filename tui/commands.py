"""``warroom`` (the dashboard), ``warroom demo``, ``warroom drill`` and ``warroom resume``.

Textual and the heavier core pieces are imported inside the handlers, so ``warroom runbooks
list`` never pays for the UI.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


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
                           help="run a drill: a simulated incident with nothing installed")
    drill.add_argument("scenario", nargs="?", default="rate-limit", metavar="SCENARIO",
                       help="one of: " + ", ".join(scenario_names()))
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
    from tui.launch import dashboard_context, run_app
    from warroom.cli.common import config_from_args

    cfg = config_from_args(args)
    return run_app(dashboard_context(cfg))


def cmd_resume(args: argparse.Namespace) -> int:
    from tui.launch import dashboard_context, run_app
    from warroom.cli.common import config_from_args

    cfg = config_from_args(args)
    ctx = dashboard_context(cfg)
    ctx.resume_id = args.incident or "latest"
    return run_app(ctx)


def cmd_demo(args: argparse.Namespace) -> int:
    args.scenario = "rate-limit"
    args.list = False
    return cmd_drill(args)


def cmd_drill(args: argparse.Namespace) -> int:
    from warroom.errors import WarroomError

    names = scenario_names()
    if getattr(args, "replay", None):
        from tui.launch import replay_context, run_app
        from warroom.cli.common import config_from_args

        return run_app(replay_context(config_from_args(args), args.replay, args.speed))
    if args.list:
        for name, summary in scenario_summaries():
            print(f"{name:<16} {summary}")
        return 0
    if args.scenario not in names:
        raise WarroomError(f"unknown drill scenario {args.scenario!r}; choose one of: {', '.join(names)}")
    if args.speed is not None and args.speed <= 0:
        raise WarroomError(f"--speed must be a positive number, got {args.speed:g}")
    from tui.launch import drill_context, run_app
    from warroom.cli.common import config_from_args

    import sys

    from warroom.drill.lifecycle import resume_command

    cfg = config_from_args(args)
    relaunch = resume_command(sys.argv[1:])
    return run_app(drill_context(cfg, args.scenario, args.speed, new=bool(getattr(args, "new", False)),
                                 relaunch=relaunch))


# --------------------------------------------------------------------------- scenarios


def scenario_summaries() -> list[tuple[str, str]]:
    """Every scenario file shipped in ``warroom/drill/scenarios`` with its one-line story."""
    from warroom.drill.scenarios import list_scenarios

    return [(s.name, f"{s.symptom} ({s.runbook})") for s in list_scenarios()]


def scenario_names() -> list[str]:
    return [n for n, _ in scenario_summaries()]
