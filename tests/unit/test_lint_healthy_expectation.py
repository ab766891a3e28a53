"""A detection or investigation read's expectation says what the step is run to find (A25-6):
one whose checked value is the healthy one while its own guidance names another value as the
finding marks the read that confirms the diagnosis "expectation NOT met", counts it "failed or
unmet" in the drill report's path and raises it again at resolve. Lint names that shape; the
shipped runbooks have none, and their triage reads are met (or shown, never judged) on the
output a real outage gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.execute.expectation import check_text
from warroom.runbook.inline import checkable
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.lint import lint_runbook
from warroom.runbook.parser import load_runbook, parse_runbook

SHIPPED = Path(__file__).resolve().parents[2] / "runbooks"
HEALTHY = "the healthy value"

BOOK = """+++
id = "RB-T-1"
title = "t"
+++
# T

## {section}

```bash
curl -s https://status.example.com/api | jq -r .indicator
# Expected: {expect}
```
"""


def _flags(expect: str, section: str = "Triage") -> bool:
    rb = parse_runbook(BOOK.format(expect=expect, section=section))
    assert [s.expect for s in rb.steps] == [expect]
    return any(HEALTHY in f.message for f in lint_runbook(rb))


@pytest.mark.parametrize("expect", [
    "none; minor, major or critical confirms an outage",
    "none when healthy; minor, major or critical confirms an outage",
    "normally 99 or more; below 95 is a mass failure",
    "under 300; above 300 means the audit log has failed",
    "more than 0; a count of 0 confirms an audit-log failure",
])
def test_a_triage_read_expecting_the_healthy_value_is_linted(expect: str) -> None:
    assert _flags(expect)
    assert _flags(expect, section="Detection")
    assert _flags(expect, section="Diagnosis")


@pytest.mark.parametrize(("expect", "section"), [
    ("above 5 confirms this runbook", "Triage"),
    ("below 95 is a mass failure; normally 99 or more", "Triage"),
    ("minor, major or critical confirms an outage; none when it is up", "Triage"),   # prose: shown, not judged
    ("below 1, the flow failure SLO", "Triage"),
    ("below 1; above 1 means it is not over", "Validation"),    # a check after the fix expects health
])
def test_the_confirming_value_first_or_a_validation_read_is_not_linted(expect: str, section: str) -> None:
    assert not _flags(expect, section)


def test_no_shipped_runbook_reads_for_the_healthy_value() -> None:
    found = [str(f) for p in sorted(SHIPPED.glob("RB-*.md")) for f in lint_runbook(load_runbook(p))
             if HEALTHY in f.message]
    assert found == []


def _step(rid: str, needle: str):
    rb = RunbookLibrary([SHIPPED]).get(rid)
    assert rb is not None
    return next(s for s in rb.steps if s.command and needle in s.command)


@pytest.mark.parametrize(("rid", "needle", "outage_output"), [
    ("RB-LAUNCH-005", "100 * (1 - sum(rate(flowengine_flow_failures_total[1h]))", "60.7"),     # the mass-failure drill's success rate
    ("RB-CORE-005", "flowengine_audit_log_last_event_timestamp_seconds", "1843"),
    ("RB-CORE-005", "interval '5 minutes'", "0"),
])
def test_the_read_that_confirms_the_outage_meets_its_expectation(rid: str, needle: str, outage_output: str) -> None:
    step = _step(rid, needle)
    verdict = check_text(step.attrs.get("expect") or checkable(step.expect), step.expect, outage_output)
    assert verdict is not None and verdict.state == "met", (step.expect, verdict)


@pytest.mark.parametrize(("needle", "outage_output"), [
    ("status.anthropic.com", "major"),
    ('grep "Model routing"', "no Model routing line: no failover yet"),   # before any failover
])
def test_provider_outage_triage_reads_are_never_not_met_on_an_outage(needle: str, outage_output: str) -> None:
    step = _step("RB-CORE-004", needle)
    verdict = check_text(step.attrs.get("expect") or checkable(step.expect), step.expect, outage_output)
    assert verdict is None or verdict.state != "unmet", (step.expect, verdict)
