"""redteam42 R15: a commander probing a provider by hand read a world that was not the drill's.

In the provider outage the world refuses 40% of FlowEngine's calls to Anthropic, yet 30 of 30 hand-made calls were
answered 503; once the vendor had recovered, a well-formed call and the model list were answered 404 ("still
broken"). A probe now is refused as often as the world refuses a call at that instant (a draw seeded on the instant),
answered otherwise, and the model list is there unless the vendor is down.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import fleet

CALL = ["curl", "-s", "-H", "x-api-key: sk-drill", "https://api.anthropic.com/v1/messages"]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(Path(tmp_path_factory.mktemp("probe")), "provider-outage")


def test_a_probe_in_the_outage_is_refused_about_as_often_as_the_world(drill) -> None:  # type: ignore[no-untyped-def]
    moments = [900.0 + k for k in range(60)]
    refused = sum(json.loads(run_one(drill, CALL, t)[1]).get("type") == "error" for t in moments)
    anthropic = next(p for p in fleet.PROVIDERS if p.name == "anthropic")
    share = sum(drill.simulator.signals.share_5xx(anthropic, t) for t in moments) / 60
    assert 0.3 < share < 0.5                      # the scenario's outage: about 40% of calls refused
    assert abs(refused / 60 - share) < 0.2, (refused, share)     # neither every call nor none
    assert 0 < refused < 60


def test_after_recovery_a_call_and_the_model_list_are_answered(drill) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_one(drill, CALL, 4500.0)
    answer = json.loads(out)
    assert code == 0 and answer["type"] == "message" and answer["model"].startswith("claude")
    code, out, _ = run_one(drill, ["curl", "-s", "-w", "\n%{http_code}", "https://api.anthropic.com/v1/models"], 4500.0)
    body, status = out.rsplit("\n", 1)
    assert status == "200" and json.loads(body)["data"][0]["id"].startswith("claude")
    code, out, _ = run_one(drill, ["curl", "-s", "-w", "%{http_code}", "-o", "/dev/null",
                                   "https://api.anthropic.com/v2/nothing"], 4500.0)
    assert out == "404"                           # a path the API has not: its 404, as before


def test_a_call_for_a_model_the_vendor_does_not_serve_is_its_404(drill) -> None:  # type: ignore[no-untyped-def]
    """attack43 A9: ``gpt-4-trubo`` asked of OpenAI was answered 200 naming gpt-4-turbo, while every other view of the
    world (``/health/models``, ``blocks test-flow``, the router's log) said no provider serves it."""
    def call(host: str, model: str) -> tuple[str, dict]:
        out = run_one(drill, ["curl", "-s", "-w", "\n%{http_code}", "-d", json.dumps({"model": model}),
                              f"https://{host}/v1/{'chat/completions' if 'openai' in host else 'messages'}"], 4500.0)[1]
        body, status = out.rsplit("\n", 1)
        return status, json.loads(body)
    assert call("api.openai.com", "gpt-4-trubo") == ("404", {"error": {
        "message": "The model `gpt-4-trubo` does not exist or you do not have access to it.",
        "type": "invalid_request_error", "param": None, "code": "model_not_found"}})
    assert call("api.anthropic.com", "claude-sonet") == ("404", {"type": "error", "error": {
        "type": "not_found_error", "message": "model: claude-sonet"}})
    status, answer = call("api.openai.com", "gpt-4-turbo")
    assert status == "200" and answer["object"] == "chat.completion" and answer["model"] == "gpt-4-turbo", answer
