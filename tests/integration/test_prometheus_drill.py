"""`warroom status` against a real Prometheus backfilled with the drill simulator's scenarios.

The drill writes OpenMetrics for ``promtool tsdb create-blocks-from openmetrics``; the expected
pane values come from the drill's own evaluator (``Simulator.pane``), and the expected states from
the thresholds applied by hand here, so the status command's judgement is checked independently.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import SloConfig, default_slos

pytestmark = pytest.mark.integration

drill_actions = pytest.importorskip("warroom.drill.actions")
from tests.drill_backfill import write_openmetrics  # noqa: E402
from warroom.drill.scenarios import get_scenario  # noqa: E402
from warroom.drill.simulator import Simulator  # noqa: E402

PLANS = {
    "rate-limit": [drill_actions.Action("circuit_breaker", 1200.0), drill_actions.Action("retry", 1400.0)],
    "audit-gap": [],
}


def _state(slo: SloConfig, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "nodata"
    bad = (lambda v, t: v > t) if slo.direction == "above" else (lambda v, t: v < t)
    if slo.crit is not None and bad(value, slo.crit):
        return "crit"
    if slo.warn is not None and bad(value, slo.warn):
        return "warn"
    return "ok"


@pytest.fixture(scope="module", params=sorted(PLANS))
def drilled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name = request.param
    work = tmp_path_factory.mktemp(f"drill-{name}")
    base = math.floor((time.time() - 1800 - 600) / 15) * 15
    import io

    buf = io.StringIO()
    write_openmetrics(buf, name, base=base, start=-3900, end=1800, step=15, actions=PLANS[name])
    server = PromServer(work / "server")
    backfill(buf.getvalue(), server.tsdb, work)
    with server:
        yield name, server, base, Simulator(get_scenario(name), lambda: list(PLANS[name]), lambda t: base + t)


def _status(capsys: pytest.CaptureFixture[str], cfg: Path, at: float) -> tuple[int, str, str]:
    """``warroom --config CFG status --json --at AT`` in-process (the CLI's own ``main``): what is tested is what it
    reads from the real Prometheus and says, not the process boundary (each call was an interpreter of its own,
    ~0.35 s CPU; Prometheus is still a real server). (exit code, stdout, stderr), no traceback."""
    from tui.cli import main

    capsys.readouterr()
    code = main(["--config", str(cfg), "status", "--json", "--at", str(at)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_status_json_matches_the_drill_scenario(drilled, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, server, base, series = drilled
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[prometheus]\nurl = "{server.url}"\ntimeout = "10s"\n', encoding="utf-8")
    seen_states: set[str] = set()
    worst = 0
    for t in (0.0, 285.0, 900.0, 1500.0):
        code, out, err = _status(capsys, cfg, base + t)
        doc = json.loads(out)
        panes = {p["id"]: p for p in doc["panes"]}
        states = []
        for slo in default_slos():
            want = series.pane(slo.id, t)
            got = panes[slo.id]
            assert got["error"] is None, (name, t, got)
            assert got["value"] == pytest.approx(want, rel=1e-6, abs=1e-6), (name, t, slo.id)
            assert got["state"] == _state(slo, want), (name, t, slo.id, want)
            states.append(got["state"])
        seen_states.update(states)
        expected_exit = 2 if "crit" in states else 1 if ("warn" in states or "nodata" in states) else 0
        assert code == expected_exit == doc["exit_code"], (name, t, states, err)
        worst = max(worst, code)
    # Each scenario is an incident: somewhere in its half hour a pane goes critical.
    assert worst == 2 and "crit" in seen_states
