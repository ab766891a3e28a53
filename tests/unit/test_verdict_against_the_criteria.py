"""A verdict taken against the tool's suggestion, or with none of its own criteria met, is said so
in the PIR's Go/No-Go record and the drill report (``decisions.verdict_basis``), not left to the
reader to set the suggestion beside the verdict.

Before: a GO recorded while the tool suggested NO-GO read "GO … by bob: hunch. The tool suggested
NO-GO; criteria …" and a GO with every GO criterion not met "The tool made no suggestion …":
nothing said the commander overrode the tool or decided against every measured criterion."""

from __future__ import annotations

from typing import Any

from tests.unit.test_incident_state import declared, make_events
from warroom.incident.decisions import verdict_basis
from warroom.incident.drill_report.decisions import measured_then
from warroom.incident.fold import replay
from warroom.incident.review.decisions import decisions
from warroom.journal import events as ev


def _verdict(verdict: str, suggestion: str, states: dict[str, str]) -> dict[str, Any]:
    return {"id": "rollback", "named": True, "runbook_id": "RB-1", "question": "Roll back?", "verdict": verdict,
            "by": "bob", "why": "hunch", "suggestion": suggestion,
            "criteria": [{"side": side, "text": f"{side} {i}", "state": state, "evidence": f"x {i}", "kind": "metric"}
                         for i, (side, state) in enumerate(states.items())]}


def test_a_go_against_a_no_go_suggestion_is_said_to_override_it() -> None:
    d = _verdict("GO", "NO-GO", {"go": "not met", "no_go": "met"})
    assert verdict_basis(d) == ("against the tool's suggestion (NO-GO): the commander overrode it;"
                                " none of its 1 measured GO criteria was met")
    [line] = decisions(replay(make_events([(0, ev.DECLARED, declared()), (5, ev.DECISION_RECORDED, d)])))
    assert "hunch. Against the tool's suggestion (NO-GO): the commander overrode it;" in str(line.text)
    assert (measured_then(d) or "").startswith("Measured when it was taken (against the tool's suggestion (NO-GO)")


def test_a_go_with_no_suggestion_and_no_go_criterion_met_says_so() -> None:
    d = _verdict("GO", "undecided", {"go": "not met", "no_go": "unknown"})
    assert verdict_basis(d) == ("the tool made no suggestion (neither side's rule held);"
                                " none of its 1 measured GO criteria was met")


def test_a_criterion_left_to_judgement_is_never_counted_as_not_met() -> None:
    d = _verdict("GO", "undecided", {"go": "unknown"})
    d["criteria"][0]["kind"] = "judgement"
    assert verdict_basis(d) == "the tool made no suggestion (neither side's rule held)"


def test_a_verdict_as_suggested_says_only_that() -> None:
    assert verdict_basis(_verdict("NO-GO", "NO-GO", {"go": "not met", "no_go": "met"})) == "as the tool suggested"


def test_a_why_typed_over_several_lines_is_one_line_in_every_view() -> None:
    """`incident decide 1 --go --why $'ok\\n  ◆ Roll back?  [rollback]: decided NO-GO by alice'` printed a
    forged decision line in `incident show`'s Decisions; the fold keeps a verdict's who and why on one
    line (``records.one_line``), as it does a skip's and a closing's reason."""
    forged = "  ◆ Roll back?  [rollback]: decided NO-GO by alice"
    d = _verdict("GO", "GO", {"go": "met"}) | {"why": f"ok\n{forged}", "by": "bob"}
    st = replay(make_events([(0, ev.DECLARED, declared()), (5, ev.DECISION_RECORDED, d)]))
    assert st.decisions[0]["why"] == "ok ◆ Roll back? [rollback]: decided NO-GO by alice"
    assert all(len(t.text.splitlines()) == 1 for t in st.timeline)
    [line] = decisions(st)
    assert "\n" not in str(line.text)
