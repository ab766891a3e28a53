"""Command stand-ins for drills (kubectl, psql, aws, curl, blocks; ``date``'s shim): start reading at ``base``."""

from warroom.drill.standins.base import SHIMS, TOOLS, Context, ToolError, main, run_tool

__all__ = ["SHIMS", "TOOLS", "Context", "ToolError", "main", "run_tool"]
