"""The cluster, providers and alerts lines (Pilot), each from a local server speaking the real
API: a Kubernetes API stand-in (apps/v1 + core/v1), a Statuspage status.json, an Alertmanager v2
alerts list. Firing alerts are offered as the source when declaring and journaled as alert.seen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from panes.sources import SourcesPane
from tests.app.tui_support import wait_for
from tests.integration.sources_http import FakeHTTP, Reply, Request
from tests.integration.sources_kubeapi import FakeKubeAPI
from tui.app import WarroomApp
from tui.fakesource import FakeSource
from tui.launch import extra_sources, load_runbooks
from tui.context import AppContext
from tui.screens.modals.forms import DeclareScreen
from warroom.config import Config, ProviderConfig
from warroom.incident.journal import read_journal

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
ALERTS = [
    {"labels": {"alertname": "ModelQuotaHigh", "severity": "warning", "provider": "anthropic",
                "runbook": "rb-core-003"},
     "annotations": {"summary": "Anthropic quota above 80%"}, "startsAt": START.isoformat()},
]


def status_page(req: Request) -> Reply:
    if "openai" in req.path:
        return Reply(200, {"status": {"indicator": "major", "description": "Partial System Outage"}})
    return Reply(200, {"status": {"indicator": "none", "description": "All Systems Operational"}})


def pane_text(app: WarroomApp) -> str:
    return str(app.dashboard.query_one(SourcesPane).render())


async def test_cluster_providers_and_alerts_lines_and_declare_from_an_alert(tmp_path: Path) -> None:
    with FakeKubeAPI(START.isoformat().replace("+00:00", "Z")) as kube, \
            FakeHTTP(status_page) as pages, FakeHTTP(lambda req: Reply(200, ALERTS)) as am:
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        cfg.kubernetes.kubeconfig = str(kube.kubeconfig(tmp_path / "kubeconfig"))
        cfg.kubernetes.context = "prod-eu"
        cfg.providers = [ProviderConfig(name="Anthropic", url=f"{pages.url}/anthropic/api/v2/status.json",
                                        runbook="RB-CORE-004"),
                         ProviderConfig(name="OpenAI", url=f"{pages.url}/openai/api/v2/status.json",
                                        runbook="RB-CORE-004")]
        cfg.alerts.alertmanager_url = am.url
        cfg.alerts.prometheus_alerts = False
        cfg.prometheus.url = "http://127.0.0.1:9"  # "configured" (providers poll beside a Prometheus)
        runbooks, findings = load_runbooks(cfg)
        sources = extra_sources(cfg, runbooks)
        assert set(sources) == {"cluster", "providers", "alerts"}
        ctx = AppContext(config=cfg, source=FakeSource(), runbooks=runbooks, runbook_findings=findings,
                         offer_resume=False, refresh=0.5, tick=0.5, sources=sources, source_refresh=0.5)
        app = WarroomApp(ctx)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: len(app.dashboard.extra) == 3, 60)
            await wait_for(pilot, lambda: "ModelQuotaHigh" in pane_text(app))
            text = pane_text(app)
            assert "cluster" in text and "flowengine 2/3 ready" in text and "rolling out" in text
            assert "✔ Anthropic operational" in text and "✖ OpenAI Partial System Outage" in text
            assert "→ RB-CORE-004" in text
            assert "1 firing" in text and "ModelQuotaHigh" in text and "→ RB-CORE-003" in text

            # With no breached pane, declaring starts from the firing alert.
            # (the panes keep polling, so "no breached pane" is pinned rather than cleared once)
            app.dashboard.first_breached = lambda: None  # type: ignore[method-assign]
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen))
            dialog = app.screen
            assert dialog.source["kind"] == "alert" and dialog.source["ref"] == "ModelQuotaHigh"
            assert dialog.query_one("#title", Input).value == "Anthropic quota above 80%"
            assert dialog.query_one("#runbook", Select).value == "RB-CORE-003"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.dashboard.controller.incident is not None, 20)
            inc = app.dashboard.controller.incident
            # The next alerts poll journals the firing alert on the timeline.
            await wait_for(pilot, lambda: any(e.type == "alert.seen" for e in read_journal(
                inc.dir / "journal.jsonl").events), 30)
            declared = read_journal(inc.dir / "journal.jsonl").events[0].data
            assert declared["source"]["kind"] == "alert" and declared["source"]["started_at"].startswith("2026-11-22T05:00")
            await wait_for(pilot, lambda: any(i.kind == "alert" for i in app.dashboard.view.timeline), 20)
        for src in sources.values():
            close = getattr(src, "close", None)
            if callable(close):
                close()
