"""What a step run did, in the words the timeline row and the commands table share: its state
word (``warroom.incident.marks``, as the dashboard and ``incident show`` say it) and what the SLOs
did: in a drill, what the simulator says the run's own actions changed; elsewhere the values seen
while it ran (journaled then, else read back from the metric history), said as seen, never as its
effect. The two sections of one PIR cannot describe the same run differently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.incident.review.lines import value_text
from warroom.incident.review.metrics import past
from warroom.units import format_stated

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


# A real source gives values, never causes: what the panes did while a step ran is said as seen,
# not as the step's doing (another step, the vendor or the load may have moved them). A drill's
# simulator knows causes: what it says a run changed is said as caused.
SEEN = "seen while it ran (not attributed): "
CAUSED = "what it changed (drill simulator): "


def entry_text(e: dict[str, Any]) -> str:
    """One journaled evidence value in its unit; ``?`` when the pane had none."""
    if e.get("value") is None:
        return "?"
    return format_stated(float(e["value"]), str(e.get("unit") or "count"))


def run_effect(run: Any, summary: dict[str, Any] | None = None, scale: float = 1.0) -> str:
    """``quota 86.5% → 71.2% (+5m)`` for a step that changes things; read-only steps say no
    change is expected (their after-values are not evidence of anything they did). Values
    journaled while the step ran come first; else those read back from the metric history."""
    if not run.mutating:
        return "no change expected (read-only)"
    caused = drill_effect(run, summary)
    if caused is not None:
        return caused
    if not run.evidence_before and not run.evidence_after:
        seen = history_effect(run, summary, scale)
        return f"{SEEN}{seen}" if seen else ""
    ranked: list[tuple[int, float, str]] = []
    after = sorted(run.evidence_after.items())
    ids = sorted(set(run.evidence_before) | {k for _, vals in after for k in vals})
    for slo_id in ids:
        b = run.evidence_before.get(slo_id) or {}
        chain = [entry_text(b)]
        for off, vals in after:
            later = stime.Span(off, scale).text(wall=False)
            chain.append(f"{entry_text(vals.get(slo_id) or {})} (+{later})")
        states = [b.get("state")] + [(vals.get(slo_id) or {}).get("state") for _, vals in after]
        values = [v for v in [b.get("value")] + [(vals.get(slo_id) or {}).get("value") for _, vals in after]
                  if isinstance(v, (int, float))]
        change = (max(values) - min(values)) / max(abs(values[0]), 1e-9) if len(values) > 1 else 0.0
        bad = any(s in ("warn", "crit") for s in states)
        if bad or change > 0.2:   # a pane that was in trouble, or moved by more than a fifth
            ranked.append((0 if bad else 1, -change, f"{slo_id} " + " → ".join(chain)))
    seen = "; ".join(text for _, _, text in sorted(ranked)[:3])
    return f"{SEEN}{seen}" if seen else ""


def drill_effect(run: Any, summary: dict[str, Any] | None) -> str | None:
    """What the drill's simulator says this run changed (``drill_effects`` of the summary,
    ``drill_report.actions.run_effects``), None outside a drill or for a run the summary predates."""
    caused = ((summary or {}).get("drill_effects") or {}).get(str(run.seq))
    return None if caused is None else f"{CAUSED}{caused}"


def history_effect(run: Any, summary: dict[str, Any] | None, scale: float = 1.0) -> str:
    """A finished mitigation's before/after values as the metric history read them (the summary's
    ``steps``), for a run that journaled none itself; panes that barely moved and stayed fine are
    left out; "" when the summary has nothing for it."""
    if not summary or run.status != "ok":
        return ""
    rec = (summary.get("steps") or {}).get(str(run.end_seq or run.seq))
    if not rec:
        return ""
    slos = summary.get("slos") or {}
    parts = []
    for slo_id, v in (rec.get("values") or {}).items():
        e = slos.get(slo_id) or {}
        b, a = v["before"]["value"], v["after"]["value"]
        level = e.get("warn") if e.get("warn") is not None else e.get("crit")
        span = abs((e.get("crit") or 0) - (e.get("warn") or 0)) or abs(e.get("crit") or 1.0) or 1.0
        if abs(a - b) < 0.05 * span and not (level is not None and past(max(a, b), level, e)):
            continue
        unit = str(v.get("unit") or "count")
        mins = stime.Span(max(0.0, v["after"]["at"] - v["before"]["at"]), scale).text(wall=False)
        parts.append(f"{slo_id} {value_text(b, unit)} → {value_text(a, unit)} (after {mins}, metric history)")
    return "; ".join(parts[:3])


def history_cite(state: IncidentState, run: Any) -> list[int]:
    """The ``metrics.summarised`` seq when the run's effect is quoted from the metric history."""
    summary = state.metric_summary
    if run.mutating and (drill_effect(run, summary) is not None or (
            not (run.evidence_before or run.evidence_after) and history_effect(run, summary, state.time_scale))):
        return [int(summary["seq"])]  # type: ignore[index]
    return []
