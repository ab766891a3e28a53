"""The ``blocks`` entry point: click-style groups and commands, ``--help`` and ``--version``.
"""

from __future__ import annotations

from collections.abc import Callable

from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.checks import audit_cmd, security_scan, verify_contract
from warroom.drill.standins.blocks.comms import incident_create, notify
from warroom.drill.standins.blocks.flows import flow_retry, test_flow
from warroom.drill.standins.blocks.metrics import latency, metrics_compare, metrics_query, model_latency
from warroom.drill.standins.blocks.options import Failed, Usage
from warroom.drill.standins.blocks.quota import breaker, quota_show
from warroom.drill.standins.blocks.settings import config_cmd
from warroom.drill.standins.blocks.status import status_flows, status_update

VERSION = "blocks 2.4.1 (flowengine client)"


def run(ctx: Context, argv: list[str]) -> int:
    if not argv or argv[0] in ("--help", "-h"):
        ctx.out(HELP)
        return 0
    if argv[0] == "--version":
        ctx.out(VERSION)
        return 0
    try:
        cmd = argv[0]
        if cmd in GROUPS:
            if len(argv) < 2 or argv[1] in ("--help", "-h"):
                ctx.out(f"Usage: blocks {cmd} [OPTIONS] COMMAND [ARGS]...\n\nCommands:\n"
                        + "\n".join(f"  {c}" for c in GROUPS[cmd]))
                return 0 if len(argv) >= 2 else 2
            sub = argv[1]
            handler = GROUPS[cmd].get(sub)
            if handler is None:
                raise Usage(f"No such command '{sub}'.", f"blocks {cmd} [OPTIONS] COMMAND [ARGS]...")
            ctx.pause(0.6)
            return handler(ctx, argv[2:])
        handler = COMMANDS.get(cmd)
        if handler is None:
            raise Usage(f"No such command '{cmd}'.")
        ctx.pause(0.6)
        return handler(ctx, argv[1:])
    except Usage as exc:
        words = exc.usage.split(" [")[0]
        ctx.err(f"Usage: {exc.usage}\nTry '{words} --help' for help.\n\nError: {exc}")
        return exc.code
    except Failed as exc:
        ctx.err(f"Error: {exc}")
        return 1



GROUPS: dict[str, dict[str, Callable[[Context, list[str]], int]]] = {
    "flow": {"retry": flow_retry},
    "metrics": {"query": metrics_query, "latency": latency, "model-latency": model_latency,
                "compare": metrics_compare},
    "quota": {"show": quota_show},
    "circuit-breaker": {a: (lambda act: lambda c, v: breaker(c, v, act))(a) for a in ("status", "enable", "disable")},
    "status": {"flows": status_flows, "update": status_update},
    "verify": {"contract": verify_contract},
    "security": {"scan": security_scan},
    "incident": {"create": incident_create},
    "config": {a: (lambda act: lambda c, v: config_cmd(c, v, act))(a) for a in ("get", "set", "list")},
    "audit": {"status": lambda c, v: audit_cmd(c, v, "status")},
}
COMMANDS: dict[str, Callable[[Context, list[str]], int]] = {"test-flow": test_flow, "notify": notify}

HELP = """Usage: blocks [OPTIONS] COMMAND [ARGS]...

  FlowEngine command line.

Options:
  --version  Show the version and exit.
  --help     Show this message and exit.

Commands:
  audit            Audit pipeline state.
  circuit-breaker  Inspect or toggle the model-quota circuit breaker.
  config           Read and change orchestrator settings.
  flow             Operate on flows (retry).
  incident         Open an incident with the on-call tooling.
  metrics          Query flow and model metrics.
  notify           Post a message to Slack, email or PagerDuty.
  quota            Model API quota per provider.
  security         Security scans of context bundles.
  status           Flow status and the public status page.
  test-flow        Run a test flow end to end.
  verify           Check TaskObjects against block contracts."""
