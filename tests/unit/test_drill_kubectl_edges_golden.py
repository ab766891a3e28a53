"""kubectl's answers beyond the runbooks' own command lines, pinned byte for byte (issue 13 item 7).

The stand-ins' golden (``standins-golden.json``) holds what the runbooks type; that reaches about
70% of ``kubectl.py``. A stand-in made shorter must also keep the answers a facilitator gets off the
runbook's path: every verb's refusals and usage errors, selectors and field selectors, each ``-o``
format, jsonpath's edge cases, ``--dry-run``, ``--since-time``, ``--to-revision``, HPA bounds that
move the deployment, cordon/drain, exec into each pod, and the estate after FlowEngine is deleted.
Each command runs in order on one drill per scenario at three scenario moments (a change stays for
the next command, as at a terminal), in-process and with no delay, so nothing depends on the box.

Regenerate on purpose only: ``python -m tests.unit.test_drill_kubectl_edges_golden`` (the commit
says why the answers changed).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SCENARIOS, SPEED, START, digest, run_one, warm_drill

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "drill" / "kubectl-edges-golden.json"
TIMES = (30.0, 900.0, 4000.0)
# {m}: a directory of manifests (a.yaml, b.json and c.txt, which apply skips); {bad}: YAML that does not parse
EDGES = """
kubectl
kubectl --help
kubectl -n production
kubectl -n production get pods
kubectl gte pods
kubectl xyz
kubectl get
kubectl describe
kubectl get pods -A
kubectl get pods -A -o wide --show-labels
kubectl get pods --no-headers
kubectl get pods -o name
kubectl get pods -o yaml
kubectl get pods -o json
kubectl get pods -o jsonpath={.items[*].metadata.name}
kubectl get pods -o jsonpath={.items[99].x}
kubectl get pods -o jsonpath={range.items[*]}{end}
kubectl get pods -o jsonpath={.kind*3}
kubectl get pods -o jsonpath={"\\n"}
kubectl get pods -o jsonpath='{.items[0].metadata.name}'
kubectl get pods -o go-template={{}}
kubectl get pods -l app=flowengine
kubectl get pods -l app!=flowengine,tier
kubectl get pods -l 'app in (flowengine,postgres)'
kubectl get pods -l 'app notin (flowengine)'
kubectl get pods -l !app
kubectl get pods -l app=
kubectl get pods -l a(b
kubectl get pods -l app=x,
kubectl get hpa -l a(b
kubectl logs -l a(b
kubectl get pods --field-selector status.phase!=Running
kubectl get pods --field-selector status.phase=Running
kubectl get events --field-selector involvedObject.name=node-2
kubectl get events -A
kubectl get events -n monitoring
kubectl get nodes
kubectl get nodes -o wide
kubectl get no node-1 -o json
kubectl get deploy -o wide
kubectl get deployments.apps flowengine -o yaml
kubectl get deployment nope
kubectl get hpa
kubectl get hpa -n monitoring
kubectl get horizontalpodautoscalers.autoscaling -o yaml
kubectl get secrets
kubectl get secrets -o yaml
kubectl get cm -o json
kubectl get namespaces
kubectl get svc
kubectl get rs
kubectl get sts
kubectl get pvc
kubectl get netpol
kubectl get foo
kubectl get pods -n monitoring
kubectl get pods -n nowhere
kubectl get pods prometheus-0 -n monitoring -o yaml
kubectl describe pods
kubectl describe pods -n monitoring
kubectl describe nodes
kubectl describe node node-3
kubectl describe deployment flowengine
kubectl describe pod nope
kubectl describe secrets
kubectl logs
kubectl logs deployment/flowengine --tail=5
kubectl logs deployment/flowengine --tail=0
kubectl logs deployment/flowengine --tail=x
kubectl logs deployment/flowengine --since=10m --tail=20 --prefix
kubectl logs deployment/flowengine --since=xx
kubectl logs deployment/flowengine --since-time=2026-09-22T12:00:00Z
kubectl logs deployment/flowengine --since-time=bad
kubectl logs deployment/flowengine --since-time=2026-09-22T12:00:00Z --since=5m
kubectl logs deployment/audit-shipper --tail=3
kubectl logs deployment/postgres --tail=3
kubectl logs deployment/prometheus --tail=3
kubectl logs prometheus-0 -n monitoring
kubectl logs deployment/nope
kubectl logs hpa/flowengine
kubectl logs nopod
kubectl logs -l app=flowengine --tail=3
kubectl logs -l app=nothing
kubectl logs -l app=flowengine -f
kubectl top
kubectl top pods
kubectl top pods -l app=flowengine
kubectl top pods -l app=none
kubectl top pods -A
kubectl top nodes
kubectl top deploy
kubectl rollout
kubectl rollout bogus deployment/flowengine
kubectl rollout history deployment/flowengine
kubectl rollout history deployment/flowengine --revision=6
kubectl rollout history deployment/flowengine --revision=99
kubectl rollout history deployment/flowengine --revision=x
kubectl rollout history deployment flowengine
kubectl rollout history hpa/flowengine
kubectl rollout history deployment
kubectl rollout status deployment/flowengine
kubectl rollout status deployment/flowengine --watch=false
kubectl rollout status deployment/flowengine --timeout=30s
kubectl rollout status deployment/flowengine --timeout=zz
kubectl rollout pause deployment/flowengine
kubectl rollout resume deployment/flowengine --dry-run=client
kubectl rollout undo deployment/flowengine --dry-run=client
kubectl rollout undo deployment/flowengine --to-revision=99
kubectl rollout undo deployment/flowengine --to-revision=x
kubectl rollout undo deployment/audit-shipper
kubectl rollout undo deployment/audit-shipper
kubectl rollout undo deployment/postgres
kubectl rollout restart deployment/audit-shipper
kubectl rollout restart deployment/flowengine --dry-run=server
kubectl set
kubectl set foo
kubectl set env
kubectl set env deployment/flowengine --list
kubectl set env deployment/flowengine LOG_LEVEL=debug
kubectl set env deployment/flowengine LOG_LEVEL-
kubectl set env deployment/flowengine NOEQ
kubectl set env deployment/flowengine
kubectl set env deployment/flowengine --from=secret/model-api-keys
kubectl set env deployment/flowengine --from=secret/none
kubectl set env deployment flowengine -e A=1 -e B=2
kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=70
kubectl set env deployment/flowengine FALLBACK_MODEL=gemini-1.5-pro
kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic
kubectl set env deployment/flowengine FALLBACK_ON_5XX=true
kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=10
kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=abc
kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=true MANUAL_REVIEW_MODE=on
kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=false
kubectl set env deployment/audit-shipper AUDIT_STORE_SECRET=audit-store-2025-11
kubectl set image deployment/flowengine flowengine=registry.internal/flowengine:v1.2.0
kubectl set image deployment/flowengine other=x:1
kubectl set image deployment/flowengine noeq
kubectl set image deployment/flowengine '*=flowengine:v1.1.4'
kubectl set resources deployment/flowengine --limits=cpu=2
kubectl set env hpa/flowengine A=1
kubectl set env nope
kubectl scale deployment/flowengine
kubectl scale deployment/flowengine --replicas=x
kubectl scale deployment/flowengine --replicas=-1
kubectl scale deployment/flowengine --replicas=5000
kubectl scale deployment/flowengine --replicas=12
kubectl scale hpa/flowengine --replicas=3
kubectl scale deployment/nope --replicas=3
kubectl scale deployment/flowengine --replicas=0
kubectl scale deployment/flowengine --replicas=8
kubectl autoscale deployment/flowengine --min=2 --max=10
kubectl autoscale deployment/audit-shipper --min=2 --max=1
kubectl autoscale deployment/audit-shipper --min=1 --max=4 --cpu-percent=60
kubectl autoscale deployment/postgres --min=x
kubectl patch
kubectl patch deployment flowengine
kubectl patch deployment flowengine -p '{"spec":{"replicas":7}}'
kubectl patch deployment flowengine -p '{"spec":{"replicas":true}}'
kubectl patch deployment flowengine -p '{"spec":{"replicas":5000}}'
kubectl patch deployment flowengine -p '{"spec":{"template":{}}}'
kubectl patch deployment flowengine -p '[1,2]'
kubectl patch deployment flowengine -p '{bad'
kubectl patch deployment flowengine -p '&a [*a]'
kubectl patch hpa flowengine -p '{"spec":{"minReplicas":3,"maxReplicas":30}}'
kubectl patch hpa flowengine -p '{"spec":{"minReplicas":0}}'
kubectl patch hpa flowengine -p '{"spec":{"maxReplicas":4}}'
kubectl get deploy flowengine
kubectl get events
kubectl patch hpa flowengine -p '{"spec":{"minReplicas":15,"maxReplicas":20}}'
kubectl get deploy flowengine
kubectl get pods
kubectl patch hpa flowengine -p '{"spec":{"maxReplicas":2,"minReplicas":3}}'
kubectl patch hpa flowengine -p '{"spec":{"foo":1}}'
kubectl patch hpa flowengine -p '{"spec":{"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]}}'
kubectl patch hpa flowengine -p '{"spec":{"metrics":[]}}'
kubectl patch hpa flowengine -p '{"spec":"x"}'
kubectl patch hpa nope -p '{}'
kubectl patch configmap flowengine-config -p '{"data":{"flows.default_timeout":"300s"}}'
kubectl patch configmap flowengine-config -p '{"data":{"context.max_size_kb":null}}'
kubectl patch configmap flowengine-config -p '{"data":{"k":[1]}}'
kubectl patch configmap flowengine-config -p '{"metadata":{}}'
kubectl patch secret model-api-keys -p '{}'
kubectl get cm flowengine-config -o yaml
kubectl create
kubectl create configmap x
kubectl create secret
kubectl create secret generic
kubectl create secret generic newsec --from-literal=a=b --from-literal=c=d
kubectl create secret generic newsec --from-literal=a=b
kubectl create secret generic drysec --from-literal=a=b --dry-run=client -o yaml
kubectl create secret generic drysec --from-literal=a=b --dry-run=client
kubectl create secret generic drysec --from-literal=a=b --dry-run=client -o json
kubectl get secrets newsec -o yaml
kubectl delete
kubectl delete secret newsec
kubectl delete secret newsec
kubectl delete secret newsec --ignore-not-found
kubectl delete pod nope
kubectl delete hpa flowengine --dry-run=client
kubectl delete networkpolicy deny-all
kubectl apply
kubectl apply -f /nonexistent.yaml
kubectl apply -f {m}
kubectl apply -f {m}/a.yaml
kubectl apply -f {bad}
kubectl get networkpolicies
kubectl delete networkpolicy deny-all
kubectl delete deployment audit-shipper --dry-run=client
kubectl cordon
kubectl cordon node-2
kubectl cordon node-2
kubectl get nodes
kubectl describe node node-2
kubectl drain node-2 --ignore-daemonsets
kubectl drain node-9
kubectl uncordon node-2
kubectl uncordon node-2
kubectl cordon node/node-1 --dry-run=client
kubectl cordon -l kubernetes.io/hostname=node-1
kubectl exec
kubectl exec deployment/flowengine
kubectl exec deployment/flowengine -- env
kubectl exec deployment/flowengine -- printenv
kubectl exec deployment/flowengine -- date
kubectl exec deployment/flowengine -- ls /
kubectl exec deployment/flowengine -- sh -c 'echo "x'
kubectl exec deployment/flowengine -- sh -c ''
kubectl exec deployment/flowengine -- sh -c 'curl -s http://localhost:8080/health'
kubectl exec deployment/postgres -- psql -c 'select 1'
kubectl exec deployment/nope -- env
kubectl exec hpa/flowengine -- env
kubectl exec nopod -- env
kubectl exec prometheus-0 -n monitoring -- promtool query instant http://localhost:9090 up
kubectl exec prometheus-0 -n monitoring -- promtool query instant http://localhost:9090 'sum(rate(x[5m]'
kubectl exec prometheus-0 -n monitoring -- promtool query instant http://localhost:9090 1+1
kubectl exec prometheus-0 -n monitoring -- promtool check config
kubectl version
kubectl config view
kubectl auth can-i get pods
kubectl get pods --bogus
kubectl get pods -Z
kubectl get pods -n
kubectl logs deployment/flowengine -f -p --tail=1
kubectl delete deployment flowengine
kubectl get pods
kubectl get deployment
kubectl rollout status deployment/flowengine
kubectl logs deployment/flowengine --tail=2
kubectl get events
kubectl delete hpa flowengine
kubectl get hpa
"""
MANIFESTS = {"a.yaml": "apiVersion: v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n",
             "b.json": '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"flowengine-config"}}', "c.txt": "x: 1\n"}


def answers(tmp: Path, scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, object]:
    """The commands and, per scenario (of ``scenarios``: the test checks one a test) and moment, each answer as
    ``code:digest``."""
    (tmp / "m").mkdir()
    for name, text in MANIFESTS.items():
        (tmp / "m" / name).write_text(text, encoding="utf-8")
    (tmp / "bad.yaml").write_text("kind: [\n", encoding="utf-8")
    lines = EDGES.strip().splitlines()
    commands = [shlex.split(ln.replace("{m}", str(tmp / "m")).replace("{bad}", str(tmp / "bad.yaml")))
                for ln in lines]
    out: dict[str, dict[str, list[str]]] = {}
    for scenario in scenarios:
        drill = warm_drill(tmp, scenario, speed=SPEED, start=START, name=f"edges-{scenario}")
        for t in TIMES:
            for argv in commands:
                code, stdout, stderr = run_one(drill, argv, t)
                said = [s.replace(str(tmp), "<TMP>") for s in (stdout, stderr)]
                out.setdefault(scenario, {}).setdefault(f"{t:g}", []).append(f"{code}:{digest(code, *said)}")
    return {"commands": lines, "answers": out}


def test_the_golden_holds_every_scenario() -> None:
    """So the per-scenario test below leaves none of the recorded answers unchecked."""
    assert list(json.loads(GOLDEN.read_text(encoding="utf-8"))["answers"]) == list(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kubectl_answers_off_the_runbooks_path_are_unchanged(tmp_path: Path, scenario: str) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = answers(tmp_path, (scenario,))
    assert now["commands"] == golden["commands"], "the command list changed: regenerate on purpose"
    moments = golden["answers"][scenario]
    assert list(now["answers"][scenario]) == list(moments)
    changed = [f"{scenario} t={t} {now['commands'][i]}: {was} -> {got}" for t, digests in moments.items()
               for i, (was, got) in enumerate(zip(digests, now["answers"][scenario][t], strict=True)) if was != got]
    assert not changed, f"{len(changed)} answers changed, first: " + "\n".join(changed[:10])


if __name__ == "__main__":          # regenerate: python -m tests.unit.test_drill_kubectl_edges_golden
    import tempfile

    with tempfile.TemporaryDirectory() as tmp_dir:
        GOLDEN.write_text(json.dumps(answers(Path(tmp_dir)), indent=0) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}", file=sys.stderr)
