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
    _print(_args(), cfg, readings, 1_800_000_000.0, 3)
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
    _print(_args(), cfg, readings, 1_800_000_000.0, 3)
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
