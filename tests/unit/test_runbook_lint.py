"""Lint and the runbooks CLI on bad input: one clear `file:line: level: message`, never a traceback."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import subprocess_env, warroom_cmd
from tui.cli import main
from warroom.runbook.lint import lint_paths
from warroom.runbook.parser import parse_bytes, parse_runbook

GOOD = textwrap.dedent('''\
    +++
    id = "RB-T-001"
    title = "Good"
    severity = "P3"
    [params.namespace]
    default = "production"
    +++

    # Good

    ## Mitigation

    ```bash
    # Restart the deployment
    kubectl rollout restart deployment/web -n {{ namespace }}
    # Expected: restarted
    ```
    ''')


def write(d: Path, name: str, text: str | bytes) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_runbook_lints_clean(tmp_path: Path, capsys) -> None:
    write(tmp_path, "good.md", GOOD)
    assert run(capsys, "runbooks", "lint", str(tmp_path)) == (0, "", "")


BAD = {
    "malformed TOML front matter": (
        '+++\nid = "RB-X"\ntitle = "x\nseverity = "P2"\n+++\n# T\n',
        "{f}:3: error: malformed TOML front matter: a string is not closed on its line "
        "(missing closing quote?)"),
    "malformed YAML front matter": (
        "---\ntitle: [unclosed\nweight: 2\n---\n# T\n",
        "{f}:2: error: malformed YAML front matter: while parsing a flow sequence: expected "
        "',' or ']', but got ':' (on line 3)"),
    "front matter never closed": (
        '+++\nid = "RB-X"\n# T\n',
        "{f}:1: error: TOML front matter opened with '+++' on line 1 is never closed"),
    "unterminated fence": (
        GOOD + "\n```bash\nkubectl get pods\n",
        "{f}:19: error: code fence ``` opened on line 19 is never closed (everything after it "
        "is read as code)"),
    "unknown fence attribute": (
        GOOD.replace("```bash\n", '```bash {name="restart" confrim=true}\n'),
        "{f}:13: warning: unknown fence attribute 'confrim' (did you mean 'confirm'?)"),
    "bad attribute value": (
        GOOD.replace("```bash\n", '```bash {timeout="soon"}\n'),
        "{f}:13: error: fence attribute timeout: not a duration: 'soon' (use e.g. 30s, 5m, "
        "1h30m)"),
    "undeclared param": (
        GOOD.replace("deployment/web", "deployment/{{ deployment }}"),
        "{f}:15: warning: parameter {{ deployment }} is not declared in the front matter (add "
        "[params.deployment])"),
    "unused param": (
        GOOD.replace("{{ namespace }}", "prod"),
        "{f}:5: warning: parameter 'namespace' is declared but no step uses it"),
    "bad severity": (
        GOOD.replace('"P3"', '"high"'),
        "{f}:4: error: severity 'high' is not one of P1, P2, P3, P4"),
    "missing id": (
        GOOD.replace('id = "RB-T-001"\n', ""),
        "{f}:1: warning: front matter has no id"),
    "misspelt key": (
        GOOD.replace('severity = "P3"', 'severity = "P3"\nmttr_targt = "5m"'),
        "{f}:5: warning: unknown front-matter key 'mttr_targt': did you mean 'mttr_target'?"),
    "bad pattern": (
        GOOD.replace('default = "production"', 'default = "production"\npattern = "["'),
        "{f}:7: error: params.namespace: invalid pattern '[': unterminated character set at "
        "position 0"),
    "bad native step": (
        GOOD + "\n```warroom\n# Scale\nscale deployment/web\n```\n",
        "{f}:21: error: native k8s step: scale needs replicas=N"),
    "step without label": (
        GOOD.replace("# Restart the deployment\n", ""),
        "{f}:14: warning: step 1 has no label (add a comment line above the command)"),
    "incomplete command": (
        GOOD.replace("-n {{ namespace }}", '-n "{{ namespace }}'),
        "{f}:15: warning: step 1 (Restart the deployment): command is incomplete: unterminated "
        "double quote"),
    "binary": (b"\x00\x01\x02\x03 binary", "{f}:1: error: not a text file (binary content); skipped"),
    "not utf-8": (b"# caf\xe9\n", "{f}:1: error: not valid UTF-8 (byte 0xe9 at offset 5); read "
                  "with replacement characters"),
    "empty": ("", "{f}:1: error: file is empty"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_bad_input_gives_one_clear_message(case: str, tmp_path: Path, capsys) -> None:
    text, expected = BAD[case]
    f = write(tmp_path, "rb.md", text)
    code, out, err = run(capsys, "runbooks", "lint", str(f))
    assert code == 1
    assert out.splitlines() == [expected.replace("{f}", str(f))]
    assert "Traceback" not in err


def test_missing_path_and_empty_directory(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    code, out, _ = run(capsys, "runbooks", "lint", str(tmp_path / "nope"), str(tmp_path / "empty"))
    assert code == 2  # an input that cannot be read at all
    assert out.splitlines() == [f"{tmp_path}/nope: error: no such file or directory",
                                f"{tmp_path}/empty: warning: no runbooks (*.md) in this directory"]


def test_duplicate_ids_across_directories(tmp_path: Path, capsys) -> None:
    a = write(tmp_path, "a/one.md", GOOD)
    b = write(tmp_path, "b/two.md", GOOD)
    code, out, _ = run(capsys, "runbooks", "lint", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 1
    assert out.splitlines() == [f"{b}:2: error: duplicate runbook id 'RB-T-001': already defined "
                                f"in {a}:2"]
    code, out, err = run(capsys, "runbooks", "list", "--dir", str(tmp_path / "a"), "--dir",
                         str(tmp_path / "b"))
    assert code == 0
    assert f"warroom: {b}:2: error: duplicate runbook id 'RB-T-001': already defined in {a}:2; " \
           "this file is ignored (use its path to open it)" in err.splitlines()
    assert sum(1 for ln in out.splitlines() if ln.startswith("RB-T-001")) == 1


def test_list_with_a_directory_that_does_not_exist(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "runbooks", "list", "--dir", str(tmp_path / "nope"))
    assert code == 2
    assert err == f"warroom: {tmp_path}/nope: runbook directory does not exist (--dir)\n"


def test_configured_directory_that_does_not_exist(tmp_path: Path, capsys) -> None:
    cfg = write(tmp_path, "c.toml", f'[runbooks]\ndirs = ["{tmp_path}/gone"]\n')
    code, out, err = run(capsys, "--config", str(cfg), "runbooks", "list")
    assert code == 0
    assert f"warroom: {tmp_path}/gone: error: runbook directory does not exist" in err


def test_junk_directory_never_crashes(tmp_path: Path, capsys) -> None:
    write(tmp_path, "junk/a.md", b"\xff\xfe\x00\x00" * 100)
    write(tmp_path, "junk/b.md", b"```" * 1000)
    write(tmp_path, "junk/c.md", "+++\n+++\n+++\n")
    write(tmp_path, "junk/d.md", "---\n- a\n- b\n---\n")
    write(tmp_path, "junk/e.md", "> " * 500 + "x\n" + "- " * 500 + "\n")
    write(tmp_path, "junk/sub/f.markdown", "```bash {" + "a=" * 200 + "\n")
    write(tmp_path, "junk/not-markdown.bin", b"\x00" * 10)
    (tmp_path / "junk" / "loop").symlink_to(tmp_path / "junk")
    code, out, err = run(capsys, "runbooks", "lint", str(tmp_path / "junk"))
    assert code == 1
    assert "Traceback" not in out + err
    files = {ln.split(":", 1)[0] for ln in out.splitlines()}
    assert files == {str(tmp_path / "junk" / n) for n in ("a.md", "b.md", "c.md", "d.md", "e.md",
                                                          "sub/f.markdown")}


def test_huge_file_is_refused_not_read(tmp_path: Path) -> None:
    f = tmp_path / "huge.md"
    with open(f, "wb") as fh:
        fh.truncate(5 * 1024 * 1024)
    [finding] = lint_paths([f])
    assert "too large for a runbook" in finding.message


def test_show_text_and_json(tmp_path: Path, capsys) -> None:
    f = write(tmp_path, "good.md", GOOD)
    code, out, _ = run(capsys, "runbooks", "show", str(f), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "RB-T-001"
    assert data["steps"][0]["command"] == "kubectl rollout restart deployment/web -n {{ namespace }}"
    assert data["steps"][0]["mutating"] is True
    code, out, _ = run(capsys, "runbooks", "show", "RB-T-001", "--dir", str(tmp_path))
    assert code == 0
    assert "RB-T-001: Good" in out and "1. Restart the deployment  ($, mutating)" in out
    code, _, err = run(capsys, "runbooks", "show", "RB-T-01", "--dir", str(tmp_path))
    assert code == 4
    assert err == "warroom: no runbook 'RB-T-01'; did you mean RB-T-001?\n"


def test_list_table(tmp_path: Path, capsys) -> None:
    write(tmp_path, "good.md", GOOD)
    code, out, _ = run(capsys, "runbooks", "list", "--dir", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SEV", "STEPS", "TITLE", "STEPS", "PER", "PHASE"]
    row = next(ln for ln in lines if ln.startswith("RB-T-001"))
    assert row.split() == ["RB-T-001", "P3", "1", "Good", "mitigate", "1"]


def test_cli_subprocess_has_no_traceback(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", b"+++\n\xff\n+++\n```bash {x=\n")
    proc = subprocess.run([*warroom_cmd(), "runbooks", "lint", str(tmp_path)], capture_output=True,
                          text=True, env=subprocess_env(), timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith(f"{tmp_path}/bad.md:")


# -- property tests: nothing raises, whatever the input --------------------------------------

MARKDOWNISH = st.lists(st.sampled_from([
    "+++", "---", "```", "```bash", "```console", "```promql", "```warroom", "```bash {name=x",
    '```sh {timeout="1m" confirm=maybe}', "~~~", "# H", "## Mitigation", "- [ ] ", "* [x] ",
    "1. [ ] ", "    ", "  - [ ] `kubectl get pods`", "$ ", "# ", "> ", "\\", "'", '"', "`",
    "$(", ")", "{{ x }}", "<y z>", "<<EOF", "EOF", "if true; then", "fi", "for i in a; do",
    "done", "{", "}", "(", "kubectl delete pod x", "psql -c \"", "# Expected: ok", "# Output:",
    "id = 1", 'id = "A"', "[params.x]", "pattern = \"[\"", "title: [", "\n", "\t", "\x00",
    "\ufeff", "é", "scale deployment/x replicas=", "rollout undo deployment/{{ d }}",
]), max_size=40).map("\n".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=400), MARKDOWNISH))
def test_parser_never_raises_on_text(text: str) -> None:
    rb = parse_runbook(text)
    json.dumps(rb.to_json())
    for f in rb.findings:
        str(f)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400), MARKDOWNISH.map(lambda s: s.encode("utf-8",
                                                                                    "replace"))))
def test_parser_never_raises_on_bytes(data: bytes) -> None:
    json.dumps(parse_bytes(data).to_json())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(st.sampled_from(["a.md", "b.md", "s/c.md", "d.markdown"]),
                                st.one_of(st.binary(max_size=200),
                                          MARKDOWNISH.map(str.encode))), max_size=4))
def test_lint_never_raises_on_a_directory(tmp_path_factory, files) -> None:
    d = tmp_path_factory.mktemp("lint")
    for name, data in files:
        write(d, name, data)
    for f in lint_paths([d, d / "missing"]):
        str(f)
