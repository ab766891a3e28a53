"""A gate's window opens when its step ended, not when its ``verify.started`` line was written.

``journal_started`` probes the measure before the step (``before``) between building the line and writing it; under
load that took 6.4 s (suite52a), past the half-second window of a ×1200 drill's gate. A settle after the fact took the
window's start from the line's time (``open_gates``), judged no instant of the window and journaled "ran out: no data"
of a gate whose measure held under its line all through it (``test_tui_gate_fast_drill[1200.0]``'s flake). The line
now carries ``opened``, and ``open_gates`` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warroom.journal.events import VERIFY_STARTED
from warroom.sources.evidence import iso
from warroom.sources.verify import VerifyRun, journal_started, open_gates, parse_verify


@dataclass
class _Line:
    type: str
    data: dict[str, Any]
    ts: datetime
    seq: int


@dataclass
class _LateJournal:
    """Writes each line ``late`` seconds after the window opened (the probe's time under load)."""

    opened: float
    late: float
    lines: list[_Line] = field(default_factory=list)

    def append(self, etype: str, data: dict[str, Any]) -> _Line:
        line = _Line(etype, dict(data), datetime.fromtimestamp(self.opened + self.late, UTC), len(self.lines) + 1)
        self.lines.append(line)
        return line


class _NoSource:
    """No ``before`` is asked for here; a read would be a bug of this test."""


def test_a_line_written_past_its_deadline_keeps_the_window_it_opened() -> None:
    gate = parse_verify("share_429 < 15 for 2m within 10m", [], {})
    opened = 1_800_000_000.0
    run = VerifyRun(gate, _NoSource(), started_at=opened, speed=1200.0)     # type: ignore[arg-type]
    assert run.deadline - opened == 0.5                  # ten drill minutes at ×1200
    journal = _LateJournal(opened, late=6.4)
    data = journal_started(journal, 6, "enable-circuit-breaker", run)
    assert data["opened"] == iso(opened) and journal.lines[0].ts.timestamp() > run.deadline
    [g] = open_gates(journal.lines)
    assert g.started_at == opened and g.deadline == run.deadline, g
    assert g.seq == 1


def test_a_line_journaled_before_it_carried_opened_reads_its_own_time() -> None:
    """Older journals: the window opens at the line's time, as before."""
    ts = datetime(2027, 1, 15, 8, 0, 0, tzinfo=UTC)
    line = _Line(VERIFY_STARTED, {"step": 6, "step_id": "s", "expr": "x < 1 within 10m",
                                  "deadline": iso(ts.timestamp() + 600)}, ts, 3)
    [g] = open_gates([line])
    assert g.started_at == ts.timestamp()
