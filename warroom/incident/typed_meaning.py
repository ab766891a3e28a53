"""What a typed change did to the drill's world against what its step means there (``Meaning``: a scale-down is no
restore, an undo onto the bad release no rollback), read with the world's own ``Cluster.apply``; an operation read off
a call's words (``_operation``) and what it sets (``touches``, ``overlap``), which the drill report's weighing of a
change typed again reads too."""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from warroom.incident.shell_record import Act, Call
from warroom.incident.standin_calls import _env_set, _read_as
from warroom.incident.step_shape import Shape, _TOKEN, _filled

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook, Step


class Meaning:
    """What a typed change did to the drill's world, against what its step means (``Hands.means``): the general rule
    behind redteam49 F11. A change of the estate (kubectl ``scale``, ``patch``, ``set env``/``image``, ``rollout
    undo``/``restart``; ``blocks config set``) means what ``Cluster.apply`` says its operation means on the world
    before it: the canonical actions (``flowengine_start``, ``scale_down``, ``fallback_routing``, ``rollback``, …)
    its stand-in recorded ``via`` it. The step means what its own command, with the incident's values, records on
    the runbook's path: the scenario's estate with every earlier change of the runbook on the same thing
    (``touches``) made first (RB-CORE-005's "Bring FlowEngine back" after its halt: ``flowengine_start``). A typing
    credits the step only when it meant something of it (a scale-down is no restore, a rollout undo onto the bad
    release no rollback) and nothing else but what the step's own command would also have meant there and then (an
    undo onto an older revision drops the env set since: a throttle lifted beside the rollback), or, meaning nothing,
    when what the step means holds then (already in force): each of its kinds was recorded before (its path happened:
    FlowEngine halted, then brought back) and the step's own command would have meant none of it there (the breaker
    typed again once on; zero replicas typed again while halted is no restore; a scale to 5 while FlowEngine ran 5,
    never halted, brought nothing back: attack50 A1). Other stand-in records (a retry, a test flow,
    a page, an aws call) are named by their words, which the step's shape already matched."""

    def __init__(self, scenario: Any, actions: Sequence[Any], calls: Sequence[Call] = ()) -> None:
        self.scenario = scenario
        self.actions = actions
        self.calls = calls          # every stand-in call, so a call's own records end where its command is typed again
        self.paths: dict[tuple[Any, ...], frozenset[str] | None] = {}

    def does(self, runbook: Runbook, step: Step, shape: Shape, wanted: tuple[str, ...], call: Call,
             values: Mapping[str, str], part: tuple[str, ...] | None = None) -> bool:
        """Whether ``call`` did what ``wanted`` (the step's call, its places filled with ``values``) means; ``part``:
        the step's part of a call several steps share (``share``), judged by what it alone meant there and then."""
        from warroom.drill.cluster import build_cluster

        argv = _filled(wanted, shape, values)
        step_op = None if argv is None else _operation(argv)
        own = self._own(call)
        if step_op is None or not own:
            return part is None
        meant = self.meant(runbook, step, shape, wanted, values)
        if meant is None:
            return part is None
        did = {a.action for a in own if "via" in a.detail} if part is None else set(self.part_meant(call, part) or ())
        if did <= meant and (did or not meant):
            return True
        if did and not did & meant:
            return False            # none of what the step means: a scale-down for a restore
        # the step's own command there and then: what else it would have done too (an undo onto an older revision
        # drops the env set since: a throttle lifted, manual review ended), or nothing the step means left to do
        if not did:
            return self.holds(step_op, meant, own[0].ts, own[0].t)
        there = _meaning(build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]),
                         replace(step_op, t=own[0].t))
        return there is None or did <= meant | set(there)

    def part_meant(self, call: Call, part: tuple[str, ...]) -> list[str] | None:
        """What ``part`` (a spelled call: one step's share of ``call``, ``share``) means on the estate as ``call``
        found it, as if typed alone then; None when ``call`` recorded nothing or the part is no change."""
        from warroom.drill.cluster import build_cluster

        own, op = self._own(call), _operation(part)
        if not own or op is None:
            return None
        return _meaning(build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]),
                        replace(op, t=own[0].t))

    def went_to(self, call: Call, said: tuple[str, ...]) -> int | None:
        """The revision number a ``rollout undo`` (``said``: spelled, naming no revision) went back to, as the
        estate stood when ``call`` acted (its own record's moment); None when it recorded nothing (refused, a skip)."""
        from warroom.drill.cluster import build_cluster, undo_target

        own = self._own(call)
        kind, _, name = (said[3] if len(said) > 3 else "").partition("/")
        if not own or kind != "deployments":
            return None
        dep = build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]).deployments.get(name)
        target = None if dep is None else undo_target(dep)
        return None if target is None else target.number

    def kept(self, call: Call, said: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[str, ...] | None:
        """A ``set env`` call (``said``: spelled) with each assignment the step's call (``wanted``: spelled, its places
        unfilled) makes and the call leaves out, where the env it changed already read that value (as FlowEngine reads
        it, ``cluster.UNREAD`` for a key not set): the env after it is the step's (redteam51 R7: the breaker turned on
        with its threshold left at FlowEngine's 85 was "outside the runbook's steps"); None when it leaves out none
        such, or recorded nothing (refused)."""
        from warroom.drill.cluster import UNREAD, build_cluster

        mine = {w.split("=", 1)[0] if "=" in w else w[:-1] for w in said[4:] if not w.startswith("--")}
        missing = [w for w in wanted[4:] if "=" in w and not w.startswith("--") and _TOKEN[:12] not in w
                   and w.split("=", 1)[0] not in mine]
        own = self._own(call)
        kind, _, name = said[3].partition("/") if len(said) > 3 else ("", "", "")
        if not missing or not own or kind != "deployments":
            return None
        dep = build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]).deployments.get(name)
        env = {} if dep is None else {**UNREAD, **dep.current.env}
        if any(_read_as(said[3], f"{key}={env[key]}") != w if key in env else True
               for w in missing for key in [w.split("=", 1)[0]]):
            return None
        options = [w for w in said[4:] if w.startswith("--")]
        return (*said[:4], *_env_set(said[3], [w for w in said[4:] if not w.startswith("--")] + missing), *options)

    def holds(self, step_op: Any, meant: frozenset[str], ts: float, t: float) -> bool:
        """Whether what a step means on its path (``meant``, its own operation ``step_op``) holds at ``ts`` (unix; ``t``
        drill seconds), so a typing then that changed nothing is that step "already in force": it happened before
        (each kind of ``meant`` recorded by some change: FlowEngine halted, then brought back) and the step's own
        command there would mean none of it again (it still stands: zero replicas typed again while halted after a
        restore is none). A step whose path has not happened yet means nothing there either: no credit (attack50 A1:
        a scale to 5 typed while FlowEngine ran 5, never halted, was "Bring FlowEngine back"; an unset of what was
        never set was "Put the provider back")."""
        from warroom.drill.cluster import build_cluster

        before = [a for a in self.actions if a.ts < ts]
        if not meant <= {a.action for a in before if "via" in a.detail}:
            return False
        there = _meaning(build_cluster(self.scenario, before), replace(step_op, t=t))
        return there is None or not meant & set(there)

    def changed(self, row: Act) -> bool:
        """Whether the change ``row`` records (its command's operation, ``_operation``) changed the estate it was made
        on: a deployment's replicas or pod template, the config, an HPA or a ConfigMap (unknown: True). A scale to the
        count running, an unset of what is not set, changes none."""
        import copy

        from warroom.drill.cluster import build_cluster

        op = _operation(tuple(shlex.split(row.command)))
        if op is None:
            return True
        world = build_cluster(self.scenario, [a for a in self.actions if a.ts < row.at])

        def estate() -> Any:
            return ({n: (d.replicas, d.current.template) for n, d in world.deployments.items()},
                    copy.deepcopy((world.config, world.hpa, world.configmaps)))
        was = estate()
        return _meaning(world, replace(op, t=row.t)) is None or estate() != was

    def _own(self, call: Call) -> list[Any]:
        """The actions ``call`` recorded: its command's, from its start until that command is typed again (``rollout
        undo`` onto the revision it is on records nothing: the next typing's are not its), at the first moment one
        was stamped."""
        line = (call.tool, *call.argv)
        until = min((c.at for c in self.calls if c.at > call.at and (c.tool, *c.argv) == line), default=math.inf)
        mine = [a for a in self.actions if call.at <= a.ts < until and (a.tool, *a.argv) == line]
        return [a for a in mine if a.ts == mine[0].ts] if mine else []

    def meant(self, runbook: Runbook, step: Step, shape: Shape, wanted: tuple[str, ...],
               values: Mapping[str, str]) -> frozenset[str] | None:
        """What the step's call ``wanted`` means on the runbook's path (the class docstring); None: not read."""
        from warroom.drill.cluster import initial_cluster
        from warroom.execute.safety import classify_mutating

        key = (runbook.id, step.id, wanted, tuple(sorted(values.items())))
        if key in self.paths:
            return self.paths[key]
        argv = _filled(wanted, shape, values)
        mine = None if argv is None else _operation(argv)
        out: frozenset[str] | None = None
        if mine is not None:
            world = initial_cluster(self.scenario)
            for n, st in enumerate(s for s in runbook.steps if s.number < step.number and s.kind == "shell"
                                   and not _alternatives(runbook, s, step)):
                changes = st.command and (st.mutating or classify_mutating(st.command, st.kind) is not False)
                earlier = Shape.of(runbook, st) if changes else None
                for w in earlier.calls[0] if earlier is not None else ():
                    filled = _filled(w, earlier, values)
                    op = None if filled is None else _operation(filled)
                    if op is not None and overlap(touches(op), touches(mine)):
                        _meaning(world, replace(op, t=float(n)))
            said = _meaning(world, replace(mine, t=float(len(runbook.steps))))
            out = None if said is None else frozenset(said)
        self.paths[key] = out
        return out


def _meaning(world: Any, op: Any) -> list[str] | None:
    """What ``op`` means on ``world`` (``Cluster.apply``, which makes it there); None when the world cannot take it
    (a runbook's patch whose bounds are no numbers: the stand-in would have refused it)."""
    try:
        return world.apply(op)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _alternatives(runbook: Runbook, earlier: Step, step: Step) -> bool:
    """Whether ``earlier`` is in a subsection beside ``step``'s own, under a heading they share: one of the cases the
    runbook offers instead (RB-LAUNCH-005's Mitigation: "Rate limit exhaustion" throttles to 5, "Database connection
    pool exhaustion" from 50 to 20), so no part of the path to ``step``. A step in a top-level section (a phase:
    Mitigation's halt before Recovery's "Bring FlowEngine back"), in ``step``'s own or in one enclosing it, or in a
    case under another heading (the provider taken out, before Recovery puts it back) is on the path."""
    chain: list[Any] = []           # the sections enclosing the one being read, itself last (not the title's)
    enclosing: dict[str, list[Any]] = {}
    for sec in (sec for sec in runbook.sections if sec.level > 1):
        while chain and chain[-1].level >= sec.level:
            chain.pop()
        chain.append(sec)
        enclosing.setdefault(sec.title, list(chain))
    mine, theirs = enclosing.get(step.section, []), enclosing.get(earlier.section, [])
    if len(theirs) < 2 or theirs[-1] in mine:
        return False
    return theirs[-2] in mine           # its parent encloses ``step`` too: a case beside the one ``step`` is in


def _operation(argv: tuple[str, ...]) -> Any | None:
    """The operation (an ``Action`` of ``cluster.OPERATIONS``, at drill second 0) a stand-in records for a change of
    the estate, read off a call's words by the stand-in's own reading (kubectl: ``kubectl.operation``, which its verbs
    record through); None for any other call (a read, a retry, a page, an aws call: what they record is named by their
    words) or one it would refuse."""
    from warroom.drill.actions import Action
    from warroom.drill.standins.kubectl import operation

    if argv[:3] == ("blocks", "config", "set") and len(argv) == 5:
        return Action("config_set", 0.0, detail={"key": argv[3], "value": argv[4]})
    asked = operation(argv[1:]) if argv[:1] == ("kubectl",) else None
    return None if asked is None else Action(asked[0], 0.0, detail=asked[1])


def touches(op: Any) -> set[tuple[str, str]]:
    """What an operation sets, as (where, what) pairs, ``*`` for all of it: an env change its keys, a scale its
    replicas, an image its image, a restart nothing that stands, any other its whole object. Here, below the drill
    report, so a typing's meaning (``Meaning``) and the report's weighing of a change typed again read one rule."""
    d = op.detail
    where = str(d.get("deployment") or (f"node {d['node']}" if d.get("node") else f"config {d['key']}" if d.get("key")
                                        else f"{d.get('kind') or d.get('user')}/{d.get('name') or d.get('policy')}"))
    if op.action == "set_env":
        return {(where, str(k)) for k in (*(d.get("set") or {}), *(d.get("unset") or ()))}
    return {"rollout_restart": set(), "scale_to": {(where, "replicas")}, "set_image": {(where, "image")}}.get(
        op.action, {(where, "*")})


def overlap(one: set[tuple[str, str]], other: set[tuple[str, str]]) -> bool:
    """Whether two operations' ``touches`` share something (all of an object shares each of its parts)."""
    return any(a == b or a[0] == b[0] and "*" in (a[1], b[1]) for a in one for b in other)
