"""Read-only vs mutating, per DESIGN §4: unknown is mutating, any mutating part wins."""

from __future__ import annotations

import pytest

from warroom.execute.classify import classify

READ_ONLY = [
    "kubectl get pods -n prod",
    "kubectl -n prod describe deployment/web",
    "kubectl logs deploy/web --since=5m | grep ERROR | tail -20",
    "kubectl top pods",
    "kubectl explain pod.spec",
    "kubectl api-resources",
    "kubectl rollout status deployment/web --timeout=120s",
    "kubectl rollout history deployment/web",
    "kubectl config view",
    "oc get co/dns",
    "kubectl exec web-0 -c dns -- dig -q example.com",
    'psql -c "SELECT count(*) FROM pg_stat_activity"',
    "psql <<EOF\nSELECT 1;\nWITH x AS (SELECT 2) SELECT * FROM x;\nEOF",
    'psql -c "\\dt"',
    'psql -c "SELECT comment, type FROM notes WHERE note ILIKE \'%drop table%\'"',
    "psql -c \"SELECT * FROM pg_locks l JOIN pg_stat_activity a USING (pid)\"",
    "psql -c \"EXPLAIN ANALYZE SELECT 1\"",
    "aws ec2 describe-instances --region eu-west-1",
    "aws s3 ls s3://bucket/",
    "aws logs filter-log-events --log-group-name x",
    "aws logs tail /aws/lambda/x --follow",
    "aws sts get-caller-identity",
    "curl -s https://status.example.com/api/v2/status.json | jq .status",
    "curl -sG --data-urlencode 'query=up' http://127.0.0.1:9090/api/v1/query",
    "curl -s -o /dev/null -w '%{http_code}' https://x",
    "grep -c ERROR /var/log/app.log",
    "cat /etc/os-release; uname -a; date; echo done",
    "dig +short example.com && ss -tlnp",
    "X=$(kubectl get pods -o name | head -1) && echo $X",
    "for p in $(pgrep haproxy); do ps -o pid,etimes $p; done",
    "redis-cli -h r1 ping",
    "redis-cli INFO memory",
    "etcdctl endpoint health -w table",
    "sudo journalctl -u kubelet --since '10 min ago'",
    "ssh bastion -- 'sudo -u postgres crontab -l'",
    "systemctl status haproxy",
    "helm history web",
    "git log --oneline -5",
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only(command: str) -> None:
    c = classify(command)
    assert not c.mutating, c.reason
    assert c.reason


MUTATING = [
    ("kubectl -n prod set env deployment/web K=V", "kubectl set"),
    ("kubectl scale deployment/web --replicas=3", "kubectl scale"),
    ("kubectl rollout restart deployment/web", "rollout restart"),
    ("kubectl rollout undo deployment/web", "rollout undo"),
    ("kubectl delete pod web-0", "kubectl delete"),
    ("kubectl apply -f x.yaml", "kubectl apply"),
    ("kubectl exec -it web-0 -- sh", "shell"),
    ("kubectl exec web-0 -- rm -rf /tmp/x", "rm"),
    ("kubectl config use-context prod", "kubeconfig"),
    ("oc adm cordon node1", "oc adm"),
    ('psql -c "DELETE FROM tasks"', "DELETE"),
    ('psql -c "SELECT 1; UPDATE t SET a = 1"', "UPDATE"),
    ('psql -c "SELECT pg_terminate_backend(42)"', "PG_TERMINATE_BACKEND"),
    ('psql -c "EXPLAIN ANALYZE DELETE FROM t"', ""),
    ('psql -c "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"', "DELETE"),
    ('psql -c "SELECT * INTO backup FROM t"', "INTO"),
    ('psql -c "SELECT * FROM t FOR UPDATE"', "FOR UPDATE"),
    ("psql", "interactive"),
    ("psql -f fix.sql", "file"),
    ("aws s3 rm s3://b/k", "aws s3 rm"),
    ("aws ec2 terminate-instances --instance-ids i-1", "terminate-instances"),
    ("curl -X POST https://x/api", "POST"),
    ("curl -d '{}' https://x/api", "sends data"),
    ("curl -o page.html https://x", "page.html"),
    ("echo hi > /etc/motd", "/etc/motd"),
    ("kubectl get deploy web -o yaml > backup.yaml", "backup.yaml"),
    ("kubectl get pods | xargs kubectl delete pod", "kubectl delete"),
    ("sudo systemctl restart haproxy", "systemctl restart"),
    ("podman images -q | xargs --no-run-if-empty podman rmi", "podman rmi"),
    ("knife ssh roles:x 'sudo chef-client'", "knife"),
    ("sed -i s/a/b/ f", "sed -i"),
    ("some-unknown-tool --flag", "not a known read-only command"),
    ("$KUBECTL get pods", "variable"),
    ("redis-cli FLUSHALL", "FLUSHALL"),
    ('echo "unterminated', "unterminated double quote"),
    ("bash -c 'kubectl delete pod x'", "kubectl delete"),
]


@pytest.mark.parametrize(("command", "why"), MUTATING)
def test_mutating(command: str, why: str) -> None:
    c = classify(command)
    assert c.mutating
    assert why.lower() in c.reason.lower()


@pytest.mark.parametrize(("command", "reason"), [
    ("kubectl set env deployment/web K=V", "kubectl set env changes deployment/web"),
    ("kubectl -n prod scale deployment/web --replicas=3", "kubectl scale changes deployment/web"),
    ("kubectl delete pod web-0", "kubectl delete deletes pod web-0"),
    ("oc adm cordon node-1", "oc adm cordon changes node node-1"),
    ("kubectl apply -f x.yaml", "kubectl apply applies a manifest to the cluster"),
    ("kubectl rollout restart deployment/web", "kubectl rollout restart changes deployment/web"),
    ("kubectl get pods", "kubectl get only reads"),
    ("psql -c 'UPDATE t SET a = 1'", "psql: UPDATE is not a SELECT"),
    ("curl -X DELETE https://x", "curl sends an HTTP DELETE"),
    ("sudo systemctl restart haproxy", "sudo: systemctl restart changes a service's state"),
    ("kubectl get pods | grep x", "read-only: kubectl get, grep"),
])
def test_reason_names_the_tool_and_effect(command: str, reason: str) -> None:
    assert classify(command).reason == reason


def test_native_kinds() -> None:
    assert not classify("rate(x[5m])", "promql").mutating
    assert classify("scale deployment/web replicas=3", "k8s").mutating
    assert not classify(None, "manual").mutating
