"""An explicit IAM Deny on the bundles' bucket stops FlowEngine's flows until it is deleted (redteam44 A2).

RB-CORE-005's ``revoke-bundle-access`` puts a Deny on ``context-bundles`` for ``flowengine-sa``; the drill recorded it
and nothing followed: once FlowEngine was back its flows read and wrote bundles, and ``aws iam list-user-policies``
was "Invalid choice", so the commander could not see what was set. An explicit Deny wins over every Allow: each flow
fails writing its bundle (no model call made), until ``aws iam delete-user-policy`` lifts it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import fleet
from warroom.drill.activity import iso
from warroom.drill.model import BUNDLES_DENIED

DENY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::context-'
        'bundles","arn:aws:s3:::context-bundles/*"]}]}')
POLICY = ["--user-name", "flowengine-sa", "--policy-name", "deny-context-bundles"]


def test_a_deny_on_the_bundles_fails_every_flow_until_it_is_deleted(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "audit-gap", name="i")
    assert run_one(drill, ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", DENY], 600.0)[0] == 0
    assert json.loads(run_one(drill, ["aws", "iam", "list-user-policies", *POLICY[:2]], 700.0)[1]) == {
        "PolicyNames": ["deny-context-bundles"]}
    assert json.loads(run_one(drill, ["aws", "iam", "get-user-policy", *POLICY], 700.0)[1])["PolicyDocument"] == \
        json.loads(DENY)
    code, _, err = run_one(drill, ["blocks", "test-flow"], 900.0)
    assert code == 1 and BUNDLES_DENIED in err, err
    s = drill.simulator.signals
    assert s.strands(900.0) == ((1.0, BUNDLES_DENIED, fleet.PROVIDER_NAMES),)
    assert s.request_rate(fleet.PRIMARY_PROVIDER, 900.0) == 0.0                 # no model call made
    denied_from = iso(drill.wall_time(601.0))[:19].replace("T", " ")          # no bundle written after it
    listed = run_one(drill, ["aws", "s3", "ls", "s3://context-bundles/"], 900.0)[1].splitlines()
    assert listed and not [line for line in listed if line[:19] > denied_from], listed[-3:]
    assert run_one(drill, ["aws", "iam", "delete-user-policy", *POLICY], 1000.0)[0] == 0
    assert run_one(drill, ["aws", "iam", "delete-user-policy", *POLICY], 1000.0)[2].strip().endswith(
        "The user policy with name deny-context-bundles cannot be found.")
    assert drill.simulator.signals.strands(1200.0) == () and run_one(drill, ["blocks", "test-flow"], 1200.0)[0] == 0


def test_the_trail_holds_what_the_world_did(tmp_path: Path) -> None:
    """redteam44 A5: CloudTrail was six events dated back from the moment asked (two lookups a minute apart disagreed
    about the past), FlowEngine's bundle traffic went on while it was scaled to zero or denied, and the team's own
    policy change and bundle move were absent."""
    drill = warm_drill(tmp_path, "audit-gap", name="c")
    run_one(drill, ["kubectl", "scale", "deployment/flowengine", "--replicas=0", "-n", "production"], 300.0)
    run_one(drill, ["kubectl", "scale", "deployment/flowengine", "--replicas=5", "-n", "production"], 500.0)
    assert run_one(drill, ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", DENY], 600.0)[0] == 0

    def trail(t: float) -> list[tuple[float, str, str, str | None]]:
        events = json.loads(run_one(drill, ["aws", "cloudtrail", "lookup-events"], t)[1])["Events"]
        return [(drill.scenario_time(datetime.fromisoformat(e["EventTime"]).timestamp()), e["EventName"],
                 e["Username"], e.get("ErrorCode"))
                for e in events if e["EventSource"] != "secretsmanager.amazonaws.com"]
    now = trail(1100.0)
    assert [e for e in trail(1160.0) if e[0] <= 1100.0] == now            # the same past, asked a minute later
    assert (600.0, "PutUserPolicy", "oncall-responder", None) in now
    fe = [e for e in now if e[2] == "flowengine-sa"]
    assert fe and not [e for e in fe if 300.0 < e[0] < 500.0]              # no pod ran: nothing read or written
    assert {e[3] for e in fe if e[0] >= 600.0} == {"AccessDenied"} and {e[3] for e in fe if e[0] < 300.0} == {None}


def test_iam_edges_as_iam_has_them(tmp_path: Path) -> None:
    """attack44 A12: a policy document given as ``file://`` was "MalformedPolicyDocument"; AWSDenyAll attached was
    listed as an inline policy and denied nothing; a Deny of plain HTTP only (a Condition) stopped every flow."""
    drill = warm_drill(tmp_path, "audit-gap", name="edges")
    plain_http = tmp_path / "deny-http.json"
    plain_http.write_text(DENY[:-3] + ',"Condition":{"Bool":{"aws:SecureTransport":false}}}]}')
    user = POLICY[:2]
    arn = ["--policy-arn", "arn:aws:iam::aws:policy/AWSDenyAll"]
    assert run_one(drill, ["aws", "iam", "put-user-policy", *user, "--policy-name", "http", "--policy-document",
                           f"file://{plain_http}"], 300.0) == (0, "", "")
    code, _, err = run_one(drill, ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", "file:///no.json"],
                           300.0)
    assert (code, err) == (252, "\nError parsing parameter '--policy-document': Unable to load paramfile "
                                "file:///no.json: [Errno 2] No such file or directory: '/no.json'\n")
    code, _, err = run_one(drill, ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", DENY[:-3] +
                                   ',"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}'], 300.0)
    assert code == 252 and "drill: a Condition's IpAddress on aws:SourceIp is not simulated" in err, err
    assert run_one(drill, ["aws", "iam", "attach-user-policy", *user, *arn], 400.0)[0] == 0
    assert json.loads(run_one(drill, ["aws", "iam", "list-user-policies", *user], 450.0)[1]) == {
        "PolicyNames": ["http"]}
    assert json.loads(run_one(drill, ["aws", "iam", "list-attached-user-policies", *user], 450.0)[1]) == {
        "AttachedPolicies": [{"PolicyName": "AWSDenyAll", "PolicyArn": arn[1]}]}
    assert run_one(drill, ["aws", "iam", "detach-user-policy", *user, *arn], 500.0)[0] == 0
    assert "Policy arn:aws:iam::aws:policy/AWSDenyAll was not found." in run_one(
        drill, ["aws", "iam", "detach-user-policy", *user, *arn], 500.0)[2]
    s = drill.simulator.refresh().signals
    assert [s.bundles_denied(t) for t in (350.0, 450.0, 550.0)] == [False, True, False]


def test_a_document_iam_refuses_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    """attack45 X4: IAM's grammar (Effect is ``Allow``/``Deny``, case-sensitive; no Principal in a user's policy; actions
    and resources required) is checked before anything is recorded, and ``[`` in a Resource is a literal character."""
    drill = warm_drill(tmp_path, "audit-gap", name="i")
    bundles = "arn:aws:s3:::context-bundles/*"
    refused = {"Syntax errors in policy.": {"Effect": "deny", "Action": "s3:*", "Resource": bundles},
               "Policy document should not specify a principal.": {"Effect": "Deny", "Principal": "*",
                                                                   "Action": "s3:*", "Resource": bundles},
               "Policy statement must contain actions.": {"Effect": "Deny", "Resource": bundles},
               "Policy statement must contain resources.": {"Effect": "Deny", "Action": "s3:*"}}
    for words, statement in refused.items():
        doc = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        code, _, err = run_one(drill, ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", doc], 600.0)
        assert code == 254 and err.strip().endswith(f"(MalformedPolicyDocument) when calling the PutUserPolicy "
                                                    f"operation: {words}"), err
    assert not [a for a in drill.actions() if a.action == "iam_change"]
    literal = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::context-bundles/[c]tx_*"}]})
    assert run_one(drill, ["aws", "iam", "put-user-policy", *POLICY, "--policy-document", literal], 600.0)[0] == 0
    assert [a.detail["denies_bundles"] for a in drill.actions() if a.action == "iam_change"] == [False]
    assert drill.simulator.signals.strands(900.0) == ()
