"""Issue 13 item 5, by construction: every option a stand-in declares changes its answer (output or exit
code) against the same command without it, or is refused by name, or is on the tool's list of options
that change nothing in the drill (``INERT``, each with its reason in the code) and then answers exactly
as without it. The pairs to show come from the tools' own tables (curl/psql ``READS``, aws ``READS``,
blocks' per-command specs, kubectl's ACTS per verb), so a new option with no example here fails, and
one a command does not read must be refused (kubectl's refusals: ``test_standin_flags_act_or_refuse``)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.activity import iso
from warroom.drill.directory import Drill, create_drill
from warroom.drill.standins import aws, blocks, curl, kubectl, psql
from warroom.drill.standins.base import flags

T = 900.0                     # provider-outage: Anthropic answers 503, slowly; flows have failed
STATUS = "https://status.anthropic.com/api/v2/status.json"
LOGS = "aws logs filter-log-events --log-group-name /aws/lambda/flowengine"
GET = "aws logs get-log-events --log-group-name /aws/lambda/flowengine"
STREAMS = "aws logs describe-log-streams --log-group-name /aws/lambda/flowengine"
RETRY = "blocks flow retry {task} --dry-run"
SQL = "psql -c 'SELECT count(*) AS n FROM tasks'"
CT = "aws cloudtrail lookup-events"
# (command, option key) -> the command with the option in [brackets]; the answer without it must differ
EXAMPLES = {
    ("curl", "silent"): "curl [-s] https://nowhere.invalid/",
    ("curl", "show_error"): "curl -s [-S] https://nowhere.invalid/",
    ("curl", "fail"): "curl -s [-f] https://status.anthropic.com/nope",
    ("curl", "globoff"): "curl -s [-g] 'http://localhost:9090/api/v1/query?query=vector({1,2})'",
    ("curl", "fail_with_body"): "curl -s [--fail-with-body] https://status.anthropic.com/nope",
    ("curl", "include"): f"curl -s [-i] {STATUS}",
    ("curl", "head"): f"curl -s [-I] {STATUS}",
    ("curl", "get"): "curl -s -d a=b [-G] https://hooks.slack.com/services/x",
    ("curl", "request"): "curl -s [-X POST] https://hooks.slack.com/services/x",
    ("curl", "header"): "curl -s [-H 'x-api-key: k'] https://api.anthropic.com/v1/usage",
    ("curl", "data"): "curl -s [-d a=b] https://hooks.slack.com/services/x",
    ("curl", "json"): "curl -s [--json {}] https://hooks.slack.com/services/x",
    ("curl", "output"): f"curl -s [-o /dev/null] {STATUS}",
    ("curl", "remote_name"): "curl -s [-O] https://status.anthropic.com/",        # no file name: (23), nothing saved
    ("curl", "dump_header"): f"curl -s [-D -] {STATUS}",
    ("curl", "retry"): "curl -s [--retry 1] https://api.anthropic.com/v1/messages",          # a 503: asked twice
    ("curl", "retry_delay"): "curl -o /dev/null --retry 1 [--retry-delay 3] https://api.anthropic.com/v1/messages",
    ("curl", "user"): f"curl -s [-u key] {STATUS}",                # curl would ask for the password: refused
    ("curl", "data_urlencode"): "curl -s -o /dev/null -w %{url_effective} -G [--data-urlencode q=a] " + STATUS,
    ("curl", "write_out"): f"curl -s [-w %{{http_code}}] {STATUS}",
    ("curl", "url"): f"curl -s [--url {STATUS}]",
    ("curl", "max_time"): "curl -s [-m 0.2] https://api.anthropic.com/v1/messages",     # it answers in 0.56 s
    ("curl", "connect_timeout"): f"curl -s [--connect-timeout 0.001] {STATUS}",
    ("curl", "http1.1"): f"curl -s -i [--http1.1] {STATUS}",
    ("curl", "progress"): f"curl -o /dev/null [-#] {STATUS}",      # a bar, not the meter
    ("curl", "no_progress_meter"): f"curl -o /dev/null [--no-progress-meter] {STATUS}",
    ("curl", "progress_meter"): f"curl --no-progress-meter -o /dev/null [--progress-meter] {STATUS}",
    ("psql", "no_align"): f"psql [-A] {SQL[5:]}",
    ("psql", "tuples_only"): f"psql [-t] {SQL[5:]}",
    ("psql", "quiet"): "psql [-q] -c 'BEGIN' -c 'COMMIT'",           # the command tags go
    ("psql", "expanded"): f"psql [-x] {SQL[5:]}",
    ("psql", "echo_queries"): f"psql [-e] {SQL[5:]}",
    ("psql", "command"): "psql [-c 'SELECT 1']",
    ("psql", "file"): "psql [-f {sql}]",
    ("psql", "single_transaction"): "psql [-1] -c 'SELECT nope FROM tasks' -c 'SELECT 1'",
    ("psql", "dbname"): f"psql [-d nope] {SQL[5:]}",
    ("psql", "username"): f"psql [-U nobody] {SQL[5:]}",
    ("psql", "host"): f"psql [-h nowhere] {SQL[5:]}",
    ("psql", "port"): f"psql [-p 5433] {SQL[5:]}",
    ("psql", "field_separator"): "psql -A [-F ,] -c 'SELECT 1 AS a, 2 AS b'",
    ("psql", "set"): "psql [-v n=41] -f {sql}",
    ("psql", "pset"): f"psql [-P footer=off] {SQL[5:]}",
    ("aws", "output"): "aws s3 ls [--output text]",
    ("aws", "region"): "aws s3 ls [--region us-east-1]",
    ("aws logs get-log-events", "log-group-name"): "aws logs get-log-events --log-stream-name {stream} "
                                                   "[--log-group-name /aws/lambda/flowengine]",
    ("aws logs get-log-events", "log-stream-name"): f"{GET} [--log-stream-name {{stream}}]",
    ("aws logs get-log-events", "start-time"): f"{GET} --log-stream-name {{stream}} [--start-time {{recent_ms}}]",
    ("aws logs get-log-events", "end-time"): f"{GET} --log-stream-name {{stream}} [--end-time {{recent_ms}}]",
    ("aws logs get-log-events", "limit"): f"{GET} --log-stream-name {{stream}} [--limit 1]",
    ("aws logs get-log-events", "next-token"): f"{GET} --log-stream-name {{stream}} --limit 1 "
                                               f"[--next-token f/{'0' * 55}1]",          # from its second event
    ("aws logs get-log-events", "start-from-head"): f"{GET} --log-stream-name {{stream}} --limit 1 [--start-from-head]",
    ("aws logs get-log-events", "no-start-from-head"): f"{GET} --log-stream-name {{stream}} --limit 1 "
                                                       "--start-from-head [--no-start-from-head]",
    ("aws logs describe-log-streams", "log-group-name"): "aws logs describe-log-streams "
                                                         "[--log-group-name /aws/lambda/flowengine]",
    ("aws logs describe-log-streams", "log-stream-name-prefix"): f"{STREAMS} [--log-stream-name-prefix {{stream}}]",
    # (its three streams' names sort as their times do: the prefix shows it is read)
    ("aws logs describe-log-streams", "order-by"): f"{STREAMS} --log-stream-name-prefix 2 [--order-by LastEventTime]",
    ("aws logs describe-log-streams", "descending"): f"{STREAMS} [--descending]",
    ("aws logs describe-log-streams", "no-descending"): f"{STREAMS} --descending [--no-descending]",
    ("aws logs describe-log-streams", "limit"): f"{STREAMS} [--limit 1]",
    ("aws logs describe-log-streams", "next-token"): f"{STREAMS} --limit 1 [--next-token 1]",
    ("aws logs filter-log-events", "log-group-name"): "aws logs filter-log-events [--log-group-name /aws/lambda/flowengine]",
    ("aws logs filter-log-events", "filter-pattern"): f"{LOGS} --limit 3 [--filter-pattern ERROR]",
    ("aws logs filter-log-events", "start-time"): f"{LOGS} [--start-time {{recent_ms}}]",
    ("aws logs filter-log-events", "end-time"): f"{LOGS} [--end-time {{recent_ms}}]",
    ("aws logs filter-log-events", "limit"): f"{LOGS} [--limit 1]",
    ("aws logs filter-log-events", "next-token"): f"{LOGS} --limit 1 [--next-token MC8x]",     # from the second event
    ("aws logs filter-log-events", "max-items"): f"{LOGS} [--max-items 1]",
    ("aws logs filter-log-events", "page-size"): f"{LOGS} --max-items 3 [--page-size 2]",     # the NextToken's page
    ("aws logs filter-log-events", "starting-token"): f"{LOGS} --max-items 1 [--starting-token {{one_given}}]",
    ("aws s3 ls", "human-readable"): "aws s3 ls s3://context-bundles/ [--human-readable]",
    ("aws s3 ls", "summarize"): "aws s3 ls s3://context-bundles/ [--summarize]",
    ("aws s3 cp", "dryrun"): "aws s3 cp s3://context-bundles/ctx_{task}.json s3://quarantine-bucket/ [--dryrun]",
    ("aws s3 cp", "quiet"): "aws s3 cp s3://context-bundles/ctx_{task}.json s3://quarantine-bucket/ [--quiet]",
    ("aws s3 cp", "only-show-errors"): "aws s3 cp s3://context-bundles/ctx_{task}.json s3://q/ [--only-show-errors]",
    ("aws s3 mv", "dryrun"): "aws s3 mv s3://context-bundles/ctx_{task}.json s3://quarantine-bucket/ [--dryrun]",
    ("aws s3 mv", "quiet"): "aws s3 mv s3://context-bundles/ctx_{task}.json s3://quarantine-bucket/ [--quiet]",
    ("aws s3 mv", "only-show-errors"): "aws s3 mv s3://context-bundles/ctx_{task}.json s3://q/ [--only-show-errors]",
    ("aws iam put-user-policy", "user-name"): "aws iam put-user-policy --policy-name p --policy-document {} "
                                              "[--user-name flowengine-sa]",
    ("aws iam put-user-policy", "policy-name"): "aws iam put-user-policy --user-name flowengine-sa --policy-document "
                                                "{} [--policy-name p]",
    ("aws iam put-user-policy", "policy-document"): "aws iam put-user-policy --user-name flowengine-sa --policy-name p "
                                                    "[--policy-document {}]",
    ("aws iam delete-user-policy", "user-name"): "aws iam delete-user-policy --policy-name p "
                                                 "[--user-name flowengine-sa]",
    ("aws iam delete-user-policy", "policy-name"): "aws iam delete-user-policy --user-name flowengine-sa "
                                                   "[--policy-name p]",
    ("aws iam get-user-policy", "user-name"): "aws iam get-user-policy --policy-name p [--user-name flowengine-sa]",
    ("aws iam get-user-policy", "policy-name"): "aws iam get-user-policy --user-name flowengine-sa [--policy-name p]",
    ("aws iam list-user-policies", "user-name"): "aws iam list-user-policies [--user-name flowengine-sa]",
    ("aws iam attach-user-policy", "user-name"): "aws iam attach-user-policy --policy-arn a [--user-name flowengine-sa]",
    ("aws iam attach-user-policy", "policy-arn"): "aws iam attach-user-policy --user-name flowengine-sa [--policy-arn a]",
    ("aws iam detach-user-policy", "user-name"): "aws iam detach-user-policy --policy-arn a "
                                                 "[--user-name flowengine-sa]",
    ("aws iam detach-user-policy", "policy-arn"): "aws iam detach-user-policy --user-name flowengine-sa "
                                                  "[--policy-arn a]",
    ("aws iam list-attached-user-policies", "user-name"): "aws iam list-attached-user-policies "
                                                          "[--user-name flowengine-sa]",
    ("aws cloudtrail lookup-events", "lookup-attributes"): f"{CT} [--lookup-attributes "
                                                           "AttributeKey=EventName,AttributeValue=GetObject]",
    ("aws cloudtrail lookup-events", "start-time"): f"{CT} [--start-time {{recent_s}}]",
    ("aws cloudtrail lookup-events", "end-time"): f"{CT} [--end-time {{recent_s}}]",
    ("aws rds create-db-snapshot", "db-snapshot-identifier"): "aws rds create-db-snapshot --db-instance-identifier "
                                                              "flowengine-db [--db-snapshot-identifier s]",
    ("aws rds create-db-snapshot", "db-instance-identifier"): "aws rds create-db-snapshot --db-snapshot-identifier s "
                                                              "[--db-instance-identifier flowengine-db]",
    ("aws ec2 describe-security-groups", "group-ids"): "aws ec2 describe-security-groups [--group-ids sg-1]",
    ("blocks flow retry", "enable_pruning"): f"{RETRY} [--enable-pruning]",
    ("blocks flow retry", "max_context_size"): f"{RETRY} --enable-pruning [--max-context-size 100KB]",
    ("blocks flow retry", "model"): f"{RETRY} [--model gpt-4-turbo]",
    ("blocks flow retry", "max_attempts"): f"{RETRY} [--max-attempts 5]",
    ("blocks flow retry", "dry_run"): "blocks flow retry {task} [--dry-run]",
    ("blocks test-flow", "dry_run"): "blocks test-flow [--dry-run]",
    ("blocks test-flow", "model"): "blocks test-flow --dry-run [--model gpt-4-turbo]",
    ("blocks test-flow", "input"): "blocks test-flow --dry-run [--input pii_case.md]",
    ("blocks test-flow", "repo"): "blocks test-flow --dry-run [--repo nope]",
    ("blocks metrics query", "metric"): "blocks metrics query [--metric flow_executions_total]",
    ("blocks metrics query", "last"): "blocks metrics query --metric flow_executions_total [--last 24h]",
    ("blocks metrics query", "group_by"): "blocks metrics query --metric flow_executions_total [--group-by hour]",
    ("blocks metrics query", "sort"): "blocks metrics query --metric flow_executions_total [--sort asc]",
    ("blocks metrics query", "repo"): "blocks metrics query --metric flow_executions_total [--repo risk-engine]",
    ("blocks metrics latency", "last"): "blocks metrics latency [--last 5m]",
    ("blocks metrics model-latency", "last"): "blocks metrics model-latency [--last 5m]",
    ("blocks metrics compare", "baseline"): "blocks metrics compare --canary flowengine [--baseline flowengine]",
    ("blocks metrics compare", "canary"): "blocks metrics compare --baseline flowengine [--canary flowengine]",
    ("blocks metrics compare", "duration"): "blocks metrics compare --baseline flowengine --canary flowengine [--duration 5m]",
    ("blocks quota show", "all"): "blocks quota show [--all]",
    ("blocks quota show", "all_providers"): "blocks quota show [--all-providers]",
    ("blocks quota show", "provider"): "blocks quota show [--provider openai]",
    ("blocks status flows", "active"): "blocks status flows [--active]",
    ("blocks status update", "status"): "blocks status update --message m [--status degraded]",
    ("blocks status update", "message"): "blocks status update --status degraded [--message m]",
    ("blocks status update", "component"): "blocks status update --status degraded --message m [--component api]",
    ("blocks verify contract", "verbose"): "blocks verify contract --task-id {task} [--verbose]",
    ("blocks verify contract", "task_id"): "blocks verify contract [--task-id {task}]",
    ("blocks security scan", "task_id"): "blocks security scan [--task-id {task}]",
    ("blocks notify", "channel"): "blocks notify slack --message m [--channel war-room]",
    ("blocks notify", "message"): "blocks notify slack [--message m]",
    ("blocks incident create", "severity"): "blocks incident create --title t [--severity P1]",
    ("blocks incident create", "title"): "blocks incident create [--title t]",
    ("blocks incident create", "assignee"): "blocks incident create --title t [--assignee sre]",
}
KUBE = "kubectl logs deployment/flowengine -n production --tail 1"
DEP = "deployment/flowengine -n production"
REPLICAS = "'{\"spec\":{\"replicas\":5}}'"
KUBECTL = {          # kubectl's verbs, on a drill of their own: some change it (the without-run is not dry)
    ("kubectl", "namespace"): "kubectl get pods [-n kube-system]",
    ("kubectl get", "output"): "kubectl get pods -n production [-o name]",
    ("kubectl get", "selector"): "kubectl get pods -n production [-l app=postgres]",
    ("kubectl get", "field_selector"): "kubectl get nodes [--field-selector metadata.name=node-2]",
    ("kubectl get", "sort_by"): "kubectl get pods -A -o name [--sort-by .metadata.creationTimestamp]",
    ("kubectl get", "all_namespaces"): "kubectl get pods [-A]",
    ("kubectl get", "show_labels"): "kubectl get pods -n production [--show-labels]",
    ("kubectl get", "no_headers"): "kubectl get pods -n production [--no-headers]",
    ("kubectl describe", "selector"): "kubectl describe pods -n production [-l app=postgres]",
    ("kubectl describe", "field_selector"): "kubectl describe nodes [--field-selector metadata.name=node-2]",
    ("kubectl top", "selector"): "kubectl top pods -n production [-l app=postgres]",
    ("kubectl top", "all_namespaces"): "kubectl top pods [-A]",
    ("kubectl top", "sort_by"): "kubectl top pods -n production [--sort-by memory]",
    ("kubectl logs", "selector"): "kubectl logs -n production --tail 1 [-l app=postgres]",
    ("kubectl logs", "since"): f"kubectl logs {DEP} [--since 1m]",
    ("kubectl logs", "since_time"): f"kubectl logs {DEP} [--since-time {{recent_iso}}]",
    ("kubectl logs", "tail"): f"kubectl logs {DEP} [--tail 1]",
    ("kubectl logs", "prefix"): f"{KUBE} [--prefix]",
    ("kubectl logs", "follow"): f"{KUBE} [-f]",
    ("kubectl logs", "container"): f"{KUBE} [-c other]",
    ("kubectl logs", "timestamps"): f"{KUBE} [--timestamps]",
    ("kubectl rollout", "dry_run"): f"kubectl rollout restart {DEP} [--dry-run=client]",
    ("kubectl rollout", "revision"): f"kubectl rollout history {DEP} [--revision 1]",
    ("kubectl rollout", "timeout"): f"kubectl rollout status {DEP} [--timeout bogus]",
    ("kubectl rollout", "to_revision"): f"kubectl rollout undo {DEP} --dry-run=client [--to-revision 99]",
    ("kubectl rollout", "watch"): f"kubectl rollout status {DEP} [--watch=false]",
    ("kubectl set", "env"): f"kubectl set env {DEP} --dry-run=client [--env FOO=1]",
    ("kubectl set", "list"): f"kubectl set env {DEP} [--list]",
    ("kubectl set", "from"): f"kubectl set env {DEP} --dry-run=client [--from secret/model-api-keys]",
    ("kubectl set", "dry_run"): f"kubectl set env {DEP} FOO=1 [--dry-run=client]",
    ("kubectl scale", "replicas"): f"kubectl scale {DEP} --dry-run=client [--replicas 3]",
    ("kubectl scale", "current_replicas"): f"kubectl scale {DEP} --replicas 3 --dry-run=client [--current-replicas 99]",
    ("kubectl scale", "dry_run"): f"kubectl scale {DEP} --replicas 5 [--dry-run=client]",
    ("kubectl autoscale", "min"): "kubectl autoscale deployment/audit-shipper -n production --max 3 --dry-run=client "
                                  "[--min 4]",
    ("kubectl autoscale", "max"): "kubectl autoscale deployment/audit-shipper -n production --dry-run=client [--max 3]",
    ("kubectl autoscale", "cpu_percent"): "kubectl autoscale deployment/audit-shipper -n production --max 3 "
                                          "--dry-run=client [--cpu-percent x]",
    ("kubectl autoscale", "dry_run"): "kubectl autoscale deployment/postgres -n production --max 3 [--dry-run=client]",
    ("kubectl exec", "container"): f"kubectl exec {DEP} [-c other] -- date",
    ("kubectl apply", "filename"): "kubectl apply --dry-run=client [-f {manifest}]",
    ("kubectl apply", "dry_run"): "kubectl apply -f {manifest} [--dry-run=client]",
    ("kubectl apply", "output"): "kubectl apply -f {manifest} --dry-run=client [-o yaml]",
    ("kubectl create", "from_literal"): "kubectl create secret generic s1 -n production --dry-run=client -o yaml "
                                        "[--from-literal a=b]",
    ("kubectl create", "dry_run"): "kubectl create secret generic s2 -n production [--dry-run=client]",
    ("kubectl create", "output"): "kubectl create secret generic s3 -n production --dry-run=client [-o yaml]",
    ("kubectl delete", "ignore_not_found"): "kubectl delete secret nope -n production [--ignore-not-found]",
    ("kubectl delete", "dry_run"): "kubectl delete secret s2 -n production [--dry-run=client]",
    ("kubectl patch", "patch"): f"kubectl patch {DEP} --dry-run=client [-p {REPLICAS}]",
    ("kubectl patch", "type"): f"kubectl patch {DEP} --dry-run=client -p {REPLICAS} [--type json]",
    ("kubectl patch", "dry_run"): f"kubectl patch {DEP} -p {REPLICAS} [--dry-run=client]",
    ("kubectl node", "selector"): "kubectl cordon --dry-run=client [-l kubernetes.io/hostname=node-2]",
    ("kubectl node", "field_selector"): "kubectl cordon node-2 --dry-run=client [--field-selector metadata.name=node-9]",
    ("kubectl node", "dry_run"): "kubectl cordon node-3 [--dry-run=client]",
}
#: What an example needs done first, so each holds whatever ran before it (alone with -k, split by
#: plain -n, in any order): the secret it deletes, the rollout it watches.
PREP = {("kubectl delete", "dry_run"): "kubectl create secret generic s2 -n production",
        ("kubectl rollout", "watch"): f"kubectl rollout restart {DEP}"}
# they move the bundle, or retry the task for real (it then runs: no other retry of it until it ends): a fresh drill each
MOVES = {("aws s3 mv", "quiet"), ("aws s3 mv", "only-show-errors"), ("blocks flow retry", "dry_run")}
CURL_BASE, PSQL_BASE, AWS_BASE = f"curl -s {STATUS}", SQL, "aws s3 ls s3://context-bundles/"
KUBECTL_BASE = {"delete": "kubectl delete secret model-api-keys -n production --dry-run=client",       # INERT's verbs
                "node": "kubectl drain node-2 --dry-run=client", "exec": "kubectl exec deployment/flowengine "
                "-n production -- date", "logs": "kubectl logs deployment/flowengine -n production --tail 2"}


def read_options() -> set[tuple[str, str]]:
    """Every (command, option) whose answer reads the option, from the tools' own tables."""
    pairs = {("curl", k) for k in curl.READS - curl.INERT} | {("psql", k) for k in psql.READS - psql.INERT}
    pairs |= {("aws", k) for k in aws.GLOBAL - aws.INERT}
    pairs |= {(f"aws {op}", k) for op, keys in aws.READS.items() for k in keys - aws.GLOBAL - aws.INERT}
    pairs |= {(" ".join(("blocks", *filter(None, path))), key) for path, (_, spec, _) in blocks.COMMANDS.items()
              for key, _ in flags(spec.replace("!", "")).values()}
    pairs |= {(f"kubectl {verb}", k) for verb, keys in kubectl.ACTS.items() for k in keys} | {("kubectl", "namespace")}
    return pairs


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Drill, dict[str, str]]:
    drill = create_drill(Path(tmp_path_factory.mktemp("d")), "provider-outage", speed=10.0, start=START)
    sql, manifest = tmp_path_factory.mktemp("sql") / "q.sql", tmp_path_factory.mktemp("k") / "cm.yaml"
    sql.write_text("SELECT :n + 1 AS x;\n")
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n")
    task = run_one(drill, ["psql", "-At", "-c", "SELECT task_id FROM tasks WHERE status = 'failed' AND "
                           "context_size_kb > 150 ORDER BY created_at LIMIT 1"], T)[1].strip()
    recent = drill.wall_time(T - 1000)
    stream = json.loads(run_one(drill, [*LOGS.split(), "--start-time", str(int(recent * 1000)), "--limit", "1"],
                                T)[1])["events"][0]["logStreamName"]
    return drill, {"stream": stream,
                   "task": task, "sql": str(sql), "recent_ms": str(int(recent * 1000)), "recent_s": f"{recent:.0f}",
                   "manifest": str(manifest), "recent_iso": iso(drill.wall_time(T - 30)),
                   "one_given": "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="}  # after one


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    """A drill for kubectl's examples, which change it."""
    return create_drill(Path(tmp_path_factory.mktemp("k")), "provider-outage", speed=10.0, start=START)


def answer(drill: Drill, line: str, values: dict[str, str]) -> tuple[int, str, str]:
    for key, value in values.items():
        line = line.replace("{" + key + "}", value)
    return run_one(drill, shlex.split(line), T)


def test_every_option_read_has_an_example() -> None:
    missing, stale = read_options() - {*EXAMPLES, *KUBECTL}, {*EXAMPLES, *KUBECTL} - read_options()
    assert not missing and not stale, (sorted(missing), sorted(stale))


#: examples that need a model call refused to retry on: the vendor refuses every call (a probe is refused as often
#: as the world refuses FlowEngine's calls, by a draw on the instant: 40% in this outage)
REFUSED = {("curl", "retry"), ("curl", "retry_delay")}


@pytest.mark.parametrize("pair", [*sorted(EXAMPLES), *sorted(KUBECTL)])
def test_an_option_read_changes_the_answer(world, cluster, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    drill, values = world
    if pair in REFUSED:
        from warroom.drill.model import Signals

        monkeypatch.setattr(Signals, "share_5xx", lambda self, provider, t: 1.0)
    if pair in MOVES:
        drill = create_drill(tmp_path, "provider-outage", speed=10.0, start=START)
    drill = cluster if pair in KUBECTL else drill
    line = EXAMPLES.get(pair) or KUBECTL[pair]
    if pair in PREP:
        code, _, err = answer(drill, PREP[pair], values)
        assert code == 0 or "already exists" in err, err        # an earlier example may have made it
    given = answer(drill, line.replace("[", "").replace("]", ""), values)      # first: it may change the world
    without = answer(drill, re.sub(r"\s*\[[^]]*\]", "", line), values)
    assert given != without and "` does not simulate --" not in given[2], (line, given, without)


def test_an_inert_option_answers_exactly_as_without_it(world) -> None:  # type: ignore[no-untyped-def]
    drill, values = world
    cases = [(CURL_BASE, curl.FLAGS, k) for k in curl.INERT] + [(PSQL_BASE, psql.FLAGS, k) for k in psql.INERT]
    cases += [(AWS_BASE, {f"--{k}": (k, "")}, k) for k in aws.INERT]
    cases += [(KUBECTL_BASE[verb], kubectl.FLAGS, k) for verb, keys in kubectl.INERT.items() for k in keys]
    for base, table, key in cases:
        names = [n for n, (k, _) in table.items() if k == key]
        word = next((n for n in names if n.startswith("--")), names[0])
        # (curl 7.88 takes no --name=value: the value is the next word)
        word += (" 1" if table is curl.FLAGS else "=1") * (word.startswith("--") and table[word][1] != "")
        cut = base.index(" -- ") if " -- " in base else len(base)          # options before exec's command
        assert answer(drill, f"{base[:cut]} {word}{base[cut:]}", values) == answer(drill, base, values), (base, word)


def test_an_option_not_read_is_refused_by_name(world) -> None:  # type: ignore[no-untyped-def]
    drill, values = world
    for tool, table, reads, base in (("curl", curl.FLAGS, curl.READS, CURL_BASE), ("psql", psql.FLAGS, psql.READS,
                                                                                 PSQL_BASE)):
        for name, (key, kind) in table.items():
            if key not in reads and name.startswith("--"):
                value = (" 1" if tool == "curl" else "=1") * bool(kind)
                code, out, err = answer(drill, f"{base} {name}{value}", values)
                assert out == "" and code > 0 and f"drill: `{tool}` does not simulate {name} " in err, (name, err)
    for op in aws.READS:
        code, out, err = answer(drill, f"aws {op} --no-such-param 1", values)
        assert (code, out) == (252, "") and f"`aws {op}` does not simulate --no-such-param " in err, (op, err)


@pytest.mark.parametrize(("dbname", "said"), [
    ("postgresql://postgres:pw@taskdb.drill.invalid:5432/flowengine_db", ""),
    ("postgres://app:pw@db/app", 'could not translate host name "db"'),
    ("host=taskdb.drill.invalid dbname=nope", 'database "nope" does not exist'),
    ("postgresql://taskdb.drill.invalid:5433/flowengine_db", "port 5433 failed"),
])
def test_a_connection_string_is_read_as_the_options_it_holds(world, dbname: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """psql's DBNAME may be a URI or key=value pairs: it was taken as a database's name ("postgres://..."
    does not exist), whatever host, user and port it named."""
    code, out, err = run_one(world[0], ["psql", "-At", dbname, "-c", "SELECT 1"], T)
    assert (code, out, err) == (0, "1\n", "") if not said else code == 2 and said in err, (code, out, err)
