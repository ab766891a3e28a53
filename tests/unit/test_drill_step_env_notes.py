"""The run dialog's notes on unset variables know the drill's step environment (redteam43 R1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-003-rate-limit-exhaustion.md"
USAGE = "Ask Anthropic how much of today's quota is used"


def _usage_step(inc: object) -> str:
    book = inc.runbook()                                          # type: ignore[attr-defined]
    return str(next(s.number for s in book.steps if s.label == USAGE))


def test_a_drill_step_reading_a_key_the_drill_sets_is_not_told_it_is_empty(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    state = tmp_path / "state"
    drill = create_drill(state / "drills", "rate-limit", speed=10)
    inc = IncidentStore(state).create(title="Quota", severity="P3", runbook=RUNBOOK,
                                      drill={"scenario": "rate-limit", "speed": 10, "dir": str(drill.path)})
    assert not any("ANTHROPIC_API_KEY" in n for n in inc.prepare_step(_usage_step(inc), {}).notes)
    # a real incident's step, with nobody having exported it, still is told
    real = IncidentStore(tmp_path / "real").create(title="Quota", severity="P3", runbook=RUNBOOK)
    assert any("$ANTHROPIC_API_KEY: no step of the runbook sets it" in n
               for n in real.prepare_step(_usage_step(real), {}).notes)
