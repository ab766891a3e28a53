"""The PIR's commands table and appendix: every command run, in order, with who ran it, its state
(in the dashboard's words), exit and duration, the approval it used, whether its expectation held,
its effect on the SLOs, and for the appendix the command, target, output and evidence values."""

from __future__ import annotations

from datetime import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.incident.gates import run_gates
from warroom.incident.marks import EXPECT_MARKS, describe_verdict, run_state, run_verdict, state_word
from warroom.incident.review.effects import entry_text, history_cite, run_effect
from warroom.incident.review.lines import cite, hms

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


@dataclass
class CommandRow:
    n: int
    step: str            # the table's Step column: "4 Label", "RB-LAUNCH-002 step 4 Label"
    title: str           # the appendix's heading: "Step 4 Label", "RB-LAUNCH-002 step 4 Label"
    actor: str
    started: str
    result: str
    expectation: str
    effect: str
    cites: tuple[int, ...]
    command: str
    target: str
    output: str
    evidence: str
    expect_text: str

    @property
    def cite(self) -> str:
        return cite(self.cites)


def _approval_of_runs(state: IncidentState) -> dict[int, Any]:
    """run seq -> the approval used for it (the run whose start carried it, else the first run of
    that step after an ``approval.used`` line):
    the step of the request's own runbook (two runbooks can have a step of the same id); a request
    journaled without a runbook id matches the step id alone, as it was asked."""
    out: dict[int, Any] = {}
    for req in state.approvals.values():
        if req.used_seq is None:
            continue
        runs = [r for st, r in state.commands_run()
                if ((st.runbook_id, st.step_id) == req.key or (not req.runbook_id and st.step_id == req.step_id))
                and r.seq >= req.used_seq and r.seq not in out]
        if runs:
            out[min(runs, key=lambda r: r.seq).seq] = req
    return out


def _column(name: str) -> str:
    """A step's name in a column headed "Step": the number alone when the name is only that."""
    return name.removeprefix("Step ")


def commands(state: IncidentState, now: datetime) -> list[CommandRow]:
    rows = []
    approved = _approval_of_runs(state)
    gates = run_gates(state, now)     # a gate open past its window at the PIR's now: unsettled, never verified
    for i, (st, run) in enumerate(state.commands_run(), start=1):
        name = state.step_name(st.runbook_id, st.step or st.step_id, start=True)
        verdict = run_verdict(run)
        bits = [state_word(run_state(run, gates.get(run.seq)))]
        if run.exit_code is not None:
            bits.append(f"exit {run.exit_code}")
        if run.duration is not None:
            bits.append(stime.process_text(state, run.duration))
        expectation = (EXPECT_MARKS[verdict.state].word.removeprefix("expectation ")   # "NOT met"
                       if verdict is not None and verdict.state in EXPECT_MARKS else "—")
        expect_detail = describe_verdict(verdict) if verdict is not None else ""
        effect = run_effect(run, state.metric_summary, state.time_scale)
        if run.mutating and not effect:
            effect = "no SLO values recorded" if run.status == "ok" else "—"
        cites = [run.seq] + ([run.end_seq] if run.end_seq else [])
        req = approved.get(run.seq)
        if req is not None:
            bits.append(f"approved ({req.id}) by {req.decided_by.shown if req.decided_by else '?'}")
            cites += [c for c in (req.decided_seq, req.used_seq) if c]
        cites += history_cite(state, run)
        if run.mutating:
            cites += run.evidence_seqs
        target = ", ".join(f"{k} {v}" for k, v in sorted(run.target.items()) if v)
        ev_text = "; ".join(f"before {k}: {entry_text(v)}" for k, v in sorted(run.evidence_before.items()))
        for off, vals in sorted(run.evidence_after.items()):
            ev_text += ("; " if ev_text else "") + f"+{stime.text(state, off, wall=False)}: " + ", ".join(
                f"{k} {entry_text(v)}" for k, v in sorted(vals.items()))
        rows.append(CommandRow(
            n=i, step=f"{_column(name)} {st.label}".strip(), title=f"{name} {st.label}".strip(),
            actor=run.actor, started=hms(run.started_at),
            result=" · ".join(bits), expectation=expectation,
            effect=effect or "—", cites=tuple(c for c in cites if c), command=run.command or "",
            target=target, output=run.output or "", evidence=ev_text if run.mutating else "",
            expect_text=(f"{run.expect} ({expect_detail})" if run.expect and expect_detail else run.expect or "")))
    return rows
