"""The ``kubectl`` entry point: find the subcommand, parse its flags, hand it to its verb module.

Global flags may come before the subcommand (``kubectl -n x get pods``), as with the real tool.
"""

from __future__ import annotations

from collections.abc import Callable

from warroom.drill import fleet
from warroom.drill.standins.base import Context
from warroom.drill.standins.kubectl.admin import cmd_config, cmd_node, cmd_simple
from warroom.drill.standins.kubectl.container import cmd_exec
from warroom.drill.standins.kubectl.describe import cmd_describe
from warroom.drill.standins.kubectl.flags import Args, Fail, parse
from warroom.drill.standins.kubectl.get import cmd_get
from warroom.drill.standins.kubectl.logs import cmd_logs
from warroom.drill.standins.kubectl.manifests import cmd_apply, cmd_create, cmd_delete, cmd_patch
from warroom.drill.standins.kubectl.rollout import cmd_rollout
from warroom.drill.standins.kubectl.spec import cmd_autoscale, cmd_scale, cmd_set
from warroom.drill.standins.kubectl.top import cmd_top

COMMANDS = ("get", "describe", "logs", "top", "rollout", "set", "scale", "exec", "apply", "create", "delete",
            "patch", "autoscale", "cordon", "uncordon", "drain", "config", "version", "cluster-info", "auth",
            "annotate", "label", "edit", "port-forward", "explain", "api-resources", "wait")


def run(ctx: Context, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        ctx.out(USAGE)
        return 0
    sub, args_ = argv[0], argv[1:]
    if sub.startswith("-"):
        # global flags before the subcommand: move them after it
        first = next((i for i, a in enumerate(argv) if a in COMMANDS), None)
        if first is None:
            ctx.err(USAGE_ERROR)
            return 1
        sub, args_ = argv[first], argv[:first] + argv[first + 1:]
    handler = HANDLERS.get(sub)
    if handler is None:
        close = [c for c in COMMANDS if c.startswith(sub[:2])]
        msg = f'error: unknown command "{sub}" for "kubectl"'
        if close:
            msg += "\n\nDid you mean this?\n" + "\n".join(f"\t{c}" for c in close[:3])
        ctx.err(msg)
        return 1
    try:
        args = parse(args_, sub)
        ns = args.get("namespace") or fleet.NAMESPACE
        ctx.pause(0.25)
        return handler(ctx, args, ns)
    except Fail as exc:
        ctx.err(str(exc))
        return exc.code



HANDLERS: dict[str, Callable[[Context, Args, str], int]] = {
    "get": cmd_get, "describe": cmd_describe, "logs": cmd_logs, "top": cmd_top, "rollout": cmd_rollout,
    "set": cmd_set, "scale": cmd_scale, "exec": cmd_exec, "apply": cmd_apply, "create": cmd_create,
    "delete": cmd_delete, "patch": cmd_patch, "autoscale": cmd_autoscale, "config": cmd_config,
    "cordon": lambda c, a, n: cmd_node(c, a, n, "cordon"),
    "uncordon": lambda c, a, n: cmd_node(c, a, n, "uncordon"),
    "drain": lambda c, a, n: cmd_node(c, a, n, "drain"),
    **{s: (lambda sub: lambda c, a, n: cmd_simple(c, a, n, sub))(s)
       for s in ("version", "cluster-info", "auth", "annotate", "label", "edit", "port-forward", "explain",
                 "api-resources", "wait")},
}

USAGE = """kubectl controls the Kubernetes cluster manager.

 Find more information at: https://kubernetes.io/docs/reference/kubectl/

Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  get             Display one or many resources
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller
  autoscale       Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  top             Display resource (CPU/memory) usage
  cordon          Mark node as unschedulable
  uncordon        Mark node as schedulable
  drain           Drain node in preparation for maintenance

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  exec            Execute a command in a container

Advanced Commands:
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource

Settings Commands:
  set             Set specific features on objects

Usage:
  kubectl [flags] [options]

Use "kubectl <command> --help" for more information about a given command."""

USAGE_ERROR = 'error: unknown command for "kubectl"\nRun \'kubectl --help\' for usage.'
