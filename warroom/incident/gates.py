"""Where each step's verify gate stands, read from the journal's ``verify.*`` events.

The dashboard's header shows a gate line (``VERIFY step 22 · now 15.2% · want < 1% …``, then
``✔ passed at 0.8%`` or ``✖ FAILED: …``). ``warroom incident show`` must say the same thing
about the same step, so both read the gate's state from here: the last ``verify.*`` event of a
step, as long as it belongs to the step's latest run (a gate journaled before the step was run
again says nothing about the new run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.journal import events as ev

GATE_WORDS: dict[str, str] = {ev.VERIFY_STARTED: "pending", ev.VERIFY_PASSED: "passed",
                              ev.VERIFY_FAILED: "failed"}


@dataclass(frozen=True)
class GateState:
    """One step's verify gate as the journal has it now."""

    step: int | None
    step_id: str
    expr: str
    status: str                 # pending | passed | failed
    seq: int                    # the journal event that settled (or opened) it
    at: datetime | None
    deadline: str | None        # ISO time the gate gives up (from ``verify.started``)
    value: str | None           # the value it passed or failed at, with the pane's unit
    reason: str | None          # why it failed, or how a pass was confirmed

    def describe(self) -> str:
        """``verify pending: failure_rate < 1 within 15m`` / ``verify passed at 0.8%: …`` /
        ``verify FAILED: reason: …`` — the words the header's gate line uses."""
        if self.status == "passed":
            head = f"verify passed at {self.value}" if self.value else "verify passed"
        elif self.status == "failed":
            head = "verify FAILED" + (f": {self.reason}" if self.reason else "")
        else:
            head = "verify pending"
        return f"{head} ({self.expr})"

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "step_id": self.step_id, "expr": self.expr, "status": self.status,
                "seq": self.seq, "at": self.at.isoformat() if self.at else None, "deadline": self.deadline,
                "value": self.value, "reason": self.reason}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def gate_states(state: Any) -> dict[str, GateState]:
    """Each step's current gate, by step id (steps that never had a gate are absent)."""
    out: dict[str, GateState] = {}
    started: dict[str, dict[str, Any]] = {}
    for v in sorted(state.verifications, key=lambda v: int(v.get("seq") or 0)):
        step_id = str(v.get("step_id") or "")
        kind = str(v.get("type") or "")
        if not step_id or kind not in GATE_WORDS:
            continue
        if kind == ev.VERIFY_STARTED:
            started[step_id] = v
        opened = started.get(step_id, {})
        step = v.get("step")
        out[step_id] = GateState(
            step=int(step) if isinstance(step, int) or str(step).isdigit() else None,
            step_id=step_id, expr=str(v.get("expr") or opened.get("expr") or ""),
            status=GATE_WORDS[kind], seq=int(v.get("seq") or 0), at=v.get("at"),
            deadline=_text(opened.get("deadline")),
            value=_text(v.get("value_text") if v.get("value_text") is not None else v.get("value"))
            if kind != ev.VERIFY_STARTED else None,
            reason=_text(v.get("reason") or v.get("how")) if kind != ev.VERIFY_STARTED else None)
    for step_id, gate in list(out.items()):
        s = state.steps.get(step_id)
        run = s.last_run if s is not None else None
        opened_seq = int(started.get(step_id, {}).get("seq") or gate.seq)
        if run is not None and int(getattr(run, "seq", 0) or 0) > opened_seq:
            del out[step_id]   # the step ran again after this gate opened: the gate is history
    return out
