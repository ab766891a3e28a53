"""Every ``--json`` a command prints carries a pane at ±Inf as the journal does: ``"+Inf"`` (inf-4).

``warroom status --json`` wrote ``"value": null`` for a pane at CRIT +Inf (null is what a pane with
no sample reads), while the journal, metrics.json and ``drill-report --json`` write Prometheus' own
``"+Inf"`` (``warroom.journal.numbers``). And ``incident show --json`` printed a step's evidence at
+Inf as a bare ``Infinity`` (``json.dumps``' default), which ``jq`` and every strict parser refuse.
Every command's JSON now goes through one writer, ``numbers.dumps``.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tests import source_trees
from warroom.cli.incident_show import cmd_show
from warroom.cli.status import _print
from warroom.config import Config, SloConfig
from warroom.incident.store import IncidentStore
from warroom.journal import numbers
from warroom.sources.evidence import record_before
from warroom.sources.model import SloReading, SloSample

RATIO = SloConfig(id="ratio", title="Failure ratio", unit="percent", warn=1.0, crit=5.0, direction="above",
                  query="100 * sum(rate(failures[5m])) / sum(rate(runs[5m]))")
CLI = Path(__file__).resolve().parents[2] / "warroom" / "cli"


def _strict(text: str) -> object:
    """JSON as jq reads it: a bare Infinity/NaN is an error."""
    def refuse(word: str) -> object:
        raise ValueError(f"non-standard JSON constant {word}")
    return json.loads(text, parse_constant=refuse)


def test_status_json_gives_a_pane_at_inf_as_the_journal_writes_it(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = Config()
    values = [math.inf, -math.inf, math.nan, None, 0.25]
    readings = [SloReading(slo=RATIO, state="crit", value=v) for v in values]
    _print(argparse.Namespace(json=True), cfg.prometheus.url, readings, 1_800_000_000.0, 2)
    panes = _strict(capsys.readouterr().out)["panes"]  # type: ignore[index]
    # ±Inf is a reading (CRIT "+Inf"); NaN and no sample are none (NO DATA), as evidence journals them
    assert [p["value"] for p in panes] == ["+Inf", "-Inf", None, None, 0.25]
    assert [p["value_text"] for p in panes][:3] == ["+Inf", "-Inf", "NaN"]
    assert [numbers.decode(p["value"]) for p in panes[:2]] == [math.inf, -math.inf]


def test_show_json_of_evidence_at_inf_is_standard_json_holding_plus_inf(tmp_path: Path) -> None:
    class _AtInf:
        name = "scripted"

        def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
            return [SloSample(s.id, math.inf, sample_time=at, fetched_at=at) for s in slos]

    inc = IncidentStore(tmp_path / "state").create(title="ratio at +Inf", severity="P2", runbook=None, source={})
    record_before(inc, 1, "scale", _AtInf(), [RATIO], at=1_800_000_000.0, stale_after=60.0)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cmd_show(argparse.Namespace(id=inc.id, state_dir=str(tmp_path / "state"), json=True, config=None)) == 0
    data = _strict(buf.getvalue())
    assert [e["value"] for e in data["evidence"]] == ["+Inf"]  # type: ignore[index]


def test_no_command_prints_json_but_through_the_one_writer() -> None:
    """The rule, not the two commands above: no module of the CLI calls ``json.dumps`` itself."""
    direct = [f"{p.name}:{node.lineno}" for p in sorted(CLI.glob("*.py"))
              for node in ast.walk(source_trees.tree(p))      # parsed once for every sweep
              if isinstance(node, ast.Attribute) and node.attr in ("dumps", "dump")
              and isinstance(node.value, ast.Name) and node.value.id == "json"]
    assert direct == []


def test_a_pir_templates_tojson_writes_plus_inf_as_the_journal_does() -> None:
    """A team's PIR template that dumps a metric summary (``{{ summary|tojson }}``) wrote a bare
    ``Infinity`` for a pane's worst at +Inf: the same rule as every --json, through ``numbers.dumps``."""
    from warroom.incident.pir_templates import environment

    drawn = environment().from_string("{{ x|tojson }}").render(x={"worst": math.inf, "low": -math.inf, "v": 1.5})
    assert "Infinity" not in drawn
    assert {k: numbers.decode(v) for k, v in _strict(drawn).items()} == {"worst": math.inf, "low": -math.inf, "v": 1.5}  # type: ignore[union-attr]
