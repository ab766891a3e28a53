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


def test_lint_says_where_an_optional_parameter_can_never_run_empty() -> None:
    """The run refuses an empty value as a command, in arithmetic, outside a PromQL string, or
    inside a word of a step that changes things; lint says so before anyone leaves one empty
    mid-incident, and says nothing where empty runs (a whole word, a read-only step's word)."""
    text = ('+++\nid = "RB-OPT2"\ntitle = "t"\nseverity = "P3"\n'
            + "".join(f"\n[params.{n}]\nrequired = false\n" for n in ("prog", "n", "dir", "label", "word"))
            + "+++\n# t\n\n## Triage\n\n"
            "As root:\n\n```bash\nsudo -n {{ prog }} --version\n```\n\n"
            "Count:\n\n```bash\necho $(( {{ n }} + 1 ))\n```\n\n"
            "Clean:\n\n```bash\nrm -rf /srv/cache/{{ dir }}\n```\n\n"
            "By label:\n\n```promql\nsum by ({{ label }}) (flowengine_flows_total)\n```\n\n"
            "Say:\n\n```bash\necho {{ word }} /srv/cache/{{ dir }}\n```\n")
    book = parse_runbook(text, None)
    said = {(f.message.split(":")[0], f.message.split("'")[1]) for f in book.findings
            if "can never run it empty" in f.message}
    assert said == {("step 1", "prog"), ("step 2", "n"), ("step 3", "dir"), ("step 4", "label")}, book.findings
