"""A drill's impact start is the first of its panes past critical, whenever the commander declares (redteam40 R8).

In the rate-limit drill the quota pane crosses 80% at about drill t=148 s and the failure rate crosses 1% at about
t=450 s. Declared at t=178, impact started at the quota's crossing (the journal's first breach) and time to detect
was 31 s; declared at t=606, it started at the failure rate's crossing (the scenario's primary pane) and time to
detect read "2m36s: met", where the first breach says 7m38s, missed: waiting for the second pane scored better.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import warm_drill
from warroom.incident.drill_report import breach_reading, declared_source
from warroom.incident.drill_report.panes import slo_of
from warroom.sources.evidence import iso

START = 1_800_000_000.0


def _first(d, pane: str, by: float):  # type: ignore[no-untyped-def]
    """(drill seconds, value) of the pane's first crossing of its configured critical line by ``by``."""
    slo = slo_of(pane, None)
    assert slo is not None and slo.crit is not None
    return d.simulator.first_crossing(pane, slo.crit, -3600.0, by, step=5.0)


@pytest.mark.parametrize("declared_t", [178.0, 606.0, 1800.0])
def test_the_rate_limit_drill_starts_at_the_quota_page_whenever_it_is_declared(tmp_path: Path,
                                                                               declared_t: float) -> None:
    d = warm_drill(tmp_path, "rate-limit", speed=60.0, start=START)
    quota = _first(d, "quota", declared_t)
    failing = _first(d, "failure_rate", declared_t)
    assert quota is not None and quota[0] < 178.0, quota                 # the world as the finding saw it
    assert declared_t < 450.0 or (failing is not None and quota[0] < failing[0] < declared_t), failing
    source = declared_source(d, {"kind": "pane", "ref": "quota"}, at=d.wall_time(declared_t))
    assert (source["started_at"], source["started_slo"], source["started_value"]) == (
        iso(d.wall_time(quota[0])), "quota", quota[1])


def test_on_a_tie_or_a_single_pane_the_primary_starts_it(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "mass-failure", speed=60.0, start=START)
    source = declared_source(d, {"kind": "manual"}, at=d.wall_time(1800.0))
    assert source["started_slo"] in (d.scenario.primary, *d.scenario.breaches)
    firsts = [hit for p in (d.scenario.primary, *d.scenario.breaches) if (hit := _first(d, p, 1800.0))]
    earliest = min(h[0] for h in firsts)
    assert source["started_at"] == iso(d.wall_time(earliest))


def test_a_crossing_read_again_is_the_worlds_read_now(tmp_path: Path) -> None:
    """``breach_reading`` resumes the hours of the panes an earlier question of the same world read: asked late, early
    and in between it is the simulator's from-scratch search; an action recorded is a new world, read afresh."""
    d = warm_drill(tmp_path, "rate-limit", speed=60.0, start=START)
    for by in (1800.0, 300.0, 178.0, 4000.0, 606.0):
        for pane in ("quota", "failure_rate"):
            hit = breach_reading(d, pane=pane, at=d.wall_time(by))
            first = _first(d, pane, by)
            assert hit == (None if first is None else (d.wall_time(first[0]), first[1])), (pane, by)
    before = breach_reading(d, pane="failure_rate", at=d.wall_time(1800.0))
    d.record("circuit_breaker", at=d.wall_time(100.0))
    after, first = breach_reading(d, pane="failure_rate", at=d.wall_time(1800.0)), _first(d, "failure_rate", 1800.0)
    assert after != before and after == (None if first is None else (d.wall_time(first[0]), first[1]))
