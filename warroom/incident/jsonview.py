"""The incident state as JSON (``warroom incident show --json``): a stable, additive interface.

Times are ISO-8601 UTC strings like the journal's; durations are seconds; fields may be added,
never renamed. In a drill ``elapsed`` stays wall seconds (as it always was) and ``scenario_elapsed``
/ ``time_scale`` say the drill's time; ``response_times[].minutes`` are scenario minutes (what
``met`` judges), ``wall_minutes`` beside them.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident import verdicts
from warroom.incident.closing import closed_now
from warroom.journal.log import format_ts

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_ts(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def state_to_json(state: IncidentState, now: datetime | None = None) -> dict[str, Any]:
    said = verdicts.of_state(state, now)
    out: dict[str, Any] = {
        "id": state.id, "title": state.title, "severity": state.severity, "status": state.status,
        "commander": state.commander, "declared_at": state.declared_at, "declared_by": state.declared_by,
        "resolved_at": state.resolved_at, "source": state.source, "drill": state.drill,
        "runbook": state.runbook, "resolution": state.resolution,
        "beside": state.beside,      # runbooks a GO opened beside the current one (opened_by: the verdict)
        # runbooks closed while open beside (who, when, why, the progress frozen at closing)
        "closed": [c.to_json() for c in closed_now(state)],
        "phases": state.phases,
        # ``met``: within target on the clock; ``verdict``: what every view says (``verdicts``: a
        # resolution with a pane still past critical is "clock only", never a plain met)
        "response_times": [asdict(r) | {"verdict": asdict(said[r.key])} for r in state.response_times()],
        "steps": [
            # each record with its runbook: a GO's runbook beside has its own step 1 (attack47 Y13)
            {"runbook": s.runbook_id, "step": s.step, "step_id": s.step_id, "label": s.label, "status": s.status,
             "attempts": s.attempts, "exit_code": s.exit_code, "duration": s.duration,
             "expect_met": s.expect_met,
             "expect_verdict": s.last_run.expect_verdict if s.last_run else None,
             "expect_reason": s.last_run.expect_reason if s.last_run else None,
             "expect_kind": s.last_run.expect_kind if s.last_run else None, "output": s.output, "skipped_reason": s.skipped_reason,
             "ticked_by": s.ticked_by, "runs": [asdict(r) for r in s.runs],
             # a read-only seat's runs (``observer_seat``): never the step's, said apart
             **({"observed": [asdict(r) for r in s.observed]} if s.observed else {}),
             "dry_runs": s.dry_runs, "refusals": s.refusals}
            for s in state.step_list()
        ],
        "notes": [asdict(n) for n in state.notes],
        "timeline": [asdict(t) for t in state.sorted_timeline()],
        "status_updates": [asdict(u) for u in state.status_updates],
        "alerts": state.alerts,
        "evidence": [asdict(e) for e in state.evidence],
        "exports": [asdict(x) for x in state.exports],
        "severity_changes": state.severity_changes,
        "roles": dict(state.roles),
        "role_changes": state.role_changes,
        "handoff_reminders": state.handoff_reminders,
        "escalations": state.escalations,          # escalation.tier: each tier reached, when
        "approvals": [{**{k: v for k, v in asdict(r).items() if k != "history"},
                       "state": r.state_at(now) if now is not None else r.status,
                       "expires_at": r.expires_at()} for r in state.approvals.values()],
        "last_seq": state.last_seq,
        "events": state.event_count,
        "journal_issues": state.journal_issues,
    }
    if now is not None:
        esc = state.escalation_tier(now)
        out["elapsed"] = state.elapsed(now).total_seconds()                    # wall seconds
        out["scenario_elapsed"] = state.scenario_elapsed(now).total_seconds()  # x the drill's speed
        out["time_scale"] = state.time_scale
        out["escalation"] = asdict(esc)
    return _plain(out)
