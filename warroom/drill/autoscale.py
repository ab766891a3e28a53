"""The autoscaler's control loop: how many FlowEngine pods run at each scenario moment.

A HorizontalPodAutoscaler looks every 15 s at its deployment's CPU (the running pods' mean, as a
share of their request) and asks for ceil(replicas x utilisation / target) within its bounds: not
at all within 10 % of the target; pods not ready count as idle when it would scale up; a scale-down
takes the highest recommendation of the last 5 minutes. ``Capacity`` runs that loop over the
replayed cluster (its pods placed on nodes, Pending when none is schedulable), so the curves
(``model``: fewer pods for the load, slower flows) and every ``kubectl`` answer count the same pods:
its decisions are ``scale_to`` operations the stand-ins replay with the recorded ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

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
WATCHED = (fleet.DEPLOYMENT, fleet.AUDIT_DEPLOYMENT)     # whose running pods the curves follow


def utilisation(cpu: float, ready: int) -> float:
    """A FlowEngine pod's CPU, percent of its request, when ``ready`` pods share the work that keeps
    the healthy estate's pods at ``cpu`` percent; a pod is throttled near its limit (2 cores' worth)."""
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
        self._ops = sorted((a for a in actions if a.action in OPERATIONS), key=lambda a: a.t)
        self._cpu, self._next = cpu, 0
        self.cluster: Cluster = initial_cluster(scenario)
        self.decisions: list[Action] = []
        self._before = {n: self.cluster.deployments[n].replicas for n in WATCHED}     # the estate's, at rest
        self._ready: dict[str, list[int]] = {n: [] for n in WATCHED}
        self._settled = dict.fromkeys(WATCHED, math.inf)    # from when a count stays as it is until a change
        self._down: list[int] = []          # the samples at which the audit shipper's last running pod went
        self._recs: dict[str, list[tuple[float, int]]] = {}

    def ready(self, t: float, name: str = fleet.DEPLOYMENT) -> int:
        """FlowEngine's (or the audit shipper's) ready pods at ``t`` (counted every 5 s)."""
        k = math.floor((t - START) / SAMPLE)
        while len(self._ready[name]) <= k:
            self._step(len(self._ready[name]))
        return self._ready[name][k] if k >= 0 else self._before[name]

    def down_since(self, t: float) -> float | None:
        """Since when the audit shipper has had no pod running at ``t`` (None: it runs)."""
        if self.ready(t, fleet.AUDIT_DEPLOYMENT):
            return None
        k = math.floor((t - START) / SAMPLE)
        return START + SAMPLE * max((d for d in self._down if d <= k), default=0)

    def decided(self, t: float) -> list[Action]:
        """The autoscaler's scaling operations up to ``t``."""
        self.ready(t)
        return [a for a in self.decisions if a.t <= t]

    def _count(self, name: str, s: float, changed: bool) -> int:
        """``name``'s running pods at ``s``: the last count while nothing could have changed it."""
        counts, dep = self._ready.get(name), self.cluster.deployments.get(name)
        if counts and not changed and s > self._settled[name]:
            return counts[-1]
        return self.cluster.ready(dep, s) if dep is not None else 0

    def _step(self, k: int) -> None:
        s, c, changed = START + k * SAMPLE, self.cluster, not k
        while self._next < len(self._ops) and self._ops[self._next].t < s:      # the controller sees it next time
            c.apply(self._ops[self._next])
            self._next, changed = self._next + 1, True
        for name, hpa in c.hpa.items() if k % round(SYNC / SAMPLE) == 0 else ():
            dep = c.deployments.get(name)
            ready = self._count(name, s, changed) if dep is not None and dep.replicas else 0
            if dep is None or not ready:        # scaled to zero (autoscaling off) or no metrics: it waits
                continue
            util = utilisation(self._cpu(s), ready) if name == fleet.DEPLOYMENT else \
                IDLE.get(name, 140.0) * 100 / REQUEST
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
                c.apply(op)
                self.decisions.append(op)
                changed = True
        for name, counts in self._ready.items():
            if (dep := c.deployments.get(name)) is not None and changed:     # its pods change only a while after
                self._settled[name] = max(dep.current.at, dep.scaled_at) + 2 * dep.rollout_seconds + 10   # a change
            counts.append(self._count(name, s, changed))
        if self._ready[fleet.AUDIT_DEPLOYMENT][-1:] == [0] and self._ready[fleet.AUDIT_DEPLOYMENT][-2:-1] != [0]:
            self._down.append(k)
