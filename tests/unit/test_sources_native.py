"""The `warroom` fence grammar for native k8s steps."""

from __future__ import annotations

import pytest

from warroom.sources.native import ActionError, K8sAction, parse_k8s_action, run_native_step
from warroom.config import Config


@pytest.mark.parametrize(("line", "action"), [
    ("scale deployment/flowengine replicas=5", K8sAction("scale", "flowengine", replicas=5)),
    ("kubectl scale deploy/flowengine --replicas=0 -n canary",
     K8sAction("scale", "flowengine", replicas=0, namespace="canary")),
    ("scale deployment flowengine --replicas 2", K8sAction("scale", "flowengine", replicas=2)),
    ("rollout restart deployment/flowengine", K8sAction("restart", "flowengine")),
    ("rollout undo deployment/flowengine", K8sAction("undo", "flowengine")),
    ("rollout undo deployments.apps/flowengine to-revision=3", K8sAction("undo", "flowengine", revision=3)),
    ("kubectl rollout undo deployment/flowengine --to-revision=0", K8sAction("undo", "flowengine")),
    ("rollout status deployment/flowengine namespace=prod", K8sAction("status", "flowengine", namespace="prod")),
    ("set env deployment/flowengine A=1 'B=two words' C- container=engine",
     K8sAction("set-env", "flowengine", env={"A": "1", "B": "two words", "C": None}, container="engine")),
])
def test_parse(line: str, action: K8sAction) -> None:
    got = parse_k8s_action(line)
    assert got == K8sAction(**{**action.__dict__, "text": line})
    assert got.mutating == (action.verb != "status")


@pytest.mark.parametrize(("line", "message"), [
    ("", "k8s step is empty"),
    ("delete deployment/flowengine", "unknown action"),
    ("scale deployment/flowengine", "scale needs replicas=N"),
    ("scale deployment/flowengine replicas=-1", "scale needs replicas=N"),
    ("scale pod/flowengine replicas=1", "expected deployment/NAME, got 'pod/flowengine'"),
    ("rollout restart", "expected deployment/NAME, got nothing"),
    ("rollout restart deployment/flowengine now", "unexpected 'now'"),
    ("rollout restart deployment/flowengine replicas=2", "option 'replicas' does not apply to restart"),
    ("set env deployment/flowengine", "set env needs at least one KEY=VALUE"),
    ("set env deployment/flowengine 1BAD=x", "expected KEY=VALUE or KEY-, got '1BAD=x'"),
    ("rollout undo deployment/flowengine to-revision=abc", "to-revision must be a whole number"),
    ("scale deployment/flowengine 'replicas=3", "No closing quotation"),
    ("scale deployment/flowengine -n", "-n needs a value"),
])
def test_parse_errors(line: str, message: str) -> None:
    with pytest.raises(ActionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_k8s_action(line)


def test_describe() -> None:
    assert parse_k8s_action("rollout undo deployment/x").describe() == "roll deployment/x back to the previous revision"
    assert parse_k8s_action("set env deployment/x A=1 B-").describe() == "set A=1, unset B on deployment/x"


def test_run_native_step_bad_line_and_kind_never_raise() -> None:
    res = run_native_step("k8s", "explode deployment/x", Config())
    assert res.status == "failed" and res.exit_code == 1 and "unknown action" in res.error
    res = run_native_step("promql", "up", Config())
    assert res.status == "failed" and res.error == "no Prometheus configured (set prometheus.url)"
    assert run_native_step("shell", "ls", Config()).status == "failed"


def test_every_line_the_runbook_grammar_accepts_runs_here() -> None:
    """The runbook engine lints ```warroom fences with its own parser; each line it accepts must
    parse here to the same action."""
    k8s = pytest.importorskip("warroom.syntax.k8s")
    lines = [
        "scale deployment/flowengine replicas=5",
        "scale deploy/flowengine replicas=0 namespace=canary",
        "rollout restart deployment/flowengine",
        "rollout restart statefulset/redis",
        "rollout undo deployment/flowengine",
        "rollout undo deployment/flowengine to-revision=3",
        "rollout undo deployment/flowengine revision=2",
        "set env deployment/flowengine CIRCUIT_BREAKER=on LOG_LEVEL=debug",
        "set env ds/agent A=1",
    ]
    verbs = {"scale": "scale", "rollout restart": "restart", "rollout undo": "undo", "set env": "set-env"}
    for line in lines:
        theirs = k8s.parse_action(line)
        ours = parse_k8s_action(line)
        assert (verbs[theirs.verb], theirs.kind, theirs.name, theirs.namespace) == (
            ours.verb, ours.kind, ours.name, ours.namespace), line
        assert theirs.replicas == ours.replicas and (theirs.revision or None) == ours.revision, line
        assert theirs.env == {k: v for k, v in ours.env.items()}, line


def test_undo_of_a_statefulset_is_refused_clearly() -> None:
    with pytest.raises(ActionError, match="undo works on deployments only; for a statefulset use kubectl"):
        parse_k8s_action("rollout undo statefulset/redis")


def test_a_promql_step_prints_each_value_as_prometheus_writes_it() -> None:
    """redteam40 R9d: 98.953 printed "99" and 80.04 "80" (three significant digits), and the step's expectation
    ("above 80") was judged on the printed text. Go's FormatFloat(v, 'f', -1, 64), as Prometheus' API writes it."""
    from warroom.execute.expectation import check_text
    from warroom.sources.native import run_promql_step, sample_text

    class Source:
        def query(self, expr: str, at: float | None) -> list[tuple[dict[str, str], float]]:
            return [({"provider": "anthropic"}, 80.04), ({"provider": "openai"}, 1e-05), ({}, 3.0)]

    res = run_promql_step("q", Source())
    assert res.lines == ('{provider="anthropic"}  80.04', '{}  3', '{provider="openai"}  0.00001')
    assert [sample_text(v) for v in (98.953, 0.30000000000000004, 1.5e20, -0.0, float("inf"), float("nan"))] == [
        "98.953", "0.30000000000000004", "150000000000000000000", "-0", "+Inf", "NaN"]
    assert check_text(None, "above 80", res.lines[0] + "\n").state == "met"  # type: ignore[union-attr]
