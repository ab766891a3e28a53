"""``required = false`` in a runbook's front matter (dash29-1): what the parser keeps and lint says."""

from __future__ import annotations

from warroom.runbook.parser import parse_runbook

HEAD = '+++\nid = "RB-OPT"\ntitle = "t"\nseverity = "P3"\n\n[params.suffix]\nrequired = {}\n+++\n# t\n\n## Triage\n\nSay:\n\n```bash\necho {{{{ suffix }}}}\n```\n'


def test_required_false_makes_a_parameter_optional_and_the_json_says_so() -> None:
    book = parse_runbook(HEAD.format("false"), None)
    assert book.params["suffix"].optional and book.params["suffix"].default == ""
    assert book.to_json()["params"]["suffix"]["optional"] is True
    strict = parse_runbook(HEAD.format("true"), None)
    assert not strict.params["suffix"].optional and strict.to_json()["params"]["suffix"]["optional"] is False
    assert not [f for f in book.findings if f.level == "error"]


def test_required_must_be_a_boolean() -> None:
    """``required = "no"`` was silently a required parameter; lint says what it must be."""
    book = parse_runbook(HEAD.format('"no"'), None)
    assert not book.params["suffix"].optional
    assert any(f.level == "error" and "params.suffix: required must be true or false, not 'no'" in f.message
               for f in book.findings), book.findings
