"""The one option reader the stand-ins share (``base.parse_args``): getopt rules as the tools apply them."""

from __future__ import annotations

import pytest

from warroom.drill.standins.base import Args, ToolError, flags, parse_args

TABLE = flags("n|namespace= s|silent S|show-error H|header=* dry-run? all-namespaces f:follow")
WORDS = {"unknown": "unknown {flag} in {token}", "unknown-short": "unknown -{letter} in {token}",
         "needs-value": "{flag} needs a value"}


def parse(argv: list[str], **kw: bool) -> Args:
    return parse_args(argv, TABLE, words=WORDS, **kw)


def test_the_spellings_the_tools_accept() -> None:
    a = parse(["-sS", "-nprod", "pods", "-H", "a: 1", "--header=b: 2", "--dry-run", "--all-namespaces=false",
               "-f", "-", "--", "curl", "-s"])
    assert a.pos == ["pods", "-"] and a.rest == ["curl", "-s"]
    assert a.opts == {"silent": True, "show_error": True, "namespace": "prod", "header": ["a: 1", "b: 2"],
                      "dry_run": True, "all_namespaces": False, "follow": True}
    assert parse(["-n=x"]).text("namespace") == "x"
    assert parse(["--namespace", "y"]).text("namespace") == "y"
    assert parse(["--dry-run=server"]).get("dry_run") == "server"
    assert parse(["--dry-run=none"]).get("dry_run") is False


@pytest.mark.parametrize(("argv", "message"), [
    (["--bogus=1"], "unknown --bogus in --bogus=1"),
    (["-sZ"], "unknown -Z in -sZ"),
    (["-n"], "-n needs a value"),                       # no "needs-value-short": the "needs-value" words
    (["--namespace"], "--namespace needs a value"),
])
def test_bad_options_are_worded_by_the_tool(argv: list[str], message: str) -> None:
    with pytest.raises(ToolError) as err:
        parse_args(argv, TABLE, words=WORDS, code=2)
    assert (str(err.value), err.value.code) == (message, 2)


def test_click_style_reads_single_dash_words_as_arguments() -> None:
    with pytest.raises(ToolError):
        parse(["--", "x"], double_dash=False)
    assert parse(["-x", "task"], short=False).pos == ["-x", "task"]
