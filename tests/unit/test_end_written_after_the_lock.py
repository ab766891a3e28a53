"""An end line that lands after other lines is known from then, whatever its ``ts`` says (audit57 F4, attack56 A6).

The supervisor retries its end line while another process holds the journal's lock (up to 120 s); a spooled shared
line is forwarded later with its own ``ts``. Such a line carried the run's end as its time, earlier than lines
journaled before it: ``known_at`` was the end, and a typing made while the run showed running was re-judged (the
halt's lift taken away, RELAPSED). A line is known no earlier than any line before it in the journal
(``reducers.steps._ended``), and the supervisor dates a line written after waiting at its writing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_end_journaled_late_judged import _lift
from tests.unit.test_gate_relapse_journaled import _unpinned  # noqa: F401  (autouse: the pin undone after)
from tests.unit.test_lift_typed_then_run import SCALE
from tests.unit.test_lifted_by_hand import NS, _gap, _halted
from tests.unit.test_typed_judged_at_its_moment import KEY, STAGING
from warroom.journal import events as ev
from warroom.sources.evidence import iso


def test_an_end_stamped_at_its_end_but_landing_later_keeps_the_lift_given_meanwhile(tmp_path: Path) -> None:
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    run = {**STAGING, "tag": "k" * 32}
    clock.t = d.wall_time(350.0)
    inc.append(ev.STEP_STARTED, run)
    assert typed_in_shell(d, SCALE, 400.0) == 0
    clock.t = d.wall_time(405.0)
    _gap(inc, d, "recovered", 404.0, 6.0)          # a line journaled while the run shows running
    before = _lift(inc, d, clock, 406.0)
    assert before[0] is False and before[1].startswith("lifted by step 30 ("), before
    clock.t = d.wall_time(420.0)
    ended = d.wall_time(360.0)                     # the line as the supervisor wrote it after the lock: ts = its end
    inc.journal.append(ev.STEP_FINISHED, {**run, "status": "ok", "exit_code": 0, "ended_at": iso(ended)},
                       ts=datetime.fromtimestamp(ended, UTC))
    [ran] = inc.state.steps[KEY].runs
    assert ran.ended_at.timestamp() == ended and ran.known_at.timestamp() >= d.wall_time(405.0), ran.known_at
    assert _lift(inc, d, clock, 600.0) == before
