"""The parser on warroom's own format: front matter, fences, attributes, checklists, ids."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from warroom.runbook.parser import load_runbook, parse_runbook
from warroom.runbook.phases import phase_for


def parse(text: str):
    return parse_runbook(textwrap.dedent(text).lstrip("\n"), Path("rb.md"))


FULL = '''
+++
id = "RB-TEST-001"
title = "Test runbook"
severity = "p3"
triggers = ["quota"]
mttr_target = "20m"
owner = "sre"
[params.namespace]
default = "production"
[params.task_id]
help = "id of the failed task"
pattern = "^[A-Za-z0-9_-]+$"
+++

# Ignored H1 title

Intro before any step.

## Detection

```promql
# Highest quota use
100 * max(flowengine_model_quota_used_ratio)
# Expected: above 80
```

## Mitigation

```bash {name="restart" confirm=true timeout="60s" expect="rolled out" verify="quota < 80 within 10m"}
# Restart the deployment
kubectl rollout restart deployment/flowengine -n {{ namespace }}
# Expected: restarted
```

```bash
# Wait for it
kubectl rollout status deployment/flowengine -n {{ namespace }}
# Output:
# deployment "flowengine" successfully rolled out
```

```warroom
# Scale out
scale deployment/flowengine replicas=6 namespace={{ namespace }}
```

```yaml
not: a step
```

## Verification

- [ ] Quota pane is green
* [x] Retry the failed task `blocks flow retry {{ task_id }}`
1. [ ] Check the breaker
   ```bash {mutating=false}
   blocks circuit-breaker status
   # Expected: HALF_OPEN
   ```
   - [ ] nested item

## Post-incident review

- [ ] Write the PIR
'''


def test_front_matter_fields_and_params() -> None:
    rb = parse(FULL)
    assert (rb.id, rb.title, rb.severity, rb.triggers, rb.mttr_target) == (
        "RB-TEST-001", "Test runbook", "P3", ["quota"], "20m")
    assert rb.meta == {"owner": "sre"}
    assert rb.front_matter == "toml"
    ns, task = rb.params["namespace"], rb.params["task_id"]
    assert (ns.default, ns.declared, ns.required) == ("production", True, False)
    assert (task.help, task.pattern, task.required) == ("id of the failed task",
                                                        "^[A-Za-z0-9_-]+$", True)
    assert rb.findings == []


def test_steps_kinds_numbering_and_sections() -> None:
    rb = parse(FULL)
    got = [(s.number, s.kind, s.section, s.label) for s in rb.steps]
    assert got == [
        (1, "promql", "Detection", "Highest quota use"),
        (2, "shell", "Mitigation", "Restart the deployment"),
        (3, "shell", "Mitigation", "Wait for it"),
        (4, "k8s", "Mitigation", "Scale out"),
        (5, "manual", "Verification", "Quota pane is green"),
        (6, "shell", "Verification", "Retry the failed task"),
        (7, "shell", "Verification", "Check the breaker"),
        (8, "manual", "Verification", "nested item"),
        (9, "manual", "Post-incident review", "Write the PIR"),
    ]
    phases = {s.title: s.phase for s in rb.sections}
    assert phases == {"Ignored H1 title": None, "Detection": "detect", "Mitigation": "mitigate",
                      "Verification": "verify", "Post-incident review": "post-incident"}
    assert rb.phase_counts() == {"detect": 1, "mitigate": 3, "verify": 4, "post-incident": 1}


def test_step_details() -> None:
    rb = parse(FULL)
    s = {st.number: st for st in rb.steps}
    assert s[1].command == "100 * max(flowengine_model_quota_used_ratio)"
    assert s[1].expect == "above 80" and not s[1].mutating
    restart = s[2]
    assert restart.id == "restart"
    assert restart.command == "kubectl rollout restart deployment/flowengine -n {{ namespace }}"
    assert restart.expect == "restarted"  # the comment wins over expect=
    assert (restart.confirm, restart.timeout, restart.verify) == (True, 60.0, "quota < 80 within 10m")
    assert restart.mutating and restart.params == ["namespace"]
    assert restart.attrs["expect"] == "rolled out"
    wait = s[3]
    assert wait.id == "wait-for-it"
    assert wait.example_output == 'deployment "flowengine" successfully rolled out'
    assert not wait.mutating and not wait.confirm
    assert s[4].command == "scale deployment/flowengine replicas=6 namespace={{ namespace }}"
    assert s[4].mutating and s[4].kind == "k8s"
    assert (s[5].checked, s[6].checked) == (False, True)
    assert s[6].command == "blocks flow retry {{ task_id }}" and s[6].params == ["task_id"]
    assert s[7].command == "blocks circuit-breaker status"
    assert s[7].expect == "HALF_OPEN" and not s[7].mutating
    assert s[7].reason == "blocks circuit-breaker status only reads"  # the prover agrees
    assert s[8].depth == 1
    assert [st.line for st in rb.steps] == [23, 31, 37, 44, 53, 54, 55, 60, 64]


def test_attributes_shared_by_several_steps_are_reported() -> None:
    rb = parse('''
        ```bash {name="x" timeout=5s}
        echo one

        echo two
        ```
        ''')
    assert [s.id for s in rb.steps] == ["x", "x-2"]
    assert [s.timeout for s in rb.steps] == [5.0, 5.0]
    assert [str(f) for f in rb.findings] == [
        "rb.md:1: warning: fence attributes name apply to each of the 2 steps of this block; "
        "give each command its own block"]


def test_to_json_is_plain_json() -> None:
    data = json.loads(json.dumps(parse(FULL).to_json()))
    assert data["id"] == "RB-TEST-001"
    step = data["steps"][1]
    for key in ("number", "id", "kind", "label", "section", "line", "command", "expect", "params",
                "mutating", "confirm", "timeout", "verify", "depth", "attrs", "reason",
                "runnable"):
        assert key in step
    assert data["params"]["task_id"] == {"name": "task_id", "default": None,
                                         "help": "id of the failed task",
                                         "pattern": "^[A-Za-z0-9_-]+$", "declared": True,
                                         "required": True, "optional": False}
    assert data["sections"][1]["steps"] == [1]


def test_commands_kept_whole() -> None:
    rb = parse('''
        ```bash
        # heredoc
        psql <<EOF
        SELECT 1;

        SELECT 2;
        EOF

        # loop with a blank line inside
        for i in 1 2 3; do
          echo $i

          sleep 1
        done

        # quoted string across lines
        psql -c "
          SELECT *
          FROM tasks
        "

        # pipeline continued on the next line
        kubectl get pods |
          grep Running

        # continuation
        kubectl get pods \\
          -n prod
        ```
        ''')
    assert [s.label for s in rb.steps] == ["heredoc", "loop with a blank line inside",
                                          "quoted string across lines",
                                          "pipeline continued on the next line", "continuation"]
    assert rb.steps[0].command == "psql <<EOF\nSELECT 1;\n\nSELECT 2;\nEOF"
    assert not rb.steps[0].mutating
    assert rb.steps[1].command.endswith("done") and "\n\n" in rb.steps[1].command
    assert rb.steps[2].command == 'psql -c "\n  SELECT *\n  FROM tasks\n"'
    assert rb.steps[3].command == "kubectl get pods |\n  grep Running"
    assert rb.steps[4].command == "kubectl get pods \\\n  -n prod"


def test_console_prompts_and_example_output() -> None:
    rb = parse('''
        ```console
        $ kubectl get pods
        NAME    READY
        web-0   1/1
        $ kubectl get svc
        # comment between commands labels the next one
        $ for i in 1 2; do
        > echo $i
        > done
        1
        2
        ```
        ''')
    assert [s.command for s in rb.steps] == [
        "kubectl get pods", "kubectl get svc", "for i in 1 2; do\necho $i\ndone"]
    assert rb.steps[0].example_output == "NAME    READY\nweb-0   1/1"
    assert rb.steps[2].label == "comment between commands labels the next one"
    assert rb.steps[2].example_output == "1\n2"


def test_fence_info_label_and_untagged_blocks() -> None:
    rb = parse('''
        ```console # Drain, but wait 1 minute
        $ sudo /usr/local/sbin/drain_haproxy.sh -w 60
        ```

        ```
        sudo hatop -s /run/haproxy/admin.sock
        ```

        ```
        NAME   READY   STATUS
        web    1/1     Running
        ```

        ```
        node_filesystem_free_bytes
        ```
        ''')
    assert [(s.kind, s.label, s.command) for s in rb.steps] == [
        ("shell", "Drain, but wait 1 minute", "sudo /usr/local/sbin/drain_haproxy.sh -w 60"),
        ("shell", "sudo hatop -s /run/haproxy/admin.sock", "sudo hatop -s /run/haproxy/admin.sock"),
        ("promql", "node_filesystem_free_bytes", "node_filesystem_free_bytes"),
    ]


def test_shebang_block_is_one_script_and_assignments_join_the_next_command() -> None:
    rb = parse('''
        ```bash
        #!/bin/bash
        set -e

        echo one

        echo two
        ```

        ```bash
        NS=prod

        kubectl -n "$NS" get pods
        ```
        ''')
    assert len(rb.steps) == 2
    assert rb.steps[0].command.startswith("#!/bin/bash\nset -e\n\necho one")
    assert rb.steps[1].command == 'NS=prod\nkubectl -n "$NS" get pods'


def test_steps_before_any_heading_and_no_front_matter_ids() -> None:
    rb = parse_runbook("- [ ] first\n- [ ] first\n", Path("/x/my-runbook.md"))
    assert rb.id == "my-runbook" and rb.title == "my-runbook"
    assert [s.id for s in rb.steps] == ["first", "first-2"]
    assert rb.sections[0].title == "my-runbook" and rb.steps[0].section == "my-runbook"


def test_yaml_front_matter_title_and_meta() -> None:
    rb = parse('''
        ---
        title: From YAML
        weight: 20
        date: 2024-01-02
        ---
        # H1
        ''')
    assert rb.title == "From YAML"
    assert rb.meta == {"weight": 20, "date": "2024-01-02"}
    assert rb.front_matter == "yaml" and rb.findings == []


@pytest.mark.parametrize(("heading", "phase"), [
    ("Detection", "detect"), ("Triage", "detect"), ("Symptoms", "detect"),
    ("Diagnosis", "investigate"), ("Investigation", "investigate"),
    ("Troubleshooting", "investigate"),
    ("Mitigation", "mitigate"), ("Resolution", "mitigate"), ("Recovery", "mitigate"),
    ("Rollback", "mitigate"), ("Roll back the release", "mitigate"), ("Remediation", "mitigate"),
    ("Verify", "verify"), ("Validation", "verify"), ("Verify the rollback", "verify"),
    ("Communication", "communicate"), ("Stakeholder updates", "communicate"),
    ("Escalation", "communicate"),
    ("Post-incident", "post-incident"), ("Postmortem", "post-incident"),
    ("Post-incident review", "post-incident"), ("Lessons learned", "post-incident"),
    ("Phase 2: Mitigate", "mitigate"), ("3. Validate", "verify"),
    ("Meaning", None), ("Impact", None), ("Overview", None), ("Example Queries", None),
])
def test_phase_synonyms(heading: str, phase: str | None) -> None:
    assert phase_for(heading) == phase


def test_subsections_inherit_their_parents_phase() -> None:
    rb = parse("## Diagnosis\n### 1. Check the logs\n## Impact\n### Details\n")
    assert [(s.title, s.phase) for s in rb.sections] == [
        ("Diagnosis", "investigate"), ("1. Check the logs", "investigate"), ("Impact", None),
        ("Details", None)]


def test_load_runbook_bad_files(tmp_path: Path) -> None:
    (tmp_path / "bin.md").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "latin1.md").write_bytes(b"# caf\xe9\n\n```bash\necho hi\n```\n")
    (tmp_path / "dir.md").mkdir()
    msgs = {p: [str(f) for f in load_runbook(tmp_path / p).findings]
            for p in ("bin.md", "empty.md", "latin1.md", "dir.md", "missing.md")}
    assert msgs["bin.md"] == [f"{tmp_path}/bin.md:1: error: not a text file (binary content); skipped"]
    assert msgs["empty.md"] == [f"{tmp_path}/empty.md:1: error: file is empty"]
    assert msgs["latin1.md"] == [f"{tmp_path}/latin1.md:1: error: not valid UTF-8 (byte 0xe9 at "
                                 "offset 5); read with replacement characters"]
    assert msgs["dir.md"] == [f"{tmp_path}/dir.md:1: error: is a directory, not a runbook file"]
    assert msgs["missing.md"][0].startswith(f"{tmp_path}/missing.md:1: error: cannot read:")
    assert load_runbook(tmp_path / "latin1.md").steps[0].command == "echo hi"


def test_expectations_are_checked_only_when_they_pin_down_a_literal() -> None:
    from warroom.runbook.parser import checkable, parse_runbook

    assert checkable('"deployment \'flowengine\' successfully rolled out" (within 45s)') == \
        "deployment 'flowengine' successfully rolled out"
    assert checkable("PONG") == "PONG"
    assert checkable("`OK`") == "OK"
    assert checkable("Retry succeeds in <60s") is None
    assert checkable(None) is None
    rb = parse_runbook(
        "# T\n\n## Mitigation\n\n```bash\n# Restart\nkubectl rollout restart deploy/x\n"
        "# Expected: pods come back within a minute\n```\n\n"
        "```bash {expect=\"restarted\"}\n# Restart again\nkubectl rollout restart deploy/y\n"
        "# Expected: the deployment reports it restarted\n```\n"
    )
    first, second = rb.steps
    assert (first.expect, first.check) == ("pods come back within a minute", None)
    assert (second.expect, second.check) == ("the deployment reports it restarted", "restarted")
    assert second.to_json()["check"] == "restarted"


def test_phase_words_first_one_wins_and_subheadings_override_only_when_they_lead() -> None:
    from warroom.runbook.parser import parse_runbook
    from warroom.runbook.phases import phase_for

    assert phase_for("Triage: Go/No-Go") == "detect"
    assert phase_for("Verify the rollback") == "verify"
    assert phase_for("Post-incident review") == "post-incident"
    assert phase_for("6. After the rollback", leading_only=True) is None
    assert phase_for("Rollback", leading_only=True) == "mitigate"
    rb = parse_runbook(
        "# Timeout recovery\n\n```bash\n# Look\nkubectl get pods\n```\n\n"
        "## Post-incident\n\n### 6. After the rollback\n\n- [ ] Write the PIR\n\n"
        "## Mitigation\n\n### Verify the fix\n\n- [ ] Check the panes\n"
    )
    phases = {s.title: s.phase for s in rb.sections}
    assert phases["Timeout recovery"] is None
    assert phases["6. After the rollback"] == "post-incident"
    assert phases["Verify the fix"] == "verify"


def test_a_file_parsed_again_is_its_first_parse_and_a_copy_of_its_own(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolving a runbook id parses the whole library, and an incident's every open its snapshot: in one process
    (a dashboard, a test run) the same bytes at the same path are parsed once (``parser.parse_bytes``). Each load is
    still a runbook of its own (one caller's change is not the next one's), and changed bytes are parsed anew."""
    from warroom.runbook import parser

    path = tmp_path / "rb.md"
    path.write_text("# Restart\n\n```bash\nkubectl rollout restart deploy/api -n production\n```\n", encoding="utf-8")
    parses = []
    real = parser.parse_runbook
    monkeypatch.setattr(parser, "parse_runbook", lambda text, p=None: parses.append(p) or real(text, p))
    first = parser.load_runbook(path)
    first.steps[0].label = "changed by its caller"
    again = parser.load_runbook(path)
    assert len(parses) == 1 and again is not first and again.steps[0].label != "changed by its caller"
    assert again == parser._parse_bytes(path.read_bytes(), path)           # what a parse from scratch gives
    path.write_text("# Restart\n\n```bash\nkubectl get pods -n production\n```\n", encoding="utf-8")
    assert parser.load_runbook(path).steps[0].command == "kubectl get pods -n production" and len(parses) == 3
