"""`warroom status` as a table: one source-wide problem is said once; error text is never markup."""

from __future__ import annotations

import argparse

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
