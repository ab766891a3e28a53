"""``drill_report``: the whole end-of-drill report from the drill and the incident declared on it,
as plain data — response times (judged in drill time on the PIR's scale, so both agree), the
actions and what they did, what the scenario's resolution needed, the runbook's path, the panes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.config import Config, SloConfig
from warroom.incident.drill_report.actions import (RETRIES, action_rows, as_credited, done_by, failed_flows,
                                                   impact_estimate, ours_failed, stretches)
from warroom.incident import gate_evidence, verdicts
from warroom.incident.cadence import missed_updates
from warroom.incident.by_hand import (Hands, Typed, closed_at, paused_spans, read_calls, recorded,
                                     shell_unjournaled)
from warroom.incident.drill_report.decisions import decision_lines, opened_runbooks
from warroom.incident.drill_report.harm import harm_onset, harm_total, total_text
from warroom.incident.drill_report.panes import impact_crossing, pane_outcomes, pane_title, past_crit
from warroom.incident.drill_report.path import (Credited, Steps, after_close, outside_said, runbook_path, said_on,
                                                typed_again)
from warroom.incident.drill_report.rows import ActionRow, DrillReport, ResponseRow
from warroom.incident.drill_report.summary import with_summary
from warroom.incident.relapse import relapse_said
from warroom.incident.state import RESPONSE_TARGETS, IncidentState
from warroom.scenario_time import Span

if TYPE_CHECKING:
    from warroom.drill.directory import Drill
    from warroom.runbook.model import Runbook


def _ts(d: datetime | None) -> float | None:
    return None if d is None else d.timestamp()


def drill_report(drill: Drill, state: IncidentState | None = None, *, at: float | None = None,
                 slos: list[SloConfig] | None = None, runbook: Runbook | None = None,
                 runbook_of: Callable[[str], Runbook | None] | None = None,
                 config: Config | None = None) -> DrillReport:
    """Everything the end-of-drill screen shows, as plain data (``runbook``: the incident's, for
    the path its steps took; ``runbook_of``: the incident's copy of a runbook by id, for the
    runbooks a GO opened and their decisions; ``config``: the team's, whose stakeholder-update cadence
    counts the updates that fell due unsent, ``cadence.missed_updates``; None: not counted). Built while
    holding the simulator: the report reads its series and signals directly, and the dashboard's polls ask
    the same simulator from other threads."""
    drill = as_credited(as_ended(drill, state))
    with drill.simulator.holding():
        return _build(drill, state, at=at, slos=slos, runbook=runbook, runbook_of=runbook_of, config=config)


def as_ended(drill: Drill, state: IncidentState | None) -> Drill:
    """``drill`` as it was when it finished (its incident resolved), when something was done in its world since: its
    world is the post-incident triage's then, and what is done there is no part of the response (redteam43 R16: a
    breaker switched off in the drill shell an hour after the end became "switched off 59h56m47s later" and "Done
    outside the runbook's steps" in the report, which then disagreed with the PIR exported at the end). The same
    drill otherwise; a report of a finished drill is the same whenever it is asked."""
    import copy

    ended = getattr(drill, "finished", None)
    if ended is None or (state is not None and not state.resolved):
        return drill
    recorded = drill.actions()
    kept = [a for a in recorded if a.ts <= ended]
    if len(kept) == len(recorded):
        return drill
    view = copy.copy(drill)
    view.__dict__["actions"] = lambda: list(kept)              # the record as it stood at the end
    view.__dict__["simulator"] = drill.simulator.what_if(kept)  # its world, the same to the bit before the first cut
    return view


def _build(drill: Drill, state: IncidentState | None, *, at: float | None, slos: list[SloConfig] | None,
           runbook: Runbook | None, runbook_of: Callable[[str], Runbook | None] | None,
           config: Config | None) -> DrillReport:
    at = stime.drill_now(drill.start, f"drill {drill.name}") if at is None else at    # never before it began
    sc = drill.scenario
    sim = drill.simulator
    crossing = impact_crossing(drill, slos=slos, at=at)
    breach = None if crossing is None else crossing[0]
    phases: dict[str, float | None] = {}
    if state is not None:
        phases = {k: _ts(v) for k, v in state.phases.items()}
    if phases.get("started") is None:       # no incident: where a declaration now would start it (``declared_source``)
        onset = harm_onset(drill, at)
        phases["started"] = onset if onset is not None and (breach is None or onset < breach) else breach
    detected = phases.get("detected")
    started = phases.get("started")
    # Declared before anything went past critical: detection met ahead of impact, by the PIR's rule
    # (``verdicts.detected_ahead``: the first breach the journal holds after the detection), or,
    # before the journal holds it, the primary pane's crossing the drill knows (or that it never
    # crossed). The detection's "took" is then "—": there is no impact start to measure from.
    first = verdicts.detected_ahead(state) if state is not None else None
    ahead_of = first[0] if first is not None else (
        pane_title(drill, crossing[2] if crossing is not None else None, slos)
        if detected is not None and (started is None or started > detected) else None)
    if ahead_of is not None:
        phases["started"] = None            # no impact start before the detection: nothing to measure from

    signals = sim.signals
    spans = stretches(sc, signals)
    t_end = drill.scenario_time(phases.get("resolved") or at)   # what was in force when it ended
    t_zero = None if detected is None else drill.scenario_time(detected)
    # effects are read by the end (the PIR's rule, ``run_effects`` at the window's end): a finished
    # drill's report is the same whenever it is asked, and holds no effect the incident never saw; one
    # taken after the end is read by the moment asked (read at the end, before it was taken, it "moved none")
    actions = action_rows(drill, signals, spans, resolved=phases.get("resolved"), t_end=t_end, t_zero=t_zero,
                          at=at, slos=slos, told=bool(state is not None and state.resolved),
                          paused=tuple((drill.scenario_time(lo), drill.scenario_time(hi))
                                       for lo, hi in paused_spans(state)))
    # one instant per event (redteam42 R7): what a step run's process did is told at the run's start, as the PIR
    # tells the step (the stand-in's stamp came 0.25 s wall later: 15 drill seconds at x60); its effect is still
    # read from the world's own record of it (``t``)
    began = {run.tag: run.started_at.timestamp() for st in (state.steps.values() if state is not None else ())
             for run in st.runs if run.tag}
    actions = [a if began.get(a.tag) is None else replace(a, at=began[a.tag], clock=None if t_zero is None else
                                                          drill.scenario_time(began[a.tag]) - t_zero)
               for a in actions]
    # done = in force when the drill ended, or until its fault was over (a mitigation switched off while the fault
    # still needed it, or taken before what it needs, is not done: ``done_by``); a step that bends no curve
    # (scaling to zero first) is done once taken
    # the flows the incident failed: from its causes' own onset (the simulator's record), not the breach
    t_from = min([t for t in signals.onsets if t is not None] + [drill.scenario_time(min(v for v in (started, detected, at)
                                                                                   if v is not None))])
    ours = ours_failed(drill, t_from, t_end)
    failed, left = len(ours), tuple(f.task_id for f in ours if f.status == "failed")
    # the team retried one the incident failed: a retry of a flow that had succeeded is no step towards the answer
    # (attack43 A14: it unlocked "Not done: failed flows retried (… tsk_951c9e0b, tsk_cca1f49c)" mid-drill)
    theirs = {f.task_id for f in ours}
    retried = any(b.action in RETRIES and b.t <= t_end and ("task_id" not in b.detail or b.detail["task_id"] in theirs)
                  for b in drill.actions())      # a record naming no task (a plan's) is taken as one of theirs
    done = tuple(k for k in sc.resolution if (done_by(sc, signals, spans, k, t_end) if k in sc.mitigating_actions()
                                              else any(a.action == k and a.t <= t_end for a in actions)
                                              and not _switched_off(signals, k, actions, t_end))
                 and not (k in RETRIES and left))      # retried means none the incident failed is left failed
    panes = pane_outcomes(drill, state, slos, at, crossing)
    # recovered = every pane of the report is, as each one's own line says it (redteam43 R7: the primary pane's alone
    # gave --json "recovered": true beside "Model API quota used is still above its critical threshold (99.6%)")
    recovered = bool(panes) and all(p.recovered for p in panes)
    ended = bool(state is not None and state.resolved)
    # what the scenario's resolution still lacks is the answer while the incident is open (the title's rule: the
    # symptom until the end): "Not done: FlowEngine rolled back off the bad release (never done)" 10 s after declaring
    # told the team the cause before any triage (redteam42 R18). Until the end only what the team itself took and
    # lost (undone, taken too early) is said not done; what they never took is said when the drill is over
    # bringing FlowEngine back is owed once it was stopped (redteam44 A3: "Not done: … FlowEngine scaled back up
    # (never done)" though it never stopped, as if the team had left it down)
    after = {"flowengine_start": "flowengine_stop"}
    # a retry is owed only for a flow the incident failed: none failed, none to retry (redteam50 F2: "Not done: failed
    # flows retried with context pruning (never done)" in a timeout drill whose TaskDB held none; `blocks flow retry`
    # refuses a succeeded or running task)
    missing = tuple(k for k in sc.resolution if k not in done and (ours or k not in RETRIES)
                    and (ended or (retried if k in RETRIES else any(k in (a.action, a.meant) for a in actions)))
                    and (k not in after or any(a.action == after[k] and a.t <= t_end for a in actions)))
    # the failed flows still failed name the retry (half of rate-limit's resolution) and hand over the task ids: the
    # same rule, said while open only once the team has retried some (how far their own retry got), else at the end
    # (redteam43 R4: "Failed flows never retried: 13 of the 13 … (tsk_951c9e0b, …)" mid-drill, nothing retried)
    told_left = ended or retried
    # resolved with a pane still past critical: on the clock only (``verdicts``, the PIR's rule)
    broken = [p.title for p in panes if past_crit(p)] if ended else []
    held = gate_evidence.held_gates(state) if state is not None else []    # a pass that marks no mitigation, and why
    again = relapse_said(state) if state is not None else ""      # a mitigation that did not hold: said beside it
    rows = []
    scale = stime.scale_of(state) if state is not None and state.drill else drill.speed   # the PIR's, so both agree
    for key, label, asked, base in RESPONSE_TARGETS:
        target, raised = stime.people_target(asked, scale)     # the state's rule: people's floor of wall time
        reached = phases.get(key)
        start = phases.get(base)
        # detection counts from the panes' first value when the impact began before it (the state's rule)
        look = state.first_look(datetime.fromtimestamp(start, UTC)) if (
            key == "detected" and state is not None and start is not None) else None
        unseen = "" if look is None or start is None else verdicts.unseen_said(scale, look.timestamp() - start, look,
                                                                               target)
        start = start if look is None else look.timestamp()
        early = reached is not None and start is not None and reached < start      # journaled before its start
        span = None if reached is None or start is None or early else stime.between(None, start, reached)
        wall_min = None if span is None else span.wall_minutes
        minutes = None if span is None else Span(span.wall_seconds, scale).minutes
        met = None if minutes is None else minutes < target
        rows.append(ResponseRow(key, label, target, reached, minutes, wall_min, met,
                                verdicts.milestone(key, met, reached=reached is not None, ahead_of=ahead_of,
                                                   past_critical=broken, held=held, before=verdicts.early_said(
                                                       state, key, base, start - reached) if early and state else "",
                                                   relapse=again, unseen=unseen,
                                                   unbacked=verdicts.said_unbacked(state), raised=raised)))
    mttr, mttr_raised = None, ""     # the target of the runbook the report names (a GO may have attached another since)
    target = runbook.mttr_target if runbook is not None else (state.runbook or {}).get("mttr_target") if state else None
    if target:
        from warroom.durations import parse_duration

        try:
            mttr, mttr_raised = stime.people_target(parse_duration(str(target)) / 60.0, scale)
        except ValueError:
            mttr = None
    # the stand-in calls typed in the drill shell, until the end: what credits a step done by hand (``by_hand``)
    # (one call credits one step: the report's runbook takes them first, in its order, then those a GO opened)
    if runbook_of is not None:      # a step's command of a runbook closed before: said so, no credit of it (Y10)
        actions = after_close(actions, state, runbook_of)
    hands = Hands(Typed(read_calls(drill.path), t_zero, min(at, phases.get("resolved") or at), recorded(drill.path),
                        paused_spans(state), world=(drill.scenario, tuple(drill.actions()))))
    path = runbook_path(runbook, state, actions, datetime.fromtimestamp(at, UTC), hands, config)
    # The scenario's own title is the facilitator's and names the cause ("… after v1.2.0"): while
    # the incident is open the report (``g`` mid-drill) is headed by the symptom, as the declaration is.
    # the Go/No-Go on the drill's clock (the PIR's record), and what each GO opened with its own path
    decided: tuple[str, ...] = ()
    typed_at: tuple[tuple[str, str, float], ...] = ()
    credited: tuple[tuple[str, int, str, str, float, tuple[ActionRow, ...]], ...] = ()
    opened: list[tuple[str, str, tuple[tuple[str, str, str, str], ...]]] = []
    if state is not None and t_zero is not None:
        end = state.resolved_at or datetime.fromtimestamp(at, UTC)
        zero: float = t_zero

        def since_detection(t: datetime) -> float:
            """Drill seconds since detection of a wall time: one clock for the verdicts and what a GO opened."""
            return drill.scenario_time(t.timestamp()) - zero

        went = opened_runbooks(state, runbook_of or (lambda _id: None), end, since_detection, config)
        books = [b for b in (runbook, *(b for _, _, b in went)) if b is not None]
        # each opened runbook's path (nothing typed after its close is its, attack47 Y10), then its sentence counted
        # with the same credits (Y9: "3 of 19" beside its path's "4 of 19")
        paths = {rid: runbook_path(book, state, actions, end, hands, config, before=closed_at(state, rid))
                 for rid, _, book in went if book is not None and (runbook is None or rid != runbook.id)}
        if paths:
            went = opened_runbooks(state, runbook_of or (lambda _id: None), end, since_detection, config,
                                   hands.credited)
        path = _claimed_beside(path, paths.values())
        beside = {rid: p["runbook_path"] for rid, p in paths.items()}
        # every step credited done by hand, with the actions its calls recorded: the PIR's timeline lists them as it
        # lists the actions typed outside every step (redteam46 R2: a retry credited to a step was in neither); the
        # credit is its first typing's, each later typing of its command a row of its own (attack46 X12)
        credited = tuple((b.id, step.number, step.label, said, at, tuple(actions[i] for i in rows))
                         for b in books for step in b.steps if (c := hands.credited.get((b.id, step.id))) is not None
                         for said, at, rows in ((c.state, c.at, c.acted), *c.typed_again(actions, t_zero)))
        acts = _decided_acts(hands, books, state, actions)
        typed_at = tuple((rb, sid, c.at) for (rb, sid), typings in acts.items() for c in typings)
        decided = tuple(decision_lines(state, list({b.id: b for b in books}.values()), since_detection, end,
                                       {key: [datetime.fromtimestamp(c.at, UTC) for c in cs]
                                        for key, cs in acts.items()},
                                       {(*key, datetime.fromtimestamp(c.at, UTC)): c.chose for key, cs in acts.items()
                                        for c in cs}))
        open_books = [runbook, *(b for b in books if runbook is None or b.id != runbook.id)]
        path, beside, more = _typed_as_steps(path, acts, open_books, actions, beside)
        credited += more            # the PIR's timeline lists them as the step's, as it lists the steps credited
        # a step's command typed again, another value: a step of any runbook open, the report's or one a GO opened
        path, beside, more = typed_again(path, open_books, state, actions, hands, beside)
        credited += more
        opened = [(rid, text, beside.get(rid, ())) for rid, text, book in went if runbook is None or rid != runbook.id]
    else:
        path, _, more = typed_again(path, [runbook], state, actions, hands)
        credited += more
    report = DrillReport(
        drill=drill.name, scenario=sc.name, title=sc.title if ended else sc.symptom, speed=drill.speed,
        runbook=runbook.id if runbook is not None else sc.runbook,    # the one whose path is listed
        incident=state.id if state is not None and state.id else drill.incident,
        breach_at=breach, generated_at=at, declared_before_breach=ahead_of is not None, responses=tuple(rows), actions=tuple(actions),
        resolution_done=done, resolution_missing=missing, panes=tuple(panes), recovered=recovered,
        summary=(), mttr_target_min=mttr, mttr_raised=mttr_raised, failed=failed,
        unretried=left if told_left else None,
        **path,
        ended=ended, decisions=decided, opened=tuple(opened),
        cause=sc.root_cause if ended else "",
        noted_causes=tuple(n.text for n in state.notes_by_tag().get("root-cause", [])) if state is not None else (),
        harm=total_text(total) if (total := harm_total(drill, t_end)) else "",
        shell=shell_unjournaled(hands.typed, state, drill.path.parent / "incidents" / state.id)
        if state is not None and state.id else "",
        typed_at=typed_at, credited=credited,
    )
    # the PIR's Impact counts failed flows too, with Prometheus' increase() over its impact window:
    # the drill's exact count of that same window beside it, and why the two may differ
    missed = missed_updates(state, config, state.resolved_at or datetime.fromtimestamp(at, UTC)) \
        if state is not None and config is not None else None
    updates = missed.count(state) if missed is not None and state is not None else ""
    pir = impact_estimate(state) if state is not None else None
    if pir is None:
        return with_summary(report, updates=updates)
    t1, t2 = drill.scenario_time(pir[1]), drill.scenario_time(pir[2])
    rows = [f.status for f in failed_flows(drill, t1, t2)]     # as the tasks table reads now: a retry rewrote its row
    # a retry that failed again is a second failure of its flow on FlowEngine's counter (the PIR's
    # figure), one row in the tasks table: counted beside the rows, so the two agree on what they count
    again = sum(1 for r in sim.signals.retries if not r.ok and t1 < r.t + r.seconds <= t2)   # as it failed
    return with_summary(report, pir=(*pir, len(rows), again, rows.count("succeeded"), rows.count("running")),
                        updates=updates)


def _switched_off(signals: Any, kind: str, rows: list[ActionRow], t: float) -> bool:
    """Whether FlowEngine's switch that ``kind`` turns on (``cluster.SWITCHES``: ``PII_REDACTION_ENABLED`` for
    ``redaction``), on once its last taking by ``t`` was in force, is off at ``t``. A step the scenario asks for that a
    later change switched off again (a ``rollout undo`` back onto the revision before it) is not done at the end,
    though no canonical action records its switching off (redteam46 R8's neighbour: redaction re-enabled, then undone,
    read done). One recorded with no change of the env (a scripted record) is left as taken."""
    from warroom.drill.cluster import SWITCHES, switched_on

    key = next((key for key, (up, _) in SWITCHES.items() if up == kind), None)
    last = max((a.t for a in rows if a.action == kind and a.t <= t), default=None)
    env = signals.cluster.env_at
    return key is not None and last is not None and switched_on(env(last), key) and not switched_on(env(t), key)



def _claimed_beside(path: dict[str, Any], beside: Any) -> dict[str, Any]:
    """The report's ``runbook_path`` answer without the rows a runbook a GO opened claimed (its runs' and its steps'
    typed by hand): one call, one step (attack47 Y9: RB-LAUNCH-002's step 5 typed in the drill shell was "done by
    hand" on its path and "Done outside the runbook's steps" in the summary)."""
    beside = list(beside)
    kept = tuple(a for a in path["outside_actions"] if all(any(a is b for b in o["outside_actions"]) for o in beside))
    if len(kept) == len(path["outside_actions"]):
        return path
    return {**path, "outside": outside_said(kept), "outside_actions": kept}


def _typed_as_steps(path: dict[str, Any], acts: dict[tuple[str, str], list[Any]], books: list[Runbook | None],
                    rows: list[ActionRow], beside: dict[str, Steps]
                    ) -> tuple[dict[str, Any], dict[str, Steps], Credited]:
    """``runbook_path``'s answer with each row a typing of a step the Go/No-Go weighs acted (``_decided_acts``) said as
    that step's, not outside the runbook's steps: on the step's path line, with its credit ("done by hand at +12m34s
    (drill shell, with replicas=5)"). One call, one row: the decision lines said it as the step typed by hand, and the
    summary again as done outside the steps, without its value (redteam46 R12). With them, as ``DrillReport.credited``
    holds a step credited by hand, for the PIR's timeline (which lists what left "outside"). ``books``: every runbook
    the incident has open, the report's first (``path`` is its), then those a GO opened (their path lines in
    ``beside``, by id): a step of each is the row's, as ``path.typed_again`` says a typing again."""
    main = books[0] if books else None
    open_ = {b.id: b for b in books if b is not None and (b is main or b.id in beside)}
    out = path["outside_actions"]
    mine = {i: (rb, sid, c) for (rb, sid), typings in acts.items() if rb in open_ for c in typings for i in c.acted
            if any(rows[i] is a for a in out)}
    if not mine:
        return path, beside, ()
    said: dict[tuple[str, str], list[str]] = {}
    for i, (rb, sid, c) in mine.items():
        said.setdefault((rb, sid), []).append(f"{rows[i].description} ({c.state})")
    outside = tuple(a for a in out if not any(rows[i] is a for i in mine))
    paths = dict(beside)
    for book in open_.values():
        if book is main:
            path = {**path, "runbook_path": said_on(path["runbook_path"], book, said)}
        else:
            paths[book.id] = said_on(paths[book.id], book, said)
    typed: dict[int, tuple[str, str, Any, list[int]]] = {}    # one per typing: its step, credit, the rows it claimed
    for i, (rb, sid, c) in mine.items():
        typed.setdefault(id(c), (rb, sid, c, []))[3].append(i)
    more = tuple((rb, st.number, st.label, c.state, c.at, tuple(rows[i] for i in acted))
                 for rb, sid, c, acted in typed.values() if (st := open_[rb].step(sid)) is not None)
    return {**path, "outside": outside_said(outside), "outside_actions": outside}, paths, more


def _decided_acts(hands: Hands, books: list[Any], state: Any, rows: list[Any]) -> dict[tuple[str, str], list[Any]]:
    """Each typing of each step a Go/No-Go decides (``decided_steps``) in the drill shell that acted, by (runbook id,
    step id) (``Hands.typings``): what the decision lines weigh against a standing NO-GO, whether or not a run took the
    step later (attack44 A24), and the rows those typings recorded, that step's (``_typed_as_steps``)."""
    from warroom.incident.by_hand import param_values, run_windows
    from warroom.incident.decisions.journal_only import decided_steps

    by_id = {b.id: b for b in books}
    windows = run_windows(state)
    return {(rb, step.id): moments for steps in decided_steps(list(by_id.values())).values() for rb, step in steps
            if rb in by_id and (moments := hands.typings(by_id[rb], step, param_values(by_id[rb], state), rows,
                                                         windows))}
