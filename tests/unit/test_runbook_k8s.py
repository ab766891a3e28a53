"""The ```warroom``` native k8s grammar, as lint and classification see it."""

from __future__ import annotations

import pytest

from warroom.execute.classify import classify
from warroom.syntax.k8s import K8sSyntaxError, parse_action


def test_actions() -> None:
    a = parse_action("scale deployment/web replicas=3 namespace=prod")
    assert (a.verb, a.kind, a.name, a.replicas, a.namespace) == ("scale", "deployment", "web", 3,
                                                                   "prod")
    assert parse_action("rollout restart statefulset/db").kind == "statefulset"
    assert parse_action("rollout undo deployment/web to-revision=4").revision == 4
    assert parse_action("set env deployment/web A=1 B=two C-").env == {"A": "1", "B": "two",
                                                                      "C": None}
    assert parse_action("kubectl scale deploy/web --replicas=2 -n x").replicas == 2
    assert not parse_action("rollout status deployment/web").mutating
    a = parse_action("scale deployment/{{ deployment }} replicas={{ n }} namespace=<the ns>",
                     allow_placeholders=True)
    assert (a.name, a.namespace) == ("{{deployment}}", "<the_ns>")


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty action"),
    ("delete deployment/web", "unknown action 'delete'"),
    ("scale deployment/web", "scale needs replicas=N"),
    ("scale deployment/web replicas=many", "replicas must be a whole number"),
    ("scale statefulset/db replicas=1", "must look like deployment/NAME"),
    ("rollout", "needs a sub-action"),
    ("rollout restart pod/x", "must look like deployment/NAME (or statefulset/NAME"),
    ("set env deployment/web", "set env needs at least one KEY=VALUE"),
    ("set env deployment/web 1A=x", "not a valid environment variable name"),
    ("rollout restart deployment/Web_App", "not a valid Kubernetes name"),
    ("rollout restart deployment/web extra", "expected KEY=VALUE"),
])
def test_errors(text: str, message: str) -> None:
    with pytest.raises(K8sSyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_action(text)


def test_classification() -> None:
    assert classify("rollout status deployment/web", "k8s").mutating is False
    c = classify("scale deployment/web replicas=0", "k8s")
    assert c.mutating and c.reason == "scale changes deployment/web"
