"""Quota is spent, never un-spent (issue 13, world24).

A mitigation bent a fault's *level*, and the quota impact was that level: with the circuit breaker on
at t=600 the rate-limit drill's Anthropic quota went from 97.0% down to 66.6% by t=1500, tokens given
back. Now the faults' share of the quota is the integral of their burn (the growth of the level as it
would be untouched) times the bends, summed per scrape step into prefix sums built once; the daily
reset stays a drop to zero. What the mitigation does move (the 429s, the failures) is what RB-CORE-003's
verify gate and the scenario's primary pane now watch.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill.directory import create_drill

from warroom.drill import fleet, model
from warroom.drill.actions import Action
from warroom.drill.model import Signals
from warroom.drill.promql import SCRAPE as SPEND      # the step the burn is summed on
from warroom.drill.scenarios import get_scenario

ANTHROPIC = next(p for p in fleet.PROVIDERS if p.name == fleet.PRIMARY)
WIGGLE = 1e-12            # the healthy use is a count too (test_drill_quota_counted): no drift down, only rounding


@pytest.mark.parametrize("scenario,action,at", [
    ("rate-limit", "circuit_breaker", 600.0),
    ("rate-limit", "rollback_to_pilot", 450.0), ("timeout", "context_pruning", 300.0),
    ("timeout", "fallback_routing", 300.0), ("rate-limit", "flowengine_stop", 400.0),
])
def test_a_mitigation_never_gives_quota_back_before_the_reset(scenario: str, action: str, at: float) -> None:
    s = Signals(get_scenario(scenario), [Action(action, at)])
    untouched = Signals(get_scenario(scenario))
    highest = 0.0
    for k in range(0, int(fleet.QUOTA_RESET // SPEND)):
        t = k * SPEND
        used = s.quota(ANTHROPIC, t)
        assert used >= highest - WIGGLE, (t, used, highest)       # before: 97.0% -> 66.6% after the breaker
        assert used <= untouched.quota(ANTHROPIC, t) + WIGGLE, t                 # and never adds any
        highest = max(highest, used)


def test_the_breaker_slows_the_burn_and_the_reset_is_a_drop() -> None:
    s = Signals(get_scenario("rate-limit"), [Action("circuit_breaker", 600.0)])
    never = Signals(get_scenario("rate-limit"))
    before = s.quota(ANTHROPIC, 620.0)
    assert before > 0.95 and s.quota(ANTHROPIC, 1500.0) > before - WIGGLE       # was 0.666
    reset = fleet.QUOTA_RESET
    assert s.quota(ANTHROPIC, reset - SPEND) > 0.95 and s.quota(ANTHROPIC, reset) == 0.0
    # the reset closes the breaker (0% under its 85%) and nothing throttles: the batch job's burst was yesterday's, so
    # day two is the healthy calls' alone, far under 80% (redteam40 R2: the 429s were a clock and burnt it again)
    day2 = reset + model.DAY - fleet.QUOTA_RESET
    armed = 600.0 + s.cluster.flowengine.rollout_seconds        # a bare action: armed a rollout after it
    for t in (reset + SPEND, reset + 4 * 3600.0, day2 - SPEND):
        assert s.quota(ANTHROPIC, t) < 0.5 and s.breaker_state(armed, t) == "CLOSED"
        assert s.share_429(ANTHROPIC, t) == pytest.approx(fleet.BASE_429)
        assert s.quota(ANTHROPIC, t) == pytest.approx(never.quota(ANTHROPIC, t), abs=1e-9)


def _integral(s: Signals, t: float, dt: float = 1.0) -> float:
    """The definition, summed the slow way: every request to Anthropic beyond the flows' first attempts (the batch
    job's calls with their retries, the flows' retries) counts ``TOKENS_PER_CALL``, from the batch's onset (no reset
    before ``t``) to the last scrape step's end, one second at a time."""
    total, t = 0.0, math.floor(t / SPEND) * SPEND
    first = min(o for o in s.onsets if o is not None)
    for j in range(int((t - first) // dt)):
        a = first + (j + 0.5) * dt
        flows, batch = s._requests(ANTHROPIC, a)
        sent = model.call_law(s.lost(ANTHROPIC.name, a), s.attempts(a))[1]
        total += (batch * sent + flows * (sent - 1.0)) * dt * fleet.TOKENS_PER_CALL / ANTHROPIC.daily_tokens
    return total


@pytest.mark.parametrize("t", [300.0, 615.0, 700.0, 1003.0, 2000.0])
def test_the_quota_is_the_integral_of_the_burn_times_the_bends(t: float) -> None:
    s = Signals(get_scenario("rate-limit"), [Action("circuit_breaker", 600.0), Action("throttle", 650.0)])
    def rate(x: float) -> float:         # the healthy token rate's daily swing, busiest 8 h after the reset
        return 1.0 + model.DAY_SWING * math.cos(2 * math.pi * (x - fleet.QUOTA_RESET - model.BUSIEST) / model.DAY)
    reset = int(fleet.QUOTA_RESET - model.DAY)          # the last reset before the drill: quota_used spent by 0
    healthy = ANTHROPIC.quota_used * sum(map(rate, range(reset, int(t)))) / sum(map(rate, range(reset, 0)))
    assert s.quota(ANTHROPIC, t) - healthy == pytest.approx(_integral(s, t), abs=2e-3)


def test_asking_costs_the_same_however_old_the_drill(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work counted, not time: the prefix sums are built once, the flat hours and the steady climb back
    after each reset at one step's cost (the same steps a step-by-step sum takes, to 1e-14); each later
    question adds at most the steps since the last one (and the partial step it falls in)."""
    def build(days: float) -> tuple[Signals, list[tuple[float, float]]]:
        s, calls = Signals(get_scenario("rate-limit"), [Action("circuit_breaker", 600.0)]), []
        burn = s._burn
        monkeypatch.setattr(s, "_burn", lambda a, b: calls.append((a, b)) or burn(a, b))
        s.quota(ANTHROPIC, days * 86400.0)
        return s, calls
    # past the breaker's two days of flips (``Signals._breaker_flips``), whose bends' settling steps are fixed work
    assert len(build(16.0)[1]) < len(build(3.0)[1]) + 50           # was one per 15 s: 92,000 at 16 days
    s, calls = build(4.0)
    old = 4 * 86400.0
    calls.clear()
    for j in range(200):                     # a pane's look: older points, then the next scrapes
        s.quota(ANTHROPIC, old - 3600 + j * 20.0)
    assert len(calls) <= 200 + (200 * 20.0 - 3600) / SPEND + 1, len(calls)
    slow = Signals(get_scenario("rate-limit"), [Action("circuit_breaker", 600.0)])
    monkeypatch.setattr(slow, "_steady", lambda t: t)
    monkeypatch.setattr(slow, "_grows_from", lambda t: t)
    for t in (900.0, 30000.0, 86400.0, old - 7.0):
        assert s.quota(ANTHROPIC, t) == pytest.approx(slow.quota(ANTHROPIC, t), abs=1e-12)


def test_the_breaker_goes_half_open_a_minute_after_it_trips_though_the_quota_stays_over(tmp_path: Path) -> None:
    """Its state followed the quota alone (OPEN at or over the threshold): with spent quota never given
    back it read OPEN all day and the runbook's "about 60 seconds later: HALF_OPEN" never came."""
    drill = warmed(create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="breaker"))
    on = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85 -n production"
    assert run_one(drill, on.split(), 600.0)[0] == 0
    armed = 600.0 + drill.simulator.signals.cluster.flowengine.rollout_seconds
    status = "blocks circuit-breaker status".split()
    assert run_one(drill, status, armed - 10.0)[1].startswith("CircuitBreaker: CLOSED")
    assert run_one(drill, status, armed + 30.0)[1].startswith("CircuitBreaker: OPEN (holding retries of throttled calls: quota 9")
    later = run_one(drill, status, armed + 90.0)[1]
    assert later.startswith("CircuitBreaker: HALF_OPEN (monitoring quota)"), later
    assert float(later.split("highest quota use: ")[1].split("%")[0]) >= 85          # still over: spent is spent
    logs = run_one(drill, "kubectl logs deployment/flowengine -n production --since=5m".split(), armed + 200.0)[1]
    states = [line.split("CircuitBreaker: ")[1].split(" (")[0] for line in logs.splitlines() if "CircuitBreaker: " in line]
    assert states[:2] == ["OPEN", "OPEN"] and states[-1] == "HALF_OPEN", states



def test_the_rate_limit_drill_is_won_by_following_its_runbook(tmp_path: Path) -> None:
    """RB-CORE-003 worked as written wins the drill: the breaker step's verify gate (on what the breaker
    moves, the 429 share: its refused retries gone) passes inside its window, its routing step moves Claude's
    calls to GPT-4 (the breaker does not end the throttle's failures: redteam49 F8), every task the 429s failed
    is retried, and the report calls the primary pane (the flow failure rate) recovered once its hour has passed,
    while it says plainly that the quota, spent, stays over critical until the reset (so not the whole report)."""
    from warroom.config import default_slos
    from warroom.incident.drill_report import drill_report
    from warroom.paths import shipped_runbooks_dir
    from warroom.runbook.library import RunbookLibrary
    from warroom.sources.verify import parse_verify

    drill = warmed(create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="won"))
    assert drill.scenario.primary == "failure_rate"
    rb = RunbookLibrary([shipped_runbooks_dir()]).get("RB-CORE-003")
    assert rb is not None
    def run_step(name: str, t: float) -> None:
        step = next(s for s in rb.steps if s.attrs.get("name") == name)
        command = step.command.replace("{{ deployment }}", "flowengine").replace("{{ namespace }}", "production")
        assert run_one(drill, command.splitlines()[-1].split(), t)[0] == 0

    step = next(s for s in rb.steps if s.attrs.get("name") == "enable-circuit-breaker")
    run_step("enable-circuit-breaker", 600.0)
    gate = parse_verify(step.attrs["verify"], default_slos(), rb.queries)
    assert gate.slo is None and "code='429'" in gate.expr
    held, passed = None, None
    for k in range(int(gate.window // SPEND) + 1):          # the gate's checks, a scrape apart
        t = 600.0 + k * SPEND
        (sample,) = drill.simulator.evaluate(gate.expr, t)
        held = (held if held is not None else t) if gate.holds(sample.value) else None
        if held is not None and t - held >= gate.hold:
            passed = t
            break
    assert passed is not None and drill.simulator.pane("quota", passed) > 80.0     # passes; quota stays spent
    assert drill.simulator.evaluate(gate.expr, passed)[0].value > 12.0     # the provider still refuses an eighth
    run_step("route-to-secondary", passed)
    query = ("SELECT task_id FROM tasks WHERE status = 'failed' AND "
             "(error_message ILIKE '%rate limit%' OR error_message ILIKE '%429%')")
    for t in (1200.0, 1800.0):              # retry them, then the recovery check: none still failed
        tasks = run_one(drill, ["psql", "-At", "-c", query], t)[1].split()
        assert tasks or t > 1200.0
        for i, task in enumerate(tasks):
            assert run_one(drill, ["blocks", "flow", "retry", task], t + i)[0] == 0, task
    assert run_one(drill, ["psql", "-At", "-c", query], 2400.0)[1].split() == []
    report = drill_report(drill, None, at=drill.wall_time(5400.0))
    assert report.resolution_missing == () and report.unretried == (), (report.unretried, report.summary)
    assert report.panes[0].pane == "failure_rate" and report.panes[0].recovered
    # the quota, spent until the reset, is still past critical: the report as a whole is not recovered, as that pane's
    # own line says (redteam43 R7: --json's "recovered": true beside it)
    (quota,) = [p for p in report.panes if p.pane == "quota"]
    assert not quota.recovered and not report.recovered and report.to_dict()["recovered"] is False
    assert any(line.startswith("Model API quota used is still above its critical threshold") for line in report.summary)
    assert any(line.startswith("Model API quota used is still above its critical threshold")
               for line in report.summary), report.summary


def test_the_reset_drops_the_quota_not_the_fault() -> None:
    """A24-2: the daily reset multiplied the whole fault of any quota burn, so the timeout drill healed
    itself at 8 h (P95 84 -> 37 s, bundles 618 -> 160 KB) with nobody acting. The reset drops the quota
    burnt; throttling (a 429 fault, and the flows it fails) is the quota's and ends with it."""
    timeout, rate_limit = Signals(get_scenario("timeout")), Signals(get_scenario("rate-limit"))
    before, after = fleet.QUOTA_RESET - SPEND, fleet.QUOTA_RESET + 60.0
    assert timeout.quota(ANTHROPIC, after) < 0.05 < 0.5 < timeout.quota(ANTHROPIC, before)
    assert timeout.strength(0, after) == timeout.strength(0, before) == 1.0
    new = timeout.repos[-1]         # the onboarded repos' flows carry the bundles (redteam44 T1)
    assert timeout.latency_median(after, new) > 75.0 and timeout.context_kb(after, new) > 500.0
    assert rate_limit.share_429(ANTHROPIC, after) < 0.01 < 0.2 < rate_limit.share_429(ANTHROPIC, before)
