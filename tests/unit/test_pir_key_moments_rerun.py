"""A step's failed run is never its last word in the PIR's Key Moments (redteam39 F7).

Seen in the provider-outage drill: step 20 ("Confirm the provider's status page is green again") read
"minor" (expectation NOT met), was run again 28 s later and read "none" (met), and only then step 21 put
the provider back into routing. Key Moments kept the failed run (a run in trouble weighs more) and left
out the re-run: a reader saw the provider re-enabled against a red status page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.incident_fixtures import Clock, ran_ok
from tests.unit.test_runbook_beside import _mass_failure
from warroom.incident.review.build import build_review

UNMET = {"expect": "99 or more", "expect_met": False, "expect_verdict": "unmet", "expect_kind": "numeric",
         "expect_reason": "the output holds 78.3 (wanted 99 or more)"}
MET = {**UNMET, "expect_met": True, "expect_verdict": "met",
       "expect_reason": "the output holds 99.4 (wanted 99 or more)"}


def _moments(inc) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m.text) for m in build_review(inc.refresh(), datetime.now(UTC)).key_moments]


def test_a_check_run_again_is_shown_with_its_last_run(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path, clock=Clock())
    for number in (22, 24, 26, 28, 31, 32, 33, 34, 35, 22, 24, 26):    # mitigations: heavier than a check
        ran_ok(inc, number, mutating=True)
    ran_ok(inc, 37, **UNMET)
    ran_ok(inc, 37, **MET)
    ran_ok(inc, 39, **MET)
    label = inc.step(37).label
    moments = _moments(inc)
    ran = [m for m in moments if f"({label}, read-only)" in m]
    assert len(ran) == 2 and "expectation NOT met" in ran[0] and "expectation met" in ran[1], moments
    assert len(moments) <= 15, moments
    ran_ok(inc, 28, mutating=True)       # 15 shown before the re-run: a lighter one makes room for it
    moments = _moments(inc)
    ran = [m for m in moments if f"({label}, read-only)" in m]
    assert len(moments) == 15 and len(ran) == 2 and "expectation met" in ran[1], moments
    assert moments[0].startswith("Incident declared"), moments
