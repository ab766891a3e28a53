"""The drill report's Go/No-Go line says where a verdict stood against its deadline as the times say
it (redteam34): "within its deadline" was said of every verdict the journal did not flag ``late``, so a
verdict 5 minutes past the deadline of a decision the runbook did not need then (``not_needed``: never
"late", by design) read "within its deadline" in the report while the PIR said "Taken while the runbook
did not need it"; so did a verdict of an older or hand-edited journal with no ``late`` flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from warroom.incident.drill_report.decisions import decision_lines

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)        # detection


def _clock(t: datetime) -> float:
    return (t - T0).total_seconds()


def _verdict(seq: int, minutes: float, verdict: str = "GO", **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "id": "rollback-to-pilot", "runbook_id": "RB-CORE-004", "question": "Roll back?",
            "verdict": verdict, "by": "dana", "why": "w", "at": T0 + timedelta(minutes=minutes),
            "due_at": T0 + timedelta(minutes=15), "late": False} | extra


def _line(*decisions: dict[str, Any]) -> str:
    state = SimpleNamespace(decisions=list(decisions), resolved=True)
    return decision_lines(state, [], _clock, T0 + timedelta(hours=1))[-1]  # type: ignore[arg-type]


def test_a_verdict_past_the_deadline_of_a_decision_not_needed_then_is_not_within_it() -> None:
    said = _line(_verdict(1, 20, not_needed="its condition is not met (12 < 90)"))
    assert "within its deadline" not in said, said
    assert "while the runbook did not need it (its condition is not met (12 < 90))" in said, said


def test_a_verdict_past_its_deadline_without_a_late_flag_says_how_far_past() -> None:
    said = _line(_verdict(1, 20))                         # an older or hand-edited journal: no late flag
    assert "within its deadline" not in said and "5m00s after its deadline (+15m00s drill time)" in said, said


def test_a_verdict_in_time_is_within_its_deadline_and_one_flagged_late_is_taken_late() -> None:
    assert _line(_verdict(1, 10)).endswith(", within its deadline (+15m00s drill time).")
    assert _line(_verdict(1, 15)).endswith(", within its deadline (+15m00s drill time).")   # at it: not past
    assert _line(_verdict(1, 20, late=True)).endswith(", 5m00s after its deadline (+15m00s drill time): taken late.")
