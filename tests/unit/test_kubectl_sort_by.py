"""redteam29-9 (rest): `kubectl get pods --sort-by=.metadata.creationTimestamp` was accepted and ignored
(17m-old FlowEngine pods listed before 30d-old ones). kubectl orders by the first value a JSONPath finds in
each object, for every kind `get` lists, and refuses a path no object holds; `top --sort-by` takes cpu or
memory only. The order is checked against the stand-in's own objects (`-o json`), so it holds by rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill
from warroom.drill.standins.kubeobj import LISTERS

T = 900.0           # mass-failure's rollout has made new FlowEngine pods beside 30-day-old ones


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = create_drill(Path(tmp_path_factory.mktemp("d")), "mass-failure", speed=10.0, start=START)
    code, _, err = run_one(d, "kubectl create secret generic fresh -n production --from-literal=k=v".split(), T - 60)
    assert code == 0, err       # a secret made in the drill: younger than the ones it began with
    return d


def natural(text: str) -> list[object]:
    return [int(w) if w.isdigit() else w for w in re.split(r"(\d+)", text)]


@pytest.mark.parametrize("path", [".metadata.creationTimestamp", "{.status.startTime}", "metadata.name",
                                  "{status.containerStatuses[0].restartCount}"])
def test_get_pods_lists_in_the_order_of_the_path(drill, path: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, ["kubectl", "get", "pods", "-A", f"--sort-by={path}", "-o", "json"], T)
    assert code == 0, err
    field = "." + path.strip("{}").lstrip(".")
    values = [eval_path(item, field) for item in json.loads(out)["items"]]
    keys = [v if isinstance(v, int) else natural(str(v)) for v in values]
    assert keys == sorted(keys), values
    table = run_one(drill, ["kubectl", "get", "pods", "-A", f"--sort-by={path}", "--no-headers"], T)[1]
    assert [ln.split()[1] for ln in table.splitlines()] == [i["metadata"]["name"] for i in json.loads(out)["items"]]


def test_the_sort_changes_what_an_unsorted_get_lists(drill) -> None:  # type: ignore[no-untyped-def]
    plain = run_one(drill, "kubectl get pods -A -o name".split(), T)[1].split()
    by_age = run_one(drill, "kubectl get pods -A -o name --sort-by=.metadata.creationTimestamp".split(), T)[1].split()
    assert sorted(plain) == sorted(by_age) and plain != by_age
    assert by_age[-1].startswith("pod/flowengine-") and not by_age[0].startswith("pod/flowengine-")


@pytest.mark.parametrize("kind", sorted(LISTERS))
def test_every_kind_get_lists_sorts_by_its_creation_time(drill, kind: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, ["kubectl", "get", kind, "-A", "--sort-by=.metadata.creationTimestamp",
                                     "-o", "json"], T)
    assert code == 0, err
    stamps = [i["metadata"]["creationTimestamp"] for i in json.loads(out)["items"]]
    assert stamps and stamps == sorted(stamps)
    if kind == "secrets":
        assert [i["metadata"]["name"] for i in json.loads(out)["items"]][-1] == "fresh"


@pytest.mark.parametrize(("line", "error"), [
    ("kubectl get pods --sort-by=.spec.nothing", 'error: couldn\'t find any field with path "{.spec.nothing}" '
                                                 "in the list of objects"),
    ("kubectl get pods --sort-by=.metadata.labels", "is an unsortable type: map"),
    ("kubectl get pods --sort-by={.a}{.b}", "error: unexpected path string, expected a 'name1.name2'"),
    ("kubectl top pods --sort-by=name", "error: --sort-by accepts only cpu or memory"),
])
def test_a_sort_it_cannot_make_is_refused_in_kubectls_words(drill, line: str, error: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, line.split(), T)
    assert (code, out) == (1, "") and error in err, (code, out, err)


@pytest.mark.parametrize(("what", "column"), [("pods", 1), ("pods", 2), ("nodes", 1), ("nodes", 3)])
def test_top_lists_the_heaviest_first(drill, what: str, column: int) -> None:  # type: ignore[no-untyped-def]
    by = "memory" if column > 1 else "cpu"
    code, out, err = run_one(drill, ["kubectl", "top", what, f"--sort-by={by}"], T)
    assert code == 0, err
    rows = [ln.split() for ln in out.splitlines()[1:]]
    values = [int(re.sub(r"\D", "", r[column])) for r in rows]
    assert len(set(values)) > 1 and values == sorted(values, reverse=True), out


def eval_path(obj: object, field: str) -> object:
    for part in re.findall(r"\w+|\[\d+\]", field):
        obj = obj[int(part[1:-1])] if part.startswith("[") else obj[part]  # type: ignore[index]
    return obj
