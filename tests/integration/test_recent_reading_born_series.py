"""attack39 C3 on a REAL Prometheus: resolve's "over the last 5m00s the same query reads …" is the failure-rate
pane's own query with its ranges cut to five minutes, and ``rate()`` cannot see a counter series born inside
the range (its first count; a series with one sample there not at all). After a rollout the new pod's first
failures are such series: Prometheus reads "0%" while three flows failed. The words now say what those
series hold (``SEL unless SEL offset 300s``), and claim "nothing it measures ran" only when none began."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import Config, PrometheusConfig
from warroom.incident.metric_sync import Recent, read_recent, recent_words

pytestmark = pytest.mark.integration
FAIL, EXEC = "flowengine_flow_failures_total", "flowengine_flow_executions_total"


def _openmetrics(base: int, restart: int, end: int) -> str:
    """Every 15 s: the old pod's counters for an hour (a failure in ten runs), then a rollout at
    ``restart``: the new pod runs 10 flows each 15 s, fails one at +120 s (its failure series is born
    at 1 and stays) and another pod's series is born at 2 at +280 s."""
    lines = [f"# TYPE {EXEC.removesuffix('_total')} counter",
             *(f'{EXEC}{{pod="old"}} {(t - base) // 15 * 10} {t}' for t in range(base, restart, 15)),
             *(f'{EXEC}{{pod="new"}} {10 + (t - restart) // 15 * 10} {t}' for t in range(restart, end, 15)),
             f"# TYPE {FAIL.removesuffix('_total')} counter",
             *(f'{FAIL}{{pod="old"}} {(t - base) // 15} {t}' for t in range(base, restart, 15)),
             *(f'{FAIL}{{pod="new"}} 1 {t}' for t in range(restart + 120, end, 15)),
             *(f'{FAIL}{{pod="new2"}} 2 {t}' for t in range(restart + 280, end, 15)), "# EOF"]
    return "\n".join(lines) + "\n"


def test_the_recent_reading_says_what_series_born_in_it_hold(tmp_path: Path) -> None:
    from warroom.sources.prometheus import PrometheusSource

    base = math.floor((time.time() - 7200) / 15) * 15          # in the past; nothing waits on the clock
    restart, end = base + 3600, base + 4200
    slo = next(s for s in Config().slo if s.id == "failure_rate")
    server = PromServer(tmp_path / "prom")
    backfill(_openmetrics(base, restart, end), server.tsdb, tmp_path)
    with server:
        prom = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0))
        try:
            blind = read_recent(prom, slo, restart + 400)      # (+100 s, +400 s]: 3 failures, all in born series
            later = read_recent(prom, slo, restart + 599)      # (+299 s, +599 s]: none
        finally:
            prom.close()
    assert blind == Recent(0.0, ((FAIL, 3.0),)), blind   # rate() reads 0%: the three failures are unseen by it
    said = recent_words(slo, {slo.id: blind})
    assert said.startswith("; over the last 5m00s the same query reads 0%, not counting all of 3 "
                           f"{FAIL} in counter series that began within them"), said
    assert later == Recent(0.0, ()), later                # nothing began within them: "0%" is the whole truth
    assert recent_words(slo, {slo.id: later}) == "; over the last 5m00s the same query reads 0%"


def _crashloop(base: int, restart: int, end: int) -> str:
    """Every 15 s: the old pod counts for an hour (a failure in ten runs) until ``restart``; the new pod
    runs 10 flows each 15 s from then and fails none; a crashlooping pod's series are born at +115 s
    with 2 failures of 4 runs and its last samples are at +160 s (it was killed and replaced)."""
    crash = range(restart + 115, restart + 175, 15)
    lines = [f"# TYPE {EXEC.removesuffix('_total')} counter",
             *(f'{EXEC}{{pod="old"}} {(t - base) // 15 * 10} {t}' for t in range(base, restart, 15)),
             *(f'{EXEC}{{pod="new"}} {10 + (t - restart) // 15 * 10} {t}' for t in range(restart, end, 15)),
             *(f'{EXEC}{{pod="crash"}} 4 {t}' for t in crash),
             f"# TYPE {FAIL.removesuffix('_total')} counter",
             *(f'{FAIL}{{pod="old"}} {(t - base) // 15} {t}' for t in range(base, restart, 15)),
             *(f'{FAIL}{{pod="crash"}} 2 {t}' for t in crash), "# EOF"]
    return "\n".join(lines) + "\n"


def test_a_series_born_and_gone_within_the_five_minutes_is_counted(tmp_path: Path) -> None:
    """attack40 A6: ``SEL unless SEL offset 300s`` read at the instant ``at`` misses a series that began and
    ended within the five minutes (a crashlooping pod replaced): a scraped series that ends gets staleness
    markers, so at ``at`` it is not there. Backfilled blocks carry no staleness markers, so the server's
    lookback is cut to 60 s, the same absence at ``at`` for a series whose last sample is 240 s old (checked
    with real scrapes too: /work/notes/issue-13-gate41.md). ``max_over_time(SEL[300s])`` sees it."""
    from warroom.sources.prometheus import PrometheusSource

    base = math.floor((time.time() - 7200) / 15) * 15
    restart, end = base + 3600, base + 4200
    slo = next(s for s in Config().slo if s.id == "failure_rate")
    server = PromServer(tmp_path / "prom", args=["--query.lookback-delta=60s"])
    backfill(_crashloop(base, restart, end), server.tsdb, tmp_path)
    with server:
        prom = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0))
        try:
            at = restart + 400                                   # (+100 s, +400 s]: the crashloop whole
            gone = prom.instant(f"sum({FAIL} unless {FAIL} offset 300s)", at=at)
            recent = read_recent(prom, slo, at)
        finally:
            prom.close()
    assert gone.error is None and gone.value is None, gone     # the check at the instant: nothing began
    assert recent == Recent(0.0, ((FAIL, 2.0), (EXEC, 4.0))), recent
    assert recent_words(slo, {slo.id: recent}) == (
        f"; over the last 5m00s the same query reads 0%, not counting all of 2 {FAIL}, 4 {EXEC} in counter"
        " series that began within them (the most each reached, series gone since included; rate and increase"
        " miss a series' first count)")
