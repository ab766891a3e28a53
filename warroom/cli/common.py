"""Pieces every subcommand shares: global options and loading the config once."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TextIO

from warroom import ImportsUnswept
from warroom.config import Config, load_config
from warroom.paths import command


# Global options that take a value: the entry point skips them when looking for the subcommand.
VALUE_OPTIONS = frozenset({"--config", "--state-dir", "--context", "--shared"})


OWN_PROCESS = False
"""Set by ``tui.cli.main`` run as the ``warroom`` command (no argv given): only then is this process the command's
own, and what it holds at a freeze is only what warroom built. A caller of ``main`` with an argv (a test) may hold
garbage a freeze would pin for its life (audit57 F5: a 50 MB cycle kept)."""


def imports_unswept() -> AbstractContextManager[None]:
    """Modules imported inside run with the cyclic GC off, and what they built is frozen after (if any module was
    new: ``warroom.ImportsUnswept``): a subcommand's own modules (``incident show``'s, ``run``'s: some 300) are most of
    its process's CPU (as ``tui.cli`` does for its own imports). A process that has them already (a test calling the
    CLI's ``main`` again) freezes nothing more; a process that is not the command's own (``OWN_PROCESS``) imports
    them as any import does."""
    return ImportsUnswept() if OWN_PROCESS else nullcontext()


def common_parser() -> argparse.ArgumentParser:
    """Options accepted both before and after the subcommand (``warroom --config X runbooks list``).

    Defaults are SUPPRESS so a subcommand's copy never overwrites a value given before it.
    """
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                   help="config file (default: $WARROOM_CONFIG, then the XDG config dir)")
    p.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                   help="refuse every mutating step in this session")
    p.add_argument("--state-dir", metavar="DIR", default=argparse.SUPPRESS,
                   help="where incidents are kept (overrides incident.state_dir)")
    p.add_argument("--context", metavar="NAME", default=argparse.SUPPRESS,
                   help="kubeconfig context for the cluster pane and k8s steps"
                        " (overrides kubernetes.context)")
    p.add_argument("--shared", metavar="DSN", default=argparse.SUPPRESS,
                   help="keep incidents in this PostgreSQL shared store (overrides $WARROOM_DSN and"
                        " shared.dsn; create its tables with"
                        f" `{command('shared', 'init')}`)")
    return p


def config_from_args(args: argparse.Namespace) -> Config:
    """Load the config named by the arguments and apply command-line overrides."""
    cfg = load_config(getattr(args, "config", None))
    if getattr(args, "read_only", False) or cfg.read_only:
        cfg.read_only = cfg.observer = True      # an observer's seat (``warroom.incident.observer_seat``)
    state_dir = getattr(args, "state_dir", None)
    if state_dir:
        cfg.incident.state_dir = state_dir
    context = getattr(args, "context", None)
    if context:
        cfg.kubernetes.context = context
    shared = getattr(args, "shared", None)
    if shared:
        cfg.shared.override = shared
        if _inline_password(shared):
            print("warning: the --shared DSN carries a password, which every user of this host can read"
                  " in the process list: use PGPASSWORD, ~/.pgpass or [shared] password_env",
                  file=sys.stderr)
    return cfg


def _inline_password(dsn: str) -> bool:
    import re

    return bool(re.search(r"://[^/@:\s]*:[^@/\s]+@|\bpassword\s*=", dsn, re.I))


def out(text: str = "", stream: TextIO | None = None) -> None:
    print(text, file=stream or sys.stdout)


def drill_shell_hint(target: str, home: str | Path) -> str:
    """Where a drill's tools are by hand, as the drill's start notice and ``incident new --drill`` say it:
    the exact ``warroom drill shell TARGET`` (``tui.drill_shell``) from ``home``, the state dir typed. A
    step runs the stand-ins, but the IC's own terminal reaches the cluster their kubeconfig names
    (redteam38 F3)."""
    from warroom.paths import default_state_dir

    where = [] if Path(home).resolve() == default_state_dir().resolve() else ["--state-dir", str(Path(home).resolve())]
    return (f"by hand, the drill's kubectl/psql/aws/curl/blocks are in `{command('drill', 'shell', target, *where)}`"
            f" (`{command('drill', 'shell', target, *where, '--print')}` prints the export line); typed in"
            " your own shell they reach the real ones")
