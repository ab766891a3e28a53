"""A runbook branch's condition (``applies_when`` under a section): the steps of a branch that did not apply are
"not needed", never "not done" (redteam45 R4).

The provider-outage drill (one provider down) worked through steps 1-9, 20 and 21 with a root-cause note and
resolved: the drill report said "12 of 27 steps done; … not done: … Turn on the circuit breaker … (Two providers
down: …); Switch to manual review mode (All providers down)" and the PIR listed steps 12 and 13 as "not done" — the
two steps the commander must not take with one provider down. RB-CORE-004 now states each branch's condition; the
looks judge it (``branch.judged``) and every view says those steps were not needed, and why. A branch whose
condition could not be judged stays "not done" and says so; a step run anyway stays done.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import drill_incident
from warroom.incident.drill_report import drill_report, report_lines
from warroom.journal import events as ev
from warroom.runbook.parser import load_runbook, parse_runbook

ROOT = Path(__file__).resolve().parents[2]
CORE_004 = ROOT / "runbooks" / "RB-CORE-004-provider-outage.md"
BREAKER = "Turn on the circuit breaker to spare the last provider's quota, and cap concurrency at 5 flows"
MANUAL = "Switch to manual review mode (human in the loop)"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _ran(inc, number: int) -> None:  # type: ignore[no-untyped-def]
    step = inc.step(number)
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true", "mutating": step.mutating})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1})


def _worked(tmp_path: Path, *, looks: bool = True, run: tuple[int, ...] = ()):  # type: ignore[no-untyped-def]
    """The R4 repro: provider-outage x10, steps 1-9, 20, 21 (and ``run``), a root-cause note, resolved; the looks
    (``check_branches``, what the dashboard's and each CLI command's look do) at three moments unless ``looks``
    is False. Returns (drill report, its text, the PIR)."""
    d, inc, clock, _breach = drill_incident(tmp_path, "provider-outage", 10.0, title="Model API 5xx",
                                            severity="P2", pane="error_5xx", runbook="RB-CORE-004")
    source = d.source()
    for i, number in enumerate((*range(1, 10), 20, 21, *run)):
        clock.t += 6                                   # a minute of drill time between steps
        _ran(inc, number)
        if looks and i % 4 == 0 and hasattr(inc, "check_branches"):
            inc.check_branches(source, clock())
    inc.note("root-cause", "Anthropic outage; no fallback model was configured")
    clock.t += 6
    inc.resolve("failed over to gpt-4-turbo", rollback=False, concerns=None)
    state = inc.refresh()
    report = drill_report(d, state, at=clock.t, slos=inc.config.slo, runbook=inc.runbook(),
                          runbook_of=lambda rb: inc.runbook(rb))
    return report, "\n".join(report_lines(report)), inc.render(now=datetime.fromtimestamp(clock.t, UTC)), inc


def test_the_branches_that_did_not_apply_are_not_needed_in_the_report_and_the_pir(tmp_path: Path) -> None:
    report, text, pir, inc = _worked(tmp_path)
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-004 path:")]
    assert line.startswith("Runbook RB-CORE-004 path: 11 of 25 steps done (of 27: 2 not needed, their branch did"
                           " not apply); not done: "), line
    owed, spared = line.split("; not needed: ")
    assert BREAKER not in owed and MANUAL not in owed
    assert f"{BREAKER} (Two providers down: protect the one that is left): its branch did not apply: Two or more" \
           " providers down (over 10% of their calls answered 5xx, or out of routing with no calls): judged not met" \
           " (Providers down: " in spared
    assert f"{MANUAL} (All providers down): its branch did not apply: Every provider is down" in spared
    assert f"[not needed: its branch did not apply: Every provider is down: all 3 (over 10% of their calls answered" \
           f" 5xx, or out of routing with no calls): judged not met (Providers down: " in text
    assert f"] All providers down: {MANUAL}" in text
    assert "[not done] All providers down" not in text and "[not done] Two providers down" not in text
    failed = pir.split("## Steps Skipped or Failed")[1].split("\n## ")[0]
    assert f"Step 12 ({BREAKER}) not needed: its branch “Two providers down: protect the one that is left” did not" \
           " apply: " in failed, failed
    assert f"Step 13 ({MANUAL}) not needed: its branch “All providers down” did not apply: " in failed
    assert f"({BREAKER}) not done" not in failed and f"({MANUAL}) not done" not in failed
    assert "Step 10 (" in failed and "not done (runbook step with no journal event)" in failed   # a real miss stays
    # the incoming commander's brief lists the steps owed and not done: 14, not the 16 it counted with them
    from warroom.incident.handoff import catch_up_brief

    brief = catch_up_brief(inc.state, inc.clock(), update_every=inc.update_every_of, config=inc.config,
                           runbooks=[inc.runbook()]).text()
    assert "... and 8 more" in brief and BREAKER not in brief and MANUAL not in brief, brief
    # the journal has one line per branch: the looks judged it not met each time, a change only is journaled
    assert [(j["section"], j["condition"]["state"]) for j in inc.state.branches_judged] == [
        ("Two providers down: protect the one that is left", "not met"), ("All providers down", "not met")]


def test_a_branch_never_judged_stays_not_done_and_says_it_could_not_be_judged(tmp_path: Path) -> None:
    """No look read the metrics (a journal worked headless with no source): unknown is never "not needed"."""
    report, text, pir, _inc = _worked(tmp_path, looks=False)
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-004 path:")]
    assert line.startswith("Runbook RB-CORE-004 path: 11 of 27 steps done; not done: ") and "not needed" not in line
    assert f"[not done: whether its branch applied could not be judged: Every provider is down: all 3 (over 10% of" \
           f" their calls answered 5xx, or out of routing with no calls): never judged while open (no look read it)]" \
           f" All providers down: {MANUAL}" in text
    failed = pir.split("## Steps Skipped or Failed")[1].split("\n## ")[0]
    assert f"Step 13 ({MANUAL}) not done (runbook step with no journal event); whether its branch “All providers" \
           " down” applied could not be judged" in failed
    assert "not needed" not in failed


def test_a_step_of_a_branch_that_did_not_apply_run_anyway_stays_done(tmp_path: Path) -> None:
    report, text, pir, _inc = _worked(tmp_path, run=(12,))
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-004 path:")]
    assert line.startswith("Runbook RB-CORE-004 path: 12 of 26 steps done (of 27: 1 not needed"), line
    assert f"[ok] Two providers down: protect the one that is left: {BREAKER}" in text
    assert f"Step 12 ({BREAKER})" not in pir.split("## Steps Skipped or Failed")[1].split("\n## ")[0]


def _judged(state: str) -> dict:
    return {"runbook_id": "RB-CORE-004", "section": "All providers down", "condition": {"state": state,
                                                                                       "evidence": state}}


def test_the_rule_over_the_incident() -> None:
    """Met once while open: the branch applied, though it lapsed since; unknown at any look and never met: could
    not be judged (never "not needed"); not met at every look: did not apply."""
    from types import SimpleNamespace

    from warroom.incident import branches

    (branch,) = [b for b in load_runbook(CORE_004).branches if b.section == "All providers down"]

    def said(*states: str) -> str:
        return branches.standing(SimpleNamespace(branches_judged=[_judged(s) for s in states]), "RB-CORE-004",
                                 branch).state

    assert said("not met", "met", "not met") == branches.APPLIED
    assert said("not met", "unknown", "not met") == said() == said("unknown") == branches.UNJUDGED
    assert said("not met") == branches.DID_NOT_APPLY
    standing = branches.standing(SimpleNamespace(branches_judged=[_judged("unknown")]), "RB-CORE-004", branch)
    assert branches.step_shown("pending", standing) == "pending" and standing.not_needed is None
    done = branches.standing(SimpleNamespace(branches_judged=[_judged("not met")]), "RB-CORE-004", branch)
    assert branches.step_shown("pending", done) == branches.NOT_NEEDED
    assert branches.step_shown("ok", done) == "ok" and branches.step_shown("skipped", done) == "skipped"


BAD = """+++
id = "RB-T-1"
title = "t"
severity = "P3"
+++
# T

## Mitigation

### Branch A

```applies_when
text = "x"
query = "nope_query"
op = ">"
value = 1
```

```bash
# a
echo a
```

### Branch B

```bash
# b
echo b
```

```applies_when
text = "later"
after = "5m"
```

### Branch C

```applies_when
text = "judged by the commander"
```

### Branch D

```applies_when
text = "d"
query = "up"
opp = ">"
```

```applies_when
text = "again"
after = "1m"
```

```bash
# d
echo d
```

### Branch A

```applies_when
text = "a second branch under the first one's title"
after = "1m"
```

```bash
# a again
echo a2
```
"""


def test_a_bad_condition_names_its_file_line_and_key(tmp_path: Path) -> None:
    from warroom.runbook.lint import lint_paths

    path = tmp_path / "RB-T-1.md"
    path.write_text(BAD)
    found = [str(f) for f in lint_paths([str(path)])]
    assert (f"{path}:14: error: applies_when of section 'Branch A': condition 'x': 'nope_query' is not a query this"
            " runbook names") in "\n".join(found), found
    assert f"{path}:31: error: applies_when block: it must come before the first step of section 'Branch B'" \
           in "\n".join(found)
    assert f"{path}:38: error: applies_when block: it must measure something" in "\n".join(found)
    assert f"{path}:47: error: applies_when block: unknown key 'opp'" in "\n".join(found)
    rb = parse_runbook(BAD, path)          # the loader: the same findings, no branch taken from a bad block
    assert [b.section for b in rb.branches] == ["Branch A", "Branch D"]     # D: its second block, which reads
    assert any(f.line == 47 and "'opp'" in f.message for f in rb.findings)
    # one title, two branches: one journal key, each judged on the other's evidence (attack46 X2)
    assert (f"{path}:62: error: applies_when block: section 'Branch A' has the title of the branch at line 10: the"
            " journal names a branch by its title") in "\n".join(found), found


def test_a_step_read_branch_is_judged_once_its_step_has_read(tmp_path: Path) -> None:
    """attack46 X3: the declaration's own look (before the detection step ran) journaled RB-LAUNCH-004's level 3
    "unknown (step spend-last-day has not run)", and one unknown made the branch "could not be judged" for ever,
    quoting "has not run" after the step had read $60. Nothing is journaled until the step has read the state."""
    from datetime import timedelta

    from tests.unit.incident_fixtures import Clock
    from warroom.config import Config
    from warroom.incident import branches
    from warroom.incident.store import IncidentStore

    t0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    clock = Clock(t0, step=0.0)
    inc = IncidentStore(tmp_path / "inc", Config(), clock=clock).create(
        title="Spend above soft limit", severity="P2", commander="Dana Lee", runbook="RB-LAUNCH-004")
    assert [e for e in inc.check_branches(None, clock.now) if "Level 3" in e.data["section"]] == []
    step = inc.step("spend-last-day")
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    (Path(inc.dir) / "out1.txt").write_text("repo-a  $31.20\nrepo-b  $28.80\nTotal cost (last 24h): $60.00\n")
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command, "mutating": False})
    clock.now += timedelta(minutes=1)
    assert [e for e in inc.check_branches(None, clock.now) if "Level 3" in e.data["section"]] == []   # running
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.5, "output": "out1.txt"})
    clock.now += timedelta(minutes=1)
    (judged,) = [e for e in inc.check_branches(None, clock.now) if "Level 3" in e.data["section"]]
    assert judged.data["condition"]["state"] == "not met"
    (level3,) = [b for b in inc.runbook().branches if "Level 3" in b.section]
    standing = branches.standing(inc.refresh(), "RB-LAUNCH-004", level3)
    assert standing.state == branches.DID_NOT_APPLY and "60 > 75 is false" in standing.why, standing.why


def test_no_model_call_at_all_is_no_data_for_the_providers_down_branch(tmp_path: Path) -> None:
    """attack46 X1: the shipped ``providers_down`` query (``providers_failing`` then) ended in ``or vector(0)``: with
    FlowEngine halted (no call, 5xx share NaN) it read 0 failing, "not met", and "Two providers down" did not apply
    on no evidence."""
    from tests.unit.standins_corpus import run_one, warm_drill

    (query,) = [q.promql for name, q in load_runbook(CORE_004).queries.items() if name == "providers_down"]
    d = warm_drill(tmp_path, "provider-outage", name="halted")
    assert [s.value for s in d.simulator.evaluate(query, -1800.0)] == [0.0]      # calls answered, none failing
    assert [s.value for s in d.simulator.evaluate(query, 900.0)] == [1.0]        # one provider down
    assert run_one(d, ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=0"], 1000.0)[0] == 0
    d.simulator.refresh()
    assert d.simulator.evaluate(query, 1400.0) == []                             # no call: no data, unknown


def test_a_provider_taken_out_of_routing_is_still_counted_down(tmp_path: Path) -> None:
    """attack46 X13: the branch counted providers whose calls fail, so step 9 (take the failed provider out of
    routing) hid it: one provider down and disabled, a second failing, read "1 >= 2 is false" and the circuit
    breaker step was "not needed" in the very state it is written for. A provider with no calls while others have
    some is down (no call is no evidence it recovered)."""
    from tests.unit.standins_corpus import run_one, warm_drill

    (query,) = [q.promql for name, q in load_runbook(CORE_004).queries.items() if name == "providers_down"]
    d = warm_drill(tmp_path, "provider-outage", name="routed")
    env = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production"]
    assert run_one(d, [*env, "FALLBACK_MODEL=gpt-4-turbo", "FALLBACK_ON_5XX=true"], 400.0)[0] == 0
    assert run_one(d, [*env, "DISABLE_PROVIDERS=anthropic"], 500.0)[0] == 0
    d.simulator.refresh()
    assert [s.value for s in d.simulator.evaluate(query, 1200.0)] == [1.0]       # anthropic: out of routing, down
    assert run_one(d, [*env, "DISABLE_PROVIDERS=anthropic,openai"], 1300.0)[0] == 0
    d.simulator.refresh()
    assert [s.value for s in d.simulator.evaluate(query, 2000.0)] == [2.0]       # two out: two down, one left


def test_the_dashboards_resolve_judges_the_branches_at_the_resolve(tmp_path: Path) -> None:
    """attack46 X11: the CLI's resolve judges the branches (its sync) but the dashboard's did not, though it reads
    the panes afresh at that moment: a branch met since the last look came out "not needed". The resolve is the last
    moment while open: the dashboard's resolve judges them first (``tui.presenter.IncidentCalls.resolve``)."""
    from types import SimpleNamespace

    from tui.presenter import IncidentCalls
    from warroom.incident.concern_reading import read_concerns

    d, inc, clock, _breach = drill_incident(tmp_path, "provider-outage", 10.0, title="Model API 5xx",
                                            severity="P2", pane="error_5xx", runbook="RB-CORE-004")
    source = d.source()
    clock.t += 60                                       # no look since the declaration
    assert not [e for e in inc.read().events if e.type == ev.BRANCH_JUDGED]
    failed: list[object] = []
    presenter = SimpleNamespace(require=lambda: SimpleNamespace(incident=inc, source=None),
                                read_concerns=lambda: read_concerns(inc, source, clock(), speed=10.0),
                                ctx=SimpleNamespace(source=source, config=inc.config), post=failed.append)
    IncidentCalls(presenter).resolve("failed over to gpt-4-turbo", "failed over", False)   # type: ignore[arg-type]
    kinds = [e.type for e in inc.read().events]
    assert failed == [] and kinds.count(ev.BRANCH_JUDGED) == 2, kinds
    assert kinds.index(ev.BRANCH_JUDGED) < kinds.index(ev.RESOLVED)     # judged while still open


def test_every_provider_out_of_routing_is_all_down_and_opens_the_rollback_decision(tmp_path: Path) -> None:
    """redteam47 F11: with every provider out of routing each flow fails ("no enabled model provider") and no call is
    made, so the query's ``count(… > 0)`` of providers with calls was empty, 3 − ∅ = ∅: "Providers down" read no data
    exactly when all three were, and "All providers down" read a 5xx share of no calls (NaN): its branch and the
    rollback decision were unknown in the state they are written for. Flows starting with no call made is all down;
    no flow and no call (FlowEngine halted) stays no data."""
    from tests.unit.standins_corpus import run_one, warm_drill

    book = load_runbook(CORE_004)
    query = book.queries["providers_down"].promql
    (every,) = [b for b in book.branches if b.section == "All providers down"]
    assert (every.condition.query, every.condition.op, every.condition.value) == ("providers_down", ">=", 3.0)
    (decision,) = [d for d in book.decisions if d.id == "rollback-to-pilot"]
    assert decision.applies_when is not None and decision.applies_when.query == "providers_down"
    d = warm_drill(tmp_path, "provider-outage", name="all-out")
    env = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production"]
    assert run_one(d, [*env, "DISABLE_PROVIDERS=anthropic,openai,google"], 400.0)[0] == 0
    d.simulator.refresh()
    assert [s.value for s in d.simulator.evaluate(query, 1200.0)] == [3.0]       # flows fail, no call: all down
    assert run_one(d, ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=0"], 1300.0)[0] == 0
    d.simulator.refresh()
    assert d.simulator.evaluate(query, 2000.0) == []                             # halted as well: unknown
