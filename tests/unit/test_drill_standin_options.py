"""The one option reader the stand-ins share (``base.parse_args``): getopt rules as the tools apply them."""

from __future__ import annotations

import pytest

from warroom.drill.standins.base import OptionError, flags, parse_args

TABLE = flags("n|namespace= s|silent S|show-error H|header=* dry-run? all-namespaces f:follow")


def test_the_spellings_the_tools_accept() -> None:
    a = parse_args(["-sS", "-nprod", "pods", "-H", "a: 1", "--header=b: 2", "--dry-run", "--all-namespaces=false",
                    "-f", "-", "--", "curl", "-s"], TABLE)
    assert a.pos == ["pods", "-"] and a.rest == ["curl", "-s"]
    assert a.opts == {"silent": True, "show_error": True, "namespace": "prod", "header": ["a: 1", "b: 2"],
                      "dry_run": True, "all_namespaces": False, "follow": True}
    assert parse_args(["-n=x"], TABLE).text("namespace") == "x"
    assert parse_args(["--namespace", "y"], TABLE).text("namespace") == "y"
    assert parse_args(["--dry-run=server"], TABLE).get("dry_run") == "server"
    assert parse_args(["--dry-run=none"], TABLE).get("dry_run") is False


@pytest.mark.parametrize(("argv", "kind", "flag", "token"), [
    (["--bogus=1"], "unknown", "--bogus", "--bogus=1"),
    (["-sZ"], "unknown", "-Z", "-sZ"),
    (["-n"], "needs-value", "-n", "-n"),
    (["--namespace"], "needs-value", "--namespace", "--namespace"),
])
def test_bad_options_say_which_and_how(argv: list[str], kind: str, flag: str, token: str) -> None:
    with pytest.raises(OptionError) as err:
        parse_args(argv, TABLE)
    assert (err.value.kind, err.value.flag, err.value.token) == (kind, flag, token)


def test_click_style_reads_single_dash_words_as_arguments() -> None:
    with pytest.raises(OptionError):
        parse_args(["--", "x"], TABLE, double_dash=False)
    assert parse_args(["-x", "task"], TABLE, short=False).pos == ["-x", "task"]
