"""Text that servers wrote — alert names, labels, annotations, server errors, provider names —
through the dashboard's alert line and alert table, rendered as a terminal would receive them:
every escape kind shown visibly, none emitted, markup literal."""

from __future__ import annotations

import io

from rich.console import Console

from panes.sources import alerts_line, alerts_table
from panes.view import HeaderInfo, StepView, TimelineItem
from tests.security.payloads import ESCAPES, forbidden, tagged, tags_seen
from warroom.sources.alerts import AlertsResult
from warroom.sources.model import Alert


def _render(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=4000, color_system=None, force_terminal=False, soft_wrap=True).print(renderable)
    return out.getvalue()


def test_alert_text_from_a_server_is_shown_not_obeyed() -> None:
    alert = Alert(name=tagged("alert-name") + "[bold]MARKUP[/]", severity="critical", since=0.0,
                  labels={"instance": tagged("alert-label")},
                  annotations={"summary": tagged("alert-summary")},
                  runbook=tagged("alert-runbook"), source=tagged("alert-source"), priority="P1")
    result = AlertsResult(alerts=(alert,), errors={tagged("server"): tagged("server-error")},
                          servers=("am",))
    text = _render(alerts_line(result, now=60.0)) + _render(alerts_table(result, now=60.0))
    assert not forbidden(text), forbidden(text)
    seen = 0
    for channel in ("alert-name", "alert-label", "alert-summary", "alert-runbook", "alert-source",
                    "server", "server-error"):
        kinds = tags_seen(text, channel)
        expected = set(ESCAPES)
        if channel == "alert-summary":  # an alert's title is its summary's first line: cut at CR
            order = list(ESCAPES)
            expected = set(order[:order.index("cr-overwrite") + 1])
        assert kinds == expected, (channel, sorted(expected - kinds))
        seen += len(kinds)
    assert seen == 6 * len(ESCAPES) + list(ESCAPES).index("cr-overwrite") + 1
    assert "[bold]MARKUP[/]" in text


def test_view_values_are_clean_whoever_builds_them() -> None:
    h = HeaderInfo(incident_id="INC-1", title=tagged("title"), sources=((tagged("src"), "ok"),),
                   gate=tagged("gate"))
    t = TimelineItem(at=0.0, kind="note", text=tagged("timeline"), tag=tagged("tag"))
    s = StepView(reason=tagged("reason"), excerpt=tagged("excerpt"))
    for value in (h.title, h.sources[0][0], h.gate, t.text, t.tag, s.reason, s.excerpt):
        assert not forbidden(value or "")
        assert "␛" in (value or "")
