"""The breaker's state says what it does to calls once the quota is used up (issue 13, redteam37 F4, F15).

At 100% quota the breaker read "HALF_OPEN (monitoring quota)" for 56 drill minutes, in `blocks circuit-breaker
status` and in the pod log, while Anthropic refused every call and 60% of flows failed: a half-open breaker
lets trial calls through and re-opens when they fail. Now it is OPEN, failing fast until the reset, on every
surface. And RB-LAUNCH-005's "Check that the breaker is active" read the last 20 log lines for the one
activation line, gone two drill minutes on: it asks the breaker's periodic status line instead.
"""

from __future__ import annotations

from tests.unit.standins_corpus import run_one
from tests.unit.test_drill_breaker_words import drill, runs_out
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary

LOGS = "kubectl logs deployment/flowengine -n production --since=5m".split()


def test_a_used_up_quota_opens_the_breaker_on_every_surface() -> None:
    d = drill(300.0)
    t = runs_out(d) + 600.0
    status = run_one(d, "blocks circuit-breaker status".split(), t)[1]
    assert status.startswith("CircuitBreaker: OPEN (quota exhausted: calls to anthropic fail fast until the reset"), status
    said = [line for line in run_one(d, LOGS, t)[1].splitlines() if "CircuitBreaker:" in line]
    assert said and all("CircuitBreaker: OPEN (quota exhausted: calls to anthropic fail fast)" in x for x in said), said
    assert not [line for line in run_one(d, LOGS, t)[1].splitlines() if "Circuit breaker activated" in line]
    before = run_one(d, "blocks circuit-breaker status".split(), runs_out(d) - 600.0)[1]
    assert before.startswith("CircuitBreaker: HALF_OPEN (monitoring quota)"), before


def test_the_runbook_checks_the_breaker_by_a_line_it_logs_while_on() -> None:
    rb = RunbookLibrary([shipped_runbooks_dir()]).get("RB-LAUNCH-005")
    step = next(s for s in rb.steps if s.label.startswith("Check that the breaker is active"))
    argv = step.command.split("|")[0].replace("{{ deployment }}", "flowengine").replace("{{ namespace }}", "production")
    d = drill(300.0)
    for t in (400.0, 900.0, 5000.0):        # a minute, ten and 78 drill minutes on
        out = run_one(d, argv.split(), t)[1]
        assert any(step.check in line for line in out.splitlines()), (t, step.check, out[-400:])
