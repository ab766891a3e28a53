"""The PIR's Impact says UTC at each breach span's times (redteam47 F13): a span still open at the end ended in
words, and the " UTC" written after every span followed them ("from 09:16:34, still breached at the end UTC")."""

from __future__ import annotations

from types import SimpleNamespace

from warroom.incident.review.metrics import impact

AT = 1_796_548_594.0     # 2026-12-06 09:16:34 UTC


def test_an_open_breach_span_says_utc_at_its_time_not_after_its_words() -> None:
    slo = {"breached": True, "title": "Model API quota used", "unit": "percent", "crit": 95.0, "warn": 85.0,
           "breach_seconds": 404.0, "breaches": [[AT - 600.0, AT - 300.0], [AT, None]],
           "worst": {"value": 99.8, "at": AT + 60.0}}
    state = SimpleNamespace(metric_summary={"seq": 9, "slos": {"quota": slo}}, breaches=[], time_scale=1.0)
    [line] = impact(state)     # type: ignore[arg-type]
    assert "(09:06:34–09:11:34 UTC, from 09:16:34 UTC, still breached at the end);" in line.text, line.text
    assert "at the end UTC" not in line.text


def test_one_breach_has_the_journals_times_in_the_impact_as_in_key_moments() -> None:
    """redteam50 F9: Key Moments said 17:37:01 and 17:48:55 (the journal), the Impact 17:37:03–17:48:57 (the saved
    history's 3-second grid) for one breach. Each end of a span reads the journaled instant within a grid step of it;
    one further than a step (another breach) or outside the impact window keeps the grid's."""
    from datetime import UTC, datetime

    def said(kind: str, t: float) -> dict[str, object]:
        return {"slo_id": "gap", "kind": kind, "seq": 3, "at": datetime.fromtimestamp(t, tz=UTC)}
    slo = {"breached": True, "title": "Audit-log gap", "unit": "seconds", "crit": 300.0, "warn": 120.0,
           "breach_seconds": 714.0, "breaches": [[AT + 3.0, AT + 717.0], [AT + 900.0, None]],
           "worst": {"value": 1000.0, "at": AT + 600.0}}
    summary = {"seq": 9, "slos": {"gap": slo}, "window": {"step": 3.0}, "marks": {"started": AT - 60.0}}
    journal = [said("breached", AT + 1.5), said("recovered", AT + 715.5), said("breached", AT + 890.0),
               said("breached", AT - 61.0)]
    state = SimpleNamespace(metric_summary=summary, breaches=journal, time_scale=1.0)
    [line] = impact(state)     # type: ignore[arg-type]
    assert "(09:16:35–09:28:29 UTC, from 09:31:34 UTC, still breached at the end)" in line.text, line.text


def test_the_time_past_critical_is_the_sum_of_the_spans_it_stands_beside() -> None:
    """fix50f's leftover: the spans quote the journal's instants, the total was summed on the history's grid, so a span
    of 11m58s stood beside "for 11m54s" (each end a grid step off). The total moves by what each quoted end moved, in
    the Impact and in the SLO evidence table alike; every span is counted, those past the fourth said to be there."""
    from datetime import UTC, datetime

    from warroom.incident.review.metrics import evidence

    def said(kind: str, t: float) -> dict[str, object]:
        return {"slo_id": "gap", "kind": kind, "seq": 3, "at": datetime.fromtimestamp(t, tz=UTC)}
    slo = {"breached": True, "title": "Audit-log gap", "unit": "seconds", "crit": 300.0, "warn": 120.0,
           "breach_seconds": 714.0, "breaches": [[AT + 3.0, AT + 717.0]], "worst": {"value": 1000.0, "at": AT + 600.0}}
    summary = {"seq": 9, "slos": {"gap": slo}, "window": {"step": 3.0}, "marks": {"started": AT - 60.0}}
    state = SimpleNamespace(metric_summary=summary, time_scale=1.0,
                            breaches=[said("breached", AT + 1.0), said("recovered", AT + 719.0)])
    [line] = impact(state)     # type: ignore[arg-type]
    assert "for 11m58s (09:16:35–09:28:33 UTC)" in line.text, line.text      # 718 s: the span shown
    assert [p.breach for p in evidence(state)[0]] == ["11m58s"]     # type: ignore[arg-type]
    # six spans of a minute each, the grid's own: all six counted, the two not listed said to be there
    slo.update(breach_seconds=360.0, breaches=[[AT + 120.0 * k, AT + 120.0 * k + 60.0] for k in range(6)])
    [line] = impact(SimpleNamespace(metric_summary=summary, breaches=[], time_scale=1.0))   # type: ignore[arg-type]
    assert "for 6m00s (" in line.text and "09:22:34–09:23:34 UTC, and 2 more)" in line.text, line.text
