"""What some actions changed in the drill's world besides the SLO panes, read from the world's own record: the counters
FlowEngine exports and the simulator integrated (its requests by provider and answer, the flows it started, those
waiting for a slot), by the same PromQL a responder can type in the drill, in the world as it went and without them.

Each reading is one query over that record; an action is said to have changed a reading when the two worlds differ
there beyond its noise (``Reading.moved``). The counterfactual is the cause: the two worlds differ only by the actions
weighed. A reading that follows from another one (``per``: a provider's requests follow the flows started) is said
only where it moved beyond what that one explains: a halt says no flow started, not that every provider's requests
fell with them. Before this, the report read only the panes: rate-limit's circuit breaker, turned on after the batch
burst, holds every throttled call's retries (Anthropic's 429 share from ~50 % to ~12.6 %, its requests by the retries
they were) and its row read "Flow failure rate and Model API quota used unchanged within 10m" (fix50b's leftover)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from warroom.drill import fleet
from warroom.drill.promql import PromQLError
from warroom.units import format_stated

REQUESTS = "flowengine_model_api_requests_total"


@dataclass(frozen=True)
class Reading:
    """One reading of the world's record: its query (by ``provider`` when it names one per provider), how it is said."""

    key: str
    title: str                   # "{provider}" is the provider's title (``fleet.Provider.title``)
    query: str
    unit: str                    # a ``warroom.units`` unit, or a rate's own words ("/s", "/min")
    floor: float                 # the least difference said, in its unit (and a tenth of the larger value)
    per: str = ""                # the reading it follows from: said only where their ratio moved too
    with_both: bool = False      # said only where both worlds have a value (a share of requests some were made)

    def moved(self, now: float | None, alt: float | None) -> bool:
        """The two worlds differ here beyond the reading's noise: one has a value the other lacks, or they differ by
        more than ``floor`` and a tenth of the larger."""
        if now is None or alt is None:
            return (now is None) != (alt is None) and not self.with_both
        return abs(now - alt) > max(self.floor, 0.1 * max(abs(now), abs(alt)))

    def said(self, value: float | None) -> str:
        if value is None:
            return "none"
        return format_stated(value, self.unit) if not self.unit.startswith("/") else \
            f"{format_stated(value, 'count')}{self.unit}"


#: the world's readings besides the panes, in the order a row says them
READINGS = (
    Reading("started", "Flows started", "60 * sum(rate(flowengine_flow_executions_total[5m]))", "/min", 0.5),
    Reading("queued", "Flows waiting for a slot", "sum(flowengine_flows_queued)", "count", 1.0),
    Reading("review", "Flows awaiting review", "sum(flowengine_flows_awaiting_review)", "count", 1.0),
    Reading("refused", "{provider} requests answered 429",
            f"100 * sum by (provider) (rate({REQUESTS}{{code='429'}}[5m])) / sum by (provider) (rate({REQUESTS}[5m]))",
            "percent", 1.0, with_both=True),
    Reading("requests", "{provider} requests", f"60 * sum by (provider) (rate({REQUESTS}[5m]))", "/min", 1.0,
            per="started"),
)


def read(world: Any, t: float) -> dict[tuple[str, str], float | None]:
    """Every reading of ``world`` (a ``Simulator``) at scenario second ``t``: (key, provider or "") -> its value."""
    out: dict[tuple[str, str], float | None] = {}
    for r in READINGS:
        try:
            value = world.evaluate(r.query, t)
        except PromQLError:         # a metric this world has no series of (none exported yet): no reading
            value = []
        if "{provider}" not in r.title:
            out[(r.key, "")] = value if isinstance(value, float) else sum(s.value for s in value) if value else None
            continue
        got = {dict(s.labels).get("provider", ""): s.value for s in value} if isinstance(value, list) else {}
        out.update(((r.key, p.name), _finite(got.get(p.name))) for p in fleet.PROVIDERS)
    return out


def _finite(value: float | None) -> float | None:
    """A reading's value, None for no value (NaN: a share of no requests)."""
    return None if value is None or value != value else value


def changes(actual: Any, other: Any, t: float) -> tuple[str, ...]:
    """The readings the world as it went (``actual``) and the world without the actions weighed (``other``) differ at
    scenario second ``t``, said each as "Anthropic (Claude) requests answered 429 12.6% (50.1% without it)". A reading
    by provider that moved alike at every provider (a deny that fails each flow before its first call) is said once,
    summed: "Model API requests (every provider) 0/min (10/min without it)"."""
    now, alt = read(actual, t), read(other, t)
    out = []
    for r in READINGS:
        moved = [(p, now[(r.key, p)], alt[(r.key, p)]) for p in (p.name for p in fleet.PROVIDERS)
                 if "{provider}" in r.title] or [("", now[(r.key, "")], alt[(r.key, "")])]
        moved = [(p, a, b) for p, a, b in moved if r.moved(a, b)
                 and (not r.per or _beyond(a, b, now[(r.per, "")], alt[(r.per, "")]))]
        if len(moved) == len(fleet.PROVIDERS) > 1 and _alike(moved):
            a, b = (sum(x or 0.0 for x in xs) for xs in list(zip(*moved))[1:])
            out.append(f"{r.title.format(provider='Model API')} (every provider) {r.said(a)} ({r.said(b)} without it)")
            continue
        for p, a, b in moved:
            title = r.title.format(provider=next((x.title for x in fleet.PROVIDERS if x.name == p), p))
            out.append(f"{title} {r.said(a)} ({r.said(b)} without it)")
    return tuple(out)


def _alike(moved: list[tuple[str, float | None, float | None]]) -> bool:
    """Whether every provider's reading moved by one ratio (within a tenth), none or all of them to nothing."""
    if any(a is None or b is None for _, a, b in moved):
        return False
    ratios = [a / b if b else math.inf for _, a, b in moved]
    return all(x == ratios[0] for x in ratios) or all(math.isfinite(x) for x in ratios) and (
        max(ratios) - min(ratios) <= 0.1 * max(ratios))


def _beyond(now: float | None, alt: float | None, base_now: float | None, base_alt: float | None) -> bool:
    """Whether ``now`` and ``alt`` differ beyond what the reading they follow from explains: their ratio to it moved
    (a provider's requests a flow started); never where that reading has no value or none in a world."""
    if not base_now or not base_alt or now is None or alt is None:
        return False
    return abs(now / base_now - alt / base_alt) > 0.1 * max(now / base_now, alt / base_alt)



@dataclass(frozen=True)
class Held:
    """What some actions did to the flows' way through FlowEngine (``held``): whether flows ran at all with them, and
    whether more or fewer were held back than without them: waiting for a slot, or for an operator's review (manual
    review holds every new flow outside the slot queue, attack51 A4). A pane that fell because flows wait (a failure
    rate: the flows held back neither fail nor succeed) is no gain, and a queue that grows on is harm of its own
    (redteam51 R12: MAX_CONCURRENT_FLOWS=1 queued 33 flows in 10 minutes, P95 at its 300 s cap, and the report read
    it as a halving of the failure rate)."""

    ran: bool = True                 # flows started with them at the reading (a halt starts none: no pane reads harm)
    more: bool = False               # more flows held back than without them
    fewer: bool = False              # fewer (a cap lifted: the waiting flows start)
    growing: str = ""                # "Flows waiting for a slot 33 vs 0 without it, growing 3.3/min": more, and on
    how: str = ""                    # what held them: "waiting for a slot", "for review", both ("" when not ``more``)


#: the readings of the flows held back, each a queue of its own: for a slot, for an operator's review
WAITING = (READINGS[1], READINGS[2])


def _one(world: Any, r: Reading, t: float) -> float | None:
    """``r`` (a reading of no provider) in ``world`` at scenario second ``t``; None where the world exports none."""
    try:
        value = world.evaluate(r.query, t)
    except PromQLError:
        return None
    return _finite(value if isinstance(value, float) else sum(s.value for s in value) if value else None)


def _waiting(world: Any, t: float) -> tuple[float | None, ...]:
    """Each of ``WAITING`` in ``world`` at ``t``."""
    return tuple(_one(world, r, t) for r in WAITING)


def held(actual: Any, other: Any, start: float, t: float) -> Held:
    """Flows started and held back (``WAITING``: for a slot, for review, summed: one count of flows that neither fail
    nor succeed) in the world as it went (``actual``) and without the actions weighed (``other``) at scenario second
    ``t``, the actions taken from ``start``; growing when those with them rose beyond their noise over the second half
    of that time and still stand above those without them."""
    started, total = READINGS[0], Reading("waiting", "Flows held back", "", "count", 1.0)
    each, alts = _waiting(actual, t), _waiting(other, t)
    now, alt = _sum(each), _sum(alts)
    more = total.moved(now, alt) and (now or 0.0) > (alt or 0.0)
    fewer = total.moved(now, alt) and (now or 0.0) < (alt or 0.0)
    ran = (_one(actual, started, t) or 0.0) > 0.0
    up = [(r, a, b) for r, a, b in zip(WAITING, each, alts, strict=True) if (a or 0.0) > (b or 0.0)]
    how = " or ".join(("waiting for a slot", "for review")[WAITING.index(r)] for r, _, _ in up) if more else ""
    mid = (start + t) / 2.0
    was = _sum(_waiting(actual, mid)) if more else None
    if not more or not total.moved(now, was) or (now or 0.0) <= (was or 0.0):
        return Held(ran, more, fewer, how=how)
    per_min = 60.0 * ((now or 0.0) - (was or 0.0)) / (t - mid)
    said = " and ".join(f"{r.title} {r.said(a)} vs {r.said(b)} without it" for r, a, b in up)
    return Held(ran, more, fewer, f"{said}, growing {format_stated(per_min, 'count')}/min", how)


def _sum(values: tuple[float | None, ...]) -> float | None:
    """The flows held back in all: None where the world exports no reading of them."""
    return None if all(v is None for v in values) else sum(v or 0.0 for v in values)
