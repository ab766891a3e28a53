"""The drill world's instantaneous signals: pure functions of scenario time and recorded actions.

``Signals(scenario, actions)`` answers "at scenario second t, how many flows per second does repo X
start, what share fail, how long do they take, how full is each quota, what share of API calls get a
5xx, which audit events reach the audit log". Counters, panes and stand-in output all derive from these, so
the drill is deterministic: no random state, no wall clock. Noise is a smooth hash-based wiggle
keyed by the scenario name, so sparklines look alive and two runs draw the same lines.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar

from warroom.drill import fleet
from warroom.drill.actions import BY_POD, RETRIES, Action
from warroom.drill.autoscale import Capacity
from warroom.drill.queue import DEFAULT, Queue
from warroom.drill.cluster import (DAY, KNOBS, NODE_OPS, PLAN_SHARE, PLAN_WORDS, ROUTING_KEYS, Cluster, Replay,
                                   breaker_limit, build_cluster, cap, disabled, dose, fallback_of, initial_cluster,
                                   moved_primary, plan_only, refused, route_of, sink_lost, switched_on, threshold,
                                   tried_first)
from warroom.drill.scenarios import Mitigation, Scenario
from warroom.units import format_value

# A rule of the repository, not of the run: a retry generates again and meets it again (redteam43 R8)
PUSH_REJECTED = "git push rejected: branch protection requires review"
BACKGROUND_ERRORS: tuple[str, ...] = (
    "quality gate failed: 4/5 passed (lint: 3 errors)",     # generated output: a retry generates anew
    "validation failed: generated plan missing required section 'tests'",
    PUSH_REJECTED,
)
KILLED = "timeout exceeded: flow killed at the 180s hard limit"    # a flow still running at the timeout
BUNDLES_DENIED = (f"context bundle write failed: AccessDenied: flowengine-sa is not authorized to perform s3:PutObject "
                  f"on arn:aws:s3:::{fleet.CONTEXT_BUCKET} with an explicit deny in an identity-based policy")
FAIL_FAST = (0.4, 0.48)  # a flow failing before its end (not killed): log-normal, median this share of a flow's, sigma
INTERRUPTED = "flow interrupted: FlowEngine pod terminated (SIGTERM)"   # a failing flow in flight at a stop
DB_LOST = "flow interrupted: TaskDB unreachable (postgres:5432: connection refused)"    # at its TaskDB's outage
STOP_DELAY = 10.0        # pods terminate this long after `kubectl scale --replicas=0` (ready again: ``_ready_at``)
PILOT_DELAY = 30.0       # the allowlist change reaches every replica
ENV_DELAY = 30.0         # an env change is what FlowEngine runs with this long after it is made (the rollout)
NOTICEABLE = 0.05        # a share of calls failing one way that logs a warning and routes calls away
DAY_SWING, BUSIEST = 0.8, 8 * 3600.0     # the healthy token rate: +-80% over a day, highest 8 h after a reset
LOOK_AHEAD = 120         # scrapes ``exhausted`` reads the quota ahead of the one asked (half an hour)
SPEND = 15.0             # the quota the faults burn is summed per scrape step (a reset falls on a step's end)
BREAKER_OPEN = 60.0      # a tripped circuit breaker stays OPEN this long, then goes HALF_OPEN
OFF = "_off"             # ``<action>_off`` undoes a mitigation (``circuit_breaker_off``)
BREAKER = "circuit_breaker"     # FlowEngine's: it holds the retries of throttled calls (``Signals.holding``)
HELD_BY_BREAKER = "held by the circuit breaker, not sent again"     # a throttled call tried once (``holding``)
RESTART = "restart"       # what every rollout of FlowEngine's pods does (``Signals.first``)
REVIEW = "manual_review"    # MANUAL_REVIEW_MODE: every new flow's plan waits for an operator (``reviewing``)
DB = "postgres"           # the deployment of FlowEngine's TaskDB (``Signals.task_store``)
_T = TypeVar("_T")
VENDOR_OWN = frozenset(f"api_5xx:{p}" for p in fleet.PROVIDER_NAMES)    # read unbent: ``Signals.impact``
ROUTING = (*ROUTING_KEYS, "FALLBACK_ON_5XX")      # the env keys that route calls: without any, ``route`` the default
REFUSALS = frozenset(f"api_429:{p}" for p in fleet.PROVIDER_NAMES)      # read without the routing bend: ``answers``
SEARCHES_KEPT = 32      # the breaker searches a process keeps (``_searches``): a drill's worlds and its what-ifs
_PROVIDER = {p.name: p for p in fleet.PROVIDERS}        # each provider by its name
_REQUESTS = tuple(p.requests_per_second for p in fleet.PROVIDERS)     # their healthy calls a second (``_requests``)


class Retry(NamedTuple):
    """One task run again (``blocks flow retry``): a new execution of ``repo`` at ``t``, failing again
    unless ``ok``, observed at ``seconds`` in the duration histogram, as FlowEngine counts any run."""

    t: float
    task_id: str
    repo: str
    ok: bool
    seconds: float
    error: str
    kb: float | None = None     # the bundle it ran with (pruned or not; None: recorded before retries said it)


def quota_reset(t: float, after: bool = True) -> float:
    """The providers' daily quota reset: the first after scenario second ``t``, or (``after`` False)
    the last at or before it (before ``fleet.QUOTA_RESET``, one a day earlier)."""
    return fleet.QUOTA_RESET + DAY * (math.floor((t - fleet.QUOTA_RESET) / DAY) + (1 if after else 0))


def _day_raw(x: float) -> float:
    """The healthy calls' token use summed up to scenario second ``x``, in seconds of their mean rate (``day_use``)."""
    return x + DAY_SWING * DAY / (2 * math.pi) * math.sin(2 * math.pi * (x - fleet.QUOTA_RESET - BUSIEST) / DAY)


_DAY_BEFORE = _day_raw(0.0) - _day_raw(fleet.QUOTA_RESET - DAY)     # from the last reset before the drill to its start


def day_use(t: float) -> float:
    """The healthy calls' token use summed up to scenario second ``t``, in what they spent from the last reset before
    the drill to its start (each provider's ``quota_used``): busiest ``BUSIEST`` s after a reset, quiet before one."""
    return _day_raw(t) / _DAY_BEFORE


def unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for these parts."""
    return (zlib.crc32(":".join(str(p) for p in parts).encode()) % 1_000_003) / 1_000_003


@functools.lru_cache(maxsize=1 << 12)     # a poll needs a few hundred; 4096 keeps it under ~1 MB
def _knot(key: str, k: int) -> float:
    return zlib.crc32(f"{key}:{k}".encode()) / 2147483647.5 - 1.0


class Wiggle:
    """Smooth deterministic noise in [-1, 1] of one key: hashed knots every ``period`` s (``_knot``), cosine-blended.

    A world asks each of its keys row after row, so the knots of the interval ``t`` falls in are kept (a row's is
    nearly always the last row's) and the key's string is made once: formatting and hashing it at every call was a
    tenth of the integration's CPU (~25 wiggles a row). The knots are a pure function of (key, interval)."""

    __slots__ = ("key", "period", "_knots")

    def __init__(self, key: str, period: float = 90.0) -> None:
        self.key, self.period = key, period
        self._knots: tuple[int | None, float, float] = (None, 0.0, 0.0)     # (k, knot k, knot k + 1): none yet

    def __call__(self, t: float) -> float:
        k = math.floor(x := t / self.period)       # (``x``: the one division, once)
        w = (1.0 - math.cos(math.pi * (x - k))) / 2.0
        j, a, b = self._knots       # one tuple, written whole: a reader never sees half of a pair
        if j != k:
            a, b = _knot(self.key, k), _knot(self.key, k + 1)
            self._knots = (k, a, b)
        return a + (b - a) * w


class Wiggles(dict[str, Wiggle]):
    """The ``Wiggle`` of each name under one prefix (``<seed>:exec``: a repo's), made when first asked."""

    def __init__(self, prefix: str, period: float) -> None:
        super().__init__()
        self.prefix, self.period = prefix, period

    def __missing__(self, name: str) -> Wiggle:
        made = self[name] = Wiggle(f"{self.prefix}:{name}", self.period)
        return made


_SQRT2 = math.sqrt(2.0)     # ``lognormal_cdf`` asks it a few hundred thousand times a drill hour: the same double


def lognormal_cdf(x: float, median: float, sigma: float = fleet.LATENCY_SIGMA) -> float:
    return 0.5 * math.erfc(-math.log(x / median) / (sigma * _SQRT2)) if x > 0.0 else 0.0


def flow_seconds(median: float, u: float, outcome: str, floor: float = 2.0) -> float:
    """How long a flow ending ``outcome`` ran, from its stable ``u`` in [0, 1): "ok" its log-normal under the timeout
    (or it would be "killed" then), "fast" (failing otherwise) the shorter one of ``FAIL_FAST``, ``floor`` s at least.
    ``Activity`` draws each flow so and the duration histogram counts by this law (``durations``): its P95 is the flows'
    (redteam29-5)."""
    if outcome == "killed":
        return fleet.HARD_TIMEOUT
    from statistics import NormalDist      # here: statistics (random, fractions) is ~3 ms of every stand-in start

    ok = outcome == "ok"
    mid, sigma = (median, fleet.LATENCY_SIGMA) if ok else (median * FAIL_FAST[0], FAIL_FAST[1])
    x = mid * math.exp(sigma * NormalDist().inv_cdf(min(max(u * (lognormal_cdf(fleet.HARD_TIMEOUT, median) if ok else 1.0),
                                                           1e-6), 1 - 1e-6)))
    return min(fleet.HARD_TIMEOUT, x if ok else max(floor, x))


def durations(median: float, bounds: tuple[float, ...], ok: float, fast: float, killed: float,
              late: tuple[tuple[float, float], ...] = ()) -> list[float]:
    """The duration histogram of ``ok``, ``fast`` and ``killed`` flows (per second) by ``flow_seconds``' law: how many ran
    at most each of ``bounds`` s, then their count and the sum of their seconds (a fast one's min(T, max(F, Y)), F 2 s
    or for the ``late`` (rate, F) of them the floor they waited, is T - E(T - Y)+ + E(F - Y)+, with E(a - Y)+ =
    a P(Y <= a) less the mean of the Y under a)."""
    s, timeout, (share, sigma) = fleet.LATENCY_SIGMA, fleet.HARD_TIMEOUT, FAIL_FAST
    below, mid = max(lognormal_cdf(timeout, median), 1e-300), median * share
    classes = ((fast - sum(r for r, _ in late), 2.0), *late)

    def short(a: float) -> float:
        return a * lognormal_cdf(a, mid, sigma) - mid * math.exp(sigma * sigma / 2.0) * lognormal_cdf(a, mid * math.exp(sigma * sigma), sigma)
    # each bound's two ``lognormal_cdf`` written out (the same expression: a row's histogram asked ~35 calls of it),
    # the fast flows' one law read once for all their classes
    erfc, log, spread, spread_fast, out = math.erfc, math.log, s * _SQRT2, sigma * _SQRT2, []
    for b in bounds:
        if b >= timeout:
            out.append(ok + fast + killed)
            continue
        slow = 0.5 * erfc(-log(b / median) / spread) if b > 0.0 else 0.0
        quick = 0.5 * erfc(-log(b / mid) / spread_fast) if b > 0.0 else 0.0
        out.append(ok * slow / below + sum([r * quick for r, floor in classes if b >= floor]))
    return out + [ok + fast + killed, ok * median * math.exp(s * s / 2.0) * lognormal_cdf(timeout, median * math.exp(s * s)) / below
                  + sum(r * (timeout - short(timeout) + short(floor)) for r, floor in classes) + killed * timeout]


def call_law(share: float, attempts: int, calls: int = fleet.CALLS_PER_FLOW, held: float = 0.0) -> tuple[float, float]:
    """(the share of flows that fail, the requests each call makes) when each attempt of a call is answered with
    what FlowEngine tries again (429, 5xx) with ``share``: a call fails when all its ``attempts`` do (share ** A), a flow
    when any of its ``calls`` does, 1 - (1 - share ** A) ** n; a call makes 1 + share + ... + share ** (A - 1) requests.
    ``held``: the part of ``share`` not sent again (a 429 the circuit breaker holds, ``Signals.holding``): a call is
    sent again only after the rest, so it makes sum((share - held) ** k) requests and gets through (1 - share) of them.

    The one law of a provider's failing answers: a fault declares only the share (``api_429``/``api_5xx``), the flows'
    failures (``Signals.failing``), the request counters (``request_rate``) and a retry's run (``blocks.drawn``) follow.
    Attempts fail independently, not as one: the share is what the counters measure, per request (each attempt is
    one), and nothing in the drill is finer than its 5 s grid to tie one call's attempts together. In rate-limit's
    story (retried at once, no back-off) the price of retrying at once is the requests it adds (the request rate
    rises by 1 + s + s ** 2) and the quota its storm burns. What ``retry.max_attempts`` does depends on the answer:
    a 5xx outage's share stays, so more attempts fail fewer calls; a throttle's share rises with the attempts
    (``Signals.share_429``: a capacity lets as many calls through however often they are tried)."""
    sent = sum((share - held) ** k for k in range(attempts))
    return 1.0 - ((1.0 - share) * sent if held else 1.0 - share ** attempts) ** calls, sent


class _Bend(NamedTuple):
    """A mitigation acting on a fault: from each ``(when, target)`` of ``steps`` the multiplier of the fault's
    strength relaxes from where it stood towards ``target`` with time constant ``tau`` (its action taken:
    ``factor`` as hard as the knob's value makes it, ``dose``; its knob set back or switched off: 1)."""

    steps: tuple[tuple[float, float], ...]
    tau: float
    routes: bool = False        # a routing change's: a provider's fault fails flows by ``reach`` instead
    holds: bool = False         # the circuit breaker's: it bends the retries of throttled calls, not the fault

    def goal(self, t: float) -> float:
        """Where the bend heads at ``t``: the target of its last step taken by then (1 before the first)."""
        return next((target for when, target in reversed(self.steps) if when <= t), 1.0)

    def at(self, t: float) -> float:
        level, since, goal = 1.0, -math.inf, 1.0
        for when, target in (s for s in self.steps if s[0] <= t):
            level = level if since == -math.inf else goal + (level - goal) * math.exp(-(when - since) / self.tau)
            since, goal = when, target
        return level if since == -math.inf else goal + (level - goal) * math.exp(-(t - since) / self.tau)


#: The breaker searches of this process (``Signals._breaker_flips``), by everything a search reads (``_search_key``):
#: each its scenario and a copy of its last probe as the search left it (``_burnt_copy``). A rate-limit world with the
#: breaker taken sums hours of quota to find its flips (~0.3 s); a drill's report asks for its what-ifs again.
_searches: OrderedDict[tuple[object, ...], tuple[Scenario, Signals]] = OrderedDict()
_searches_lock = threading.Lock()


class Signals:
    """Instantaneous values of the drill world for one scenario and one set of actions."""

    _held: Callable[[float], float] | None = None   # a what-if's share of pods on the bad release (``on_release``)

    def __init__(self, scenario: Scenario, actions: Iterable[Action] = (), flips: tuple[float, ...] | None = None,
                 ids: str | None = None, follows: tuple[Signals, float] | None = None) -> None:
        """``follows``: the world this one is built after and the first moment their actions differ (``adopt``)."""
        self.scenario = scenario
        self.ids = ids or scenario.name       # what its flows' task ids are drawn from (``Drill.ids``): a drill's own
        self._follows = follows
        self.actions: tuple[Action, ...] = tuple(sorted(actions, key=lambda a: a.t))
        self._seed = seed = scenario.name
        # the world's wiggles (``Wiggle``): its exec, fail, req and 5xx ones by repo or provider
        self._wiggle_exec, self._wiggle_fail = Wiggles(f"{seed}:exec", 120.0), Wiggles(f"{seed}:fail", 200.0)
        self._wiggle_req, self._wiggle_5xx = Wiggles(f"{seed}:req", 60.0), Wiggles(f"{seed}:5xx", 100.0)
        self._wiggle_lat, self._wiggle_cpu = Wiggle(f"{seed}:lat", 150.0), Wiggle(f"{seed}:cpu", 60.0)
        self._wiggle_ctx = Wiggle(f"{seed}:ctx")
        self._flips, self._overs = flips, dict[int, bool]()    # the breaker's flips (``_breaker_flips``), its reads
        # FlowEngine's slots count flow by flow (``Series.schedule``) from the first cap acting, or from this moment if
        # sooner: a world compared with one that has a cap (the drill report's "without it") counts as that one does
        self.slots_from = math.inf
        self._spent_at: dict[tuple[str, int], bool] = {}    # ``exhausted``'s answer at each scrape asked
        self._levels: dict[tuple[str, int], float] = {}     # the quota at each scrape read (``_level``)
        # per (provider, day's reset): [the last scrape known not full, the first known full] (``exhausted``)
        self._full_from: dict[tuple[str, float], list[int]] = {}
        self.onsets = [f.onset for f in scenario.faults]
        # each fault's throttling provider, None: no throttle (``raw_strength``: its 429s follow that quota)
        self._throttles = [next((k[8:] for k in f.impacts if k.startswith("api_429:") and not k.endswith("*")), None)
                           for f in scenario.faults]
        # the estate's repos and those the story onboards (none before its ``since``), whose flows alone the faults
        # marked ``onboarded`` hit: their bundles and time (redteam44 T1: every repo was bloated alike), and
        # so the calls a latency threshold moves (``slow_share``, which the bends read)
        self.repos = fleet.REPOS + tuple(fleet.Repo(o.name, o.flows_per_hour) for o in scenario.onboarded)
        self._since = {o.name: o.since for o in scenario.onboarded}
        self._only_new = frozenset(i for i, f in enumerate(scenario.faults) if f.onboarded)
        pilot = self.first("rollback_to_pilot")
        self._pilot_only = None if pilot is None else pilot + PILOT_DELAY
        # the faults whose requests the quota counts (``_storm_from``): a batch job's calls, a provider's throttle (the
        # retries of its 429s), bundles that make every call heavier (``context_kb``: its tokens grow with them)
        self._storm = [(i, f) for i, f in enumerate(scenario.faults) if self._throttles[i] or "context_kb" in f.impacts
                       or any(k.startswith("calls:") for k in f.impacts)]
        # the quota burnt: prefix sums per provider from a step at or before the first burn (``_spent``)
        self._first = min((self.onsets[i] for i, _ in self._storm), default=0.0)
        self._k0 = math.floor(max(self._first, -DAY) / SPEND)
        self._sums: list[list[float]] = []
        self._shared: list[tuple[int, int]] = []     # the blocks of ``_sums`` that share a burn out (``adopt``)
        self._impact_keys: dict[tuple[str, str], tuple[tuple[str, bool], ...]] = {}     # ``impact``'s, made once
        self._faults = range(len(scenario.faults))
        self._amounts: dict[str, tuple[float, ...]] = {}        # ``_fail_amounts``
        self._tokens: dict[tuple[int, str], float] = {}         # ``_used``: each stretch's tokens a provider counts
        # one bend per stretch a mitigation was on; its start and its end act after the same delay
        self._bends: list[list[_Bend]] = [
            [_Bend(self._steps(m, on, off, i), max(m.tau, 1e-6), m.action == "fallback_routing", m.action == BREAKER)
             for m in f.mitigations
             if m.action not in BY_POD for on, off in self.stretches(m)] for i, f in enumerate(scenario.faults)]
        self._holds = [b for bs in self._bends for b in bs if b.holds]     # the breaker's (``holding``)
        # the provider whose answers each fault is (``api_5xx:<p>``, ``api_429:<p>``; None: no one provider's): ``reach``
        self._vendor = [next((k.split(":")[1] for k in f.impacts if k.startswith(("api_5xx:", "api_429:")) and not k.endswith("*")),
                             None) for f in scenario.faults]
        self._release = [[(m.action, m.factor) for m in f.mitigations if m.action in BY_POD] for f in scenario.faults]
        self._stalls = [i for i, f in enumerate(scenario.faults) if "audit_stall" in f.impacts]
        # (from when, FlowEngine running?): its pods stop a while after the command and run again from the first one
        # ready (``_ready_at``: none while none can be placed; a stop before then cancels it, a start before a stop's
        # pods are gone keeps them running); it admits no new flow from the stop on until then (``_admit``)
        engine: list[tuple[float, bool]] = []
        admit: list[tuple[float, bool]] = []
        replay: Replay | None = None        # the estate after each start, replayed once (``_ready_at``)
        for k, a in enumerate(self.actions):
            if a.action == "flowengine_stop":
                engine = [e for e in engine if e[0] <= a.t] + [(a.t + STOP_DELAY, False)]
                admit = [e for e in admit if e[0] <= a.t] + [(a.t, False)]
            elif a.action == "flowengine_start" and (w := self._ready_at(
                    k, replay := replay or Replay(scenario, self.actions))) < math.inf:
                engine = [e for e in engine if e[0] < w or e[1]] + [(w, True)]
                admit.append((w, True))
        self._engine = engine = sorted(engine)
        # FlowEngine runs flows while its TaskDB answers: its changes alone (a drain elsewhere moves no edge)
        db = [(w, bool(pods)) for w, pods in self._ready_pods(DB)]
        self._db = [e for k, e in enumerate(db) if k == 0 or e[1] != db[k - 1][1]]
        self._running = [(w, self._at(engine, w) and self._at(self._db, w)) for w, _ in sorted(engine + self._db)]
        # (none from the scale to zero on, every pod Terminating: redteam49 F7, a flow started 1.2 s after it; the
        # flows in flight run on until the pods stop: ``running``)
        self._admit = sorted(admit)
        self.admission_edges = tuple(sorted({w for w, _ in self._admit + self._db}))    # where ``admits`` may change
        self._memo: dict[object, tuple[float, Any]] = {}       # the last answer of each curve asked twice at a t
        self._terms = {k: [(i, f.impacts[k]) for i, f in enumerate(scenario.faults) if k in f.impacts] for g in scenario.faults for k in g.impacts}
        # a retry names its task's repo; one recorded before retries did (no repo) counts nowhere
        self.retries = tuple(Retry(a.t, str(a.detail.get("task_id")), str(a.detail["repo"]), bool(a.detail.get("ok")),
                                   float(a.detail.get("seconds") or 0.0), str(a.detail.get("error") or ""),
                                   a.detail.get("kb"))
                             for a in self.actions if a.action in RETRIES and a.detail.get("repo"))
        if follows is not None:     # after the breaker's flips: its last probe may have burnt further
            self.adopt(*follows)
        self._follows = None        # the world it follows is not kept alive by this one

    def retried(self, key: tuple[str, ...], t: float) -> float:
        """What the retries up to ``t`` add to ``Series`` counter ``key``: a retry runs only its own task again, so
        it moves the counters by that one run and bends no fault (the flows it did not retry still failed). Each
        counter moves when the TaskDB's row says it happened: the run as it begins, its failure and its duration as
        it ends (redteam49 F6: a failure counted at its start breached the SLO pane while psql said running)."""
        if not self.retries:        # none (nearly every world): nothing added to any counter
            return 0.0
        each: dict[str, Callable[[Retry], float]] = {
            "exec": lambda r: r.repo == key[-1], "fail": lambda r: r.repo == key[-1] and not r.ok,
            "bucket": lambda r: r.seconds <= float(key[-1]), "count": lambda r: 1.0, "sum": lambda r: r.seconds}
        if key[0] not in each:
            return 0.0
        ends = key[0] != "exec"
        return float(sum(each[key[0]](r) for r in self.retries if r.t + r.seconds * ends <= t))

    @functools.cached_property
    def capacity(self) -> Capacity:
        """FlowEngine's running pods over time, as its autoscaler keeps them (``autoscale``)."""
        return Capacity(self.scenario, self.actions, self.cpu)

    @functools.cached_property
    def queue(self) -> Queue:
        """FlowEngine's flows waiting for a slot under MAX_CONCURRENT_FLOWS (``queue``), from each revision with a cap
        under its default acting (``ENV_DELAY``)."""
        caps = [at + ENV_DELAY for at, env in self.cluster.flowengine.ran if cap(env) < DEFAULT]
        changes = [*self.slot_changes(), *([] if self._pilot_only is None else [self._pilot_only])]   # ``offered`` too
        return Queue(caps, self.offered, self.hold, self.slots, changes)

    def offered(self, t: float) -> float:
        """The flows asked for a second at ``t``, all repos (``exec_rate`` without its wiggle): the intensity the queue's
        law takes, a mean-value law (its waiting flows, each repo's, are the counts ``Series`` integrates). It reads
        whether FlowEngine runs, not its pod count: the autoscaler's loop stays as far as the panes ask it."""
        return sum(r.rate for r in self.repos if (r.pilot or not self.pilot_only(t)) and self.came(r, t)) \
            if self.admits(t) else 0.0

    def came(self, repo: fleet.Repo, t: float) -> bool:
        """Whether ``repo`` runs flows by ``t``: an onboarded one from its ``since``, the estate's always."""
        return t >= self._since.get(repo.name, -math.inf)

    def new_share(self, t: float) -> float:
        """The share of the flows asked for at ``t`` that are the onboarded repos' (``offered``'s, no wiggle)."""
        rates = [(r.rate, r.name in self._since) for r in self.repos if self.came(r, t)]
        return sum(rate for rate, new in rates if new) / sum(rate for rate, _ in rates)

    def slots(self, t: float) -> int:
        """How many flows FlowEngine begins at once at ``t``: its env's cap, none once it is told to stop (``offered``;
        the runs in flight end at their pace or as its pods stop)."""
        return cap(self.env(t)) if self.admits(t) else 0

    def slot_changes(self) -> list[float]:
        """The moments ``slots`` may change: a revision's env acting, FlowEngine told to stop, its pods starting."""
        return sorted({*(at + ENV_DELAY for at, _ in self.cluster.flowengine.ran), *(w for w, _ in self._running),
                       *self.admission_edges})

    def hold(self, t: float) -> float:
        """The mean seconds a flow started at ``t`` runs, so holds its slot: E min(X, timeout) of its log-normal run at the
        work's latency without its wiggle. Not slowed by contention, which follows the work offered, not the flows the
        cap lets run; a flow failing early counts as one that does not (the queue reads no quota, which reads it)."""
        m, s, cut = self.impact("latency", t) + fleet.LATENCY_MEDIAN, fleet.LATENCY_SIGMA, fleet.HARD_TIMEOUT
        return m * math.exp(s * s / 2.0) * lognormal_cdf(cut, m * math.exp(s * s)) + cut * (1.0 - lognormal_cdf(cut, m))

    @functools.cached_property
    def cluster(self) -> Cluster:
        """The estate after every recorded operation: its revision history says which env was in force when."""
        return build_cluster(self.scenario, self.actions)

    def first(self, kind: str, after: float = -math.inf) -> float | None:
        """When ``kind`` was first taken at or after ``after``; a ``restart`` at every rollout of FlowEngine's pods."""
        taken = (a.t for a in self.actions if a.action == kind and a.t >= after)
        return min(taken, default=None) if kind != RESTART else min((*taken, *(t for t in self._rollouts if t >= after)),
                                                                    default=None)

    @functools.cached_property
    def _rollouts(self) -> tuple[float, ...]:
        """When a rollout replaced FlowEngine's pods in the drill. Any change to its pod template (``set env``, ``set
        image``, an undo, a restart) is one, and Kubernetes restarts every pod for it: what a scenario says a ``restart``
        does (clear a client's stuck connections) follows each, not only the command named so (redteam39 F13: the
        ``set env DB_POOL_SIZE=100`` that made revision 8 and new pods left the stuck connections). A rollout off the bad
        release is its rollback: the pods it starts hold none of that code and those it has yet to replace restarted
        nothing, so the fault follows the pods alone (``bent``). One that stalled (its pods never ready) or went back
        onto the pods it left serving (``Revision.stalls``, ``pods_at``) replaced none."""
        fe, bad = self.cluster.flowengine, self.cluster.bad_release
        image = {r.template_hash: r.image for r in fe.history}
        kept = {(r.at, r.template_hash) for r in fe.history if r.stalls or r.pods_at is not None}
        return tuple(t for t, was, now in fe.rollouts[len(initial_cluster(self.scenario).flowengine.rollouts):]
                     if not (was in image and now in image and bad(image[was]) and not bad(image[now]))
                     and (t, now) not in kept)

    def in_force(self, kind: str, t: float, delay: float = 0.0) -> bool:
        """Whether ``kind`` acts at ``t``: taken at least ``delay`` s before, and not switched off
        (``<kind>_off``) since, as its bends on the curves are."""
        return next((a.action for a in reversed(self.actions)
                     if a.t + delay <= t and a.action in (kind, kind + OFF)), None) == kind

    def stretches(self, m: Mitigation) -> list[tuple[float, float | None]]:
        """(on, off) of each stretch of time ``m``'s action was in force: from its first taking after
        everything it requires until its ``<action>_off`` (``circuit_breaker_off``; None: still on);
        taken again after that, another. The one rule the curves and the drill report follow."""
        out: list[tuple[float, float | None]] = []
        after = [t for req in m.requires if (t := self.first(req)) is not None]
        on = self.first(m.action, max(after, default=-math.inf)) if len(after) == len(m.requires) else None
        while on is not None:
            off = self.first(m.action + OFF, on)
            out.append((on, off))
            on = None if off is None else self.first(m.action, off + 1e-9)
        return out

    def _steps(self, m: Mitigation, on: float, off: float | None, fault: int) -> tuple[tuple[float, float], ...]:
        """Where ``m``'s bend of ``fault`` heads from when over its stretch ``(on, off)``: as hard as the value of its
        knob in each FlowEngine revision made then (``dose``: a redo of the same env changes nothing; a latency
        threshold's, of the calls of the repos the fault slows), back to 1 at ``off``."""
        if m.action == BREAKER:       # tripped from each flip to the next (its status: OPEN, HALF_OPEN)
            if self._flips is None:
                self._flips = self._breaker_flips(m)
            return tuple((t + m.delay, 1.0 if i % 2 else m.factor) for i, t in enumerate(self._flips)
                         if on <= t <= (math.inf if off is None else off))
        made = [on, *(at for at, _ in self.cluster.flowengine.ran if on < at < (math.inf if off is None else off))]
        out = [(t + m.delay, max(0.0, 1.0 - (1.0 - m.factor) * dose(m.action, env := self.cluster.env_at(t), self.scenario)
                                 * (self.slow_share(env, t + m.delay, self._hit(fault))
                                    if m.action == "fallback_routing" and threshold(env) else 1.0))) for t in made]
        return (*out, *(() if off is None else ((off + m.delay, 1.0),)))

    def _breaker_flips(self, m: Mitigation) -> tuple[float, ...]:
        """The scrapes where ``breaker_state`` turns from CLOSED to tripped and back, in turn (and a switch-off while
        tripped), read over each stretch ``m`` is on (from its arming to the switch-off or two days on) on a world bent by
        the flips before: a bend acts after its scrape, so the bend follows the status through a raised threshold, the
        reset (knobs-2) and a threshold never reached (redteam-10). Between resets and revisions the quota only grows and
        the threshold holds: the state changes only there, at the scrape it reaches the threshold (halving) and a minute on."""
        old, since = self._follows or (None, -math.inf)
        acts = self._searched_actions()
        key = self._search_key(acts)
        with _searches_lock:
            found = _searches.get(key)
            if found is not None:
                _searches.move_to_end(key)
        if found is not None and found[0] is self.scenario:     # searched before: its outcome taken up, not redone
            return self._took_up(found[1]._burnt_copy())

        def follow(probe: Signals) -> Signals:
            """The world followed burnt as ``probe`` would until its flips part from its own (``adopt``)."""
            if old is not None:
                ours, theirs = probe._flips or (), old._flips or ()
                n = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
                probe.adopt(old, min([since, *ours[n:n + 1], *theirs[n:n + 1]]))
            return probe

        def flip(probe: Signals, t: float) -> tuple[tuple[float, ...], Signals]:
            out = Signals(self.scenario, acts, (*flips, t), self.ids)
            out._sums = probe._sums[:math.floor(t / SPEND) - probe._k0 + 1]    # burnt as it was: a bend acts after t
            out._shared = [(i, min(j, len(out._sums))) for i, j in probe._shared if i < len(out._sums)]
            if "queue" in probe.__dict__:       # and the flows queued and the pods running as they were
                out.capacity.adopt(probe.capacity, t)
                out.queue.adopt(probe.queue, t)
            return (*flips, t), follow(out)

        flips: tuple[float, ...] = ()
        probe = world = follow(Signals(self.scenario, acts, flips, self.ids))      # the search's actions alone
        for on, off in world.stretches(m):
            armed = on + world.cluster.flowengine.rollout_seconds
            end = min(on + 2 * DAY, math.inf if off is None else off)
            if armed <= end and (probe.breaker_state(armed, armed) != "CLOSED") != len(flips) % 2:
                flips, probe = flip(probe, armed)       # armed over its threshold: tripped then, not at the next scrape
            j, last = math.floor(armed / SPEND + 1e-9) + 1, math.floor(end / SPEND)
            while j <= last:
                if (probe.breaker_state(armed, j * SPEND) != "CLOSED") != len(flips) % 2:
                    flips, probe = flip(probe, j * SPEND)
                edges = (quota_reset(j * SPEND), *(at for at, _ in world.cluster.flowengine.ran if at > j * SPEND))
                lo, hi = j, min(last + 1, *(math.ceil(x / SPEND - 1e-9) for x in edges))
                if probe.breaker_open(armed, j * SPEND) or probe._over(j) or not probe._over(hi - 1):
                    j = j + 1 if probe.breaker_open(armed, j * SPEND) else hi
                    continue
                while hi - lo > 1:          # the first scrape at or over the threshold in (lo, hi)
                    lo, hi = (lo, (lo + hi) // 2) if probe._over((lo + hi) // 2) else ((lo + hi) // 2, hi)
                j = hi
            if len(flips) % 2 and off is not None:
                flips, probe = flip(probe, off)
        kept = probe._burnt_copy()          # as the search left it: this world reads on and burns further
        with _searches_lock:
            _searches[key] = (self.scenario, kept)
            while len(_searches) > SEARCHES_KEPT:
                _searches.popitem(last=False)
        return self._took_up(probe)

    def _took_up(self, probe: Signals) -> tuple[float, ...]:
        """The last probe of the breaker's search is this world (its actions, its flips): its flows queued, its pods
        running and what it burnt are this world's (``_breaker_flips``); its flips."""
        self.__dict__.update((k, probe.__dict__[k]) for k in ("queue", "capacity") if k in probe.__dict__)
        self._sums, self._shared, self._levels, self._overs = probe._sums, probe._shared, probe._levels, probe._overs
        return probe._flips or ()

    def _burnt_copy(self) -> Signals:
        """A world of this one's actions and flips holding what this one worked out so far, none of it shared to be
        written: the quota's prefix sums and blocks (an inner list is never written, only appended after), the levels
        and breaker readings, and the flows queued and pods running (``Queue.adopt`` and ``Capacity.adopt`` of all
        of it: every step, the loop's latest state). It answers as this one would from here on, to the bit."""
        out = Signals(self.scenario, self.actions, self._flips or (), self.ids)
        out._sums, out._shared = list(self._sums), list(self._shared)
        out._levels, out._overs = dict(self._levels), dict(self._overs)
        if "queue" in self.__dict__:
            out.queue.adopt(self.queue, math.inf)
        if "capacity" in self.__dict__:
            out.capacity.adopt(self.capacity, None)
        return out

    def _searched_actions(self) -> tuple[Action, ...]:
        """The actions the breaker's search (``_breaker_flips``) runs its probe worlds on: all but the task retries
        (``blocks flow retry``, ``RETRIES``), which run one task again and move the counters by that run alone
        (``retried``): no bend, pod, env, queue or quota follows one, unless the scenario names its kind as what a
        mitigation is or requires. So a world after a retry, or a report's what-if without one, finds the search
        kept (``_search_key``): a responder retrying the throttled tasks one by one re-summed hours of quota each."""
        named = {k for f in self.scenario.faults for m in f.mitigations
                 for k in (m.action, m.action + OFF, *m.requires)}
        return tuple(a for a in self.actions if a.action not in RETRIES or a.action in named)

    def _search_key(self, actions: tuple[Action, ...]) -> tuple[object, ...]:
        """Everything the breaker's search (``_breaker_flips``) reads: its world (the scenario, the object, which the
        searches kept hold; ``actions`` as recorded, every field; the ids) and of the world it follows what ``follow``
        and ``adopt`` take up: its flips, and, when the two share scenario and ids, the scrape ``since`` falls in
        (``adopt`` reads it no finer) and its sums, blocks and levels before it, the floats as their bits. Two builds
        with one key search the same probes in the same order: the same flips, and the same sums to the bit (they
        depend on the order the scrapes were asked: a world built fresh and one built after another may differ)."""
        world = (id(self.scenario), self.ids, tuple(repr(a) for a in actions))
        old, since = self._follows or (None, -math.inf)
        if old is None or old.scenario is not self.scenario or old.ids != self.ids:     # ``adopt`` takes nothing up
            return (*world, None)
        whole = since == math.inf
        k = len(old._sums) if whole else max(0, min(len(old._sums), math.floor(since / SPEND) - self._k0 + 1))
        sums = array("d", (x for row in old._sums[:k] for x in row)).tobytes()
        levels = sorted((p, j, v.hex()) for (p, j), v in old._levels.items() if j - self._k0 < k)
        return (*world, old._flips, whole, k, sums, tuple(b for b in old._shared if b[0] < k), tuple(levels))

    def raw_strength(self, index: int, t: float) -> float:
        """The fault as it would be if nobody did anything (what a vendor's status page shows)."""
        onset = self.onsets[index]
        if t < onset:
            return 0.0
        if (vendor := self._throttles[index]) is not None:     # a provider throttles by its day's quota, not the clock
            return self.throttle(vendor, t)
        fault = self.scenario.faults[index]
        x = min(1.0, (t - onset) / fault.ramp) if fault.ramp > 0 else 1.0
        s = x * x * (3.0 - 2.0 * x)      # a smoothstep from the onset to the end of the ramp
        if fault.until is not None and t > fault.until:
            s *= math.exp(-(t - fault.until) / fault.fade)
        return s

    def throttle(self, provider: str, t: float) -> float:
        """How hard ``provider`` throttles at ``t``, 0 to 1: not below ``fleet.THROTTLE_FROM`` of its day's quota, then in
        proportion as the quota left shrinks, all of it once used up. A throttling fault declares its 429 share at 1
        (``api_429:<p>``): it rises with the quota the requests spend (``_burn``), falls to 0 at the reset and stays
        there until the day's use passes the line again (redteam40 R2: it was a clock, 429s at 1% used)."""
        return min(1.0, max(0.0, (self._level(provider, t) - fleet.THROTTLE_FROM) / 0.1))

    def _level(self, provider: str, t: float) -> float:
        """``provider``'s quota at the newest scrape at ``t``, as the pane reads it (once a scrape: a throttle asks it at
        every step ``_spent`` sums, which reads it at the step's start)."""
        k = math.floor(t / SPEND + 1e-9)
        if (key := (provider, k)) not in self._levels:
            self._levels[key] = self.quota(next(p for p in fleet.PROVIDERS if p.name == provider), k * SPEND)
        return self._levels[key]

    def batch(self, provider: fleet.Provider, t: float) -> float:
        """The first attempts a second of the batch jobs' calls to ``provider``'s model at ``t`` (``calls:<p>``: the share
        of its day's quota they spend over the ramp, ``fleet.TOKENS_PER_CALL`` each): the ramp's growth, as the flows that
        run make them (``queue``), routed as the flows' calls are (``_requests``)."""
        came, out = self.queue.shift(t), 0.0
        for i, f in self._storm:      # the slope of its smoothstep (``raw_strength``); none once it fades (``until``)
            x = (came - self.onsets[i]) / f.ramp if f.ramp > 0 else -1.0
            if (amount := f.impacts.get(f"calls:{provider.name}", 0.0)) and 0.0 < x < 1.0 and (
                    f.until is None or came <= f.until):
                out += amount * provider.daily_tokens / fleet.TOKENS_PER_CALL * 6.0 * x * (1.0 - x) / f.ramp \
                    * self.bent(i, t)
        return out * self.queue.pace(t) if out else 0.0

    def strength(self, index: int, t: float) -> float:
        """How strong fault ``index`` is at ``t``, from 0 (absent or healed) to 1."""
        if (memo := self._memo.get(key := ("strength", index))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once(key, t, lambda t: s * self.bent(index, t) if (s := self._raw(index, t)) else 0.0)

    def answers(self, index: int, t: float) -> float:
        """Fault ``index``'s strength on the answers to the calls still made to a provider: every bend but a routing
        change's, which moves calls away (``carriers``) and leaves how the provider answers the others as it was."""
        return s * self.bent(index, t, routed=False) if (s := self._raw(index, t)) else 0.0

    def _raw(self, index: int, t: float) -> float:
        """``raw_strength`` asked once a row however many curves read it (``strength``, ``failing``)."""
        if (memo := self._memo.get(key := ("raw", index))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once(key, t, lambda t: self.raw_strength(index, t))

    def bent(self, index: int, t: float, routed: bool = True) -> float:
        """What the mitigations leave of fault ``index`` at ``t``: each bend on the scenario's clock (a routing change's
        only if ``routed``), and a fault that lives in pods (``BY_POD``) as the share of the pods still holding it, so
        ``kubectl`` and the curves agree (world-3)."""
        out = math.prod(bend.at(t) for bend in self._bends[index] if (routed or not bend.routes) and not bend.holds)
        if self.scenario.faults[index].under_load:      # as much of it as of the load it comes under
            out *= self.load(t)
        for action, factor in self._release[index]:     # the ready pods holding it: on the bad release; stuck by the stall
            held = self.on_bad_release(t) if action == "rollback" else self.audit_held(t, index)
            out *= 1.0 - (1.0 - factor) * (1.0 - held)
        return out

    def on_bad_release(self, t: float) -> float:
        """``Cluster.on_bad_release`` of the autoscaler's cluster: the pods ``kubectl get pods`` lists at ``t``; in a
        what-if of other pods (``on_release``), their share."""
        if (held := self._held) is not None:
            return held(t)
        return self._once("release", t, lambda t: self.capacity.before(t).on_bad_release(t))

    def on_release(self, held: float | None = None) -> Signals:
        """This world as the flows of other pods see it, ``held`` of them on the scenario's bad release (a canary's, by
        its own image; None: FlowEngine's own pods, with its retries, no canary beside them): every other fault, the
        routing, quotas and capacity FlowEngine's; a canary's without retries (those ran on FlowEngine). A world of its
        own (a what-if never writes this one's caches) sharing the autoscaler's loop."""
        other = Signals(self.scenario, self.actions, self._flips, self.ids)
        other.__dict__["capacity"] = self.capacity
        alone = self.capacity.before
        if held is None:
            other._held = lambda t: alone(t).on_bad_release(t, canaries=False)
        else:
            other.retries, other._held = (), lambda t: held
        return other

    @functools.cached_property
    def _reviews(self) -> list[tuple[float, float | None]]:
        """(on, off) of each stretch MANUAL_REVIEW_MODE was set (``stretches``: whatever the scenario's faults)."""
        return self.stretches(Mitigation(REVIEW))

    def reviewing(self, t: float) -> bool:
        """Whether a flow started at ``t`` waits for an operator to approve its plan (RB-CORE-004: "new flows queue for
        an operator"): once the rollout that set MANUAL_REVIEW_MODE ended (``ENV_DELAY``), until the one that unset it
        did. Every such flow whose plan did not fail waits, none completes; no one in the drill approves
        (``released``)."""
        return any(on + ENV_DELAY <= t < (math.inf if off is None else off + ENV_DELAY) for on, off in self._reviews)

    def released(self, t: float) -> float:
        """When a flow held for review at ``t`` runs on: once MANUAL_REVIEW_MODE is unset after it and the revision
        without it rolls out; inf while it stays set."""
        return min((off + ENV_DELAY for _, off in self._reviews if off is not None and t < off + ENV_DELAY),
                   default=math.inf)

    def holds(self) -> list[tuple[float, float]]:
        """(the first flow start manual review holds, when the flows it held run on: ``released``) of each stretch that
        was switched off: what the duration histogram observes at the release (``Series.releases``)."""
        return [(on + ENV_DELAY, off + ENV_DELAY) for on, off in self._reviews if off is not None and off > on]

    def holding_from(self, t: float) -> float | None:
        """The first start of a flow manual review still holds at ``t``: that of the earliest stretch begun by ``t``
        whose flows are not released by then (``released``); None when it holds none."""
        return min((on + ENV_DELAY for on, off in self._reviews
                    if on + ENV_DELAY <= t and (off is None or t < off + ENV_DELAY)), default=None)

    def held_since(self, t: float) -> float:
        """The oldest start of a flow manual review holds at ``t`` and releases later (the stretch in force then began
        it, and ends after it); ``t`` if none: a pod started at ``t`` runs those, a trail begun then writes their end.
        One held for good writes nothing more."""
        return min((on for on, off in self._reviews if off is not None and on < t <= off + ENV_DELAY), default=t)

    def fail_causes(self, repo: fleet.Repo, t: float) -> list[tuple[float, tuple[str, ...]]]:
        """The share of ``repo``'s flows each cause kills at ``t``, with its messages: no provider answering
        (``strands``, first, in its order), then of the flows left timeouts, each fault that fails flows (``failing``),
        then the everyday background (they add up to ``fails``)."""
        strands = self.strands(t)
        left = 1.0 - sum(share for share, _, _ in strands)
        out = [(share, (why,)) for share, why, _ in strands]
        out.append((self.timeout_share(t, repo) * left, (KILLED,)))
        for index, fault in enumerate(self.scenario.faults):
            if self._fail_amounts(repo.name)[index] or self._vendor[index]:
                said = fault.messages or ("flow failed",)
                if self._throttles[index] and self.holding(t):      # its call refused once, not "every attempt"
                    said = (f"rate limit exceeded: {self._throttles[index]} 429 Too Many Requests ({HELD_BY_BREAKER})",)
                out.append((self.failing(index, repo, t) * left, said))
        used = sum(share for share, _ in out)
        out.append((max(0.0, self.fails(repo, t)[0] - used), BACKGROUND_ERRORS))
        return out

    def failing(self, index: int, repo: fleet.Repo, t: float) -> float:
        """The share of ``repo``'s flows (of those some provider answers) fault ``index`` fails at ``t``: its ``fail:``
        impacts at its strength; a fault of one provider's answers (``api_429:<p>``, ``api_5xx:<p>``: it declares only
        the share of calls) by ``call_law`` on the flows whose calls still reach that provider (``reach``: where the calls
        go decides it, so no failure is blamed on a provider no call went to), its part of the failing answers there
        (``lost``); a vendor's 5xx as the mitigations that act on the flows leave them (a manual review queues them).
        A fault of no one provider's (``api_5xx:*``: mass-failure's gateway client, the release's own code) fails flows
        by its ``fail:`` impacts alone: it fails some repos' flows far more than others' and the pilot's not at all,
        which no share of calls made alike by every repo's flows could say; its 5xx are only answers, tried again."""
        vendor = self._vendor[index]
        if vendor is None:
            amount = self._fail_amounts(repo.name)[index]
            return amount * self.strength(index, t) if amount else 0.0
        if (memo := self._memo.get(key := ("failing", index))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        fault = self.scenario.faults[index]

        def share(t: float) -> float:       # once a row, whichever repo asks
            if not (raw := self._raw(index, t)) or (lost := self.lost(vendor, t)) <= 0.0:
                return 0.0
            part = fault.impacts.get(f"api_429:{vendor}", 0.0) * self.answers(index, t) * self.throttled(vendor, t) + (
                0.0 if self._5xx_moved(vendor, t) else
                fault.impacts.get(f"api_5xx:{vendor}", 0.0) * raw * self.bent(index, t, routed=False))
            return self.reach(index, t) * self.law(vendor, t)[0] * min(1.0, part / lost)
        return self._once(key, t, share)

    def _fail_amounts(self, repo: str) -> tuple[float, ...]:
        """Each fault's ``fail:`` impacts on ``repo``'s flows (``fail:<repo>`` and ``fail:*``), read once a world."""
        if (amounts := self._amounts.get(repo)) is None:
            amounts = self._amounts[repo] = tuple(f.impacts.get(f"fail:{repo}", 0.0) + f.impacts.get("fail:*", 0.0)
                                                  for f in self.scenario.faults)
        return amounts

    def code_fails(self, repo: fleet.Repo, t: float) -> list[tuple[float, str]]:
        """(share, message) of ``repo``'s flows each fault of no one provider's (the release's own code: a schema the
        block contracts reject, a gateway client) fails at ``t``: what a run started now meets whatever its calls are
        answered (``blocks.outcome``; a vendor's faults are its calls' answers, ``call_law``)."""
        return [(share, (f.messages or ("flow failed",))[0]) for i, f in enumerate(self.scenario.faults)
                if self._vendor[i] is None and (share := self.failing(i, repo, t)) > 0.0]

    @functools.cached_property
    def _max_attempts(self) -> list[tuple[float, int]]:
        """(from when, the attempts FlowEngine makes of a call): ``retry.max_attempts`` as each ``blocks config set``
        left it (the orchestrator reads it for the next call; a value no whole number of attempts, never recorded by
        ``blocks``, changes nothing)."""
        return [(-math.inf, fleet.MAX_ATTEMPTS), *((a.t, int(v)) for a in self.actions if a.action == "config_set"
                                                   and a.detail.get("key") == "retry.max_attempts"
                                                   and (v := str(a.detail.get("value"))).isascii() and v.isdigit() and int(v) > 0)]

    @functools.cached_property
    def _attempts_from(self) -> list[float]:
        """When each of ``_max_attempts`` begins: what ``attempts`` bisects (a key function called per probe cost more
        than the bisection)."""
        return [at for at, _ in self._max_attempts]

    def attempts(self, t: float) -> int:
        """A of ``call_law`` at ``t``: the attempts of a call the config in force allows."""
        return self._max_attempts[bisect.bisect_right(self._attempts_from, t) - 1][1]

    def holding(self, t: float) -> bool:
        """Whether FlowEngine's circuit breaker holds the retries of throttled calls at ``t``: tripped (OPEN, then
        HALF_OPEN: from each of its flips to the next, ``_steps``), a call answered 429 waits for the circuit instead of
        being sent again at once. It changes FlowEngine's attempts, never the provider's answer (redteam49 F8: it bent
        the throttle to nothing, every call served at 99.99 % of the quota): each throttled call is tried once
        (``throttled``), so by the capacity law the provider refuses as many calls as before (``share_429``) while the
        refused retries, their requests and the quota they burn are gone (``law``)."""
        if (memo := self._memo.get("holding")) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once("holding", t, lambda t: any(b.goal(t) < 1.0 for b in self._holds))

    def law(self, provider: str, t: float, hold: bool | None = None) -> tuple[float, float]:
        """``call_law`` at ``provider`` at ``t``: its ``lost`` share with the config's attempts, the 429s of it not
        sent again while the breaker holds them (``holding``; ``hold``: as if it did or not, the answers read afresh):
        (the flows a call there fails, its requests a call)."""
        p = _PROVIDER[provider]
        if hold is None or hold == self.holding(t):
            held = min(self.share_429(p, t), 1.0 - self.share_5xx(p, t)) if self.holding(t) else 0.0  # ``lost``'s 429s
            return call_law(self.lost(provider, t), self.attempts(t), held=held)
        s5 = self.share_5xx(p, t)
        tries = 1 if hold else self.attempts(t)
        s429 = min(1.0 if self.exhausted(provider, t) else min(
            1.0, fleet.BASE_429 + self.impact("api_429", t, provider) * self.throttled(provider, t, tries)), 1.0 - s5)
        lost = s429 + (0.0 if self._5xx_moved(provider, t) else s5)
        return call_law(lost, self.attempts(t), held=s429 if hold else 0.0)

    def _held_part(self, a: float, b: float) -> float:
        """The share of ``[a, b]`` the breaker holds retries (``holding``): a step the breaker trips in burns in part
        as held, so a second sooner buys its share of the step, not all or nothing at a scrape."""
        cuts = sorted({a, b, *(w for bend in self._holds for w, _ in bend.steps if a < w < b)})
        return sum(y - x for x, y in zip(cuts, cuts[1:]) if self.holding((x + y) / 2.0)) / (b - a)

    def lost(self, provider: str, t: float) -> float:
        """The share of the attempts at ``provider`` at ``t`` FlowEngine tries again there (``call_law``'s share): those
        refused 429 or answered 5xx (``code_shares``), but a 5xx of the primary tried first under ``FALLBACK_ON_5XX``,
        which goes to the fallback instead (``_5xx_moved``)."""
        if (memo := self._memo.get(key := ("lost", provider))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]

        def value(t: float) -> float:       # once a row: the request rate and the flows' failures read it
            p = _PROVIDER[provider]
            s5 = self.share_5xx(p, t)
            return min(self.share_429(p, t), 1.0 - s5) + (0.0 if self._5xx_moved(provider, t) else s5)
        return self._once(key, t, value)

    def _5xx_moved(self, provider: str, t: float) -> bool:
        """Whether a call to ``provider`` answered 5xx at ``t`` goes to the fallback: the primary, tried first under
        ``FALLBACK_ON_5XX`` while routing acts, or to a fallback no provider serves (``to_nowhere``: fails there)."""
        if provider != fleet.PRIMARY:
            return False
        return self._tried_first(t) and switched_on(self.env(t), "FALLBACK_ON_5XX") and (
            self.route(t) is not None or self.to_nowhere(t) > 0.0)

    def to_nowhere(self, t: float) -> float:
        """The share of the primary's calls sent at ``t`` to a fallback no provider serves, tried after the primary
        (``tried_first``): those it answers 5xx (``FALLBACK_ON_5XX``) or slower than the threshold, each answered 404
        there and not tried again, so its flow fails (``strands``). A12: such a typo healed the outage; world44: nor
        may it fail nothing, the 5xx calls quietly tried again on the primary."""
        def value(t: float) -> float:       # once a row: the strands, the waits and the 5xx moved read it
            env = self.env(t)
            if not self._tried_first(t) or route_of(env, away=not any(k in env for k in ROUTING)) != fleet.UNSERVED:
                return 0.0
            s5 = self.share_5xx(fleet.PRIMARY_PROVIDER, t) if switched_on(env, "FALLBACK_ON_5XX") else 0.0
            return s5 + (slow := self.slow_share(env, t)) - s5 * slow
        return self._once("to_nowhere", t, value)

    def _tried_first(self, t: float) -> bool:
        """``cluster.tried_first`` of the env at ``t`` (``env``), read once a row: a dozen curves ask it."""
        if (memo := self._memo.get("tried_first")) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once("tried_first", t, lambda t: tried_first(self.env(t)))

    def reach(self, index: int, t: float) -> float:
        """The share of the flows some provider answers at ``t`` whose calls go to fault ``index``'s provider: those it
        carries (``carriers``: none once routed away, more while a disabled provider's flows run on it), less the calls
        moved to the fallback whatever they are answered (the plans, ``plan_only``; tried first: those slower than the
        threshold, ``slow_share``; a 5xx moved under ``FALLBACK_ON_5XX`` is ``lost``'s). 1 for a fault of no one
        provider (route-7)."""
        vendor = self._vendor[index]
        if vendor is None:
            return 1.0

        def value(t: float) -> float:
            env = self.env(t)
            moved = self.route_share(t) if self.plan_only(t) else \
                self.slow_share(env, t) if self.route(t) is not None and self._tried_first(t) else 0.0
            hits = sum(p.flow_share * (1.0 - moved if c == fleet.PRIMARY else 1.0)
                       for p, c in zip(fleet.PROVIDERS, self.carriers(t), strict=True) if c == vendor and not self.exhausted(c, t))
            return hits / answered if (answered := 1.0 - self._stranded(t)) > 1e-9 else 0.0
        return self._once(("reach", index), t, value)

    def impact(self, signal: str, t: float, target: str = "") -> float:
        """What the faults add to ``signal`` at ``t``; with a ``target`` (a repo, a provider), to
        ``signal:target`` and ``signal:*``. A vendor's own 5xx (``VENDOR_OWN``) no action bends: routing, a manual
        review, a pilot-only rollout change which calls are made (``request_rate``), not how it answers (W25-2); its
        429s (``REFUSALS``) only what acts on the calls still made to it (``answers``: the breaker makes them wait)."""
        if not target:
            return self.impact_on(signal, t)
        if (keys := self._impact_keys.get((signal, target))) is None:     # the two keys, and whether a fault has each
            keys = self._impact_keys[(signal, target)] = tuple(
                (k, k in self._terms) for k in (f"{signal}:{target}", f"{signal}:*"))
        (one, has_one), (every, has_every) = keys
        return (self.impact_on(one, t) if has_one else 0.0) + (self.impact_on(every, t) if has_every else 0.0)

    def impact_on(self, signal: str, t: float, repo: fleet.Repo | None = None) -> float:
        """``impact`` on a flow of ``repo``: a fault marked ``onboarded`` adds to the onboarded repos' flows alone;
        None: the mean over the flows asked for then (``new_share`` of them the onboarded repos')."""
        terms = self._terms.get(signal)
        if not terms:
            return 0.0
        strength = self.raw_strength if signal in VENDOR_OWN else self.answers if signal in REFUSALS else self.strength
        new = None if repo is None else repo.name in self._since
        if (memo := self._memo.get(key := ("impact", signal, new))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]

        def value(t: float) -> float:
            share = 1.0 if new or not self._only_new else 0.0 if new is False else self.new_share(t)
            return sum((a * strength(i, t) * (share if i in self._only_new else 1.0) for i, a in terms), 0.0)
        return self._once(key, t, value)

    def effective(self, kind: str) -> bool:
        """True when ``kind`` was taken and bends at least one fault (its requirements were met)."""
        return any(m.action == kind and self.stretches(m) for f in self.scenario.faults for m in f.mitigations)

    @staticmethod
    def _at(events: list[tuple[float, bool]], t: float) -> bool:
        return not events or next((up for when, up in reversed(events) if when <= t), True)

    def running(self, t: float) -> bool:
        return self._at(self._running, t)

    def admits(self, t: float) -> bool:
        """Whether FlowEngine takes new flows at ``t``: running and not told to stop (``_admit``)."""
        return self._at(self._admit, t) and self._at(self._db, t)

    def admitting(self, t: float) -> bool:
        """``admits``, with a pod ready (the autoscaler's count, every 5 s): ``exec_rate``'s gate, which
        ``Series`` splits a grid step at (``Series.span``)."""
        return self.admits(t) and self.capacity.ready(t) > 0

    def interruption(self, when: float) -> str | None:
        """Why flows stopped at ``when``: their TaskDB gone (``DB_LOST``: FlowEngine's pods run on, unable to claim or
        write a flow), FlowEngine's pods stopping (``INTERRUPTED``); None while it runs. The logs and tasks say this."""
        return None if self.running(when) else INTERRUPTED if self.task_store(when) or not self._at(self._engine, when) \
            else DB_LOST

    def task_store(self, t: float) -> bool:
        """Whether FlowEngine's TaskDB has a ready pod at ``t``: without it no flow can be claimed or written."""
        return self._at(self._db, t)

    def _ready_at(self, k: int, replay: Replay) -> float:
        """When FlowEngine started (from zero) by ``actions[k]`` has its first pod ready, on the pod schedule ``kubectl
        get pods`` prints after the operations up to it (inf: never, no node to place one on): from then its Service
        sends it flows (attack50 A5: the world admitted the first ~40 s after the pods were Ready, /health ok).
        ``replay``: of ``actions``, asked at increasing ``k`` (``actions`` are in ``build_cluster``'s order)."""
        t, c = self.actions[k].t, replay.first(k + 1)
        dep, nodes = c.flowengine, [w for w, _, what in c.nodes if what == "uncordon" and w > t]
        step = dep.rollout_seconds / max(1, dep.replicas)
        times = sorted({t, *(p[2] + step for p in c.pods(dep, t + DAY)), *nodes, *(w + step for w in nodes)})
        return next((w for w in times if w >= t and c.ready(dep, w) > 0), math.inf)

    def _ready_pods(self, name: str) -> list[tuple[float, tuple[float, ...]]]:
        """(from when, the creation times of ``name``'s ready pods) off the pod schedule ``kubectl get pods`` prints,
        after each operation on it or a node (a drain replaces a pod: redteam50 F8, the TaskDB's was never away) and
        at each pod's ready time (one placed at an uncordon: a step after it) before the next: exact, event-based, []
        while nothing touched it. Postgres: FlowEngine's TaskDB, with none ready flows queue and those in flight end
        as at a stop (redteam-13); the audit shipper (``audit_pods``: one whose login the store refuses is not ready,
        ``cluster.refused``)."""
        ops = [a for a in self.actions if a.action in NODE_OPS or name in (a.detail.get("deployment"), a.detail.get("name"))]
        out: list[tuple[float, tuple[float, ...]]] = []
        if not ops:
            return out
        replay = Replay(self.scenario, self.actions)        # ``build_cluster`` at each op's moment (in time order)
        for a, until in zip(ops, [*(a.t for a in ops[1:]), math.inf]):
            c = replay.upto(a.t)
            dep = c.deployments.get(name) or c.gone[name]          # deleted: scaled to zero
            step = dep.rollout_seconds / max(1, dep.replicas)
            ups = [p[2] + step for p in c.pods(dep, a.t + DAY)] + [w + step for w, _, _ in dep.deleted] + [a.t + step]
            out += [(w, tuple(p[2] for p in c.pods(dep, w)
                              if p[3] == "Running" and not refused(self.scenario, dep, p[2], c.log)))
                    for w in sorted({a.t, *(w for w in ups if a.t < w < until)})]
        return out

    @functools.cached_property
    def _audit(self) -> tuple[list[float], list[tuple[float, ...]], Cluster, float]:
        """The audit shipper's ready pods (``_ready_pods``) as (times, creation times), the estate at rest before, and
        when its pods there stand still (``Deployment.pods`` moves them only a rollout and two steps from a change)."""
        timeline, rest = self._ready_pods(fleet.AUDIT_DEPLOYMENT), initial_cluster(self.scenario)
        dep = rest.deployments[fleet.AUDIT_DEPLOYMENT]
        return [w for w, _ in timeline], [pods for _, pods in timeline], rest, dep.moved + 3 * dep.rollout_seconds + 60

    def audit_pods(self, t: float) -> tuple[float, ...]:
        """The creation times of the audit shipper's ready pods at ``t``, as ``kubectl get pods`` lists them."""
        times, ready, rest, still = self._audit
        if (i := bisect.bisect_right(times, t)) > 0:
            return ready[i - 1]
        return self._once("rest", min(t, still), lambda t: tuple(     # one answer from ``still`` on: each audit event's
            p[2] for p in rest.pods(rest.deployments[fleet.AUDIT_DEPLOYMENT], t) if p[3] == "Running"))

    def audit_down_since(self, t: float) -> float | None:
        """Since when no audit-shipper pod has been ready at ``t`` (None: one is), off ``audit_pods``' schedule."""
        times, ready, *_ = self._audit
        i = bisect.bisect_right(times, t)
        while i > 1 and not ready[i - 1] and not ready[i - 2]:
            i -= 1
        return times[i - 1] if i and not ready[i - 1] else None

    def audit_held(self, t: float, index: int | None = None) -> float:
        """1.0 while every running audit-shipper pod is stuck (by fault ``index``), else 0.0: a stuck pod fails its
        readiness probe (its ``/health`` answers 503, sink disconnected), so its Service sends it nothing and one pod
        that ships takes every event (``audit_route``); what ``kubectl`` lists as READY and in the endpoints."""
        return 0.0 if any(not self.audit_stuck(c, t, index) for c in self.audit_pods(t)) else 1.0

    def audit_refused(self, created: float) -> bool:
        """Whether the store refuses the login of the audit-shipper pod started at ``created`` (``cluster.refused``):
        never ready, it ships nothing (``audit_pods`` leaves it out)."""
        c = self.cluster
        return (dep := c.deployments.get(fleet.AUDIT_DEPLOYMENT) or c.gone.get(fleet.AUDIT_DEPLOYMENT)) is not None \
            and refused(self.scenario, dep, created, c.log)

    def audit_stuck(self, created: float, t: float, index: int | None = None) -> bool:
        """Whether the audit-shipper pod started at ``created`` is stuck at ``t`` (by fault ``index``, None: any): the
        cluster's rule (``cluster.sink_lost``), which its scale-downs read too."""
        return sink_lost(self.scenario, created, t, index)

    def cause(self, repo: fleet.Repo, k: int, t: float) -> str:
        """Why flow ``k`` of ``repo``, failing from ``t``, fails: one of the causes in force then, in proportion to
        their shares (``fail_causes``), by a stable draw of (repo, k)."""
        causes = [(share, messages) for share, messages in self.fail_causes(repo, t) if share > 0]
        u = unit(self._seed, repo.name, k, "fail") * sum(share for share, _ in causes)
        messages: tuple[str, ...] = ("flow failed",)
        for share, messages in causes:        # the cause ``u`` falls in (else the last one)
            u -= share
            if u < 0:
                break
        return messages[int(unit(repo.name, k, "msg") * len(messages)) % len(messages)]

    def run(self, repo: fleet.Repo, k: int, t: float, error: str | None) -> tuple[float, float | None]:
        """(seconds, when its pods stopped under it or None) of flow ``k`` of ``repo`` run from ``t`` to its end
        ``error`` (None: it succeeds): its own draw of ``flow_seconds``, cut where FlowEngine's pods stop. The one law
        ``Activity``'s tasks and the queue's slots (``Slots``: a slot frees when the run ends) both read."""
        waited = 2.0
        if error is not None and error.startswith("model not found") and (late := self.waited(t)):   # as long as it
            u = unit(repo.name, k, "wait") * sum(share for share, _ in late)      # waited on the fallback none serves
            waited = late[0][1] if u < late[0][0] else late[-1][1]
        seconds = flow_seconds(self.latency_median(t, repo), unit(repo.name, k, "dur"),
                               "ok" if error is None else "killed" if error == KILLED else "fast", waited)
        return (seconds, None) if (stop := self.stop_between(t, t + seconds)) is None else (stop - t, stop)

    @functools.cached_property
    def sends_nowhere(self) -> bool:
        """Whether some revision of FlowEngine sends calls to a model no provider serves (``route_of``): then the
        request counter has its 404 series (``Series``), else none, as a Go CounterVec child exists once first
        counted."""
        return any(route_of(r.env) == fleet.UNSERVED for r in self.cluster.flowengine.history)

    def nowhere(self, t: float) -> float:
        """The share of the flows at ``t`` whose call goes to a model no provider serves, each answered 404 once and not
        tried again (``strands``): the request counter's ``code="404"`` (attack44 A8: half the flows failed on a 404
        the counter never showed)."""
        return sum(share for share, why, _ in self.strands(t) if why.startswith("model not found"))

    def waited(self, t: float) -> tuple[tuple[float, float], ...]:
        """(share of the flows, seconds waited at least) of those failing at ``t`` on a fallback no provider serves,
        tried after the primary (``to_nowhere``): a call moved there waited the threshold it was slower than, or the 5xx
        it was answered (8 s), before the 404 (attack44 A21: such flows ran 1 s in the TaskDB, under the threshold).
        What ``run`` draws and the duration histogram (``Series``, ``durations``' ``late``) both read."""
        def value(t: float) -> tuple[tuple[float, float], ...]:
            if (moved := self.to_nowhere(t)) <= 1e-6:
                return ()
            env = self.env(t)
            share = next((sh for sh, why, _ in self.strands(t) if why == fleet.unserved(fallback_of(env))), 0.0)
            slow = self.slow_share(env, t) / moved
            return tuple(w for w in ((share * slow, threshold(env) or 0.0), (share * (1.0 - slow), 8.0)) if w[0] > 0.0)
        return self._once("waited", t, value)

    def stop_between(self, t1: float, t2: float) -> float | None:
        """The first moment in ``(t1, t2]`` FlowEngine's pods stopped, else None: a flow in flight
        then ends there, cancelled (``Activity``), as no pod is left to run it."""
        return next((when for when, running in self._running if not running and t1 < when <= t2), None)

    def pilot_only(self, t: float) -> bool:
        return self._pilot_only is not None and t >= self._pilot_only

    def exec_rate(self, repo: fleet.Repo, t: float) -> float:
        """Flows asked for per second in ``repo`` (none while no FlowEngine pod runs, all Pending too); they start as
        they come while a slot is free, else wait (``queue``: the started ones' count is ``Series``' ``exec``)."""
        if (memo := self._memo.get("flowing")) is None or memo[0] != t:     # ``_once``, without a closure when held
            memo = (t, self._once("flowing", t, lambda t: (self.admitting(t), self.pilot_only(t))))
        up, pilot = memo[1]
        if not up or (pilot and not repo.pilot) or not self.came(repo, t):     # running with pods ready; pilot
            return 0.0
        return repo.rate * (1.0 + 0.12 * self._wiggle_exec[repo.name](t))

    def traffic_share(self, t: float) -> float:
        """Share of the healthy flow volume still running (scales model API traffic and CPU); the onboarded repos'
        flows come on top of the estate's (more than 1 once they run)."""
        if not self.running(t):
            return 0.0
        pilot = self.pilot_only(t)
        return 1.0 if not pilot and not self._since else self._once("traffic", t, lambda t: sum(
            r.rate for r in self.repos if (r.pilot or not pilot) and self.came(r, t)) / fleet.ESTATE_RATE)

    def load(self, t: float) -> float:
        """The share of the healthy estate's model calls FlowEngine makes at ``t``, what a fault ``under_load`` grows
        with: of the flows admitted (``traffic_share``), their plans alone under manual review (``reviewing``), and no
        more in flight than MAX_CONCURRENT_FLOWS lets run against what the flows asked for keep in flight uncapped
        (Little: arrivals x a healthy run; not the queue's pace, which reads the faults' latency, which reads this)."""
        def value(t: float) -> float:
            share = self.traffic_share(t) * (PLAN_SHARE if self.reviewing(t) else 1.0)
            busy = self.offered(t) * fleet.LATENCY_MEDIAN * math.exp(fleet.LATENCY_SIGMA ** 2 / 2.0)
            return share * min(1.0, self.slots(t) / busy) if busy > 0.0 else share
        return self._once("load", t, value)

    def _once(self, name: object, t: float, value: Callable[[float], _T]) -> _T:
        """``value(t)`` computed once for ``name`` at a moment (a row asks many curves many times at one ``t``). The
        curves read most (``strength``, ``env``, ``lost`` …) test this memo inline before building their closure, each
        marked ``_once``'s: building it was a tenth of a row's CPU, and a shared helper method for the test measured
        4 % slower integration (`/tmp/integ55/prof.py`, 6.04 -> 6.32 s, medians of 3 alternated): kept inline."""
        if (memo := self._memo.get(name)) is None or memo[0] != t:
            memo = self._memo[name] = (t, value(t))
        return memo[1]        # type: ignore[no-any-return]

    def _work_latency(self, t: float, repo: fleet.Repo | None = None) -> float:
        """The median flow duration the work itself takes (the faults), whatever the capacity: of ``repo``'s flows
        (None: the faults' mean over all flows, ``impact_on``)."""
        new = None if repo is None else repo.name in self._since
        if (memo := self._memo.get(key := ("work", new))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once(key, t, lambda t: self.impact_on("latency", t, repo) + fleet.LATENCY_MEDIAN * (
            1.0 + 0.04 * self._wiggle_lat(t)))

    def latency_median(self, t: float, repo: fleet.Repo | None = None) -> float:
        """The median flow duration: the work's, slowed by contention when fewer pods run than it needs; of ``repo``'s
        flows (an onboarded repo's carry the faults marked so), None: the faults' mean over all."""
        new = None if repo is None else repo.name in self._since
        if (memo := self._memo.get(key := ("latency", new))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once(key, t, lambda t: self._work_latency(t, repo) * self.contention(t))

    def cpu(self, t: float) -> float:
        """FlowEngine's CPU per pod of the healthy estate, percent of its request: it follows the work (the
        flows still running, a slow, large-context flow burning more), not how many pods share it."""
        work = self.traffic_share(t) * (37.0 + 30.0 * max(0.0, self._work_latency(t) / fleet.LATENCY_MEDIAN - 1.0))
        return min(97.0, (9.0 + work) * (1.0 + 0.05 * self._wiggle_cpu(t)))

    def contention(self, t: float) -> float:
        """How much slower flows run on the pods running at ``t`` than on the healthy estate's: a pod
        busier than 60 % of its request slows its flows, past 100 % they queue (1 at 5 pods)."""
        if not self.running(t):
            return 1.0
        cpu = self.cpu(t)
        used = cpu * fleet.REPLICAS / max(0.5, self.capacity.ready(t))

        def slow(u: float) -> float:
            return 1.0 + 0.5 * max(0.0, u - 60.0) / 100.0 + 2.0 * max(0.0, u - 100.0) / 100.0
        return slow(used) / slow(cpu)

    def timeout_share(self, t: float, repo: fleet.Repo | None = None) -> float:
        """Share of (``repo``'s) flows running past the hard timeout (and so failing)."""
        key = ("timeouts", None if repo is None else repo.name in self._since)      # once a row a law
        if (memo := self._memo.get(key)) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once(key, t, lambda t: 1.0 - lognormal_cdf(fleet.HARD_TIMEOUT, self.latency_median(t, repo)))

    def fails(self, repo: fleet.Repo, t: float) -> tuple[float, float]:
        """(failing, killed at the hard timeout) shares of ``repo``'s flows at ``t``; killed: the timeouts' part of the
        causes ``Activity`` picks a failed flow's from (``fail_causes``: more than ``failing`` when that is capped)."""
        base = fleet.BASE_FAILURE * (1.0 + 0.3 * self._wiggle_fail[repo.name](t))
        timeouts = self.timeout_share(t, repo)
        impact = sum([self.failing(i, repo, t) for i in self._faults])
        stranded = self._stranded(t)        # no provider answers them
        fail = min(1.0, stranded + (1.0 - stranded) * (base + impact + timeouts))
        return fail, fail * (1.0 - stranded) * timeouts / max(fail, stranded + (1.0 - stranded) * (timeouts + impact), 1e-300)

    def _stranded(self, t: float) -> float:
        """The share of flows no provider answers at ``t`` (``strands``), asked once a row."""
        if (memo := self._memo.get("stranded")) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once("stranded", t, lambda t: sum(share for share, _, _ in self.strands(t)))

    def carriers(self, t: float) -> tuple[str | None, ...]:
        """The provider that takes the calls of the flows on each provider's model (``PROVIDERS`` order) at ``t``: its own;
        the primary's go where ``route`` sends them (tried first: the primary's own); a disabled provider's flows run on
        ``PRIMARY_MODEL`` and go where the primary's go; None: no provider enabled takes them. The one routing request
        rates, tokens, flows, failures and log lines read (route-1): the same all through each stretch of ``_carrying``."""
        return self._carrying[bisect.bisect_right(self._carrying_from, t) - 1][5]

    @functools.cached_property
    def _denials(self) -> list[tuple[float, bool]]:
        """(from when, whether a policy of FlowEngine's service account then denies it the bundles' bucket): each
        ``iam_change`` (``aws iam put-user-policy`` / ``delete-user-policy``), a put replacing its name's document."""
        held: dict[str, bool] = {}
        out = [(-math.inf, False)]
        for a in self.actions:
            if a.action == "iam_change":
                held[str(a.detail.get("policy"))] = bool(a.detail.get("denies_bundles")) and not a.detail.get("deleted")
                out.append((a.t, any(held.values())))
        return out

    @functools.cached_property
    def _denials_from(self) -> list[float]:
        """When each of ``_denials`` begins (``bundles_denied`` bisects it)."""
        return [at for at, _ in self._denials]

    def bundles_denied(self, t: float) -> bool:
        """Whether an explicit Deny keeps FlowEngine from its bundles at ``t`` (redteam44 A2: it changed nothing): every
        flow fails writing its bundle (``strands``), before any model call, until the policy is deleted."""
        return self._denials[bisect.bisect_right(self._denials_from, t) - 1][1]

    def strands(self, t: float) -> tuple[tuple[float, str, tuple[str, ...]], ...]:
        """(share of flows, why they fail, the providers whose model they ask for) of the flows no provider answers at
        ``t``: none enabled takes their calls, they go to a model no provider serves (``UNSERVED``: 404), or the one
        that takes them has used its day's quota (it refuses every call, ``share_429``). Their calls are not made or
        refused; every other flow runs (``fails``, ``Activity``)."""
        def value(t: float) -> tuple[tuple[float, str, tuple[str, ...]], ...]:
            if self.bundles_denied(t):
                return ((1.0, BUNDLES_DENIED, fleet.PROVIDER_NAMES),)
            groups: dict[str | None, list[fleet.Provider]] = {}
            for p, c in zip(fleet.PROVIDERS, self.carriers(t), strict=True):
                if c in (None, fleet.UNSERVED) or self.exhausted(c, t):
                    groups.setdefault(c, []).append(p)
            off = ", ".join(p for p in fleet.PROVIDER_NAMES if p in disabled(self.env(t))) if None in groups else ""
            moved = self.to_nowhere(t) if not any(fleet.PRIMARY_PROVIDER in ps for ps in groups.values()) else 0.0
            out = tuple((sum(p.flow_share for p in ps), f"no enabled model provider ({off} disabled)" if c is None
                         else fleet.unserved(fallback_of(self.env(t))) if c == fleet.UNSERVED
                         else f"circuit breaker OPEN: calls to {c} fail fast, not sent (rate limit exceeded: daily "
                         "quota exhausted)" if self.fails_fast(c, t)
                         else f"rate limit exceeded: {c} 429 Too Many Requests (daily quota exhausted)",
                         tuple(p.name for p in ps)) for c, ps in groups.items())
            if moved > 1e-6:        # a flow any of whose calls went there (a millionth: none)
                out += ((fleet.PRIMARY_PROVIDER.flow_share * (1.0 - (1.0 - moved) ** fleet.CALLS_PER_FLOW),
                         fleet.unserved(fallback_of(self.env(t))), (fleet.PRIMARY,)),)
            return out
        return self._once("strands", t, value)

    def exhausted(self, provider: str, t: float) -> bool:
        """Whether ``provider`` has used its whole day's quota at ``t`` (at the newest scrape, as the pane and every
        stand-in read the quota): then it refuses every call with a 429 (quota-1).

        Quota use never goes down between two resets (``_used``, ``_spent``), so a scrape found full answers for every
        later scrape of its day and one found not full for every earlier one. Two hours of flows ask at ~500 scrapes per
        provider; reading the quota a half hour ahead and bisecting where it turns full reads it a few times instead."""
        k = math.floor(t / SPEND + 1e-9)
        if (key := (provider, k)) in self._spent_at:        # an answer once given stands (the bounds only narrow)
            return self._spent_at[key]
        day = quota_reset(k * SPEND, after=False)
        bounds = self._full_from.setdefault((provider, day), [math.ceil(day / SPEND) - 1, math.ceil((day + DAY) / SPEND)])
        if bounds[0] < k < bounds[1]:           # not known yet: look ahead, then bisect down to k
            built = self._k0 + len(self._sums) - 1      # the last scrape ``_spent`` summed: from within, no further
            self._narrow(provider, bounds, min(k + LOOK_AHEAD, bounds[1] - 1, built if k <= built else math.inf))
            while bounds[0] < k < bounds[1]:
                self._narrow(provider, bounds, (bounds[0] + bounds[1]) // 2)
        self._spent_at[key] = k >= bounds[1]
        return self._spent_at[key]

    def runs_out(self, provider: str, t: float) -> float | None:
        """The first scrape from ``t`` on at which ``provider``'s day's quota is used up (``exhausted``; ``t`` if it is
        already), None if it lasts to the day's reset: what a step that slows the burn buys is when this comes, hours
        after any window of minutes (the drill report's; arch37: the architect role's step read "unchanged")."""
        first, last = math.floor(t / SPEND + 1e-9), math.ceil(quota_reset(t) / SPEND) - 1
        if not self.exhausted(provider, last * SPEND):
            return None
        if self.exhausted(provider, first * SPEND):
            return t
        while last - first > 1:         # used up at ``last``, not at ``first``
            mid = (first + last) // 2
            first, last = (first, mid) if self.exhausted(provider, mid * SPEND) else (mid, last)
        return last * SPEND

    def _narrow(self, provider: str, bounds: list[int], k: int) -> None:
        """Read ``provider``'s quota at scrape ``k`` (once: ``_level``) and move ``bounds`` to it."""
        if self._level(provider, k * SPEND) >= 1.0:
            bounds[1] = min(bounds[1], k)
        else:
            bounds[0] = max(bounds[0], k)

    def context_cap(self, t: float, pruning: bool = False) -> float | None:
        """The size in KB FlowEngine prunes a flow's context bundle to at ``t``: ``CONTEXT_MAX_SIZE_KB`` of the env its
        pods run with, while pruning is on (``context_pruning`` in force, as its bend; ``pruning``: forced for one run,
        ``--enable-pruning``); None while bundles go whole or the size is unreadable. The one cap the tasks, logs,
        bundles and a retry state, the curves reading the same knob (``cluster.dose``)."""
        if not (pruning or self.in_force("context_pruning", t, delay=30.0)):
            return None
        try:
            cap = float(self.env(t).get(KNOBS["context_pruning"][0], ""))
        except ValueError:
            return None
        return cap if 0.0 < cap < math.inf else None

    def context_kb(self, t: float, repo: fleet.Repo | None = None) -> float:
        """A typical bundle of ``repo``'s flows at ``t`` (None: of all flows, the faults' mean: ``impact_on``)."""
        return fleet.CONTEXT_KB * (1.0 + 0.05 * self._wiggle_ctx(t)) + self.impact_on("context_kb", t, repo)

    def env(self, t: float) -> dict[str, str]:
        """FlowEngine's env as its pods run with it at ``t``: the revision made ``ENV_DELAY`` s before or
        earlier. The one rollout delay every routing read takes, so a first change and a later one, the
        curves and every stand-in switch at the same instant."""
        if (memo := self._memo.get("env")) is not None and memo[0] == t:     # a row reads it a dozen times (``_once``)
            return memo[1]      # type: ignore[no-any-return]
        return self._once("env", t, lambda t: self.cluster.env_at(t - ENV_DELAY))

    def route(self, t: float) -> str | None:
        """The provider FlowEngine sends the primary's routed calls to at ``t`` (its env's fallback model, once routing
        acts, as the flows see it); None while they go to the primary. How many of them: ``route_share``. A fallback
        model no provider serves is no routing taken (``cluster._env_meaning``) but its env sends them there all the
        same (``fleet.UNSERVED``: they fail, ``strands``); tried only after the primary (``tried_first``) it moves none
        (A12: a typo'd ``FALLBACK_MODEL`` healed the outage, the route-around gate passing on it)."""
        if (memo := self._memo.get("route")) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]

        def value(t: float) -> str | None:      # once a row: the requests, failures and quota read it many times
            env = self.env(t)                   # routing recorded with no env of its own: the default fallback
            if (to := route_of(env, away=not any(k in env for k in ROUTING))) == fleet.UNSERVED:
                return None if self._tried_first(t) else to
            return to if self.in_force("fallback_routing", t, delay=ENV_DELAY) else None
        return self._once("route", t, value)

    def plan_only(self, t: float) -> bool:
        """Whether only the architect role's calls (each flow's plan) run on ``route(t)``, the flows still the primary's
        (``cluster.plan_only``): their model, the tasks and the logs say, stays the primary's."""
        return self.route(t) is not None and plan_only(self.env(t))

    def route_share(self, t: float, repo: fleet.Repo | None = None) -> float:
        """The share of the primary's calls (``repo``'s; None: all flows') that run on ``route(t)``: all of them when
        the env names a fallback or disables the primary; the plans (``PLAN_SHARE``) when it names only the architect's;
        when it is tried first (``tried_first``) only those it answers 5xx now (``FALLBACK_ON_5XX``) or slower than
        ``FALLBACK_THRESHOLD_LATENCY`` (``slow_share``); 0 while nothing is routed."""
        def value(t: float) -> float:
            if self.route(t) is None:
                return 0.0
            if self.plan_only(t):
                return PLAN_SHARE
            env = self.env(t)
            s5 = self.share_5xx(fleet.PRIMARY_PROVIDER, t) if tried_first(env) and switched_on(env, "FALLBACK_ON_5XX") \
                else 0.0
            return s5 + (slow := self.slow_share(env, t, repo)) - s5 * slow       # 5xx or slow: either moves a call
        return self._once(("route_share", None if repo is None else repo.name in self._since), t, value)

    def slow_share(self, env: dict[str, str], t: float, repo: fleet.Repo | None = None) -> float:
        """The share of the primary's calls (``repo``'s; None: of all the flows running at ``t``, each repo's by its
        rate) ``env`` moves whatever they are answered: all unless ``tried_first``, then those slower than its
        ``threshold`` (none without one). A call takes its share of its flow's median as the vendor answers it (the
        faults unbent: routing does not make the vendor faster), its repo's flows': a fault marked ``onboarded`` slows
        the onboarded repos' calls alone (redteam48 F4: their 80 s on every call moved nine calls in ten of every repo,
        "91% answered in over 30 s" beside a P50 of 20.6 s). The one share the flows' models, the request counters,
        the router's line and a retry read."""
        if not tried_first(env) or (limit := threshold(env)) is None:
            return float(not tried_first(env))

        def slow(new: bool) -> float:
            work = fleet.LATENCY_MEDIAN + sum(f.impacts["latency"] * self.raw_strength(i, t)
                                              for i, f in enumerate(self.scenario.faults)
                                              if "latency" in f.impacts and (new or not f.onboarded))
            return 1.0 - lognormal_cdf(limit, fleet.PRIMARY_PROVIDER.call_share * work)
        if repo is not None or not self._only_new:
            return slow(repo is not None and repo.name in self._since)
        rates = [(r.rate, r.name in self._since) for r in self.repos
                 if self.came(r, t) and (r.pilot or not self.pilot_only(t))]
        new = sum(rate for rate, new in rates if new) / total if (total := sum(rate for rate, _ in rates)) else 0.0
        return (1.0 - new) * slow(False) + new * slow(True) if new else slow(False)

    def _hit(self, index: int) -> fleet.Repo | None:
        """A repo whose flows fault ``index`` slows, if it slows only some (``onboarded``): whose calls its routing
        bend moves (``slow_share``); None: every repo's."""
        return next((r for r in self.repos if r.name in self._since), None) if index in self._only_new else None

    def routed_model(self, t: float) -> tuple[str, str] | None:
        """(model, provider) the primary's routed calls run on at ``t`` by ``route``'s rule; None while on
        the primary. The one answer flows, logs and stand-ins read, so none can disagree with the curves."""
        models = (fallback_of(self.env(t)), *(p.model for p in fleet.PROVIDERS))      # the fallback's, else the enabled one's
        return None if (to := self.route(t)) is None else next((m, to) for m in models
                                                                if (fleet.provider_of(m) or fleet.UNSERVED) == to)

    def route_reason(self, t: float) -> str | None:
        """Why the primary's calls run on the fallback at ``t`` (None while they do not), from the state
        then: the primary disabled, or what a call to it gets now (5xx, 429 past its quota), else the
        setting alone. The one answer every log line and endpoint that says why reads."""
        if self.route(t) is None:
            return None
        env, primary = self.env(t), fleet.PRIMARY_PROVIDER
        if fleet.PRIMARY in disabled(env):
            return f"{fleet.PRIMARY} disabled"
        if moved := moved_primary(env):
            return f"PRIMARY_MODEL={moved}"
        if plan_only(env):
            return f"ARCHITECT_FALLBACK_MODEL={env['ARCHITECT_FALLBACK_MODEL']}: {PLAN_WORDS}"
        if tried_first(env):
            key = "FALLBACK_ON_5XX" if switched_on(env, "FALLBACK_ON_5XX") else "FALLBACK_THRESHOLD_LATENCY"
            why = ["answered 5xx"] * switched_on(env, key) + [f"answered in over {threshold(env) or 0:g} s"] * (threshold(env) is not None)
            return f"{key}={env[key]}: the {self.route_share(t) * 100:.0f}% of calls the primary {' or '.join(why)}"
        if (s5 := self.share_5xx(primary, t)) > NOTICEABLE:
            return f"primary returned 5xx to {s5 * 100:.0f}% of calls"
        if (used := self.quota(primary, t)) >= 1.0 or self.share_429(primary, t) > NOTICEABLE:
            said = "exhausted" if used >= 1.0 else f"{format_value(used * 100, 'percent')} used, 429s"
            return f"primary quota {said}"
        key = next((k for k in (*ROUTING_KEYS[:2], "FALLBACK_ON_5XX") if env.get(k)), None)
        return f"{key}={env[key]} set" if key else "fallback routing enabled"

    @functools.cached_property
    def _carrying(self) -> list[tuple[float, float, float, str | None, float, tuple[str | None, ...]]]:
        """(from, until, traffic share, the provider the primary's calls go to or None, the share of them it takes,
        none of them tried on the primary: 1 all, ``PLAN_SHARE`` the plans (the flows still the primary's), 0 only
        those answered 5xx or slow, the primary still called first, ``carriers``): FlowEngine's calls are the same all
        through each stretch, cut at every stop, start, pilot-only change and routing change (a switch or revision
        acting)."""
        switches = [a.t + ENV_DELAY for a in self.actions if a.action.startswith("fallback_routing")]
        revisions = (at + ENV_DELAY for at, _ in self.cluster.flowengine.ran)
        cuts = sorted({*switches, *revisions, *(w for w, _ in self._running), self._pilot_only} - {None})
        out = []
        for x, y in zip([-math.inf, *cuts], [*cuts, math.inf], strict=True):
            at = x if x > -math.inf else min(y, 0.0) - 1.0
            env, routed, off = self.env(at), self.route(at), disabled(self.env(at))
            to = routed if self.running(at) else None
            own = fleet.PRIMARY not in off and (routed is None or tried_first(env) or  # keeps its flows: not if their
                                                plan_only(env) and routed != fleet.UNSERVED)   # plans go nowhere
            lead = fleet.PRIMARY if own else routed or route_of(env)
            moved = 1.0 if to is None else PLAN_SHARE if plan_only(env) else float(not tried_first(env))
            out.append((x, y, self.traffic_share(at), to, moved,
                        tuple(lead if p == fleet.PRIMARY or p in off else p for p in fleet.PROVIDER_NAMES)))
        return out

    @functools.cached_property
    def _carrying_from(self) -> list[float]:
        """Where each stretch of ``_carrying`` begins (``carriers`` bisects it)."""
        return [c[0] for c in self._carrying]

    def _used(self, provider: fleet.Provider, t: float) -> float:
        """The share of ``provider``'s quota its healthy calls spent since the last reset: each provider's token rate
        (``day_use``) integrated over the time the calls ran, times the traffic share; the primary's calls and their
        tokens counted where FlowEngine sent them (the architect's: its flows' plans there, their work on it;
        ``FALLBACK_ON_5XX``: the primary still called first, the share answered 5xx tried again on the fallback,
        ``_burn``). A sum of terms >= 0: it never goes down in a day."""
        last, total = quota_reset(t, after=False), 0.0
        for k, (x, y, share, to, moved, carriers) in enumerate(self._carrying):     # each flow's tokens, in a share of
            if (b := min(y, t)) > (a := max(x, last)) and share > 0.0:      # this one's quota, spent by the flows that
                ran = day_use(max(self.queue.shift(b), last)) - day_use(max(self.queue.shift(a), last))    # ran (queue)
                if (tokens := self._tokens.get((k, provider.name))) is None:        # the stretch's, once a world
                    tokens = self._tokens[(k, provider.name)] = sum(
                        p.quota_used * (p.daily_tokens / provider.daily_tokens) * (
                            (1.0 - part) * (c == provider.name) + part * (to == provider.name))   # the primary's plans
                        for p, c in zip(fleet.PROVIDERS, carriers, strict=True)
                        for part in (moved if to is not None and c == fleet.PRIMARY else 0.0,))
                total += share * ran * tokens
        return total

    def quota(self, provider: fleet.Provider, t: float) -> float:
        """The share of the day's quota used: what the healthy calls spent (``_used``) plus what the faults burnt
        (``_spent``), both since the day's reset. Spent is spent: a mitigation slows the burn, it gives nothing back."""
        return max(0.0, min(1.0, self._used(provider, t) + self._spent(provider, t)))

    def _spent(self, provider: fleet.Provider, t: float) -> float:
        """What the faults burnt of ``provider``'s quota from the last reset (a drop to zero) to the last step's end
        at or before ``t`` (a gauge's scrape): the sum of ``_burn`` over each ``SPEND`` step, kept as prefix sums built
        once, so asking costs the same however old the drill is, and the count never goes down (each step's is >= 0)."""
        i = fleet.PROVIDERS.index(provider)
        k = math.floor(t / SPEND)
        if k < self._k0:
            return 0.0
        if not self._sums:          # what an onset before a day back burnt up to the first step
            self._sums.append(self._burn(self._first - 1.0, self._k0 * SPEND))
        while len(self._sums) <= k - self._k0:
            a = (self._k0 + len(self._sums) - 1) * SPEND
            if (flat := math.floor((self._grows_from(a) - a) / SPEND)) > 0:      # no level grows: nothing burnt
                self._sums.extend([self._sums[-1]] * min(flat, k - self._k0 + 1 - len(self._sums)))
                continue
            steps = max(1, min(math.floor((self._steady(a) - a) / SPEND), k - self._k0 + 1 - len(self._sums)))
            if self.queue.acts_from(a) >= a + steps * SPEND:    # every step burns the same (``_steady``)
                burn = self._burn(a, a + SPEND)
                for _ in range(steps):
                    self._sums.append([x + y for x, y in zip(self._sums[-1], burn, strict=True)])
                continue
            # flows waiting: the block burns what its levels grew, each step its share by the flows started in it
            whole, came = self._burn(a, a + steps * SPEND), [self.queue.shift(a + j * SPEND) for j in range(steps + 1)]
            self._shared.append((len(self._sums), len(self._sums) + steps))
            for x, y in itertools.pairwise(came):
                share = (y - x) / (came[-1] - came[0]) if came[-1] > came[0] else 0.0
                self._sums.append([u + v * share for u, v in zip(self._sums[-1], whole, strict=True)])
        used = self._sums[k - self._k0][i]
        reset = round(quota_reset(t, after=False) / SPEND)
        return used - (self._sums[reset - self._k0][i] if reset >= max(self._k0, fleet.QUOTA_RESET / SPEND) else 0.0)

    def adopt(self, old: Signals, since: float) -> None:
        """Take up ``old``'s quota burnt (``_spent``'s prefix sums) to the last scrape at or before ``since``, the first
        moment the two worlds' actions differ (``Simulator._world``: an action changes the world only from when it is
        taken, as ``Series.adopt`` keeps the rows before it). Each step's burn reads the world over that step alone,
        but a block where flows wait shares out a burn read over the whole block: one reaching past ``since`` is not
        kept. Each new world summed a day of steps again (a fifth of the drill tests' CPU)."""
        keep = len(old._sums) if since == math.inf else min(len(old._sums), math.floor(since / SPEND) - self._k0 + 1)
        if old.scenario is not self.scenario or old.ids != self.ids or keep <= len(self._sums):
            return
        keep = min([keep, *(i for i, j in old._shared if i < keep < j)])
        if keep > len(self._sums):
            self._sums = old._sums[:keep]
            self._shared = [(i, j) for i, j in old._shared if j <= keep]
            for key, level in old._levels.items():     # and the quota read at its scrapes then (``_level``)
                if key[1] - self._k0 < keep:
                    self._levels.setdefault(key, level)

    def _grows_from(self, t: float) -> float:
        """The first moment from ``t`` the storm's requests may count (``_storm_from``) or the primary's 5xx are tried
        on the fallback (``FALLBACK_ON_5XX``), so the flat hours cost nothing."""
        if (storm := self._storm_from(t)) <= t:
            return t
        tried = (max(t, x) for x, y, _, to, whole, _ in self._carrying if to and not whole and y > t)
        return min([storm, t + DAY, *tried])

    def _storm_from(self, t: float) -> float:
        """The first moment from ``t`` the storm's requests (``_storm``) may count: ``t`` while a batch job's calls come
        (its ramp), while heavy bundles make every call cost more (for good: only pruning shrinks them, not to nothing)
        or a throttled provider's quota is between ``fleet.THROTTLE_FROM`` and used up; once it is used up, the reset (a
        full quota counts nothing more); under the line, the soonest the calls could bring it there (the healthy calls
        spend well under ten days' quota a day)."""
        def value(t: float) -> float:
            out, came = math.inf, self.queue.shift(t)
            for i, f in self._storm:
                if (vendor := self._throttles[i]) is None:
                    if came < self.onsets[i] + f.ramp or "context_kb" in f.impacts:
                        return t
                    continue
                if fleet.THROTTLE_FROM <= (used := self._level(vendor, t)) < 1.0:
                    return t
                out = min(out, quota_reset(t) if used >= 1.0 else t + (fleet.THROTTLE_FROM - used) * DAY / 10.0)
            return out
        return self._once("storm", t, value)

    def _steady(self, t: float) -> float:
        """Until when every step from ``t`` burns what the step at ``t`` does (``t``: not even that one), flows waiting
        aside: no storm, no stop, start or routing change, so the quiet hours cost one step."""
        came = self.queue.shift(t)      # the flows that run then (flows waiting: ``_spent`` shares it out)
        last = quota_reset(came, after=False)
        if came < fleet.QUOTA_RESET or self._storm_from(t) <= t:
            return t
        end = [last + DAY - fleet.QUOTA_RESET, *(w for w, _ in self._running if w > t)]
        for x, y, _, to, whole, _ in self._carrying:
            if y > t and to and not whole:
                return t
            end += [e for e in (x, y) if e > t]
        return min(end)

    def _burn(self, a: float, b: float) -> list[float]:
        """Each provider's quota the world's requests burn in ``[a, b]`` beyond the healthy calls' (``_counted``),
        and under ``FALLBACK_ON_5XX`` the healthy tokens of the primary's calls answered 5xx, tried on the fallback."""
        over = [((min(b, y) - max(a, x)) / (b - a), share, to, whole)      # the share of [a, b] in each stretch
                for x, y, share, to, whole, _ in self._carrying if x < b and y > a]
        counted = self._counted(a, b)
        if all(to is None or whole for _, _, to, whole in over):
            return counted
        xa, xb = self.queue.shift(a), self.queue.shift(b)      # the flows that ran: those arrived then
        retry = fleet.PRIMARY_PROVIDER.quota_used * (day_use(xb) - day_use(xa)) * self.route_share((a + b) / 2.0)
        return [c if p.name == fleet.PRIMARY else c + retry * sum(o * share for o, share, to, whole in over
                                                                    if to == p.name and not whole)
                * fleet.PRIMARY_PROVIDER.daily_tokens / p.daily_tokens
                for c, p in zip(counted, fleet.PROVIDERS, strict=True)]

    def _counted(self, a: float, b: float) -> list[float]:
        """Each provider's quota the storm's requests take in ``[a, b]`` (``_storm``): every request it receives counts
        ``fleet.TOKENS_PER_CALL``, refused or not (its limiter counts a request's tokens on arrival), beyond the flows'
        first attempts the healthy use already holds (``_used``): the batch jobs' calls with every retry, the flows'
        retries. So the quota follows the calls the world makes (``request_rate``), and a breaker holding retries
        slows it by the requests it stops, whenever it goes on (redteam40 R3: a burn on its own clock ended at 730 s).
        A call carries its flow's context bundle: the faults' extra KB (``context_kb``, as pruning leaves it) make each
        cost that much more of a typical bundle's tokens, on whichever provider takes it (the timeout drill's heavy
        bundles: a level on a clock re-spent its burst after the reset, with no request behind it)."""
        if not self._storm or self._storm_from(a) >= b:
            return [0.0] * len(fleet.PROVIDERS)
        mid, out = (a + b) / 2.0, []
        came = self.queue.shift(mid)
        batching = any(came < self.onsets[i] + f.ramp for i, f in self._storm if self._throttles[i] is None)
        heavy = 1.0 + (bloat := self.impact("context_kb", came) / fleet.CONTEXT_KB)    # tokens a call, in typical
        for p in fleet.PROVIDERS:       # at a provider no one throttles, only a batch's calls and heavy bundles count
            if not (batching or bloat) and p.name not in self._throttles:
                out.append(0.0)
                continue
            flows, batch = self._requests(p, mid)
            if not (batch or bloat) and p.name not in self._throttles:
                out.append(0.0)
                continue
            sent = self.law(p.name, mid)[1]
            if 0.0 < (part := self._held_part(a, b)) < 1.0:     # the breaker trips (or lets go) inside the step
                sent = part * self.law(p.name, mid, True)[1] + (1.0 - part) * self.law(p.name, mid, False)[1]
            tried = sent if batch or p.name in self._throttles else 1.0     # the flows' retries, where those count
            out.append((batch * sent * heavy + flows * (tried * heavy - 1.0)) * (b - a) * fleet.TOKENS_PER_CALL
                       / p.daily_tokens)
        return out

    def breaker_open(self, armed: float, t: float) -> bool:
        """Whether the breaker armed at ``armed`` is OPEN at ``t``: ``BREAKER_OPEN`` s from its trip (a quota at or over
        its threshold when armed or reaching it since, read at the scrapes), not until the quota falls: spent quota is
        not given back before the reset, so a breaker waiting for that would stay open all day."""
        if t < armed:
            return False
        if t < armed + BREAKER_OPEN and self._armed_over(armed):
            return True
        k, first = math.floor(t / SPEND + 1e-9), math.floor(armed / SPEND + 1e-9) + 1    # the scrapes after arming
        return any(self._over(j) and not (self._over(j - 1) if j > first else self._armed_over(armed))
                   for j in range(max(first, k + 1 - round(BREAKER_OPEN / SPEND)), k + 1))

    def _armed_over(self, armed: float) -> bool:
        """Whether the fullest quota is at or over the threshold the moment the breaker is armed: its first look, at
        that second, not the next scrape's (F5: a breaker armed a second past a scrape acted 15 s late)."""
        return max(self.quota(p, armed) for p in fleet.PROVIDERS) >= breaker_limit(self.cluster.env_at(armed))

    def breaker_state(self, armed: float, t: float) -> str:
        """The breaker armed at ``armed``, at ``t``: OPEN (``breaker_open``; it holds retries of throttled calls, never
        new flows, and while a quota is used up, ``spent``, every call to it fails fast), then HALF_OPEN (held calls
        tried again) while the quota stays at or over the threshold, else CLOSED (never tripped, or under it again
        after the reset). Read at the scrapes as the quota pane is: the status and the logs say this one rule."""
        if t < armed:
            return "CLOSED"
        if self.breaker_open(armed, t) or self.spent(t):
            return "OPEN"
        return "HALF_OPEN" if self._over(math.floor(t / SPEND + 1e-9)) else "CLOSED"

    def spent(self, t: float) -> str | None:
        """The first provider whose day's quota is used up at ``t`` (``exhausted``: it refuses every call), or None."""
        return next((p.name for p in fleet.PROVIDERS if self.exhausted(p.name, t)), None)

    def _over(self, j: int) -> bool:
        """Whether the fullest quota at the ``j``-th scrape (second ``j * SPEND``) is at or over the threshold then."""
        if j not in self._overs:
            self._overs[j] = max(self.quota(p, j * SPEND) for p in fleet.PROVIDERS) >= breaker_limit(self.cluster.env_at(j * SPEND))
        return self._overs[j]

    def request_rate(self, provider: fleet.Provider, t: float) -> float:
        """Requests per second to ``provider``: the calls of every flow it carries (``carriers``; none made for a flow no
        provider takes; the primary's less the plans it no longer makes, ``plan_only``), and the primary's routed share
        when they are tried on the primary first (as retries) or are the plans, each
        call as many attempts as ``call_law`` makes of it there; none while an OPEN breaker fails them fast
        (``fails_fast``: redteam47 F10, the 429 counters kept a retry storm of calls the breaker said it never sent)."""
        return 0.0 if self.fails_fast(provider.name, t) else \
            sum(self._requests(provider, t)) * self.law(provider.name, t)[1]

    def fails_fast(self, provider: str, t: float) -> bool:
        """Whether FlowEngine fails ``provider``'s calls at ``t`` without sending them: its day's quota is used up and
        an armed breaker is OPEN (``breaker_state``: it stays so until the reset), so no request, no 429 (``strands``).
        Armed: on in every revision since the pods of one that turned it on were ready (``Cluster.breaker``)."""
        fe, on = self.cluster.flowengine, lambda env: switched_on(env, "ENABLE_CIRCUIT_BREAKER")
        return self.exhausted(provider, t) and on(self.cluster.env_at(t - fe.rollout_seconds)) and all(
            on(env) for at, env in fe.ran if t - fe.rollout_seconds < at <= t)

    def _requests(self, provider: fleet.Provider, t: float) -> tuple[float, float]:
        """The first attempts a second at ``provider`` of (the flows' calls, the batch jobs' calls, ``batch``): what
        ``request_rate`` tries again and ``_burn`` counts."""
        name = provider.name
        wiggle = 1.0 + 0.08 * self._wiggle_req[name](t)
        carriers = self.carriers(t)

        def routed(rps: Callable[[int], float]) -> float:       # of each provider's flows by its index
            rate = sum([rps(j) for j, c in enumerate(carriers) if c == name])
            if name == fleet.PRIMARY and self.plan_only(t):      # its flows' plans are made on the fallback
                rate *= 1.0 - self.route_share(t)
            if name != carriers[0] == fleet.PRIMARY and self.route(t) == name:   # the primary tried first
                rate += self.route_share(t) * sum([rps(j) for j, c in enumerate(carriers) if c == fleet.PRIMARY])
            return rate
        flows = routed(_REQUESTS.__getitem__) * wiggle * self.traffic_share(t) * self.queue.pace(t) * (
            PLAN_SHARE if self.reviewing(t) else 1.0) * (     # a flow held for review made its plan's calls alone
            not self.bundles_denied(t))                     # one denied its bundle made none
        batched = routed(lambda j: self.batch(fleet.PROVIDERS[j], t)) * self.traffic_share(t) if self._storm else 0.0
        return flows, batched

    def share_5xx(self, provider: fleet.Provider, t: float) -> float:
        """The share of calls to ``provider`` answered 5xx: the vendor's answer to a call made now (routing away
        does not heal it) plus what FlowEngine's own client adds (``api_5xx:*``: a restart or rollback mends it)."""
        if (memo := self._memo.get(key := ("5xx", provider.name))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]

        def value(t: float) -> float:       # once a row: the codes and ``lost`` read it many times
            base = fleet.BASE_5XX * (1.0 + 0.5 * self._wiggle_5xx[provider.name](t))
            return min(1.0, base + self.impact("api_5xx", t, provider.name))
        return self._once(key, t, value)

    def call_latency(self, provider: fleet.Provider, t: float) -> float:
        """The median seconds of one call to ``provider``'s model: a share of a flow's, slower while the vendor fails
        (as a call made now sees it, routed or not: ``answers``); a vendor's fault slows its own calls, never another
        vendor's (redteam45 R2: Anthropic's outage made OpenAI's and Google's calls a third slower, and routing away
        from Anthropic sped all three up)."""
        moved = sum(a * ((self.answers(i, t) if self._vendor[i] == provider.name else 0.0) - self.strength(i, t))
                    for i, a in self._terms.get("latency", ()) if self._vendor[i] is not None)
        return (self.latency_median(t) + moved * self.contention(t)) * provider.call_share * (
            1.0 + 4.0 * self.share_5xx(provider, t))

    def share_429(self, provider: fleet.Provider, t: float) -> float:
        """The share of the attempts at ``provider`` refused 429: every one once its day's quota is used (``exhausted``).

        A throttling fault's refusals come from a capacity: the provider lets so many calls through, however often
        each is tried. Its share is declared at the orchestrator's default attempts (``fleet.MAX_ATTEMPTS``); at A
        attempts (``retry.max_attempts``) each is refused ``share ** (MAX_ATTEMPTS / A)``, so the calls that never get
        through (``call_law``: the share to the power A) stay ``share ** MAX_ATTEMPTS`` whatever A is. More attempts
        only refuse more requests (the retry storm grows); fewer send fewer and fail no more calls. The everyday
        ``BASE_429`` falls on attempts at random. A 5xx outage is no capacity: there, trying again does help."""
        if self.exhausted(provider.name, t):
            return 1.0
        if (memo := self._memo.get(key := ("429", provider.name))) is not None and memo[0] == t:     # ``_once``'s
            return memo[1]      # type: ignore[no-any-return]
        return self._once(key, t, lambda t: min(
            1.0, fleet.BASE_429 + self.impact("api_429", t, provider.name) * self.throttled(provider.name, t)))

    def throttled(self, provider: str, t: float, tries: int | None = None) -> float:
        """By how much the attempts (``share_429``'s capacity law) multiply the 429 share the faults declare at
        ``provider`` at ``t``: 1 at the default ``fleet.MAX_ATTEMPTS``, every fault's part alike (``failing``);
        ``tries``: the attempts of a throttled call (None: one while the breaker holds retries, else ``attempts``)."""
        declared = self.impact("api_429", t, provider)
        if declared <= 0.0 or (tries := tries or (1 if self.holding(t) else self.attempts(t))) == fleet.MAX_ATTEMPTS:
            return 1.0
        return min(1.0, declared) ** (fleet.MAX_ATTEMPTS / tries) / declared

    def code_shares(self, provider: fleet.Provider, t: float) -> dict[str, float]:
        """Share of the provider's calls by HTTP status code (sums to 1)."""
        s5 = self.share_5xx(provider, t)
        s429 = min(self.share_429(provider, t), 1.0 - s5)
        out = {"200": max(0.0, 1.0 - s5 - s429), "429": s429}
        for code, share in self.scenario.codes_5xx.items():
            out[code] = out.get(code, 0.0) + s5 * share
        return out

    def audit_lost(self, t: float) -> float:
        """The share of the audit events written at ``t`` that never reach the audit log. FlowEngine sends each to one
        ready audit-shipper pod through its Service; a stuck pod (``audit_stuck``) fails its readiness probe (its
        ``/health`` answers 503), so the Service sends it nothing (``audit_held``): all are lost while no pod ships,
        none once one does (a scale-up's fresh pod too; the stuck ones stay, unready, until replaced). All of them
        while no audit-shipper pod runs."""
        if self.audit_down_since(t) is not None:
            return 1.0
        return min(1.0, sum(self.strength(i, t) for i in self._stalls))

    def audit_route(self, t: float, key: object) -> tuple[float, int] | None:
        """The audit-shipper pod that shipped the audit event ``key`` written at ``t``, as (its creation time, its rank
        among the ready pods created then), or None: the event was lost (``audit_lost``). The Service's pick of a ready
        pod for it is a stable hash over the pods that ship (a stuck one is not ready: ``audit_held``). The one rule
        the gap pane, psql's audit_logs and both logs read (``Activity.audit_events``)."""
        u, lost = zlib.crc32(f"{self._seed}:ship:{key}".encode()) / 2**32, self.audit_lost(t)
        ships = sorted(c for c in self.audit_pods(t) if not self.audit_stuck(c, t))
        if u < lost or not ships:
            return None
        j = min(len(ships) - 1, int((u - lost) / (1.0 - lost) * len(ships)))
        return ships[j], j - ships.index(ships[j])
