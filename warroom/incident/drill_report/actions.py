"""What each action the drill's stand-ins recorded did to the scenario: whether it bent the
curves (by the simulator's own stretches of each mitigation being in force), why not, when it was
undone, what it changed (the panes as they are against a simulator without it), and the flows the
incident's causes failed that are still failed. The simulator is the only judge here: the report
never decides an effect the curves did not show."""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.config import SloConfig, default_slos
from warroom.drill import fleet
from warroom.drill.actions import ACTIONS, BY_POD, RETRIES
from warroom.durations import format_duration
from warroom.incident.by_hand import overlap, owner_of, touches
from warroom.incident.drill_report.harm import harm_change
from warroom.incident.drill_report.panes import slo_of
from warroom.incident.drill_report.rows import ActionRow
from warroom.incident.drill_report.world import changes, held
from warroom.sources.evaluate import judge, past
from warroom.units import format_stated

if TYPE_CHECKING:
    from warroom.drill.directory import Drill

EFFECT_AFTER = 600.0      # scenario seconds after an action at which its effect is read
OFF = "_off"              # ``<action>_off`` ends what ``<action>`` started (``warroom.drill.model``)
SAYS = ("notify", "page", "status_page")   # actions that tell people, never move a curve
#: recorded with what they did (the policy, the object, the snapshot): named by it, as an operation is (``did``)
OWN_WORDS = ("iam_change", "s3_move", "db_snapshot")
IAM_VERBS = {"PutUserPolicy": "put", "AttachUserPolicy": "attached", "DeleteUserPolicy": "deleted",
             "DetachUserPolicy": "detached"}
Stretch = tuple[float, float | None]   # scenario seconds an action bent the curves from, and until


def stretches(sc: Any, sig: Any) -> dict[str, list[Stretch]]:
    """Each mitigation's stretches of acting, the simulator's own (``Signals.stretches``, by which it bends the
    curves), less the revisions of FlowEngine that set its knob where it does nothing (``acting``). An action absent
    here never bent anything."""
    out: dict[str, list[Stretch]] = {}
    for m in (m for f in sc.faults for m in f.mitigations):
        out.setdefault(m.action, [])
        out[m.action] += [span for on, off in sig.stretches(m) for span in acting(sc, sig, m.action, on, off)
                          if span not in out[m.action]]
    return out


def acting(sc: Any, sig: Any, kind: str, on: float, off: float | None) -> list[Stretch]:
    """The parts of ``kind``'s stretch ``(on, off)`` in force in which it acts: a knob that sizes it (``cluster.KNOBS``)
    set where it does nothing (``dose`` 0: ``CONTEXT_MAX_SIZE_KB=2000`` above every bundle) makes no bend, from the
    revision that set it to the next one, as the curves read it (``Signals._steps``). redteam44 T5: switched on with
    that cap, pruning pruned nothing and the report credited it as the fix, "pruned bundles (<=180 KB)"."""
    from warroom.drill.cluster import KNOBS, dose

    if kind not in KNOBS:
        return [(on, off)]
    # each revision as it came into force (``Deployment.ran``, the curves' own), not ``history``: an undo or a change
    # back to an earlier template reuses its revision, whose ``at`` is when it was first made
    made = [on, *(at for at, _ in sig.cluster.flowengine.ran if on < at < (math.inf if off is None else off))]
    out: list[Stretch] = []
    for t, end in zip(made, [*made[1:], off], strict=True):
        if dose(kind, sig.cluster.env_at(t), sc) <= 0.0:
            continue
        if out and out[-1][1] == t:
            out[-1] = (out[-1][0], end)
        else:
            out.append((t, end))
    return out


def idle_knob(sc: Any, sig: Any, kind: str, t: float) -> str:
    """Why ``kind`` taken at ``t`` bent nothing, in the words of the value its knob was set to (``acting``):
    "CONTEXT_MAX_SIZE_KB=2000 acts on nothing: only a value below 612 does; the runbook sets 180"; "" when it acts."""
    from warroom.drill.cluster import KNOBS, dose

    if kind not in KNOBS or dose(kind, env := sig.cluster.env_at(t), sc) > 0.0:
        return ""
    key, full, nothing = KNOBS[kind]
    value, limit = env.get(key), _number(sc.facts.get(nothing) if isinstance(nothing, str) else nothing)
    said = f"{key}={value}" if value is not None else f"{key} unset"
    if _number(value) is None or limit is None:
        return f"{said} acts on nothing: FlowEngine reads no value in it; the runbook sets {full:g}"
    return f"{said} acts on nothing: only a value {'below' if limit > full else 'above'} {limit:g} does; " \
        f"the runbook sets {full:g}"


def _number(value: object) -> float | None:
    """``value`` as a finite number, None when it is none."""
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def as_credited(drill: Drill) -> Drill:
    """``drill`` as the report reads it: each action a knob sizes (``cluster.KNOBS``: context pruning) credited to the
    operation that made it act and its switch-off to the one that made it stop (``credit_knobs``), the world the same.
    The stand-ins record the meaning on the call that flipped the switch, whatever value it set: pruning switched on
    with ``CONTEXT_MAX_SIZE_KB=2000`` got the scenario's name, the ``180`` after it that pruned was anonymous, and a
    ``rollout undo`` that put the 2000 KB cap back "moved none of the scenario's panes" (redteam46 R8, R9)."""
    import copy

    recorded = drill.actions()
    out = credit_knobs(drill.scenario, recorded)
    if out == recorded:
        return drill
    view = copy.copy(drill)
    view.__dict__["actions"] = lambda: list(out)
    return view


def credit_knobs(sc: Any, recorded: list[Any]) -> list[Any]:
    """``recorded`` with each knob-sized action's records on the operations that changed whether it acts: FlowEngine's
    env after the operation has the action's switch on and its knob at a value that acts (``cluster.dose`` above 0),
    and before it had not (``<action>``), or the other way round (``<action>_off``). A record the stand-ins put on an
    operation that changed no such thing is dropped, one it changed and has none is added after it: one rule for a set
    env, an undo and a set image, in any order. Each ``rollout undo`` also keeps what it changed (``undid``: the image
    and the env keys, before → after), the words its row is named by (``did``)."""
    from warroom.drill.cluster import KNOBS, OPERATIONS, SWITCHES, dose, initial_cluster, switched_on

    kinds = [k for k in KNOBS if k in sc.mitigating_actions()]
    switch = {up: key for key, (up, _) in SWITCHES.items()}
    cluster, out = initial_cluster(sc), list(recorded)

    def acts(kind: str, env: dict[str, str]) -> bool:
        return switched_on(env, switch[kind]) and dose(kind, env, sc) > 0.0

    added: dict[int, list[Any]] = {}
    dropped: set[int] = set()
    for i in sorted(range(len(recorded)), key=lambda i: recorded[i].t):      # ``build_cluster``'s order
        op = recorded[i]
        if op.action not in OPERATIONS:
            continue
        dep = cluster.deployments.get(str(op.detail.get("deployment", "")))
        was = None if dep is None else (dep.current.image, dict(dep.current.env))
        cluster.apply(op, meaning=False)
        if dep is None or was is None:
            continue
        now = (dep.current.image, dict(dep.current.env))
        if op.action == "rollout_undo":
            env = {k: (was[1].get(k), now[1].get(k)) for k in sorted({*was[1], *now[1]})
                   if was[1].get(k) != now[1].get(k)}
            out[i] = replace(op, detail={**op.detail, "undid": {"image": [was[0], now[0]] if was[0] != now[0] else None,
                                                                 "env": env}})
        if dep is not cluster.deployments.get(fleet.DEPLOYMENT):
            continue
        key = (op.action, op.ts, op.argv)
        for kind in kinds:
            before, after = acts(kind, was[1]), acts(kind, now[1])
            want = None if before == after else kind if after else kind + OFF
            mine = [j for j, b in enumerate(recorded) if b.action in (kind, kind + OFF)
                    and (b.detail.get("via"), b.ts, b.argv) == key]
            dropped |= {j for j in mine if recorded[j].action != want}
            if want is not None and not any(recorded[j].action == want for j in mine):
                added.setdefault(i, []).append(replace(op, action=want, detail={"via": op.action}))
    if not added and not dropped and out == recorded:
        return recorded
    return [b for j, a in enumerate(out) if j not in dropped for b in (a, *added.get(j, ()))]


def in_force(spans: dict[str, list[Stretch]], kind: str, t: float) -> bool:
    """Whether mitigation ``kind`` was in force at scenario second ``t``."""
    return any(on <= t and (off is None or off > t) for on, off in spans.get(kind, ()))


#: A fault this weak is over: the vendor's status page says "none" under it (``standins.curl.status_page``)
FADED = 0.1


def done_by(sc: Any, sig: Any, spans: dict[str, list[Stretch]], kind: str, t_end: float) -> bool:
    """Whether mitigation ``kind`` did its job by ``t_end``: in force then, or in force while its faults were
    and switched off only once they had faded by themselves (a vendor that fixed its outage: RB-CORE-004's
    Recovery puts the provider back when its status page says "none"). Judged by what was in force at the end
    alone, following the runbook's Recovery read "Not done" (redteam42 R6); one switched off while a fault
    still needed it, or on a fault that never ends by itself (a bad release), is not done."""
    if in_force(spans, kind, t_end):
        return True
    faults = [(i, f) for i, f in enumerate(sc.faults)
              if sig.onsets[i] is not None and any(m.action == kind for m in f.mitigations)]

    def over(on: float, off: float) -> bool:    # it held through every fault it bends, until each one was over
        return all(f.until is not None and off > f.until and sig.raw_strength(i, off) <= FADED
                   and (on <= f.until or sig.raw_strength(i, on) > FADED) for i, f in faults)

    return bool(faults) and any(off is not None and off <= t_end and over(on, off) for on, off in spans.get(kind, ()))


def _before(first: float | None, t: float) -> bool:
    return first is not None and first <= t


def typed(tool: str, argv: tuple[str, ...] | list[str]) -> str:
    """The command line as a shell reads it back (``shlex.join``): an argument holding a space,
    a quote or ``$(…)`` is quoted, so the report's command is the one that was run and can be
    typed again. Joined with bare spaces, ``blocks incident create --title 'Mass failure'`` read
    as ``--title Mass failure`` (two arguments) and a ``-p '{"spec": …}'`` patch lost its quotes."""
    return shlex.join((tool, *argv)) if tool else shlex.join(argv)


def action_rows(drill: Drill, signals: Any, spans: dict[str, list[Stretch]], *, resolved: float | None,
                t_end: float, t_zero: float | None, at: float, slos: list[SloConfig] | None,
                told: bool = True, paused: tuple[tuple[float, float], ...] = ()) -> list[ActionRow]:
    """One row per action the stand-ins recorded (not the env/image edits that make up another):
    whether it bent the curves and why not (judged on ``signals``, the simulator's state ``spans``
    were read from), what it changed, its time on the incident clock (``t_zero``: detection,
    scenario seconds) and how the scenario says it works. Effects are read by the resolution (``at``
    is the moment asked): an action taken after it is read by ``at``, never at a moment before it was taken.
    ``told``: the drill is over, so the scenario's own judgement of an action may be said (how it bends the fault,
    "the release in fault"); while the incident is open a row says what the action did, never whether the scenario
    counts it a fix (attack42 A7: a routine restart's row said "keeps the bad version" 10 s after it). ``paused``: the
    (resolved, reopened) spans (drill seconds) the incident stood resolved before a reopening: a row taken then is no
    part of the response either, said so (attack47 Y5), as one taken after the last resolve."""
    from warroom.drill.cluster import OPERATIONS, pinned

    sc = drill.scenario
    actions = []
    recorded = drill.actions()
    end = at if resolved is None else min(at, resolved)

    def read_at(a: Any) -> float:      # scenario seconds its effect is read by
        return drill.scenario_time(at if resolved is not None and a.t > t_end else end)

    meant = {(b.detail.get("via"), b.ts, b.argv) for b in recorded if b.detail.get("via")}
    ops = {(b.action, b.ts, b.argv): b for b in recorded if b.action in OPERATIONS}
    # an env change's rollout, where the scenario weighs a restart (its own row, ``_restart_row``)
    rolled = {key: _rollout(sc, recorded, op) for key, op in ops.items() if "restart" in spans and _rolls(signals, op)}
    restarts: list[ActionRow] = []      # each after the rows of the change whose rollout it was
    again = _reruns(sc, recorded, meant)    # a command typed again while what it set was in force: its first's
    # restarts of one deployment typed as different commands within the first's effect window: weighed together
    firsts, later = _restarts_together(sc, recorded, rolled)

    def clock_of(a: Any) -> float | None:
        return None if t_zero is None else a.t - t_zero
    for i, (a, pin) in enumerate(zip(recorded, pinned(sc, recorded), strict=True)):
        if a.action == "rollout_undo" and (a.action, a.ts, a.argv) not in meant:    # an undo that meant nothing
            actions.append(_undo_row(drill, a, pin, slos, read_at(a), None if t_zero is None else a.t - t_zero, told))
            continue
        # shown as what it meant; one that meant nothing as what it changed (``set_image`` is also what an undo that
        # changed the image means: that record, ``via`` the undo, is the action's row, not "set image None")
        if a.action in OPERATIONS and not a.detail.get("via"):
            worlds = rolled.get((a.action, a.ts, a.argv))
            if (first := again.get((a.action, a.ts, a.argv))) is not None:
                first_at = datetime.fromtimestamp(first.ts, UTC)
                actions.append(ActionRow(a.ts, a.t, a.action, did(a), typed(a.tool, a.argv), False, False,
                                         "its effect is counted with the first run's",
                                         f"the same change again (first at {first_at:%H:%M:%S} UTC)",
                                         None if t_zero is None else a.t - t_zero, tag=a.tag, told=told,
                                         with_first=True))     # (a value spelled anew still rolled the pods:)
            elif (a.action, a.ts, a.argv) not in meant:      # weighed with the same command typed again (``_reruns``)
                taken = [a, *(b for b in recorded if again.get((b.action, b.ts, b.argv)) is a)]
                actions.append(replace(_operation_row(drill, a, slos, read_at(a), None if t_zero is None else
                                                      a.t - t_zero, None if worlds is None else worlds[0], told=told,
                                                      taken=taken), told=told))
            if worlds is not None and (first := later.get((a.action, a.ts, a.argv))) is not None:
                restarts.append(_with_first_row(a, first, clock_of(a), told, "restart",
                                                f"{ACTIONS['restart']} (by the rollout of {did(a)})",
                                                "restart" in spans or "restart" in sc.mitigating_actions()))
            elif worlds is not None:      # the restart its rollout was, named as a restart (redteam42 R12)
                restarts.append(_restart_row(drill, signals, spans, a, firsts.get((a.action, a.ts, a.argv), worlds),
                                             slos, read_at(a), clock_of(a), told))
            continue
        if a.action not in ACTIONS:
            continue
        via = ops.get((a.detail.get("via"), a.ts, a.argv))        # two steps that meant one action say what each did
        said = a if a.action in OWN_WORDS else via
        if (first := later.get((a.action, a.ts, a.argv))) is not None:
            actions.append(replace(_with_first_row(a, first, clock_of(a), told, a.action,
                                                   labelled(ACTIONS[a.action], via),
                                                   a.action in spans or a.action in sc.mitigating_actions()),
                                   plain=plain(via)))
            continue
        # while open, the actions one command meant (a breaker and a cap) are one row, weighed together: named apart
        # they would give the answer away, named alike they were two identical rows (redteam45 R11)
        meant_too = [b for b in recorded if via is not None and b.action in ACTIONS and b.action not in OPERATIONS
                     and (b.detail.get("via"), b.ts, b.argv) == (a.detail.get("via"), a.ts, a.argv)]
        if not told and meant_too and meant_too[0] is not a:
            continue
        effective, why, read_by = _verdict(sc, signals, spans, a, drill.speed)
        judged = why if not effective and a.action not in RETRIES else ""
        worlds = rolled.get((a.detail.get("via"), a.ts, a.argv))
        # an env change that rolled FlowEngine's pods: weighed against the same rollout as a plain restart, when
        # without it the rollout is gone too (its restart is its own row)
        # weighed with the same command typed again while it was in force (attack43 A7: each run weighed alone, the
        # others still in the world, no row was credited with the recovery the fix made)
        taken = [a, *(b for b in recorded if via is not None and again.get((b.action, b.ts, b.argv)) is via),
                 *(meant_too[1:] if not told else ())]
        gone = worlds[0] if worlds is not None and via is not None and not any(
            (b.action, b.ts, b.argv) == (via.action, via.ts, via.argv) for b in _without(recorded, taken, sc)) else None
        together = firsts.get((a.action, a.ts, a.argv))     # with the restarts after it in its window
        changes = Changes() if not effective and a.action in SAYS else \
            pane_changes(drill, taken, slos, read_at(a), read_by, went=together[0], gone=together[1], told=told) \
            if together is not None else pane_changes(drill, taken, slos, read_at(a), read_by, gone=gone, told=told)
        if why == "already in force" and changes.moved:
            # the kind was in force, yet this command bent the curves by what it set (DISABLE_PROVIDERS after
            # FALLBACK_ON_5XX takes the calls off the provider): the curves judge, never the kind alone
            effective, why = True, ""
        if changes.kept and not effective and a.action not in RETRIES:
            effective, why = True, ""           # it stopped the harm: a mitigation, as its row says (redteam49 F4)
        if a.action in BY_POD and via is not None and not changes.moved and (
                podless := _no_pod(drill, recorded[:i], via, t_zero)):
            effective, why = False, podless     # not "already in force": a scale to 0 since took its pods away
        if not told and not effective and why == judged:
            # why the scenario's curves took no bend from it ("already in force", "taken before the schema hot-patch
            # applied, so it did nothing") is its judgement of the action: the answer while the incident is open
            why = ""
        change = changes.text(quiet=told and not effective)     # "unchanged" for every row until the judgement is said
        if a.action == "manual_review" and effective:      # what it did to the flows: held them, healed none
            change = "; ".join(filter(None, (change, held_flows(drill, a.t, min(read_by, read_at(a))))))
        actions.append(ActionRow(a.ts, a.t, a.action, labelled(ACTIONS[a.action], said),
                                 typed(a.tool, a.argv),
                                 effective, a.action.removesuffix(OFF) in spans or a.action in sc.mitigating_actions()
                                 or changes.kept, change, why, None if t_zero is None else a.t - t_zero,
                                 _cause(sc, signals, a, told) if effective else "",
                                 a.tag, bool(changes.moved), told=told, plain=plain(via),
                                 # made it worse, as any action (``Changes.worse``), but for what the scenario asks for
                                 # (a containment's halt grows the audit-log gap its resolution expects)
                                 worse="" if a.action in (*sc.resolution, *sc.mitigating_actions())
                                 else "; ".join(changes.worse),
                                 # what the scenario asks to be in force by the end is not blamed for the harm
                                 # another action left with it does (the restore beside a deny never lifted)
                                 left="" if a.action in sc.resolution else "; ".join(changes.left)))
    for r in restarts:
        mine = [i for i, b in enumerate(actions) if (b.at, b.command) == (r.at, r.command)]
        actions.insert(mine[-1] + 1 if mine else len(actions), r)
    actions = [next((_late(a, a.t - lo, drill.speed, hi - a.t) for lo, hi in paused if lo < a.t < hi), a)
               for a in actions]
    if resolved is None:
        return actions
    # taken after the resolve: the post-incident triage's, no part of the response, and said so with when, whatever
    # else its why says (attack46 X9: a change typed 5 minutes after it read as done "outside the runbook's steps")
    return [a if a.t <= t_end or a.late else _late(a, a.t - t_end, drill.speed) for a in actions]


def _late(row: ActionRow, after: float, speed: float, before: float | None = None) -> ActionRow:
    """``row``, taken ``after`` drill seconds after the resolution (``before`` drill seconds before the incident was
    reopened, when it was), said so after its why (``ActionRow.late``)."""
    late = f"taken {stime.of_drill(after, speed).text()} after the incident was resolved" + (
        "" if before is None else f", while it stood resolved ({stime.of_drill(before, speed).text()} before it was"
                                  " reopened)")
    return replace(row, why="; ".join(filter(None, (row.why, late))), late=late)


def _reruns(sc: Any, recorded: list[Any], meant: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], Any]:
    """Each operation that changed nothing the world reads, all it set already set so by one earlier operation whose
    setting still stood, by its key, with that first run: the retry after a flaky terminal, a second teammate. It
    changed nothing itself, so the first is weighed with it and its own row says so: weighed alone, each against a
    world where the other still set it, the first's effect shrank to the seconds between them and neither was "still
    in force" (attack43 A7 for a fix; attack48 Z3 for a harm). An env change is judged by the world's own reading of
    each key it sets (``_read``: ``DISABLE_PROVIDERS=OpenAI`` after ``=openai`` changes nothing; a key set again
    to the value that stands, or an undo that keeps it, leaves it the first's: attack49 F2, F3, F6); a scale, an image,
    an undo, a setting, an autoscaler's or a configmap's patch alike by the world's reading of the parts it sets
    (``_parts``, ``_reading``: ``--replicas 5`` or an HPA floor that already holds 5 after ``--replicas=5``,
    ``flowengine:v1.1.0`` after ``registry.internal/flowengine:v1.1.0``, ``repos.allowlist a,`` after ``a``); any
    other operation by what it changed (``_parsed``), until a later one touches it (``touches``). A first that meant
    a scenario action stays the first of what repeats it (the drill judged what it meant)."""
    from warroom.drill.cluster import OPERATIONS, initial_cluster

    out: dict[tuple[Any, ...], Any] = {}
    firsts: dict[tuple[Any, ...], Any] = {}     # what it changed (``_parsed``) -> the run that first set it
    owner: dict[tuple[str, str], Any] = {}      # (deployment, env key) -> the operation whose reading of it stands
    cluster = initial_cluster(sc)
    ops = (b for b in recorded if b.action in OPERATIONS and not b.detail.get("via"))     # (not what an undo meant)
    for b in sorted(ops, key=lambda b: b.t):    # ``build_cluster``'s order
        key, same = (b.action, b.ts, b.argv), _parsed(b)
        where = str(b.detail.get("deployment") or b.detail.get("name"))
        was = _env_of(cluster, where)
        readings = {p: _reading(cluster, p) for p in _parts(b, was, was) or ()}      # (an env key by ``was``)
        cluster.apply(b, meaning=False)
        now = _env_of(cluster, where)
        changed = {k for k in {*was, *now} if _read(where, k, was.get(k)) != _read(where, k, now.get(k))}
        sets: set[str] = set()
        if b.action == "set_env":
            sets = {str(k) for k in (*(b.detail.get("set") or {}), *(b.detail.get("unset") or ()))}
            mine = [owner.get((where, k)) for k in sorted(sets)]
            if key not in meant and sets and not changed and None not in mine:
                out[key] = max(mine, key=lambda f: f.t)
                continue
        elif (parts := _parts(b, was, now)) is not None:
            moved = {p for p in parts if readings.get(p, _read(where, p[1], was.get(p[1]))) != _reading(cluster, p)}
            mine = [owner.get(p) for p in parts]
            if key not in meant and parts and not moved and None not in mine:
                out[key] = max(mine, key=lambda f: f.t)
                continue
            owner.update({p: b for p in parts if p in moved or p not in owner})
        elif key not in meant and (first := firsts.get(same)) is not None:
            out[key] = first
            continue
        # what it set is its own where it changed the reading, or set what no operation had (a default typed out)
        owner.update({(where, k): b for k in changed} | {
            (where, k): b for k in (sets if b.action == "set_env" else ()) if (where, k) not in owner})
        touched = touches(b)
        firsts = {k: f for k, f in firsts.items() if not overlap(touches(f), touched)}
        if b.action != "set_env":
            firsts[same] = b
    return out


def _parts(op: Any, was: dict[str, str], now: dict[str, str]) -> list[tuple[str, str]] | None:
    """What an operation other than an env change sets, as the parts the world reads (``_reading``): a scale its
    deployment's replicas, an image its release, an undo its release and env (``was``/``now``: its env around it), an
    autoscaler's patch its bounds and its deployment's replicas, a setting its value, a configmap patch its data; None
    for any other (a restart, a node, an object made or deleted: judged by what it changed, ``_parsed``)."""
    d = op.detail
    dep, name = str(d.get("deployment")), str(d.get("name"))
    if op.action == "scale_to":
        return [(dep, "replicas")]
    if op.action == "set_image":
        return [(dep, "image")]
    if op.action == "rollout_undo":
        return [(dep, "image"), *((dep, k) for k in sorted({*was, *now}))]
    if op.action == "config_set":
        return [(f"config {d.get('key')}", "*")]
    if op.action == "patch" and d.get("kind") in ("hpa", "configmaps"):
        return [(f"{d['kind']}/{name}", "*"), *([(name, "replicas")] if d["kind"] == "hpa" else [])]
    return None


def _reading(cluster: Any, part: tuple[str, str]) -> Any:
    """A part of the estate as the world reads it (``_parts``): replicas as a count, FlowEngine's image by its release
    (``cluster.release``: ``flowengine:v1.1.0`` is ``registry.internal/flowengine:v1.1.0``, a ``-canary`` build or a
    digest of it the same code), an env key as FlowEngine reads it (``_read``), the repo allowlist as a set of repos,
    ``retry.max_attempts`` as a number, an autoscaler's bounds and a configmap's data as they stand."""
    from warroom.drill.cluster import release

    where, what = part
    if where.startswith("config "):
        key, value = where[7:], cluster.config.get(where[7:])
        if key == "repos.allowlist" and value is not None:
            return frozenset(r for r in value.split(",") if r)
        return _number(value) if key == "retry.max_attempts" and value is not None else value
    if where.startswith(("hpa/", "configmaps/")):
        kind, _, name = where.partition("/")
        return tuple(sorted((cluster.hpa if kind == "hpa" else cluster.configmaps).get(name, {}).items()))
    dep = cluster.deployments.get(where)
    if what == "replicas":
        return dep.replicas if dep is not None else 0
    if dep is None:
        return None
    if what == "image":
        return release(dep.current.image) if where == fleet.DEPLOYMENT else dep.current.image
    return _read(where, what, dep.current.env.get(what))


def _env_of(cluster: Any, where: str) -> dict[str, str]:
    """Deployment ``where``'s env now, {} when there is none."""
    return dict(dep.current.env) if (dep := cluster.deployments.get(where)) is not None else {}


def _read(where: str, key: str, value: str | None) -> Any:
    """An env key of deployment ``where`` set to ``value`` (None: unset) as its program reads it: FlowEngine's by the
    world's own readers (``cluster``: its switches ``true/1/yes/on``, ``DISABLE_PROVIDERS``' names in any case, the
    numbers it parses), any other key, or another deployment's, as typed. Two values read alike change nothing."""
    from warroom.drill.cluster import KNOBS, SWITCHES, breaker_limit, cap, disabled, switched_on, threshold

    if where != fleet.DEPLOYMENT:
        return value
    env = {} if value is None else {key: value}
    if key in SWITCHES or key == "FALLBACK_ON_5XX":
        return switched_on(env, key)
    if key in (k for k, _, _ in KNOBS.values()):     # a size ``cluster.dose`` reads as a number, none when none
        return _number(value) if value is not None else None
    readers = {"DISABLE_PROVIDERS": disabled, "MAX_CONCURRENT_FLOWS": cap, "CIRCUIT_BREAKER_THRESHOLD": breaker_limit,
               "FALLBACK_THRESHOLD_LATENCY": threshold}
    return readers[key](env) if key in readers else value


#: The actions that replace a deployment's pods, of FlowEngine and of the audit shipper: what a scenario weighs as a
#: restart, however it was typed (``rollout restart``, an env change's rollout, a pod deleted and replaced)
RESTARTS = ("restart", "audit_restart")


Worlds = tuple[tuple[Any, ...], tuple[Any, ...]]     # (the drill as weighed, it without what is weighed)


def _restarts_together(sc: Any, recorded: list[Any], rolled: dict[tuple[Any, ...], Any]
                       ) -> tuple[dict[tuple[Any, ...], Worlds], dict[tuple[Any, ...], Any]]:
    """Restarts of one deployment, typed as different commands, taken within the effect window of the first of them
    (``EFFECT_AFTER``): ``kubectl rollout restart`` a minute after an env change rolled the pods, a pod deleted after
    that. Each weighed alone, the others still in the world, none moved a pane: without the first the second did the
    same seconds later (attack43 A7's addendum: three restart rows "unchanged" while the 5xx share fell). So the first
    is weighed with the rest of its window, credited once: (the first's key -> (the drill with them as plain restarts,
    without them), each later one's key -> the first). A restart's key is its record's (``restart``, ``audit_restart``)
    or, for an env change whose rollout was one (``rolled``), the change's."""
    members: list[tuple[str, float, tuple[Any, ...], Any]] = []     # (kind, t, key, its record or the env change)
    for b in recorded:
        key = (b.action, b.ts, b.argv)
        if b.action in RESTARTS:
            members.append((b.action, b.t, key, b))
        elif key in rolled:
            members.append(("restart", b.t, key, b))
    firsts: dict[tuple[Any, ...], Worlds] = {}
    later: dict[tuple[Any, ...], Any] = {}
    for kind in RESTARTS:
        mine = sorted((m for m in members if m[0] == kind), key=lambda m: m[1])
        while mine:
            head, *rest = mine
            group = [head, *(m for m in rest if m[1] < head[1] + EFFECT_AFTER)]
            mine = [m for m in rest if m not in group]
            if len(group) < 2:
                continue
            firsts[head[2]] = _as_restarts(sc, recorded, [m[3] for m in group], rolled)
            later.update((m[2], head[3]) for m in group[1:])
    return firsts, later


def _as_restarts(sc: Any, recorded: list[Any], taken: list[Any], rolled: dict[tuple[Any, ...], Any]
                 ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(``recorded`` with each env change of ``taken`` a plain rollout restart, without any of ``taken``): the worlds
    a group of restarts is weighed in (``_restarts_together``), so the keys an env change set stay its own row's."""
    env = [b for b in taken if (b.action, b.ts, b.argv) in rolled]
    keys = {(op.action, op.ts, op.argv) for op in env}
    meant = [*env, *(b for b in recorded if (b.detail.get("via"), b.ts, b.argv) in keys)]     # what they set
    went = list(_without(recorded, meant, sc))
    for op in env:
        restart = replace(op, action="rollout_restart", argv=(), detail={
            "deployment": op.detail.get("deployment"), "namespace": op.detail.get("namespace"), "restarted_at": op.ts})
        i = next((k for k, b in enumerate(went) if b.t > op.t), len(went))
        went.insert(i, restart)
    return tuple(went), _without(recorded, [*taken, *meant], sc)


def _with_first_row(a: Any, first: Any, clock: float | None, told: bool, action: str, name: str,
                    mitigation: bool) -> ActionRow:
    """The row of a restart weighed with an earlier one in its window (``_restarts_together``): its effect is the
    first's row's, said as such, never "unchanged" beside a first that was weighed alone."""
    first_at = datetime.fromtimestamp(first.ts, UTC)
    return ActionRow(a.ts, a.t, action, name, typed(a.tool, a.argv), False, mitigation,
                     "its effect is counted with the first restart's",
                     f"restarted again within the first's effect window (first at {first_at:%H:%M:%S} UTC:"
                     f" {typed(first.tool, first.argv)})", clock, tag=a.tag, told=told, with_first=True)


def _parsed(op: Any) -> tuple[Any, ...]:
    """What an operation changed, as the drill parsed it (its kind, target and values), however it was spelled:
    ``deploy/flowengine`` or ``deployment/flowengine``, the flags in any order (attack43 A20: a repeat typed another way
    was weighed alone, and the fix lost its credit again)."""
    def frozen(v: Any) -> Any:
        if isinstance(v, dict):
            return tuple(sorted((str(k), frozen(x)) for k, x in v.items()))
        if isinstance(v, (list, tuple, set)):
            return tuple(sorted(str(frozen(x)) for x in v))
        return v

    return op.action, frozen({k: v for k, v in op.detail.items() if k != "via"})


def _rolls(signals: Any, op: Any) -> bool:
    """Whether ``op`` is an env change that rolled FlowEngine's pods: every rollout is what a scenario calls a restart
    (``Signals.first``), which the change's own keys did not do (redteam42 R12: ``set env FALLBACK_MODEL=…`` in
    mass-failure was credited with the 5xx share its rollout's restart took down, on the same bad release)."""
    from warroom.drill.model import RESTART

    return op.action == "set_env" and op.detail.get("deployment") == fleet.DEPLOYMENT and \
        signals.first(RESTART, op.t) == op.t


def _rollout(sc: Any, recorded: list[Any], op: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(``recorded`` had ``op`` been a plain rollout restart of its deployment, had it not been done at all): what its
    restart did is the first against the second; what its keys did, the drill as it went against the first."""
    whole = [op, *(b for b in recorded if (b.detail.get("via"), b.ts, b.argv) == (op.action, op.ts, op.argv))]
    none = _without(recorded, whole, sc)
    restart = replace(op, action="rollout_restart", argv=(), detail={
        "deployment": op.detail.get("deployment"), "namespace": op.detail.get("namespace"), "restarted_at": op.ts})
    i = next((k for k, b in enumerate(none) if b.t > op.t), len(none))
    return (*none[:i], restart, *none[i:]), none


def _restart_row(drill: Drill, signals: Any, spans: dict[str, list[Stretch]], op: Any,
                 worlds: tuple[tuple[Any, ...], tuple[Any, ...]], slos: list[SloConfig] | None, t_now: float,
                 clock: float | None, told: bool) -> ActionRow:
    """The restart an env change's rollout was (``_rolls``), as its own row: judged and weighed as a restart (the
    rollout as a plain restart against no rollout at all), so the change's label is credited with its keys alone."""
    sc = drill.scenario
    kind = replace(op, action="restart")
    effective, why, read_by = _verdict(sc, signals, spans, kind, drill.speed)
    changes = pane_changes(drill, [op], slos, t_now, read_by, went=worlds[0], gone=worlds[1], told=told)
    if why == "already in force" and changes.moved:
        effective, why = True, ""
    if not told and not effective:
        why = ""        # the scenario's judgement of it (``action_rows``)
    return ActionRow(op.ts, op.t, "restart", f"{ACTIONS['restart']} (by the rollout of {did(op)})",
                     typed(op.tool, op.argv), effective, "restart" in spans or "restart" in sc.mitigating_actions(),
                     changes.text(quiet=told and not effective), why, clock,
                     _cause(sc, signals, kind, told) if effective else "", op.tag, bool(changes.moved), told=told)


def _cause(sc: Any, signals: Any, a: Any, told: bool = True) -> str:
    """How action ``a`` works, as the scenario models it (its mitigations' why, of those whose requirements were taken
    by then: a restart is no hot-patch's without the patch); routing that moved only the
    architect role in that setting's own words (``cluster.PLAN_WORDS``): the scenario's why is moving every call
    (redteam40 R9a: ARCHITECT_FALLBACK_MODEL was "calls that would be throttled go to another provider", though each
    flow's work stayed on Claude and, the quota used up, still failed)."""
    from warroom.drill.cluster import PLAN_WORDS
    from warroom.drill.model import ENV_DELAY

    if a.action == "fallback_routing" and signals.plan_only(a.t + ENV_DELAY):
        return PLAN_WORDS        # what the setting does, not the scenario's judgement: said at any time
    if not told:
        return ""
    return "; ".join(dict.fromkeys(as_set(sc, signals, a, m.why) for f in sc.faults for m in f.mitigations
                                   if m.action == a.action and m.why
                                   and all((t := signals.first(r)) is not None and t <= a.t for r in m.requires)))


def as_set(sc: Any, signals: Any, a: Any, why: str) -> str:
    """The scenario's ``why`` of action ``a`` with the value its knob was set to (``cluster.KNOBS``), where the why
    quotes the runbook's: "new flows send pruned bundles (<=400 KB)" for ``CONTEXT_MAX_SIZE_KB=400`` (redteam44 T5:
    "(<=180 KB)" whatever cap was set); said beside it when the why quotes no value."""
    from warroom.drill.cluster import KNOBS

    if a.action not in KNOBS:
        return why
    key, full, _ = KNOBS[a.action]
    value = signals.cluster.env_at(a.t).get(key)
    if value is None or _number(value) == full:
        return why
    quoted = re.compile(rf"(?<![\d.]){re.escape(f'{full:g}')}(?![\d.])")
    return quoted.sub(value, why) if quoted.search(why) else f"{why} ({key}={value})"


def _no_pod(drill: Drill, before: list[Any], op: Any, t_zero: float | None) -> str:
    """Why a restart by ``op`` (a fault that lives in pods, ``BY_POD``) did nothing when its deployment had no pod
    then, and what took them away: "audit-shipper had no pod to restart: scaled to 0 replicas at +22m03s drill time
    (kubectl scale …)"; "" when it had pods. ``before``: the actions recorded before it. A second restart read
    "already in force" though a scale to 0 had undone the first (redteam41 G4)."""
    from warroom.drill.cluster import build_cluster

    name = str(op.detail.get("deployment") or "")
    dep = build_cluster(drill.scenario, before, op.t).deployments.get(name)
    if not name or dep is None or dep.replicas:
        return ""
    took = next((b for b in reversed(before) if b.action == "scale_to" and b.detail.get("deployment") == name), None)
    if took is None:
        return f"{name} had no pod to restart (0 replicas)"
    when = f"{'+' if took.t >= t_zero else '-'}{format_duration(abs(took.t - t_zero))} drill time" \
        if t_zero is not None else f"{datetime.fromtimestamp(took.ts, UTC):%H:%M:%S} UTC"
    return f"{name} had no pod to restart: scaled to 0 replicas at {when} ({typed(took.tool, took.argv)})"


def did(op: Any) -> str:
    """What an operation did, in its own terms (the keys it set or unset, the image, the replicas): the label that
    tells two steps apart that meant the same action (FALLBACK_MODEL then DISABLE_PROVIDERS: both "fallback routing")
    and names one that meant none (redteam39 F8: putting Anthropic back into routing was missing from the report)."""
    d = op.detail
    if op.action == "delete":       # one object, by its name: a pod of five is not "flowengine" (attack44 A16)
        return f"{d.get('kind')} {d.get('name')} deleted" + (
            f" (of {d['deployment']})" if d.get("deployment") and d.get("kind") != "deployment" else "")
    if op.action == "create" and d.get("kind") and d.get("name"):     # as kubectl answered it (redteam45 R7)
        return f"{d['kind']}/{d['name']} {'configured' if d.get('configured') else 'created'}"
    on = f" on {d['deployment']}" if d.get("deployment") else f" {d.get('kind')}/{d.get('name')}" if d.get("name") \
        else f" {d['node']}" if d.get("node") else ""
    sets, unsets = [f"{k}={v}" for k, v in (d.get("set") or {}).items()], [str(k) for k in d.get("unset") or ()]
    words = {"set_env": "; ".join(f"{verb} {', '.join(keys)}" for verb, keys in (("set", sets), ("unset", unsets))
                                  if keys) or "nothing set",
             "set_image": f"set image {d.get('image')}", "config_set": f"set {d.get('key')}={d.get('value')}",
             "scale_to": f"scaled to {d.get('replicas')} replica{'' if str(d.get('replicas')) == '1' else 's'}",
             "rollout_undo": "rollout undo" + (f" to revision {d['to_revision']}" if d.get("to_revision") else ""),
             "iam_change": f"{IAM_VERBS.get(str(d.get('op')), 'deleted' if d.get('deleted') else 'put')}"
                           f" policy {d.get('policy')} of {d.get('user')}"
                           + ("; it denies the bucket " + fleet.CONTEXT_BUCKET
                              if d.get("denies_bundles") and not d.get("deleted") else ""),
             "s3_move": f"moved {d.get('key')} to {d.get('destination')}",
             "db_snapshot": f"snapshot {d.get('snapshot')}"}
    undid = f": {said}" if op.action == "rollout_undo" and (said := _undid(op)) else ""    # what it put back
    return words.get(op.action, op.action.replace("_", " ")) + on + undid


def plain(op: Any) -> str:
    """What an operation that meant a scenario action did, in its own terms, as any other operation is named
    ("deployment image changed (set image v1.2.0 on flowengine)", "rollout undo on flowengine"): the name of the action
    it meant while the incident is open (``ActionRow.description``); "" for an action no operation meant."""
    if op is None:
        return ""
    return labelled(ACTIONS[op.action], op) if op.action in ACTIONS else did(op)


def labelled(meaning: str, op: Any) -> str:
    """A canonical action's words with what the operation that meant it did in place of the generic parenthesis:
    "fallback model routing enabled (set DISABLE_PROVIDERS=anthropic on flowengine)"; as they are without one."""
    return meaning if op is None else f"{re.sub(r' [(][^()]*[)]$', '', meaning)} ({did(op)})"


def _operation_row(drill: Drill, op: Any, slos: list[SloConfig] | None, t_now: float,
                   clock: float | None, gone: tuple[Any, ...] | None = None, *, told: bool = True,
                   taken: list[Any] | None = None) -> ActionRow:
    """An operation that meant none of the scenario's actions (a ``set env`` that put a provider back, a pool size):
    listed by what it did, with what it changed on the panes, as the simulator says; ``gone``: the world it is weighed
    against (an env change's rollout as a plain restart, which is its own row: ``_restart_row``); ``taken``: it and
    the same command typed again while it stood (``_reruns``), weighed together."""
    from warroom.drill.cluster import KNOBS

    changes = pane_changes(drill, taken or [op], slos, t_now, gone=gone, told=told)
    # a knob set where it acts on nothing (``CONTEXT_MAX_SIZE_KB=2000``): said why, once the judgement may be said
    idle = next((idle_knob(drill.scenario, drill.simulator.signals, kind, op.t) for kind, (key, *_) in KNOBS.items()
                 if told and not changes.moved and op.action == "set_env" and key in (op.detail.get("set") or {})
                 and op.detail.get("deployment") == fleet.DEPLOYMENT and kind in drill.scenario.mitigating_actions()),
                "")
    return ActionRow(op.ts, op.t, op.action, labelled(ACTIONS[op.action], op) if op.action in ACTIONS else did(op),
                     typed(op.tool, op.argv), bool(changes.moved) and not changes.wrong, bool(idle),
                     changes.text(quiet=True), idle, clock, tag=op.tag, moved=bool(changes.moved),
                     worse="; ".join(changes.worse), left="; ".join(changes.left))


def _undo_row(drill: Drill, undo: Any, pin: Any, slos: list[SloConfig] | None, t_now: float, clock: float | None,
              told: bool = True) -> ActionRow:
    """A ``rollout undo`` that meant no canonical action (``cluster.pinned`` says where it landed, ``pin``): weighed
    with and without it as any operation is (``pane_changes``), named by what it changed (``did``: the env keys it
    put back, the image), "made it worse" where it moved the scenario's panes only the wrong way; said "rolled back
    onto" a release only when it changed the image. Onto the release in fault it is the attempt at a rollback it was
    (RB-LAUNCH-005's trap: a plain undo after a restart goes back onto the bad release). redteam46 R8: an undo that
    put the 2000 KB cap back (P95 124 s, 76 s without it) read "moved none of the scenario's panes — rolled back onto
    v1.1.0, the same release: a change the scenario does not weigh undone", the image never having changed."""
    from warroom.drill.cluster import release

    sc = drill.scenario
    name = str(undo.detail.get("deployment", ""))
    landed, bad = pin.detail.get("landed"), sc.facts.get("bad_version")
    image = (undo.detail.get("undid") or {}).get("image")
    changes = pane_changes(drill, [undo], slos, t_now, told=told) if landed is not None else Changes()
    rel = "" if landed is None else release(landed[0])
    moves = f"rolled back onto {rel}" if image else f"stayed on {rel}"     # an undo onto the same image rolls back none
    if landed is None:
        why = "it changed nothing: no other revision to go back to"
    elif not told:        # where it landed; whether that release is the fault is the answer (attack42 A7)
        why, bad = moves, None
    elif bad and rel == bad:
        why = f"{moves}, the release in fault"
    elif image:
        why = moves + ("" if changes.moved else ", a change the scenario does not weigh undone")
    else:
        why = "" if changes.moved else moves
    flowengine = name == fleet.DEPLOYMENT
    return ActionRow(undo.ts, undo.t, undo.action, f"{'FlowEngine' if flowengine else name} rollout undone"
                     + (f" ({said})" if (said := _undid(undo)) else ""),
                     typed(undo.tool, undo.argv), bool(changes.moved) and not changes.wrong, flowengine and bool(bad),
                     changes.text(quiet=True), why, clock, tag=undo.tag, moved=bool(changes.moved),
                     meant="rollback" if flowengine and bad else "", told=told,
                     worse="; ".join(changes.worse), left="; ".join(changes.left))


def _undid(undo: Any) -> str:
    """What a ``rollout undo`` changed (``credit_knobs``' ``undid``): "image v1.2.0 → v1.1.0; CONTEXT_MAX_SIZE_KB
    180 → 2000"; "" when it changed nothing or was not read."""
    from warroom.drill.cluster import release

    undid = undo.detail.get("undid") or {}
    image = undid.get("image")
    return "; ".join([*([f"image {release(image[0])} → {release(image[1])}"] if image else []),
                      *(f"{k} {'unset' if a is None else a} → {'unset' if b is None else b}"
                        for k, (a, b) in (undid.get("env") or {}).items())])


def _verdict(sc: Any, sig: Any, spans: dict[str, list[Stretch]], a: Any, speed: float) -> tuple[bool, str, float]:
    """(bent the curves?, why not / when undone, scenario time its effect is read by) for one action."""
    kind = a.action.removesuffix(OFF)
    runs = spans.get(kind, [])
    if kind != a.action and kind in spans:   # an off switch: effective if it ended a stretch; read until taken again
        if not any(off == a.t for _, off in runs):
            return False, "it was not in force", math.inf
        again = next((on for on, _ in runs if on > a.t), None)
        return True, "" if again is None else f"undone {stime.of_drill(again - a.t, speed).text()} later", \
            math.inf if again is None else again
    if kind in RETRIES:           # one task run again (``Signals.retries``): it worked if that run succeeded
        if "ok" not in a.detail:
            return False, "it named no task to run again", math.inf
        return (True, "", math.inf) if a.detail["ok"] else \
            (False, f"{a.detail.get('task_id')} failed again: {a.detail.get('error') or 'no reason given'}", math.inf)
    if kind not in sc.mitigating_actions():
        return False, "", math.inf            # a page, an update, a canary (or its end): not meant to bend a curve
    if idle := idle_knob(sc, sig, kind, a.t):
        return False, idle, math.inf
    for on, off in runs:
        if on == a.t:
            return (True, "", math.inf) if off is None else \
                (True, f"switched off {stime.of_drill(off - on, speed).text()} later", off)
        if on < a.t and (off is None or a.t < off):
            return False, "already in force", math.inf
    early = [ACTIONS.get(r, r) for m in (m for f in sc.faults for m in f.mitigations) if m.action == kind
             for r in m.requires if not _before(sig.first(r), a.t)]
    return False, ("taken before " + " and ".join(dict.fromkeys(early)) + ", so it did nothing") if early \
        else "it did nothing", math.inf


@dataclass(frozen=True)
class Changes:
    """What some actions changed on the panes (``pane_changes``): a phrase per pane they moved."""

    moved: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()     # every pane read
    after: str = ""                  # how long after the first action they were read
    window: str = ""                 # read before their effect window ended: how long it is ("" once it has)
    # the scenario's panes they moved the wrong way, when they moved none of them the right way, and left past its
    # warn threshold (``harms``): "Model API 5xx rate 37.5% vs 28.2% without it" (redteam45 R10); any pane shown they
    # took past critical while flows ran, and a queue they made grow (redteam51 R12, ``held``): "Made it worse"
    worse: tuple[str, ...] = ()
    wrong: bool = False              # they moved the scenario's panes only the wrong way, past warn or not: no help
    # still in force when the drill was over, the panes they held the wrong way then (``left_harming``): "Flow failure
    # rate 100% vs 0.303% without it" (attack47 Y8: a bucket deny never lifted failed every flow of the restore, and
    # the summary said nothing of it, a containment being no "Made it worse" in its window)
    left: tuple[str, ...] = ()
    # they lowered the harm the scenario names (``harm.harm_change``): what stops the harm mitigates, whatever the panes
    # did (redteam49 F4: the halt "kept 108 flows from running unaudited" was ``effective: false, mitigation: false``)
    kept: bool = False
    # what they changed in the world besides the panes, from its own record (``world.changes``): "Anthropic (Claude)
    # requests answered 429 12.6% (50.1% without it)" (fix50b's leftover: the breaker's row read only "unchanged")
    world: tuple[str, ...] = ()

    def text(self, quiet: bool = False) -> str:
        """The panes moved, then what else they changed in the world; no pane: "too soon to tell" while the window runs
        (redteam41 T6: asked 10 drill seconds after an action, "moved none of the scenario's panes"), else that they
        were unchanged (but "" when ``quiet`` or nothing was read) and what else they changed."""
        if self.moved:
            return "; ".join((*self.moved, *self.world))
        if self.window:
            return f"too soon to tell (its effect shows over {self.window})"
        same = "" if (quiet and not self.world) or not self.titles else \
            f"{' and '.join(self.titles)} unchanged within {self.after}"
        return "; ".join(x for x in (same, *self.world) if x)


def change_without(drill: Drill, taken: list[Any], slos: list[SloConfig] | None, t_now: float, *,
                   quiet: bool = False, told: bool = True) -> str:
    """``pane_changes`` in words; ``quiet``: "" when they moved none."""
    return pane_changes(drill, taken, slos, t_now, told=told).text(quiet)


def pane_changes(drill: Drill, taken: list[Any], slos: list[SloConfig] | None, t_now: float,
                 until: float = math.inf, *, went: tuple[Any, ...] | None = None,
                 gone: tuple[Any, ...] | None = None, told: bool = True) -> Changes:
    """What the actions ``taken`` changed together, from the simulator's own causes: each of the
    scenario's panes some minutes after the first of them (or ``t_now`` or ``until``, when they were
    switched off, if sooner), as it is and as it would be had everything else been done but these; a pane
    they did not move (within 2 %) is left out, one they took to no data (or back from it) is moved; any other pane
    of the dashboard is said where they took it past critical or back (attack44 A11b: an IAM Deny failing every flow of
    the audit-gap world read "Audit-log gap unchanged" while Flow failure rate went CRIT), or moved it by its whole
    critical threshold (``_far``). Read at
    ``t_now`` before those minutes are over, a change not seen yet is "too soon to tell". Then when each
    provider's quota is used up, with and without them (``quota_lasts``), and the scenario's harm by ``t_now``
    (``harm_change``), which no pane counts. ``went``/``gone``: the two worlds weighed, when not the drill as it went
    and it without ``taken`` (a rollout's restart apart from the env change it rolled out: ``_rollout``). ``told``:
    the incident is over; until then nothing after ``t_now`` is said (``quota_lasts``' ``now``)."""
    from warroom.drill.model import Signals

    sc = drill.scenario
    start = min(a.t for a in taken)
    full = min(start + EFFECT_AFTER, until)
    t = min(full, t_now)
    window = stime.of_drill(full - start, drill.speed).text() if t_now < full else ""
    if t <= start:
        return Changes(window=window)
    recorded = drill.actions() if went is None else list(went)
    given = gone is not None
    gone = _without(recorded, taken, sc) if gone is None else gone
    actual = drill.simulator if went is None else drill.simulator.what_if(went)
    other = drill.simulator.what_if(gone)
    own = dict.fromkeys((sc.primary, *sc.breaches))

    def read(t: float, late: bool = False) -> tuple[list[str], list[str], dict[bool, list[tuple[str, bool, int]]],
                                                     list[str]]:
        """The panes moved at ``t`` (phrases), every pane of the scenario's read, its panes moved each way, and every
        pane shown they took the wrong way past its critical threshold (``pushed``); ``late``:
        a reading past the action's window, where only a move by a pane's whole critical threshold counts
        (``_far``: attack46 X7, a 0.14-point drift opened by a later action was said as this one's effect)."""
        after = stime.of_drill(t - start, drill.speed).text()   # t is scenario seconds
        parts, titles, pushed = [], [], []
        # the panes moved the wrong way, the right
        ways: dict[bool, list[tuple[str, bool, int]]] = {True: [], False: []}
        for pane in (*own, *(s.id for s in slos or default_slos() if s.id not in own)):
            slo = slo_of(pane, slos)
            unit, title = (slo.unit, slo.title) if slo is not None else (None, pane)
            if pane in own:
                titles.append(title)
            elif slo is None or slo.crit is None:
                continue
            now, alt = actual.pane(pane, t), other.pane(pane, t)
            if pane not in own and _critical(slo, now) == _critical(slo, alt) and not _far(slo, now, alt):
                continue
            if late and not (slo is not None and (_far(slo, now, alt) or (now is None) != (alt is None))):
                continue
            if now == alt or now is not None and alt is not None and abs(now - alt) <= 0.02 * max(abs(now), abs(alt)):
                continue            # NO DATA where there would be some (FlowEngine halted: no flow, no P95) is a move
            band = _in_band(slo, now, alt)
            parts.append(f"{title} {_stated(now, unit)}{'' if parts else f' {after} later'} "
                         f"({_stated(alt, unit)} without it){band}")
            if slo is None or now is None or alt is None:
                continue
            vs = f"{title} {_stated(now, unit)} vs {_stated(alt, unit)} without it"
            if pane in own:
                ways[(now > alt) == (slo.direction == "above")].append((vs, not band, len(parts) - 1))
            if _critical(slo, now) and not _critical(slo, alt):       # any pane shown: taken past critical by them
                pushed.append(f"{vs}, past its critical {_stated(slo.crit, unit)}")
        return parts, titles, ways, pushed

    parts, titles, ways, pushed = read(t)
    after = stime.of_drill(t - start, drill.speed).text()
    later = min(until, t_now)
    if not parts and not window and later > full:
        # nothing yet when its window ended, yet it held on: read again when it stopped (or now). A cause that bites
        # only once something else happens shows then (redteam46 R7: a bucket deny put while FlowEngine was halted
        # failed every flow of the restore half an hour later; read at its window alone it "changed nothing")
        moved, _, ways, pushed = read(later, late=True)
        if moved:
            parts = [f"{' and '.join(titles)} unchanged within {after}, then {moved[0]}", *moved[1:]]
    if any(a.t > t_now for a in recorded):      # what came after the end changes no projection made at it
        kept = [a for a in recorded if a.t <= t_now]
        worlds = (Signals(sc, kept), Signals(sc, [a for a in gone if a.t <= t_now] if given else
                                             _without(kept, [a for a in taken if a in kept], sc)))
    else:
        worlds = (actual.signals, other.signals)
    parts += quota_lasts(worlds, start, drill.speed, first=not parts, now=math.inf if told else t_now)
    harm, kept = harm_change(drill, other, t_now, actual)   # what they did to the flows no pane counts (its harm)
    if harm:
        parts.append(harm)
    world = changes(actual, other, t)       # and what they did to the world's record besides the panes
    # made it worse (redteam51 R12), judged on every pane shown and the flows' way through FlowEngine (``held``):
    # - a pane of the scenario's moved the right way is no gain where they kept more flows waiting for a slot (the
    #   failure rate falls as the flows held back finish neither way), a queue drained is one;
    # - any pane they took past its critical threshold, where flows still ran (a halt that stops them all on purpose
    #   reads an idle world: the audit-log gap grows with no flow to audit; what it stopped is its harm, ``harm``);
    # - a queue that grows on with them.
    flows = held(actual, other, start, t)
    gain = bool(ways[False]) and not flows.more or flows.fewer
    if flows.more:          # said on the row too: the pane eased by the flows that did not finish, not by a cure
        for _, _, i in ways[False]:
            parts[i] += f", fewer flows finishing (held {flows.how}): no gain"
    wrong = (bool(ways[True]) or flows.more) and not gain
    worse = tuple(dict.fromkeys((*(x for x, harm, _ in ways[True] if harm and wrong),
                                 *(pushed if flows.ran else ()), *((flows.growing,) if flows.growing else ()))))
    left = left_harming(actual, other, own, slos, t_now) if told and until == math.inf and t_now > full \
        and standing(actual.signals, t_now) != standing(other.signals, t_now) else ()
    return Changes(tuple(parts), tuple(titles), after, window, worse, wrong, left, kept, world)


def standing(signals: Any, t: float) -> tuple[Any, ...]:
    """What the world holds set at ``t``, apart from the curves it left: FlowEngine's env as its pods run with it, the
    release and the replica count its operations last set (``_runs``), a bucket deny, FlowEngine and its TaskDB up or
    down, manual review on. Two worlds alike in it at the end differ there only by the hour their panes remember (the
    failure rate is a 1h rate): an action undone since is not still in force, whatever its panes still show of it."""
    return (tuple(sorted(signals.env(t).items())), _runs(signals, t), signals.bundles_denied(t), signals.running(t),
            signals.task_store(t), signals.reviewing(t))


def _runs(signals: Any, t: float) -> tuple[str, int]:
    """The release FlowEngine's template names (``cluster.release``: ``flowengine:v1.1.0`` is ``registry.internal/…:
    v1.1.0``) and the replicas it was set to, after the operations made by ``t`` (``Cluster.timeline``): what an image,
    an undo or a scale leaves standing (attack50 A2: the bad release set back and kept to the resolve was "Made it
    worse" but never "still in force", the two worlds alike in env)."""
    from warroom.drill.cluster import release

    dep = next(d for when, _, d in reversed(signals.cluster.timeline) if when <= t)
    return release(dep.current.image), dep.replicas


LEFT_RECENT = 300.0      # scenario seconds: how far back "still harming" compares the gap it holds (``left_harming``)


def left_harming(actual: Any, other: Any, own: dict[str, None], slos: list[SloConfig] | None,
                 t: float) -> tuple[str, ...]:
    """The panes some actions, still in force at ``t`` (the drill's end), held the wrong way then, with and without
    them (``actual``, ``other``: the two worlds): one of the scenario's own past its warn threshold (``harms``), any
    other past its critical one where it would not be. Both worlds must read a value: a pane with no data without
    them (FlowEngine halted) is no harm of theirs (the restore that brought the flows back fails none by itself).
    The harm must be done then: the pane's own query over its last ``LEFT_RECENT`` seconds reads the same wrong way with
    and without them, as an hour's rate remembers harm done before FlowEngine was halted (attack48: a provider
    disabled, then every flow stopped, read "harming then" for failures fifteen minutes old; nothing ran since). The
    caller asks only of actions the world still holds at ``t`` (``standing``)."""
    out = []
    for pane in (*own, *(s.id for s in slos or default_slos() if s.id not in own)):
        slo = slo_of(pane, slos)
        if slo is None or slo.crit is None:
            continue
        now, alt = actual.pane(pane, t), other.pane(pane, t)
        if now is None or alt is None or (now > alt) != (slo.direction == "above") \
                or abs(now - alt) <= 0.02 * max(abs(now), abs(alt)):
            continue
        lately, alt_lately = (w.pane(pane, t, f"{LEFT_RECENT:g}s") for w in (actual, other))
        if lately is None or alt_lately is None or (lately > alt_lately) != (slo.direction == "above") \
                or abs(lately - alt_lately) <= 0.02 * max(abs(lately), abs(alt_lately)):
            continue            # not over its last minutes (nothing ran, or it is alike now): harm it did, not does
        if harms(slo, now) if pane in own else _critical(slo, now) and not _critical(slo, alt):
            out.append(f"{slo.title} {_stated(now, slo.unit)} vs {_stated(alt, slo.unit)} without it")
    return tuple(out)


def harms(slo: SloConfig | None, value: float) -> bool:
    """A pane the wrong way at ``value`` is made worse: past its warn threshold (crossed it, or a pane already past
    went further), as the dashboard shows WARN or CRIT (``judge``). A move within the OK band is no harm the report
    says as "Made it worse" (redteam47 F7: RB-CORE-004's own recovery, Model API 5xx rate 0.43% vs 0.188% without it
    under a 5% warn); the row says it as the rise it is."""
    return slo is None or _warn(slo) is None or judge(slo, value) != "ok"


def _in_band(slo: SloConfig | None, now: float | None, alt: float | None) -> str:
    """", a rise within its OK band (warn 5%)" for a move the wrong way that leaves the pane in its OK band (``harms``:
    no harm), said as what it is; "" for any other move."""
    if slo is None or now is None or alt is None or (now > alt) != (slo.direction == "above") or harms(slo, now):
        return ""
    return f", a {'rise' if now > alt else 'fall'} within its OK band (warn {_stated(_warn(slo), slo.unit)})"


def _warn(slo: SloConfig) -> float | None:
    """Where a pane's OK band ends: its warn threshold, else its critical one."""
    return slo.crit if slo.warn is None else slo.warn


def _critical(slo: SloConfig, value: float | None) -> bool:
    """``value`` past the pane's critical threshold, by the rule its dashboard pane shows CRIT by (``past``)."""
    return value is not None and past(value, slo.crit, slo.direction)


def _far(slo: SloConfig, now: float | None, alt: float | None) -> bool:
    """Another pane moved by at least its whole critical threshold (from zero): a move an IC reads on that pane
    whichever side of critical both ends sit (redteam46 R7: lifting the bucket deny took Flow failure rate from
    ~96% to 56% of the hour, both past its 1% critical, and the report said only "Audit-log gap unchanged")."""
    return now is not None and alt is not None and slo.crit is not None and abs(now - alt) >= abs(slo.crit)


def _stated(value: float | None, unit: str | None) -> str:
    """A pane's value as the report says it; "no data" for none (the pane's NO DATA)."""
    return "no data" if value is None else format_stated(value, unit)


def quota_lasts(worlds: tuple[Any, Any], start: float, speed: float, first: bool = True,
                now: float = math.inf) -> list[str]:
    """When each provider's day's quota is used up after ``start``, in the world as it went and without the actions
    weighed (``Signals.runs_out``), where the two differ by more than 2 % of the longer wait: a step that slows the
    burn moves that by hours while the quota pane, minutes on, has barely moved (arch37: ARCHITECT_FALLBACK_MODEL,
    which puts the exhaustion past the reset, read "unchanged within 10m00s"). ``first``: no phrase before it (the
    first says the wall time too). ``now`` (scenario seconds; the incident still open): a running out after it has
    not happened, and is never told: "is not used up by now, 45m00s later" (redteam43 R10: "quota is used up 6h14m41s
    later", exact to the second, told 5h30m of drill time before it happened, while the header said MITIGATED)."""
    from warroom.drill.model import quota_reset

    reset = quota_reset(start)
    limit = min(reset, now)
    parts: list[str] = []
    for p in fleet.PROVIDERS:
        ends = [e if e is not None and e <= limit else None for e in (w.runs_out(p.name, start) for w in worlds)]
        waits = [(limit if e is None else e) - start for e in ends]
        if ends[0] == ends[1] or abs(waits[0] - waits[1]) <= 0.02 * max(waits):
            continue
        later = [stime.of_drill(w, speed).text(wall=first and not parts and i == 0) for i, w in enumerate(waits)]
        lasts = "lasts to its daily reset" if limit == reset else "is not used up by now,"
        said = f"{lasts} {later[0]} later" if ends[0] is None else f"is used up {later[0]} later"
        alt = later[1].replace(" drill time", "")
        spared = "lasting to the reset" if limit == reset else "not used up by now"
        parts.append(f"{p.title} quota {said} ({spared if ends[1] is None else f'used up {alt} later'} without it)")
    return parts


def _without(recorded: list[Any], taken: list[Any], scenario: Any) -> tuple[Any, ...]:
    """``recorded`` had ``taken`` not been done: without them and the operations they came from (``kubectl scale``
    is its replicas as well as "scale"), but for what such an operation meant besides: one ``set env`` that is a
    throttle and a breaker keeps, weighing one, the key that made the other (``cluster.meaning_keys``), so each is
    credited with its own change, as when the IC types the two settings as two commands. A later ``set env`` that set
    a key again to the value one of them set, while that still stood, is without that key too (``_repeated``): it
    changed nothing there, so without the first it is no setting of its own (attack48 Z3: the same harmful value typed
    twice, each weighed against a world where the other set it, was never "still in force"); a set "again" is one the
    world reads alike (``_read``). Every later ``rollout undo`` lands where it did when typed (``cluster.pinned``), not
    where the world without ``taken`` would send it, but for the keys ``taken`` set, still standing, that it landed on
    as they set them: those stay as they stand there (attack49 F3: an undo back to the revision the harm made re-made
    the harm in the world without it, and the harm, in force to the end, was blamed on nothing)."""
    from dataclasses import replace

    from warroom.drill.cluster import meaning_keys, pinned

    gone = {a.action for a in taken}
    came_from = {(a.detail.get("via"), a.ts, a.argv) for a in taken}
    stood: dict[tuple[str, str], Any] = {}      # (deployment, key) -> its reading a taken-out operation set, standing
    out = []
    for a, pin in zip(recorded, pinned(scenario, recorded), strict=True):
        if a in taken:
            _left_out(stood, a, a.detail)
            continue
        a = pin
        if (a.action, a.ts, a.argv) in came_from:
            meant = {b.action for b in recorded if (b.detail.get("via"), b.ts, b.argv) == (a.action, a.ts, a.argv)}
            if a.action != "set_env" or meant <= gone:
                _left_out(stood, a, a.detail)
                continue
            keys = meaning_keys(a.detail, gone)
            _left_out(stood, a, {**a.detail, "set": {k: v for k, v in a.detail["set"].items() if k in keys},
                                 "unset": []})
            a = replace(a, detail={**a.detail, "set": {k: v for k, v in a.detail["set"].items() if k not in keys}})
        elif (kept := _repeated(stood, a)) is not a:
            if kept is None:
                continue
            a = kept
        out.append(a)
    return tuple(out)


def _left_out(stood: dict[tuple[str, str], Any], op: Any, detail: dict[str, Any]) -> None:
    """Note what a ``set env`` taken out of the world (``_without``) set on its deployment (``detail``: the part of it
    taken out), as its program reads it, and forget what any other taken-out operation touched (a scenario action an
    operation meant is its operation's)."""
    from warroom.drill.cluster import OPERATIONS

    if op.action not in OPERATIONS:
        return
    if op.action != "set_env":
        for k in [k for k in stood if overlap({k}, touches(op))]:
            del stood[k]
        return
    where = str(detail.get("deployment"))
    sets = {**{str(k): str(v) for k, v in (detail.get("set") or {}).items()},
            **dict.fromkeys(str(k) for k in detail.get("unset") or ())}
    stood.update({(where, k): _read(where, k, v) for k, v in sets.items()})


def _repeated(stood: dict[tuple[str, str], Any], op: Any) -> Any:
    """``op`` (kept in the world ``_without`` weighs) without what it set again as an operation taken out had set it
    (the world reading it alike), while that still stood; None when that was all it did; ``op`` itself when it
    repeated nothing. Whatever it set otherwise now stands as its own. A pinned ``rollout undo`` keeps as they stand
    the keys it landed on as a taken-out operation set them, while that stood (``kept``, ``Deployment.template_after``):
    it kept that setting, so without it there is none to keep. One that landed on another value ends the setting."""
    from dataclasses import replace

    from warroom.drill.cluster import OPERATIONS

    if not stood or op.action not in OPERATIONS:
        return op
    where = str(op.detail.get("deployment"))
    if op.action == "rollout_undo" and (landed := op.detail.get("landed")) is not None:
        env, mine = landed[1], [k for k in stood if k[0] == where]
        kept = sorted(k for w, k in mine if _read(where, k, env.get(k)) == stood[(w, k)])
        for w, k in mine:
            if k not in kept:
                del stood[(w, k)]
        return replace(op, detail={**op.detail, "kept": kept}) if kept else op
    if op.action != "set_env":
        for k in [k for k in stood if overlap({k}, touches(op))]:
            del stood[k]
        return op
    sets = {str(k): str(v) for k, v in (op.detail.get("set") or {}).items()}
    unsets = [str(k) for k in op.detail.get("unset") or ()]
    said = {**sets, **dict.fromkeys(unsets)}
    again = {k for k, v in said.items() if (where, k) in stood and stood[(where, k)] == _read(where, k, v)}
    for k in said.keys() - again:
        stood.pop((where, k), None)
    if not again:
        return op
    if again >= said.keys():
        return None
    return replace(op, detail={**op.detail, "set": {k: v for k, v in sets.items() if k not in again},
                               "unset": [k for k in unsets if k not in again]})


def unretried(drill: Drill, t1: float, t2: float) -> tuple[int, tuple[str, ...]]:
    """Flows the incident's own causes failed between ``t1`` and ``t2`` (scenario seconds; the
    everyday background errors are not the incident's) and, of those, the tasks still failed at
    ``t2``: read from the drill's tasks table, so a retry of one task out of forty is not "done"."""
    ours = ours_failed(drill, t1, t2)
    return len(ours), tuple(f.task_id for f in ours if f.status == "failed")


def ours_failed(drill: Drill, t1: float, t2: float) -> list[Any]:
    """The flows the incident's own causes failed between ``t1`` and ``t2`` (``unretried``'s), retried or not."""
    from warroom.drill.model import BACKGROUND_ERRORS, DB_LOST, INTERRUPTED

    return [f for f in failed_flows(drill, t1, t2)
            if f.error not in (*BACKGROUND_ERRORS, INTERRUPTED, DB_LOST)]   # a retried one keeps its error


def failed_flows(drill: Drill, t1: float, t2: float) -> list[Any]:
    """Every flow that failed between ``t1`` and ``t2`` (scenario seconds), whatever failed it: the
    drill's tasks table, one row per flow, so a count of it is exact (FlowEngine's failure counter,
    which Prometheus' ``increase()`` reads, counts these same failures)."""
    from warroom.drill.activity import Activity

    if t2 <= t1:
        return []
    # every flow the TaskDB holds at t2 (the whole window, however long), counted when it failed, as its
    # updated_at and the failure counter count it: one asked for before t1 that failed in the window is
    # the window's (redteam37: 251 said, 252 in psql), one asked for in it and still running is not yet
    # (the flows read no estate: only the periodic log lines do, so no cluster is replayed for them)
    flows = Activity(drill.simulator.refresh()).kept(t2)
    return [f for f in flows if f.error is not None and t1 <= f.end <= t2]


def held_flows(drill: Drill, t1: float, t2: float) -> str:
    """The flows manual review held for an operator between ``t1`` and ``t2`` (scenario seconds, the row's window):
    every new flow whose plan did not fail (``Signals.reviewing``), none approved in the drill; how many still waited
    at ``t2``, as the tasks table said then (``awaiting_review``), said as of then; "" when it held none. The row says
    when the mode was switched off: "still awaiting review" alone read as now, beside a tasks table with every held
    flow released and succeeded a minute before the report was written (redteam47 F4)."""
    from warroom.drill.activity import HELD, Activity

    if t2 <= t1:
        return ""
    flows = Activity(drill.simulator.refresh()).kept(t2)       # no estate replayed: the flows read none
    held = [f for f in flows if f.held is not None and t1 <= f.held <= t2]
    waiting = sum(f.status == HELD for f in held)
    within = stime.of_drill(t2 - t1, drill.speed).text(wall=False)
    return f"{len(held)} flow{'s' * (len(held) != 1)} held for an operator's review within {within}, none approved, " \
           f"{waiting or 'none'} still awaiting review then" if held else ""


FAILURES_COUNTER = "flow_failures_total"   # FlowEngine's counter of failed flows (the exporter, ``blocks metrics query``)


def impact_estimate(state: Any) -> tuple[float, float, float] | None:
    """(the PIR's figure, its window start, end: unix) when the PIR's Impact counts failed flows with
    its configured counter query (``metric_history.impact_count``, journaled in ``metrics.summarised``),
    else None. The window is the one that query was evaluated over (impact start, else detection, else
    the history's start → resolution, else its end), read from the same event, so the drill report
    compares counts of one window."""
    summ = getattr(state, "metric_summary", None) or {}
    count = next((e["impact_count"] for e in (summ.get("slos") or {}).values()
                  if isinstance(e.get("impact_count"), dict) and e["impact_count"].get("value") is not None
                  and FAILURES_COUNTER in str(e["impact_count"].get("query") or "")), None)
    if count is None:
        return None
    marks, window = summ.get("marks") or {}, summ.get("window") or {}
    start = marks.get("started") or marks.get("detected") or window.get("start")
    end = marks.get("resolved") or window.get("end")
    return None if start is None or end is None else (float(count["value"]), float(start), float(end))



def run_effects(drill: Drill, state: Any, slos: list[SloConfig] | None, at: float) -> dict[str, str]:
    """What each step run that changes things did to the drill, by the simulator's own causes
    (``change_without`` of the actions the stand-ins recorded while it ran, the windows the drill
    report's runbook path uses), keyed by the run's start seq: what the PIR credits a step with, so
    it never credits one with a change another action made while it ran."""
    from warroom.drill.cluster import OPERATIONS

    out: dict[str, str] = {}
    drill = as_credited(drill)     # knob-sized actions credited as the report credits them
    recorded = drill.actions()
    t_now = drill.scenario_time(at)
    runs = [run for _, run in state.commands_run()]
    windows = {run.seq: [(run.started_at.timestamp(), run.ended_at.timestamp() if run.ended_at is not None else at,
                          run.tag)] for run in runs}
    owners = [owner_of(a.ts, a.tag, windows) for a in recorded]
    # restarts of one deployment within the first's effect window are weighed together, as the report's rows are
    # (``_restarts_together``; attack44 A19: the report credited them once, the PIR said the step's run "unchanged")
    sc, signals = drill.scenario, drill.simulator.signals
    weighs = "restart" in stretches(sc, signals)
    rolled = {(b.action, b.ts, b.argv): _rollout(sc, recorded, b) for b in recorded
              if weighs and b.action in OPERATIONS and _rolls(signals, b)}
    firsts, later = _restarts_together(sc, recorded, rolled)
    with drill.simulator.holding():
        for run in runs:
            if not run.mutating:
                continue
            taken = [a for a, owner in zip(recorded, owners, strict=True) if owner == run.seq]
            keys = [(a.action, a.ts, a.argv) for a in taken]
            first = next((later[k] for k in keys if k in later), None)
            together = next((firsts[k] for k in keys if k in firsts), None)
            if first is not None:
                first_at = datetime.fromtimestamp(first.ts, UTC)
                out[str(run.seq)] = (f"its effect is counted with the first restart's (first at {first_at:%H:%M:%S}"
                                     f" UTC: {typed(first.tool, first.argv)})")
            elif together is not None:
                out[str(run.seq)] = pane_changes(drill, taken, slos, t_now, went=together[0], gone=together[1],
                                                 told=bool(state.resolved)).text()
            else:
                out[str(run.seq)] = change_without(drill, taken, slos, t_now, told=bool(state.resolved)) if taken \
                    else "nothing (no change to the drill world was recorded while it ran)"
    return out
