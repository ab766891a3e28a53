"""attack52 F6: ``incident list`` looks at a mitigation's gates before it says "mitigated".

The list read the journal alone: with the CLI only, rate-limit's routing undone by hand after its gate passed read
"mitigated" until some other command (``show``, ``brief``, the dashboard's poll) looked and journaled the relapse. The
list now reads each counted gate's measure once (``incident_metrics.listed_status``), journals what it sees as every
look does (dated when the measure crossed its line), and says a gate it could not read: "NOT CHECKED", never
"mitigated" as if checked. Through the CLI in-process; the drill world, runbook and journal are real, the clock pinned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_gate_relapse_journaled import UNDO, _lines, _mitigated, _unpinned  # noqa: F401


class Down:
    """A metric source that cannot be reached (Prometheus down): every query refused."""

    name = "prometheus"

    def query(self, expr: str, at: float | None = None) -> list[Any]:
        raise ConnectionRefusedError("connection refused")

    def close(self) -> None:
        return None


def _list(tmp_path: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[str, str]:
    from tui.cli import main

    assert main(["incident", "list", "--state-dir", str(tmp_path / "incidents"), *more]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return out, err


def test_list_reads_the_gate_says_the_relapse_at_its_crossing_and_never_an_unchecked_mitigated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    d, clock, inc = _mitigated(tmp_path)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)       # the gate's measure is past its line; nothing has looked
    capsys.readouterr()

    # the source down: the list cannot look, so it does not say "mitigated" as if it had
    with monkeypatch.context() as m:
        m.setattr("warroom.cli.incident_metrics.metric_source", lambda inc: (Down(), d.speed))
        out, err = _list(tmp_path, capsys)
    [row] = [line for line in out.splitlines() if line.startswith(inc.id)] or [out + err]
    assert " mitigated · NOT CHECKED " in row, out
    assert f"warning: {inc.id}: the verify gate of step 10 (Failure rate (5m)) was not read: connection refused" \
           in err, err
    assert not _lines(inc)

    # the source up: the list reads the gate, journals the relapse once, dated when the measure crossed its line
    out, err = _list(tmp_path, capsys)
    [line] = _lines(inc) or [{"out": out + err}]
    assert line.get("type") == "gate.relapsed" and line["seen_at"] > line["at"], line
    [row] = [r for r in out.splitlines() if r.startswith(inc.id)]
    assert f" mitigated · RELAPSED since {line['at'][11:19]} " in row, out
    out, _ = _list(tmp_path, capsys, "--json")
    [listed] = [i for i in json.loads(out) if i["id"] == inc.id]
    assert listed["relapsed"]["since"][11:19] == line["at"][11:19] and listed["not_checked"] is None, listed
    assert len(_lines(inc)) == 1        # looked at again: nothing more to say


def test_a_drill_left_open_far_behind_its_now_is_not_simulated_for_a_list(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """attack53 A12: the look simulated the drill's world from its cache up to now, however far: a drill incident left
    mitigated a day at x60 (sixty drill days) made every ``incident list`` run minutes before it printed a row, the
    real incidents' rows too. Past ``LIST_LOOK_BEHIND`` of drill time the list does not look: NOT CHECKED and why."""
    from warroom.cli.incident_metrics import LIST_LOOK_BEHIND
    from warroom.drill.series import GRID, Series
    from warroom.paths import command

    d, clock, inc = _mitigated(tmp_path)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(2500.0 + LIST_LOOK_BEHIND + 7200.0)     # two drill hours past what a list simulates
    capsys.readouterr()
    rows: list[int] = []
    integrate = Series._integrate

    def counted(self: Series, first: int, last: int, *args: Any) -> None:
        rows.append(last - first + 1)
        integrate(self, first, last, *args)

    monkeypatch.setattr(Series, "_integrate", counted)
    out, err = _list(tmp_path, capsys)
    [row] = [line for line in out.splitlines() if line.startswith(inc.id)] or [out + err]
    assert " mitigated · NOT CHECKED " in row, out
    assert "the drill's world is simulated only up to " in err, err
    assert "a list does not simulate more than 4h00m00s" in err, err
    assert f"`{command('incident', 'show', inc.id)}` looks" in err, err
    assert sum(rows) * GRID < 3600.0, sum(rows)       # what a look would have simulated: ~6 drill hours
    assert not _lines(inc)
