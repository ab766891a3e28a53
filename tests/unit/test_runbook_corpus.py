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
    # The assignment sets up the next prompt, and chroot is typed into the debug shell: one step.
    assert commands(rb) == [
        "node_filesystem_free_bytes",
        "NODE_NAME=<instance label from alert>\nkubectl -n default debug node/$NODE_NAME\n"
        "chroot /host",
        "exit\nexit",
    ]
    assert rb.steps[1].sets_vars == ["NODE_NAME"] and rb.steps[1].uses_vars == []
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
    assert len(diag) == 5
    assert [s.label for s in diag] == [
        "Check DNS operator",
        "Check CoreDNS daemonsets if they are running on all nodes",
        "Check CoreDNS pods if they can reach the upstream nameservers",
        "Enable Debug logLevel in CoreDNS",
        "Follow the log streams in proportion to the number of CoreDNS pods",
    ]
    assert diag[0].command == "oc get co/dns" and not diag[0].mutating
    assert diag[1].command == "oc get ds -n openshift-dns"
    assert diag[2].command == (
        "oc exec pod/$COREDNS_POD_NAME -c dns -n openshift-dns -- \\\n"
        "    dig -q $DOMAIN_NAME @$IP_OF_UPSTREAM_NAMESERVER")
    # exec of a read-only dig, but pod/$COREDNS_POD_NAME is unquoted: its value is split into
    # words, any of which could be an oc option, so the read-only check cannot prove it.
    assert diag[2].mutating and "may expand to an option" in diag[2].reason
    # Two blank-line-separated commands in a list item's fence: two steps, as at top level.
    assert diag[3].command == (
        "oc patch dnses.operator.openshift.io/default \\\n"
        "    --patch '{\"spec\":{\"logLevel\":\"Debug\"}}' --type=merge")
    assert diag[4].command == (
        "oc logs -c dns -l dns.operator.openshift.io/daemonset-dns=default \\\n"
        "    -n openshift-dns --follow --max-log-requests $NUMBER_OF_COREDNS_PODS --timestamps")
    # --max-log-requests $NUMBER_OF_COREDNS_PODS: the unquoted value could split into options.
    assert diag[3].mutating and "patch" in diag[3].reason and diag[4].mutating
    assert [s.line for s in diag] == [16, 22, 29, 37, 41]
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
        # inline commands in plain bullets under the checklist item
        ("shell", 1, "./bin/gkms-vault-show gitlab-omnibus-secrets gprd | jq -r "
                     "'.[\"omnibus-gitlab\"].gitlab_rb.gitaly.auth_token'"),
        ("shell", 1, "./bin/gkms-vault-show gitlab-omnibus-secrets gprd > "
                     "gitlab-omnibus-secrets.bak"),
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
    assert rb.steps[7].label == "Create a new random token"
    assert rb.steps[7].params == []  # $(pwgen ...) is command substitution, not a parameter
    assert [s.line for s in rb.steps][:8] == [6, 18, 19, 21, 24, 25, 27, 28]
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


def test_persistent_volume_prompts_output_backticks_and_params() -> None:
    rb = load("prometheus-operator-runbooks/content/runbooks/kubernetes/KubePersistentVolumeFillingUp.md")
    assert commands(rb) == [
        "kubectl get storageclass `kubectl -n <my-namespace> get pvc <my-pvc> -ojson | jq -r "
        "'.spec.storageClassName'`",
        "kubectl -n <my-namespace> edit pvc <my-pvc>",
        "kubectl -n <my-namespace> get pvc <my-pvc>",
        "kubectl -n <my-namespace> delete pod `kubectl -n <my-namespace> get pod -ojson | jq -r "
        "'.items[] | select(.spec.volumes[] .persistentVolumeClaim.claimName==\"<my-pvc>\") | "
        ".metadata.name'`",
    ]
    assert rb.steps[0].example_output.splitlines()[0].split() == [
        "NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]
    assert all(s.params == ["my_namespace", "my_pvc"] for s in rb.steps)
    # Step 1 passes a backtick substitution unquoted to kubectl: its output is split into words
    # that could be options, so it cannot be proved read-only.
    assert [s.mutating for s in rb.steps] == [True, True, False, True]
    assert {s.section for s in rb.steps} == {"Direct Volume resizing"}
    assert {s.title: s.phase for s in rb.sections}["Direct Volume resizing"] == "mitigate"
    # The value would land inside jq's program: code, so only the safe alphabet goes in (a quote
    # or a space is refused, whatever the quoting).
    import pytest

    from warroom.runbook.params import ParamError, substitute

    with pytest.raises(ParamError, match="parameter 'my-pvc'"):
        substitute(rb.steps[3].command, {"my-namespace": "prod", "my-pvc": "data'; reboot"})
    cmd = substitute(rb.steps[3].command, {"my-namespace": "prod", "my-pvc": "data-1"})
    import shlex

    assert 'claimName=="data-1"' in shlex.split(cmd.split("`")[1])[-1]


def test_control_plane_cpu_promql_in_sh_fence_and_shebang_script() -> None:
    rb = load("openshift-runbooks/alerts/cluster-kube-apiserver-operator/"
              "ExtremelyHighIndividualControlPlaneCPU.md")
    assert [(s.kind, s.label) for s in rb.steps] == [
        ("promql", "Top 5 of containers with the most CPU utilization on a particular node"),
        ("promql", "CPU utilization of containers on master nodes"),
        ("promql", "CPU utilization of the master nodes from the cgroups"),
        ("promql", "for Windows"),
        ("shell", "How to gather the audit logs of the cluster"),
        ("shell", "How to take a dump of the cluster prometheus data"),
    ]
    assert rb.steps[1].command == (
        "sum by (node) (\n  irate (container_cpu_usage_seconds_total{container!=\"\",pod!=\"\"}"
        "[4m])\n    and on (node) cluster:master_nodes\n)")
    script = rb.steps[5].command
    assert script.startswith("#!/usr/bin/env bash\n\nfunction queue() {")
    assert script.endswith("--data-urlencode 'match_target={instance!=\\\"\\\"}'\"")
    assert rb.steps[5].mutating and not rb.steps[0].mutating


def test_heredoc_piped_to_oc_apply_kept_whole() -> None:
    rb = load("openshift-runbooks/alerts/openshift-virtualization-operator/HCOInstallationIncomplete.md")
    [step] = rb.steps
    assert step.command == (
        "cat <<EOF | oc apply -f -\napiVersion: hco.kubevirt.io/v1beta1\nkind: HyperConverged\n"
        "metadata:\n  name: kubevirt-hyperconverged\n  namespace: openshift-cnv\nspec: {}\nEOF")
    assert step.label == "Complete the installation by creating a HyperConverged CR with its default values"
    assert step.mutating and "oc apply" in step.reason
    assert step.section == "Mitigation"


def test_root_prompts_output_and_assignment_joined_openshift_fd_limit() -> None:
    rb = load("openshift-runbooks/alerts/cluster-monitoring-operator/NodeFileDescriptorLimit.md")
    assert commands(rb) == [
        "NODE_NAME='<value of instance label from alert>'\noc debug \"node/$NODE_NAME\"",
        "sysctl -a | grep 'fs.file-'",
        "lsof -n",
    ]
    assert rb.steps[1].example_output == "fs.file-max = 1597016\nfs.file-nr = 7104       0       1597016"
    assert rb.steps[0].params == ["value_of_instance_label_from_alert"]
    assert [s.mutating for s in rb.steps] == [True, False, False]


def test_untagged_fence_with_comment_labels_gitaly_down() -> None:
    rb = load("gitlab-com-runbooks/docs/gitaly/gitaly-down.md")
    assert [(s.label, s.command) for s in rb.steps] == [
        ("in a screen session (will take a while)",
         "cd /var/opt/gitlab/git-data/repositories/@hashed\nionice -n 5 find . -regextype sed "
         "-regex \".*/objects/.*\" -size 0 -mtime +1 > /var/tmp/zerofiles.txt"),
        ("if customers still report issues, check each affected repo for consistency",
         "sudo -u git\ncd <repo>\ngit fsck"),
        ("for each found invalid sha1 pointer, if it looks like an important branch (like "
         "master), set it to a previous…", "git update-ref -d <invalid_ref_found_by_git_fsck>"),
        ("at the end", "git fsck --full"),
        # commands in inline code of plain bullets are steps too
        ("Can you see the process in ps aux | grep gitaly?", "ps aux | grep gitaly"),
        ("Is the prometheus port responding: Does curl https://localhost:9236/metrics respond?",
         "curl https://localhost:9236/metrics"),
        ("Attempt to restart gitaly service", "sudo gitlab-ctl restart gitaly"),
    ]
    assert [s.params for s in rb.steps][:4] == [[], ["repo"], ["invalid_ref_found_by_git_fsck"],
                                                 []]
    assert rb.steps[0].mutating and "zerofiles.txt" in rb.steps[0].reason
    assert [s.mutating for s in rb.steps[4:]] == [False, False, True]
    # `SIGSEGV` (one word) in "grep for `SIGSEGV`" stays prose
    assert all(s.kind == "shell" for s in rb.steps)


def test_console_label_info_string_and_root_prompt_blocks_haproxy() -> None:
    rb = load("gitlab-com-runbooks/docs/frontend/haproxy.md")
    assert commands(rb) == [
        "sudo systemctl stop haproxy",
        "sudo /usr/local/sbin/drain_haproxy.sh -w 60",
        "sudo /usr/local/sbin/drain_haproxy.sh -u",
        "./bin/set-server-state gstg drain git-01",
        "ssh -L 7331:localhost:7331 fe-01-lb-gstg.c.gitlab-staging-1.internal",
        "sudo hatop -s /run/haproxy/admin.sock",
        "gitlab-ctl status",
        "sudo grep -v check_http /var/log/haproxy.log | awk '{print $6}' | cut -d: -f1|sort|uniq "
        "-c |sort -n|tail",
        "pstree -pals $(pgrep -u root -f /usr/sbin/haproxy)",
        "for p in $(pgrep -u haproxy -f haproxy); do ps -o user,pid,etimes,command $p; done",
        "kill -TERM 1827",
        "gitlab-ctl restart puma",
    ]
    assert rb.steps[1].label == "Drain, but wait 1 minute"
    assert rb.steps[3].example_output.startswith("Fetching server state...")
    assert [s.mutating for s in rb.steps] == [True, True, True, True, True, True, False, False,
                                              False, False, True, True]
    # mermaid diagrams, the get-server-state output and the usage text are not steps
    kinds = [b["kind"] for b in rb.code_blocks]
    assert kinds.count("display") == 4


def test_prompted_commands_grouped_until_a_blank_line() -> None:
    rb = load("openshift-runbooks/alerts/HighlyAvailableWorkloadIncorrectlySpread.md")
    # Each prompt its own step now that variables carry from step to step in an incident.
    assert len(rb.steps) == 9
    assert rb.steps[5].command == (
        "PVC=$(oc get -n \"$NS\" pod \"$POD\" -ojson | jq -r '.spec.volumes[] | "
        "select(.persistentVolumeClaim!=null) | .persistentVolumeClaim.claimName')")
    assert rb.steps[5].sets_vars == ["PVC"] and "PVC" in rb.steps[6].uses_vars
    assert [s.command for s in rb.steps[6:8]] == ['oc delete -n "$NS" pvc "$PVC"',
                                                  'oc delete -n "$NS" pod "$POD"']
    # "$POD" could expand to an oc option: unprovable steps count as mutating.
    assert [s.mutating for s in rb.steps] == [False, False, True, False, False, True, True, True,
                                              True]
    # the alert-label listing in a console block without prompts holds no command
    assert (rb.code_blocks[0]["kind"], rb.code_blocks[0]["steps"]) == ("shell", 0)


def test_untagged_checklist_block_and_link_only_runbooks_have_no_steps() -> None:
    rr = load("gitlab-com-runbooks/docs/patroni/rotating-rails-postgresql-password.md")
    assert rr.steps == [] and rr.code_blocks[0]["kind"] == "display"
    td = load("prometheus-operator-runbooks/content/runbooks/general/TargetDown.md")
    assert td.steps == []
    clock = load("prometheus-operator-runbooks/content/runbooks/node/NodeClockNotSynchronising.md")
    assert clock.steps == [] and clock.params == {}  # the Hugo {{< ref >}} is no parameter


def test_cmoc_checklist_with_nested_bullets() -> None:
    rb = load("gitlab-com-runbooks/on-call/checklists/cmoc.md")
    assert len(rb.steps) == 9 and all(s.kind == "manual" for s in rb.steps)
    assert rb.steps[8].label == "Check in with incident team"
    assert "- Clear the deck - cancel other meetings as needed." in rb.steps[8].text
    assert rb.steps[1].command is None  # `/start-incident` is a Slack command, not a shell one
    assert {s.section for s in rb.steps} == {"Declaring an Incident"}


def test_misspelt_language_list_attached_fences_walg() -> None:
    rb = load("gitlab-com-runbooks/docs/patroni/postgresql-backups-wale-walg.md")
    assert [str(f).split(": ", 1)[1] for f in rb.findings] == [
        "warning: unknown fence language 'shel': did you mean 'shell'? (read as shell)"] * 2
    labels = {s.command: s.label for s in rb.steps}
    assert labels["sudo tail /var/log/wal-g/wal-g.log"] == "WAL archiving (check this on the primary)"
    fetch = [s for s in rb.steps if "backup-fetch" in (s.command or "")]
    assert [s.label for s in fetch] == [
        "Restore the base backup (run in a screen on tmux session and be ready to wait several "
        "hours)",
        "To restore latest backup you can use the following"]
    assert fetch[0].params == ["backup_name_from_backup_list_command"]


def test_kube_api_error_budget_promql_fences() -> None:
    rb = load("prometheus-operator-runbooks/content/runbooks/kubernetes/KubeAPIErrorBudgetBurn.md")
    assert [(s.kind, s.label, s.section) for s in rb.steps] == [
        ("promql", "Cluster scoped", "Slow Read Requests"),
        ("promql", "Namespace scoped", "Slow Read Requests"),
        ("promql", "Resource scoped", "Slow Read Requests"),
        ("promql", "Slow Write Requests", "Slow Write Requests"),
    ]
    assert rb.steps[0].command.splitlines()[-1] == "> 0.01"
    assert all(not s.mutating and s.params == [] for s in rb.steps)


def test_corpus_statistics() -> None:
    from warroom.runbook.stats import corpus_stats

    st = corpus_stats([RUNBOOKS])
    assert st["parsed"] == st["files"] == len(corpus_files())
    assert st["failed"] == []
    # Every shell-language block but the few holding only a TODO comment or sample output.
    assert st["shell_blocks_with_steps"] >= 0.9 * st["shell_blocks"]
