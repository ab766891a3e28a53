"""A Go/No-Go criterion can name a runbook's ``[queries.NAME]`` (G25-3): it is judged on that
query's PromQL, and every surface that shows the criterion — the decision dialog, ``incident
decide`` (text, ``--json``), ``incident show --json``'s condition, the brief, the PIR — says the
query's title and unit, never the expression. Bare PromQL still works. A name ``[queries]``
refused (the stop-25 title attacks) is never read as PromQL of that name; lint names the file
and line of an unknown name and of a value in another unit than its query's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.test_query_title_attacks import ACTING, REFUSED
from warroom.config import Config
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.lint import lint_paths
from warroom.runbook.parser import parse_runbook

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

PILOT = "100 * sum(rate(flowengine_flow_failures_total{repo='compliance-service'}[5m]))"
REPOS = "count(flowengine_repo_failing > 0.5)"

RUNBOOK = """+++
id = "RB-TEST-CRIT"
title = "Criteria on named queries"
severity = "P1"

[queries.pilot_share]
title = "{title}"
promql = "{pilot}"
unit = "percent"

[queries.repos_failing]
title = "Repositories failing"
promql = "{repos}"
unit = "count"

[queries.failed_ratio]
title = "Failed flow ratio"
promql = "sum(rate(flowengine_flow_failures_total[5m]))"
unit = "ratio"
+++

# Criteria

## Decide

```decision
id = "rollback"
question = "Roll back?"
deadline = "15m"

[applies_when]
text = "the pilot is failing"
query = "pilot_share"
op = ">"
value = "5%"

[[go]]
text = "many repositories failing"
query = "repos_failing"
op = ">="
value = 5

[[go]]
text = "the pilot fails a lot"
query = "pilot_share"
op = ">"
value = 20

[[no_go]]
text = "bare PromQL still reads"
query = "sum(flowengine_up)"
op = "<="
value = 3
```
"""


def _runbook(title: str = "Pilot failure share") -> str:
    return RUNBOOK.format(title=title, pilot=PILOT, repos=REPOS)


def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    return IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P1", runbook=None, source={})


def _judge(text: str, inc, asked: list[str]):  # type: ignore[no-untyped-def]
    """The decision of ``text`` judged on a source answering each expression it knows."""
    (d,) = parse_runbook(text).decisions
    values = {PILOT: [33.3], REPOS: [7.0], "sum(flowengine_up)": [2.0]}

    def query(expr: str) -> list[float]:
        asked.append(expr)
        return values.get(expr, [])

    return dec.evaluate(d, "RB-TEST-CRIT", inc.state, inc.state.clock_start + timedelta(minutes=5),
                        query=query, step_output=lambda _s: None)


def test_a_criterion_naming_a_query_reads_its_promql_and_says_its_title_and_unit(tmp_path: Path) -> None:
    """Red without: the name was read as PromQL (a metric called 'repos_failing': no data, unknown)
    and the evidence was '7 >= 5 is true' with no word of what was measured."""
    from tui.screens.modals.decision import criteria_text

    inc = _incident(tmp_path)
    asked: list[str] = []
    view = _judge(_runbook(), inc, asked)
    said = {c.text: c for c in view.criteria}
    assert said["many repositories failing"].state == dec.MET
    assert said["many repositories failing"].evidence == "Repositories failing: 7 >= 5 is true"
    assert said["the pilot fails a lot"].evidence == "Pilot failure share: 33.3% > 20% is true"
    assert view.applies is not None and view.applies.evidence == "Pilot failure share: 33.3% > 5% is true"
    assert said["bare PromQL still reads"].evidence == "2 <= 3 is true"          # unchanged
    assert set(asked) == {PILOT, REPOS, "sum(flowengine_up)"}                     # never a name as PromQL
    js = said["many repositories failing"].to_json()
    assert (js["query"], js["title"], js["unit"], js["source"]) == ("repos_failing", "Repositories failing",
                                                                   "count", REPOS)
    assert "title" not in said["bare PromQL still reads"].to_json()
    # the dialog, the journal and the PIR say the words; no surface shows the PromQL
    assert "Pilot failure share: 33.3% > 20% is true" in criteria_text(view).plain
    assert PILOT not in criteria_text(view).plain
    dec.record(inc, view, "GO", by="dana", why="the pilot fails")
    pir = inc.render("pir")
    assert "many repositories failing — Repositories failing: 7 >= 5 is true" in pir
    assert PILOT not in pir and REPOS not in pir
    (recorded,) = inc.refresh().decisions
    assert {c["text"]: c.get("title") for c in recorded["criteria"]}["the pilot fails a lot"] == "Pilot failure share"
    # a look that reads the journal only (incident show, the brief) still names the condition's query
    shown = dec.standing(parse_runbook(_runbook()), inc.state, inc.state.clock_start)
    assert shown[0].applies is not None and shown[0].applies.to_json()["title"] == "Pilot failure share"


def test_the_runbook_s_json_carries_the_query_s_words(tmp_path: Path) -> None:
    rb = parse_runbook(_runbook())
    crit = rb.to_json()["decisions"][0]["go"][0]
    assert crit["query"] == "repos_failing" and crit["title"] == "Repositories failing" and crit["unit"] == "count"
    assert crit["promql"] == REPOS
    assert rb.to_json()["decisions"][0]["applies_when"]["percent"] is True


def test_runbooks_show_says_each_criterion_and_what_it_reads_in_the_query_s_words() -> None:
    """``warroom runbooks show`` printed a decision as its section heading only: a commander reading
    the runbook before an incident saw no question, deadline nor criterion. Each is shown now, a
    named query in its title and unit ('reads Repos failing most flows >= 5', 'Pilot failure share > 5%'),
    never its PromQL; a conditional decision says when it arises and that its deadline counts from then."""
    from warroom.cli.runbooks import render_text

    library = RunbookLibrary.from_config(Config())
    text = render_text(library.get("RB-LAUNCH-005"))
    decision = text[text.index("Go/No-Go decision rollback-to-pilot: Roll back to the pilot repository"):]
    for said in ("deadline 15m00s after detection · on GO: RB-LAUNCH-002 opens beside this runbook",
                 "  GO when any of these holds:", "  NO-GO when all of these hold:",
                 "    - 5 or more repositories failing (over half of the Phase 6 scope) — reads Repos failing most flows"
                 " >= 5",
                 "    - The pilot repository (compliance-service) is failing too — reads Pilot failure share > 5%",
                 "    - The pilot repository is unaffected — reads Pilot failure share <= 5%",
                 "    - Root cause still unknown after 15 minutes of investigation — no root-cause note 15m00s after "
                 "detection"):
        assert said in decision.splitlines() or said in decision, (said, decision)
    assert "count(" not in decision and "rate(" not in decision, decision
    core = render_text(library.get("RB-CORE-004"))
    assert ("deadline 30m00s after it arises" in core
            and "  arises when: Every provider is down: all 3 (over 10% of their calls answered 5xx, or out of"
                " routing with no calls) — reads Providers down >= 3" in core), core


@pytest.mark.parametrize("case", sorted(REFUSED) + sorted(ACTING))
def test_a_criterion_on_a_refused_query_is_never_read_and_lint_says_where(tmp_path: Path, case: str) -> None:
    """The stop-25 title attacks on a criterion: the query is refused, so its title is shown
    nowhere and its name is never read as PromQL (a metric 'pilot_share' would answer something
    the runbook did not declare); lint names the criterion's query line. Red without: the
    criterion queried 'pilot_share' and lint said nothing of the criterion."""
    title = (REFUSED.get(case) or ACTING[case])[0]
    text = _runbook(title.replace('"', '\\\\"'))
    path = tmp_path / "rb.md"
    path.write_text(text)
    inc = _incident(tmp_path / "inc")
    asked: list[str] = []
    view = _judge(text, inc, asked)
    pilot = {c.text: c for c in view.criteria}["the pilot fails a lot"]
    assert pilot.state == dec.UNKNOWN and "has errors in its [queries]" in pilot.evidence
    assert "pilot_share" not in asked and PILOT not in asked
    assert view.applies is not None and view.applies.state == dec.UNKNOWN
    query_lines = [n for n, ln in enumerate(text.splitlines(), 1) if ln == 'query = "pilot_share"']
    found = [str(f) for f in lint_paths([path])]
    for line in query_lines:
        assert any(f.startswith(f"{path}:{line}: error: decision 'rollback': criterion")
                   and "query 'pilot_share' has errors in [queries]" in f for f in found), found


LINTED = {
    "unknown name": ('query = "repos_failng"', "query", "is not a query this runbook names",
                     "did you mean 'repos_failing'?"),
    "percent on a ratio": ('query = "failed_ratio"\nop = ">"\nvalue = "5%"', "value",
                           "the value is written with %, but Failed flow ratio is in ratio", None),
    "percent on bare promql": ('query = "sum(flowengine_up)"\nop = ">"\nvalue = "5%"', "value",
                               "bare PromQL has no unit", None),
    "parameter in bare promql": ("query = 'sum(x{repo=\"{{ repo }}\"})'", "query", "holds the parameter", None),
    "not promql": ('query = "sum(("', "query", "not PromQL", None),
}


@pytest.mark.parametrize("case", sorted(LINTED))
def test_lint_names_the_line_of_an_unknown_name_or_a_unit_mismatch(tmp_path: Path, case: str) -> None:
    """Red without: none of these was reported (a typo of a name read 'no data' for ever; '5%' of a
    ratio compared 0.05 with 5)."""
    body, key, words, hint = LINTED[case]
    crit = "\n[[no_go]]\ntext = \"attacked\"\n" + body + ("" if "\n" in body else "\nop = \">\"\nvalue = 1") + "\n"
    text = _runbook().replace("value = 3\n```\n", "value = 3\n" + crit + "```\n")
    assert 'text = "attacked"' in text
    path = tmp_path / "rb.md"
    path.write_text(text)
    at = max(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith(f"{key} = "))
    found = [str(f) for f in lint_paths([path])]
    assert any(f.startswith(f"{path}:{at}: error: decision 'rollback': criterion 'attacked'") and words in f
               and (hint is None or hint in f) for f in found), found


def test_a_percent_value_on_a_query_not_in_percent_is_never_compared(tmp_path: Path) -> None:
    text = _runbook().replace('query = "pilot_share"\nop = ">"\nvalue = 20',
                              'query = "failed_ratio"\nop = ">"\nvalue = "5%"')
    inc = _incident(tmp_path)
    asked: list[str] = []
    view = _judge(text, inc, asked)
    crit = {c.text: c for c in view.criteria}["the pilot fails a lot"]
    assert crit.state == dec.UNKNOWN and "written with %, but Failed flow ratio is in ratio" in crit.evidence
    assert "sum(rate(flowengine_flow_failures_total[5m]))" not in asked


def test_a_ratio_compared_with_a_number_past_one_is_a_warning(tmp_path: Path) -> None:
    text = _runbook().replace('query = "pilot_share"\nop = ">"\nvalue = 20',
                              'query = "failed_ratio"\nop = ">"\nvalue = 5')
    path = tmp_path / "rb.md"
    path.write_text(text)
    at = max(n for n, ln in enumerate(text.splitlines(), 1) if ln == "value = 5")
    assert any(str(f).startswith(f"{path}:{at}: warning:") and "did you mean 0.05?" in str(f)
               for f in lint_paths([path]))


def test_no_shipped_criterion_quotes_promql() -> None:
    """RB-LAUNCH-005 and every shipped runbook whose criteria quoted PromQL name a query: the
    commander reads 'Repositories failing: 7 >= 5', not a count(sum by (repo) …) expression."""
    library = RunbookLibrary.from_config(Config())
    bare = [(rb.id, c.text) for rb in library for d in rb.decisions
            for c in (*d.go, *d.no_go, *((d.applies_when,) if d.applies_when else ()))
            if c.query and c.measure is None]
    assert not bare
    named = {rb.id for rb in library for d in rb.decisions for c in (*d.go, *d.no_go) if c.measure is not None}
    assert {"RB-LAUNCH-005", "RB-LAUNCH-002", "RB-DEPLOY-002", "RB-CORE-004"} <= named


def test_the_mass_failure_drill_s_views_say_the_query_s_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """RB-LAUNCH-005 worked headless on its drill (clock pinned): `incident decide`, its --json, the
    PIR and the drill report say 'Repos failing most flows' and 'Pilot failure share' in percent, and no
    view quotes the PromQL the criteria read. Red without: the drill report showed no criterion
    (the verdict alone), and every other view said '3 >= 5 is false' with no word of what."""
    import json
    import re
    from datetime import UTC, datetime

    from tests.unit.incident_fixtures import Cli

    library = RunbookLibrary.from_config(Config())
    rb = library.get("RB-LAUNCH-005")
    assert rb is not None
    promql = [q.promql for q in rb.queries.values()]
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC).timestamp()
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0))
    code, out, err = cli("new", "--drill", "mass-failure")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0 + 900))
    repos = r"Repos failing most flows: \d+ (>=|<=) [35] is (true|false)"   # what it counts (redteam39 F9)
    pilot = r"Pilot failure share: [\d.]+% (>|<=) 5% is (true|false)"
    code, out, err = cli("decide", inc)
    assert code == 0 and re.search(repos, out) and re.search(pilot, out), out + err
    code, out, err = cli("decide", inc, "--json")
    crit = [c for c in json.loads(out)["criteria"] if c["kind"] == "metric"]
    assert {c["title"] for c in crit} == {"Repos failing most flows", "Pilot failure share"}
    assert {c["unit"] for c in crit} == {"count", "percent"}
    code, out, err = cli("decide", inc, "--no-go", "--why", "few repos", "--by", "ic")
    assert code == 0, out + err
    for argv in (("drill-report", inc), ("export", inc, "--stdout", "--no-log"), ("show", inc), ("brief", inc)):
        code, out, err = cli(*argv)
        assert code == 0, err
        assert not any(q in out for q in promql), argv
        if argv[0] in ("drill-report", "export"):
            assert re.search(repos, out) and re.search(pilot, out), (argv, out)
    code, out, err = cli("drill-report", inc)
    [measured] = [ln for ln in out.splitlines() if "Measured when it was taken" in ln]
    assert re.search(r"NO-GO [✔✗] " + repos, measured), measured


class _Source:
    """A metric source answering each expression it knows with one series."""

    def __init__(self, values: dict[str, float]) -> None:
        self.values = values
        self.asked: list[str] = []

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        self.asked.append(expr)
        return [({}, self.values[expr])] if expr in self.values else []


PANE_RUNBOOK = """+++
id = "RB-TEST-PANE"
title = "Criteria on panes"
severity = "P2"
{queries}
+++

# Panes

```decision
id = "pane"
question = "Act?"
deadline = "15m"

[[go]]
text = "failures high"
query = "failure_rate"
op = ">"
value = "1%"

[[no_go]]
text = "quota low"
query = "quota"
op = "<"
value = 50
```
"""


def test_a_criterion_naming_a_pane_reads_the_pane_as_a_gate_does(tmp_path: Path) -> None:
    """The gate's order for a bare word: a query the runbook names, else a pane of the
    configuration, else PromQL. Red without: 'failure_rate' was read as a metric of that name (no
    data: unknown) by a live look, while the drill's directory answered it as the pane."""
    inc = _incident(tmp_path)
    panes = {s.id: s for s in inc.config.slo}
    src = _Source({panes["failure_rate"].query: 4.2, panes["quota"].query: 30.0})
    rb = parse_runbook(PANE_RUNBOOK.format(queries=""))
    [view] = dec.evaluate_all(inc, inc.state, [rb], src, inc.state.clock_start + timedelta(minutes=1))
    said = {c.text: c.evidence for c in view.criteria}
    assert said == {"failures high": "Flow failure rate: 4.2% > 1% is true",
                    "quota low": "Model API quota used: 30% < 50% is true"}
    assert "failure_rate" not in src.asked and "quota" not in src.asked
    path = tmp_path / "rb.md"
    path.write_text(PANE_RUNBOOK.format(queries=""))
    assert not [f for f in lint_paths([path]) if "criterion" in f.message]


def test_a_refused_query_with_a_pane_s_id_never_reads_the_pane(tmp_path: Path) -> None:
    """R-red25-6 for criteria: [queries.quota] refused (its title acts) must not fall back to the
    configuration's quota pane, a measure the runbook never declared."""
    inc = _incident(tmp_path)
    quota = next(s for s in inc.config.slo if s.id == "quota")
    src = _Source({quota.query: 30.0})
    text = PANE_RUNBOOK.format(queries='\n[queries.quota]\ntitle = "Spent <b>x</b>"\npromql = "sum(x)"\nunit = "percent"')
    rb = parse_runbook(text)
    [view] = dec.evaluate_all(inc, inc.state, [rb], src, inc.state.clock_start + timedelta(minutes=1))
    crit = {c.text: c for c in view.criteria}["quota low"]
    assert crit.state == dec.UNKNOWN and "has errors in its [queries]" in crit.evidence
    assert quota.query not in src.asked and "quota" not in src.asked
    assert crit.title is None and quota.title not in crit.evidence      # nothing says it reads the pane


@pytest.mark.parametrize(("value", "read"), [('"5%"', 5.0), ('" 12.5 %"', 12.5), ('"-0.5%"', -0.5), ("5", 5.0),
                                             ('"١٢%"', None), ('"5"', None), ('"5%%"', None), ('"1e999%"', None),
                                             ('"%"', None), ("true", None)])
def test_a_value_is_a_number_or_a_percentage_written_in_ascii(value: str, read: float | None) -> None:
    """'١٢%' (Arabic-Indic digits) would have read as 12 through Python's float(): a runbook line a
    reviewer cannot read is refused, as is anything that is not one number with one '%'."""
    from warroom.runbook.parser import find_decisions

    block = ('```decision\nquestion = "q?"\ndeadline = "5m"\n[[go]]\ntext = "t"\nquery = "sum(x)"\nop = ">"\n'
             f"value = {value}\n```\n")
    decisions, problems = find_decisions(block)
    if read is None:
        assert problems and "'value' must be a finite number" in problems[0][1], problems
    else:
        assert not problems and decisions[0].go[0].value == read
        assert decisions[0].go[0].percent is ("%" in value)
    step = block.replace('query = "sum(x)"', "step = \"1\"\npattern = '(\\\\d+)'")
    if "%" in value:
        assert any("'value' must be a finite number" in p for _, p in find_decisions(step)[1])


def test_show_and_the_brief_say_what_the_condition_read_when_it_arose(tmp_path: Path) -> None:
    """RB-CORE-004's decision arises when every provider is down: `incident show`
    (journal only) said 'needed since 12:05:00 UTC: Every provider is down …' without what was
    read; it now quotes the look that saw it arise, in the query's words. Red without."""
    from warroom.cli.incident_show import render_show

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    rb = RunbookLibrary.from_config(cfg).get("RB-CORE-004")
    assert rb is not None and rb.path is not None
    inc = IncidentStore(tmp_path, cfg).create(title="providers down", severity="P1", runbook=rb.path, source={})
    src = _Source({rb.queries["providers_down"].promql: 3.0})
    now = inc.state.clock_start + timedelta(minutes=5)
    dec.remind_overdue(inc, dec.evaluate_all(inc, inc.state, [inc.runbook()], src, now, criteria=False))
    lines = render_show(inc, inc.refresh(), now)
    [line] = [ln for ln in lines if "needed since" in ln]
    assert line.endswith("(Providers down: 3 >= 3 is true)"), line
    assert rb.queries["providers_down"].promql not in "\n".join(lines)
    # the incoming commander's brief says the same words (one phrase: decisions.journal_only.arose_words)
    from warroom.incident.handoff import catch_up_brief

    brief = catch_up_brief(inc.state, now, update_every=inc.update_every(), config=inc.config, runbooks=[inc.runbook()])
    said = [ln for title, lines_ in brief.sections for ln in lines_ if title.startswith("Decisions")]
    assert any(ln.endswith("(Providers down: 3 >= 3 is true))") for ln in said), said
