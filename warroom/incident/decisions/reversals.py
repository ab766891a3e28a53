"""Whether what a step did still stands: a criterion that counts a step's run (``ran``, ``not_ran``, ``unless_ran``)
counts it only while nothing recorded since reversed it (redteam51 R6).

RB-CORE-005's Go/No-Go "Bring FlowEngine back" asks that PII redaction be back on and the audit shipper restarted.
Judged by "the step's latest run ended ok", redaction switched off again and the shipper scaled to zero by hand in
the drill shell still read "✔ met … ran ok" and the NO-GO "✗ not met … flows would run unredacted": a GO then brought
FlowEngine back unredacted with no shipper, the two things the decision is there to prevent.

The rule, one for every runbook's decisions: what a run did is the operations it made (``Op``: an env change, a
scale, a restart, an image, a config key, a patch), each read as the parts of the estate it leaves set
(``facets``: an env key's value as the workload reads it, whether the deployment runs pods, ...). A change made
after it on the same part, to another value, undid it, unless a later change set it back; the last change of each
part decides. Where a change's effect on a part cannot be read (a ``rollout undo`` puts back an earlier revision
whose template the record does not hold; a run that failed or still runs may have acted), the step is not known to
stand ("may have undone it"): unknown, never met.

The changes: every later run of a step of the incident, through warroom (its journaled command, the journal alone:
a real incident's), and in a drill what its stand-ins recorded (``actions.jsonl``): each run's own operations by its
tag, and what was typed in the drill shell. The drill's record is read once per look, off the event loop (the
dashboard's worker, ``incident decide``); a view that reads the journal only (``incident show``, the checklist) judges
no criterion and never asks. A record that cannot be read (another user's drill) leaves the journal's rule."""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError

#: a value the tool cannot read (``facets`` of a change whose effect on that part is not known)
UNREAD = object()
#: the words a switch is read from (FlowEngine's ``ENABLE_…``/``…_ENABLED``): ``true`` and ``1`` are one value
_SWITCH = {"1": "true", "true": "true", "yes": "true", "on": "true", "0": "false", "false": "false", "no": "false",
           "off": "false"}
#: the operations whose effect is read here (``warroom.drill.cluster.OPERATIONS``' changes of a deployment or config)
KINDS = ("set_env", "scale_to", "rollout_restart", "set_image", "rollout_undo", "config_set", "patch", "delete",
         "create", "apply")


@dataclass(frozen=True)
class Op:
    """One operation on the estate: its kind (``KINDS``) and what it named (a stand-in's record's ``detail``)."""

    action: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Change:
    """An operation made after the run judged: when, by what (``step 30 (Bring FlowEngine back)``, or the command
    typed in the drill shell), and whether it surely acted (a run that failed or still runs may have)."""

    at: datetime
    by: str
    op: Op
    sure: bool = True


@dataclass(frozen=True)
class Undo:
    """What undid a run: when, by what, the part it set otherwise (``PII_REDACTION_ENABLED=false``); ``sure``: False
    when it may have (its effect there is not read)."""

    at: datetime
    by: str
    what: str
    sure: bool = True

    def words(self) -> str:
        """``undone at 20:35:22 UTC by `kubectl set env …` typed in the drill shell (PII_REDACTION_ENABLED=false)``, or
        ``… may have been undone at …: <why>`` when not sure."""
        if self.sure:
            return f"undone at {self.at:%H:%M:%S} UTC by {self.by} ({self.what})"
        return f"it may have been undone at {self.at:%H:%M:%S} UTC by {self.by} ({self.what})"


def _env(value: Any) -> str:
    text = str(value).strip()
    return _SWITCH.get(text.lower(), text)


def _leaves(node: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, str(k)))
    else:
        yield path, node


def facets(op: Op) -> dict[tuple[str, ...], tuple[Any, str]]:
    """The parts of the estate ``op`` leaves set, each with (its value as compared, its words): ``("env", dep, K)``
    an env key (None: unset), ``("pods", dep)`` whether the deployment runs pods made since (a restart's; a scale to 0
    ends them, a scale up starts fresh ones), ``("up", dep)`` whether it runs any, ``("image", dep)``, ``("config",
    key)``, ``("patch", kind, name, *path)``. A change whose effect on a part is not read sets it ``UNREAD``."""
    d = op.detail
    dep = str(d.get("deployment") or "")
    if op.action == "set_env" and dep:
        out: dict[tuple[str, ...], tuple[Any, str]] = {
            ("env", dep, str(k)): (_env(v), f"{k}={v}") for k, v in (d.get("set") or {}).items()}
        return out | {("env", dep, str(k)): (None, f"{k} unset") for k in d.get("unset") or ()}
    if op.action == "scale_to" and dep and isinstance(d.get("replicas"), int):
        n = int(d["replicas"])
        return {("up", dep): (n > 0, f"scaled to {n}"), ("pods", dep): (n > 0, f"scaled to {n}")}
    if op.action == "rollout_restart" and dep:
        return {("pods", dep): (True, "restarted")}
    if op.action == "rollout_undo" and dep and (after := d.get("after")):      # the release it went back to
        return {("image", dep): (str(after["image"]), f"image {after['image']} by a rollout undo")}
    if op.action == "set_image" and dep:
        return {("image", dep): (str(d.get("image")), f"image {d.get('image')}")}
    if op.action == "config_set" and d.get("key"):
        return {("config", str(d["key"])): (str(d.get("value")), f"{d['key']}={d.get('value')}")}
    if op.action == "patch" and d.get("name"):
        return {("patch", str(d.get("kind")), str(d["name"]), *path): (leaf, f"{'.'.join(path)}={leaf}")
                for path, leaf in _leaves(d.get("patch") or {})}
    return {}


def _whole(op: Op) -> str | None:
    """The deployment an operation deletes or makes again whole (``kubectl delete``, ``create``, ``apply``), else
    None."""
    d = op.detail
    named = op.action in ("delete", "create", "apply") and str(d.get("kind") or "") in ("deployment", "deployments")
    return str(d["name"]) if named and d.get("name") else None


def _touched(op: Op, part: tuple[str, ...]) -> tuple[Any, str] | None:
    """What ``op`` leaves ``part`` (a ``facets`` key of the run judged) at: its own value there; for a deployment's
    part, nothing once the deployment is deleted, ``UNREAD`` where it acts on that deployment without the record
    saying how (a ``rollout undo``, an ``apply``); None where it does not touch it."""
    own = facets(op).get(part)
    if own is not None:
        return own
    dep = part[1] if part[0] in ("env", "pods", "up", "image") else None
    if dep is None:
        return None
    if _whole(op) == dep:
        if op.action == "delete":
            return None, "deleted"
        # applied whole: its env and image as the drill's world made them (``Reversals._op``'s ``after``: attack52
        # F8, the deployment's own spec applied again undid the routing typed by hand), else not read
        if (after := op.detail.get("after")) is None or part[0] not in ("env", "image"):
            return UNREAD, "made again whole: its template is not read"
        if part[0] == "image":
            return str(after["image"]), f"image {after['image']} by an apply"
        value = after["env"].get(part[2])
        return (None, f"{part[2]} unset by an apply") if value is None else \
            (_env(value), f"{part[2]}={value} by an apply")
    if op.action == "rollout_undo" and str(op.detail.get("deployment") or "") == dep and part[0] == "env":
        # the template of the revision it went back to (``Reversals.undo_ops``: a drill's world), else not read
        if (after := op.detail.get("after")) is None:
            return UNREAD, "a rollout undo: the revision it put back is not read here"
        key = part[2]
        value = after["env"].get(key)
        return (None, f"{key} unset by a rollout undo") if value is None else \
            (_env(value), f"{key}={value} by a rollout undo")
    if op.action == "rollout_undo" and str(op.detail.get("deployment") or "") == dep and part[0] == "image":
        return UNREAD, "a rollout undo: the revision it put back is not read here"
    return None


def undone(mine: Sequence[Op], later: Sequence[Change]) -> Undo | None:
    """What undid the operations ``mine`` (a run's) among ``later`` (the changes made after it, any order): for each
    part they set (``facets``), the last later change of it, when it set another value; the earliest such change
    surely made first, else one that may have (``Undo.sure`` False); None while every part stands."""
    want = {part: value for op in mine for part, (value, _) in facets(op).items()}
    last: dict[tuple[str, ...], tuple[Change, Any, str]] = {}
    for ch in sorted(later, key=lambda c: c.at):
        for part in want:
            if (got := _touched(ch.op, part)) is not None:
                last[part] = (ch, *got)
    found = [(ch, value, what) for part, (ch, value, what) in last.items() if value is UNREAD or value != want[part]]
    if not found:
        return None
    sure = [f for f in found if f[0].sure and f[1] is not UNREAD]
    ch, _, what = min(sure or found, key=lambda f: f[0].at)
    return Undo(ch.at, ch.by, what, sure=bool(sure))


def first_undone(mine: Sequence[Op], later: Sequence[Change]) -> Undo | None:
    """What first undid the operations ``mine`` among ``later``: ``undone`` asked after each change in time order, so
    an undo a later change set back still ended what ``mine`` did at its moment (typed, undone, typed again: the
    first typing's effect did not stand through to the second). What a typing's moment stands for while it has not
    been undone since (``Reversals.typing_undone``: a gate's "before", attack52 F1); None while every part stands."""
    want = {part for op in mine for part in facets(op)}
    ordered = sorted(later, key=lambda c: c.at)
    for k, ch in enumerate(ordered):
        if any(_touched(ch.op, part) is not None for part in want) and (out := undone(mine, ordered[:k + 1])):
            return out
    return None


#: a deployment a command reads (``rollout status deployment/X``, ``get deploy X``, ``logs deployment/X``)
_READS = re.compile(r"\b(?:deployments?|deploy)(?:\.apps)?(?:/|\s+)([a-z0-9]([-a-z0-9]*[a-z0-9])?)\b")


def read_deployments(command: str | None) -> set[str]:
    """The deployments a step that changes nothing read (a wait for a rollout, a look at its pods): what it found
    holds only while nothing changed them since (attack51 A2: the wait for the audit shipper to be ready, then a
    restart onto a credential the store refuses, still counted as "ready")."""
    from warroom.incident.by_hand import standin_calls

    out: set[str] = set()
    for argv in (standin_calls(command) or []) if command else []:
        out |= {m.group(1) for m in _READS.finditer(" ".join(argv))}
    return out


def stale(seen: set[str], later: Sequence[Change]) -> Undo | None:
    """The earliest change among ``later`` to a deployment in ``seen`` (any part of it: env, pods, replicas, image,
    deleted or made again): what a read found of it no longer stands. None when nothing touched them."""
    hits = []
    for ch in later:
        d = ch.op.detail
        dep = _whole(ch.op) or str(d.get("deployment") or "")
        if dep in seen and (facets(ch.op) or _whole(ch.op) or ch.op.action == "rollout_undo"):
            words = next(iter(facets(ch.op).values()), (None, ch.op.action.replace("_", " ")))[1]
            hits.append((ch, f"{dep} {words} since it was read"))
    if not hits:
        return None
    sure = [h for h in hits if h[0].sure]
    ch, what = min(sure or hits, key=lambda h: h[0].at)
    return Undo(ch.at, ch.by, what, sure=bool(sure))


def command_ops(command: str | None) -> list[Op]:
    """The operations a step's command makes, read off its text as a drill's stand-in would record them (``by_hand``'s
    reading, the kubectl stand-in's own: ``kubectl set env … -n ns``, ``kubectl scale …``, ``blocks config set K V``);
    [] when none or unreadable."""
    from warroom.incident.by_hand import _operation, standin_calls

    out = []
    for argv in (standin_calls(command) or []) if command else []:
        op = _operation(argv)
        if op is not None and op.action in KINDS:
            out.append(Op(op.action, dict(op.detail)))
    return out


def _step_words(st: Any) -> str:
    return f"step {st.step or st.step_id}" + (f" ({st.label})" if st.label else "")


class Reversals:
    """What undid a step's run, for one look at ``now`` (``undone_by``): the incident's later runs (journal) and, in a
    drill, its stand-ins' record (``actions``: read when first asked, by ``read``; None: none, or not readable)."""

    def __init__(self, state: Any, now: datetime, read: Callable[[], Sequence[Any] | None] | None = None,
                 world: Callable[[Sequence[Any]], Any] | None = None) -> None:
        self.state, self.now, self._read, self._world = state, now, read, world
        self._actions: list[Sequence[Any] | None] = []
        self._undos: dict[int, Op] = {}          # each recorded undo with what it put back, built once per look

    def actions(self) -> Sequence[Any] | None:
        if not self._actions:
            self._actions.append(self._read() if self._read is not None else None)
        return self._actions[0]

    def _runs(self) -> Iterable[tuple[Any, Any]]:
        for st in (getattr(self.state, "steps", None) or {}).values():
            for run in st.runs:
                yield st, run

    def undone_by(self, run: Any) -> Undo | None:
        """What undid ``run`` (a step's run that ended ok) by ``now``; None while what it did stands (or it did nothing
        this reads)."""
        acts = self.actions()
        start, end = run.started_at.timestamp(), self.now.timestamp()
        recorded = [a for a in acts or () if a.action in KINDS]
        own = [a for a in recorded if run.tag and a.tag == run.tag]
        mine = [self._op(a, acts or ()) for a in own] or command_ops(run.command)
        seen = set() if mine else read_deployments(run.command)    # a read: stale once what it read changed
        if not mine and not seen:
            return None
        since = max((a.ts for a in own), default=start)       # typed before its own change is undone by it
        later: list[Change] = []
        tags = {}
        for st, other in self._runs():
            if other is run or not (start < other.started_at.timestamp() <= end):
                continue
            tags[other.tag] = (st, other)
            if acts is None or not other.tag:
                sure = other.status == "ok" and other.ended_at is not None and other.ended_at <= self.now
                later += [Change(other.started_at, _step_words(st), op, sure) for op in command_ops(other.command)]
        for a in recorded:
            if acts is None or run.tag and a.tag == run.tag or not since < a.ts <= end or a.tag and a.tag not in tags:
                continue
            later.append(self._change(a, acts or (), tags[a.tag][0] if a.tag else None))
        return undone(mine, later) if mine else stale(seen, later)

    def typing_undone(self, own: Sequence[Any]) -> Undo | None:
        """What first undid a typing in the drill shell (``own``: the actions its calls recorded) by ``now``: every
        change recorded after it, typed or a run's through warroom, by ``first_undone`` (undone and set back again
        still ended it: its moment no longer stands for what holds since). None while what it made stands, or it made
        nothing this reads. A gated fix's typing dates its gate's "before" only so (``gate_evidence.before_at``,
        attack52 F1: the routing typed, switched off by hand, read as the step's mitigation a look-alike then made)."""
        acts = self.actions() or ()
        mine = [self._op(a, acts) for a in own if a.action in KINDS]
        if not mine:
            return None
        since, end, ids = max(a.ts for a in own), self.now.timestamp(), {id(a) for a in own}
        tags = {run.tag: st for st, run in self._runs() if run.tag}
        return first_undone(mine, [self._change(a, acts, tags.get(a.tag)) for a in acts
                                   if a.action in KINDS and id(a) not in ids and since < a.ts <= end])

    def _change(self, a: Any, acts: Sequence[Any], step: Any) -> Change:
        """A recorded action as a change: by the step whose run recorded it (``step``), else as typed in the shell."""
        by = _step_words(step) if step is not None else f"a step run ({a.tag})" if a.tag else \
            f"`{shlex.join((a.tool, *a.argv)) if a.tool else shlex.join(a.argv)}` typed in the drill shell"
        return Change(datetime.fromtimestamp(a.ts, UTC), by, self._op(a, acts))

    def _op(self, a: Any, acts: Sequence[Any]) -> Op:
        """A recorded operation; a ``rollout undo`` with the template it went back to, a deployment applied whole with
        the one it made (``after``: its env and image, from the drill's world as the operations up to it built it),
        where the world can be read."""
        named = str(a.detail.get("deployment") or "") if a.action == "rollout_undo" else \
            _whole(Op(a.action, a.detail)) if a.action != "delete" else None
        if not named or self._world is None:
            return Op(a.action, a.detail)
        if id(a) not in self._undos:
            dep = (self._world([x for x in acts if x.ts <= a.ts]) or {}).get(named)
            self._undos[id(a)] = Op(a.action, a.detail if dep is None else {**a.detail, "after": dep})
        return self._undos[id(a)]


def typed_until(state: Any, now: datetime) -> Callable[[Sequence[Any], Sequence[Any]], float]:
    """``by_hand.steps_done``'s ``until`` for a drill incident's ``state`` by ``now``: when something recorded since
    first undid a typing (``own``: the actions its calls recorded; ``acts``: every recorded action), unix, ``inf``
    while it stands (``Reversals.typing_undone``)."""
    world = drill_world(state)
    made: list[tuple[Sequence[Any], Reversals]] = []     # one reader for every typing of one read of the record
    # (its world and the templates it rebuilt, ``Reversals._op``, shared: built again per typing before)

    def until(own: Sequence[Any], acts: Sequence[Any]) -> float:
        if not made or made[0][0] is not acts:
            made[:] = [(acts, Reversals(state, now, read=lambda: acts, world=world))]
        undo = made[0][1].typing_undone(own)
        return math.inf if undo is None else undo.at.timestamp()
    return until


def drill_world(state: Any) -> Callable[[Sequence[Any]], dict[str, dict[str, Any]] | None]:
    """A reader of a drill incident's estate after some of its recorded operations: each deployment's current
    template (``{"env": …, "image": …}``), by name; None when the drill cannot be read (the scenario in
    ``drill.json``). What a ``rollout undo`` put back, which its record does not hold."""
    def world(acts: Sequence[Any]) -> dict[str, dict[str, Any]] | None:
        import json

        from warroom.drill.cluster import build_cluster
        from warroom.drill.directory import DRILL_FILE
        from warroom.drill.scenarios import get_scenario

        where = (getattr(state, "drill", None) or {}).get("dir")
        try:
            scenario = get_scenario(str(json.loads((Path(where) / DRILL_FILE).read_text(encoding="utf-8"))
                                        ["scenario"])) if where else None
        except (OSError, ValueError, KeyError, TypeError, WarroomError):
            return None
        if scenario is None:
            return None
        try:
            built = build_cluster(scenario, acts)
        except (ValueError, KeyError, TypeError):       # a record the world cannot take: not read, never guessed
            return None
        return {name: {"env": dict(d.current.env), "image": d.current.image} for name, d in built.deployments.items()}
    return world


def drill_actions(state: Any) -> Callable[[], Sequence[Any] | None]:
    """A reader of a drill incident's stand-in record (``actions.jsonl``): None for an incident that is no drill or
    whose record cannot be read (another user's drill, a damaged line): the journal's rule then."""
    def read() -> Sequence[Any] | None:
        from warroom.drill.actions import read_actions

        where = (getattr(state, "drill", None) or {}).get("dir")
        if not where:
            return None
        try:
            return read_actions(Path(where))
        except (WarroomError, OSError):
            return None
    return read
