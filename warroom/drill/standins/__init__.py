"""Command stand-ins for drills (kubectl, psql, aws, curl, blocks): start reading at ``base``."""

from warroom.drill.standins.base import TOOLS, Context, ToolError, main, run_tool

__all__ = ["TOOLS", "Context", "ToolError", "main", "run_tool"]
