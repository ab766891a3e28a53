"""Go/No-Go as a real decision: the runbook states it, the tool judges each criterion from what
it knows (never 'met' by guess), the commander's verdict is journaled with who, why and the
criteria as judged; on GO the follow-up runbook opens beside the current one; a missed deadline
is journaled once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import re

import pytest

from tests.unit.standins_corpus import warmed
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.parser import find_decisions
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.parser import parse_runbook

BLOCK = '''
intro

```bash {name="count-repos" mutating=false}
# Count the failing repositories
echo "repos failing: 3"
```

```decision
id = "rollback"
question = "Roll back?"
deadline = "15m"
on_go = "RB-LAUNCH-002"

[[go]]
text = "many repos failing"
query = "failing_repos"
op = ">="
value = 5

[[go]]
text = "no root cause after 15m"
no_note = "root-cause"
after = "15m"

[[go]]
text = "count from triage"
step = "count-repos"
pattern = 'repos failing: (\\d+)'
op = ">="
value = 4

[[no_go]]
text = "root cause known"
note = "root-cause"

[[no_go]]
text = "few repos failing"
query = "failing_repos"
op = "<="
value = 3

[[no_go]]
text = "judgement only"
```
'''


def test_a_decision_block_parses_and_bad_ones_name_line_and_key() -> None:
    (d,), problems = find_decisions(BLOCK)
    assert not problems
    assert d.id == "rollback" and d.deadline == 900 and d.on_go == "RB-LAUNCH-002" and d.line == 9
    assert [c.kind for c in d.go] == ["metric", "note", "step"]
    assert [c.kind for c in d.no_go] == ["note", "metric", "judgement"]
    bad = "x\n\n```decision\nquestion = 'q?'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nop = '=>'\nvalue = 1\n```\n"
    _, problems = find_decisions(bad)
    assert problems and problems[0][0] == 9 and "'op'" in problems[0][1]      # the line of op
    _, problems = find_decisions("```decision\nquestion = 'q'\ndeadline = '5m'\nwhen = 1\n[[go]]\ntext='t'\n```\n")
    assert "unknown key 'when'" in problems[0][1] and problems[0][0] == 4
    _, problems = find_decisions("```decision\nquestion = 'q'\n[[go]]\ntext='t'\n")
    assert "never closed" in problems[0][1]
    rb = parse_runbook("# T\n" + bad)
    assert any("'op'" in f.message and f.line == 10 for f in rb.findings)


def _incident(tmp_path: Path, *, speed: float | None = None):
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    drill = {"scenario": "mass-failure", "speed": speed, "dir": str(tmp_path / "d")} if speed else None
    return IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P1", runbook=None,
                                               source={}, drill=drill)


def _judge(inc, now, failing: list[float] | Exception, output: str | None):
    (d,), _ = find_decisions(BLOCK)

    def query(expr: str) -> list[float]:
        if isinstance(failing, Exception):
            raise failing
        return failing

    ran = None if output is None else dec.StepOutput(output, "ok", 12, 0)
    return dec.evaluate(d, "RB-X", inc.state, now, query=query, step_output=lambda step: ran)


def test_each_criterion_is_judged_from_what_the_tool_knows(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    t0 = inc.state.clock_start
    early = _judge(inc, t0 + timedelta(minutes=5), [7.0], "repos failing: 2\nrepos failing: 6\n")
    states = {c.text: c.state for c in early.criteria}
    assert states["many repos failing"] == dec.MET                 # 7 >= 5
    assert states["no root cause after 15m"] == dec.NOT_MET         # only 5 minutes so far
    assert states["count from triage"] == dec.MET                  # the last match: 6
    assert states["judgement only"] == dec.UNKNOWN                 # never guessed
    assert early.suggestion == "GO"
    calm = _judge(inc, t0 + timedelta(minutes=5), [2.0], None)
    states = {c.text: c.state for c in calm.criteria}
    assert states["count from triage"] == dec.UNKNOWN and "not run" in next(
        c.evidence for c in calm.criteria if c.text == "count from triage")
    assert calm.suggestion == "undecided"                          # NO-GO needs every criterion
    down = _judge(inc, t0 + timedelta(minutes=5), WarroomError("Prometheus is down"), None)
    assert {c.text: c.state for c in down.criteria}["many repos failing"] == dec.UNKNOWN
    late = _judge(inc, t0 + timedelta(minutes=16), [2.0], None)
    assert {c.text: c.state for c in late.criteria}["no root cause after 15m"] == dec.MET
    assert late.overdue and late.suggestion == "GO"
    inc.note("root-cause", "release v1.2.0 changed the schema")
    known = _judge(inc, t0 + timedelta(minutes=16), [2.0], None)
    states = {c.text: c.state for c in known.criteria}
    assert states["no root cause after 15m"] == dec.NOT_MET and states["root cause known"] == dec.MET


def test_in_a_drill_the_deadline_is_scenario_time(tmp_path: Path) -> None:
    inc = _incident(tmp_path, speed=5.0)         # 15m at x5 is 3 wall minutes: above the drill's floor for people
    t0 = inc.state.clock_start
    view = _judge(inc, t0 + timedelta(seconds=182), [2.0], None)   # 15m10s of scenario time
    assert view.overdue
    assert {c.text: c.state for c in view.criteria}["no root cause after 15m"] == dec.MET


def test_the_verdict_is_journaled_with_who_why_and_the_criteria_and_go_opens_the_rollback(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    t0 = inc.state.clock_start
    view = _judge(inc, t0 + timedelta(minutes=20), [7.0], None)
    assert dec.remind_overdue(inc, [view]) == [view]
    assert dec.remind_overdue(inc, [view]) == []                   # journaled once
    with pytest.raises(WarroomError, match="why"):
        dec.record(inc, view, "GO", by="dana", why="  ")
    with pytest.raises(WarroomError, match="GO or NO-GO"):
        dec.record(inc, view, "maybe", by="dana", why="x")
    library = RunbookLibrary.from_config(inc.config)
    assert library.get("RB-LAUNCH-002") is not None
    dec.record(inc, view, "go", by="dana", why="7 repos failing, no root cause")
    st = inc.refresh()
    (recorded,) = st.decisions
    assert recorded["verdict"] == "GO" and recorded["by"] == "dana" and recorded["suggestion"] == "GO"
    assert {c["text"]: c["state"] for c in recorded["criteria"]}["many repos failing"] == "met"
    assert [r.get("id") for r in st.runbooks][-1] == "RB-LAUNCH-002"
    types = [e.kind for e in st.sorted_timeline()]
    assert "decision.overdue" in types and "decision.recorded" in types
    after = _judge(inc, t0 + timedelta(minutes=21), [7.0], None)
    assert after.recorded is not None and not after.overdue


def test_the_shipped_mass_failure_runbook_decides_rather_than_ticks() -> None:
    library = RunbookLibrary.from_config(Config())
    rb = library.get("RB-LAUNCH-005")
    assert rb is not None and not [f for f in rb.findings if f.level == "error"]
    (d,) = rb.decisions
    assert d.on_go == "RB-LAUNCH-002" and d.deadline == 900
    texts = [c.text for c in d.go]
    assert "Root cause still unknown after 15 minutes of investigation" in texts
    measured = [c for c in (*d.go, *d.no_go) if c.kind != "judgement"]
    assert len(measured) >= 5
    assert not any("Record the decision" in s.label for s in rb.steps)


def test_the_pir_shows_each_decision_with_who_why_and_its_citation(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    t0 = inc.state.clock_start
    view = _judge(inc, t0 + timedelta(minutes=20), [7.0], None)
    dec.remind_overdue(inc, [view])
    event = dec.record(inc, view, "GO", by="dana", why="7 repos failing, no root cause").event
    overdue_seq = inc.refresh().decisions_overdue[0]["seq"]
    for template in ("pir", "rca", "postmortem"):
        text = inc.render(template)
        assert "## Decisions" in text, template
        line = next(ln for ln in text.splitlines() if ln.startswith("- GO on"))
        assert "by dana: 7 repos failing, no root cause" in line and f"[#{event.seq}, " in line
        assert "criteria 2 met" in line and "(RB-X)" in line
        crit = text.splitlines()[text.splitlines().index(line) + 1:]
        assert crit[0].startswith("  - GO criterion ✔ met: many repos failing — 7 >= 5 is true")
        assert any(c.startswith("  - NO-GO criterion ? unknown: judgement only") for c in crit[:6])
        assert f"passed with no verdict (decided later) `[#{overdue_seq}]`" in text
    plain = _incident(tmp_path / "other")
    assert "## Decisions" not in plain.render("pir")


def test_the_pir_cites_the_note_and_the_run_a_criterion_read(tmp_path: Path) -> None:
    """cites-2: a note or step criterion journals what it read ("note #7", "step X (run #12)"); the
    PIR drew the evidence only. Each now carries the cite of that event (``|cite``'s code span, which
    links no GitHub issue and still reads #7), beside the criterion it backs."""
    from markdown_it import MarkdownIt

    from tests.unit.test_pir_markdown_injection import github_acts

    inc = _incident(tmp_path)
    t0 = inc.state.clock_start
    note = inc.note("root-cause", "release v1.2.0 changed the schema")
    view = _judge(inc, t0 + timedelta(minutes=5), [7.0], "repos failing: 6\n")
    dec.record(inc, view, "GO", by="dana", why="7 repos failing")
    for template in ("pir", "rca", "postmortem"):
        text = inc.render(template)
        lines = text.splitlines()
        known = next(ln for ln in lines if "criterion ✔ met: root cause known" in ln)
        assert known.endswith(f"`[#{note.seq}]`"), known
        counted = next(ln for ln in lines if "criterion ✔ met: count from triage" in ln)
        assert counted.endswith("`[#12]`"), counted
        metric = next(ln for ln in lines if "criterion ✔ met: many repos failing" in ln)
        assert "`[#" not in metric, "a metric criterion's source is PromQL: no event to cite"
        assert github_acts(MarkdownIt("gfm-like").parse(text)) == [], template


# ---- attacks on the block: every malformed one is an error naming the line of the key at fault

STEP = '```bash {name="count-repos" mutating=false}\n# Count\necho "repos failing: 3"\n```\n\n'


def _problem(body: str) -> tuple[int, str]:
    """The first decision problem of a runbook whose fence opens on line 6 (its body: line 7...)."""
    _, problems = find_decisions(STEP + "```decision\n" + body + "\n```\n")
    assert problems, body
    return problems[0]


@pytest.mark.parametrize(("body", "line", "words"), [
    ("question = 'q'\n[[go]]\ntext = 't'", 6, "'deadline' is required"),                          # missing deadline
    ("question = 'q'\ndeadline = 'soon'\n[[go]]\ntext = 't'", 8, "'deadline'"),
    ("question = 'q'\ndeadline = '0s'\n[[go]]\ntext = 't'", 8, "after detection"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nkind = 'metric'", 11, "unknown key 'kind'"),  # unknown kind
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nop = '>='\nvalue = 'five'", 13, "'value'"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nop = '>='\nvalue = inf", 13, "finite"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nop = '>='\nvalue = true", 13, "'value'"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nvalue = 3", 11, "'op'"),   # missing op
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nnote = 'root-cause'\nop = '>'\nvalue = 1",
     12, "measures one thing"),
    ("question = 'q'\ndeadline = '5m'\n[[no_go]]\ntext = 't'\nnote = 'root-cause'\nop = '>'", 12, "'op' only applies"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nquery = 'up'\nop = '>'\nvalue = 1\nafter = '5m'", 14, "'after'"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nno_note = 'rootcause'", 11, "not a note tag"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nstep = 'count-repos'\npattern = '(a)\\1'\nop = '>'\nvalue = 1",
     12, "'pattern'"),                                                                              # RE2 refuses
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nstep = 'count-repos'\npattern = 'n'\nop = '>'\nvalue = 1",
     12, "(group)"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\npattern = '(\\d+)'", 11, "only applies to a 'step'"),
    ("question = 'q'\ndeadline = '5m'\ngo_when = 'most'\n[[go]]\ntext = 't'", 9, "'go_when'"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\n\n[[go]]\ntext = 'u'\nstep = 'no-such-step'\n"
     "pattern = '(\\d+)'\nop = '>'\nvalue = 1", 12, "does not have"),                                # unknown step
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\nop = = 1", 11, "not valid TOML"),
    ("question = 'q'\ndeadline = '5m'\non_go = '/etc/shadow'\n[[go]]\ntext = 't'", 9, "by its id"),
    ("question = 'q'\ndeadline = '5m'\non_go = '../RB-X.md'\n[[go]]\ntext = 't'", 9, "by its id"),
])
def test_a_malformed_decision_block_names_the_line_of_its_fault(body: str, line: int, words: str) -> None:
    where, message = _problem(body)
    assert words in message and where == line, (where, message)


def test_lint_names_file_and_line_and_a_quoted_example_is_not_a_decision(tmp_path: Path) -> None:
    from warroom.runbook.lint import lint_file

    path = tmp_path / "rb.md"
    path.write_text("# Rb\n\n````markdown\n```decision\nthis = is not toml [\n```\n````\n\n"
                    "- item\n\n  ```decision\n  question = 'q'\n  deadline = '5m'\n  [[go]]\n  text = 't'\n"
                    "  value = 3\n  ```\n")
    findings = [str(f) for f in lint_file(path) if "decision" in f.message]
    assert findings == [f"{path}:16: error: decision block: [[go]] #1: 'value' only applies to a 'query' or "
                        "'step' criterion (it would be ignored here)"]


def test_step_criteria_judge_only_an_ended_successful_run_and_journal_the_value(tmp_path: Path) -> None:
    """A step still running, or one that failed, is not evidence (unknown, never met); the value
    judged and where it came from go into the criterion's record."""
    inc = _incident(tmp_path)
    (d,), _ = find_decisions(BLOCK)
    crit = next(c for c in d.go if c.kind == "step")
    now = inc.state.clock_start + timedelta(minutes=1)
    for run, state in ((dec.StepOutput("repos failing: 9\n", "running", 5), dec.UNKNOWN),
                       (dec.StepOutput("repos failing: 9\n", "failed", 5, 2), dec.UNKNOWN),
                       (dec.StepOutput(None, "ok", 5, 0), dec.UNKNOWN),
                       (dec.StepOutput("repos failing: 12\n", "ok", 5, 0), dec.MET),
                       (dec.StepOutput("repos failing: 2\n", "ok", 5, 0), dec.NOT_MET)):
        v = dec.judge(crit, "go", inc.state, now, None, lambda _s, r=run: r)
        assert v.state == state, (run, v)
    assert v.to_json() | {} == {"side": "go", "text": "count from triage", "state": "not met", "kind": "step",
                                "evidence": "step count-repos: 2 >= 4 is false", "value": 2.0,
                                "source": "step count-repos (run #5)"}


def test_no_clock_no_source_no_data_are_unknown_never_met(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from warroom.runbook.decision import Criterion

    clockless = SimpleNamespace(clock_start=None, notes=[], time_scale=1.0)
    now = datetime.now(UTC)
    for c in (Criterion("t", after=60.0), Criterion("n", no_note="root-cause", after=60.0)):
        assert dec.judge(c, "go", clockless, now, None, lambda _s: None).state == dec.UNKNOWN
    metric = Criterion("m", query="x", op=">=", value=1.0)
    assert dec.judge(metric, "go", clockless, now, None, lambda _s: None).state == dec.UNKNOWN
    for answer in ([], [float("nan")], [float("nan"), 2.0]):   # several series: tests/unit/test_one_series_rule.py
        assert dec.judge(metric, "go", clockless, now, lambda _q, a=answer: a, lambda _s: None).state == dec.UNKNOWN


def test_go_when_all_and_no_go_when_any_follow_the_runbook(tmp_path: Path) -> None:
    """A canary decides the other way round: GO only when every GO criterion holds, NO-GO as soon
    as any NO-GO one does."""
    body = ("```decision\nquestion = 'Promote?'\ndeadline = '48h'\ngo_when = 'all'\nno_go_when = 'any'\n"
            "[[go]]\ntext = 'errors low'\nquery = 'e'\nop = '<'\nvalue = 1\n"
            "[[go]]\ntext = 'two days'\nafter = '48h'\n"
            "[[no_go]]\ntext = 'errors up'\nquery = 'e'\nop = '>='\nvalue = 1\n```\n")
    (d,), problems = find_decisions(body)
    assert not problems and (d.go_when, d.no_go_when) == ("all", "any")
    inc = _incident(tmp_path)
    t0 = inc.state.clock_start

    def look(hours: float, err: float) -> str:
        return dec.evaluate(d, "RB-C", inc.state, t0 + timedelta(hours=hours), query=lambda _q: [err],
                            step_output=lambda _s: None).suggestion

    assert look(1, 0.2) == "undecided"        # errors low, but not two days yet
    assert look(49, 0.2) == "GO"
    assert look(1, 3.0) == "NO-GO"


def test_no_go_then_go_twice_keeps_the_history_and_opens_the_rollback_once(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    t0 = inc.state.clock_start
    view = _judge(inc, t0 + timedelta(minutes=5), [2.0], None)
    with pytest.raises(WarroomError, match="who"):
        dec.record(inc, view, "NO-GO", by="  ", why="fix is close")
    dec.record(inc, view, "no go", by="dana", why="fix is close")
    view = _judge(inc, t0 + timedelta(minutes=20), [7.0], None)
    first = dec.record(inc, view, "GO", by="dana", why="fix failed, 7 repos down").event
    view = _judge(inc, t0 + timedelta(minutes=21), [7.0], None)
    again = dec.record(inc, view, "GO", by="lee", why="still GO")
    assert again.opened is None and again.already_open and "already open" in again.said("GO")
    st = inc.refresh()
    assert [d["verdict"] for d in st.decisions] == ["NO-GO", "GO", "GO"]
    assert [r.get("id") for r in st.runbooks].count("RB-LAUNCH-002") == 1
    assert st.decisions[1]["late"] is True and st.decisions[0]["late"] is False
    assert st.decisions[1]["replaces"] == st.decisions[0]["seq"]
    text = inc.render("pir")
    lines = [ln for ln in text.splitlines() if ln.startswith(("- GO on", "- NO-GO on"))]
    assert len(lines) == 3 and lines[0].startswith("- NO-GO on")
    # the NO-GO at +5m stood by the 15-minute deadline: the GO at +20m reversed it late, it was not taken late
    no_go_at = st.decisions[0]["at"].strftime("%H:%M:%S")
    assert "It reverses the NO-GO of" in lines[1] and "Taken after its deadline" not in lines[1], lines[1]
    assert f"Reversed after its deadline (" in lines[1] and f"first answered in time at {no_go_at} UTC." in lines[1]
    assert "Confirmed after its deadline (" in lines[2] and "Taken after its deadline" not in lines[2], lines[2]
    assert "RB-LAUNCH-002 was opened beside the runbook" in lines[1] and f"#{first.seq}" in lines[1]
    assert "It confirms the GO of" in lines[2] and "RB-LAUNCH-002 was already open" in lines[2]
    from warroom.incident.review.build import build_review

    for n in range(20):          # a busy incident: the verdicts are key moments all the same
        inc.add_timeline(f"entry {n}")        # weight 45 each
    moments = [m.text for m in build_review(inc.refresh(), datetime.now(UTC)).key_moments]
    assert sum(1 for m in moments if m.startswith("Decision ")) == 3


def test_one_decision_stated_by_two_runbooks_is_decided_and_reminded_once(tmp_path: Path) -> None:
    """RB-LAUNCH-005 and RB-LAUNCH-002 both ask "roll back to the pilot?" (id rollback-to-pilot):
    the verdict taken in one stands in the other, and a missed deadline is journaled once."""
    library = RunbookLibrary.from_config(Config())
    books = [library.get("RB-LAUNCH-005"), library.get("RB-LAUNCH-002")]
    found = dec.decisions_of(books)
    assert [(rb, d.id) for rb, d in found] == [("RB-LAUNCH-005", "rollback-to-pilot"),
                                               ("RB-LAUNCH-002", "rollback-to-pilot")]
    inc = _incident(tmp_path)
    late = inc.state.clock_start + timedelta(minutes=20)
    views = [dec.evaluate(d, rb, inc.state, late, query=None, step_output=lambda _s: None) for rb, d in found]
    assert len(dec.remind_overdue(inc, views)) == 1
    dec.record(inc, views[0], "NO-GO", by="dana", why="fix lands in 10 minutes")
    views = [dec.evaluate(d, rb, inc.refresh(), late, query=None, step_output=lambda _s: None) for rb, d in found]
    assert all(v.recorded is not None and v.recorded["verdict"] == "NO-GO" and not v.overdue for v in views)


def test_every_shipped_runbook_that_decides_states_a_decision_not_a_checkbox() -> None:
    """No checklist item of the shipped library asks for a Go/No-Go by ticking; the runbooks that
    decide state a decision block, and every block parses clean."""
    library = RunbookLibrary.from_config(Config())
    books = {rb.id: rb for rb in library}
    ticking = [(rb.id, s.number, s.label) for rb in books.values() for s in rb.steps
               if re.search(r"\bGO for\b|^(Go|No-go|GO|NO-GO)\s*:|\bNo-go\s*:|Record the (Go/No-Go )?decision",
                            s.label)]
    assert not ticking
    deciding = {"RB-LAUNCH-005", "RB-LAUNCH-002", "RB-LAUNCH-004", "RB-CORE-004", "RB-DEPLOY-002"}
    assert {rid for rid, rb in books.items() if rb.decisions} >= deciding
    assert not [f for rb in books.values() for f in rb.findings if f.message.startswith("decision")]
    (canary,) = books["RB-DEPLOY-002"].decisions
    assert (canary.go_when, canary.no_go_when) == ("all", "any")


def test_incident_show_says_where_each_decision_stands_and_its_history(tmp_path: Path) -> None:
    from warroom.cli.incident_show import render_show

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    library = RunbookLibrary.from_config(cfg)
    inc = IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P1",
                                              runbook=library.get("RB-LAUNCH-005").path, source={})
    t0 = inc.state.clock_start
    lines = render_show(inc, inc.refresh(), t0 + timedelta(minutes=1))
    at = lines.index("Decisions:")
    assert lines[at + 1].startswith("  ◆ Roll back to the pilot repository (RB-LAUNCH-002)?  [rollback-to-pilot]: "
                                    "undecided (deadline 15m")
    assert "OVERDUE" in render_show(inc, inc.refresh(), t0 + timedelta(minutes=16))[at + 1]
    (rb, d), = dec.decisions_of([inc.runbook()])
    view = dec.evaluate(d, rb, inc.state, t0 + timedelta(minutes=5), query=None, step_output=lambda _s: None)
    dec.record(inc, view, "NO-GO", by="dana", why="fix in 10 minutes")
    dec.record(inc, view, "GO", by="dana", why="fix failed")
    lines = render_show(inc, inc.refresh(), t0 + timedelta(minutes=20))
    at = lines.index("Decisions:")
    assert lines[at + 1].endswith("decided GO by dana")
    # RB-LAUNCH-005 stays current: the GO opened RB-LAUNCH-002 beside it
    assert lines[at + 2].endswith("NO-GO by dana: fix in 10 minutes")
    assert lines[at + 3].endswith("GO by dana: fix failed")


def test_a_go_whose_runbook_cannot_open_still_stands_and_says_so_and_evidence_is_redacted(tmp_path: Path) -> None:
    """The verdict is journaled first; a follow-up runbook the library does not have is said
    (the PIR says it was NOT opened), never a crash that hides the recorded verdict. A criterion's
    evidence (a query error with credentials in its URL) is redacted like any typed text."""
    body = ("```decision\nquestion = 'Roll back?'\ndeadline = '5m'\non_go = 'RB-NOWHERE-404'\n"
            "[[go]]\ntext = 'errors'\nquery = 'e'\nop = '>'\nvalue = 1\n```\n")
    (d,), problems = find_decisions(body)
    assert not problems
    inc = _incident(tmp_path)
    secret = "https://admin:hunter2-s3cr3t-pass@prom.example/api/v1/query"

    def down(_q: str) -> list[float]:
        raise WarroomError(f"cannot reach {secret} (Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789)")

    view = dec.evaluate(d, "RB-X", inc.state, inc.state.clock_start, query=down, step_output=lambda _s: None)
    done = dec.record(inc, view, "GO", by="dana", why="errors everywhere")
    assert done.opened is None and done.not_opened and "could NOT be opened" in done.said("GO")
    (rec,) = inc.refresh().decisions
    evidence = rec["criteria"][0]["evidence"]
    assert "hunter2" not in evidence and "abcdefghijklmnopqrstuvwxyz0123456789" not in evidence
    assert rec["judged_at"]
    assert "RB-NOWHERE-404 was NOT opened" in next(ln for ln in inc.render("pir").splitlines()
                                                   if ln.startswith("- GO on"))


def test_criteria_follow_the_drill_metrics_and_a_dead_prometheus_is_unknown(tmp_path: Path, dead_port: int) -> None:
    """Judged through the incident's real metric source: in the mass-failure drill the failing-repo
    count is 0 a minute in and 3 ten minutes in, and the criterion flips with it, its value
    journaled; a Prometheus nobody answers on makes it unknown, never met."""
    import socket

    from warroom.config import PrometheusConfig
    from warroom.drill.directory import create_drill
    from warroom.sources.prometheus import PrometheusSource

    body = ("```decision\nquestion = 'Roll back?'\ndeadline = '15m'\n[[go]]\ntext = '2 or more repos failing'\n"
            "query = 'count(sum by (repo) (rate(flowengine_flow_failures_total[5m])) / sum by (repo) "
            "(rate(flowengine_flow_executions_total[5m])) > 0.5) or sum(rate(flowengine_flow_executions_total[5m])) * 0'\n"
            "op = '>='\nvalue = 2\n```\n")
    rb = parse_runbook("# Rb\n" + body)
    assert not rb.findings
    # a drill read through a real incident runs on the wall clock: the moments judged must have happened
    drill = warmed(create_drill(tmp_path / "drills", "mass-failure", 1.0, start=1_700_000_000.0))
    source = drill.source()
    inc = _incident(tmp_path)

    def judged(scenario_s: float, src: object):  # type: ignore[no-untyped-def]
        now = datetime.fromtimestamp(drill.wall_time(scenario_s), UTC)
        (view,) = dec.evaluate_all(inc, inc.state, [rb], src, now)
        return view.criteria[0]

    early, later = judged(60.0, source), judged(600.0, source)
    assert (early.state, early.value) == (dec.NOT_MET, 0.0)
    assert (later.state, later.value) == (dec.MET, 3.0) and later.source and "count(" in later.source
    port = dead_port                       # refuses connections for the whole test
    dead = PrometheusSource(PrometheusConfig(url=f"http://127.0.0.1:{port}", timeout=1.0))
    try:
        down = judged(600.0, dead)
    finally:
        dead.close()
    assert down.state == dec.UNKNOWN and down.evidence.startswith("query failed")


def test_the_incoming_commanders_brief_says_each_decision_once_with_its_verdict(tmp_path: Path) -> None:
    from warroom.incident.handoff import catch_up_brief

    library = RunbookLibrary.from_config(Config())
    books = [library.get("RB-LAUNCH-005"), library.get("RB-LAUNCH-002")]      # one decision, two runbooks
    inc = _incident(tmp_path)
    late = inc.state.clock_start + timedelta(minutes=20)

    def said() -> tuple[str, ...]:
        brief = catch_up_brief(inc.refresh(), late, update_every=900.0, config=inc.config, runbooks=books)
        return dict(brief.sections)["Decisions (Go/No-Go)"]

    (line,) = said()
    assert "no verdict yet; OVERDUE, deadline 15m" in line
    (rb, d) = dec.decisions_of(books)[0]
    dec.record(inc, dec.evaluate(d, rb, inc.state, late, query=None, step_output=lambda _s: None),
               "GO", by="dana", why="7 repos down")
    (line,) = said()
    assert line.startswith("Roll back to the pilot repository (RB-LAUNCH-002)? GO by dana at ") and line.endswith(": 7 repos down")


def test_a_step_criterion_must_read_a_step_with_output_and_go_never_opens_a_path(tmp_path: Path) -> None:
    _, problems = find_decisions("# Rb\n\n- [ ] Count the repos by hand\n\n```decision\nquestion = 'q'\n"
                                 "deadline = '5m'\n[[go]]\ntext = 't'\nstep = '1'\npattern = '(\\d+)'\n"
                                 "op = '>'\nvalue = 1\n```\n")
    assert [(line, "checklist item with no command" in msg) for line, msg in problems] == [(8, True)]
    from warroom.runbook.decision import Decision

    secret = tmp_path / "not-a-runbook.md"
    secret.write_text("# private\n")
    crafted = Decision(id="x", question="q?", line=1, deadline=60.0, on_go=str(secret),
                       go=(), no_go=())    # a block the parser would refuse, built by hand
    inc = _incident(tmp_path / "inc")
    view = dec.evaluate(crafted, "RB-X", inc.state, inc.state.clock_start, query=None, step_output=lambda _s: None)
    done = dec.record(inc, view, "GO", by="dana", why="test")
    assert done.opened is None and "not a runbook id" in (done.not_opened or "")
    assert not any(str(r.get("path")) == str(secret) for r in inc.refresh().runbooks)


def test_decide_on_a_runbook_whose_block_is_broken_names_its_file_and_line(tmp_path: Path) -> None:
    import argparse

    from warroom.cli.incident_decide import cmd_decide

    rb = tmp_path / "broken.md"
    rb.write_text("+++\nid = \"RB-BROKEN\"\ntitle = \"Broken\"\n+++\n# Broken\n\n```decision\nquestion = 'q'\n"
                  "[[go]]\ntext = 't'\n```\n")
    cfg = Config()
    inc = IncidentStore(tmp_path / "state", cfg).create(title="t", severity="P3", runbook=rb, source={})
    with pytest.raises(WarroomError, match=rf"cannot be read: {re.escape(str(rb))}:7: decision block: 'deadline' is required"):
        cmd_decide(argparse.Namespace(id=inc.id, state_dir=str(tmp_path / "state"), config=None, decision=None,
                                      verdict=None, why="", by=None, json=False, read_only=False, context=None,
                                      shared=None))


def _decide_args(tmp_path: Path, inc_id: str, decision: str | None = None):  # type: ignore[no-untyped-def]
    import argparse

    return argparse.Namespace(id=inc_id, state_dir=str(tmp_path / "state"), config=None, decision=decision,
                              verdict=None, why="", by=None, json=False, read_only=False, context=None,
                              shared=None)


BROKEN_BESIDE = ("+++\nid = \"RB-BROKEN\"\ntitle = \"Broken\"\n+++\n# Broken\n\n```decision\nquestion = 'q'\n"
                 "[[go]]\ntext = 't'\n```\n")


def test_decide_names_a_broken_block_of_the_runbook_open_beside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The block errors are every attached runbook's, each naming its runbook: a broken block in
    the runbook a GO opened beside is not "no decision" (it read the current runbook's only)."""
    from warroom.cli.incident_decide import cmd_decide

    main, rb = tmp_path / "main.md", tmp_path / "broken.md"
    main.write_text("+++\nid = \"RB-MAIN\"\ntitle = \"Main\"\n+++\n# Main\n\n- [ ] look\n")
    rb.write_text(BROKEN_BESIDE)
    inc = IncidentStore(tmp_path / "state", Config()).create(title="t", severity="P3", runbook=main, source={})
    inc.attach_runbook_once(rb)
    with pytest.raises(WarroomError, match=rf"^the Go/No-Go block of RB-BROKEN cannot be read: "
                                           rf"{re.escape(str(rb))}:7: decision block: 'deadline' is required"):
        cmd_decide(_decide_args(tmp_path, inc.id))

    # a readable decision in the current runbook is shown, and the broken one is still said
    main.write_text(main.read_text() + "\n```decision\nquestion = 'Roll back?'\ndeadline = '15m'\n"
                    "[[go]]\ntext = 'the commander says so'\n```\n")
    inc2 = IncidentStore(tmp_path / "state", Config()).create(title="t2", severity="P3", runbook=main, source={})
    inc2.attach_runbook_once(rb)
    capsys.readouterr()
    assert cmd_decide(_decide_args(tmp_path, inc2.id)) == 0
    got = capsys.readouterr()
    assert got.out.startswith("Roll back?  [RB-MAIN / ")
    assert f"warning: the Go/No-Go block of RB-BROKEN cannot be read: {rb}:7:" in got.err


def test_a_runbook_attached_twice_has_its_decisions_judged_once(tmp_path: Path) -> None:
    """Replaced, then attached again: the journal lists it twice, its decision is one decision."""
    from warroom.incident.live import LiveIncident

    main, other = tmp_path / "main.md", tmp_path / "other.md"
    main.write_text("+++\nid = \"RB-MAIN\"\ntitle = \"Main\"\n+++\n# Main\n\n- [ ] look\n\n```decision\n"
                    "question = 'Roll back?'\ndeadline = '15m'\n[[go]]\ntext = 'the commander says so'\n```\n")
    other.write_text("+++\nid = \"RB-OTHER\"\ntitle = \"Other\"\n+++\n# Other\n\n- [ ] look\n")
    inc = IncidentStore(tmp_path / "state", Config()).create(title="t", severity="P3", runbook=main, source={})
    inc.attach_runbook(other)
    inc.attach_runbook(main)
    live = LiveIncident(inc, None)
    try:
        snap = live.snapshot()
        assert [r.get("id") for r in snap.state.runbooks] == ["RB-MAIN", "RB-OTHER", "RB-MAIN"]
        judged = dec.judge_incident(inc, snap, None, inc.state.clock_start + timedelta(minutes=1))
    finally:
        live.close()
    assert [(v.runbook_id, v.decision.question) for v in judged.views] == [("RB-MAIN", "Roll back?")]
    assert judged.broken == []


def test_an_overdue_deadline_is_journaled_once_however_many_watchers_notice_it(tmp_path: Path) -> None:
    """Two dashboards (or the dashboard's two workers, or a shell's 'incident decide') judge the
    same deadline passed: each checked the journal, then appended — a watcher whose append landed
    between the other's check and append made two decision.overdue events (the PIR listed the
    miss twice). And a view judged before another responder's verdict must not journal 'overdue'
    after it: the journal as it is when appending decides, the once mechanism (append_once)."""
    inc = _incident(tmp_path)
    other = IncidentStore(tmp_path, inc.config).open(inc.id)      # a second watcher, same journal
    t0 = inc.state.clock_start
    view = _judge(inc, t0 + timedelta(minutes=20), [7.0], None)
    real, first = other.journal.append, [True]

    def noticed_meanwhile(*args, **kwargs):     # the first watcher's append lands in between
        if first[0]:
            first[0] = False
            assert dec.remind_overdue(inc, [view]) == [view]
        return real(*args, **kwargs)

    other.journal.append = noticed_meanwhile
    assert dec.remind_overdue(other, [view]) == []
    assert not first[0]                         # the interleaving happened
    assert len(inc.refresh().decisions_overdue) == 1

    late = _incident(tmp_path / "late")
    stale = _judge(late, late.state.clock_start + timedelta(minutes=20), [7.0], None)
    assert stale.overdue
    dec.record(late, stale, "NO-GO", by="dana", why="fix lands in 10 minutes")   # decided meanwhile
    assert dec.remind_overdue(late, [stale]) == []
    assert late.refresh().decisions_overdue == []

def test_a_root_cause_note_never_marks_a_promise_about_the_fix_met(tmp_path: Path) -> None:
    """"Root cause found, and the fix lands within 30 minutes" was one criterion judged by the note
    alone: a note made the whole promise ✔ met. The note and the promise are judged apart."""
    library = RunbookLibrary.from_config(Config())
    inc = _incident(tmp_path)
    inc.note("root-cause", "schema v2 broke the validators")
    for rb_id in ("RB-LAUNCH-005", "RB-LAUNCH-002"):
        (d,) = library.get(rb_id).decisions
        view = dec.evaluate(d, rb_id, inc.refresh(), inc.state.clock_start, query=None, step_output=lambda _s: None)
        for c in view.criteria:
            if "30 minutes" in c.text:
                assert c.state == dec.UNKNOWN, (rb_id, c)
        assert any(c.kind == "note" and c.state == dec.MET for c in view.criteria)


def test_two_responders_taking_go_at_once_open_the_rollback_once(tmp_path: Path) -> None:
    """A checks that RB-LAUNCH-002 is not open, and while A snapshots it B's GO opens it: A must
    not open it a second time (the check is made on the journal at the append)."""
    a = _incident(tmp_path)
    b = IncidentStore(tmp_path, a.config).open(a.id)
    view = _judge(a, a.state.clock_start + timedelta(minutes=20), [7.0], None)
    real = a._snapshot_runbook

    def slow_snapshot(ref):  # type: ignore[no-untyped-def]
        data = real(ref)
        dec.record(b, view, "GO", by="lee", why="b was quicker")       # B's GO lands meanwhile
        return data

    a._snapshot_runbook = slow_snapshot  # type: ignore[method-assign]
    done = dec.record(a, view, "GO", by="dana", why="7 repos down")
    st = a.refresh()
    assert [d["by"] for d in st.decisions] == ["dana", "lee"]
    assert [r.get("id") for r in st.runbooks].count("RB-LAUNCH-002") == 1
    assert done.opened is None and done.already_open


def test_lint_reports_every_fault_of_a_block_each_on_its_line() -> None:
    """One pass of `runbooks lint` names them all, not the first one only."""
    _, problems = find_decisions("# T\n\n```decision\nquestion = 'q'\nwhen = 1\n[[go]]\ntext = 't'\nkind = 'metric'\n"
                                 "[[no_go]]\ntext = 'u'\nquery = 'up'\nop = '>'\nvalue = 'high'\n```\n")
    assert [(line, msg.split(": ", 1)[1][:32]) for line, msg in problems] == [
        (3, "'deadline' is required (how long"), (5, "unknown key 'when' (known: id, q"),
        (8, "[[go]] #1: unknown key 'kind' (a"), (13, "[[no_go]] #1: 'value' must be a ")]


def test_the_dashboard_looks_as_soon_as_a_deadline_passes_not_at_its_next_15_s_look() -> None:
    """At x60 the 15 s evidence look is 15 drill minutes: a passed deadline pulls it forward."""
    from panes.view import DecisionRow
    from tui.view import deadline_passed

    rows = (DecisionRow("a", "q?", due_at=100.0), DecisionRow("b", "q?", due_at=100.0, verdict="GO", by="x"),
            DecisionRow("c", "q?", due_at=100.0, overdue=True), DecisionRow("d", "q?", due_at=500.0))
    assert deadline_passed(rows, 99.0) == ()
    assert deadline_passed(rows, 100.0) == ("a",)          # decided, already reminded, not yet due: no


def test_at_x60_a_deadline_gives_the_commander_2_wall_minutes_and_every_view_says_so(tmp_path: Path) -> None:
    """redteam41 G5: at x60 a 15-minute deadline was 15 wall seconds (the shipped 30-minute ones 30),
    gone before a commander could page through the criteria, and every x60 verdict was "taken late".
    A drill speeds up the world, not the people: a deadline gets the approvals' wall floor
    (``scenario_time.for_people``), journaled as given with the runbook's own beside it, and the
    views say the deadline the commander had and why it is longer than the runbook's."""
    from warroom.incident.drill_report.decisions import decision_lines

    inc = _incident(tmp_path, speed=60.0)
    t0 = inc.state.clock_start
    read = _judge(inc, t0 + timedelta(seconds=60), [2.0], None)     # an hour of drill time: past the runbook's 15m
    assert not read.overdue and read.due_at == t0 + timedelta(seconds=120)
    raised = "raised from the runbook's deadline, 15m00s drill time (15s wall), so the commander has time to decide"
    assert read.due_text is not None and read.due_text.startswith("2h00m00s drill time (2m00s wall) after detection")
    assert raised in read.due_text
    late = _judge(inc, t0 + timedelta(seconds=121), [2.0], None)
    assert late.overdue and dec.remind_overdue(inc, [late]) == [late]
    (overdue,) = inc.refresh().decisions_overdue
    assert (overdue["deadline"], overdue["deadline_asked"]) == (7200.0, 900.0)
    dec.record(inc, late, "NO-GO", by="dana", why="fix lands soon")
    due = f"{t0 + timedelta(seconds=120):%H:%M:%S} UTC"
    pir = inc.render("pir")
    assert f"deadline {due} ({raised}) passed with no verdict" in pir, pir
    assert f"Taken after its deadline ({due}; {raised})." in pir, pir
    lines = decision_lines(inc.state, [], lambda t: (t - t0).total_seconds() * 60.0, t0 + timedelta(seconds=200))
    assert any("after its deadline (+2h00m00s drill time" in ln and raised in ln for ln in lines), lines
