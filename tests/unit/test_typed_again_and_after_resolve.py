"""A runbook step's command typed in the drill shell again, and one typed after the resolve (attack46 X12, X9).

X12: step 8's fallback typed on, off, on: the PIR's Full Timeline kept the credit row alone (with every later enable
folded into it, at the first typing's moment), so the timeline read "enabled, removed" and the change that stood at the
resolution was not there. The credit is the first typing's; each later typing of the step's command is a row of its
own, at its moment, with what it changed (``by_hand.Credit.again``, ``DrillReport.credited``).

X9: step 9's command typed word for word 5 minutes after the resolve: the report said it "Done outside the runbook's
steps" and listed it under "What was done" as any other action; the PIR left it out. It is the post-incident
triage's, no part of the response: the report says it apart and when, relative to the resolve
(``ActionRow.late``), the PIR's Full Timeline lists it so, and no step, milestone or figure counts it.

One warm provider-outage drill at x10, the stand-ins in-process, each call recorded as ``standins.base.main`` records
it; every clock pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, typed_in_shell, warmed
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import DrillReport, drill_report
from warroom.incident.drill_report.text import report_lines
from warroom.incident.store import IncidentStore

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-004-provider-outage.md"
ENV = ["kubectl", "set", "env", "deployment/flowengine"]
ON = [*ENV, "FALLBACK_MODEL=gpt-4-turbo", "FALLBACK_ON_5XX=true", "-n", "production"]       # step 8, word for word
OFF = [*ENV, "FALLBACK_MODEL-", "FALLBACK_ON_5XX-", "-n", "production"]                        # no step's
OUT = [*ENV, "DISABLE_PROVIDERS=anthropic", "-n", "production"]                                  # step 9, word for word
STEP8 = "Step 8 (Fall back to a healthy provider's model whenever the primary returns 5xx)"
ENABLED = "fallback model routing enabled (set FALLBACK_MODEL=gpt-4-turbo, FALLBACK_ON_5XX=true on flowengine)"
REMOVED = "fallback model routing removed (unset FALLBACK_MODEL, FALLBACK_ON_5XX on flowengine)"
LATE = "5m00s drill time (30s wall) after the incident was resolved"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _typed(d, argv: list[str], t: float) -> None:  # type: ignore[no-untyped-def]
    assert typed_in_shell(d, argv, t) == 0


def test_each_typing_of_a_step_is_a_pir_row_and_what_came_after_the_resolve_is_said_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom.incident import drill_report as module

    asked: list[DrillReport] = []          # the report the PIR asks for (``pir.drill_shell``): read once, a second

    def kept(*args: Any, **kwargs: Any) -> DrillReport:
        asked.append(drill_report(*args, **kwargs))
        return asked[-1]

    monkeypatch.setattr(module, "drill_report", kept)
    d = warmed(create_drill(tmp_path / "drills", "provider-outage", speed=10.0, start=START))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Model API 5xx", severity="P2", runbook=str(RUNBOOK),        # a path: no library search
        drill={"scenario": "provider-outage", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    for t, argv in ((200.0, ON), (300.0, OFF), (400.0, ON)):
        _typed(d, argv, t)
    clock.t = d.wall_time(500.0)
    inc.resolve("failed over")
    _typed(d, OUT, 800.0)                      # 300 drill seconds after the resolve
    _typed(d, OUT, 850.0)                      # and again, while it is in force: the same change, after it too
    clock.t = d.wall_time(900.0)
    text = inc.render()
    timeline = text.split("## Full Timeline", 1)[1].split("\n## ", 1)[0]
    typed = [ln for ln in timeline.splitlines() if "(drill shell)" in ln]
    # every typing a row at its own moment: the credit (the first), the removal, the step typed again, then the
    # change after the resolve, said so (X12, X9)
    assert [ln.split(" | ")[0] for ln in typed] == ["| +1m40s", "| +3m20s", "| +5m00s", "| +11m40s", "| +12m30s"], typed
    assert f"| {STEP8} done by hand at +1m40s (drill shell): {ENABLED} (`" in typed[0]
    assert typed[0].count(ENABLED) == 1, typed[0]       # the credit holds its own typing alone
    assert f"| Typed in the drill shell, outside the runbook's steps: {REMOVED} (`" in typed[1]
    assert f"| {STEP8} typed again by hand at +5m00s (drill shell): {ENABLED} (`" in typed[2]
    assert (f"| Typed in the drill shell {LATE}, no part of the response: fallback model routing enabled (set"
            " DISABLE_PROVIDERS=anthropic on flowengine) (`kubectl set env deployment/flowengine"
            " DISABLE_PROVIDERS=anthropic -n production`): ") in typed[3]
    assert "taken " not in typed[3]                    # said once, first
    assert "- Step 9 (Take the failed provider out of routing altogether) not done" in text    # counts nowhere
    [report] = asked                       # the drill report at the PIR's moment, of its runbook
    summary = "\n".join(report.summary)
    assert "DISABLE_PROVIDERS" not in "".join(report.outside), report.outside      # not "outside the steps"
    assert ("Done after the incident was resolved (no part of the response: no step or milestone counts it): fallback"
            " model routing enabled (set DISABLE_PROVIDERS=anthropic on flowengine) (kubectl set env"
            f" deployment/flowengine DISABLE_PROVIDERS=anthropic -n production) at +11m40s drill time, {LATE}; set"
            " DISABLE_PROVIDERS=anthropic on flowengine (kubectl set env deployment/flowengine"
            " DISABLE_PROVIDERS=anthropic -n production) at +12m30s drill time, 5m50s drill time (35s wall) after the"
            " incident was resolved."
            ) in summary
    [row] = [a for a in report_lines(report) if "DISABLE_PROVIDERS=anthropic on flowengine):" in a]
    assert row.lstrip().startswith("+11m40s ") and f" — taken {LATE}  [kubectl set env" in row, row
    assert "bent the curves at +11m40s" not in summary
