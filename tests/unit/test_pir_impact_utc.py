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
