"""The journal's ``verify.*`` events read: which start an outcome settles, which gates are still open, which a re-run
supersedes, a gate's window and the words it was journaled with.

Its own module because these are the bookkeeping every gate view stands on (``gates.gate_states``, the watcher
that settles and supersedes gates, the PIR's citations, the brief), and none of it judges a gate: what a gate's
status is lives in ``gates``, whether a pass is evidence in ``gate_evidence``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warroom.journal import events as ev
from warroom.paths import command
from warroom.sources.verify import STARTED_SEQ


def window_end(deadline: Any) -> datetime | None:
    """A gate's journaled ``deadline`` (ISO) as a time, None when none was journaled."""
    if not deadline:
        return None
    try:
        end = datetime.fromisoformat(str(deadline).replace("Z", "+00:00"))
    except ValueError:
        return None
    return end if end.tzinfo is not None else end.replace(tzinfo=UTC)


def window_ended(deadline: Any, now: datetime) -> datetime | None:
    """When a gate's window (its journaled ``deadline``, ISO) ended, if ``now`` is past it; None
    while it runs or when no deadline was journaled."""
    end = window_end(deadline)
    return end if end is not None and now >= end else None


def unsettled(incident_id: str) -> str:
    """What a gate open past its window is, and what settles it (``warroom.sources.verify.
    settle_open``, which the dashboard and ``incident run`` call first): one sentence for every
    view that lists gates."""
    return (f"its watcher stopped; `{command('resume', incident_id)}` or the next"
            f" `{command('incident', 'run', incident_id, 'STEP')}` settles it from the metric history")


def journaled_words(d: dict[str, Any]) -> dict[str, Any]:
    """The words a gate event carries (``VerifyGate.words``; none in older journals) as
    ``GateState`` fields."""
    hold = d.get("hold")
    return {"title": str(d.get("title") or ""), "unit": str(d["unit"]) if d.get("unit") else None,
            "wanted": str(d.get("wanted") or ""),
            "hold": float(hold) if isinstance(hold, (int, float)) and not isinstance(hold, bool) else 0.0,
            "measure": str(d["measure"]) if d.get("measure") else None,
            "query": str(d["query"]) if d.get("query") else None,
            "lifted_by": tuple(str(n) for n in d.get("lifted_by") or () if n) if isinstance(d.get("lifted_by"), list)
            else (),
            "mitigates": d.get("mitigates") is not False}



def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _own(v: dict[str, Any]) -> int | None:
    """The ``verify.started`` seq an outcome names (:data:`STARTED_SEQ`), None in older journals."""
    own = v.get(STARTED_SEQ)
    return own if isinstance(own, int) and not isinstance(own, bool) else None


def opened_by(verifications: list[dict[str, Any]], outcome: dict[str, Any]) -> dict[str, Any] | None:
    """The ``verify.started`` an outcome settles: the one it names (:data:`STARTED_SEQ`: two gates of one step can
    be open at once, attack42 A14); for an outcome journaled before outcomes named it, the last start of its step
    (and runbook) before it. The one rule the PIR's citations and a pass's ``held_before`` read."""
    own = _own(outcome)
    if own is not None:
        return next((v for v in verifications if v.get("seq") == own and v.get("type") == ev.VERIFY_STARTED), None)
    seq = int(outcome.get("seq") or 2**62)
    key = (str(outcome.get("runbook_id") or ""), str(outcome.get("step_id")))
    return next((v for v in reversed(verifications) if v.get("type") == ev.VERIFY_STARTED
                 and int(v.get("seq") or 0) < seq and (str(v.get("runbook_id") or ""), str(v.get("step_id"))) == key),
                None)


def open_gates(state: Any) -> list[dict[str, Any]]:
    """``verify.started`` events with no outcome yet, from the state (as ``sources.verify.open_gates`` reads
    events): an outcome settles the start it names, an older one the gate of its step and expression."""
    opened: dict[tuple[str, str, str], dict[str, Any]] = {}
    for v in state.verifications:
        key = (str(v.get("runbook_id") or ""), str(v.get("step_id")), str(v.get("expr")))
        if v.get("type") == ev.VERIFY_STARTED:
            opened[key] = v
        elif (own := _own(v)) is not None:
            opened = {k: o for k, o in opened.items() if o.get("seq") != own}
        else:
            opened.pop(key, None)
    return list(opened.values())


def superseding(state: Any, runbook_id: str, step_id: str) -> dict[str, Any] | None:
    """The ``verify.superseded`` due for step ``(runbook_id, step_id)`` (None: none): an open gate of the step that
    opened before the step ran again, when that re-run has opened a gate of its own. Re-running a gated step while its
    gate still watches hands the verdict to the re-run's gate (attack42 A14: both stayed open, the dashboard watched
    the newer and settled the older on a later view, and nothing said one had given way to the other). Two gates of
    one run (no re-run between them) are each their own, settled by their own start."""
    def mine(v: dict[str, Any]) -> bool:
        return str(v.get("step_id") or "") == step_id and str(v.get("runbook_id") or "") in ("", runbook_id)

    starts = [v for v in state.verifications if v.get("type") == ev.VERIFY_STARTED and mine(v)]
    if len(starts) < 2:
        return None
    newest = max(starts, key=lambda v: int(v.get("seq") or 0))
    st = state.steps.get((runbook_id, step_id)) if runbook_id else next(
        (s for k, s in state.steps.items() if k[1] == step_id), None)
    runs = sorted((r for r in (st.runs if st is not None else ()) if r.seq), key=lambda r: int(r.seq))
    for old in (g for g in _unsettled(state.verifications)
                if mine(g) and int(g.get("seq") or 0) < int(newest.get("seq") or 0)):
        # the re-run that opened the newest gate: the step's last run before it (attack43 A5: the first run after the
        # old gate was named, which had failed and opened none)
        rerun = next((r for r in reversed(runs) if int(old.get("seq") or 0) < int(r.seq) < int(newest.get("seq") or 0)),
                     None)
        if rerun is not None:
            return {"step": old.get("step"), "step_id": step_id, **({"runbook_id": runbook_id} if runbook_id else {}),
                    "expr": old.get("expr"), STARTED_SEQ: int(old.get("seq") or 0), "by_seq": int(newest["seq"]),
                    "rerun_seq": int(rerun.seq), "rerun_at": rerun.started_at.isoformat()}
    return None


def superseded_words(d: dict[str, Any]) -> str:
    """``superseded by the re-run at 14:01:05 UTC``: what a ``verify.superseded`` (its data) says of the gate it
    closed, in every view (the timeline, ``incident run`` watching it, the dashboard)."""
    rerun = window_end(d.get("rerun_at"))
    return f"superseded by the re-run at {rerun:%H:%M:%S} UTC" if rerun is not None else "superseded by the re-run"


def _unsettled(verifications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every ``verify.started`` nothing closed, by its own seq (``open_gates`` keeps one per step and expression):
    an outcome or a superseding closes the start it names, an older outcome the last open start of its step and
    expression."""
    opened: dict[int, dict[str, Any]] = {}

    def key(v: dict[str, Any]) -> tuple[str, str, str]:
        return str(v.get("runbook_id") or ""), str(v.get("step_id")), str(v.get("expr"))

    for v in sorted(verifications, key=lambda v: int(v.get("seq") or 0)):
        if v.get("type") == ev.VERIFY_STARTED:
            opened[int(v.get("seq") or 0)] = v
        elif (own := _own(v)) is not None:
            opened.pop(own, None)
        elif last := [s for s, o in opened.items() if key(o) == key(v)]:
            del opened[max(last)]
    return list(opened.values())


def _owner(state: Any, step_id: str, seq: int) -> tuple[str, Any]:
    """The runbook whose step ``step_id`` ran last before journal event ``seq`` (a gate opens
    after its step ends ok; ``verify.*`` events name the step, not its runbook), and that step's
    state. Two runbooks attached in turn may both have a step with this id."""
    best: tuple[int, str, Any] | None = None
    for (rb, sid), st in state.steps.items():
        if sid != step_id:
            continue
        started = [int(r.seq or 0) for r in st.runs if int(r.seq or 0) < seq]
        if started and (best is None or max(started) > best[0]):
            best = (max(started), rb, st)
    if best is not None:
        return best[1], best[2]
    current = str((state.runbook or {}).get("id") or "")
    return current, state.steps.get((current, step_id))
