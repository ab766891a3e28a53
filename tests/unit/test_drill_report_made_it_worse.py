"""redteam45 R10: ``DISABLE_PROVIDERS=openai`` (the healthy provider) in the provider outage moved OpenAI's calls onto
the failing vendor: the 5xx share rose (37.5% vs 28.2% without it), yet its row was ``effective`` and no summary line
said an action made the outage worse. An action that moved the scenario's panes only the wrong way is not effective,
and the summary says it made things worse."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.summary import with_summary


def test_disabling_the_healthy_provider_is_said_to_have_made_it_worse(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "provider-outage")
    code, _, err = run_one(d, ["kubectl", "set", "env", "deployment/flowengine", "DISABLE_PROVIDERS=openai",
                               "-n", "production"], 300.0)
    assert code == 0, err
    report = drill_report(d, None, at=d.wall_time(900.0))
    # as after the resolution (``told``: the scenario's judgement said), which needs an incident this test has not
    report = with_summary(replace(report, actions=tuple(replace(a, told=True) for a in report.actions)))
    row = next(a for a in report.actions if "DISABLE_PROVIDERS=openai" in a.command)
    assert not row.effective and "Model API 5xx rate" in row.worse, row
    said = [line for line in report.summary if line.startswith("Made it worse: ")]
    assert len(said) == 1 and "DISABLE_PROVIDERS=openai" in said[0] and "without it" in said[0], report.summary
