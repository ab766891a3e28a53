"""The drill report's "What was done" lists every recorded operation, labelled by what it did (redteam39 F8).

provider-outage: routing set by two commands (FALLBACK_MODEL, then DISABLE_PROVIDERS=anthropic), then Anthropic put back
into routing (``DISABLE_PROVIDERS-``, recorded as ``set_env``: it meant no canonical action, routing stays on the
fallback model). The report left that last step out, though it moved the 5xx pane, and showed the first two as the
same "fallback model routing enabled (FALLBACK_MODEL / DISABLE_PROVIDERS)" twice.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.cluster import OPERATIONS
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.text import report_lines

STEPS = (("kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo -n production", 600.0),
         ("kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -n production", 700.0),
         ("kubectl set env deployment/flowengine DISABLE_PROVIDERS- -n production", 1500.0))


def test_every_operation_appears_labelled_by_what_it_did() -> None:
    d = create_drill(Path(tempfile.mkdtemp()), "provider-outage", speed=10.0, start=START, name="ops")
    for command, t in STEPS:
        assert run_one(d, command.split(), t)[0] == 0, command
    report = drill_report(d, at=d.wall_time(2400.0))
    rows = report.actions
    assert {a.ts for a in d.actions() if a.action in OPERATIONS} <= {r.at for r in rows}      # none left out
    by_step = [[r for r in rows if r.t == t] for _, t in STEPS]
    assert all(by_step), rows
    first, second, back = (step[0] for step in by_step)
    assert first.description != second.description, (first, second)
    assert "FALLBACK_MODEL=gpt-4-turbo" in first.description and "DISABLE_PROVIDERS=anthropic" in second.description
    assert back.action == "set_env" and "unset DISABLE_PROVIDERS" in back.description, back
    shown = "\n".join(report_lines(report))
    assert "unset DISABLE_PROVIDERS" in shown, shown
