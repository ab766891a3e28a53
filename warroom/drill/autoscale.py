"""The autoscaler's control loop: how many FlowEngine pods run at each scenario moment.

A HorizontalPodAutoscaler looks every 15 s at its deployment's mean CPU (share of request) and asks
for ceil(replicas x utilisation / target) within its bounds: not within 10 % of the target; pods not
ready count as idle when scaling up; a scale-down takes the highest recommendation of the last 5
minutes. ``Capacity`` runs that loop over the replayed cluster, so the curves and every ``kubectl``
answer count the same pods: its decisions are ``scale_to`` operations replayed with the recorded ones.

Like the curves (``series``), a new action keeps what the loop found before it (``adopt``) and the
simulator's cache file carries it to the next stand-in (``dump``/``load``); it resumes from a five-minute
mark of its state, the cluster rebuilt from what it had applied in order: the very loop run from the start.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import Any

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.cluster import OPERATIONS, Cluster, initial_cluster
from warroom.drill.scenarios import Scenario

SYNC = 15.0                 # the controller's period
TOLERANCE = 0.1
DOWN_WINDOW = 300.0         # scale-down stabilisation
SAMPLE = 5.0                # the running pods are counted this often (the series' grid)
START = -7200.0             # from the series' first moment (the pods before are the estate's)
IDLE = {fleet.AUDIT_DEPLOYMENT: 42.0}     # millicores a pod of another deployment uses (default 140)
REQUEST = 500.0             # millicores each container requests
WATCHED = (fleet.DEPLOYMENT,)     # whose running pods the curves follow (the audit shipper's: ``Signals.audit_pods``)
#: the loop's state is marked every this many samples (5 min): where a world taken up from another resumes (``adopt``,
#: ``load``), so it runs again at most this many. Hourly marks re-ran 360 samples a new world on average (the
#: kubectl golden and quota tests: 55,703 samples stepped, 33,323 with these; a mark is ~400 bytes of the cache file)
MARK = 60


def pod_cpu(deployment: str, ready: int, cpu: float) -> float:
    """The mean CPU of a running pod of ``deployment``, percent of its request, when ``ready`` of its
    pods run and the work keeps the healthy estate's pods at ``cpu`` percent: FlowEngine's pods share
    the work (throttled near their limit, 2 cores' worth), the others idle. The one rule: what the
    autoscaler acts on, what ``kubectl get hpa`` and ``top`` show."""
    if deployment != fleet.DEPLOYMENT:
        return IDLE.get(deployment, 140.0) * 100 / REQUEST
    return min(180.0, cpu * fleet.REPLICAS / max(1, ready))


def recommend(replicas: int, ready: int, util: float, target: float) -> int:
    """The HPA's replica calculation (before bounds and stabilisation)."""
    ratio, count = util / target, ready
    if ratio > 1 and replicas > ready:          # scaling up: the pods not ready count as idle
        ratio, count = ratio * ready / replicas, replicas
    return replicas if abs(ratio - 1) <= TOLERANCE else math.ceil(ratio * count - 1e-9)


class Capacity:
    """The HPA loop over the cluster replayed from ``actions``; ``cpu(t)``: the work's CPU (percent of
    a request per pod of the healthy estate), which does not depend on how many pods share it."""

    def __init__(self, scenario: Scenario, actions: Iterable[Action], cpu: Callable[[float], float]) -> None:
        self.scenario = scenario
        self._ops = sorted((a for a in actions if a.action in OPERATIONS), key=lambda a: a.t)
        self._cpu, self._next = cpu, 0
        self.cluster: Cluster = initial_cluster(scenario)
        self.decisions: list[Action] = []
        self._before = {n: self.cluster.deployments[n].replicas for n in WATCHED}     # the estate's, at rest
        self._ready: dict[str, list[int]] = {n: [] for n in WATCHED}
        self._settled = dict.fromkeys(WATCHED, math.inf)    # from when a count stays as it is until a change
        self._recs: dict[str, list[tuple[float, int]]] = {}
        self._marks: list[dict[str, Any]] = []    # ``_state()`` before every MARK-th sample

    @property
    def samples(self) -> int:
        return len(self._ready[fleet.DEPLOYMENT])

    def ready(self, t: float, name: str = fleet.DEPLOYMENT) -> int:
        """FlowEngine's ready pods at ``t`` (counted every 5 s)."""
        k = math.floor((t - START) / SAMPLE)
        while len(self._ready[name]) <= k:
            self._step(len(self._ready[name]))
        return self._ready[name][k] if k >= 0 else self._before[name]

    def before(self, t: float) -> Cluster:
        """The loop's cluster once it has applied every operation at or before ``t`` and every decision before
        it (``Cluster.on_bad_release``): at its own sample the loop asks the curves, which read it as is."""
        if START + self.samples * SAMPLE < t or (self._next < len(self._ops) and self._ops[self._next].t <= t):
            self.ready(t + SAMPLE)
        return self.cluster

    def decided(self, t: float) -> list[Action]:
        self.ready(t)
        return [a for a in self.decisions if a.t <= t]

    def _count(self, name: str, s: float, changed: bool) -> int:
        """``name``'s running pods at ``s``: the last count while nothing could have changed it."""
        counts, dep = self._ready.get(name), self.cluster.deployments.get(name)
        if counts and not changed and s > self._settled[name]:
            return counts[-1]
        return self.cluster.ready(dep, s) if dep is not None else 0

    def _state(self) -> dict[str, Any]:
        """What the loop carries from one sample to the next, the cluster aside (the operations and
        decisions applied so far rebuild it) and the lists as their lengths (they only grow)."""
        return {"k": self.samples, "next": self._next, "decisions": len(self.decisions),
                "settled": dict(self._settled), "recs": {n: list(r) for n, r in self._recs.items()}}

    def _resume(self, state: dict[str, Any], ready: dict[str, Sequence[int]], decisions: Sequence[Action],
                marks: Sequence[dict[str, Any]]) -> None:
        """Take up the loop at ``state`` (a ``_state()`` of a loop over the same operations up to then)."""
        k = int(state["k"])
        self._ready = {n: list(ready[n][:k]) for n in WATCHED}
        self.decisions = list(decisions[:state["decisions"]])
        self._next, self._settled = int(state["next"]), {n: float(state["settled"][n]) for n in WATCHED}
        self._recs = {str(n): [(float(s), int(w)) for s, w in r] for n, r in state["recs"].items()}
        self._marks = [m for m in marks if m["k"] < k]
        # the cluster as the loop left it: an operation taken at or before a sample came before its decisions
        applied = sorted([(a.t, 0, i, a) for i, a in enumerate(self._ops[:self._next])] +
                         [(a.t, 1, i, a) for i, a in enumerate(self.decisions)], key=lambda x: x[:3])
        self.cluster = initial_cluster(self.scenario)
        for *_, a in applied:
            self.cluster.apply(a, meaning=False)

    def _resumable(self, marks: Sequence[dict[str, Any]], valid_before: float | None) -> dict[str, Any] | None:
        """The latest of ``marks`` whose samples were all taken strictly before ``valid_before`` (the
        first action that differs: the loop before it saw the same world)."""
        return next((m for m in reversed(marks) if valid_before is None or START + (m["k"] - 1) * SAMPLE
                     < valid_before), None)

    def adopt(self, other: Capacity, valid_before: float | None) -> None:
        """Take up ``other``'s loop (over actions that differ from ``valid_before`` on; None: not
        at all) as far as it holds here: the curves' rule, the past an action cannot change is kept."""
        state = self._resumable([*other._marks, other._state()], valid_before)
        if state is not None and state["k"] > self.samples:
            self._resume(state, other._ready, other.decisions, other._marks)

    def dump(self) -> dict[str, Any]:
        """The loop as JSON for the simulator's cache file: each count list as (count, run) pairs."""
        runs = {name: [[n, len(list(run))] for n, run in groupby(counts)] for name, counts in self._ready.items()}
        return {"state": self._state(), "marks": self._marks, "ready": runs,
                "decisions": [[a.t, a.detail["deployment"], a.detail["replicas"], a.detail["hpa"]]
                              for a in self.decisions]}

    def load(self, data: object, valid_before: float | None) -> None:
        """Take up a ``dump()`` (of a loop over actions that differ from ``valid_before`` on); one that
        does not add up is ignored (the loop runs from the start)."""
        if not isinstance(data, dict):
            return
        try:
            state, marks = data["state"], list(data["marks"])
            ready = {n: [int(count) for count, run in data["ready"][n] for _ in range(int(run))] for n in WATCHED}
            decisions = [Action("scale_to", float(t), tool="hpa", detail={"deployment": str(name),
                                "replicas": int(n), "hpa": str(why)}) for t, name, n, why in data["decisions"]]
            whole = all(len(ready[n]) == state["k"] for n in WATCHED) and len(decisions) == state["decisions"] and \
                state["next"] <= len(self._ops)
        except (KeyError, TypeError, ValueError):
            return
        if whole and (mark := self._resumable([*marks, state], valid_before)) is not None and mark["k"] > 0:
            self._resume(mark, ready, decisions, marks)

    def _step(self, k: int) -> None:
        if k % MARK == 0:
            self._marks.append(self._state())
        s, c, changed = START + k * SAMPLE, self.cluster, not k
        while self._next < len(self._ops) and self._ops[self._next].t <= s:      # the controller sees it now
            c.apply(self._ops[self._next], meaning=False)
            self._next, changed = self._next + 1, True
        for name, hpa in c.hpa.items() if k % round(SYNC / SAMPLE) == 0 else ():
            dep = c.deployments.get(name)
            ready = self._count(name, s, changed) if dep is not None and dep.replicas else 0
            if dep is None or not ready:        # scaled to zero (autoscaling off) or no metrics: it waits
                continue
            util = pod_cpu(name, ready, self._cpu(s))
            want = min(max(recommend(dep.replicas, ready, util, hpa["cpu"]), hpa["min"]), hpa["max"])
            recs = self._recs[name] = [r for r in self._recs.get(name, []) if r[0] > s - DOWN_WINDOW] + [(s, want)]
            if want < dep.replicas:
                want = min(dep.replicas, max(w for _, w in recs))
            want = min(want, max(2 * dep.replicas, dep.replicas + 4))
            if want != dep.replicas:
                why = ("Current number of replicas below Spec.MinReplicas" if dep.replicas < hpa["min"] else
                       "Current number of replicas above Spec.MaxReplicas" if dep.replicas > hpa["max"] else
                       "cpu resource utilization (percentage of request) above target" if want > dep.replicas else
                       "All metrics below target")
                op = Action("scale_to", s, tool="hpa", detail={"deployment": name, "replicas": want, "hpa": why})
                c.apply(op, meaning=False)
                self.decisions.append(op)
                changed = True
        for name, counts in self._ready.items():
            if (dep := c.deployments.get(name)) is not None and changed:     # its pods change only a while after
                # a change; a node's (an uncordon places Pending pods, a drain starts replacements) from its sample
                self._settled[name] = max(dep.moved, s if c.nodes else -math.inf) + 2 * dep.rollout_seconds + 10
            counts.append(self._count(name, s, changed))
