"""An OPEN breaker sends no call (redteam47 F10).

Turned on after Anthropic's quota was used up, the breaker said "OPEN (quota exhausted: calls to anthropic fail
fast …)", yet Prometheus kept counting ~1,080 Anthropic 429s an hour (three attempts a call, the retry storm
unbroken), the pod log said the breaker line and "429 Too Many Requests" side by side, and RB-CORE-003's 429 gate
read 99.8%. A call failed fast is not sent: no request, no 429; the flows fail with the breaker's words on every
surface at the same scenario second, and the gate reads what is still sent (the other providers' calls).
"""

from __future__ import annotations

from tests.unit.standins_corpus import run_one
from tests.unit.test_drill_breaker_words import ON, drill, runs_out
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary

RATE = "sum(rate(flowengine_model_api_requests_total{provider='anthropic'}[1m])) * 3600"
SAID = "circuit breaker OPEN: calls to anthropic fail fast, not sent"


def test_a_breaker_turned_on_after_the_quota_is_used_up_sends_no_call() -> None:
    d = drill(None)
    on = runs_out(d) + 300.0
    gate = RunbookLibrary([shipped_runbooks_dir()]).get("RB-CORE-003").queries["share_429"].promql
    assert d.simulator.evaluate(RATE, on)[0].value > 900.0          # the storm: every call refused three times
    assert d.simulator.evaluate(gate, on)[0].value > 99.0
    assert run_one(d, ON.split(), on)[0] == 0
    t = on + 400.0              # armed a rollout on; the gate's 5-minute window holds nothing from before
    assert d.simulator.evaluate(RATE, t)[0].value == 0.0
    assert d.simulator.evaluate(gate, t)[0].value < 10.0
    assert "fail fast" in run_one(d, "blocks circuit-breaker status".split(), t)[1]
    logs = run_one(d, "kubectl logs deployment/flowengine -n production --since=1m".split(), t)[1]
    assert SAID in logs and "429 Too Many Requests" not in logs, logs[-600:]
    rows = run_one(d, ["psql", "-At", "-c", "SELECT DISTINCT error_message FROM tasks WHERE status = 'failed' "
                       f"AND created_at > now() - interval '1 minute'"], t)[1]
    assert SAID in rows and "429" not in rows, rows
