"""Provider status pages and status-update webhooks against local HTTP servers."""

from __future__ import annotations


import pytest

from tests.integration.sources_http import FakeHTTP, Reply, Request
from warroom.config import ProviderConfig, WebhookConfig
from warroom.sources.statuspage import fetch_provider, fetch_providers
from warroom.sources.webhooks import post_status_update

pytestmark = pytest.mark.integration

STATUSPAGE_MAJOR = {
    "page": {"id": "x", "name": "Example AI", "updated_at": "2026-11-22T10:05:00.000Z"},
    "status": {"indicator": "major", "description": "Partial System Outage"},
}
GOOGLE = [
    {"begin": "2026-11-20T08:00:00+00:00", "end": "2026-11-20T09:00:00+00:00",
     "external_desc": "Old and done", "severity": "high", "status_impact": "SERVICE_OUTAGE"},
    {"begin": "2026-11-22T09:00:00+00:00", "end": None, "modified": "2026-11-22T09:30:00+00:00",
     "external_desc": "Elevated error rates for Vertex AI Gemini API\nMore text",
     "severity": "medium", "status_impact": "SERVICE_DISRUPTION",
     "affected_products": [{"title": "Vertex Gemini API", "id": "z"}]},
]


def test_statuspage_and_google_and_failures_side_by_side() -> None:
    def handler(req: Request) -> Reply:
        if req.path == "/sp/api/v2/status.json":
            return Reply(200, STATUSPAGE_MAJOR)
        if req.path == "/ok/api/v2/status.json":
            return Reply(200, {"status": {"indicator": "none", "description": "All Systems Operational"}})
        if req.path == "/incidents.json":
            return Reply(200, GOOGLE)
        if req.path == "/slow/api/v2/status.json":
            return Reply(200, STATUSPAGE_MAJOR, delay=30.0)
        if req.path == "/broken/api/v2/status.json":
            return Reply(500, "<html>oops</html>")
        return Reply(200, {"unexpected": True})

    with FakeHTTP(handler) as fake:
        u = fake.url
        providers = [
            ProviderConfig(name="Example", url=f"{u}/sp/api/v2/status.json", runbook="RB-CORE-004"),
            ProviderConfig(name="Fine", url=f"{u}/ok/api/v2/status.json"),
            ProviderConfig(name="Google", url=f"{u}/incidents.json", kind="google"),
            ProviderConfig(name="Slow", url=f"{u}/slow/api/v2/status.json", timeout=0.5),
            ProviderConfig(name="Broken", url=f"{u}/broken/api/v2/status.json"),
            ProviderConfig(name="Odd", url=f"{u}/odd/api/v2/status.json"),
        ]
        got = {s.name: s for s in fetch_providers(providers)}
        outwaited = fake.outwaited
    host = f"127.0.0.1:{fake.port}"
    ex = got["Example"]
    assert (ex.indicator, ex.description, ex.degraded, ex.runbook, ex.error) == (
        "major", "Partial System Outage", True, "RB-CORE-004", None)
    assert ex.updated_at is not None
    assert (got["Fine"].indicator, got["Fine"].degraded) == ("none", False)
    g = got["Google"]
    assert (g.indicator, g.description, g.degraded) == ("minor", "1 ongoing incident", True)
    assert g.incidents == ("Elevated error rates for Vertex AI Gemini API (Vertex Gemini API)",)
    assert got["Slow"].indicator == "unknown"
    assert got["Slow"].error == f"no answer from Slow status page ({host}) within 0.5s"
    assert got["Broken"].error == f"HTTP 500 from Broken status page ({host}): oops"  # an HTML error page quoted as its words
    assert got["Odd"].error == f"Odd status page ({host}) did not answer like a Statuspage status.json"
    assert outwaited == 0  # each bounded by its own timeout: never held for the slow server's 30 s


def test_dead_status_page(dead_port: int) -> None:
    port = dead_port
    s = fetch_provider(ProviderConfig(name="Gone", url=f"http://127.0.0.1:{port}/api/v2/status.json"))
    assert s.indicator == "unknown" and not s.degraded
    assert s.error == f"cannot connect to Gone status page (127.0.0.1:{port}): connection refused"


def test_slack_webhook_posts_text(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeHTTP(lambda req: Reply(200, "ok")) as fake:
        monkeypatch.setenv("WARROOM_SLACK_WEBHOOK", f"{fake.url}/services/T000/B000/XXXX")
        res = post_status_update(WebhookConfig(url_env="WARROOM_SLACK_WEBHOOK"),
                                 "INC-20261122-1 (P2) mitigated", {"incident": "INC-20261122-1"})
    assert (res.ok, res.status, res.error, res.attempts) == (True, 200, None, 1)
    assert res.journal() == {"kind": "slack", "ok": True, "status": 200}
    [req] = fake.requests
    assert (req.method, req.path) == ("POST", "/services/T000/B000/XXXX")
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {"text": "INC-20261122-1 (P2) mitigated", "mrkdwn": False}


def test_slack_posts_an_update_as_the_text_the_ic_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drafted update quotes titles and notes anyone typed: in Slack each must read as typed,
    never page the channel, ping a person, disguise a link or turn bold (P26-5)."""
    text = ("[P1] INC-1: <!channel> deploy <@U0123> & rollback — RESOLVED\n"
            "- Suspected cause: <https://evil.example|Grafana> said *all good* &amp; _fine_ ~x~ `y`")
    with FakeHTTP(lambda req: Reply(200, "ok")) as fake:
        res = post_status_update(WebhookConfig(url=f"{fake.url}/services/T/B/X"), text)
    assert res.ok
    [req] = fake.requests
    body = req.json()
    assert body["mrkdwn"] is False  # * _ ~ ` are characters, not formatting
    sent = body["text"]
    assert "<" not in sent and ">" not in sent  # no control sequence Slack could act on
    # Slack unescapes exactly &lt; &gt; &amp;: what the channel shows is the text the IC read
    shown = sent.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown == text


def test_json_webhook_retries_once_after_500_then_succeeds() -> None:
    replies = [Reply(500, "busy"), Reply(202, "")]
    with FakeHTTP(lambda req: replies.pop(0)) as fake:
        res = post_status_update(WebhookConfig(url=f"{fake.url}/hook", kind="json", timeout=5.0),
                                 "update", {"incident": "INC-1", "severity": "P2"}, retry_delay=0.01)
    assert (res.ok, res.status, res.attempts) == (True, 202, 2)
    assert [r.json() for r in fake.requests] == [{"text": "update", "incident": "INC-1", "severity": "P2"}] * 2


def test_webhook_gives_up_after_one_retry_and_never_leaks_the_url() -> None:
    with FakeHTTP(lambda req: Reply(503, "down for maintenance")) as fake:
        url = f"{fake.url}/services/SECRET-PART"
        res = post_status_update(WebhookConfig(url=url), "x", retry_delay=0.01)
    assert (res.ok, res.status, res.attempts) == (False, 503, 2)
    assert res.error == f"HTTP 503 from 127.0.0.1:{fake.port}: down for maintenance"
    assert "SECRET" not in str(res.journal())


def test_webhook_4xx_is_not_retried() -> None:
    with FakeHTTP(lambda req: Reply(404, "no_service")) as fake:
        res = post_status_update(WebhookConfig(url=f"{fake.url}/x"), "x", retry_delay=0.01)
    assert (res.ok, res.status, res.attempts, len(fake.requests)) == (False, 404, 1, 1)


def test_webhook_timeout_and_dead_server(dead_port: int) -> None:
    with FakeHTTP(lambda req: Reply(200, "ok", delay=30.0)) as fake:
        res = post_status_update(WebhookConfig(url=f"{fake.url}/x", timeout=0.3), "x", retry_delay=0.01)
        outwaited = fake.outwaited
    assert (res.ok, res.attempts) == (False, 2)
    assert res.error == f"no answer from 127.0.0.1:{fake.port} within 0.3s"
    assert outwaited == 0       # both tries hung up before the server's 30 s
    port = dead_port
    res = post_status_update(WebhookConfig(url=f"http://127.0.0.1:{port}/x", timeout=2.0), "x",
                             retry_delay=0.01)
    assert (res.ok, res.error, res.attempts) == (False, f"cannot reach 127.0.0.1:{port}: connection refused", 2)


def test_webhook_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_HOOK", raising=False)
    res = post_status_update(WebhookConfig(url_env="NOPE_HOOK"), "x")
    assert not res.ok and res.error == "webhook.url_env names NOPE_HOOK, which is not set"
