"""The kubectl stand-in's answers that come from its one object model (issue 13 item 7).

``get``, ``-o``, ``describe``, ``delete`` and ``patch`` read the same objects, and ``--dry-run``
never records a change. Run in-process at fixed scenario moments (``standins_corpus.run_one``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill


def test_one_object_answers_get_output_and_describe(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="objects")

    def kubectl(command: str) -> tuple[int, str, str]:
        return run_one(drill, ["kubectl", *command.split()], 300.0)

    names = kubectl("get pods -n production -o name")[1].split()
    table = kubectl("get pods -n production --no-headers")[1].splitlines()
    items = json.loads(kubectl("get pods -n production -o json")[1])["items"]
    assert names == [f"pod/{line.split()[0]}" for line in table] == [f"pod/{i['metadata']['name']}" for i in items]
    first = names[0].removeprefix("pod/")
    running = kubectl("get pods -n production --field-selector status.phase=Running -o name")[1].split()
    assert running and set(running) <= set(names)
    assert kubectl(f"describe pod {first} -n production")[1].startswith(f"Name:             {first}\n")
    # a missing key prints nothing, as kubectl get's --allow-missing-template-keys does
    assert kubectl("get deployment flowengine -n production -o jsonpath={.nope}") == (0, "", "")
    # an index past the end of a list that is there is kubectl's error (it once printed nothing, as jsonpath-ng finds nothing)
    code, _, err = kubectl(f"get pods -n production -o jsonpath={{.items[{len(names)}].metadata.name}}")
    assert code == 1 and f"array index out of bounds: index {len(names)}, length {len(names)}" in err
    assert kubectl(f"get pods -n production -o jsonpath={{.items[-{len(names)}].metadata.name}}")[1] == first
    # an object that exists but has no describe text says so, instead of a false NotFound
    code, _, err = kubectl("describe configmap flowengine-config -n production")
    assert code == 1 and "not simulated" in err and "get configmap NAME -o yaml" in err
    assert "NotFound" in kubectl("describe configmap nope -n production")[2]
    # a number that is not one is kubectl's error, not a traceback
    code, _, err = kubectl("logs deployment/flowengine -n production --tail=abc")
    assert code == 1 and 'error: invalid argument "abc" for "--tail" flag' in err
    # events are objects too: the table and -o json list the same ones
    assert kubectl("rollout restart deployment/audit-shipper -n production")[0] == 0
    shown = run_one(drill, "kubectl get events -n production --no-headers".split(), 400.0)[1].splitlines()
    events = json.loads(run_one(drill, "kubectl get events -n production -o json".split(), 400.0)[1])["items"]
    assert shown and [e["message"] for e in events] == [line.split(None, 4)[4] for line in shown]


def test_dry_run_answers_and_records_nothing(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="dry")
    before = list(drill.actions())
    for command, answer in (
            ("scale deployment/flowengine --replicas=4", "deployment.apps/flowengine scaled (dry run)"),
            ("set image deployment/flowengine flowengine=flowengine:v1.1.0", "image updated (dry run)"),
            ("rollout restart deployment/flowengine", "deployment.apps/flowengine restarted (dry run)"),
            ("set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true", "env updated (dry run)"),
            ("patch hpa flowengine -p {\"spec\":{\"minReplicas\":3}}", "autoscaling/flowengine patched (dry run)"),
            ("delete secret model-api-keys", 'secret "model-api-keys" deleted (dry run)')):
        code, out, _ = run_one(drill, ["kubectl", *command.split(), "-n", "production", "--dry-run=client"], 300.0)
        assert code == 0 and answer in out, command
    assert list(drill.actions()) == before
    assert "5/5" in run_one(drill, "kubectl get deployment flowengine -n production".split(), 400.0)[1]


def test_bad_input_is_a_clear_error_not_a_crash_or_a_hang(tmp_path: Path) -> None:
    """Input a facilitator can type that used to raise inside the stand-in (or list a billion pods)."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="bad")
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "extra.yaml").write_text("kind: ConfigMap\nmetadata: {name: extra}\n", encoding="utf-8")
    for argv, code, said in (
            (["patch", "hpa", "flowengine", "-p", "[1]"], 1, "a patch is a JSON (or YAML) object"),
            (["patch", "hpa", "flowengine", "-p", '{"spec":{"minReplicas":"x"}}'], 1, "is invalid"),
            (["patch", "hpa", "flowengine", "-p", '{"spec":{"minReplicas":30}}'], 1, "1 <= min <= max"),
            (["patch", "configmap", "flowengine-config", "-p", "data: {a: 2020-01-01}"], 0, "patched"),
            (["autoscale", "deployment/audit-shipper", "--min=5", "--max=1"], 1, "is invalid"),
            (["scale", "deployment/flowengine", "--replicas=99999999999999999999"], 1, "at most 1000 replicas"),
            (["rollout", "status", "deployment/flowengine", "--timeout=abc"], 1, 'invalid duration "abc"'),
            (["exec", "deployment/flowengine", "--", "sh", "-c", "'unterminated"], 2, "Unterminated quoted string"),
            (["exec", "deployment/flowengine", "--", "sh", "-c", ""], 0, ""),
            (["apply", "-f", str(manifests)], 0, "configmap/extra created"),          # a directory's manifests
            (["get", "pods", "-o", 'jsonpath={"\\x"}'], 1, "unquote string")):
        got, out, err = run_one(drill, ["kubectl", *argv, "-n", "production"], 300.0)
        assert got == code and said in out + err, (argv, got, out, err)
    bounds = "jsonpath={.spec.minReplicas}/{.spec.maxReplicas}"
    assert run_one(drill, ["kubectl", "get", "hpa", "flowengine", "-n", "production", "-o", bounds], 300.0)[1] == "5/20"
    assert [a.action for a in drill.actions()] == ["patch", "create"]     # the configmap patch, the apply


def test_a_deployment_patch_changes_what_it_says_or_is_refused(tmp_path: Path) -> None:
    """'patched' is a promise: spec.replicas is a scale the world follows; a field the drill does not
    model is refused instead of answered 'patched' with nothing changed."""
    drill = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="patch")

    def kubectl(*argv: str) -> tuple[int, str, str]:
        return run_one(drill, ["kubectl", *argv, "-n", "production"], 300.0)

    assert kubectl("patch", "deployment", "flowengine", "-p", '{"spec":{"replicas":2}}')[:2] == (
        0, "deployment.apps/flowengine patched\n")
    assert kubectl("get", "deployment", "flowengine", "-o", "jsonpath={.spec.replicas}")[1] == "2"
    assert [a.action for a in drill.actions()] == ["scale_to", "scale_down"]     # five pods to two: an action
    for body in ('{"spec":{"template":{"spec":{}}}}', '{"spec":{"replicas":"3"}}', '{"spec":{"replicas":2},"x":1}',
                 '{"spec":{"replicas":-1}}', '{"spec":{"replicas":true}}'):
        code, out, err = kubectl("patch", "deployment", "flowengine", "-p", body)
        assert code == 1 and out == "" and err, body
    assert [a.action for a in drill.actions()] == ["scale_to", "scale_down"]
    assert kubectl("get", "deployment", "flowengine", "-o", "jsonpath={.spec.replicas}")[1] == "2"


def test_a_configmap_patch_changes_its_data_or_is_refused(tmp_path: Path) -> None:
    """A merge patch of a configmap's data is what ``get`` shows afterwards (null removes a key);
    anything else is refused, never answered 'patched' with nothing changed."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="cm")

    def kubectl(*argv: str) -> tuple[int, str, str]:
        return run_one(drill, ["kubectl", *argv, "-n", "production"], 300.0)

    before = json.loads(kubectl("get", "configmap", "flowengine-config", "-o", "jsonpath={.data}")[1])
    gone = next(iter(before))
    body = json.dumps({"data": {"NEW_KEY": "1", gone: None}})
    assert kubectl("patch", "configmap", "flowengine-config", "-p", body)[:2] == (
        0, "configmap/flowengine-config patched\n")
    after = json.loads(kubectl("get", "configmap", "flowengine-config", "-o", "jsonpath={.data}")[1])
    assert after == {k: v for k, v in before.items() if k != gone} | {"NEW_KEY": "1"}
    for bad in ('{"data":{"n":5}}', '{"data":"x"}', '{"metadata":{"labels":{"a":"b"}}}'):
        code, out, err = kubectl("patch", "configmap", "flowengine-config", "-p", bad)
        assert code == 1 and out == "" and "drill" in err, bad
    assert json.loads(kubectl("get", "configmap", "flowengine-config", "-o", "jsonpath={.data}")[1]) == after


def test_an_autoscaler_patch_moves_its_cpu_target_and_its_figure_is_the_pods_usage(tmp_path: Path) -> None:
    """RB-LAUNCH-003's patch sets bounds *and* a CPU target: ``get hpa`` shows the new target (it
    used to keep 70% while answering 'patched'); the utilisation it shows is the mean of what
    ``top pods`` shows for the deployment's pods over their 500m request; anything else an HPA
    holds is refused rather than answered 'patched' with nothing changed."""
    drill = warm_drill(tmp_path, "timeout", speed=SPEED, start=START, name="hpa")

    def kubectl(command: str, t: float = 300.0) -> tuple[int, str, str]:
        return run_one(drill, ["kubectl", *command.split(), "-n", "production"], t)

    target = {"type": "Resource", "resource": {"name": "cpu", "target": {"averageUtilization": 55,
                                                                          "type": "Utilization"}}}
    patch = json.dumps({"spec": {"minReplicas": 6, "maxReplicas": 30, "metrics": [target]}}, separators=(",", ":"))
    assert kubectl(f"patch hpa flowengine -p {patch}")[:2] == (0, "horizontalpodautoscaler.autoscaling/flowengine "
                                                                  "patched\n")
    row = kubectl("get hpa flowengine --no-headers", 400.0)[1].split()
    top = [int(row.split()[1].rstrip("m")) for row in kubectl("top pods -l app=flowengine", 400.0)[1].splitlines()[1:]]
    util, replicas = int(row[2].split("%")[0]), kubectl("get deployment flowengine --no-headers", 400.0)[1].split()[1]
    # it acted on its new target: the running pods' mean is within its 10 % tolerance, the replicas its own
    assert row[2:5] == [f"{util}%/55%", "6", "30"] and abs(util / 55 - 1) <= 0.1, row
    assert abs(sum(top) * 100 / (500 * len(top)) - util) <= 1 and replicas == f"{row[5]}/{row[5]}" == f"{len(top)}/8"
    spec = json.loads(kubectl("get hpa flowengine -o json", 400.0)[1])["spec"]
    assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 55
    for bad in ('{"spec":{"behavior":{}}}', '{"spec":{"metrics":[{"type":"Resource","resource":{"name":"memory",'
                                             '"target":{"type":"Utilization","averageUtilization":50}}}]}}',
                '{"spec":{"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization",'
                '"averageUtilization":0}}}]}}'):
        code, out, err = kubectl(f"patch hpa flowengine -p {bad}", 400.0)
        assert code == 1 and out == "" and "drill" in err, bad
    assert kubectl("autoscale deployment/audit-shipper --min=2 --max=4 --cpu-percent=40", 400.0)[0] == 0
    assert kubectl("autoscale deployment/postgres --min=1 --max=2", 400.0)[0] == 0
    rows = {line.split()[0]: line.split()[2] for line in kubectl("get hpa --no-headers", 410.0)[1].splitlines()}
    assert rows["audit-shipper"].endswith("/40%") and rows["postgres"].endswith("/80%")     # the API's default


def test_cordon_takes_every_node_named_and_a_bad_selector_is_refused(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="nodes")

    def kubectl(command: str) -> tuple[int, str, str]:
        return run_one(drill, ["kubectl", *command.split()], 300.0)

    def cordoned() -> list[str]:
        return [line.split()[0] for line in kubectl("get nodes --no-headers")[1].splitlines() if "Disabled" in line]

    assert kubectl("cordon node-1 node-3") == (0, "node/node-1 cordoned\nnode/node-3 cordoned\n", "")
    assert cordoned() == ["node-1", "node-3"]
    code, out, err = kubectl("uncordon node-1 node-9")            # one missing: nothing is changed
    assert code == 1 and 'nodes "node-9" not found' in err and cordoned() == ["node-1", "node-3"]
    assert kubectl("cordon node-3 node-4")[1] == "node/node-3 already cordoned\nnode/node-4 cordoned\n"
    for selector in ("!", "app=", "app in (x", "a b", ",app"):
        code, out, err = run_one(drill, ["kubectl", "get", "pods", "-n", "production", "-l", selector], 300.0)
        if selector == "app=":                     # valid: the label with an empty value (no pod has it)
            assert code == 0 and out == "", selector
            continue
        assert code == 1 and out == "" and f'label selector "{selector}"' in err, selector
    names = run_one(drill, ["kubectl", "get", "pods", "-n", "production", "-o", "name", "-l",
                            "app in (postgres, audit-shipper),!nope"], 300.0)[1].split()
    assert names and all(n.startswith(("pod/postgres-", "pod/audit-shipper-")) for n in names)


def test_a_scale_up_adds_new_pods_and_keeps_the_old_ones(tmp_path: Path) -> None:
    """Scaling 5 -> 7 adds two young pods; the five running ones keep their age (they were all shown
    as just created), and no pod of an older revision shows up as Terminating (a scale is no rollout)."""
    drill = warm_drill(tmp_path, "timeout", speed=SPEED, start=START, name="scale")
    # without its autoscaler (which would scale to 6 at 150 s and take the scale to 7 back in 15 s)
    assert run_one(drill, "kubectl delete hpa flowengine -n production".split(), 100.0)[0] == 0
    assert run_one(drill, "kubectl scale deployment/flowengine --replicas=7 -n production".split(), 300.0)[0] == 0
    rows = [line.split() for line in run_one(drill, "kubectl get pods -l app=flowengine -n production --no-headers"
                                             .split(), 400.0)[1].splitlines()]
    assert [r[2] for r in rows] == ["Running"] * 7
    ages = [r[4] for r in rows]         # (listed by name)
    assert ages.count("6d") == 5 and sum(a.endswith("s") for a in ages) == 2, rows


def test_get_pods_get_deployment_and_rollout_status_count_the_same_pods(tmp_path: Path) -> None:
    """Through a rollout, a scale-up and a scale to zero, the deployment's READY and UP-TO-DATE are
    the pods ``get pods`` lists (they disagreed: READY 4/5 beside three pods listed), and rollout
    status reports the same figures (kubectl's order: updated, then old pending, then available)."""
    drill = warm_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="rollout")

    def kubectl(command: str, t: float) -> str:
        return run_one(drill, ["kubectl", *command.split(), "-n", "production"], t)[1]

    assert kubectl("delete hpa flowengine", 500.0)        # it would take the scale to 8 back to 5

    assert kubectl("rollout undo deployment/flowengine", 600.0)
    assert kubectl("scale deployment/flowengine --replicas=8", 700.0)
    for t in (600.0, 604.0, 611.0, 615.0, 633.0, 648.0, 655.0, 700.0, 706.0, 731.0, 760.0):
        image = json.loads(kubectl("get deployment flowengine -o json", t))["spec"]["template"]["spec"]
        current = image["containers"][0]["image"]
        pods = json.loads(kubectl("get pods -l app=flowengine -o json", t))["items"]
        live = [p for p in pods if p["status"]["containerStatuses"][0]["ready"]]
        updated = [p for p in pods if p["spec"]["containers"][0]["image"] == current
                   and "Terminating" not in kubectl(f"get pod {p['metadata']['name']} --no-headers", t)]
        ready, up_to_date = kubectl("get deployment flowengine --no-headers", t).split()[1:3]
        assert (ready.split("/")[0], up_to_date) == (str(len(live)), str(len(updated))), (t, ready, up_to_date)
        first = kubectl("rollout status deployment/flowengine --watch=false", t).splitlines()[0]
        if "new replicas have been updated" in first:
            assert first.split("finish: ")[1].startswith(f"{len(updated)} out of"), (t, first)
    assert kubectl("scale deployment/flowengine --replicas=0", 800.0)
    assert kubectl("get deployment flowengine --no-headers", 805.0).split()[1] == "0/0"
    terminating = kubectl("get pods -l app=flowengine --no-headers", 805.0).splitlines()
    assert len(terminating) == 8 and all(" Terminating " in line for line in terminating)
    assert len({line.split()[-1] for line in terminating}) > 1        # each pod its own age (they were all one)


def test_a_drained_nodes_pods_start_again_elsewhere_and_new_pods_avoid_a_cordoned_node(tmp_path: Path) -> None:
    """'pod/X evicted' is a promise: after a drain the evicted pods are gone and their deployments
    run replacements on the other nodes (they stayed listed on the drained node); a cordon alone
    moves nothing, but pods started after it are not scheduled there."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="drain")

    def pods(t: float) -> dict[str, str]:
        out = run_one(drill, "kubectl get pods -n production -o wide --no-headers".split(), t)[1]
        return {line.split()[0]: re.findall(r" (node-\d) ", line)[0] for line in out.splitlines()}

    before = pods(300.0)
    assert run_one(drill, "kubectl cordon node-4".split(), 300.0)[0] == 0
    assert pods(310.0) == before                                       # a cordon evicts nothing
    out = run_one(drill, "kubectl drain node-2 --ignore-daemonsets".split(), 320.0)[1]
    evicted = {line.split("/", 1)[1].split()[0] for line in out.splitlines() if line.endswith(" evicted")}
    after = pods(330.0)
    assert evicted and not evicted & set(after) and len(after) == len(before)
    assert "node-2" not in after.values()
    assert run_one(drill, "kubectl get deployment flowengine -n production --no-headers".split(), 330.0)[1] \
        .split()[1] == "5/5"
    assert run_one(drill, "kubectl rollout restart deployment/flowengine -n production".split(), 400.0)[0] == 0
    assert {"node-2", "node-4"}.isdisjoint(n for name, n in pods(500.0).items() if name.startswith("flowengine-"))
    assert "prometheus-0" in run_one(drill, "kubectl drain node-3".split(), 600.0)[1]      # a stateful set's pod
    assert " node-3 " not in run_one(drill, "kubectl get pods -n monitoring -o wide".split(), 631.0)[1]


def test_prometheus_0_follows_every_drain_of_the_node_it_is_on(tmp_path: Path) -> None:
    """The stateful set's pod is rescheduled by the cluster's one drain rule, like a deployment's:
    drained off node-3 it runs elsewhere; draining THAT node moves it again (it stayed listed Running
    on the second drained node, with its first replacement's age, while drain said it evicted it). Evicted, it
    terminates a step, then is made again under its name and starts a step, as a drained deployment's pod (fix50f
    left it Running at once)."""
    drill = warm_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="prom")

    def where(t: float, status: str = "Running") -> str:
        line = run_one(drill, "kubectl get pods -n monitoring -o wide --no-headers".split(), t)[1].strip()
        assert line.startswith("prometheus-0") and f" {status} " in line, (t, line)
        return re.findall(r" (node-\d) ", line)[0]

    assert where(100.0) == "node-3"
    assert "prometheus-0" in run_one(drill, "kubectl drain node-3 --ignore-daemonsets".split(), 200.0)[1]
    assert where(210.0, "Terminating") == "node-3"
    first = where(220.0, "ContainerCreating")
    assert first != "node-3" and where(231.0) == first
    assert "prometheus-0" in run_one(drill, f"kubectl drain {first} --ignore-daemonsets".split(), 300.0)[1]
    assert where(331.0) not in {"node-3", first}
