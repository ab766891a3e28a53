"""Evidence back-fill and verify gates settled after the fact, against a real Prometheus."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.integration.sources_series import STEP, Scenario
from tests.integration.sources_servers import PromServer, backfill
from warroom.config import PrometheusConfig, default_slos
from warroom.journal.log import Journal, read_journal
from warroom.sources.evidence import collect, format_evidence, iso, record_before, record_due
from warroom.sources.prometheus import PrometheusSource
from warroom.sources.verify import parse_verify, settle_open

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory):
    """Quota at 93% (openai) until 20 minutes before `at`, then 61%."""
    work = tmp_path_factory.mktemp("prom-evidence")
    now = int(time.time())
    at = now - 900 - (now % STEP)
    scenario = Scenario(quota_early={"anthropic": 0.5, "openai": 0.93}, quota_switch=at - 1200)
    server = PromServer(work / "server")
    backfill(scenario.openmetrics(at - 3 * 3600, at), server.tsdb, work)
    with server:
        src = PrometheusSource(PrometheusConfig(url=server.url, timeout=5.0, window=600.0))
        yield src, at
        src.close()


def test_evidence_backfilled_from_prometheus(prom, tmp_path: Path) -> None:
    src, at = prom
    slos = default_slos()
    j = Journal(tmp_path / "journal.jsonl")
    start = at - 1860
    record_before(j, 2, "enable-breaker", src, slos, at=start, stale_after=60.0)
    j.append("step.started", {"step": 2, "step_id": "enable-breaker", "label": "enable circuit breaker",
                              "command": "flowctl breaker on"}, ts=datetime.fromtimestamp(start, tz=timezone.utc))
    j.append("step.finished", {"step": 2, "step_id": "enable-breaker", "status": "ok", "exit_code": 0,
                               "started_at": iso(start), "ended_at": iso(at - 1800)})
    written = record_due(j, read_journal(j.path).events, src, slos, [300.0, 900.0], now=at + 900)
    assert [w["values"]["quota"]["value"] for w in written] == [pytest.approx(93.0), pytest.approx(61.0)]
    assert [w["values"]["quota"]["state"] for w in written] == ["crit", "ok"]
    [ev] = collect(read_journal(j.path).events)
    assert ev.before["quota"]["value"] == pytest.approx(93.0)
    text = format_evidence(ev, slos, tz=timezone.utc)
    hhmm = datetime.fromtimestamp(start, tz=timezone.utc).strftime("%H:%M")
    assert text.startswith(f"enable circuit breaker {hhmm} → ")
    assert "quota 93% → 93% (+5m00s) → 61% (+15m00s)" in text


def test_verify_gates_settled_from_the_range(prom, tmp_path: Path) -> None:
    src, at = prom
    slos = default_slos()
    j = Journal(tmp_path / "journal.jsonl")
    for step_id, started, text in (("passes", at - 1500, "quota < 80 within 10m"),
                                   ("fails", at - 2400, "quota < 80 within 5m"),
                                   ("promql", at - 1500, "max(flowengine_model_quota_used_ratio) < 0.7 within 10m")):
        gate = parse_verify(text, slos)
        j.append("verify.started", {"step": 1, "step_id": step_id, "expr": text, "window": gate.window,
                                    "deadline": iso(started + gate.window)},
                 ts=datetime.fromtimestamp(started, tz=timezone.utc))
    out = {g.step_id: c for g, c in settle_open(j, read_journal(j.path).events, src, slos, now=at, step=15)}
    assert out["passes"].status == "passed" and out["passes"].value == pytest.approx(61.0)
    assert out["promql"].status == "passed" and out["promql"].value == pytest.approx(0.61)
    assert out["fails"].status == "failed" and "last 93" in out["fails"].reason
    outcomes = [(e.type, e.data["step_id"]) for e in read_journal(j.path).events if e.type != "verify.started"]
    assert sorted(outcomes) == [("verify.failed", "fails"), ("verify.passed", "passes"), ("verify.passed", "promql")]
