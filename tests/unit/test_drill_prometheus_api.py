"""The drill answers ad-hoc PromQL with the panes' own numbers (redteam42 R22).

From the drill shell ``promtool`` was the host's binary (it would query a real server) and ``curl
http://localhost:9090/api/v1/query`` failed to connect: a commander rehearsing could not ask the numbers the panes
show. The curl stand-in now serves Prometheus' HTTP API (``/api/v1/query``, ``/api/v1/query_range``) from the one
evaluator the panes read, in Prometheus' JSON and its ``bad_data`` error for what the evaluator refuses; the drill's
``promtool query`` asks that API.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.config import default_slos
from warroom.drill.directory import create_drill

T = 600.0
API = "http://localhost:9090/api/v1"


def test_the_api_answers_what_the_panes_show_at_the_same_instant(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="p")
    at, slos = drill.wall_time(T), default_slos()
    panes = {s.slo_id: s.value for s in drill.source().fetch(slos, at)}
    times = [T - 60.0, T - 30.0, T]
    for slo in slos:
        code, out, _ = run_one(drill, ["curl", "-s", f"{API}/query?query={quote(slo.query)}&time={at}"], T + 30.0)
        body = json.loads(out)
        assert body["status"] == "success" and body["data"]["resultType"] == "vector", out
        [sample] = body["data"]["result"]
        assert sample["value"] == [at, sample["value"][1]] and float(sample["value"][1]) == panes[slo.id], slo.id
        ranged = run_one(drill, ["curl", "-s", "--data-urlencode", f"query={slo.query}", "-d", f"start={at - 6.0}",
                                 "-d", f"end={at}", "-d", "step=3", f"{API}/query_range"], T)[1]
        [series] = json.loads(ranged)["data"]["result"]
        assert [float(v) for _, v in series["values"]] == drill.simulator.panes(slo.id, times), slo.id
    said = run_one(drill, ["promtool", "query", "instant", "http://localhost:9090", slos[0].query], T)[1]
    assert said == f"{{}} => {panes[slos[0].id]!r} @[{at:.0f}]\n", said


def test_what_the_evaluator_does_not_evaluate_is_prometheus_bad_data(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="p")
    query = quote("holt_winters(flowengine_flows_queued[10m], 0.5, 0.5)")
    out = run_one(drill, ["curl", "-s", "-w", "\n%{http_code}", f"{API}/query?query={query}"], T)[1]
    body, code = out.rsplit("\n", 1)
    assert code == "400" and json.loads(body) == {"status": "error", "errorType": "bad_data",
                                                  "error": "function 'holt_winters' is not supported in drills"}
    code, _, err = run_one(drill, ["promtool", "query", "instant", "http://localhost:9090", "sum(("], T)
    assert code == 1 and err.startswith("query error: bad_data: "), err
