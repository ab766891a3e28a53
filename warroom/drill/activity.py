"""Individual flows and log lines of the drill world, consistent with its metrics.

The simulator knows rates; responders read tasks and logs. Flow *k* of a repo is asked for when the
repo's count of flows asked for passes *k* and starts when its execution counter does (at once while a
slot is free, else when FlowEngine's slots free one for it: ``queue.Slots``), and fails when its repo's failure
count, raised by its own failing share as it starts, passes a whole number (``Series.steps``), so the tasks table, the
logs and ``blocks`` hold the flows, waits and failures the metrics count; its type, duration, context and cause of
failure are stable hashes of (repo, k) against the scenario's shares at that moment: a pure function of time and
actions.
"""

from __future__ import annotations

import bisect
import heapq
import math
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from itertools import accumulate
from operator import attrgetter
from dataclasses import dataclass, field, replace
from typing import NamedTuple, TypeVar
from weakref import WeakKeyDictionary
from datetime import UTC, datetime

from warroom.drill import fleet
from warroom.drill.cluster import Cluster
from warroom.drill.model import DB_LOST, KILLED, Retry, Signals, unit
from warroom.drill.series import Series
from warroom.units import format_value

FLOW_TYPES = (("plan", 0.25), ("impl", 0.45), ("review", 0.2), ("docs", 0.1))
SHARES = tuple((p.name, p.flow_share) for p in fleet.PROVIDERS)     # the providers' shares of flows, all answering
MAX_WINDOW = 2 * 3600.0     # the flows a question of recent ones lists: two hours back (a store keeps all: ``kept``)
HELD = "awaiting_review"    # a flow started under manual review: its plan waits for an operator's approval
TICK = 30.0                 # periodic log lines every 30 s
STALL_LINE = ("audit sink write failed: server closed the connection unexpectedly (FATAL: terminating connection due "
              "to administrator command, audit-store:5432); retrying disabled, not reconnecting: batches are no longer "
              "shipped")     # the stall's one line: the store dropped the session, the shipper never reconnects
# a pod on a credential the store does not take, at each try (``Signals.audit_refused``)
REFUSED_LINE = ('connecting to audit-store:5432 as audit_writer: FATAL: password authentication failed for user '
                '"audit_writer"; retrying in 30s')
AUDIT_LOOK = 600.0          # how far back from a moment its last audit event is first looked for (``audit_last``)
_DRAWN: WeakKeyDictionary[Signals, dict[tuple[str, int, float, float, bool], Flow]] = WeakKeyDictionary()   # ``_flow``
# each flow's run as drawn (``_timed``), under the same keys: what the audit trail reads of a flow, and the first part
# of its whole draw (``_draw``), so a flow the trail read is never timed twice
_TIMED: WeakKeyDictionary[Signals, dict[tuple[str, int, float, float, bool], Run]] = WeakKeyDictionary()
_TRAILS: WeakKeyDictionary[Signals, _Trail] = WeakKeyDictionary()        # ``audit_events``
# ``flows``' answers per series (one world), the ``LISTS`` last asked: psql's every command listed the same store again
_LISTED: WeakKeyDictionary[Series, OrderedDict[tuple[float, ...], tuple[Flow, ...]]] = WeakKeyDictionary()
# ``_starts``' walks per series (one world) and (repo, t1): each flow's (k, start, began, failed)
_STEPS: WeakKeyDictionary[Series, dict[tuple[str, float], tuple[tuple, ...]]] = WeakKeyDictionary()
# ``_periodic``'s lines per series (one world) and (release, breaker armed, its threshold, tick), ``TICKS_KEPT`` at most
_TICKED: WeakKeyDictionary[Signals, dict[tuple[bool | None, float, str, int], tuple[tuple[float, str], ...]]] = \
    WeakKeyDictionary()
_LISTED_LOCK = threading.Lock()         # the dashboard's worker threads read flows too
LISTS = 8
_BY_START = attrgetter("start", "task_id")      # flows listed by start, then task id
# ``_pick``'s running sums of each tuple of weights it was given (a handful: the flow types', the providers' shares)
_RUNNING: dict[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]] = {}
TICKS_KEPT = 3 * 2880                   # a day of ticks for each release (``_periodic``)


@dataclass(frozen=True)
class Flow:
    task_id: str
    repo: str
    k: int
    flow_type: str
    start: float                 # scenario seconds it was asked for (its task created)
    duration: float              # from then: its wait for a slot and its run, as FlowEngine's histogram counts it
    status: str                  # succeeded | failed | running | queued (no run yet: no model, bundle nor outcome)
    #                              | awaiting_review (``HELD``: its plan waits for an operator under manual review)
    error: str | None
    model: str
    provider: str
    context_kb: float
    worker: int
    attempts: int = 1            # runs so far: each ``blocks flow retry`` of it is one more (``Signals.retries``)
    updated: float | None = None     # when its last run ended (None: its first run's end)
    wait: float = 0.0            # seconds it waited in FlowEngine's queue before its run began
    held: float | None = None    # when its plan began waiting for review (``HELD``; None: never held)
    rerun: Retry | None = None          # its last retry that ended: the run its tasks row describes
    stopped: str | None = None          # why a cancelled one stopped (its pods or TaskDB gone): its error_message, no
    #                                     failure (redteam44 L1: a cancelled row carried no error_message)

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def began(self) -> float:
        """When its run began (its task claimed from the queue)."""
        return self.start + self.wait

    @property
    def last_error(self) -> str | None:
        """The error of its last run that ended, what the tasks table's error_message holds (none once one succeeded);
        ``error`` stays its first run's cause, the one the drill report counts the incident's failures by."""
        again = self.rerun.error if self.rerun is not None else None
        return None if self.status == "succeeded" else again or self.error or self.stopped

    @property
    def ran(self) -> tuple[float, float]:
        """(bundle KB, seconds) of its last run that ended, as FlowEngine's UPDATE writes them on its row: a retry's
        (redteam41 T2: a pruned retry's row kept the first run's 617 KB and 180 s), else its first run's."""
        r = self.rerun
        return (self.context_kb if r is None or r.kb is None else r.kb, self.duration if r is None else r.seconds)


@dataclass(frozen=True)
class Run:
    """A flow's run without what it ran on (``Activity._timed``): its times and outcome alone, what the audit trail
    reads (``Activity._walked``: when a run began and ended, and how). ``Flow``'s fields of the same names are these,
    drawn once (``_draw`` reads them from here) and made what ``now`` makes of them by one function (``_as_of``), so
    the trail and the tasks table cannot tell two stories. Drawing a flow's model, provider and bundle (the routing,
    the providers no one answers, the bundle's size) was half of every draw, and the trail of every world (each
    dashboard poll's gap gauge, each PromQL read of it) drew every flow."""
    task_id: str
    start: float
    duration: float
    status: str
    error: str | None
    wait: float = 0.0
    stopped: str | None = None
    cause: str | None = None            # why its first run failed as it began (``Signals.cause``), before a stop
    attempts: int = 1
    updated: float | None = None
    held: float | None = None
    rerun: Retry | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def began(self) -> float:
        return self.start + self.wait


_Drawn = TypeVar("_Drawn", Flow, Run)       # a flow as drawn, whole or its run alone (``Activity._as_of``)


class AuditEvent(NamedTuple):
    """One audit event FlowEngine wrote: a flow's run began or ended, or a retry of it did."""
    t: float                            # when (scenario seconds): audit_logs' created_at
    task_id: str
    event: str                          # flow.started, flow.succeeded, flow.failed, flow.cancelled
    pod: tuple[float, int] | None       # the audit-shipper pod that shipped it (``Signals.audit_route``); None: lost


@dataclass
class _Trail:
    """A world's audit events so far (``Activity.audit_events``), extended as later moments are asked about."""
    begin: float                        # every event after it (the world's first moment, or a recent one: ``_trail``)
    upto: float                         # and at or before ``upto`` is in ``events``
    since: float                        # the oldest flow with an event after ``upto`` was asked for then
    events: list[AuditEvent] = field(default_factory=list)
    shipped: list[float] = field(default_factory=list)      # the times of those that reached the audit log


class Activity:
    """Flows and logs over a window of scenario time (``cluster``: the estate the periodic log lines read)."""

    def __init__(self, series: Series, cluster: Cluster | None = None) -> None:
        self.series = series
        self.signals: Signals = series.signals
        self.cluster = cluster
        sc = series.signals.scenario
        self.seed = series.signals.ids     # the drill's own (``Drill.ids``): a new drill's tasks are new ids
        code = max(sc.codes_5xx, key=lambda c: sc.codes_5xx[c])
        self._5xx_code = {"502": "502 Bad Gateway", "503": "503 Service Unavailable",
                          "500": "500 Internal Server Error"}.get(code, code)
        self._5xx_source = "model-gateway" if any("api_5xx:*" in f.impacts for f in sc.faults) else "anthropic"
        # the errors of the bad release's own code (its faults a rollback mends): only its pods log them (``release``)
        self.release_errors = frozenset(m for f in sc.faults if any(x.action == "rollback" for x in f.mitigations)
                                        for m in f.messages)
        self._drawn = _DRAWN.setdefault(self.signals, {})        # this world's flows as drawn, for every Activity
        self._times = _TIMED.setdefault(self.signals, {})       # and their runs (``_timed``)
        self._retried: dict[str, list[Retry]] = {}        # each task's retries, in time order
        for r in series.signals.retries:
            self._retried.setdefault(r.task_id, []).append(r)

    def flows(self, t1: float, t2: float, now: float | None = None, *, window: float = MAX_WINDOW) -> list[Flow]:
        """Flows started in [t1, t2] (clamped to the simulated history and to ``window`` back from
        ``t2``: what a stand-in's question can list, with every flow still in flight at ``now``), by start time."""
        if t1 > t2 - window:        # a window from before the world's first moment lists from it (``_listed``): the
            t1 = max(t1, self.series.t0 + 1.0)      # store's rows are one list
        key = (t1, t2, (now := t2 if now is None else now), window)
        with _LISTED_LOCK:
            if (hit := (memo := _LISTED.setdefault(self.series, OrderedDict())).get(key)) is not None:
                memo.move_to_end(key)
                return list(hit)
        out = self._listed(t1, t2, now, window)
        with _LISTED_LOCK:
            memo[key] = tuple(out)
            while len(memo) > LISTS:
                memo.popitem(last=False)
        return out

    def _listed(self, t1: float, t2: float, now: float, window: float) -> list[Flow]:
        """``flows`` worked out: the series' counters walked, each flow drawn (``_flow``)."""
        whole = t1 <= t2 - window       # all a question can list: and a backlog older than that, whole (``_since``)
        t1 = max(self._since(t2 - window, now) if whole else t1, self.series.t0 + 1.0)
        if t1 > t2:         # an empty window (a start after the end) reads no counters, however far out
            return []
        # the repos walked side by side in time: the hour being read is read once, not once a repo
        # (``Series`` holds a few hours; a report over a day re-integrated each hour per repo)
        merged = heapq.merge(*(self._walk(repo, t1, t2, now) for repo in self.signals.repos), key=lambda f: f.start)
        return sorted(merged, key=_BY_START)

    def kept(self, now: float) -> list[Flow]:
        """Every flow asked for from the world's first moment (the drill's start less its history) to ``now``: what a
        store holds (the TaskDB's tasks and audit_logs, the bundles' bucket). It never loses a row as the drill goes
        on: at x60 a two-hour look-back dropped the incident's own failures within minutes, and audit_logs' count
        fell while nothing was written (redteam36), what an IC reads as records deleted."""
        return self.flows(self.series.t0, now, now, window=math.inf)

    def awaiting_review(self, now: float) -> list[Flow]:
        """The flows manual review holds at ``now`` (``HELD``: their plan ran, no one approved it), however long ago
        they started: the tasks table's ``awaiting_review`` rows, the gauge of them and ``blocks status flows`` alike,
        as ``flowengine_flows_queued`` and the ``queued`` rows are of the slot queue's (attack51 A4)."""
        first = self.signals.holding_from(now)
        return [] if first is None else [f for f in self.flows(first, now, now, window=math.inf) if f.status == HELD]

    def _since(self, back: float, now: float) -> float:
        """``back``, or further back to the oldest flow still waiting or running at ``now`` (``Slots.oldest``): a
        backlog older than the window is listed whole, as many tasks queued as the gauge counts."""
        return back if (q := self.series.schedule) is None else min(back, q.oldest(now))

    def _walk(self, repo: fleet.Repo, t1: float, t2: float, now: float) -> Iterator[Flow]:
        for k, start, began, failed in self._starts(repo, t1, t2, now):
            yield self._flow(repo, k, start, began, now, failed=failed)

    def _starts(self, repo: fleet.Repo, t1: float, t2: float,
                now: float) -> Iterator[tuple[int, float, float | None, bool]]:
        """(k, asked for, run began or None while queued at ``now``, failed) of each of one repo's flows asked for in
        [t1, t2], in order: the counters alone (``Series.begun``, then the slots), so ``find`` reads them without
        drawing every flow's details. A walk from ``t1`` resumes the last (``_STEPS``: ``kept`` walked the whole history
        at every ``now``) to its first step that may differ: asked for after ``t2``, queued or begun after ``now``."""
        asked, q = ("arr", repo.name), self.series.schedule
        i = self.signals.repos.index(repo)
        before_cap = math.inf if q is None else q.firsts[i] - 1   # the flows after it begin when the slots say
        first = max(1, math.ceil(self.series.value(asked, t1)))     # an onboarded repo counts from 0: flow 1 first
        last = math.floor(self.series.value(asked, t2))
        memo = _STEPS.setdefault(self.series, {})
        steps, n = memo.get(key := (repo.name, t1), ()), 0
        while n < len(steps) and (s := steps[n])[0] <= last and (s[0] <= before_cap or s[2] <= now):
            yield s
            n += 1
        start = steps[n - 1][1] if n else t1
        new, keep = [], True        # no step after one that may move is kept
        for k in range(first + n, last + 1):     # flow k is asked for no earlier than flow k - 1
            if k <= before_cap:         # no cap yet: it began as it was asked for
                start, failed = self.series.begun(i, k, start, t2)
                step = (k, start, start, failed)
            elif (run := q.flow(i, k, now) if q else None) is None:
                start = self.series.time_of(asked, k, start, t2)
                step, keep = (k, start, None, False), False
            else:
                step, start = (k, *run), run[0]
            new += [step] * keep
            yield step
        if new and n + len(new) > len(steps):
            with _LISTED_LOCK:
                memo[key] = (*steps[:n], *new)
                while len(memo) > 4 * len(self.signals.repos):
                    del memo[next(iter(memo))]

    def _task_id(self, repo: fleet.Repo, k: int) -> str:
        return "tsk_" + f"{zlib.crc32(f'{self.seed}:{repo.name}:{k}'.encode()):08x}"

    def _flow(self, repo: fleet.Repo, k: int, start: float, began: float | None, now: float, *, failed: bool) -> Flow:
        """Flow ``k`` of ``repo`` as of ``now``: drawn once per world (a ``Signals``, one journal), keyed by all the draw
        reads (psql drew two hours of flows per query); what ``now`` makes of it (queued, running, retried) is worked out
        anew (``_as_of``). A flow still queued has no run: no model, provider, bundle nor worker yet."""
        if began is None:
            return Flow(self._task_id(repo, k), repo.name, k, _pick(FLOW_TYPES, unit(repo.name, k, "type")), start,
                        now - start, "queued", None, "", "", 0.0, 0, wait=now - start)
        if (f := self._drawn.get(key := (repo.name, k, start, began, failed))) is None:
            f = self._drawn[key] = self._draw(repo, k, began, failed, start)      # the world as its run began
        return self._as_of(f, start, now)

    def _run(self, repo: fleet.Repo, k: int, start: float, began: float | None, now: float, *, failed: bool) -> Run:
        """``_flow`` without what it ran on: the run of flow ``k`` of ``repo`` as of ``now`` (``Run``), what the audit
        trail reads; a queued one's as ``_flow`` has it."""
        if began is None:
            return Run(self._task_id(repo, k), start, now - start, "queued", None, wait=now - start)
        return self._as_of(self._timed(repo, k, began, failed, start), start, now)

    def _as_of(self, f: _Drawn, start: float, now: float) -> _Drawn:
        """What ``now`` makes of flow ``f`` (a ``Flow`` or its ``Run``, as drawn: ``_flow``, ``_run``) asked for at
        ``start``: running until its run ends, held until manual review is switched off, retried."""
        if f.end > now:
            f = replace(f, status="running", error=None, duration=now - f.start)
        elif f.status == HELD:      # no one approves it: it waits until manual review is switched off, then runs on
            released = max(self.signals.released(f.began), f.end)     # held as its run began (``_draw``)
            f = replace(f, held=f.end, **({"status": "succeeded", "duration": released - f.start} if released <= now
                                          else {"duration": now - f.start, "updated": f.end}))
        if f.status == "failed" and (runs := [r for r in self._retried.get(f.task_id, ()) if start <= r.t <= now]):
            # retried: running until its last run ends (updated when it began), then that run's outcome (as ``blocks
            # flow retry`` said) and end; its error its first cause's, its row its last ended run's (``rerun``)
            last, ended = runs[-1], runs[-1].t + runs[-1].seconds
            done = [r for r in runs if r.t + r.seconds <= now]
            f = replace(f, status=("succeeded" if last.ok else "failed") if ended <= now else "running",
                        attempts=1 + len(runs), updated=ended if ended <= now else last.t,
                        rerun=done[-1] if done else None)
        return f

    def _timed(self, repo: fleet.Repo, k: int, start: float, failed: bool, asked: float) -> Run:
        """The run of flow ``k`` of ``repo`` that began at ``start`` (the world then), asked for at ``asked``, once per
        world (``_TIMED``, keyed as ``_DRAWN``): its duration from then, the wait (``start - asked``: 0 exactly when it
        never waited), its outcome and why (``cause``: the error it failed on as it began, before a stop)."""
        if (r := self._times.get(key := (repo.name, k, asked, start, failed))) is not None:
            return r
        s = self.signals
        error = cause = s.cause(repo, k, start) if failed else None
        held = not failed and s.reviewing(start)
        status = "failed" if failed else HELD if held else "succeeded"
        duration, stop = s.run(repo, k, start, error)
        stopped = None
        if stop is not None:      # scaled to zero under it: the pod ends it (the counters count a failure at its start)
            status, error = ("failed" if failed else "cancelled"), s.interruption(stop) if failed else None
            stopped = None if failed else f"cancelled: {str(s.interruption(stop)).removeprefix('flow interrupted: ')}"
        # (a held flow's run is its plan's: it ends waiting for review, ``_as_of``)
        r = self._times[key] = Run(self._task_id(repo, k), asked, duration + (start - asked), status, error,
                                   wait=start - asked, stopped=stopped, cause=cause)
        return r

    def _draw(self, repo: fleet.Repo, k: int, start: float, failed: bool, asked: float) -> Flow:
        """Flow ``k`` of ``repo`` whose run began at ``start`` (the world then), asked for at ``asked``: its run
        (``_timed``) and what it ran on."""
        s, run = self.signals, self._timed(repo, k, start, failed, asked)
        ftype = _pick(FLOW_TYPES, unit(repo.name, k, "type"))
        error, strands = run.cause, s.strands(start)
        # the model it asks for: one no provider answers exactly when that is why it failed (``Signals.strands``)
        if strands:
            asks = next((names for _, why, names in strands if why == error), None) or [
                p.name for p in fleet.PROVIDERS if all(p.name not in names for _, _, names in strands)] or \
                fleet.PROVIDER_NAMES
            weights = tuple((p.name, p.flow_share) for p in fleet.PROVIDERS if p.name in asks)
            provider = _pick(weights, unit(repo.name, k, "prov") * sum(w for _, w in weights))
        else:       # every provider answers: the flows' own shares (most flows: no tuple built for each)
            provider = _pick(SHARES, unit(repo.name, k, "prov"))
        if s.carriers(start)[fleet.PROVIDER_NAMES.index(provider)] not in (provider, None):
            provider = fleet.PRIMARY        # its provider disabled: it runs on PRIMARY_MODEL, routed as the primary's
        model = next(p.model for p in fleet.PROVIDERS if p.name == provider)
        routed = s.routed_model(start) if provider == fleet.PRIMARY and not s.plan_only(start) else None
        routed = None if routed is None or routed[1] == fleet.UNSERVED else routed    # failed asking for it: its own
        if routed is not None and unit(repo.name, k, "route") < s.route_share(start, repo):     # its repo's calls
            model, provider = routed        # the model the env routed to then (all, or the calls answered 5xx; a flow
            # whose plan alone went there is still the primary's: its work runs on it)
        # its repo's typical bundle (an onboarded repo's carry its faults), the larger the longer it runs: its place in
        # the spread follows its draw of time (``Signals.run``), a timeout's at the top (redteam44 T1: a 340 KB flow
        # ran as long as a 900 KB one)
        u = unit(repo.name, k, "kb")
        w = 0.85 + 0.15 * u if error == KILLED else u if failed else 0.75 * unit(repo.name, k, "dur") + 0.25 * u
        kb = s.context_kb(start, repo) * (0.55 + 0.9 * w)
        if (cap := s.context_cap(start)) is not None:
            kb = pruned(kb, cap, unit(repo.name, k, "kbp"))
        if error is not None and (named := next((p for p in fleet.PROVIDERS if f" {p.name} " in f" {error} "), None)):
            provider, model = named.name, named.model       # a provider's 429 or 5xx happened on a call to that provider
        return Flow(run.task_id, repo.name, k, ftype, asked, run.duration, run.status, run.error, model, provider, kb,
                    int(unit(repo.name, k, "w") * 8) + 1, wait=run.wait, stopped=run.stopped)

    def find(self, task_id: str, now: float) -> Flow | None:
        """The flow ``task_id`` among ``kept(now)`` (the rows psql lists), the first of them if two share it. Only
        the flow whose id matches is drawn: a task's id is a hash of (repo, k), so the counters find it and
        ``blocks flow show`` costs a walk, not every flow drawn."""
        if (t1 := self.series.t0 + 1.0) > now:
            return None
        hits = [self._flow(repo, k, start, began, now, failed=failed) for repo in self.signals.repos
                for k, start, began, failed in self._starts(repo, t1, now, now) if self._task_id(repo, k) == task_id]
        return min(hits, key=lambda f: (f.start, f.task_id), default=None)

    def flowengine_logs(self, t1: float, t2: float, born: float = -math.inf,
                        release: bool | None = None) -> list[tuple[float, str]]:
        """(scenario time, line) for the FlowEngine pods between t1 and t2 (a pod ``born`` then logs
        only the flows started since). A failure belongs to the release that produced it: a pod not on the scenario's
        bad release (``release`` False) logs none of that release's errors (``release_errors``: the flows failed as the
        rollout replaced its pods ran on the old ones) and its own client's 5xx share; None: every pod's (CloudWatch).
        The v1.1.0 pods of a rollback logged "schema_version 20251120_002 rejected" (redteam39 F2)."""
        lines: list[tuple[float, str]] = []
        theirs = self.release_errors if release is False else frozenset()
        t1 = max(t1, self.series.t0)        # nothing was logged before the world began (``--start-time 0``)
        if t1 > t2:                 # an empty window reads no counters (a --start-time far in the future)
            return lines
        # every flow that can end in the window, however long it waited for a slot (attack36: a flow started over
        # ten minutes before it was missing, though psql listed it as ended inside)
        # and the flows manual review held before it started, which it runs on once released
        for f in self.flows(max(min(born, self.signals.held_since(born)), self.series.t0), t2, t2, window=math.inf):
            if f.start < born and f.held is None:
                continue
            if f.held is not None and t1 <= f.held <= t2 and f.start >= born:
                lines.append((f.held, f"INFO worker-{f.worker} {f.task_id} flow {f.flow_type} awaiting review: plan "
                                      f"held for an operator (MANUAL_REVIEW_MODE) repo={f.repo} model={f.model}"))
            if f.status in ("running", "queued", HELD) and f.attempts == 1 or not t1 <= f.end <= t2:    # (a retry's
                continue                                                     # first run has ended)
            if f.error in theirs:
                continue
            if f.status == "failed" or f.attempts > 1:    # a retried flow's first run failed, whatever a retry did
                lines.append((f.end, f"ERROR worker-{f.worker} {f.task_id} {f.error}"))
            elif f.status == "cancelled":
                why = str(self.signals.interruption(f.end)).removeprefix("flow interrupted: ")
                lines.append((f.end, f"WARN worker-{f.worker} {f.task_id} flow {f.flow_type} cancelled: {why}"))
            else:
                lines.append((f.end, f"INFO worker-{f.worker} {f.task_id} flow {f.flow_type} succeeded "
                                     f"repo={f.repo} duration={f.duration:.1f}s "
                                     f"context_size_kb={f.context_kb:.0f} model={f.model}"))
        lines.extend((e.t, f"ERROR audit - {e.task_id} {e.event}: audit event not acknowledged by audit-shipper; "
                           "dropped") for e in self.audit_events(t1, t2) if e.pod is None)     # lost: no retry
        for r in self.signals.retries:      # each retry's run, logged when it ended, by the pod it ran on
            if t1 <= r.t + r.seconds <= t2 and r.t >= born and self.signals.running(r.t) and r.error not in theirs:
                by = f"worker-{int(unit(r.task_id, 'w') * 8) + 1} {r.task_id} retry"
                lines.append((r.t + r.seconds, f"INFO {by} succeeded repo={r.repo} duration={r.seconds:.1f}s" if r.ok
                              else f"ERROR {by} failed: {r.error}"))
        lines.extend(x for x in self._periodic(t1 - 4.0, t2, release) if t1 <= x[0] <= t2)   # a tick's trail it <= 4 s
        lines.sort(key=lambda x: x[0])
        return lines

    def _periodic(self, t1: float, t2: float, release: bool | None = None) -> Iterator[tuple[float, str]]:
        s, cluster = self.signals, self.cluster
        assert cluster is not None, "FlowEngine's periodic lines read the estate"
        armed, _, threshold = cluster.breaker() or (math.inf, 1.0, "")   # never armed: no breaker lines
        # each tick's lines once per world (a ``Signals``, one journal): ``kubectl logs`` read every tick since the pod
        # started at every call, each tick the quota, the routing and the answers of that moment
        with _LISTED_LOCK:
            memo = _TICKED.setdefault(s, {})
            if len(memo) > TICKS_KEPT:
                memo.clear()
        own = None
        for k in _ticks(t1, t2):
            if (lines := memo.get(key := (release, armed, threshold, k))) is None:
                # a pod's own client answers as its release does (``Signals.on_release``: all or none of it on the bad
                # one)
                own = own or (s if release is None or not self.release_errors else s.on_release(float(release)))
                lines = memo[key] = tuple(self._tick(own, k, armed, threshold))
            yield from lines

    def _tick(self, own: Signals, k: int, armed: float, threshold: str) -> Iterator[tuple[float, str]]:
        """FlowEngine's periodic lines at tick ``k`` (``_periodic``; ``own``: its pods' client's world)."""
        s, t, anthropic = self.signals, k * TICK, fleet.PROVIDERS[0]
        if (why := s.interruption(t)) is not None:     # scaled to zero: no pod logs; its TaskDB gone: it says so
            if why == DB_LOST:
                yield (t, "ERROR taskdb - cannot reach TaskDB postgres:5432: connection refused (no flow claimed)")
            return
        quota = s.quota(anthropic, t)
        if t >= armed:
            # the rule ``blocks circuit-breaker status`` follows
            state, spent = s.breaker_state(armed, t), s.spent(t)
            if state == "OPEN" and not spent and k % 2 == 0:
                yield (t, f"WARN breaker - Circuit breaker activated: holding retries of throttled calls above "
                          f"{threshold}% quota (new flows still run)")      # what its bends do (lead29-5)
            said = {"OPEN": f"quota exhausted: calls to {spent} fail fast" if spent else "holding retries",
                    "HALF_OPEN": "monitoring quota", "CLOSED": "quota under threshold"}
            yield (t + 0.5, f"INFO breaker - CircuitBreaker: {state} ({said[state]}) provider=anthropic "
                            f"quota_used={format_value(quota * 100, 'percent')}")
        if routed := s.routed_model(t):     # the simulator's routing rule, with the env in force at t
            yield (t + 1.0, f"INFO router - Model routing: Using fallback model: {routed[0]} "
                            f"({s.route_reason(t)})")
        share_5xx, called = own.share_5xx(anthropic, t), s.request_rate(anthropic, t) > 0.0   # calls made to it
        if share_5xx > 0.05 and called:
            yield (t + 2.0, f"WARN model-client - model API 5xx from {self._5xx_source}: {share_5xx * 100:.0f}% "
                            f"of calls failing ({self._5xx_code})")
        for share, why, names in s.strands(t):     # the flows no provider answers, as ``Signals.strands`` fails them
            models = ", ".join(p.model for p in fleet.PROVIDERS if p.name in names)
            yield (t + 2.5, f"ERROR model-client - {why}: flows on {models} fail ({share * 100:.0f}% of flows)")
        if s.share_429(anthropic, t) > 0.05 and called:
            yield (t + 3.0, f"WARN model-client - rate limit exceeded: anthropic 429 Too Many Requests "
                            f"(quota {format_value(quota * 100, 'percent')} used)")

    def audit_logs(self, t1: float, t2: float, created: float = -math.inf, rank: int = 0) -> list[tuple[float, str]]:
        """The lines of the audit-shipper pod started at ``created`` (the ``rank``-th of the pods started then):
        connecting as it starts, then at each tick the batch of the events sent to it since the last one
        (``audit_events``: what audit_logs holds), none when no event came (FlowEngine stopped, no flow ran). When a
        stall catches it (``Signals.audit_stuck``: it was running when the stall began) one line at its first tick says
        it failed and gave up, then nothing: it stopped retrying (the scenario's root cause) and drops what it gets. The
        store dropped its session (the rotation's end closes the old sessions); its secret is right, so a new process
        connects and ships: what a restart mends (redteam44 A1: the line blamed a wrong password). A pod on a
        credential the store no longer takes (a rollback past the rotation, ``Signals.audit_refused``) fails its login
        as it starts and at every try after, and ships nothing."""
        s, lines, pod = self.signals, [], (created, rank)
        if t1 > t2:                 # an empty window reads no counters (a --start-time far in the future)
            return lines
        if s.audit_refused(created):
            tries = [created + 2, *(k * TICK for k in _ticks(max(t1, created + 2), t2) if k * TICK > created + 2)]
            return [(t, f"ERROR shipper - {REFUSED_LINE}") for t in tries if t1 <= t <= t2]
        self._trail(t2, t1 - TICK)      # every tick's batch read off one walk of the flows
        if t1 <= created + 2 <= t2:
            lines.append((created + 2, "INFO shipper - connected to audit-store:5432 as audit_writer; shipping"))
        for t in (k * TICK for k in _ticks(max(t1, created, self.series.t0), t2)):
            if s.audit_stuck(created, before := math.nextafter(t, -math.inf)):    # a stall at the tick spares its batch
                since = min(o for o in s.onsets if created < o <= before)
                if t - TICK <= since:      # the first tick after the stall began: it failed its writes and gave up
                    lines.append((t, f"ERROR shipper - {STALL_LINE}"))
            elif n := sum(e.pod == pod for e in self.audit_events(t - TICK, t)):
                lines.append((t, f"INFO shipper - shipped batch of {n} event{'' if n == 1 else 's'} to audit-store"))
        return lines

    def audit_events(self, t1: float, t2: float) -> list[AuditEvent]:
        """The audit events FlowEngine wrote in (t1, t2], by time: each flow's run beginning and ending (``kept``) and
        each retry's run ending, shipped or lost as ``Signals.audit_route`` sends them. The one stream audit_logs' rows,
        the shipper's batches, FlowEngine's errors and the gap pane (``audit_last``) are read from: one walk of the
        flows per world, extended as later moments are asked about."""
        trail = self._trail(t2, t1)
        lo, hi = (bisect.bisect_right(trail.events, t, key=lambda e: e.t) for t in (t1, t2))
        return trail.events[lo:hi]

    def audit_last(self, t: float) -> float:
        """When the last audit event at or before ``t`` reached the audit log (the world's first moment if none did):
        ``max(created_at)`` of audit_logs, what FlowEngine exports for the gap pane. Looked for back from ``t``, ten
        minutes, then four times further each time none shipped: a fresh process (a CLI command at hour 5) walks the
        flows of the gap, not of the world's whole life (``test_history_memo``)."""
        back = AUDIT_LOOK
        while True:
            trail = self._trail(t, t - back)
            if i := bisect.bisect_right(trail.shipped, t):
                return trail.shipped[i - 1]
            if trail.begin <= self.series.t0:
                return self.series.t0
            back *= 4

    def _trail(self, t: float, begin: float) -> _Trail:
        """This world's audit events after ``begin`` and up to ``t``: those since the last moment asked about walked and
        routed once. A trail begun after ``begin`` is walked again from it (a store's question: from the world's first
        moment); a new one begun after that moment starts with the flows that may still write then: those that arrived
        by it and run or wait on (``_since``: a run lasts ``HARD_TIMEOUT`` at most, a wait as long as the queue holds, a
        plan held for review until manual review is switched off: ``held_since``)."""
        t0 = self.series.t0
        b = max(t0, begin)
        if (trail := _TRAILS.get(self.signals)) is None or b < trail.begin:
            since = t0 if b == t0 else min(self._since(b - fleet.HARD_TIMEOUT, b), self.signals.held_since(b))
            trail = _TRAILS[self.signals] = _Trail(b, b, since)
        return self._walked(trail, t)

    def _runs(self, t1: float, t2: float, now: float) -> Iterator[Run]:
        """The runs of ``flows(t1, t2, now, window=math.inf)`` (``Run``: the trail reads no model, provider nor bundle,
        so it draws none), repo by repo: the trail sorts its events itself."""
        t1 = max(t1, self.series.t0 + 1.0)
        if t1 > t2:
            return
        for repo in self.signals.repos:
            for k, start, began, failed in self._starts(repo, t1, t2, now):
                yield self._run(repo, k, start, began, now, failed=failed)

    def _walked(self, trail: _Trail, t: float) -> _Trail:
        """``trail`` extended to ``t``."""
        if t <= trail.upto:
            return trail
        new, since = [], t
        # those with an event since ``upto``: listed from a second before the oldest still running then, as a window
        # that begins at a flow's own start can miss it (its count there a hair past it: the end of a flow running at
        # one moment asked was lost when a later one was, so the gauge's history depended on what was asked before)
        for f in self._runs(trail.since - 1.0, t, t):
            runs = [] if f.status == "queued" else [(f.began, "flow.started")]
            if f.attempts > 1 or f.status not in ("running", "queued", HELD):   # its first run ended (retried: failed)
                runs.append((f.end, "flow.failed" if f.attempts > 1 else f"flow.{f.status}"))
            elif f.status != HELD or self.signals.released(f.began) < math.inf:   # held for good: no event
                since = min(since, f.start)
            new += [(e, f.task_id, event, event) for e, event in runs if trail.upto < e]
        tried: dict[str, int] = {}
        for r in self.signals.retries:          # each retry's run, when it ended (none with no FlowEngine to run it)
            n = tried[r.task_id] = tried.get(r.task_id, 0) + 1
            if trail.upto < (e := r.t + r.seconds) <= t and self.signals.running(r.t):
                event = "flow.succeeded" if r.ok else "flow.failed"
                new.append((e, r.task_id, event, f"{event}:{n}"))
        for e, task_id, event, key in sorted(new):
            pod = self.signals.audit_route(e, f"{task_id}:{key}")
            batch = math.nextafter(math.ceil(e / TICK) * TICK, -math.inf)     # its batch (a stall at it spares it)
            if pod is not None and self.signals.audit_stuck(pod[0], batch):
                pod = None      # its batch goes at the next tick, after the stall began: lost with it (redteam44 A4)
            trail.events.append(AuditEvent(e, task_id, event, pod))
            if pod is not None:
                trail.shipped.append(e)
        trail.upto, trail.since = t, since
        return trail


def adopt(old: Signals, new: Signals, since: float) -> None:
    """Give world ``new`` the flows ``old`` drew that nothing from ``since`` on can change, as ``Series.adopt`` gives it
    the rows before: a draw reads the world from its run's beginning to its end at most ``HARD_TIMEOUT`` later
    (``_draw``, ``Signals.run``), and an action changes it only from when it was taken. Each action recorded drew
    every flow of the drill's hours again (the report's worlds without one action each too)."""
    for memo in (_DRAWN, _TIMED):
        if drawn := memo.get(old):
            memo.setdefault(new, {}).update((k, f) for k, f in drawn.items() if k[3] + fleet.HARD_TIMEOUT < since)


def pruned(kb: float, cap: float, u: float) -> float:
    """A bundle of ``kb`` pruned to ``cap`` KB (``Signals.context_cap``): what is left lands within 4 KB under it."""
    return min(kb, cap - 4.0 + 4.0 * u)


def _ticks(t1: float, t2: float) -> range:
    """The 30 s ticks periodic log lines are written at in [t1, t2], every one (a window of many hours once lost its
    first ticks' lines: the 429 warnings of an incident's start, attack36)."""
    return range(math.ceil(t1 / TICK), math.floor(t2 / TICK) + 1)


def _pick(weighted: tuple[tuple[str, float], ...], u: float) -> str:
    """The name whose share of the running sum ``u`` falls in (the last one past the end). The running sums of each
    ``weighted`` are summed once (``_RUNNING``: a handful of tuples, the flow types' and the providers' shares), in
    the same order, so the same bits: every flow drawn summed them twice again."""
    if (running := _RUNNING.get(weighted)) is None:
        running = _RUNNING[weighted] = tuple(zip((name for name, _ in weighted), accumulate(w for _, w in weighted)))
    return next((name for name, acc in running if u < acc), weighted[-1][0])


def iso(ts: float) -> str:
    """RFC 3339 with milliseconds, as Kubernetes and FlowEngine print it."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
