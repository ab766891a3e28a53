"""redteam38's leftover: ``warroom incident resolve`` journaled its concerns from the metric
history's last grid point, while the dashboard reads them at one moment, each pane at exactly it,
and stamps the resolution with that moment (``Incident.concerns_at``, ``resolve(at=)``: 734a75b).
Headless, the journal's "resolved although … still critical (Xs)" was a grid step older than the
PIR's "At resolution", read at the resolution's stamp. The CLI now goes through the same
mechanism: every figure it journals is the PIR's. The clock is pinned ($WARROOM_DRILL_AT)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from warroom import scenario_time
from warroom.units import format_stated

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

STATED = re.compile(r"^(?P<title>.+?) is still (?:critical|in warning) \((?P<shown>[^,]+),")
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()


def _events(journal: Path, kind: str) -> list[dict]:
    return [e for e in map(json.loads, journal.read_text().splitlines()) if e.get("type") == kind]


def test_a_headless_resolve_journals_the_concerns_of_its_stamped_moment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    cli = Cli(tmp_path / "state", capsys)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    code, out, err = cli("new", "--drill", "audit-gap", "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 61.37))     # between two of the history's grid points
    code, out, err = cli("resolve", inc, "--summary", "drill over", "--yes")
    assert code == 0, err
    (resolved,) = _events(cli.journal(inc), "incident.resolved")
    summary = _events(cli.journal(inc), "metrics.summarised")[-1]["data"]
    said = resolved["data"].get("concerns") or []
    slos = {s["title"]: s for s in summary["slos"].values()}
    stated = [m for c in said if (m := STATED.match(c))]
    assert any(m["title"] == "Audit-log gap" for m in stated), said
    stamp = datetime.fromisoformat(resolved["ts"].replace("Z", "+00:00")).timestamp()
    assert stamp == pytest.approx(T0 + 61.37, abs=1e-3)
    for m in stated:            # every pane's figure is the PIR's "At resolution", as it is said
        slo = slos[m["title"]]
        at = slo["at_resolution"]
        assert at["at"] == stamp, (at, resolved["ts"])
        assert m["shown"] == format_stated(at["value"], slo["unit"], against=(slo["warn"], slo["crit"])), (m[0], at)
    assert f"{m['title']} is still" in err          # what the IC was shown is what was journaled
