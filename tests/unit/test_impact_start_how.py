"""The PIR says where the impact start it counts from came from, never "the declaration" for a
time that is not the declaration's.

Found in the mass-failure drill declared from the dashboard (attack14): the pane had crossed
critical at 13:10:44 and the incident was declared at 13:10:56; the PIR's Duration row read
"13:10:44 – 13:17:45 UTC, impact start to resolution; impact start: the declaration", while the
same drill declared with `incident new --drill` said "the first SLO breach in the metric history".
The dashboard gives the start it read off the drill's curve with the declaration
(``source.started_at``); it now says how it found it (``source.started_how``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from warroom.config import Config
from warroom.incident.store import IncidentStore
from warroom.sources.evidence import iso


def _declared(tmp_path: Path, **source: str):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    store = IncidentStore(tmp_path, cfg)
    probe = store.create(title="probe", severity="P2", source={})
    began = probe.state.declared_at - timedelta(minutes=6)
    inc = store.create(title="flows failing", severity="P1",
                       source={"started_at": iso(began.timestamp()), **source})
    return inc, began


def _duration_row(inc) -> str:  # type: ignore[no-untyped-def]
    return next(line for line in inc.render("pir").splitlines() if line.startswith("| **Duration**"))


def test_a_start_read_off_the_curve_is_named_as_the_first_breach(tmp_path: Path) -> None:
    inc, began = _declared(tmp_path, started_how="breach")
    row = _duration_row(inc)
    assert f"{began:%H:%M:%S} – " in row
    assert "impact start: the first SLO breach in the metric history" in row
    assert "the declaration" not in row


def test_a_start_given_without_saying_how_is_never_called_the_declaration(tmp_path: Path) -> None:
    inc, began = _declared(tmp_path)
    row = _duration_row(inc)
    assert f"{began:%H:%M:%S} – " in row
    assert "impact start: the start given when it was declared" in row and "the declaration" not in row


def test_a_start_from_the_alert_declared_from_is_named_as_the_alert(tmp_path: Path) -> None:
    inc, began = _declared(tmp_path, kind="alert", ref="FlowFailures")
    row = _duration_row(inc)
    assert f"{began:%H:%M:%S} – " in row
    assert "impact start: the first alert firing" in row and "the declaration" not in row
