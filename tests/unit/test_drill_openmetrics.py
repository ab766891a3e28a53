"""The drill's OpenMetrics output: well-formed, consistent, and a real Prometheus agrees with it.

The strongest check is end to end: backfill the text with ``promtool tsdb create-blocks-from
openmetrics``, start a real Prometheus on the blocks (127.0.0.1, stopped by the test) and ask it
the five ``default_slos()`` queries: it must return the values the simulator shows on its panes.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.sources_servers import PromServer
from warroom.config import default_slos
from tests.unit.drill_ops import rollout_undo
from tests.unit.standins_corpus import warm_simulator
from warroom.drill.actions import Action
from tests.drill_backfill import scenario_catalog, write_openmetrics
from tests.drill_openmetrics import exposition
from warroom.drill.simulator import Simulator

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None or PROMTOOL is None,
    reason="prometheus/promtool not installed (CI installs them via .ci/run)",
)

SAMPLE = re.compile(r'^(?P<name>[a-z_:]+)(?P<labels>\{[^}]*\})? (?P<value>\S+)(?: (?P<ts>\S+))?$')


def parse(text: str) -> dict[str, list[tuple[float, float]]]:
    """series (name+labels) -> [(timestamp, value)] in file order."""
    out: dict[str, list[tuple[float, float]]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, line
        key = m.group("name") + (m.group("labels") or "")
        out.setdefault(key, []).append((float(m.group("ts") or 0), float(m.group("value"))))
    return out


def test_text_is_complete_monotonic_and_ends_with_eof() -> None:
    buf = io.StringIO()
    actions = rollout_undo(200.0)
    lines = write_openmetrics(buf, "mass-failure", base=1_800_000_000.0, start=-900, end=900, step=15,
                              actions=actions)
    text = buf.getvalue()
    assert text.endswith("# EOF\n") and text.count("# EOF") == 1
    assert lines == text.count("\n")
    for family in ("flowengine_flow_executions counter", "flowengine_flow_failures counter",
                   "flowengine_model_api_requests counter", "flowengine_flow_duration_seconds histogram",
                   "flowengine_model_quota_used_ratio gauge",
                   "flowengine_audit_log_last_event_timestamp_seconds gauge", "flowengine_flows_queued gauge",
                   "flowengine_flows_awaiting_review gauge"):
        assert f"# TYPE {family}\n" in text
    series = parse(text)
    assert len(series) == 6 + 6 + 3 * 4 + 17 + 2 + 3 + 1 + 1 + 1
    for key, points in series.items():
        stamps = [ts for ts, _ in points]
        assert stamps == sorted(stamps) and len(stamps) == 121, key
        if key.endswith("_total") or "_total{" in key or "_bucket" in key or "_count" in key or "_sum" in key:
            values = [v for _, v in points]
            assert all(b >= a for a, b in zip(values, values[1:], strict=False)), key
    assert series['flowengine_flow_duration_seconds_bucket{le="+Inf"}'] == series["flowengine_flow_duration_seconds_count"]


def test_live_exposition_passes_promtool_check_metrics() -> None:
    if PROMTOOL is None:
        pytest.skip("promtool not installed (CI installs it via .ci/run)")
    body = exposition(scenario_catalog("rate-limit", 1_800_000_000.0), 300.0, openmetrics=False)
    done = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    om = exposition(scenario_catalog("rate-limit", 1_800_000_000.0), 300.0)
    assert om.endswith("# EOF\n")
    samples = [line for line in om.splitlines() if not line.startswith("#")]
    assert samples and all(len(line.split(" ")) == 2 for line in samples)   # no timestamps on a live scrape


@dataclass
class Backfilled:
    url: str
    base: float
    world: Simulator


def _start_prometheus(tmp: Path, name: str, actions: list[Action], base: float) -> tuple[PromServer, Backfilled]:
    """A real Prometheus (on a leased port: tests/ports.py) over the scenario's series, backfilled."""
    server = PromServer(tmp / name)
    om = tmp / name / "series.om"
    with open(om, "w") as fh:
        write_openmetrics(fh, name, base=base, start=-3900, end=1800, step=15, actions=actions)
    server.tsdb.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(om), str(server.tsdb)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    world = warm_simulator(name, lambda: list(actions), lambda t: base + t)
    return server, Backfilled(server.url, base, world)


@pytest.fixture(scope="module")
def prometheus_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Backfilled]]:
    if PROMETHEUS is None or PROMTOOL is None:
        pytest.skip("prometheus/promtool not installed (CI installs them via .ci/run)")
    tmp = tmp_path_factory.mktemp("drill-prom")
    # the drill ends at scenario 1800 s, a few minutes before now, aligned to the 15 s step
    base = math.floor((time.time() - 1800 - 600) / 15) * 15
    plans = {
        "mass-failure": rollout_undo(300.0),
        "rate-limit": [Action("circuit_breaker", 150.0), Action("retry", 400.0)],
    }
    servers: list[PromServer] = []
    out = {}
    try:
        for name, actions in plans.items():
            server, info = _start_prometheus(tmp, name, actions, base)
            servers.append(server)
            out[name] = info
        yield out
    finally:
        for server in servers:
            server.close()


@needs_prometheus
@pytest.mark.parametrize("name", ["mass-failure", "rate-limit"])
def test_real_prometheus_returns_the_simulated_slo_values(prometheus_pair: dict[str, Backfilled], name: str) -> None:
    info = prometheus_pair[name]
    checked = 0
    with httpx.Client(base_url=info.url, timeout=10) as client:
        for t in (-60.0, 285.0, 600.0, 1500.0):
            for slo in default_slos():
                r = client.get("/api/v1/query", params={"query": slo.query, "time": info.base + t})
                body = r.json()
                assert body["status"] == "success", body
                (result,) = body["data"]["result"]
                got = float(result["value"][1])
                want = info.world.pane(slo.id, t)
                assert got == pytest.approx(want, rel=1e-6, abs=1e-6), (slo.id, t)
                checked += 1
    assert checked == 20


@needs_prometheus
def test_real_prometheus_sees_the_per_repo_mass_failure(prometheus_pair: dict[str, Backfilled]) -> None:
    info = prometheus_pair["mass-failure"]
    q = ("sum by (repo) (rate(flowengine_flow_failures_total[5m]))"
         " / sum by (repo) (rate(flowengine_flow_executions_total[5m])) > 0.5")
    r = httpx.get(f"{info.url}/api/v1/query", params={"query": q, "time": info.base + 240}, timeout=10)
    repos = {x["metric"]["repo"] for x in r.json()["data"]["result"]}
    assert repos == {"financial-reporting", "customer-analytics", "risk-engine"}
    # after the rollback the same question has no answer: nobody is failing that hard any more
    r = httpx.get(f"{info.url}/api/v1/query", params={"query": q, "time": info.base + 900}, timeout=10)
    assert r.json()["data"]["result"] == []


def test_command_line_writes_a_backfill_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ``python -m tests.drill_backfill`` is ``main`` (``raise SystemExit(main())``): asked in-process, not as two
    # processes importing warroom again (~1.4 s of CPU)
    from tests.drill_backfill import main

    out = tmp_path / "rl.om"
    code = main(["rate-limit", "--base", "1800000000", "--start", "-300", "--end", "300",
                 "--action", "circuit_breaker@150", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = out.read_text()
    assert text.endswith("# EOF\n") and " 1800000300.000\n" in text
    with pytest.raises(SystemExit) as bad:            # argparse's error: exit 2, the usage and the reason on stderr
        main(["rate-limit", "--action", "oops"])
    assert bad.value.code == 2 and "expected KIND@SECONDS" in capsys.readouterr().err
