"""Red-team cases for the alerts line (rt15): silenced/inhibited alerts are not firing but never
invisible; a startsAt in the future is not "firing for 0s"; a blank severity label falls back to
the next configured label; syslog severity words map; 200 alerts are counted exactly."""

from __future__ import annotations

import pytest

from panes.sources import alert_label, alerts_line, alerts_table
from tests.integration.sources_http import FakeHTTP, Reply
from warroom.config import AlertsConfig
from warroom.sources.alerts import AlertSource, AlertsResult
from warroom.sources.model import Alert
from warroom.sources.severity import map_severity


def _fetch(items: list[dict]) -> AlertsResult:
    with FakeHTTP(lambda req: Reply(200, items)) as fake:
        source = AlertSource(AlertsConfig(alertmanager_url=fake.url, prometheus_alerts=False, timeout=5.0))
        try:
            return source.fetch()
        finally:
            source.close()


def test_silenced_and_inhibited_alerts_do_not_count_but_are_said() -> None:
    items = [{"labels": {"alertname": "Quiet1", "severity": "critical"}, "annotations": {},
              "startsAt": "2026-01-01T00:00:00Z", "status": {"state": "suppressed", "silencedBy": ["s1"],
                                                             "inhibitedBy": []}},
             {"labels": {"alertname": "Quiet2", "severity": "warning"}, "annotations": {},
              "startsAt": "2026-01-01T00:00:00Z", "status": {"state": "suppressed", "silencedBy": [],
                                                             "inhibitedBy": ["x"]}}]
    result = _fetch(items)
    assert result.alerts == () and result.all_clear      # nothing firing that anyone must act on
    assert [a.name for a in result.silenced] == ["Quiet1", "Quiet2"]
    line = alerts_line(result).plain
    assert "none firing" in line and "2 silenced/inhibited" in line, line
    # with something firing too, the count says both, and the firing count excludes them
    items.append({"labels": {"alertname": "Loud", "severity": "page"}, "annotations": {},
                  "startsAt": "2026-01-01T00:00:00Z", "status": {"state": "active"}})
    result = _fetch(items)
    line = alerts_line(result).plain
    assert "1 firing" in line and "2 silenced/inhibited" in line and "Quiet1" not in line, line
    import io

    from rich.console import Console
    out = Console(file=io.StringIO(), width=200, no_color=True)
    out.print(alerts_table(result))
    table = out.file.getvalue()
    assert "Quiet1" in table and "silenced" in table and "Quiet2" in table and "inhibited" in table


def test_start_in_the_future_is_not_firing_for_zero_seconds() -> None:
    a = Alert("Skewed", "critical", 1000.0 + 600, priority="P1")
    text = alert_label(a, 1000.0).plain
    assert " 0s" not in text and "future" in text, text


def test_blank_severity_falls_back_and_syslog_words_map() -> None:
    result = _fetch([{"labels": {"alertname": "A", "severity": "  ", "priority": "P2"}, "annotations": {},
                      "startsAt": "2026-01-01T00:00:00Z"}])
    assert result.alerts[0].priority == "P2" and result.alerts[0].severity == "P2"
    for word, sev in (("emerg", "P1"), ("Alert", "P1"), ("err", "P2"), (" CRITICAL\t", "P1")):
        assert map_severity(word) == sev, word


def test_two_hundred_alerts_are_counted_exactly() -> None:
    items = [{"labels": {"alertname": f"A{i}", "severity": ("critical", "warning", "info", "weird")[i % 4]},
              "annotations": {}, "startsAt": "2026-01-01T00:00:00Z"} for i in range(200)]
    result = _fetch(items)
    line = alerts_line(result).plain
    assert "200 firing (50×P1 50×P3 50×P4 50×?)" in line, line[:120]


def test_an_html_error_page_is_quoted_as_words() -> None:
    from warroom.sources.httpjson import first_line

    nginx = ("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>b{}</style></head>"
             "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
    assert first_line(nginx) == "502 Bad Gateway"
    assert first_line("<html><body><h1>Forbidden</h1><p>go away</p></body></html>") == "Forbidden go away"
    assert first_line("plain error\nsecond") == "plain error"


def test_an_alert_without_alertname_still_counts_and_garbage_is_never_none_firing() -> None:
    # Alertmanager accepts any non-empty label set: an alert with no alertname is still firing.
    result = _fetch([{"labels": {"job": "billing", "severity": "critical"}, "annotations": {},
                      "startsAt": "2026-01-01T00:00:00Z"}])
    assert len(result.alerts) == 1 and result.alerts[0].priority == "P1", result
    assert "job=billing" in result.alerts[0].name
    line = alerts_line(result).plain
    assert "1 firing" in line and "none firing" not in line, line
    # Items that are not alerts at all: the line says so, never "none firing".
    result = _fetch(["not an alert", {"labels": "nope"}])
    assert not result.all_clear
    line = alerts_line(result).plain
    assert "none firing" not in line and "2 malformed" in line, line


@pytest.mark.parametrize("width", [66, 94])      # the alerts dialog's body at 80x24 and at 120x40
def test_the_full_view_keeps_every_column_whatever_alertmanager_sends(width: int) -> None:
    """Names, runbook links and server URLs are Alertmanager's, any length: with every column but
    "what" no-wrap, one long name made Rich drop sev, for and what whole. Every character of every
    cell stays in its column; the times are whole on one line."""
    from tests.unit.test_fit_table import draw, read_columns

    now = 1_800_000_000.0
    long_ = Alert(name="FlowEngineModelApiQuotaNearlyExhaustedInEveryRegion", severity="critical", since=now - 8_639_940,
                  labels={"alertname": "x", "region": "eu-west-1", "provider": "openai"},
                  annotations={"summary": "Quota above 80% for every provider"}, priority="P1",
                  runbook="https://runbooks.example.com/flowengine/RB-CORE-003-model-api-quota",
                  source="http://alertmanager-eu-west-1.monitoring.internal:9093")
    skewed = Alert(name="ClockSkewed", severity="warning", since=now + 86_400, priority="P3", runbook="RB-CORE-001")
    quiet = Alert(name="QuietOne", severity="info", since=now - 60, priority="P4", state="silenced/inhibited")
    result = AlertsResult(alerts=(long_, skewed), silenced=(quiet,), fetched_at=now,
                          errors={"http://alertmanager-us-east-1.monitoring.internal:9093": "connection refused"},
                          kinds={"http://alertmanager-us-east-1.monitoring.internal:9093": "down"})
    table = alerts_table(result, now)
    text, _ = draw(table, width)
    cols, lines = read_columns(table, width)
    headers = ["sev", "alert", "since (UTC)", "for", "runbook", "what", "from"]
    assert [c.header for c in table.columns] == headers
    assert text.splitlines()[0].split() == ["sev", "alert", "since", "(UTC)", "for", "runbook", "what", "from"], text
    assert max(len(ln) for ln in text.splitlines()) <= width, text
    for i, col in enumerate(table.columns):           # nothing dropped, nothing cut
        assert cols[i] == "".join("".join(str(c).split()) for c in (col.header, *col.cells)), (col.header, text)
    for i in (2, 3):      # the times: no figure cut; a clock-skew sentence ("starts 24h00m in the future?") wraps at words
        for word in (w for c in table.columns[i].cells for w in str(c).split()):
            assert any(word in ln.split() for ln in lines[i]), (word, text)
    if width >= 94:       # room for every time on one line
        assert all(any(str(c) == ln.strip() for ln in lines[2]) for c in table.columns[2].cells), text
    assert long_.name in cols[1] and long_.runbook in cols[4] and long_.source in cols[6], text
