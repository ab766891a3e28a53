"""The public corpus: every runbook parses, and step extraction is exact for a spread of styles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS
from warroom.runbook.model import Runbook
from warroom.runbook.parser import load_runbook

RUNBOOKS = CORPUS / "runbooks"
pytestmark = pytest.mark.skipif(not RUNBOOKS.is_dir(), reason=f"corpus not present at {RUNBOOKS}")


def corpus_files() -> list[Path]:
    if not RUNBOOKS.is_dir():
        return []
    return sorted(p for p in RUNBOOKS.rglob("*") if p.is_file() and p.name != "LICENSE")


def load(rel: str) -> Runbook:
    return load_runbook(RUNBOOKS / rel)


def commands(rb: Runbook) -> list[str | None]:
    return [s.command for s in rb.steps]


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.relative_to(RUNBOOKS)))
def test_every_corpus_runbook_parses(path: Path) -> None:
    rb = load_runbook(path)
    assert rb.title and rb.id
    assert [s.number for s in rb.steps] == list(range(1, len(rb.steps) + 1))
    assert len({s.id for s in rb.steps}) == len(rb.steps)
    # No finding says the file could not be read.
    assert not [f for f in rb.findings if "not a text file" in f.message or "empty" in f.message]
    rb.to_json()


def test_prompts_stripped_and_angle_param_found_nodefilesystem() -> None:
    rb = load("prometheus-operator-runbooks/content/runbooks/node/NodeFilesystemSpaceFillingUp.md")
    assert rb.title == "Node Filesystem Space Filling Up"  # from YAML front matter
    assert rb.meta == {"weight": 20}
    assert [(s.kind, s.section) for s in rb.steps] == [
        ("promql", "Diagnosis"), ("shell", "Mitigation"), ("shell", "Mitigation")]
    assert commands(rb) == [
        "node_filesystem_free_bytes",
        "NODE_NAME=<instance label from alert>\nkubectl -n default debug node/$NODE_NAME\n"
        "chroot /host",
        "exit\nexit",
    ]
    step = rb.steps[1]
    assert step.params == ["instance_label_from_alert"]
    assert rb.params["instance_label_from_alert"].name == "instance label from alert"
    assert step.label == "Debug the node by accessing the node filesystem"
    assert step.line == 57
    assert step.mutating  # kubectl debug starts a pod
    assert rb.steps[2].label == "Exit debug"
    # The two "# TODO: Command needed" blocks hold no command: no step.
    phases = {s.title: s.phase for s in rb.sections}
    assert phases["Diagnosis"] == "investigate" and phases["Mitigation"] == "mitigate"
    assert phases["Meaning"] is None and phases["Impact"] is None


def test_coredns_four_diagnosis_steps_with_continuations_whole() -> None:
    rb = load("openshift-runbooks/alerts/cluster-dns-operator/CoreDNSErrorsHigh.md")
    diag = [s for s in rb.steps if s.section == "Diagnosis"]
    assert len(diag) == 4
    assert [s.label for s in diag] == [
        "Check DNS operator",
        "Check CoreDNS daemonsets if they are running on all nodes",
        "Check CoreDNS pods if they can reach the upstream nameservers",
        "Check the upstream nameservers if they are returning SERVFAIL",
    ]
    assert diag[0].command == "oc get co/dns" and not diag[0].mutating
    assert diag[1].command == "oc get ds -n openshift-dns"
    assert diag[2].command == (
        "oc exec pod/$COREDNS_POD_NAME -c dns -n openshift-dns -- \\\n"
        "    dig -q $DOMAIN_NAME @$IP_OF_UPSTREAM_NAMESERVER")
    assert not diag[2].mutating  # exec of a read-only dig
    assert diag[3].command == (
        "# Enable Debug logLevel in CoreDNS\n"
        "oc patch dnses.operator.openshift.io/default \\\n"
        "    --patch '{\"spec\":{\"logLevel\":\"Debug\"}}' --type=merge\n\n"
        "# Follow the log streams in proportion to the number of CoreDNS pods\n"
        "oc logs -c dns -l dns.operator.openshift.io/daemonset-dns=default \\\n"
        "    -n openshift-dns --follow --max-log-requests $NUMBER_OF_COREDNS_PODS --timestamps")
    assert diag[3].mutating and "patch" in diag[3].reason
    assert [s.line for s in diag] == [16, 22, 29, 37]
    # $VARS are the shell's: not parameters.
    assert all(s.params == [] for s in diag)
    # Mitigation: the shell fence under the list item is a step, the yaml one is not.
    mit = [s for s in rb.steps if s.section == "Mitigation"]
    assert commands_of(mit) == ["oc edit dns.operator/default"]


def commands_of(steps: list) -> list[str | None]:
    return [s.command for s in steps]


def test_gitaly_token_rotation_nested_checklists_and_inline_commands() -> None:
    rb = load("gitlab-com-runbooks/docs/gitaly/gitaly-token-rotation.md")
    got = [(s.kind, s.depth, s.command) for s in rb.steps]
    knife_stor = "knife ssh -C3 roles:gprd-base-stor-gitaly 'sudo chef-client'"
    assert got == [
        ("manual", 0, None),
        ("shell", 0, knife_stor),
        ("manual", 0, None),
        ("manual", 1, None),
        ("manual", 0, None),
        ("shell", 0, 'echo "$(pwgen 16 1)-gprdtoken"'),
        ("manual", 0, None),
        ("manual", 0, None),
        ("manual", 0, None),
        ("shell", 1, knife_stor),
        ("shell", 1, "knife ssh -C3 roles:gprd-base-console-node 'sudo chef-client'"),
        ("manual", 0, None),
        ("manual", 0, None),
        ("manual", 0, None),
        ("shell", 0, knife_stor),
    ]
    assert rb.steps[1].label == "apply the changes to the gitaly servers"
    assert rb.steps[3].label == "That should go down to 0"
    assert rb.steps[5].label == "Create a new random token"
    assert rb.steps[5].params == []  # $(pwgen ...) is command substitution, not a parameter
    assert [s.line for s in rb.steps][:6] == [6, 18, 19, 21, 24, 28]
    assert all(s.section == "Execution" for s in rb.steps)
    assert rb.sections[1].phase == "mitigate"
    # ids are stable slugs and unique
    assert rb.steps[1].id == "apply-the-changes-to-the-gitaly-servers"


def test_etcd_jsonpath_and_go_templates_are_not_params() -> None:
    rb = load("prometheus-operator-runbooks/content/runbooks/etcd/etcdMembersDown.md")
    assert len(rb.steps) == 5
    assert rb.params == {}
    assert all(s.params == [] for s in rb.steps)
    assert rb.steps[1].command.startswith(
        "kubectl get nodes -l node-role.kubernetes.io/master= -o template --template='{{range")
    assert commands(rb)[2:] == [
        "kubectl exec -c etcdctl -n openshift-etcd $(kubectl get po -l app=etcd -oname -n "
        "openshift-etcd | awk -F\"/\" 'NR==1{ print $2 }')",
        "etcdctl version",
        "etcdctl endpoint health -w table",
    ]
    assert [s.mutating for s in rb.steps] == [False, False, True, False, False]
    assert [s.section for s in rb.steps] == ["Diagnosis", "Diagnosis", "General etcd health",
                                            "General etcd health", "General etcd health"]
    assert {s.title: s.phase for s in rb.sections}["General etcd health"] == "investigate"
