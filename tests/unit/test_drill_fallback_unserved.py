"""A fallback model no provider serves routes the calls nowhere: they fail, and every reader says so (attack A12).

``kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-trubo`` (or ``GPT-4-TURBO``, ``claude-sonet``) healed the
provider outage: ``fleet.provider_of`` read any unknown model family as OpenAI's, so the routed calls ran on OpenAI and
RB-LAUNCH-005's route-around gate passed on a typo. A provider serves the models its ``/v1/models`` lists, ids exact:
FlowEngine sends the call with that id, the vendor answers 404, the flow fails. The failure rate stays up, the logs
and ``/health/models`` say why, no tokens are spent, ``blocks`` runs fail the same way, and the drill records no
fallback routing for it (the report credits none).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import route_of
from warroom.drill.directory import Drill, create_drill

SET_AT, T = 600.0, 1500.0
HEALTH = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/health/models".split()


def _routed(tmp_path: Path, *env: str) -> Drill:
    drill = warm_drill(tmp_path / "-".join(env), "provider-outage", name="u")
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *env, "-n", "production"], SET_AT)[0] == 0
    return drill


def test_model_ids_are_exact() -> None:
    assert [fleet.provider_of(m) for m in ("gpt-4-turbo", "GPT-4-TURBO", "gpt-4-trubo", "claude-sonet", "gemini")] == [
        "openai", None, None, None, None]
    assert route_of({"FALLBACK_MODEL": "claude-sonet"}) not in (None, *fleet.PROVIDER_NAMES)


def test_a_fallback_no_provider_serves_fails_the_routed_flows(tmp_path: Path) -> None:
    model = "GPT-4-TURBO"
    drill = _routed(tmp_path, "DISABLE_PROVIDERS=anthropic", f"FALLBACK_MODEL={model}")
    sim, s, why = drill.simulator, drill.simulator.signals, f"model not found: {model} (no provider serves it)"
    assert [a.action for a in drill.actions()] == ["set_env"]           # no fallback routing taken
    assert s.strands(T) == ((fleet.PRIMARY_PROVIDER.flow_share, why, (fleet.PRIMARY,)),)
    assert sim.panes("failure_rate", [T])[0] > 10.0     # the primary's flows (60 %) all fail
    for p in fleet.PROVIDERS:       # no call made for them: nobody's requests or quota count them
        assert s.request_rate(p, T) == pytest.approx(0.0 if p.name == fleet.PRIMARY else
                                                     s.request_rate(p, SET_AT - 60.0), rel=0.2), p.name
    health = json.loads(run_one(drill, HEALTH, T)[1])
    assert (health["fallback_model"], health["fallback_error"]) == (model, why)
    logs = run_one(drill, ["kubectl", "logs", "deployment/flowengine", "-n", "production", "--since=1m"], T)[1]
    assert f"ERROR model-client - {why}" in logs, logs
    code, _, err = run_one(drill, ["blocks", "test-flow"], T)
    assert code == 1 and why in err, err
    failed = next(f for f in Activity(sim.refresh(), s.cluster).flows(T - 300.0, T, T) if f.error == why)
    code, _, err = run_one(drill, ["blocks", "flow", "retry", failed.task_id, "--model", model], T)
    assert code == 1 and why in err, err


def test_the_architects_plans_on_an_unserved_model_fail_the_primarys_flows(tmp_path: Path) -> None:
    s = _routed(tmp_path, "ARCHITECT_FALLBACK_MODEL=claude-sonet").simulator.signals
    why = "model not found: claude-sonet (no provider serves it)"
    assert s.strands(T) == ((fleet.PRIMARY_PROVIDER.flow_share, why, (fleet.PRIMARY,)),)
    assert s.request_rate(fleet.PRIMARY_PROVIDER, T) == 0.0        # a flow without its plan does no work


def test_tried_after_the_primary_an_unserved_fallback_fails_the_calls_it_gets(tmp_path: Path) -> None:
    """Tried after the primary, a fallback no provider serves heals nothing (A12), and the calls it is sent fail there
    (world44: a 5xx call was quietly tried again on the primary, as if nothing were set): each call the primary answers
    5xx goes to the typo, is answered 404 and not tried again, so its flow fails, for the reason the logs give."""
    drill = _routed(tmp_path, "FALLBACK_MODEL=gpt-4-trubo", "FALLBACK_ON_5XX=true")
    s, why = drill.simulator.signals, "model not found: gpt-4-trubo (no provider serves it)"
    assert s.route(T) is None and s.lost(fleet.PRIMARY, T) < 0.05     # no 5xx tried again on the primary
    [(share, said, names)] = s.strands(T)         # Claude answers ~40 % 5xx: a flow of two calls meets one ~2/3
    assert (said, names) == (why, (fleet.PRIMARY,)) and 0.5 < share / fleet.PRIMARY_PROVIDER.flow_share < 0.8, share
    untouched = create_drill(tmp_path / "none", "provider-outage", speed=SPEED, start=START, name="u")
    assert drill.simulator.panes("failure_rate", [T])[0] > 2 * untouched.simulator.panes("failure_rate", [T])[0]
    assert json.loads(run_one(drill, HEALTH, T)[1])["fallback_error"] == why
    logs = run_one(drill, ["kubectl", "logs", "deployment/flowengine", "-n", "production", "--since=1m"], T)[1]
    assert f"ERROR model-client - {why}" in logs, logs


def test_primary_model_moved_off_the_primary_runs_the_flows_there(tmp_path: Path) -> None:
    """redteam43 R11: ``PRIMARY_MODEL=gpt-4-turbo`` rolled the pods and moved nothing (Claude's flows kept failing,
    the report said it moved no pane). FlowEngine's flows plan and run on the model it names: the primary's calls go
    to its provider, as ``FALLBACK_MODEL`` sends them; a typo sends them nowhere."""
    moved = _routed(tmp_path, "PRIMARY_MODEL=gpt-4-turbo")
    assert [a.action for a in moved.actions()] == ["set_env", "fallback_routing"]
    s = moved.simulator.signals
    assert s.route(T) == "openai" and s.route_reason(T) == "PRIMARY_MODEL=gpt-4-turbo"
    before, after = moved.simulator.panes("error_5xx", [SET_AT, T])      # 28 % at both untouched
    assert after < before / 10, (before, after)
    flows = Activity(moved.simulator.refresh(), s.cluster).flows(T - 300.0, T, T)
    assert "claude-sonnet-4-5" not in {f.model for f in flows}
    assert route_of({"PRIMARY_MODEL": "gpt-4-trubo"}) == fleet.UNSERVED


def test_a_latency_threshold_no_call_reaches_sends_nothing_to_the_typo(tmp_path: Path) -> None:
    """Tried first by latency, the unserved fallback gets only the calls slower than the threshold: none past 500 s
    (no flow fails for it, no log line of a 0 % strand), most past 5 s in the timeout drill."""
    slow = _routed(tmp_path, "FALLBACK_MODEL=gpt-4-trubo", "FALLBACK_THRESHOLD_LATENCY=500").simulator.signals
    assert slow.strands(T) == ()
    fast = _routed(tmp_path, "FALLBACK_MODEL=gpt-4-trubo", "FALLBACK_THRESHOLD_LATENCY=5").simulator.signals
    [(share, why, _)] = fast.strands(T)
    assert why == "model not found: gpt-4-trubo (no provider serves it)" and share > 0.5, share


def test_a_run_goes_to_the_unserved_fallback_only_once_slow_past_the_threshold(tmp_path: Path) -> None:
    """attack44 A21: with ``FALLBACK_THRESHOLD_LATENCY=30`` ~a third of Claude's flows meet the typo, yet every test
    flow and retry failed "model not found" at once (1 s). A call goes there only once it has been slow past 30 s."""
    drill = _routed(tmp_path, "FALLBACK_MODEL=gpt-4-trubo", "FALLBACK_THRESHOLD_LATENCY=30")
    why = "model not found: gpt-4-trubo (no provider serves it)"
    typo = [why in run_one(drill, ["blocks", "test-flow"], T + 7 * k)[2] for k in range(6)]
    assert any(typo) and not all(typo), typo
    # the last ten minutes' (~9): five left the retries' own draws too few to meet the typo again
    flows = Activity(drill.simulator.refresh(), drill.simulator.signals.cluster).flows(T - 600.0, T, T)
    typos = [f for f in flows if f.error == why][:10]
    runs = [run_one(drill, ["blocks", "flow", "retry", f.task_id], T + 60.0) for f in typos]
    spent = [float(out.split("failed in ")[1].split("s")[0]) for _, out, err in runs if why in err]
    assert spent and min(spent) >= 30.0 and len(spent) < len(runs), (spent, len(runs))


def test_a_flow_failing_on_the_unserved_fallback_ran_the_threshold_first(tmp_path: Path) -> None:
    """attack44 A21's TaskDB half: under ``FALLBACK_THRESHOLD_LATENCY=30`` a flow failing "model not found" had run 1 s
    in psql (223 of 539 under 30 s): a call goes to the typo only once slower than the threshold (or, under
    ``FALLBACK_ON_5XX``, answered 5xx: 8 s), so its flow ran that long first; the duration histogram counts it so."""
    drill = _routed(tmp_path, "FALLBACK_MODEL=gpt-4-trubo", "FALLBACK_THRESHOLD_LATENCY=30")
    why = "model not found: gpt-4-trubo (no provider serves it)"
    typos = [f.duration for f in Activity(drill.simulator.refresh(), drill.simulator.signals.cluster).flows(
        SET_AT + 60.0, SET_AT + 240.0, SET_AT + 600.0) if f.error == why]
    assert typos and min(typos) >= 30.0, sorted(typos)[:5]
    under = 'sum(increase(flowengine_flow_duration_seconds_bucket{le="20.0"}[3m]))'    # every flow under 20 s another's
    alone = warm_drill(tmp_path / "none", "provider-outage", name="u")
    ours, theirs = (d.simulator.evaluate(under, SET_AT + 240.0)[0].value for d in (drill, alone))
    assert ours < 1.2 * theirs, (ours, theirs)


def test_each_call_to_the_unserved_fallback_is_a_404_on_the_request_counter(tmp_path: Path) -> None:
    """attack44 A8: half the flows failed "model not found" and ``flowengine_model_api_requests_total`` had no 404
    series. Each flow's call sent to a model no provider serves is answered 404 once (not tried again): counted under
    ``provider="unknown"`` (the label an exporter writes for a provider it cannot resolve); no 404 series in a drill
    that never sent a call there, as a Go CounterVec has no child before it is first counted."""
    drill = _routed(tmp_path, "FALLBACK_MODEL=gpt-4-trubo", "FALLBACK_THRESHOLD_LATENCY=30")
    why = "model not found: gpt-4-trubo (no provider serves it)"
    [sample] = drill.simulator.evaluate('increase(flowengine_model_api_requests_total{code="404"}[5m])', T)
    failed = [f for f in Activity(drill.simulator.refresh(), drill.simulator.signals.cluster).flows(T - 300.0, T, T)
              if f.error == why]
    assert dict(sample.labels)["provider"] == "unknown", sample
    assert 0.7 < sample.value / len(failed) < 1.3, (sample, len(failed))
    assert "gpt-4-trubo (no provider)" in run_one(drill, ["blocks", "metrics", "model-latency", "--last", "5m"], T)[1]
    alone = warm_drill(tmp_path / "none", "provider-outage", name="u")
    assert alone.simulator.evaluate('flowengine_model_api_requests_total{code="404"}', T) == []
