"""Command stand-ins for drills: ``kubectl``, ``psql``, ``aws``, ``curl`` and ``blocks``.

Each answers the commands the shipped runbooks (and the seeds' runbooks) use the way the real tool
would (same output shapes, error messages and exit codes, a pause scaled by the drill speed), from
the drill world in ``$WARROOM_DRILL_DIR``, and records what it changed in ``actions.jsonl`` so the
simulator bends the curves. Nothing here opens a network connection or touches a real system;
commands no runbook uses say plainly that the drill does not simulate them.

Reading order: ``base`` (the invocation context: drill, clock, recording; the one option reader),
then one module per tool — ``kubectl/`` (``__init__`` flags and kinds, ``read`` get/describe/logs/
top, ``change`` the verbs that act), ``kubeobj`` (API-shaped objects, jsonpath), ``blocks``,
``psql``, ``curl``, ``aws``. The cluster they all read is ``warroom.drill.cluster``.
``tests/unit/test_drill_standins_golden.py`` pins every runbook command's answer.

``main(tool, argv)`` is what ``warroom/drill/bin/standin`` calls.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from warroom.drill.standins.base import Context, DrillMissing

TOOLS = ("kubectl", "psql", "aws", "curl", "blocks")


def main(tool: str, argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        ctx = Context.from_env(tool, argv)
    except DrillMissing as exc:
        print(f"{tool}: {exc}", file=sys.stderr)
        return 127
    try:
        code = run_tool(ctx)
        sys.stdout.flush()
        if "series" in ctx.__dict__:
            ctx.drill.simulator.save_cache()
        return code
    except BrokenPipeError:
        # `kubectl logs ... | head`: the reader went away, as with the real tool this is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def run_tool(ctx: Context) -> int:
    """Answer ``ctx.argv`` with the stand-in for ``ctx.tool`` (no process-level handling)."""
    module = importlib.import_module(f"warroom.drill.standins.{ctx.tool}")
    return int(module.run(ctx, list(ctx.argv)))


__all__ = ["TOOLS", "Context", "DrillMissing", "main", "run_tool"]
