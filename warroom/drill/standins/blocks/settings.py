"""``config get|set|list``: the orchestrator settings a runbook may change (the repo allowlist).
"""

from __future__ import annotations

import re

from warroom.drill import fleet
from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.options import Failed, Usage


def config_cmd(ctx: Context, argv: list[str], action: str) -> int:
    if action == "list":
        for k, v in sorted(ctx.cluster.config.items()):
            ctx.out(f"{k} = {v}")
        return 0
    if not argv:
        raise Usage("Missing argument 'KEY'.", f"blocks config {action} [OPTIONS] KEY" + (" VALUE" if action == "set"
                                                                                             else ""))
    key = argv[0]
    if action == "get":
        if key not in ctx.cluster.config:
            raise Failed(f"no such config key '{key}'")
        ctx.out(ctx.cluster.config[key])
        return 0
    if len(argv) < 2:
        raise Usage("Missing argument 'VALUE'.", "blocks config set [OPTIONS] KEY VALUE")
    value = argv[1]
    if key == "repos.allowlist":
        unknown = [r for r in value.split(",") if r and r not in {x.name for x in fleet.REPOS}]
        if unknown:
            raise Failed(f"unknown repositories in allowlist: {', '.join(unknown)}")
    elif not re.fullmatch(r"[a-z_]+(\.[a-z0-9_\-]+)+", key):
        raise Failed(f"no such config key '{key}'")
    ctx.apply("config_set", key=key, value=value)
    ctx.out(f"{key} = {value}")
    return 0
