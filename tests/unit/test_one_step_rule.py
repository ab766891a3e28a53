"""One rule for how a step shows (``warroom.incident.marks``), read by every surface.

The rule — a step's journaled status, its latest run's expectation verdict and its verify gate make
one state, with one icon and one word — was written out again in the timeline reducer, the handoff
brief, the stakeholder draft, ``incident show``, the dashboard's step view, the PIR and the drill
report. Each copy was right when written; the next change to the rule would have left some behind.

Two guards:
* the source: no module outside ``marks.py`` judges a step itself (imports ``step_state``, reads
  ``.word`` off ``STEP_MARKS``, compares a verdict's state to a literal, keeps its own set of done
  statuses); they call ``checklist_state`` / ``run_state`` / ``state_word`` / ``run_word``.
* the behaviour: for one journal holding a matrix of step histories, every surface shows each step
  in the same state, in the same word.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from tests import source_trees
from tests.unit.incident_fixtures import ran_ok
from tests.unit.test_runbook_beside import _mass_failure
from tui.view import step_view
from warroom.cli.incident_show import _checklist, render_show
from warroom.incident.gates import gate_states
from warroom.incident.handoff import catch_up_brief
from warroom.incident.marks import DONE_MARKS, NOT_CLEAN_MARKS, STEP_MARKS, state_word
from warroom.journal.log import format_ts
from warroom.incident.pir_context import pir_context
from warroom.journal import events as ev

ROOT = Path(__file__).resolve().parents[2]
MARKS = ROOT / "warroom" / "incident" / "marks.py"
VERDICT_STATES = {"met", "unmet", "unchecked"}


def _sources() -> list[Path]:
    """The surfaces' modules; their trees are parsed once for every sweep (tests.source_trees)."""
    return [p for p in source_trees.modules("warroom", "tui")
            if p != MARKS and "__pycache__" not in p.parts and not p.is_relative_to(ROOT / "warroom" / "execute")]


def _judgements(tree: ast.AST) -> list[tuple[int, str]]:
    """Places a module judges a step on its own instead of asking ``marks``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "warroom.incident.marks":
            found += [(node.lineno, "imports step_state") for a in node.names if a.name == "step_state"]
        elif isinstance(node, ast.Attribute) and node.attr == "step_state" and isinstance(node.value, ast.Name) \
                and node.value.id == "marks":
            found.append((node.lineno, "calls marks.step_state"))
        elif isinstance(node, ast.Attribute) and node.attr == "word" and "STEP_MARKS" in ast.unparse(node.value):
            found.append((node.lineno, "reads a word off STEP_MARKS (use marks.state_word)"))
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "state":
            lits = {c.value for c in node.comparators if isinstance(c, ast.Constant) and isinstance(c.value, str)}
            if lits & VERDICT_STATES:
                found.append((node.lineno, f"re-judges a verdict's state ({', '.join(sorted(lits))})"))
        elif isinstance(node, (ast.Tuple, ast.Set, ast.List)):
            lits = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if {"ok", "ticked"} <= lits and not lits & {"pending", "failed"}:   # a done set, not the vocabulary
                found.append((node.lineno, "keeps its own set of done statuses (use marks.DONE_MARKS)"))
    return found


def test_no_surface_judges_a_step_itself() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line}: {why}" for p in _sources()
           for line, why in _judgements(source_trees.tree(p))]
    assert bad == [], "\n".join(bad)


def test_the_guard_sees_a_re_implementation() -> None:
    """The source guard is not vacuous: each of the shapes it looks for is found."""
    sample = '''
from warroom.incident.marks import STEP_MARKS, step_state
word = STEP_MARKS[s].word
if verdict.state == "unmet": pass
done = s in ("ok", "ticked", "skipped")
'''
    assert [why.split(" ")[0] for _, why in _judgements(ast.parse(sample))] == \
        ["imports", "reads", "re-judges", "keeps"]


# ---- the behaviour: one journal, a matrix of step histories, every surface ------------------------

def _finished(inc, number: int, status: str, **extra) -> object:  # type: ignore[no-untyped-def]
    step = inc.step(number)
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true", "mutating": False})
    inc._append(ev.STEP_FINISHED, {**ref, "status": status, "exit_code": 0 if status == "ok" else 1,
                                   "duration": 0.1, **extra})
    return step


def _matrix(inc) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Journal one history per state; returns {step number: the state the checklist must show}."""
    book = inc.runbook()
    runnable = [s.number for s in book.steps if s.command]
    n = iter(runnable)
    want: dict[int, str] = {}

    def gate(step: object, outcome: str | None, deadline: timedelta | None = None) -> None:
        g = {"step": step.number, "step_id": step.id, "runbook_id": book.id,  # type: ignore[attr-defined]
             "expr": "failure_rate < 1 within 10m"}
        # ``deadline``: the window's end from the incident's clock (past: its watcher is gone)
        # "held": the measure already met the line when the step started and never left it (P25-1)
        before = {"before": {"value": 0.2, "value_text": "0.2%", "holds": True}} if outcome == "held" else {}
        inc._append(ev.VERIFY_STARTED, {**g, **before} if deadline is None
                    else {**g, **before, "deadline": format_ts(inc.clock() + deadline)})
        if outcome in ("passed", "held"):
            inc._append(ev.VERIFY_PASSED, {**g, "value": 0.4})
        elif outcome == "failed":
            inc._append(ev.VERIFY_FAILED, {**g, "reason": "still 14% after 10m", "value": 14})

    s = ran_ok(inc, k := next(n), expect="5 or more", expect_met=True, expect_verdict="met",
                expect_reason="the output holds 21.6 (wanted 5 or more)", expect_kind="numeric")
    want[k] = "ok"
    ran_ok(inc, k := next(n), expect="99 or more", expect_met=False, expect_verdict="unmet",
            expect_reason="the output holds 90.7 (wanted 99 or more)", expect_kind="numeric")
    want[k] = "unmet"
    ran_ok(inc, k := next(n), expect="below 1", expect_met=None, expect_verdict="unchecked",
            expect_reason="no number in the output", expect_kind="numeric")
    want[k] = "unchecked"
    for outcome, state in ((None, "verifying"), ("passed", "ok"), ("failed", "unverified"), ("held", "held_before")):
        s = ran_ok(inc, k := next(n), mutating=True)
        gate(s, outcome)
        want[k] = state
    # a gate whose window is still running, and one whose window ended with no outcome (the
    # ``incident run`` that watched it was killed): every surface looks at least a minute later
    for ahead, state in ((timedelta(hours=1), "verifying"), (-timedelta(minutes=1), "unsettled")):
        s = ran_ok(inc, k := next(n), mutating=True)
        gate(s, None, ahead)
        want[k] = state
    for status in ("failed", "timed_out", "cancelled"):
        _finished(inc, k := next(n), status)
        want[k] = status
    s = inc.step(k := next(n))
    ref = {"step": s.number, "step_id": s.id, "label": s.label, "runbook_id": book.id}
    inc._append(ev.STEP_SKIPPED, {**ref, "reason": "not this release"})
    want[k] = "skipped"
    s = inc.step(k := next(n))
    inc._append(ev.STEP_TICKED, {"step": s.number, "step_id": s.id, "label": s.label, "runbook_id": book.id})
    want[k] = "ticked"
    s = inc.step(k := next(n))
    inc._append(ev.STEP_REFUSED, {"step": s.number, "step_id": s.id, "runbook_id": book.id,
                                  "command": s.command, "reason": "read-only session"})
    want[k] = "pending"                     # a refusal is said beside the row; the step is still to do
    s = inc.step(k := next(n))
    inc._append(ev.STEP_DRY_RUN, {"step": s.number, "step_id": s.id, "label": s.label, "runbook_id": book.id,
                                  "command": s.command, "params": {}})
    want[k] = "pending"                     # a dry run did nothing
    _finished(inc, k := next(n), "failed")
    ran_ok(inc, k, expect="5 or more", expect_met=True, expect_verdict="met",
            expect_reason="the output holds 9 (wanted 5 or more)", expect_kind="numeric")
    want[k] = "ok"                          # the latest run decides
    return want


def test_every_surface_shows_each_step_in_the_same_state(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    want = _matrix(inc)
    assert set(want.values()) >= {"ok", "unmet", "unchecked", "verifying", "unsettled", "unverified", "failed",
                                  "timed_out", "cancelled", "skipped", "ticked", "pending", "held_before"}
    st = inc.refresh()
    book = inc.runbook()
    by_number = {s.number: s for s in book.steps}
    gates = gate_states(st, inc.clock())

    # incident show --json, and its text's mark
    shown = {row["step"]: row["state"] for row in _checklist(inc, st, inc.clock())}
    text = render_show(inc, st, inc.clock())
    # the dashboard's step view
    views = {n: step_view(st.steps[by_number[n].id], st, gates).state for n in want if by_number[n].id in st.steps}
    # the PIR: failed steps and the commands table (the latest run of each step)
    ctx = pir_context(st, inc.config, inc.clock() + timedelta(minutes=1))
    pir_failed = {r["step"]: r["state"] for r in ctx["failed"]}
    pir_runs = {r.step: r.state for r in ctx["commands"]}          # a later run overwrites an earlier
    # the incoming commander's brief: what is not done
    brief = dict(catch_up_brief(st, inc.clock(), update_every=inc.update_every(), config=inc.config,
                                runbooks=inc.open_runbooks()).sections)
    not_done = "\n".join(brief.get("Steps running and not done", []))

    for n, state in want.items():
        step = by_number[n]
        assert shown[n] == state, (n, shown[n], state)
        row = next(line for line in text if f" {n:>3} " in f" {line} " and step.label[:20] in line)
        assert f"{STEP_MARKS[state].icon} {STEP_MARKS[state].ascii}" in row, (n, row)
        if step.id in st.steps:
            assert views[n] == state, (n, views[n], state)
        if state in NOT_CLEAN_MARKS:           # trouble, and a gate that ended with no outcome: never "clean"
            assert pir_failed.get(n) == state_word(state), (n, pir_failed.get(n))
        else:
            assert n not in pir_failed, (n, pir_failed[n])
        if n in pir_runs:
            assert pir_runs[n] == state_word(state), (n, pir_runs[n], state)
        named = f"({step.label}):" in not_done     # the brief names up to six open steps per runbook
        if named:
            assert f"({step.label}): {state_word(state)}" in not_done, (n, state, not_done)
        assert not named or (state not in DONE_MARKS and state != "verifying"), (n, state)
    assert sum(f"({by_number[n].label}):" in not_done for n in want) >= 3
