"""redteam39 F6: RB-LAUNCH-005's ``route-around-provider`` gate watched the failure-rate pane, a
ratio over an hour (the seeds' alert), for 15 minutes: the pane stays past 1% for an hour after
the last failure, so the gate failed after a fix that worked (provider-outage x10: "window ran
out: last 1.65%" while the 15-minute rate was 0.30%). The gate reads the runbook's own 15-minute
rate now (five minutes since redteam42 R5: a fifteen-minute ratio held the fix's own rollout
15 minutes on). Both gates are judged here on one drill world where the provider was routed around,
on the pinned drill clock."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.drill_ops import recorded
from warroom import scenario_time as stime
from warroom.config import Config
from warroom.drill.actions import Action
from warroom.drill.directory import DrillSource, create_drill
from warroom.runbook.library import RunbookLibrary
from warroom.sources.verify import VerifyCheck, VerifyRun, grid, parse_verify

T0 = datetime(2026, 12, 2, 23, 40, tzinfo=UTC).timestamp()
ROUTED_AT = 20 * 60.0           # scenario seconds: the outage is well under way by then


def _watch(run: VerifyRun, speed: float, monkeypatch: pytest.MonkeyPatch) -> VerifyCheck:
    every = grid(run.gate, speed)
    for i in range(math.ceil((run.deadline - run.started_at) / every) + 2):
        monkeypatch.setenv(stime.AT_ENV, repr(run.started_at + i * every))
        check = run.check()
        if check.status != "pending":
            return check
    raise AssertionError("the gate outlived its window")


def test_routing_around_the_failed_provider_passes_its_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = RunbookLibrary.from_config(Config()).get("RB-LAUNCH-005")
    assert book is not None
    [step] = [s for s in book.steps if s.id == "route-around-provider"]
    gate = parse_verify(step.verify, Config().slo, book.queries)
    assert (gate.title, gate.wanted, gate.window) == ("Failure rate (5m)", "< 1%", 900.0)
    speed = 10.0
    monkeypatch.setenv(stime.AT_ENV, repr(T0))
    d = create_drill(tmp_path, "provider-outage", speed=speed, start=T0)
    opened = d.wall_time(ROUTED_AT)
    for a in recorded(Action("fallback_routing", ROUTED_AT)):
        d.record(a.action, tool="kubectl", argv=("set", "env"), detail=a.detail, at=opened)
    check = _watch(VerifyRun(gate, DrillSource(d), started_at=opened, speed=speed), speed, monkeypatch)
    assert check.status == "passed", check.reason
    # the pane it watched before could not pass on the same world: its hour still held the outage
    pane = parse_verify("failure_rate < 1 within 15m", Config().slo, book.queries)
    old = _watch(VerifyRun(pane, DrillSource(d), started_at=opened, speed=speed), speed, monkeypatch)
    assert old.status == "failed", old.reason
