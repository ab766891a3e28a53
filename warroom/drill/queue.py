"""FlowEngine's queue: a flow waits for a slot while MAX_CONCURRENT_FLOWS flows of the deployment run.

FlowEngine's pods claim queued tasks from the one TaskDB while fewer than MAX_CONCURRENT_FLOWS flows run, counted
there for the whole deployment (``blocks config set ... max_concurrent_flows`` says so), not per pod. Flows arrive
as they always did (``Signals.exec_rate``); the cap decides when each starts. ``Queue`` integrates that in steps of
30 s (cut where an operation changes the cap or the flows offered, so each acts from its second) as an M/M/c
queue, c the cap, taken pointwise stationary (PSFFA, Wang et al. 1996): the flows in the system
N (running or waiting) move by arrivals less completions, and the slots busy are those an M/M/c queue holding N
flows keeps busy. So a cap above the load (5 slots, ~3.5 flows in flight) cuts nothing, the flows arriving while
every slot is taken wait (Erlang C), and a cap under it (1-3) runs cap/duration flows a second, a backlog growing
as long as it holds and draining once it is lifted (or rolled back) at the new cap's pace.

First in, first out: the flows starting at ``t`` arrived at ``shift(t)``, ``t`` less their wait. Each repo's count
of started flows is its count of arrivals then (``Series``), the tokens and calls follow the flows that run
(``Signals.quota``, ``pace``), and a flow's wait is the same in its task row and in the duration histogram.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import math
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

STEP = 30.0         # the queue's longest step: two quota scrape steps; under the ~45 s a flow holds its slot
DEFAULT = 50        # FlowEngine's own MAX_CONCURRENT_FLOWS: this estate never has that many flows in flight
EMPTY = 1e-6        # fewer flows than this waiting count as none: then every flow starts as it arrives


def erlang_c(c: int, a: float) -> float:
    """The share of arrivals that wait in an M/M/c queue at an offered load of ``a`` (< c) busy slots."""
    b = 1.0
    for k in range(1, c + 1):       # Erlang B by its recurrence, then C from B
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def busy(c: int, n: float) -> float:
    """The slots busy when ``n`` flows are in a ``c``-slot queue: the load at which an M/M/c queue holds ``n`` flows
    on average (c*rho running plus C*rho/(1 - rho) waiting), read off that curve (``_held``); all ``c`` past it."""
    if c <= 0 or n <= 0.0:
        return 0.0
    if n < c and erlang_c(c, n) * n / (c - n) < EMPTY:     # as good as none would wait
        return n
    loads, held = _held(c)
    i = bisect.bisect_right(held, n)
    if i >= len(held):
        return float(c)
    return loads[i - 1] + (loads[i] - loads[i - 1]) * (n - held[i - 1]) / (held[i] - held[i - 1])


@functools.lru_cache(maxsize=64)
def _held(c: int) -> tuple[list[float], list[float]]:
    """(busy slots, flows in the system) of a ``c``-slot M/M/c queue at loads from 0 to 1 - 1e-9 of it: fine steps,
    then ever closer to full (the waiting grow as 1 / (1 - rho)), so ``busy`` is a look-up, not a search a step."""
    rhos = [i / 2000.0 for i in range(2000)] + [1.0 - 10.0 ** (-3.3 - k / 20.0) for k in range(115)]
    return [c * r for r in rhos], [c * r + erlang_c(c, c * r) * r / (1.0 - r) for r in rhos]


@dataclass
class _Stretch:
    """The queue from ``t0`` (the second a cap acts) while a cap may bind: per step, at ``ts`` (``STEP`` apart, cut
    short where the cap, the flows offered or FlowEngine's running change: a step never straddles an operation), the
    flows arrived since ``t0`` (``came``), the arrival time of the flows starting then (``x``) and the flows in the
    system (``n``); ``end`` once drained."""

    t0: float
    ts: list[float] = field(default_factory=list)
    came: list[float] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    n: list[float] = field(default_factory=list)
    end: float = math.inf
    now: tuple[float, int, float] = (0.0, 0, 1.0)      # the newest step's (arrivals a second, slots, hold)
    before: float = 0.0         # the flows in flight when the cap came: they run on, their slots held until they end


class Queue:
    """The queue over time: ``caps`` the moments a cap under ``DEFAULT`` comes into force, ``offered(t)`` flows
    arriving a second, ``hold(t)`` the mean seconds a flow runs (holds its slot), ``slots(t)`` the cap in force (0
    while no pod runs flows). Deterministic, computed forward as asked: each stretch starts with the flows in
    flight a capless estate has (Little: arrivals x duration) and ends once drained under a cap that no longer binds.
    ``changes``: the moments ``slots`` or ``offered`` may change, where a step ends so each acts from its second."""

    def __init__(self, caps: list[float], offered: Callable[[float], float], hold: Callable[[float], float],
                 slots: Callable[[float], int], changes: Sequence[float] = ()) -> None:
        self._caps = sorted(caps)         # each from the second it acts, not the next step of a grid (redteam37 F5)
        self._changes = sorted(set(changes))
        self.first = min(caps, default=math.inf)       # when a cap first acts: ``Slots`` runs the flows from then
        self._offered, self._hold, self._slots = offered, hold, slots
        self._stretches: list[_Stretch] = []

    def adopt(self, other: Queue, before: float) -> None:
        """Take up ``other``'s steps at times strictly before ``before`` (a world that differs from then on: its
        flows arrived and ran alike until then), so a world redone from a moment does not redo the hours before."""
        for s in other._stretches:
            if s.t0 >= before:
                break
            keep = min(len(s.x), bisect.bisect_left(s.ts, before)) if s.end >= before else len(s.x)
            u = s.ts[keep - 1]
            self._stretches.append(_Stretch(s.t0, s.ts[:keep], s.came[:keep], s.x[:keep], s.n[:keep],
                                            s.end if s.end < before else math.inf,
                                            (self._offered(u), self._slots(u), self._hold(u)), s.before))

    def _at(self, t: float) -> _Stretch | None:
        """The stretch ``t`` falls in, computed up to the step after ``t``; None: no flow waits at ``t``."""
        if not self._caps or t < self._caps[0]:
            return None
        while True:
            last = self._stretches[-1] if self._stretches else None
            if last is not None and last.end == math.inf and last.ts[-1] <= t:
                self._step(last)
                continue
            if last is None or last.end < math.inf:
                after = last.end if last else -math.inf
                nxt = next((c for c in self._caps if c > after), None)
                if nxt is not None and nxt <= t:
                    now = self._offered(nxt), self._slots(nxt), self._hold(nxt)
                    self._stretches.append(_Stretch(nxt, [nxt], [0.0], [nxt], [now[0] * now[2]], now=now,
                                                    before=now[0] * now[2]))
                    continue
            break
        found = next((s for s in reversed(self._stretches) if s.t0 <= t), None)
        return found if found is not None and t < found.end else None

    def _step(self, s: _Stretch) -> None:
        """One step on: N by arrivals less the busy slots' completions, then the flows waiting (N less the busy
        slots) are the last to arrive, so the flows starting arrived where the count of arrivals is that much less.
        Over the step the cap and the flows offered are those at its start (it ends where either may change, and
        ``offered`` is flat between): what changes at its end acts from there, none of it before."""
        k = len(s.x) - 1
        prev = s.ts[k]
        u = min([prev + STEP, *self._changes[bisect.bisect_right(self._changes, prev):][:1]])
        dt = u - prev
        (rate, slots, hold), s.now = s.now, (self._offered(u), self._slots(u), self._hold(u))
        waiting = s.came[k] - self._came(s, s.x[k])
        if not slots:           # stopped: the runs in flight end, the flows waiting wait on
            s.before = 0.0
        n = max(0.0, s.n[k] + dt * (rate - self._running(s, slots, s.n[k], prev) / hold) if slots else waiting)
        s.ts.append(u)
        s.came.append(s.came[k] + dt * rate)
        wait = n - self._running(s, slots, n, u)
        if wait < EMPTY:
            s.x.append(u)
        else:           # the flows whose arrival count is ``wait`` short of now's: none start twice (x never goes back)
            target, j = s.came[-1] - wait, bisect.bisect_right(s.came, s.came[-1] - wait) - 1
            x = s.ts[j] + (s.ts[j + 1] - s.ts[j]) * (target - s.came[j]) / (s.came[j + 1] - s.came[j]) \
                if j >= 0 else s.t0
            s.x.append(min(u, max(s.x[k], x)))
        s.n.append(n)
        if s.x[-1] == u and s.now[1] >= DEFAULT:      # drained under a cap that does not bind: it ends
            s.end = u

    def _running(self, s: _Stretch, slots: int, n: float, t: float) -> float:
        """The flows running at ``t`` of the ``n`` in the system: the slots busy (``busy``), or while more are left
        of the flows in flight when the cap came (a lower cap stops no run: they end at their pace, and no flow
        starts until fewer run than the cap), those."""
        return max(busy(slots, n), min(n, s.before * math.exp(-(t - s.t0) / self._hold(t)))) if slots else 0.0

    @staticmethod
    def _came(s: _Stretch, x: float) -> float:
        j = min(bisect.bisect_right(s.ts, x) - 1, len(s.came) - 2)
        return s.came[j] + (s.came[j + 1] - s.came[j]) * (x - s.ts[j]) / (s.ts[j + 1] - s.ts[j]) if j >= 0 else 0.0

    def shift(self, t: float) -> float:
        """When the flows starting at ``t`` arrived: ``t`` less their wait (``t`` itself while none waits)."""
        s = self._at(t)
        if s is None:
            return t
        j = bisect.bisect_right(s.ts, t) - 1
        return s.x[j] + (s.x[j + 1] - s.x[j]) * (t - s.ts[j]) / (s.ts[j + 1] - s.ts[j])

    def pace(self, t: float) -> float:
        """Flows starting a second at ``t`` as a share of those arriving then had none waited (``shift``'s slope): 1
        without a queue, under 1 while a backlog grows, over 1 while one drains."""
        s = self._at(t)
        if s is None:
            return 1.0
        j = bisect.bisect_right(s.ts, t) - 1
        return (s.x[j + 1] - s.x[j]) / (s.ts[j + 1] - s.ts[j])

    def acts_from(self, t: float) -> float:
        """The first moment from ``t`` a flow may wait (``t`` itself inside a stretch; inf: never again)."""
        if self._at(t) is not None:
            return t
        return next((c for c in self._caps if c > t and not any(s.t0 <= c < s.end for s in self._stretches)), math.inf)


class Slots:
    """FlowEngine's slots flow by flow, from the moment ``t0`` a cap first acts: the source of truth of when each flow
    runs (``Series`` derives the execution, failure and duration counters from it, ``Activity`` the tasks), so at every
    instant no more run than the cap and none waits while a slot is free. First in, first out across the repos: a flow
    begins at the later of its arrival and the first moment fewer run than the cap in force (``slots``, 0 while
    FlowEngine is stopped), its run its own draw from then (``run``); a lower cap stops no run in flight (``ends``: the
    runs in flight at ``t0``). A flow fails when its repo's failure count, raised by its share at its begin (``share``,
    from ``fails0``), passes a whole number (``Series.steps``' rule): the counter and the failed tasks are one count.
    Computed forward as asked, deterministic: a flow's begin depends on the flows before it only (``came`` its
    arrival)."""

    def __init__(self, t0: float, firsts: list[int], came: Callable[[int, int, float], float | None],
                 share: Callable[[int, float], float], run: Callable[[int, int, float, bool], tuple[float, bool]],
                 law: Callable[[int, float, float], list[float]],
                 slots: Callable[[float], int], changes: Sequence[float], ends: list[float], fails0: list[float],
                 bounds: Sequence[float], hist0: Sequence[float], longest: float) -> None:
        self.t0, self.firsts, self.fails0, self.bounds, self.hist0 = t0, firsts, fails0, bounds, array("d", hist0)
        self.longest = longest                  # no run lasts longer (the hard timeout)
        self._came, self._share, self._run, self._law, self._slots = came, share, run, law, slots
        self._changes = sorted(c for c in changes if c > t0)
        self._ends = sorted(ends)               # a heap: when each run in flight ends
        self._next = list(firsts)               # each repo's next flow not yet arrived (as far as ``_seen``)
        self._seen = t0
        self._waiting: deque[tuple[float, int, int]] = deque()      # (arrival, repo, k) not begun, in arrival order
        self._last = t0                         # the latest begin: none begins before a flow that came before it
        n = len(firsts)
        self.came: list[list[float]] = [[] for _ in range(n)]      # per repo, its flows from ``firsts`` on that began
        self.began: list[list[float]] = [[] for _ in range(n)]
        self.fails: list[list[float]] = [[] for _ in range(n)]     # its failure counter once each began
        self.arrived: list[float] = []          # every begun flow's arrival, in the order they began
        self.order: list[float] = []            # every begin, in order, and the histogram after each (from ``hist0``):
        self.hist: list[array[float]] = []      # flows that took at most each bound, their count and seconds

    def advance(self, t: float) -> None:
        """Every flow arrived by ``t`` in the queue, and every one of them that begins by ``t`` begun."""
        if t <= self._seen:
            return
        arrived = []
        for i in range(len(self.firsts)):
            while (x := self._came(i, self._next[i], t)) is not None:
                arrived.append((x, i, self._next[i]))
                self._next[i] += 1
        self._waiting.extend(sorted(arrived))
        self._seen = t
        while self._waiting:
            x, i, k = self._waiting[0]
            b = self._free(max(x, self._last))
            if b == math.inf:       # stopped for good: they wait on
                break
            self._waiting.popleft()
            self._begin(i, k, x, b)
            if b > t:
                break

    def _free(self, t: float) -> float:
        """The first moment from ``t`` fewer flows run than the cap in force (inf: never)."""
        while True:
            while self._ends and self._ends[0] <= t:
                heapq.heappop(self._ends)
            if len(self._ends) < self._slots(t):
                return t
            j = bisect.bisect_right(self._changes, t)
            t = min(self._ends[0] if self._ends else math.inf, self._changes[j] if j < len(self._changes) else math.inf)
            if t == math.inf:
                return t

    def _begin(self, i: int, k: int, x: float, b: float) -> None:
        """Flow ``k`` of repo ``i``, arrived at ``x``, begins at ``b``: its outcome and run drawn, its slot held."""
        before = self.fails[i][-1] if self.fails[i] else self.fails0[i]
        after = before + self._share(i, b)
        failed = math.floor(after) > math.floor(before)
        ran, cut = self._run(i, k, b, failed)
        seconds = ran + b - x                   # its wait and its run, as ``Activity`` adds them
        heapq.heappush(self._ends, x + seconds)
        self.came[i].append(x)
        self.began[i].append(b)
        self.fails[i].append(after)
        self._last = b
        self.order.append(b)
        self.arrived.append(x)
        # the histogram adds the flow's law of durations after its wait, as the counters do while no cap acts, so a
        # cap that never binds moves no pane; a run the pods' stopping cut adds its own seconds
        last = self.hist[-1] if self.hist else self.hist0
        law = [*(float(seconds <= le) for le in self.bounds), 1.0, seconds] if cut else self._law(i, b, b - x)
        self.hist.append(array("d", [v + d for v, d in zip(last, law, strict=True)]))

    def flow(self, i: int, k: int, now: float) -> tuple[float, float, bool] | None:
        """(arrival, begin, failed) of flow ``k`` of repo ``i`` if it began by ``now``; None: it waits (or not come)."""
        self.advance(now)
        j = k - self.firsts[i]
        if not 0 <= j < len(self.began[i]) or self.began[i][j] > now:
            return None
        before = self.fails[i][j - 1] if j else self.fails0[i]
        return self.came[i][j], self.began[i][j], math.floor(self.fails[i][j]) > math.floor(before)

    def oldest(self, now: float) -> float:
        """When the oldest flow still running or waiting at ``now`` arrived (``now``: none): first in, first out, it is
        the first one begun since ``now - longest`` (no run lasts longer), else the first still waiting."""
        self.advance(now)
        m = bisect.bisect_left(self.order, now - self.longest)
        return self.arrived[m] if m < len(self.order) else self._waiting[0][0] if self._waiting else now

    def started(self, i: int, t: float) -> int:
        """How many of repo ``i``'s flows from ``firsts`` on began by ``t`` (``advance`` to ``t`` first)."""
        return bisect.bisect_right(self.began[i], t)
