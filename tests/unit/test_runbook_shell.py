"""The shell scanner behind step splitting, parameter quoting and classification."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.syntax import shell


@pytest.mark.parametrize(("text", "problem"), [
    ("kubectl get pods", None),
    ("echo 'a\nb'", None),
    ("echo 'open", "unterminated single quote"),
    ('psql -c "SELECT', "unterminated double quote"),
    ("kubectl get pods \\", "ends with a line continuation"),
    ("kubectl get pods |", "ends with '|'"),
    ("make &&", "ends with '&&'"),
    ("cat <<EOF\nx\nEOF", None),
    ("cat <<EOF\nx", "heredoc without its closing 'EOF' line"),
    ("cat <<-'END'\n\tx\n\tEND", None),
    ("for i in 1 2; do\necho $i", "unclosed 'do' block"),
    ("for i in 1 2; do echo $i; done", None),
    ("while true; do sleep 1; done", None),
    ("if [ -f x ]; then\necho y", "unclosed 'if' block"),
    ("if [ -f x ]; then echo y; fi", None),
    ("case $x in a) ls;; b|c) pwd;; esac", None),
    ("f() {\n  echo hi\n}", None),
    ("( cd /tmp && ls", "unclosed '(' block"),
    ("echo $(date", "unterminated $( ... )"),
    ("echo `date", "unterminated backtick"),
    ("echo ${HOME", "unterminated ${ ... }"),
    ("echo $((1 + 2))", None),
    ("echo done # if", None),
    ("echo \"a # not a comment\"", None),
])
def test_completeness(text: str, problem: str | None) -> None:
    r = shell.scan(text)
    assert r.problem() == problem
    assert r.complete is (problem is None)


def test_simple_commands_include_substitutions_and_heredocs() -> None:
    r = shell.scan('X=$(kubectl get po | head -1) && psql <<EOF\nSELECT 1;\nEOF\necho "`id`"')
    argvs = [c.argv for c in r.commands]
    assert ["kubectl", "get", "po"] in argvs and ["head", "-1"] in argvs and ["id"] in argvs
    psql = next(c for c in r.commands if c.argv[:1] == ["psql"])
    assert psql.heredocs == ["SELECT 1;\n"]
    assert psql.redirects == [("<<", "EOF")]


def test_contexts() -> None:
    text = "a 'b' \"c $(d) ${e}\" # f"
    ctx = shell.scan(text).contexts
    at = {ch: ctx[text.index(ch)] for ch in "abcdef"}
    assert at == {"a": shell.PLAIN, "b": shell.SINGLE, "c": shell.DOUBLE, "d": shell.PLAIN,
                  "e": shell.DOUBLE, "f": shell.COMMENT}
    body = "cat <<EOF\nx\nEOF\ncat <<'E'\ny\nE"
    ctx = shell.scan(body).contexts
    assert ctx[body.index("x")] == shell.HEREDOC and ctx[body.index("y")] == shell.HEREDOC_LITERAL


SHELLISH = st.lists(st.sampled_from(list("`$()'\"\\{}<>|&;# \n\tabEOF=-!*[]~") + [
    "<<EOF", "$(", "${", "do", "done", "if", "fi", "case", "esac", " in ", "$((", "<(", "2>&1"]),
    max_size=60).map("".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=SHELLISH)
def test_scan_never_raises_or_hangs(text: str) -> None:
    r = shell.scan(text)
    assert len(r.contexts) == len(text)
    r.problem()


def test_absurd_nesting_is_bounded() -> None:
    r = shell.scan("echo " + "$(" * 5000)
    assert not r.complete
