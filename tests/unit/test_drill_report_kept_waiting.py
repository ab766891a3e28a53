"""redteam51 R12: in the rate-limit drill ``MAX_CONCURRENT_FLOWS=1`` queued every flow (33 waiting after 10 minutes,
P95 at the histogram's 300 s cap, past its 120 s critical) and the report read it as a halving of the failure rate
with no "Made it worse": the verdict judged only the scenario's own panes, and a failure rate that fell because the
flows held back finish neither way counted as a gain. "Made it worse" judges every pane the report shows and the
flows' way through FlowEngine (``world.held``); a halt that stops every flow on purpose is no such harm."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.summary import with_summary

ENV = "kubectl set env deployment/flowengine {} -n production"


def _told(d, at: float):   # noqa: ANN001, ANN202 - a drill and its report
    """The report as after the resolution (``told``: the judgement said)."""
    report = drill_report(d, None, at=d.wall_time(at))
    return with_summary(replace(report, actions=tuple(replace(a, told=True) for a in report.actions)))


def test_a_cap_that_queues_every_flow_made_it_worse_though_the_failure_rate_fell(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "rate-limit")
    for t, change in ((300.0, "MAX_CONCURRENT_FLOWS=1"), (900.0, "MAX_CONCURRENT_FLOWS=50")):
        assert run_one(d, ENV.format(change).split(), t)[0] == 0
    report = _told(d, 1500.0)
    cap, lifted = (next(a for a in report.actions if f"MAX_CONCURRENT_FLOWS={n}" in a.command) for n in (1, 50))
    assert cap.change.startswith("Flow failure rate") and \
        "(2.87% without it), fewer flows finishing (held waiting for a slot): no gain;" in cap.change, cap.change
    assert not cap.effective, cap
    assert "P95 flow latency 300s vs 70.9s without it, past its critical 120s" in cap.worse, cap.worse
    assert "Flows waiting for a slot 33 vs 0 without it, growing" in cap.worse, cap.worse
    said = [line for line in report.summary if line.startswith("Made it worse: ")]
    assert len(said) == 1 and "MAX_CONCURRENT_FLOWS=1" in said[0] and "past its critical" in said[0], report.summary
    # lifting the cap drains the queue: the flows it lets run fail into the same fault, yet that is no harm of its own
    assert not lifted.worse, lifted


def test_a_halt_that_stops_every_flow_is_not_made_it_worse_by_the_panes_it_idles(tmp_path: Path) -> None:
    """The audit-log gap grows past critical while no flow runs: an idle world, not harm (RB-CORE-005's containment
    halts the flows on purpose; what it stopped is its harm count, ``harm.harm_change``)."""
    d = warm_drill(tmp_path, "rate-limit")
    assert run_one(d, "kubectl scale deployment/flowengine --replicas=0 -n production".split(), 300.0)[0] == 0
    report = _told(d, 900.0)
    row = next(a for a in report.actions if "replicas=0" in a.command)
    assert "Audit-log gap 590s" in row.change and "Flows started 0/min" in row.change, row.change
    assert not row.worse and not [s for s in report.summary if s.startswith("Made it worse")], report.summary
