"""`warroom status` as a table: one source-wide problem is said once; error text is never markup."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from warroom.cli.status import _print
from warroom.config import Config
from warroom.sources.model import SloReading


def _args() -> argparse.Namespace:
    return argparse.Namespace(json=False)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_a_problem_shared_by_every_pane_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = Config()
    readings = [SloReading(slo=s, state="error", value=None, error="cannot connect to 127.0.0.1:1") for s in cfg.slo]
    _print(_args(), cfg.prometheus.url, readings, 1_800_000_000.0, 3)
    out = capsys.readouterr().out
    assert out.count("cannot connect to 127.0.0.1:1") == 1
    assert "every pane: cannot connect to 127.0.0.1:1" in out
    assert "detail" not in out
    assert all(s.id in out for s in cfg.slo)


def test_per_pane_details_keep_their_column_and_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = Config()
    readings = [SloReading(slo=s, state="ok", value=0.1) for s in cfg.slo]
    readings[2] = SloReading(slo=cfg.slo[2], state="error", value=None,
                             error="bad_data: parse error at char 5: unexpected [bold] in rate(x[5m)")
    _print(_args(), cfg.prometheus.url, readings, 1_800_000_000.0, 3)
    out = capsys.readouterr().out
    assert "detail" in out and "every pane" not in out
    assert "unexpected [bold] in rate(x[5m)" in out


def test_status_says_the_moment_it_evaluated_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Without --at the evaluation is as of now, read from the one clock: the JSON's ``at`` was the
    process's monotonic clock printed as a date (``1970-01-01T01:07:41``); with --at, that time."""
    import json
    import types

    import warroom.scenario_time as clock
    from warroom.cli.status import cmd_status

    monkeypatch.setattr(clock, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0,
                                                             monotonic=clock.time.monotonic))
    monkeypatch.delenv("WARROOM_CONFIG", raising=False)         # the built-in defaults: no source
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))

    def status(*extra: str) -> dict[str, object]:
        args = argparse.Namespace(config=None, json=True, watch=None, count=None, at=None, read_only=False,
                                  state_dir=None, context=None, shared=None)
        for k, v in zip(extra[::2], extra[1::2], strict=True):
            setattr(args, k, v)
        assert cmd_status(args) == 3                     # no source configured: a source error
        return json.loads(capsys.readouterr().out)

    assert status()["at"] == "2027-01-15T08:00:00+00:00"
    assert status("at", "2026-12-01T10:00:00Z")["at"] == "2026-12-01T10:00:00+00:00"


def columns(out: str, headers: list[str]) -> dict[str, str]:
    """Each column's text, read down the table (a folded cell's pieces joined): the header row
    gives where each column starts."""
    lines = [ln.translate({ord(c): " " for c in "┃│"}) for ln in out.splitlines()]     # a boxed table's rules
    at = next(i for i, ln in enumerate(lines) if ln.split()[:1] == headers[:1])
    assert lines[at].split() == headers, out
    starts = [lines[at].index(h + " ") if h != headers[-1] else lines[at].rindex(h) for h in headers]
    spans = list(zip(starts, [*starts[1:], None], strict=True))
    return {h: "".join(ln[a:b].strip() for ln in lines[at + 1:]) for h, (a, b) in zip(headers, spans, strict=True)}


@pytest.mark.parametrize("width", [80, 100])
def test_no_column_is_dropped_whatever_the_cells_hold(width: int, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """At 80 columns one long pane id (ids are the config's, any length) made Rich drop the state,
    age and detail columns whole and cut the figures to "123456…". The widest cells of every kind
    at once: each state word, long ids and runbooks, a detail per pane, the widest value and
    threshold forms (``format_value``: ten characters up to a million) and a 100-day age."""
    from warroom.config.schema import SloConfig
    from warroom.sources.model import STATE_WORDS

    monkeypatch.setenv("COLUMNS", str(width))
    slos = [SloConfig(id=f"checkout_flow_failure_rate_all_regions_{i}", title="t", query="q", unit="percent",
                      warn=-0.00998, crit=-0.00997, runbook=f"RB-LAUNCH-005-ROLLBACK-PLAN-{i}")
            for i in range(len(STATE_WORDS))]
    readings = [SloReading(slo=s, state=state, value=-0.00999, age=8_639_940.0,   # type: ignore[arg-type]
                           error=f"query error {i}: the server answered 502 Bad Gateway from the proxy")
                for i, (s, state) in enumerate(zip(slos, STATE_WORDS, strict=True))]
    _print(_args(), None, readings, 1_800_000_000.0, 3)
    out = capsys.readouterr().out
    assert max(len(ln) for ln in out.splitlines()) <= width, out
    headers = ["pane", "state", "value", "warn", "crit", "age", "runbook", "detail"]
    col = columns(out, headers)                 # every header on the header row, in order
    for figure in ("-0.00999%", ">-0.00998%", ">-0.00997%", "2399h59m00s"):   # whole, on one line each
        assert sum(ln.split().count(figure) for ln in out.splitlines()) == len(slos), (figure, out)
    assert col["pane"] == "".join(s.id for s in slos), out
    assert col["state"].replace(" ", "") == "".join(STATE_WORDS.values()).replace(" ", ""), out
    assert col["runbook"] == "".join(s.runbook or "" for s in slos), out
    assert col["detail"].replace(" ", "") == "".join(r.error or "" for r in readings).replace(" ", ""), out


def test_status_in_a_drill_shell_reads_the_drill(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """redteam42 R16: `warroom status` typed in `warroom drill shell` read the real, unconfigured source ("no
    source" on every pane, exit 3) while `incident run` in the same shell answered from the drill. The shell's
    ``$WARROOM_DRILL_DIR`` makes it read the drill's world, the values the simulator gives at that instant."""
    import json

    from tui.cli import main
    from warroom import scenario_time as stime
    from warroom.drill.directory import ENV_DIR, create_drill

    start = 1_800_000_000.0
    d = create_drill(tmp_path / "drill", "mass-failure", speed=10.0, start=start)
    at = start + 120.0                                            # 20 drill minutes in
    monkeypatch.setenv(stime.AT_ENV, repr(at))
    monkeypatch.setenv(ENV_DIR, str(d.path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))  # no user config: no Prometheus configured
    code = main(["status", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == f"drill {d.name}"
    panes = {p["id"]: p["value"] for p in doc["panes"]}
    assert panes["error_5xx"] == pytest.approx(d.simulator.pane("error_5xx", d.scenario_time(at)), rel=1e-9)
    assert code == 2 and all(p["error"] is None for p in doc["panes"])     # the mass failure's panes are critical
    # each pane names the scenario's runbook and severity, as the drill's dashboard does (redteam43 R3)
    assert {(p["runbook"], p["severity"]) for p in doc["panes"]} == {(d.scenario.runbook, d.scenario.severity)}
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "nowhere"))
    assert main(["status"]) != 0
    assert f"${ENV_DIR} ({tmp_path / 'nowhere'})" in capsys.readouterr().err
