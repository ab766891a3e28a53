"""A Go/No-Go criterion read from a step's output (the triage count) is what the step said when
it ran, not now."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from warroom.incident import decisions as dec
from warroom.runbook.decision import Criterion

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
STATE = SimpleNamespace(clock_start=NOW, notes=[], time_scale=1.0)


def test_a_step_criterion_says_when_its_output_was_read_and_never_reads_a_later_one() -> None:
    """A triage count is what the step said when it ran: judged 25 minutes later the evidence says
    when ("run ended 12:16:00 UTC"), so a verdict's record in the PIR does not read as a count taken
    at the verdict; a run that ended after the moment judged (a pinned or replayed moment) is not
    evidence of it."""
    from datetime import timedelta

    c = Criterion("triage count", step="count", pattern=r"Affected: (\d+)", op=">=", value=5.0)
    ran = NOW - timedelta(minutes=25)
    out = dec.StepOutput("Affected: 4\n", "ok", 12, 0, ran)
    v = dec.judge(c, "go", STATE, NOW, None, lambda _s: out)
    assert (v.state, v.evidence) == (dec.NOT_MET, f"step count (run ended {ran:%H:%M:%S} UTC): 4 >= 5 is false")
    later = dec.judge(c, "go", STATE, ran - timedelta(seconds=1), None, lambda _s: out)
    assert later.state == dec.UNKNOWN and "after the moment judged" in later.evidence
