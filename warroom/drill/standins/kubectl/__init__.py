"""``kubectl`` for drills: get/describe/logs/top/rollout/set/scale/exec/apply/create/delete/patch.

Output shapes, messages and exit codes follow kubectl 1.28; changes are recorded as operations
(see ``warroom.drill.cluster``) and so reach both the cluster view and the simulator.

One module a verb (or a family of verbs), so each can be read against kubectl's own behaviour on
its own; ``run`` (in ``cli``) is what ``warroom.drill.standins.main`` calls. The names below are
re-exported so ``warroom.drill.standins.kubectl.X`` keeps working for every X it ever had.
"""

from __future__ import annotations

from warroom.drill.standins.kubectl.admin import cmd_config, cmd_node, cmd_simple
from warroom.drill.standins.kubectl.cli import COMMANDS, HANDLERS, USAGE, USAGE_ERROR, run
from warroom.drill.standins.kubectl.container import cmd_exec, in_container, promtool
from warroom.drill.standins.kubectl.describe import cmd_describe, describe_deployment, describe_pod
from warroom.drill.standins.kubectl.events import events, print_events
from warroom.drill.standins.kubectl.flags import BOOL_FLAGS, MULTI, VALUE_FLAGS, Args, Fail, parse
from warroom.drill.standins.kubectl.formats import output
from warroom.drill.standins.kubectl.get import cmd_get, cordoned_nodes, print_pods
from warroom.drill.standins.kubectl.logs import cmd_logs, follow, pod_lines
from warroom.drill.standins.kubectl.manifests import cmd_apply, cmd_create, cmd_delete, cmd_patch
from warroom.drill.standins.kubectl.resources import (
    API_NAME, KINDS, NAMESPACES, deployment_target, fail_nf, match_selector, need_deployment, no_resources,
    not_found, running_pods, split_target,
)
from warroom.drill.standins.kubectl.rollout import cmd_rollout, rollout_status
from warroom.drill.standins.kubectl.spec import cmd_autoscale, cmd_scale, cmd_set
from warroom.drill.standins.kubectl.top import cmd_top, cpu_percent

__all__ = [
    "API_NAME", "BOOL_FLAGS", "COMMANDS", "HANDLERS", "KINDS", "MULTI", "NAMESPACES", "USAGE", "USAGE_ERROR",
    "VALUE_FLAGS", "Args", "Fail", "cmd_apply", "cmd_autoscale", "cmd_config", "cmd_create", "cmd_delete",
    "cmd_describe", "cmd_exec", "cmd_get", "cmd_logs", "cmd_node", "cmd_patch", "cmd_rollout", "cmd_scale",
    "cmd_set", "cmd_simple", "cmd_top", "cordoned_nodes", "cpu_percent", "deployment_target", "describe_deployment",
    "describe_pod", "events", "fail_nf", "follow", "in_container", "match_selector", "need_deployment",
    "no_resources", "not_found", "output", "parse", "pod_lines", "print_events", "print_pods", "promtool",
    "rollout_status", "run", "running_pods",
    "split_target",
]
