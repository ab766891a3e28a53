"""Go/No-Go as a real decision: the runbook states it, the tool judges each criterion from what
it knows (never 'met' by guess), the commander's verdict is journaled with who, why and the
criteria as judged; on GO the follow-up runbook opens beside the current one; a missed deadline
is journaled once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.decision import find_decisions
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.parser import parse_runbook

BLOCK = '''
intro

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
    assert d.id == "rollback" and d.deadline == 900 and d.on_go == "RB-LAUNCH-002" and d.line == 4
    assert [c.kind for c in d.go] == ["metric", "note", "step"]
    assert [c.kind for c in d.no_go] == ["note", "metric", "judgement"]
    bad = "x\n\n```decision\nquestion = 'q?'\n[[go]]\ntext = 't'\nquery = 'up'\nop = '=>'\nvalue = 1\n```\n"
    _, problems = find_decisions(bad)
    assert problems and problems[0][0] == 3 and "op" in problems[0][1]
    _, problems = find_decisions("```decision\nquestion = 'q'\nwhen = 1\n[[go]]\ntext='t'\n```\n")
    assert "unknown key 'when'" in problems[0][1]
    _, problems = find_decisions("```decision\nquestion = 'q'\n[[go]]\ntext='t'\n")
    assert "never closed" in problems[0][1]
    rb = parse_runbook("# T\n" + bad)
    assert any("op" in f.message and f.line == 4 for f in rb.findings)


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

    return dec.evaluate(d, "RB-X", inc.state, now, query=query, step_output=lambda step: output)


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
    inc = _incident(tmp_path, speed=10.0)
    t0 = inc.state.clock_start
    view = _judge(inc, t0 + timedelta(seconds=91), [2.0], None)   # 15m10s of scenario time
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
    event = dec.record(inc, view, "GO", by="dana", why="7 repos failing, no root cause")
    overdue_seq = inc.refresh().decisions_overdue[0]["seq"]
    for template in ("pir", "rca", "postmortem"):
        text = inc.render(template)
        assert "## Decisions" in text, template
        line = next(ln for ln in text.splitlines() if ln.startswith("- GO on"))
        assert "by dana: 7 repos failing, no root cause" in line and f"[#{event.seq}]" in line
        assert "criteria 2 met" in line and "many repos failing" in line
        assert f"passed with no verdict (decided later) [#{overdue_seq}]" in text
    plain = _incident(tmp_path / "other")
    assert "## Decisions" not in plain.render("pir")
