"""The brief's "Current state" says each pane's newest reading, its word and its value from the
same reading (A24-4).

Seen in a provider-outage drill: "SLO failure_rate: recovered 1.06% at 16:28:18 UTC" — the word
came from the recovery journaled at 16:28:25 (0.482%), the value from a step's evidence taken
seven seconds before it, above the 1% critical threshold the word said it was back under. Each with its
age: a reading journaled half an hour ago is not the state now (redteam42 R21; `incident brief` reads
the panes now beside it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.test_show_verify_gate import _incident
from warroom.incident.handoff import catch_up_brief
from warroom.journal import events as ev

SLO = {"slo_id": "failure_rate", "title": "Flow failure rate", "unit": "percent", "direction": "above",
       "query": "q"}


def _state_lines(inc) -> list[str]:  # type: ignore[no-untyped-def]
    brief = catch_up_brief(inc.refresh(), datetime(2026, 12, 2, 17, 0, tzinfo=UTC), update_every=900.0,
                           config=inc.config)
    return [s for s in dict(brief.sections)["Current state"] if s.startswith("SLO failure_rate")]


def _evidence(inc, at: str, value: float, state: str) -> None:  # type: ignore[no-untyped-def]
    inc.append(ev.EVIDENCE, {"step": 1, "step_id": "breaker", "when": "after", "at": at,
                             "values": {"failure_rate": {"value": value, "unit": "percent", "state": state}}})


def test_a_recovery_newer_than_the_evidence_gives_the_value(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.append(ev.SLO_BREACHED, {**SLO, "at": "2026-12-02T16:26:36.000Z", "value": 1.002, "threshold": 1.0})
    _evidence(inc, "2026-12-02T16:28:18.217Z", 1.0558, "crit")
    inc.append(ev.SLO_RECOVERED, {**SLO, "at": "2026-12-02T16:28:25.500Z", "value": 0.48198, "threshold": 0.5})
    assert _state_lines(inc) == ["SLO failure_rate: recovered 0.482% at 16:28:25 UTC, 31m34s ago"]


def test_evidence_newer_than_the_transition_keeps_its_word(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.append(ev.SLO_BREACHED, {**SLO, "at": "2026-12-02T16:26:36.000Z", "value": 1.002, "threshold": 1.0})
    _evidence(inc, "2026-12-02T16:28:18.217Z", 14.2, "crit")
    assert _state_lines(inc) == ["SLO failure_rate: BREACHED 14.2% at 16:28:18 UTC, 31m41s ago"]
    inc.append(ev.SLO_RECOVERED, {**SLO, "at": "2026-12-02T16:30:00.000Z", "value": 0.4, "threshold": 0.5})
    _evidence(inc, "2026-12-02T16:31:00.000Z", 0.7, "warn")   # under critical, over warn: no transition
    assert _state_lines(inc) == ["SLO failure_rate: warn 0.7% at 16:31:00 UTC, 29m00s ago"]
    _evidence(inc, "2026-12-02T16:32:00.000Z", 0.3, "ok")
    assert _state_lines(inc) == ["SLO failure_rate: recovered 0.3% at 16:32:00 UTC, 28m00s ago"]


def test_a_breach_with_no_evidence_says_its_own_value(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.append(ev.SLO_BREACHED, {**SLO, "at": "2026-12-02T16:26:36.000Z", "value": 1.002, "threshold": 1.0})
    assert _state_lines(inc) == ["SLO failure_rate: BREACHED 1% at 16:26:36 UTC, 33m24s ago"]
