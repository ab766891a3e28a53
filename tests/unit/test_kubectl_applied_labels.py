"""Issue 13 item 5: a Deployment applied in a drill (RB-DEPLOY-002's canary) keeps its manifest's labels, as a real
cluster does: the object its own (none in the runbook's manifest), its selector its ``matchLabels``, its pods their
template's plus the ``pod-template-hash`` their ReplicaSet adds. Every selector (``=``, ``!=``, ``in``, ``notin``,
``key``, ``!key``, ``>``, ``<``: apimachinery's parser, and its words for one it refuses) and every output form
(``--show-labels``, ``-o wide``, ``-o json``, ``describe``, ``rollout history``) reads those, and the Service's
``app=flowengine`` decides whether its pods take FlowEngine's flows. Formats as Debian's kubectl prints them against
an API server (labels by key; ``<none>`` for none). ~2 s."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one
from tests.unit.test_blocks_metrics_compare import MANIFEST, drill_with_canary
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill
from warroom.drill.standins.kubectl import match_selector, parse_selector

AT = 400.0


def kubectl(drill: Drill, *args: str) -> str:
    code, out, err = run_one(drill, ["kubectl", "-n", "production", *args], AT)
    assert code == 0, err
    return out


def names(drill: Drill, selector: str) -> set[str]:
    return set(kubectl(drill, "get", "pods", "-l", selector, "-o", "name").split())


def test_an_applied_canary_s_pods_carry_its_template_s_labels_for_every_selector(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    canary = {n for n in names(drill, "app=flowengine") if n.startswith("pod/flowengine-canary-")}
    regular = names(drill, "app=flowengine") - canary
    assert len(canary) == 1 and len(regular) == 5
    assert names(drill, "track=canary") == names(drill, "track in (canary,other)") == names(drill, "track") == canary
    assert names(drill, "app=flowengine,track!=canary") == names(drill, "app==flowengine,!track") == regular
    assert names(drill, "app in (flowengine),track notin (canary)") == regular
    assert names(drill, "track=canary,app!=flowengine") == set()
    pod = next(iter(canary)).removeprefix("pod/")
    labels = json.loads(kubectl(drill, "get", "pod", pod, "-o", "jsonpath={.metadata.labels}"))
    template_hash = pod.split("-")[2]
    assert list(labels.items()) == [("app", "flowengine"), ("pod-template-hash", template_hash), ("track", "canary")]
    row = next(line for line in kubectl(drill, "get", "pods", "--show-labels").splitlines() if line.startswith(pod))
    assert row.split()[-1] == f"app=flowengine,pod-template-hash={template_hash},track=canary"
    assert (f"Labels:           app=flowengine\n                  pod-template-hash={template_hash}\n"
            "                  track=canary\nStatus:") in kubectl(drill, "describe", "pod", pod)
    assert names(drill, f"pod-template-hash={template_hash}") == canary
    assert pod in kubectl(drill, "top", "pods", "-l", "track=canary")
    history = kubectl(drill, "rollout", "history", "deployment/flowengine-canary", "--revision=1")
    assert f"  Labels:\tapp=flowengine\n\tpod-template-hash={template_hash}\n\ttrack=canary\n" in history


def test_the_deployment_object_keeps_its_own_labels_and_its_selector(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    dep = json.loads(kubectl(drill, "get", "deployment", "flowengine-canary", "-o", "json"))
    assert "labels" not in dep["metadata"]                  # the runbook's manifest gives the object none
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "flowengine", "track": "canary"}}
    assert dep["spec"]["template"]["metadata"]["labels"] == {"app": "flowengine", "track": "canary"}
    assert kubectl(drill, "get", "deploy", "-l", "app=flowengine", "-o", "name") == "deployment.apps/flowengine\n"
    row = next(line for line in kubectl(drill, "get", "deploy", "-o", "wide", "--show-labels").splitlines()
               if line.startswith("flowengine-canary "))
    assert row.split()[-2:] == ["app=flowengine,track=canary", "<none>"]


def apply(drill: Drill, path: Path, manifest: str, t: float = AT - 50) -> tuple[int, str, str]:
    path.write_text(manifest.format(image="flowengine:v1.2.0-canary"), encoding="utf-8")
    return run_one(drill, ["kubectl", "apply", "-n", "production", "-f", str(path)], t)


def test_labels_decide_whether_its_pods_serve_and_a_label_change_is_a_new_revision(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    cluster = build_cluster(drill.scenario, drill.actions())
    assert cluster.serves(cluster.deployments["flowengine-canary"])
    tiered = MANIFEST.replace("labels: {{app: flowengine, track: canary}}",
                              "labels: {{app: flowengine, track: canary, tier: web}}")
    assert apply(drill, tmp_path / "tiered.yaml", tiered)[:2] == (0, "deployment.apps/flowengine-canary configured\n")
    cluster = build_cluster(drill.scenario, drill.actions())
    assert [r.number for r in cluster.deployments["flowengine-canary"].history] == [1, 2]    # a new ReplicaSet
    assert names(drill, "tier=web") == names(drill, "track=canary") and len(names(drill, "track=canary")) == 1
    shadow = MANIFEST.replace("app: flowengine", "app: shadow").replace("name: flowengine-canary", "name: shadow")
    assert apply(drill, tmp_path / "shadow.yaml", shadow)[:2] == (0, "deployment.apps/shadow created\n")
    cluster = build_cluster(drill.scenario, drill.actions())
    assert not cluster.serves(cluster.deployments["shadow"])      # the Service (app=flowengine) does not select them


def test_the_api_server_refuses_a_selector_that_does_not_own_its_pods_or_changes(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    moved = MANIFEST.replace("app: flowengine", "app: shadow")
    assert apply(drill, tmp_path / "moved.yaml", moved) == (1, "", (
        'The Deployment "flowengine-canary" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"shadow", "track":"canary"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        "field is immutable\n"))
    stray = MANIFEST.replace("name: flowengine-canary", "name: stray").replace(
        "labels: {{app: flowengine, track: canary}}", "labels: {{app: flowengine}}")
    assert apply(drill, tmp_path / "stray.yaml", stray) == (1, "", (
        'The Deployment "stray" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":'
        '"flowengine"}: `selector` does not match template `labels`\n'))
    bare = "\n".join(line for line in MANIFEST.splitlines() if "selector" not in line).replace("-canary", "-bare")
    refused = 'The Deployment "flowengine-bare" is invalid: spec.selector: Required value\n'
    assert apply(drill, tmp_path / "bare.yaml", bare) == (1, "", refused)
    assert len(build_cluster(drill.scenario, drill.actions()).deployments) == 4       # none of them was made


@pytest.mark.parametrize(("selector", "error"), [           # apimachinery's labels.Parse, word for word
    ("a(b", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
    ("app=x,", "found '', expected: identifier after ','"),
    ("track in (canary", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("x in (a,", "unable to parse requirement: found '', expected: ',', or identifier"),
    ("x in a", "unable to parse requirement: found 'a' expected: '('"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    (",", "found ',', expected: !, identifier, or 'end of string'"),
    ("a>x", 'unable to parse requirement: values[0]: Invalid value: "x": for \'Gt\', \'Lt\' operators, the value must '
            "be an integer"),
    ("a=-x", 'unable to parse requirement: values[0][a]: Invalid value: "-x": a valid label must be an empty string or '
             "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
             "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
             "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ("a:b", 'unable to parse requirement: <nil>: Invalid value: "a:b": name part must consist of alphanumeric '
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
])
def test_an_invalid_selector_is_refused_in_the_api_server_s_words(selector: str, error: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_selector(selector)
    assert str(refused.value) == error


def test_selectors_mean_what_the_api_server_reads() -> None:
    pod = {"app": "flowengine", "track": "canary", "tier": "7"}
    assert parse_selector("x in (a,,b), y notin (in,notin)") == [("x", "in", frozenset({"a", "", "b"})),
                                                                ("y", "notin", frozenset({"in", "notin"}))]
    assert parse_selector("in in (in)") == [("in", "in", frozenset({"in"}))]      # a keyword is a word where one goes
    for selector, matched in (("app,!zone", True), ("app notin (x),zone notin (x)", True), ("zone in (x)", False),
                              ("tier>6,tier<8", True), ("tier>7", False), ("app>1", False), ("zone<9", False),
                              ("app=", False), ("zone=", False), ("zone!=", True), ("track==canary", True)):
        assert match_selector(pod, selector) is matched, selector


def test_a_canary_pod_logs_flowengine_s_lines_under_its_container_s_name(tmp_path: Path) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.2.0-canary")
    pod = next(iter(names(drill, "track=canary"))).removeprefix("pod/")
    lines = kubectl(drill, "logs", "-l", "track=canary", "--prefix", "--tail=50").splitlines()
    assert lines and all(line.startswith(f"[pod/{pod}/flowengine] ") for line in lines)     # its container's name
    # the flows the Service gives it (a line naming its task: started, succeeded or failed), not another program's
    assert any(re.search(r" tsk_[0-9a-f]{8} ", line) for line in lines), lines
