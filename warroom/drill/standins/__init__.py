"""Command stand-ins for drills: ``kubectl``, ``psql``, ``aws``, ``curl`` and ``blocks``.

Each answers the commands the shipped and seed runbooks use as the real tool would (output shapes,
errors, exit codes, a pause scaled by the drill speed), from the drill in ``$WARROOM_DRILL_DIR``,
and records what it changed in ``actions.jsonl`` so the simulator bends the curves. Nothing here
touches a network or a real system. Read ``base`` first (context, options, errors), then one
module per tool; the cluster they read is ``warroom.drill.cluster``. ``tests/unit/
test_drill_standins_golden.py`` pins every runbook command's answer.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from warroom.drill.standins.base import Context, ToolError

TOOLS = ("kubectl", "psql", "aws", "curl", "blocks")


def main(tool: str, argv: Sequence[str] | None = None) -> int:
    """What ``warroom/drill/bin/standin`` runs: the tool's answer, as a process."""
    try:
        ctx = Context.from_env(tool, sys.argv[1:] if argv is None else argv)
        code = run_tool(ctx)
        sys.stdout.flush()
        if "series" in ctx.__dict__:
            ctx.drill.simulator.save_cache()
        return code
    except ToolError as exc:            # no drill to answer from
        print(exc, file=sys.stderr)
        return exc.code
    except BrokenPipeError:         # `kubectl logs ... | head`: as with the real tool, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def run_tool(ctx: Context) -> int:
    """Answer ``ctx.argv`` with the stand-in for ``ctx.tool``; a ToolError is its stderr and exit code."""
    try:
        return int(importlib.import_module(f"warroom.drill.standins.{ctx.tool}").run(ctx, list(ctx.argv)))
    except ToolError as exc:
        ctx.err(str(exc))
        return exc.code


__all__ = ["TOOLS", "Context", "ToolError", "main", "run_tool"]
