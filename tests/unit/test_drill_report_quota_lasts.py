"""The drill report says what a step does to when a quota runs out, not only to the panes ten drill minutes on (arch37,
redteam37 F16).

rate-limit: the breaker on at 309.6 s, then RB-CORE-003 step 10's ``ARCHITECT_FALLBACK_MODEL=gpt-4-turbo`` at 4661 s
(the architect role, half of each flow's calls, to OpenAI). The step halves the quota's climb, so Anthropic's quota
lasts to the daily reset instead of running out at drill ~7h05m; ten minutes on the quota pane has moved by under a
hundredth of a point, and the report read "Flow failure rate and Model API quota used unchanged within 10m00s". Its
why is the setting's own (the architect role), not a full fallback's.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import over
from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.directory import Drill
from warroom.drill.model import quota_reset
from warroom.incident.drill_report import drill_report

BREAKER = ("kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85 "
           "-n production", 309.6)
ARCHITECT = ("kubectl set env deployment/flowengine ARCHITECT_FALLBACK_MODEL=gpt-4-turbo -n production", 4661.0)


@pytest.fixture(scope="module")
def worked() -> Drill:
    """The breaker, then the architect role's step: one drill both tests read (a report reads, never writes)."""
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=60.0, start=START, name="lasts")
    for command, t in (BREAKER, ARCHITECT):
        assert run_one(d, command.split(), t)[0] == 0, command
    return d


def test_the_architect_role_step_is_credited_with_the_quota_lasting_to_the_reset(worked: Drill) -> None:
    d = worked
    rows = {a.t: a for a in drill_report(d, over(d, d.wall_time(6000.0)), at=d.wall_time(6000.0)).actions}
    step = rows[ARCHITECT[1]]
    assert "unchanged" not in step.change and step.effective, step
    # how it works, in the setting's own words: the plans move, the work stays (redteam40 R9a: it was given
    # FALLBACK_MODEL's "calls that would be throttled go to another provider")
    assert step.cause == ("the architect role only, each new flow's plan, 50% of its calls; the rest stays on "
                          "claude-sonnet-4-5"), step.cause
    # the plans moved, half the calls the throttle refuses go elsewhere: fewer flows fail (the breaker leaves them
    # failing, redteam49 F8), and the quota lasts
    said = re.fullmatch(r"Flow failure rate [\d.]+% 10m00s drill time \(\S+ wall\) later \([\d.]+% without it\); "
                        r"Anthropic \(Claude\) quota lasts to its daily reset (\d+)h(\d\d)m\d\ds drill time"
                        r"(?: \(\S+ wall\))? later \(used up (\d+)h(\d\d)m\d\ds later without it\)"
                        # and the calls it moved, from the world's record (fix51c): half of Claude's, to OpenAI
                        r"; Anthropic \(Claude\) requests 3.03/min \(6.06/min without it\); "
                        r"OpenAI \(GPT-4\) requests 6.06/min \(3.03/min without it\)", step.change)
    assert said is not None, step.change
    reset, out = (int(said[1]) * 60 + int(said[2])) * 60, (int(said[3]) * 60 + int(said[4])) * 60
    assert abs(ARCHITECT[1] + reset - quota_reset(0.0)) < 60.0           # the reset eight drill hours in
    assert 6 * 3600 + 50 * 60 < ARCHITECT[1] + out < 7 * 3600 + 15 * 60, out     # without it: run out ~7h05m in
    # the breaker's own row says when the quota runs out with and without it, in the world as it went by then
    breaker = rows[BREAKER[1]].change
    assert "Anthropic (Claude) quota lasts to its daily reset" in breaker and "used up 1h29m" in breaker, breaker


def test_while_the_drill_is_not_over_the_report_tells_no_running_out_that_has_not_happened(worked: Drill) -> None:
    """redteam43 R10: mid-drill the breaker's row said "quota is used up 6h14m41s later", exact to the second, 5h30m of
    drill time before it happened (the header said MITIGATED): the simulator integrated past now. A drill holds nothing
    from a time that has not happened: until it is over a row says what came by now, and the future after."""
    d = worked
    rows = {a.t: a for a in drill_report(d, at=d.wall_time(6000.0)).actions}
    breaker = rows[BREAKER[1]].change
    said = re.search(r"Anthropic \(Claude\) quota is not used up by now, (\d+)h(\d\d)m\d\ds drill time "
                     r"(?:\(\S+ wall\) )?later \(used up 1h29m\d\ds later without it\)", breaker)
    assert said is not None and BREAKER[1] + (int(said[1]) * 60 + int(said[2])) * 60 <= 6000.0, breaker
    assert "daily reset" not in breaker and "reset" not in rows[ARCHITECT[1]].change
