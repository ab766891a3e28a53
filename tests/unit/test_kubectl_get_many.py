"""``kubectl get all`` and ``kubectl get deploy,svc``: the first thing many commanders type, refused until now.

Each section is the table ``get KIND`` prints for that kind alone, its names prefixed with the kind, in
kubectl's order of the "all" category; ``-o json`` is one List of the same objects; ``-o name`` their names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import Drill, create_drill
from warroom.drill.standins.kubectl import ALL
from warroom.drill.standins.kubeobj import api_name

T = 610.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    d = create_drill(tmp_path_factory.mktemp("d"), "rate-limit", speed=10.0, start=START)
    assert run_one(d, "kubectl set env deployment/flowengine -n production MAX_CONCURRENT_FLOWS=3".split(), 600.0)[0] == 0
    return d


def kubectl(drill: Drill, *argv: str) -> str:
    code, out, err = run_one(drill, ["kubectl", *argv], T)
    assert code == 0, err
    return out


@pytest.mark.parametrize("scope", [["-n", "production"], ["-n", "monitoring"], ["-A"], ["-n", "production", "-o", "wide"],
                                   ["-n", "production", "-l", "app=flowengine"]])
def test_each_section_is_the_kinds_own_table_with_its_names_prefixed(drill: Drill, scope: list[str]) -> None:
    sections = kubectl(drill, "get", "all", *scope).rstrip("\n").split("\n\n")
    expected = []
    for kind in ALL:
        code, alone, err = run_one(drill, ["kubectl", "get", kind, *scope], T)
        if not alone:
            assert code == 0 and err.startswith("No resources found"), err
            continue
        lines = alone.rstrip("\n").splitlines()
        at = re.search(r"(?<!\S)NAME(?!\S)", lines[0]).start()         # type: ignore[union-attr]  # the same words, the name prefixed (the columns are padded anew)
        expected.append([ln.split() for ln in [lines[0]] + [ln[:at] + f"{api_name(kind)}/" + ln[at:] for ln in lines[1:]]])
    assert [[ln.split() for ln in s.splitlines()] for s in sections] == expected


def test_output_forms_list_every_kind_asked_for(drill: Drill) -> None:
    ns = ["-n", "production"]
    names = kubectl(drill, "get", "deploy,svc", *ns, "-o", "name").split()
    assert names == (kubectl(drill, "get", "deploy", *ns, "-o", "name").split()
                     + kubectl(drill, "get", "svc", *ns, "-o", "name").split())
    items = json.loads(kubectl(drill, "get", "rs,deployments", *ns, "-o", "json"))["items"]
    assert items == (json.loads(kubectl(drill, "get", "rs", *ns, "-o", "json"))["items"]
                     + json.loads(kubectl(drill, "get", "deployments", *ns, "-o", "json"))["items"])


def test_a_kind_the_server_lacks_or_nothing_found_says_so(drill: Drill, tmp_path: Path) -> None:
    assert run_one(drill, ["kubectl", "get", "pods,nope", "-n", "production"], T) == (
        1, "", 'error: the server doesn\'t have a resource type "nope"\n')
    assert run_one(drill, ["kubectl", "get", "jobs,cronjobs", "-n", "production"], T) == (
        0, "", "No resources found in production namespace.\n")
    # kube-system holds what every cluster runs (DNS, kube-proxy...), which the drill does not model: not "none"
    assert run_one(drill, ["kubectl", "get", "all", "-n", "kube-system"], T) == (
        1, "", "error: drill: the kube-system namespace is not simulated (the drill's cluster is the production and "
               "monitoring namespaces)\n")
    assert run_one(drill, ["kubectl", "get", "nodes", "-n", "kube-system"], T)[0] == 0
