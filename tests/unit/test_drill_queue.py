"""MAX_CONCURRENT_FLOWS is a queue, not a bend (issue 13 item 5, redteam30-3).

The rate-limit scenario's throttle bent the quota burn by 0.8 while no flow ever waited. FlowEngine's cap is the
deployment's (one count in its TaskDB); the estate runs ~300 flows/h of ~45 s, ~4 in flight. Now a cap sizes an
M/M/c queue (``warroom.drill.queue``) for the calls and tokens, and FlowEngine's slots flow by flow (``Slots``) for
the flows: they start at most the cap at once, the rest wait in a backlog, the wait is in the flows' durations.
These state the law on the signals and series, where it is cheap to read."""

from __future__ import annotations

import math

import pytest

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.model import SPEND, Signals
from warroom.drill.queue import erlang_c
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import Series
from warroom.drill.simulator import Simulator

SCENARIO = get_scenario("rate-limit")
ANTHROPIC = fleet.PROVIDERS[0]


def cap(t: float, value: str) -> Action:
    """``kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=value`` at ``t``, as the stand-in records it."""
    return Action("set_env", t, detail={"deployment": fleet.DEPLOYMENT, "set": {"MAX_CONCURRENT_FLOWS": value}})


def counts(series: Series, kind: str, t: float) -> float:
    return sum(series.value((kind, r.name), t) for r in fleet.REPOS)


@pytest.fixture(scope="module")
def worlds() -> dict[str, Series]:
    """Untouched; the runbooks' 5 from 300 s; 1 from 300 s, lifted to 50 at 1800 s (each read to 2400 s). Built as a
    ``Simulator`` builds them, so the three share the rows before 300 s (the process's world before any action lends
    them, the same to the bit: ``bench.drill_world_lent``): each integrated the two hours of history again."""
    def world(actions: list[Action]) -> Series:
        return Simulator(SCENARIO, lambda: list(actions)).refresh()
    out = {"base": world([]), "five": world([cap(300.0, "5")]), "one": world([cap(300.0, "1"), cap(1800.0, "50")])}
    for s in out.values():
        s.value(("count",), 2400.0)
    return out


def test_under_the_load_flows_start_at_the_cap_and_the_backlog_grows(worlds: dict[str, Series]) -> None:
    one, sig = worlds["one"], worlds["one"].signals
    started = counts(one, "exec", 1700.0) - counts(one, "exec", 1100.0)
    asked = counts(one, "arr", 1700.0) - counts(one, "arr", 1100.0)
    slots = 600.0 / sig.hold(1400.0)            # one slot: a flow's mean run at a time; ~15 runs, each its own draw
    # (which of them fail, the failure count's phase, moves the sum by a run: 16 begun at 3e9b14a6, 17 now)
    assert 0.85 * slots < started < 1.2 * slots < 0.5 * asked, (started, slots, asked)
    backlog = [one.queued(t) for t in (600.0, 1000.0, 1400.0, 1790.0)]
    assert backlog == sorted(backlog) and backlog[-1] > 60, backlog


def test_lifted_the_backlog_drains_and_every_flow_asked_for_has_started(worlds: dict[str, Series]) -> None:
    one = worlds["one"]
    assert one.queued(1800.0) > 60 and one.queued(2000.0) == 0.0
    for r in fleet.REPOS:           # every flow asked for has begun: no phantom task queued
        assert one.value(("exec", r.name), 2100.0) == math.floor(one.value(("arr", r.name), 2100.0))
    assert one.signals.queue.pace(1850.0) > 3.0           # the backlog runs on the freed slots
    assert one.signals.queue.shift(2100.0) == 2100.0


def test_over_the_load_every_flow_runs_and_the_fluid_law_waits_as_erlang_c_says(worlds: dict[str, Series]) -> None:
    """The fluid law (what the tokens and calls follow) waits as M/M/5 would; the flows themselves begin as FlowEngine's
    slots free (``Slots``: the drill asks for flows at an even pace, so far fewer wait), and the duration histogram
    counts each flow once it begins: its own wait, then the law of runs its task's run is drawn from (the law the
    histogram follows without a cap, so a cap that never binds moves no pane: test_drill_slots), so the seconds the
    tasks show and the histogram's sum agree as a sample and its mean do (over 80 flows, a run's spread of 39% is 4.4%)."""
    from warroom.drill.activity import Activity

    five, base, sig = worlds["five"], worlds["base"], worlds["five"].signals
    started = counts(five, "exec", 2400.0) - counts(five, "exec", 900.0)
    asked = counts(five, "arr", 2400.0) - counts(five, "arr", 900.0)
    assert abs(started - asked) < 3 and five.queued(2400.0) < 8, (started, asked)
    waits = [t - sig.queue.shift(t) for t in range(1200, 2400, 15)]
    load = sum(sig.queue._offered(t) * sig.hold(t) for t in range(1200, 2400, 15)) / len(waits)
    erlang = erlang_c(5, load) * sig.hold(1800.0) / (5 - load)        # M/M/5's mean wait at that load
    assert 0.7 * erlang < sum(waits) / len(waits) < 1.3 * erlang, (waits, erlang)

    flows = [f for f in Activity(five, sig.cluster).flows(900.0, 2400.0, 3000.0) if 1200.0 < f.began <= 2400.0]
    assert len(flows) == five.value(("count",), 2400.0) - five.value(("count",), 1200.0) > 80
    assert sum(f.duration for f in flows) == pytest.approx(five.value(("sum",), 2400.0) - five.value(("sum",), 1200.0),
                                                           rel=0.15)
    assert 0 < sum(f.wait > 0 for f in flows) < len(flows) // 4 and max(f.wait for f in flows) < erlang * 3, flows


def test_tokens_and_calls_follow_the_flows_that_run(worlds: dict[str, Series]) -> None:
    base = worlds["base"].signals
    for name in ("five", "one"):
        sig, highest = worlds[name].signals, 0.0
        for t in (k * SPEND for k in range(round(300 / SPEND), round(2400 / SPEND))):
            used = sig.quota(ANTHROPIC, t)
            assert used >= highest - 1e-12, (name, t)       # spent is spent
            highest = used
            # the calls made are the flows that run (the batch job's too, from the moment they arrived), each counted
            # on the quota (test_drill_quota_follows_calls); the throttle then answers the quota this world spent
            (flows, batch), (flows0, _) = sig._requests(ANTHROPIC, t), base._requests(ANTHROPIC, t)
            assert math.isclose(flows, flows0 * sig.queue.pace(t)), (name, t)
            assert batch == 0.0 or batch == pytest.approx(base.batch(ANTHROPIC, sig.queue.shift(t)) * sig.queue.pace(t)
                                                / base.queue.pace(sig.queue.shift(t)), rel=1e-6), (name, t)
    assert worlds["one"].signals.quota(ANTHROPIC, 1500.0) < base.quota(ANTHROPIC, 1500.0) - 0.004
    assert all(abs(worlds["five"].signals.quota(ANTHROPIC, t) - base.quota(ANTHROPIC, t)) < 0.02 for t in (900.0, 1800.0))


def test_the_same_curves_after_a_cache_and_after_an_action_taken_later(worlds: dict[str, Series]) -> None:
    one = worlds["one"]
    keys = [("exec", "risk-engine"), ("arr", "risk-engine"), ("bucket", "120.0"), ("sum",), ("req", "anthropic", "200")]
    times = [-3000.0, 400.0, 1234.0, 1790.0, 2000.0, 2400.0]
    want = [[one.value(k, t) for t in times] for k in keys]
    loaded = Series(Signals(SCENARIO, [cap(300.0, "1"), cap(1800.0, "50")]))
    loaded.load(one.dump(), one.rows)               # the cache file holds the last hours; the first are integrated again
    assert [[loaded.value(k, t) for t in times] for k in keys] == want
    small = Series(Signals(SCENARIO, [cap(300.0, "1"), cap(1800.0, "50")]))
    # small chunks: the rows a start reads back (~1000 s, 200 rows) are dropped and redone (2 chunks of 48 rows held);
    # 48, not 16: the same drop-and-redo (without the fix of 1137447 both raise KeyError), 4 s of CPU instead of 39
    small.CHUNK, small.KEEP = 48, 2
    assert [[small.value(k, t) for t in times] for k in keys] == want
    later = [cap(300.0, "1"), cap(1800.0, "50"), cap(2200.0, "2")]
    fresh, kept = Series(Signals(SCENARIO, later)), Series(Signals(SCENARIO, later))
    kept.adopt(one, 2200.0)
    assert [[kept.value(k, t) for t in times] for k in keys] == [[fresh.value(k, t) for t in times] for k in keys]


def test_the_backlog_is_the_same_in_psql_blocks_and_the_gauge(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One cap, one backlog: the tasks psql lists as queued, the count ``blocks status flows`` gives and the
    ``flowengine_flows_queued`` gauge agree at the same moment; a flow that waited says so in its duration."""
    import re

    from tests.unit.standins_corpus import START, run_one
    from warroom.drill.directory import create_drill

    d = create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="q")
    assert run_one(d, "kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=1 -n production".split(), 300.0)[0] == 0
    rows = run_one(d, ["psql", "-At", "-c", "SELECT status, count(*), min(created_at), max(duration_s), "
                       "count(model), count(context_size_kb) FROM tasks GROUP BY status ORDER BY status"], 900.0)[1]
    by = {line.split("|")[0]: line.split("|")[1:] for line in rows.splitlines() if line}
    said = run_one(d, "blocks status flows --active".split(), 900.0)[1]
    shown = re.search(r"^(\d+) queued for a slot \(MAX_CONCURRENT_FLOWS\), the oldest waiting (\d+)s", said, re.M)
    gauge = d.simulator.evaluate("flowengine_flows_queued", 900.0)
    assert shown and int(by["queued"][0]) == int(shown[1]) == gauge[0].value > 20, (rows, said, gauge)  # type: ignore[index]
    assert by["queued"][3:] == ["0", "0"], "a queued task has no model nor bundle before its run"
    assert re.search(r"running \d+s \(waited \d+s\)", said), said
    assert run_one(d, "kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=50 -n production".split(), 900.0)[0] == 0
    later = run_one(d, ["psql", "-At", "-c", "SELECT count(*) FROM tasks WHERE status = 'queued'"], 1300.0)[1]
    assert later.strip() == "0" and "queued for a slot" not in run_one(d, "blocks status flows".split(), 1300.0)[1]
    assert d.simulator.evaluate("flowengine_flows_queued", 1300.0)[0].value == 0.0  # type: ignore[index]


def test_a_backlog_while_flowengine_is_stopped_says_why_none_starts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Scaled to zero under a cap, the tasks still queued wait for a pod, not for a slot: ``blocks status flows`` must
    not blame MAX_CONCURRENT_FLOWS then (redteam34b: "36 queued for a slot" with no FlowEngine pod), and says the
    cap again once FlowEngine runs."""
    from tests.unit.standins_corpus import START, run_one
    from warroom.drill.directory import create_drill

    d = create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="z")
    for argv, t in (("kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=1 -n production", 300.0),
                    ("kubectl scale deployment/flowengine --replicas=0 -n production", 900.0)):
        assert run_one(d, argv.split(), t)[0] == 0
    said = run_one(d, "blocks status flows".split(), 1200.0)[1]
    assert "for a slot" not in said and "none starts: FlowEngine runs no pod" in said, said
    assert run_one(d, "kubectl scale deployment/flowengine --replicas=5 -n production".split(), 1200.0)[0] == 0
    assert "queued for a slot (MAX_CONCURRENT_FLOWS)" in run_one(d, "blocks status flows".split(), 1800.0)[1]


def test_a_retry_of_a_queued_task_says_what_it_waits_for_not_a_cancel_no_tool_has(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``blocks flow retry`` of a task still queued told the IC to "cancel it before retrying": no stand-in cancels a
    task (``blocks flow`` has no cancel; psql refuses every write). It says what the task waits for."""
    from tests.unit.standins_corpus import START, run_one
    from warroom.drill.directory import create_drill

    d = create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="r")
    assert run_one(d, "kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=1 -n production".split(), 300.0)[0] == 0
    task = run_one(d, ["psql", "-At", "-c", "SELECT task_id FROM tasks WHERE status = 'queued' LIMIT 1"], 900.0)[1].strip()
    code, _, err = run_one(d, ["blocks", "flow", "retry", task], 900.0)
    assert code == 1 and "cancel" not in err and "queued for a slot (MAX_CONCURRENT_FLOWS)" in err, err
