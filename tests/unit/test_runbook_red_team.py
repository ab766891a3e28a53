"""Red-team cases for issue 14 (our own fixture text): inputs that differ from the examples the
parser was first tuned on — expectations written as a header with the output under it, filter
fragments in prose, an imperative check in prose, and over-deep nesting followed by normal content.
"""

from __future__ import annotations

from warroom.runbook.lint import lint_runbook
from warroom.runbook.parser import parse_runbook


def _steps(text: str):  # type: ignore[no-untyped-def]
    return [s for s in parse_runbook(text).steps if s.command]


# -- `# Expected:` as a header with the expected output on the lines below ----------------------

def test_expected_header_then_commented_output_after_blank_line() -> None:
    text = ("# T\n\n```bash\nkubectl get pods -n shop\n\n# Expected:\n# shop-1   Running\n"
            "# shop-2   Running\n```\n")
    (step,) = _steps(text)
    assert step.command == "kubectl get pods -n shop"
    assert step.expect is not None and "shop-1   Running" in step.expect
    assert "shop-2   Running" in step.expect


def test_expected_header_then_commented_output_no_blank_line() -> None:
    text = "# T\n\n```bash\ncurl -s localhost:9000/ready\n# Expected output:\n# ready\n```\n"
    (step,) = _steps(text)
    assert step.command == "curl -s localhost:9000/ready"
    assert step.expect == "ready"
    assert step.check == "ready"


def test_expected_header_then_bare_output_is_never_a_command() -> None:
    text = ("# T\n\n```bash\nkubectl get pods -n shop\n# Expected:\nshop-7f9   1/1   Running\n"
            "\nkubectl get svc -n shop\n```\n")
    steps = _steps(text)
    assert [s.command for s in steps] == ["kubectl get pods -n shop", "kubectl get svc -n shop"]
    assert steps[0].expect is not None and "shop-7f9" in steps[0].expect


# -- nesting past the limit: what follows the deep part is still read ---------------------------

def _deep_list(depth: int) -> str:
    return "".join("  " * d + f"- level {d}\n" for d in range(depth))


def test_content_after_an_over_deep_list_is_still_read() -> None:
    text = ("# Deep\n\n```bash\nkubectl get nodes\n```\n\n" + _deep_list(70) + "\n"
            "After the list, drain it: `kubectl drain node-9 --ignore-daemonsets`\n\n"
            "```bash\nkubectl get pods -n after\n```\n")
    rb = parse_runbook(text)
    assert [s.command for s in rb.steps if s.command] == [
        "kubectl get nodes", "kubectl drain node-9 --ignore-daemonsets",
        "kubectl get pods -n after"]
    deep = [f for f in rb.findings if "levels deep" in f.message]
    assert len(deep) == 1 and deep[0].level == "error"
    # the finding names the lines that were not read, and they are the deep ones only
    assert "not read" in deep[0].message


def test_content_after_an_over_deep_blockquote_is_still_read() -> None:
    text = ("# Deep\n\n" + ">" * 150 + " quoted\n\n## Next\n\n"
            "```bash\nkubectl -n q get pods\n```\n")
    rb = parse_runbook(text)
    assert [s.command for s in rb.steps if s.command] == ["kubectl -n q get pods"]
    assert any("levels deep" in f.message for f in rb.findings)
    assert any(sec.title == "Next" for sec in rb.sections)


# -- inline code that is a pipeline fragment, not a command ------------------------------------

def test_inline_filter_fragments_are_not_steps() -> None:
    # Each of these reads standard input when run alone: as a step it would wait forever.
    text = ("# Logs\n\n1. Pipe the logs through `grep ERROR` to filter.\n"
            "2. Count them with `wc -l`.\n3. Add `sort -k2 -n` and `cut -d: -f1`.\n"
            "4. Then `jq '.items[].metadata.name'` prints the names.\n"
            "5. Search the file: `grep -c ERROR /var/log/app.log`\n"
            "6. Follow it: `tail -f /var/log/app.log`\n")
    assert [s.command for s in _steps(text)] == ["grep -c ERROR /var/log/app.log",
                                                  "tail -f /var/log/app.log"]


def test_imperative_check_before_a_span_is_a_command_whatever_follows() -> None:
    text = ("# Status\n\n1. Check `curl -sf https://status.example.com/health` returns 200.\n"
            "2. Verify that `kubectl -n shop get deploy web` shows 3/3 ready.\n"
            "3. `git push --force` is never allowed here.\n")
    assert [s.command for s in _steps(text)] == [
        "curl -sf https://status.example.com/health", "kubectl -n shop get deploy web"]


# -- blanks inside identifiers, variables with a default ---------------------------------------

def test_filler_blanks_inside_identifiers_are_reported() -> None:
    text = ("# Blanks\n\n```bash\naws ec2 stop-instances --instance-ids i-XXXXXXXX\n```\n\n"
            "```bash\naws rds reboot-db-instance --db-instance-identifier XXX-primary\n```\n\n"
            "```bash\naws sts assume-role --role-arn arn:aws:iam::xxxxxxxxxxxx:role/oncall\n```\n")
    rb = parse_runbook(text)
    blanks = [f for f in lint_runbook(rb) if "blank to fill in" in f.message]
    assert len(blanks) == 3, [f.message for f in lint_runbook(rb)]
    assert "instance_ids" in blanks[0].message


def test_a_variable_with_a_default_is_not_used_before_set() -> None:
    text = ("# Defaults\n\n```bash\naws s3 ls --region ${REGION:-us-east-1}\n```\n\n"
            "```bash\necho ${STAGE-dev} ${ZONE:+--zone $ZONE}\n```\n\n"
            "```bash\nkubectl -n $NAMESPACE_X get pods\n```\n")
    rb = parse_runbook(text)
    unset = [f.message for f in lint_runbook(rb) if "which no step sets" in f.message]
    assert len(unset) == 1 and "$NAMESPACE_X" in unset[0]
    assert rb.steps[0].uses_vars == []


# -- sample output pasted under a command in a shell fence -------------------------------------

def test_output_lines_under_a_command_are_never_part_of_it() -> None:
    cases = {
        "kubectl -n shop rollout restart deploy/cart": "deployment.apps/cart restarted",
        "kubectl -n shop delete pod cart-1": 'pod "cart-1" deleted',
        "kubectl cordon node-4": "node/node-4 cordoned",
        "kubectl apply -f cart.yaml": "service/cart unchanged",
        "git log --oneline -2": "9f3e2ab Revert the cache change\n04c1d7e Add the cache",
        "openssl x509 -in cart.pem -noout -dates":
            "notBefore=Mar  3 10:00:00 2026 GMT\nnotAfter=Jun  1 10:00:00 2026 GMT",
    }
    for command, output in cases.items():
        (step,) = _steps(f"# T\n\n```bash\n{command}\n{output}\n```\n")
        assert step.command == command, (command, step.command)
        assert step.example_output is not None and output.splitlines()[0] in step.example_output


def test_commands_that_resemble_output_still_join() -> None:
    # assignments feeding a command, a sha-like script path and a `svc/name` argument stay commands
    text = ("# T\n\n```bash\nREV=$(git rev-parse HEAD)\nkubectl rollout undo deploy/cart\n"
            "TZ=UTC date +%s\n```\n")
    steps = _steps(text)
    joined = "\n".join(s.command for s in steps)
    assert joined.splitlines() == ["REV=$(git rev-parse HEAD)", "kubectl rollout undo deploy/cart",
                                   "TZ=UTC date +%s"]
    assert not any(s.example_output for s in steps)


# -- variables: `read` with options, and what a sourced file may set ----------------------------

def test_read_with_a_prompt_option_sets_its_variable() -> None:
    text = ('# T\n\n```bash\nread -r -p "Namespace: " NS\n```\n\n'
            '```bash\nread -t 10 -u 3 -a PODS\nkubectl -n "$NS" get events\n```\n')
    rb = parse_runbook(text)
    assert rb.steps[0].sets_vars == ["NS"]
    assert rb.steps[1].sets_vars == ["PODS"]
    assert rb.steps[1].uses_vars == ["NS"]
    assert not [f for f in lint_runbook(rb) if "which no step sets" in f.message]


def test_variables_after_source_or_eval_in_the_same_step_are_not_reported() -> None:
    text = ('# T\n\n```bash\nsource ~/.oncall/env.sh\npsql -h "$DB_HOST" -c "select 1"\n```\n\n'
            '```bash\n. ./creds && eval "$(vault-env)" && curl -u "$U:$P" https://x.example.com\n'
            '```\n\n```bash\necho "$DB_HOST"\n```\n')
    rb = parse_runbook(text)
    assert rb.steps[0].uses_vars == [] and rb.steps[1].uses_vars == []
    # a later step runs in a shell of its own: what the file set is not there
    assert rb.steps[2].uses_vars == ["DB_HOST"]


# -- what the text forbids is never a step; a prompt in inline code is not part of the command ---

def test_commands_the_text_forbids_are_not_steps() -> None:
    text = ("# Don'ts\n\n1. Do **not** run `kubectl delete namespace shop` — it drops the volumes.\n"
            "2. Never run `rm -rf /var/lib/mysql/data` on the primary.\n"
            "3. Avoid `git push --force origin main`.\n"
            "4. Don't use `kubectl drain node-3 --force` before reading the PDBs.\n"
            "5. You must not run `redis-cli -h cache flushall`; it empties every shard.\n"
            "6. Drain it: `kubectl drain node-3 --ignore-daemonsets`\n"
            "7. Do not hesitate to run `kubectl -n shop get events`.\n\n"
            "Never restart the primary with `systemctl restart mysqld`. Instead, run "
            "`systemctl reload mysqld` to pick up the change.\n")
    assert [s.command for s in _steps(text)] == ["kubectl drain node-3 --ignore-daemonsets",
                                                  "kubectl -n shop get events",
                                                  "systemctl reload mysqld"]


def test_a_prompt_written_in_inline_code_is_not_part_of_the_command() -> None:
    text = "# P\n\n1. List them: `$ kubectl -n shop get pods`\n2. Run `$ df -h /var`\n"
    assert [s.command for s in _steps(text)] == ["kubectl -n shop get pods", "df -h /var"]


def test_a_checklist_item_that_forbids_its_command_is_not_a_step() -> None:
    text = ("# C\n\n- [ ] Do not run `kubectl delete pvc data-db-0 -n db` yet\n"
            "- [ ] Scale the writer down: `kubectl -n db scale sts/db --replicas=0`\n")
    assert [s.command for s in _steps(text)] == ["kubectl -n db scale sts/db --replicas=0"]


def test_many_over_deep_parts_stay_linear_and_are_reported() -> None:
    # Work is counted, not timed: every resumption re-reads the rest of the file, so the total
    # text handed to markdown-it must stay within a constant multiple of the file.
    from markdown_it import MarkdownIt

    unit = "".join("  " * d + "- x\n" for d in range(52)) + "\ntext `kubectl get pods -n a`\n\n"
    text = "# D\n\n" + unit * 300
    fed: list[int] = []
    real = MarkdownIt.parse

    def counting(self, src, env=None):  # type: ignore[no-untyped-def]
        fed.append(len(src))
        return real(self, src, env)

    MarkdownIt.parse = counting  # type: ignore[method-assign]
    try:
        rb = parse_runbook(text)
    finally:
        MarkdownIt.parse = real  # type: ignore[method-assign]
    assert sum(fed) <= 6 * len(text)
    msgs = [f.message for f in rb.findings]
    assert any("too many over-deep parts" in m for m in msgs)
    assert 1 <= len(rb.steps) < 300


# -- a command that could not be decoded never runs ---------------------------------------------

def test_a_step_read_with_replacement_characters_is_refused(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tests.unit.incident_fixtures import Clock
    from warroom.config import Config
    from warroom.errors import WarroomError
    from warroom.incident import runbook_ref
    from warroom.incident.store import IncidentStore
    from warroom.runbook.parser import load_runbook

    md = tmp_path / "latin1.md"
    md.write_bytes("# Caf\xe9\n\n1. Restart: `systemctl restart caf\xe9`\n2. List: `ls /tmp`\n"
                   .encode("latin-1"))
    rb = load_runbook(md)
    assert any("not valid UTF-8" in f.message for f in rb.findings)
    monkeypatch.setattr(runbook_ref, "resolve_ref", lambda ref, cfg: md)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="enc", severity="P3", runbook=str(md))
    with pytest.raises(WarroomError, match="not valid UTF-8"):
        inc.prepare_step(1)
    assert inc.prepare_step(2).command == "ls /tmp"


def test_a_command_right_after_an_expected_block_is_still_a_step() -> None:
    text = ("# T\n\n```bash\nkubectl get pods -n shop\n# Expected:\n#   every pod Running\n"
            "kubectl -n shop rollout restart deploy/cart\n```\n")
    steps = _steps(text)
    assert [s.command for s in steps] == ["kubectl get pods -n shop",
                                          "kubectl -n shop rollout restart deploy/cart"]
    assert steps[0].expect == "every pod Running"


def test_a_one_word_expected_output_that_names_a_program_stays_the_expectation() -> None:
    (step,) = _steps("# T\n\n```bash\nredis-cli get feature:on\n# Expected:\ntrue\n```\n")
    assert step.command == "redis-cli get feature:on" and step.expect == "true"


# -- an expectation written as prose right after the fence -------------------------------------

def test_expected_paragraph_after_a_fence_is_that_steps_expectation() -> None:
    text = ("# T\n\n```bash\nsystemctl is-active web\n```\n\nExpected: `active`\n\n"
            "```bash\ncurl -s localhost:9000/ready\n```\n\nExpected output:\n\n```\nready\n```\n\n"
            "1. Ping it:\n\n   ```bash\n   redis-cli -h cache ping\n   ```\n\n"
            "   Expected result: `PONG`\n\n"
            "## Next\n\nExpected: nothing here belongs to a step.\n\n"
            "```bash\nkubectl get nodes\n```\n")
    steps = _steps(text)
    assert [(s.command, s.expect, s.check) for s in steps] == [
        ("systemctl is-active web", "active", "active"),
        ("curl -s localhost:9000/ready", "ready", "ready"),
        ("redis-cli -h cache ping", "PONG", "PONG"),
        ("kubectl get nodes", None, None),
    ]


def test_expected_output_fenced_as_shell_is_output_not_a_step() -> None:
    for body in ("ready", "true", "active", "deployment.apps/web restarted"):
        text = ("# T\n\n```bash\nkubectl get x\n```\n\nExpected output:\n\n```bash\n" + body
                + "\n```\n")
        steps = _steps(text)
        assert [s.command for s in steps] == ["kubectl get x"], body
        assert steps[0].example_output == body
    # a real command after "Expected output:" is still a step
    text = ("# T\n\n```bash\nkubectl get x\n```\n\nExpected output:\n\n```bash\n"
            "kubectl get y -o wide\n```\n")
    assert [s.command for s in _steps(text)] == ["kubectl get x", "kubectl get y -o wide"]


def test_a_trailing_expected_comment_on_the_command_line_is_its_expectation() -> None:
    (step,) = _steps("# T\n\n```bash\nredis-cli -h cache ping   # Expected: PONG\n```\n")
    assert (step.expect, step.check) == ("PONG", "PONG")
    # inside quotes it is the command's own text
    (step,) = _steps("# T\n\n```bash\necho 'a # Expected: b'\n```\n")
    assert step.expect is None


def test_a_prohibition_ending_in_a_colon_forbids_the_span_after_it() -> None:
    text = ("# N\n\n1. This must never be run on the primary: `kubectl delete ns shop`\n"
            "2. If it never recovers: `kubectl -n shop rollout undo deploy/cart`\n"
            "3. Roll back: `kubectl -n shop rollout undo deploy/web`\n")
    assert [s.command for s in _steps(text)] == ["kubectl -n shop rollout undo deploy/cart",
                                                  "kubectl -n shop rollout undo deploy/web"]
