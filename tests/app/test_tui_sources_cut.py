"""Each line of the sources pane (cluster, providers, alerts) is one row, cut with an ellipsis when
too long. Textual 8 wraps a Static's text whatever its no_wrap: a cluster line longer than the
terminal took two rows, and the pane's height (three rows at most, one at 80x24) then hid the
alerts line below it, "✖ 2 firing" included (attack25, A25-7)."""

from __future__ import annotations

from types import SimpleNamespace

from textual.app import App, ComposeResult
from textual.geometry import Region

from panes.sources import SourcesPane
from tests.conftest import REPO


class _Pane(App[None]):
    CSS_PATH = str(REPO / "tui" / "styles" / "dashboard.tcss")

    def compose(self) -> ComposeResult:
        yield SourcesPane(["cluster", "providers", "alerts"])


def _deployment(name: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, healthy=True, rolling_out=False, ready=3, desired=3, rollout="7")


async def test_a_long_cluster_line_never_hides_the_alerts() -> None:
    app = _Pane()
    async with app.run_test(size=(100, 10)) as pilot:
        pane = app.query_one(SourcesPane)
        cluster = SimpleNamespace(error=None, target=None, pods=[],
                                  deployments=[_deployment(f"service-{n}") for n in range(8)])
        alerts = SimpleNamespace(alerts=[SimpleNamespace(priority="P1", severity="critical", name="QuotaHigh",
                                                         since=None, runbook=None)] * 2,
                                 errors={}, counts=lambda: {"P1": 2}, servers=("am",), notes={})
        pane.show("cluster", cluster)
        pane.show("providers", [])
        pane.show("alerts", alerts)
        await pilot.pause()
        rows = ["".join(s.text for s in strip).rstrip()
                for strip in pane.render_lines(Region(0, 0, pane.outer_size.width, pane.outer_size.height))]
    assert len(rows) <= 3
    assert rows[0].strip().startswith("cluster") and rows[0].endswith("…"), rows
    assert any("2 firing" in row for row in rows), rows
