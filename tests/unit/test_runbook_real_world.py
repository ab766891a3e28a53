"""Runbooks as teams write them (issue 14): commands outside fences, placeholders, shell state,
splitting, false steps, lint on every file, limits. Fixture text here is our own; corpus files are
used by path only (skipped when absent)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS, REPO
from warroom.runbook import blocks, inline_commands, params, placeholders, shellvars
from warroom.syntax import shell
from warroom.runbook.exactness import Score, score
from warroom.runbook.lint import lint_paths, lint_runbook
from warroom.runbook.parser import load_runbook, parse_runbook

RUNBOOKS = CORPUS / "runbooks"
EXPECTED = REPO / "tests" / "fixtures" / "runbooks_expected" / "corpus_commands.json"


def cmds(text: str) -> list[str]:
    return [s.command for s in parse_runbook(text).steps if s.command]


# -- 1. commands wherever teams write them ------------------------------------------------------

def test_inline_commands_in_numbered_and_plain_items_and_paragraphs() -> None:
    text = (
        "# Cache node down\n\n"
        "1. Mark the stale replica: `terraform taint module.cache.aws_instance.node[2]`\n"
        "2. Label it so the sweeper skips it: `kubectl annotate node ip-10-1-2-3 sweep=skip "
        "--overwrite`\n"
        "- Describe the pod `kubectl -n $NAMESPACE describe pod $POD` and read its events.\n\n"
        "When the queue stalls, run `redis-cli -h cache-1 llen jobs` to see the backlog.\n"
    )
    rb = parse_runbook(text)
    assert [(s.command, s.lang) for s in rb.steps] == [
        ("terraform taint module.cache.aws_instance.node[2]", "inline"),
        ("kubectl annotate node ip-10-1-2-3 sweep=skip --overwrite", "inline"),
        ("kubectl -n $NAMESPACE describe pod $POD", "inline"),
        ("redis-cli -h cache-1 llen jobs", "inline"),
    ]
    # the same classification, confirmation and parameters as the command in a fence
    for step in rb.steps:
        fenced = parse_runbook(f"# F\n\n```bash\n{step.command}\n```\n").steps[0]
        assert (step.mutating, step.confirm, step.params) == (fenced.mutating, fenced.confirm,
                                                              fenced.params)
    assert rb.steps[0].mutating and rb.steps[0].confirm and not rb.steps[3].mutating
    assert rb.steps[0].label == "Mark the stale replica"


def test_prose_inline_code_stays_prose() -> None:
    text = ("# Notes\n\n- Jobs end with `status=failed` in `/var/log/jobs.log`.\n"
            "- The `kubectl` binary and `k9s` are on the bastion.\n"
            "- Look for `tail latency` on the board, and `ERROR` lines.\n"
            "- Values: `NAME   READY   STATUS` is the header.\n")
    assert cmds(text) == []


def test_inline_command_with_placeholder_is_parameterised() -> None:
    rb = parse_runbook("# X\n\n1. Check the rollout: `kubectl rollout status deploy/<service>`\n")
    assert rb.steps[0].params == ["service"] and not rb.steps[0].mutating


def test_indented_code_block_with_commands_is_steps_prose_is_not() -> None:
    text = ("# Disk\n\nFree space first:\n\n    df -h /var\n    du -sh /var/log/* | sort -h\n\n"
            "Quoted config:\n\n    max_connections = 100\n    shared_buffers = 1GB\n")
    rb = parse_runbook(text)
    assert [s.command for s in rb.steps] == ["df -h /var\ndu -sh /var/log/* | sort -h"]
    assert rb.steps[0].label == "Free space first"


def test_code_spans_match_markdown_it() -> None:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    for raw in ["a `b` c", "``x ` y``", "no code", "`` `tick` ``", "a \\`not` code`",
                "`open only", "`a`b`c`", "``` `` ```"]:
        toks = md.parseInline(raw)[0].children or []
        want = [t.content for t in toks if t.type == "code_inline"]
        assert inline_commands.code_spans(raw) == want, raw


# -- 2. placeholders ----------------------------------------------------------------------------

def test_dollar_placeholder_is_a_parameter_never_a_substitution() -> None:
    rb = parse_runbook("# T\n\n```bash\naws s3 cp s3://bundles/job_$(job_id).tar .\n```\n")
    step = rb.steps[0]
    assert step.params == ["job_id"]
    out = params.substitute(step.command, {"job_id": "42"})
    assert out == "aws s3 cp s3://bundles/job_42.tar ."
    with pytest.raises(params.ParamError, match="parameter 'job_id' contains a space"):
        params.substitute(step.command, {"job_id": "4 2;x"})
    # with a declared pattern the value may be wider: an argument of aws is plain data
    assert params.substitute(step.command, {"job_id": "4 2;x"}, wide=["job_id"]) == \
        "aws s3 cp s3://bundles/job_'4 2;x'.tar ."
    assert params.param_keys("echo $(hostname) $(date +%s)") == []
    findings = [f.message for f in lint_runbook(rb)]
    assert any("$(job_id) is a placeholder" in m and "{{ job_id }}" in m for m in findings)


def test_ambiguous_dollar_word_is_reported() -> None:
    rb = parse_runbook("# T\n\n```bash\nkubectl logs $(podname) -c app\n```\n")
    assert rb.steps[0].params == ["podname"]
    assert any("could be a command or a placeholder" in f.message for f in lint_runbook(rb))


def test_bracket_and_angle_in_string_placeholders() -> None:
    assert params.param_keys("mysql -h [db-primary-host] -e 'select 1'") == ["db_primary_host"]
    assert params.param_keys("git commit -m \"<summary>\"") == ["summary"]
    # globs, tests and char classes are not placeholders
    assert params.param_keys("ls /tmp/[a-z]* && [[ -d /x ]] && echo ${arr[idx]}") == []
    assert params.param_keys("echo '<b>bold</b>'") == []
    v = params.substitute("grep -c '[user-name]' /etc/passwd", {"user_name": "a'b"},
                          wide=["user_name"])
    assert shell.scan(v).complete and "a'\"'\"'b" in v


def test_filler_blanks_reported_with_a_suggestion() -> None:
    rb = parse_runbook("# T\n\n```bash\nAPI_TOKEN=XXXX\ncurl -H \"Auth: $API_TOKEN\" "
                       "https://api.local/v1\n```\n")
    msgs = [f.message for f in lint_runbook(rb)]
    assert any("'XXXX' looks like a blank" in m and "{{ api_token }}" in m for m in msgs)
    assert placeholders.fillers("# XXX later\nls") == [(2, "XXX")]


# -- 3. shell state across steps ----------------------------------------------------------------

def test_assigned_and_used_variables_recorded() -> None:
    text = ("# Roll back\n\n```bash\n# Find the bad revision\nBAD_REV=$(kubectl rollout history "
            "deploy/api | tail -2 | head -1 | cut -d' ' -f1)\n```\n\n```bash\n# Undo it\n"
            "kubectl rollout undo deploy/api --to-revision=$BAD_REV\n```\n\n"
            "```bash\nexport REGION=eu-west-1\n```\n\n```bash\naws --region \"$REGION\" "
            "ec2 describe-instances\n```\n")
    rb = parse_runbook(text)
    assert [s.sets_vars for s in rb.steps] == [["BAD_REV"], [], ["REGION"], []]
    assert [s.uses_vars for s in rb.steps] == [[], ["BAD_REV"], [], ["REGION"]]
    assert rb.steps[1].to_json()["uses_vars"] == ["BAD_REV"]
    assert not [f for f in lint_runbook(rb) if "which no step sets" in f.message]


def test_variable_used_before_set_is_linted() -> None:
    rb = parse_runbook("# T\n\n```bash\necho $LATER\n```\n\n```bash\nLATER=1\n```\n\n"
                       "```bash\necho $NEVER '$QUOTED' $HOME\n```\n")
    msgs = [f.message for f in lint_runbook(rb)]
    assert any("uses $LATER, which only the later step 2 sets" in m for m in msgs)
    assert any("uses $NEVER, which no step sets" in m for m in msgs)
    assert not any("QUOTED" in m or "HOME" in m for m in msgs)


def test_shellvars_reads_loops_reads_and_quotes() -> None:
    c = "for h in a b; do ssh $h uptime; done; read -r ANSWER; awk '{print $2}' f; echo ${ANSWER}"
    assert shellvars.assigned(c) == ["h", "ANSWER"]
    assert shellvars.used(c) == []


# -- 4. splitting and expectations ------------------------------------------------------------

def test_list_item_fence_splits_like_top_level() -> None:
    text = ("# Drain\n\n1. Drain and clean up:\n\n   ```bash\n   kubectl drain node-7 "
            "--ignore-daemonsets | tee /tmp/drain.log\n\n   kubectl delete pod stuck-0 -n jobs\n"
            "   ```\n")
    rb = parse_runbook(text)
    assert [s.command for s in rb.steps] == [
        "kubectl drain node-7 --ignore-daemonsets | tee /tmp/drain.log",
        "kubectl delete pod stuck-0 -n jobs"]
    assert rb.steps[0].label == "Drain and clean up" and rb.steps[1].depth == 0


def test_check_that_gates_a_change_stays_its_own_step() -> None:
    text = ("# Rollback\n\n```bash\nkubectl get deploy api -o jsonpath='{.spec.template.spec."
            "containers[0].image}'\nkubectl rollout undo deploy/api\n```\n")
    rb = parse_runbook(text)
    assert [(s.command, s.confirm) for s in rb.steps] == [
        ("kubectl get deploy api -o jsonpath='{.spec.template.spec.containers[0].image}'", False),
        ("kubectl rollout undo deploy/api", True)]
    # but a directory change is state the next line needs: kept together
    rb2 = parse_runbook("# T\n\n```bash\ncd /srv/app\nmake deploy\n```\n")
    assert len(rb2.steps) == 1


def test_comment_after_a_command_starts_the_next_step() -> None:
    rb = parse_runbook("# T\n\n```bash\n# look\nsystemctl status nginx\n# restart\n"
                       "systemctl restart nginx\n```\n")
    assert [(s.label, s.command) for s in rb.steps] == [
        ("look", "systemctl status nginx"), ("restart", "systemctl restart nginx")]


def test_expected_attaches_across_a_blank_line() -> None:
    rb = parse_runbook("# T\n\n```bash\n# Retry the job\njobctl retry 7 --prune\n\n"
                       "# Expected: \"queued\"\n```\n")
    assert rb.steps[0].expect == "\"queued\"" and rb.steps[0].check == "queued"


# -- 5. no false steps --------------------------------------------------------------------------

def test_result_tables_flag_help_and_column_output_are_not_steps() -> None:
    text = ("# T\n\n```sql\n| HOST | count(*) |\n|------|----------|\n| a    | 3 |\n```\n\n"
            "```bash\n+------+----------+\n| HOST | count(*) |\n+------+----------+\n```\n\n"
            "```bash\n  -f, --force      delete without asking\n  --dry-run        only "
            "print\n  purge    Remove everything\n```\n\n"
            "```bash\nNAME        READY   STATUS    RESTARTS\nweb-1       1/1     Running   0\n```\n")
    rb = parse_runbook(text)
    assert rb.steps == []


# -- 6. lint on every file ----------------------------------------------------------------------

def test_lint_without_front_matter_and_blockquoted_fence(tmp_path: Path) -> None:
    f = tmp_path / "plain.md"
    f.write_text("# Plain\n\n> ```bash\n> kubectl get pods\n> ```\n\n"
                 "- Restart with `systemctl restart api` if needed.\n\n"
                 "```bash\nNAME   READY   STATUS\nweb    1/1     Running\n```\n")
    msgs = [f.message for f in lint_paths([f])]
    assert not any("never closed" in m for m in msgs)
    assert any("written in inline code" in m for m in msgs)
    assert any("holds no command" in m for m in msgs)


def test_lint_exit_codes(tmp_path: Path, capsys) -> None:
    from tui.cli import main

    assert main(["runbooks", "lint", str(tmp_path / "missing.md")]) == 2
    capsys.readouterr()


@pytest.mark.skipif(not RUNBOOKS.is_dir(), reason="corpus not present")
def test_lint_helps_on_corpus_files_without_front_matter() -> None:
    for rel in ("openshift-runbooks/alerts/cluster-dns-operator/CoreDNSErrorsHigh.md",
                "kubernetes-mixin/runbook.md",
                "gitlab-com-runbooks/docs/ci-runners/ci_constantnumberoflongrunningrepeatedjobs.md"):
        rb = load_runbook(RUNBOOKS / rel)
        assert rb.front_matter is None
        assert lint_runbook(rb), rel


# -- 7. limits ----------------------------------------------------------------------------------

def test_long_heredoc_is_never_truncated() -> None:
    body = "\n".join(f"line {i} = {i}" for i in range(1500))
    text = f"# T\n\n```bash\ncat <<'EOF' > /tmp/conf\n{body}\n\nafter blank\nEOF\necho done\n```\n"
    [step] = parse_runbook(text).steps
    assert step.command.count("\n") == 1500 + 4 and step.command.endswith("EOF\necho done")


def test_deep_nesting_is_reported_not_dropped_silently() -> None:
    text = "# T\n\n" + "".join("  " * i + "- level\n" for i in range(80)) + "  " * 80 + "- `x`\n"
    rb = parse_runbook(text)
    assert any("nests more than" in f.message for f in rb.findings)


def test_fifo_and_device_are_clear_errors_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    done: list[object] = []
    t = threading.Thread(target=lambda: done.append(lint_paths([fifo, Path("/dev/zero")])),
                         daemon=True)
    t.start()
    t.join(30)
    assert done, "lint hung on a FIFO or device"
    msgs = [f.message for f in done[0]]  # type: ignore[attr-defined]
    assert any("a FIFO" in m for m in msgs) and any("a device" in m for m in msgs)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_oversize_file_show_exits_non_zero(tmp_path: Path, capsys) -> None:
    from tui.cli import main

    big = tmp_path / "big.md"
    with open(big, "wb") as fh:
        fh.truncate(5 * 1024 * 1024)
    assert main(["runbooks", "show", str(big)]) == 2
    assert "too large" in capsys.readouterr().err


def test_split_work_is_linear_in_block_size() -> None:
    """Operations, not seconds: splitting a block scans each line a bounded number of times."""
    calls = {"chars": 0}
    real = shell._Scanner.__init__

    def counting(self, text: str) -> None:  # type: ignore[no-untyped-def]
        calls["chars"] += len(text)
        real(self, text)

    shell.scan.cache_clear()
    shell._Scanner.__init__ = counting  # type: ignore[method-assign]
    try:
        def work(n: int) -> int:
            calls["chars"] = 0
            shell.scan.cache_clear()
            lines = [f"kubectl get pods -n ns{i} | grep -v Running" for i in range(n)]
            lines += ["cat <<EOF > /tmp/x"] + [f"k{i} = {i}" for i in range(n)] + ["EOF"]
            blocks.split_shell(lines, "bash")
            return calls["chars"]

        small, big = work(200), work(1600)
    finally:
        shell._Scanner.__init__ = real  # type: ignore[method-assign]
        shell.scan.cache_clear()
    assert big <= small * 8 * 1.5  # 8x the lines: at most ~8x the scanning, never 64x


# -- exactness on the corpus --------------------------------------------------------------------

@pytest.mark.skipif(not RUNBOOKS.is_dir(), reason="corpus not present")
def test_corpus_exactness_against_the_hand_list() -> None:
    expected = json.loads(EXPECTED.read_text())["files"]
    assert len(expected) >= 8
    total = Score()
    for rel, exp in expected.items():
        path = RUNBOOKS / rel
        if not path.exists():
            continue
        total.add(score(exp, [s.command for s in load_runbook(path).steps if s.command]))
    assert total.missed == 0 and total.false <= 2
    assert total.exact >= 0.85 * total.expected


def test_exactness_scoring_rules() -> None:
    s = score(["ls -l", "kubectl get pods", "df -h"], ["ls -l  # list", "kubectl get pods\n"
                                                        "kubectl delete pod x", "rm -rf /tmp/y"])
    assert (s.exact, s.mangled, s.missed, s.false) == (1, 1, 1, 1)


# -- never raise, never hang --------------------------------------------------------------------

_MD_BITS = st.sampled_from(["# h\n", "- ", "1. ", "- [ ] ", "> ", "```bash\n", "```\n", "    ",
                            "`kubectl get x`", "$(task_id)", "[a-b]", "<x y>", "XXX", "cat <<EOF\n",
                            "EOF\n", "\n", "| a | b |\n", "|---|---|\n", "$ ", "# Expected: x\n",
                            "'", "\"", "\\\n", "{{ p }}", "export A=1\n", "echo $A\n"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_MD_BITS, st.text(max_size=20)), max_size=40))
def test_show_and_lint_never_raise(parts: list[str]) -> None:
    text = "".join(parts)
    rb = parse_runbook(text)
    json.dumps(rb.to_json())
    lint_runbook(rb)


def test_show_on_a_fifo_is_a_clear_error(tmp_path: Path, capsys) -> None:
    from tui.cli import main

    fifo = tmp_path / "named.md"
    os.mkfifo(fifo)
    assert main(["runbooks", "show", str(fifo)]) == 2
    assert "a FIFO" in capsys.readouterr().err


def test_command_written_on_the_fence_line() -> None:
    rb = parse_runbook("# T\n\n```systemctl status nginx --no-pager\n```\n\n```yaml title=x\na: 1\n```\n")
    assert [s.command for s in rb.steps] == ["systemctl status nginx --no-pager"]
    assert rb.steps[0].line == 3
    assert any("fence line itself" in f.message for f in rb.findings)


def test_a_command_named_in_prose_is_not_a_step() -> None:
    text = ("# T\n\nThe `kubectl drain node-1` command evicts pods. Unlike `helm rollback web 3`, "
            "a revert is slow. With the tunnel above `ssh -L 8080:db:5432 bastion`, use psql.\n\n"
            "Then run `kubectl uncordon node-1` to finish.\n")
    assert cmds(text) == ["kubectl uncordon node-1"]


def test_whole_parse_work_is_linear_in_file_size() -> None:
    """Operations, not seconds: scanner characters and verdicts grow with the file, x4 for x4."""
    from bench.runbooks import synthetic
    from warroom.runbook import blocks as blocks_mod

    counts = {"chars": 0, "verdicts": 0}
    real_init = shell._Scanner.__init__
    real_verdict = blocks_mod._classification.__wrapped__

    def counting(self, text: str) -> None:  # type: ignore[no-untyped-def]
        counts["chars"] += len(text)
        real_init(self, text)

    def measure(size: int) -> tuple[int, int]:
        counts.update(chars=0, verdicts=0)
        shell.scan.cache_clear()
        blocks_mod._classification.cache_clear()
        rb = parse_runbook(synthetic(size))
        counts["verdicts"] = blocks_mod._classification.cache_info().misses
        assert rb.steps
        return counts["chars"], counts["verdicts"]

    shell._Scanner.__init__ = counting  # type: ignore[method-assign]
    try:
        small, big = measure(24 * 1024), measure(96 * 1024)
    finally:
        shell._Scanner.__init__ = real_init  # type: ignore[method-assign]
        shell.scan.cache_clear()
    assert real_verdict is not None
    assert big[0] <= small[0] * 4 * 1.25 and big[1] <= small[1] * 4 * 1.25


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    from warroom.runbook.parser import parse_bytes

    rb = parse_bytes(data)
    json.dumps(rb.to_json())
    lint_runbook(rb)


def test_repl_prompts_and_tables_in_any_fence_are_not_steps() -> None:
    text = ("# T\n\n```bash\nmysql> SELECT host, count(*) FROM processlist GROUP BY host;\n"
            "+------+----------+\n| host | count(*) |\n+------+----------+\n```\n\n"
            "```promql\n| instance | value |\n|---|---|\n| a | 1 |\n```\n\n"
            "```bash\nsudo gitlab-psql\ngitlabhq_production=# select count(*) from users;\n```\n\n"
            "```bash\nredis-cli -h cache-2 info memory\n```\n")
    assert cmds(text) == ["sudo gitlab-psql", "redis-cli -h cache-2 info memory"]


def test_logfmt_log_lines_are_output_not_assignments() -> None:
    text = ("# T\n\n```bash\nlevel=error ts=2024-05-01T10:00:00Z msg=\"dial tcp: refused\" "
            "caller=pool.go:88\nlevel=warn ts=x msg=retrying\n```\n\n"
            "```bash\nNS=prod POD=web-1\nkubectl -n $NS delete pod $POD\n```\n")
    assert cmds(text) == ["NS=prod POD=web-1\nkubectl -n $NS delete pod $POD"]
