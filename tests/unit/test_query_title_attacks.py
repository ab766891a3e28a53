"""A runbook is untrusted input (shared repos, the public corpus): a named query's title is what
the commander reads as the gate's measure in the header, the step pane, ``runbooks show``,
``incident show``, the brief and the PIR. These titles passed lint and were shown (red25):

* bidi overrides and zero-width characters (the sanitiser's control rule stopped at C0/C1): the
  header showed ``Quota ⟨U+202E⟩esrever``, and ``Quo\\u200bta`` read as ``Quota`` while being
  another string;
* a title that reads as a reading: ``0% held 2:00/2:00 ·`` made the 80-column gate line say
  ``step 6 · 0% held 2:00/2:00 · 12.3% · …`` — a held gate, to a glance — before the real value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from panes.header import gate_text
from tui.view import gate_view
from warroom.runbook.lint import lint_paths
from warroom.runbook.parser import parse_runbook

RUNBOOK = """+++
id = "RB-TEST-TITLE"
title = "Untrusted titles"
severity = "P3"

[queries.q]
title = "{title}"
promql = "100 * max(flowengine_model_quota_used_ratio)"
unit = "percent"
+++

# Untrusted

## Mitigation

```bash {{name="s" mutating=false verify="q < 10 for 2m within 10m"}}
# The step
echo x
```
"""

REFUSED = {
    "right-to-left override": ("Quota \\u202eesrever", "U+202E"),
    "zero-width space": ("Quo\\u200bta", "U+200B"),
    "word joiner and soft hyphen": ("Quo\\u2060ta\\u00ad used", "U+2060, U+00AD"),
    "a blank letter": ("Quota\\u3164used", "U+3164"),
    "only a blank pattern": ("\\u2800", "U+2800"),
    "a percentage and a hold": ("0% held 2:00/2:00", "'0%'"),
    "a clock": ("Quota 2:00 held", "'2:00'"),
    "the line's separator": ("Quota · needs", "'·'"),
    # a Go/No-Go criterion says 'Title: 7 >= 5 is true' (criteria name [queries] since stop 26)
    "a criterion's truth": ("Repositories failing: 0 is false; Repositories", "'is false'"),
    "a criterion's truth, capitalised": ("Quota IS TRUE", "'IS TRUE'"),
    "a comparison drawn without ASCII": ("Repositories failing ≥ 5", "'≥'"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_title_that_hides_characters_or_reads_as_a_reading_is_refused(tmp_path: Path, case: str) -> None:
    title, said = REFUSED[case]
    text = RUNBOOK.format(title=title)
    path = tmp_path / "rb.md"
    path.write_text(text)
    title_line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("title = \"") and n > 4)
    found = [str(f) for f in lint_paths([path])]
    assert any(f.startswith(f"{path}:{title_line}: error: queries.q: title holds ") and said in f
               for f in found), found
    # refused, as a title with control characters is: no surface reads the gate in these words
    assert parse_runbook(text).queries == {}


def test_the_header_never_shows_a_refused_title_and_a_plain_one_still_reads() -> None:
    at = datetime(2026, 12, 2, 14, 22, 10, tzinfo=UTC).timestamp()
    spoof = parse_runbook(RUNBOOK.format(title="0% held 2:00/2:00 ·"))
    line = gate_text(gate_view(6, "q < 10 for 2m within 10m", "pending", 12.3, 492.0, None, hold=120.0,
                               now=at, queries=spoof.queries), at, 78).plain
    assert "held 2:00/2:00" not in line, line
    plain = parse_runbook(RUNBOOK.format(title="429 share (worst provider)"))
    assert list(plain.queries) == ["q"]
    line = gate_text(gate_view(6, "q < 10 for 2m within 10m", "pending", 12.3, 492.0, None, hold=120.0,
                               now=at, queries=plain.queries), at, 78).plain
    assert "429 share (worst provider) 12.3%" in line, line


PARAMETERS = {
    "braces in a label value": 'max(flowengine_model_quota_used_ratio{provider=\\"{{ provider }}\\"})',
    "a negated label": '100 * max(flowengine_model_quota_used_ratio{provider!=\\"{{ provider }}\\"})',
    "an angle placeholder": 'sum(rate(flowengine_flow_failures_total{repo=~\\"<repo name>\\"}[5m]))',
}


@pytest.mark.parametrize("case", sorted(PARAMETERS))
def test_a_named_query_whose_promql_holds_a_parameter_is_refused(tmp_path: Path, case: str) -> None:
    """It parsed as PromQL and was watched as written: ``provider="{{ provider }}"`` matches no
    series (the gate could only fail, for no data), ``!=`` matches them all. A gate's query is
    never filled with a run's parameters, so lint says so and the query is refused."""
    text = RUNBOOK.format(title="Worst provider quota").replace(
        'promql = "100 * max(flowengine_model_quota_used_ratio)"', f'promql = "{PARAMETERS[case]}"')
    path = tmp_path / "rb.md"
    path.write_text(text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("promql = "))
    found = [str(f) for f in lint_paths([path])]
    assert any(f.startswith(f"{path}:{line}: error: queries.q: promql holds the parameter ") for f in found), found
    assert parse_runbook(text).queries == {}


def test_a_gate_on_bare_promql_holding_a_parameter_is_an_error(tmp_path: Path) -> None:
    """Older runbooks write the PromQL in the gate itself: it is not filled in either."""
    text = RUNBOOK.format(title="Worst provider quota").replace(
        'verify="q < 10 for 2m within 10m"',
        "verify=\"max(flowengine_model_quota_used_ratio{provider='{{ provider }}'}) < 1 within 5m\"")
    path = tmp_path / "rb.md"
    path.write_text(text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("```bash"))
    found = [str(f) for f in lint_paths([path])]
    assert any(f.startswith(f"{path}:{line}: error: step 1 ") and "verify: its promql holds the parameter "
               "'{{ provider }}'" in f for f in found), found


ACTING = {
    "html image": ('Quota <img src=https://e.vil/t.png>', "'<' '=' '>'"),
    "markdown link": ("Quota [docs](https://e.vil)", "'[' ']'"),
    "code span and cell": ("Quota `x` | y", "'`' '|'"),
    "a comparison": ("Quota < 5", "'<'"),
    "a template": ("Quota {{ provider }}", "'{' '}'"),
    "markup": ("[bold]Quota[/] [@click=app.quit]x[/]", "'[' ']' '='"),
}


@pytest.mark.parametrize("case", sorted(ACTING))
def test_a_title_with_characters_that_act_is_refused(tmp_path: Path, case: str) -> None:
    """Found: the PIR quotes a gate's title as written — '<b>x</b>' and '[x](javascript:y)' stood raw
    in its timeline (pir.md), so a runbook from a shared repo put HTML and links into every PIR
    drafted with it; 'Quota < 5' read as a second need on the gate line."""
    title, said = ACTING[case]
    text = RUNBOOK.format(title=title.replace('"', '\\\\"'))
    path = tmp_path / "rb.md"
    path.write_text(text)
    title_line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("title = \"") and n > 4)
    found = [str(f) for f in lint_paths([path])]
    assert any(f.startswith(f"{path}:{title_line}: error: queries.q: title holds {said}:") for f in found), found
    assert parse_runbook(text).queries == {}


def test_the_length_warning_counts_columns_not_characters(tmp_path: Path) -> None:
    """A wide title takes two columns a character: 15 CJK characters are 30 columns, past the 26
    the 80-column gate line holds, and lint said nothing (it counted 15)."""
    for title, warned in (("配额使用率配额使用率配额使用率", True), ("配额使用率配额使用率", False),
                          ("429 share (worst provider)", False)):
        text = RUNBOOK.format(title=title)
        path = tmp_path / "rb.md"
        path.write_text(text)
        found = [str(f) for f in lint_paths([path])]
        assert any("warning: queries.q: title takes" in f for f in found) is warned, (title, found)
    wide = tmp_path / "wide.md"
    wide.write_text(RUNBOOK.format(title="配额使用率配额使用率配额使用率"))
    assert any("title takes 30 columns" in str(f) for f in lint_paths([wide]))


def test_a_gate_on_a_refused_query_does_not_watch_the_pane_of_that_name() -> None:
    """Found: [queries.quota] declared the 5xx share with a title lint refused; lint said 'the gate
    cannot watch it', yet `incident run` opened 'verify Model API quota used < 10% for 2m' — the
    configuration's quota pane, a measure the runbook never declared. A refused name is refused
    on every surface: the watcher, the run dialog and `runbooks show` say it cannot be checked."""
    from warroom.cli.runbooks import render_text
    from warroom.config import SloConfig
    from warroom.sources.verify import VerifyError, describe_gate, parse_verify

    text = RUNBOOK.format(title="Spent (0%)").replace("[queries.q]", "[queries.quota]").replace(
        'verify="q <', 'verify="quota <').replace("flowengine_model_quota_used_ratio", "flowengine_model_api_5xx_ratio")
    rb = parse_runbook(text)
    assert dict(rb.queries) == {} and rb.refused_queries == ["quota"]
    quota = SloConfig(id="quota", title="Model API quota used", query="q", unit="percent")
    with pytest.raises(VerifyError, match="declares query 'quota' but it has errors"):
        parse_verify("quota < 10 for 2m within 10m", [quota], rb.queries)
    said = describe_gate("quota < 10 for 2m within 10m", [quota], rb.queries)
    assert "cannot be checked" in said and "Model API quota used" not in said, said
    assert "cannot be checked" in render_text(rb)
    # a runbook that declares no such query still reads the pane
    plain = parse_runbook(RUNBOOK.format(title="Quota"))
    assert parse_verify("quota < 10 within 10m", [quota], plain.queries).title == "Model API quota used"
