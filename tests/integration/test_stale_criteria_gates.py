"""DECIDE-2 against a REAL Prometheus: one rule for data age. An exporter that froze (its samples
stopped arriving without a staleness marker, as promtool's backfilled blocks and a federated or
remote-written series do) is still answered by Prometheus for its 5-minute look-back. A pane on it
reads STALE; a Go/No-Go criterion reading the same query must be unknown ("stale: last sample
4m00s old"), never met on the frozen value, and a verify gate must not pass on it.

Before: the criterion read the frozen 0.2 as "0.2 < 0.5 is true" (met) and the gate passed at its
opening instant, while the pane beside them said STALE.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import Config, PrometheusConfig, SloConfig
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.parser import parse_runbook
from warroom.sources.evaluate import evaluate
from warroom.sources.prometheus import PrometheusSource
from warroom.sources.verify import VerifyRun, parse_verify

pytestmark = pytest.mark.integration

STUCK, LIVE = "max(stuck_used)", "max(live_used)"
RUNBOOK = f"""+++
id = "RB-TEST-STALE"
title = "Criteria on a stuck exporter"
severity = "P1"
+++

# Stale

```decision
id = "stale"
question = "Go?"
deadline = "15m"
go_when = "all"

[[go]]
text = "stuck under half"
query = "{STUCK}"
op = "<"
value = 0.5

[[go]]
text = "live under half"
query = "{LIVE}"
op = "<"
value = 0.5
```
"""


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A Prometheus holding ``live_used`` sampled every 15 s up to ``at`` and ``stuck_used``
    (same value) whose samples stop 240 s before ``at``: inside the look-back, so answered."""
    work = tmp_path_factory.mktemp("stale")
    now = int(time.time())
    at = now - 1800 - now % 60
    rows = [f"live_used 0.2 {t}" for t in range(at - 1200, at + 1, 15)]
    stuck = [f"stuck_used 0.2 {t}" for t in range(at - 1200, at - 240 + 1, 15)]
    gone = [f"gone_used 0.2 {t}" for t in range(at - 1200, at - 400 + 1, 15)]
    long_gone = [f"long_gone_used 0.2 {t}" for t in range(at - 1200, at - 700 + 1, 15)]
    om = ("# TYPE live_used gauge\n" + "\n".join(rows) + "\n# TYPE stuck_used gauge\n" + "\n".join(stuck)
          + "\n# TYPE gone_used gauge\n" + "\n".join(gone) + "\n# TYPE long_gone_used gauge\n"
          + "\n".join(long_gone) + "\n# EOF\n")
    server = PromServer(work / "prom")
    backfill(om, server.tsdb, work)
    with server:
        src = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0, window=0.0, stale_after=60.0))
        try:
            yield src, float(at), work
        finally:
            src.close()


def test_the_pane_is_stale_and_the_criterion_on_it_is_unknown(prom) -> None:  # type: ignore[no-untyped-def]
    src, at, work = prom
    slo = SloConfig(id="stuck", title="Stuck", query=STUCK, unit="ratio", warn=0.7, crit=0.8)
    [reading] = evaluate([slo], src.fetch([slo], at=at), stale_after=60.0, now=at)
    assert reading.state == "stale", reading                  # the pane's verdict on this data
    cfg = Config()
    cfg.incident.state_dir = str(work / "state")
    inc = IncidentStore(work / "state", cfg).create(title="stuck", severity="P1", runbook=None, source={})
    [view] = dec.evaluate_all(inc, inc.state, [parse_runbook(RUNBOOK)], src, datetime.fromtimestamp(at, UTC))
    said = {c.text: (c.state, c.evidence) for c in view.criteria}
    assert said["stuck under half"] == (dec.UNKNOWN, "stale: last sample 4m00s old"), said
    assert said["live under half"] == (dec.MET, "0.2 < 0.5 is true"), said
    assert view.suggestion == "undecided"


def test_a_gate_never_passes_on_a_frozen_series(prom) -> None:  # type: ignore[no-untyped-def]
    src, at, _ = prom
    # instants from at-110 to at+10: the stuck series' newest sample is 130-250 s old at each
    stuck = VerifyRun(parse_verify(f"{STUCK} < 0.5 within 2m"), src, started_at=at - 110)
    check = stuck.check(now=stuck.deadline)
    assert check.status == "failed", check
    assert check.reason == "window of 2m00s ran out: stale: last sample 4m10s old", check
    live = VerifyRun(parse_verify(f"{LIVE} < 0.5 within 2m"), src, started_at=at - 110)
    assert live.check(now=live.deadline).status == "passed"


def test_a_gate_on_a_fallback_does_not_pass_once_its_series_vanished(prom) -> None:  # type: ignore[no-untyped-def]
    """``gone_used`` stopped 400 s before ``at``: at the gate's opening (at-110) Prometheus still
    answers it (290 s old, stale), from at-95 not at all, and the expression's ``or vector(0)``
    answers 0. The pane says STALE ("no sample of gone_used"); the gate must not read the 0 as
    fresh (the selector's newest sample is carried from where the range last saw it)."""
    src, at, _ = prom
    expr = "(max(gone_used) or vector(0))"
    slo = SloConfig(id="gone", title="Gone", query=expr, unit="ratio", warn=0.7, crit=0.8)
    [reading] = evaluate([slo], src.fetch([slo], at=at), stale_after=60.0, now=at)
    assert reading.state == "stale", reading
    run = VerifyRun(parse_verify(f"{expr} < 0.5 within 2m"), src, started_at=at - 110)
    check = run.check(now=run.deadline)
    assert check.status == "failed" and check.reason is not None and "stale: last sample" in check.reason, check


def test_a_watched_gate_and_one_opened_after_the_series_vanished_do_not_pass(prom) -> None:  # type: ignore[no-untyped-def]
    """The same, looked at every grid step (a live watch judges a few instants per look, each
    from its own range: the selector vanished in an earlier look's range), and a gate opened once
    ``long_gone_used`` (stopped 700 s before) was already out of the look-back: each selector
    missing at a look's first instant is read over the look-back there, as a pane's is."""
    src, at, _ = prom
    expr = "(max(gone_used) or vector(0))"
    run = VerifyRun(parse_verify(f"{expr} < 0.5 within 2m"), src, started_at=at - 110)
    checks = [run.check(now=at - 110 + k * 5) for k in range(0, 25)]
    assert all(c.status != "passed" for c in checks), [c for c in checks if c.status == "passed"][:1]
    assert checks[-1].status == "failed" and "stale: last sample" in (checks[-1].reason or ""), checks[-1]
    expr = "(max(long_gone_used) or vector(0))"
    slo = SloConfig(id="long", title="Long gone", query=expr, unit="ratio", warn=0.7, crit=0.8)
    [reading] = evaluate([slo], src.fetch([slo], at=at - 110), stale_after=60.0, now=at - 110)
    assert reading.state == "stale", reading
    late = VerifyRun(parse_verify(f"{expr} < 0.5 within 2m"), src, started_at=at - 110)
    check = late.check(now=late.deadline)
    assert check.status == "failed" and "stale: last sample" in (check.reason or ""), check
