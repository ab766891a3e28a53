"""Characterisation of the drill world, taken before the drill engine was halved (issue 13 item 7).

For every scenario, without actions and with its key actions (every mitigating action and its
resolution, taken at fixed scenario times), it records what the simulator answers: every query of
the default panes and of the shipped runbooks, the five pane values, the signals the stand-ins
read, a digest of the flows the tasks table and logs are made of, and the drill report of a
scripted run. ``tests/unit/test_drill_golden.py`` holds the refactored engine to it; regenerate
with ``python -m tests.unit.drill_golden`` only when a difference is a deliberate fix (say so in
the commit and the notes).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from warroom.config import default_slos
from warroom.drill import fleet
from tests.unit.drill_ops import recorded
from tests.unit.standins_corpus import warm_simulator, warmed
from warroom.drill.actions import Action
from warroom.drill.promql import PromQLError
from warroom.drill.scenarios import get_scenario, list_scenarios
from warroom.drill.simulator import Simulator

SCENARIOS = {s.name: s for s in list_scenarios()}

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "drill_characterisation.json"
PANES = ("failure_rate", "p95_latency", "quota", "error_5xx", "audit_gap")
TIMES = [-900.0, -300.0, 0.0, 37.0, 120.0, 240.0, 301.0, 450.0, 600.0, 662.5, 780.0, 900.0, 1050.0,
         1200.0, 1322.0, 1500.0, 1800.0, 2400.0, 3000.0, 3600.0]


def queries() -> list[str]:
    out = []
    for slo in default_slos():
        out.append(slo.query)
        if slo.range_query:
            out.append(slo.range_query)
    for path in sorted((REPO / "runbooks").glob("*.md")):
        for block in re.findall(r"```promql[^\n]*\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            lines = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            expr = " ".join(lines).strip()
            if expr and "{{" not in expr:
                out.append(expr)
    return sorted(set(out))


def plans(name: str) -> dict[str, list[Action]]:
    """No action; the scenario's resolution; every mitigating action (one each, spread out)."""
    sc = get_scenario(name)
    resolution = [Action(a, 400.0 + 150.0 * i) for i, a in enumerate(sc.resolution)]
    every = [Action(a, 300.0 + 120.0 * i) for i, a in enumerate(sc.mitigating_actions())]
    off = [Action(sc.mitigating_actions()[0], 300.0), Action(sc.mitigating_actions()[0] + "_off", 900.0)]
    return {k: [r for a in v for r in recorded(a)] for k, v in
            {"none": [], "resolution": resolution, "every": every, "on_off": off}.items()}


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v


def _result(sim: Simulator, expr: str, t: float) -> Any:
    try:
        return _value(sim.evaluate(expr, t))
    except PromQLError as exc:
        return {"error": str(exc)}


def _value(r: Any) -> Any:
    """A query's answer (a float or samples) as the golden writes it."""
    if isinstance(r, float):
        return _num(r)
    return sorted([[dict(s.labels), _num(s.value)] for s in r], key=lambda x: json.dumps(x[0], sort_keys=True))


def _results(sim: Simulator, expr: str) -> list[Any]:
    """``expr`` at every time of ``TIMES`` in one walk (``evaluate_many``, as the dashboard's range reads ask it), or
    time by time (``_result``) when the walk refuses it, so an error stays the error of each time it is raised at.
    The golden was written time by time (``main``): the test holding these to it holds the one walk to the plain
    way for every golden query at every time, too (as ``test_drill_incremental``'s
    ``test_evaluate_many_is_evaluate_at_every_time`` does for its queries, bit for bit)."""
    try:
        many = sim.evaluate_many(expr, TIMES)
    except PromQLError:
        return [_result(sim, expr, t) for t in TIMES]
    return [_value(many.at(j)) for j in range(len(TIMES))]


def _flows(sim: Simulator, t: float) -> dict[str, Any]:
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    series = sim.refresh()
    cluster = build_cluster(series.signals.scenario, series.signals.actions, t)
    flows = Activity(series, cluster).flows(t - 600, t, t)
    digest = hashlib.sha256("\n".join(
        f"{f.task_id} {f.repo} {f.k} {f.flow_type} {f.start:.3f} {f.duration:.3f} {f.status} {f.error} "
        f"{f.provider} {f.context_kb:.2f} {f.worker}" for f in flows).encode()).hexdigest()
    status: dict[str, int] = {}
    for f in flows:
        status[f.status] = status.get(f.status, 0) + 1
    return {"n": len(flows), "status": status, "sha256": digest}


def _signals(sim: Simulator, t: float) -> dict[str, Any]:
    s = sim.signals
    out: dict[str, Any] = {
        "latency_median": s.latency_median(t), "context_kb": s.context_kb(t), "running": s.running(t),
        "audit_lost": s.audit_lost(t),
        "strength": [s.strength(i, t) for i in range(len(s.scenario.faults))],
        "raw_strength": [s.raw_strength(i, t) for i in range(len(s.scenario.faults))],
    }
    for p in fleet.PROVIDERS:
        out[f"quota:{p.name}"] = s.quota(p, t)
        out[f"5xx:{p.name}"] = s.share_5xx(p, t)
        out[f"429:{p.name}"] = s.share_429(p, t)
    for r in fleet.REPOS:
        out[f"fail_causes:{r.name}"] = [[share, list(msgs)] for share, msgs in s.fail_causes(r, t)]
    return out


def characterise(shared: bool = True) -> dict[str, Any]:
    """The characterisation; ``shared=False`` (regenerating the golden) builds each plan's simulator from scratch."""
    qs = queries()
    out: dict[str, Any] = {"times": TIMES, "queries": qs, "scenarios": {}}
    for name in SCENARIOS:
        per_plan: dict[str, Any] = {}
        # One simulator per scenario whose record changes plan by plan, as a drill's does when an action is recorded:
        # it keeps the integration before the first action the new plan changes (``Simulator._world``: the past an
        # action cannot change is the same to the bit, ``test_drill_incremental``), so each scenario's two hours of
        # history are integrated once, not once per plan (a third of this test's CPU). Any row that did differ would
        # show here, against a golden each plan of which is written by a simulator of its own (``main``).
        # The shared one also starts warm (``standins_corpus.warm_simulator``: the history before any action from the
        # run's warm file), so the test holds that start, too, to the golden's from-scratch rows.
        record: list[Action] = []
        if shared:
            sim = warm_simulator(name, lambda: list(record), lambda t: 1_800_000_000.0 + t)
        for plan, actions in plans(name).items():
            record[:] = actions
            if not shared:
                sim = Simulator(get_scenario(name), lambda a=actions: list(a), lambda t: 1_800_000_000.0 + t)
            # The test reads each pane and query at all twenty times in one walk; the golden (``shared=False``) was
            # written time by time, so the one is held to the other (``_results``).
            panes = {p: [_num(v) for v in sim.panes(p, TIMES)] if shared else [_num(sim.pane(p, t)) for t in TIMES]
                     for p in PANES}
            answers = {q: _results(sim, q) if shared else [_result(sim, q, t) for t in TIMES] for q in qs}
            rows = []
            for i, t in enumerate(TIMES):
                rows.append({
                    "t": t,
                    "panes": {p: panes[p][i] for p in PANES},
                    "queries": {q: answers[q][i] for q in qs},
                    "signals": _signals(sim, t),
                    "effective": {a: sim.signals.effective(a) for a in sim.scenario.mitigating_actions()},
                    "flows": _flows(sim, t) if t in (240.0, 900.0, 1800.0) else None,
                })
            per_plan[plan] = {"actions": [[a.action, a.t] for a in actions], "rows": rows}
        out["scenarios"][name] = per_plan
    return out


def report_run(state_dir: Path, warm: bool = True) -> dict[str, Any]:
    """The drill report of a scripted rate-limit and mass-failure run (fixed clock); its drills start ``warm`` (the
    test), or integrate their own history (``main``, writing the golden)."""
    from datetime import UTC, datetime

    from warroom.drill.directory import create_drill
    from warroom.incident.drill_report import breach_time, drill_report
    from warroom.incident.store import IncidentStore

    class Clock:
        def __init__(self, t: float) -> None:
            self.t = t

        def __call__(self) -> datetime:
            return datetime.fromtimestamp(self.t, UTC)

    out = {}
    for name, steps in (("rate-limit", [("circuit_breaker", 300), ("retry", 420)]),
                        ("mass-failure", [("restart", 200), ("rollback", 500)]),
                        ("audit-gap", [("flowengine_stop", 100), ("redaction", 200), ("audit_restart", 260),
                                       ("flowengine_start", 400)])):
        start = 1_800_000_000.0
        d = create_drill(state_dir, name, speed=2.0, start=start)
        if warm:
            warmed(d)
        breach = breach_time(d, at=start + 1800) or start + 60
        clock = Clock(breach + 100)
        inc = IncidentStore(state_dir / f"inc-{name}", clock=clock).create(
            title=d.scenario.symptom, severity=d.scenario.severity, source={"kind": "pane", "ref": d.scenario.primary},
            drill={"scenario": name, "speed": 2.0})
        for action, dt in steps:        # a rollback with the rollout that means it (``recorded``)
            for a in recorded(Action(action, 0.0)):
                d.record(a.action, tool="kubectl", detail=a.detail, at=breach + dt)
        clock.t = breach + 350
        inc.note("root-cause", "found it")
        clock.t = breach + 700
        inc.mark_phase("mitigated")
        clock.t = breach + 1400
        inc.resolve("done")
        pinned = os.environ.get("WARROOM_DRILL_AT")
        os.environ["WARROOM_DRILL_AT"] = repr(breach + 1500)      # the report is read once its moment happened
        try:
            r = drill_report(d, inc.state, at=breach + 1500).to_dict()
        finally:
            if pinned is None:
                del os.environ["WARROOM_DRILL_AT"]
            else:
                os.environ["WARROOM_DRILL_AT"] = pinned
        r.pop("incident", None)
        r.pop("drill", None)             # named after the wall clock of the run
        out[name] = json.loads(json.dumps(r, default=str))
    return out


def main() -> None:
    import tempfile

    data = characterise(shared=False)
    with tempfile.TemporaryDirectory() as tmp:
        data["reports"] = report_run(Path(tmp), warm=False)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
