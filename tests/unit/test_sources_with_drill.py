"""The sources' step helpers (promql steps, verify gates, evidence) over the drill's MetricSource."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import default_slos

drill_sim = pytest.importorskip("warroom.drill.directory")

from warroom.sources.evidence import capture  # noqa: E402
from warroom.sources.native import run_promql_step  # noqa: E402
from warroom.sources.verify import VerifyRun, parse_verify  # noqa: E402


@pytest.fixture
def drill_source(tmp_path: Path):
    drill = drill_sim.create_drill(tmp_path / "state", "rate-limit")
    src = drill.source()
    yield drill, src
    src.close()


def test_promql_step_over_the_drill(drill_source) -> None:
    drill, src = drill_source
    res = run_promql_step("100 * flowengine_model_quota_used_ratio", src, at=drill.wall_time(600))
    assert res.ok and len(res.lines) >= 2 and all("provider=" in line for line in res.lines)
    bad = run_promql_step("sum(", src)
    assert bad.status == "failed" and bad.error


def test_verify_gate_and_evidence_over_the_drill(drill_source) -> None:
    drill, src = drill_source
    slos = default_slos()
    at = drill.wall_time(600)
    values = capture(src, slos, at=at)
    quota = values["quota"]["value"]
    assert quota is not None and values["quota"]["state"] in ("ok", "warn", "crit")
    run = VerifyRun(parse_verify(f"quota <= {quota + 1000:g} within 1m", slos), src, started_at=at)
    assert run.check().status == "passed"
    run = VerifyRun(parse_verify("max(flowengine_model_quota_used_ratio) < -1 within 1m", slos), src)
    assert run.check().status == "pending"
