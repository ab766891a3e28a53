"""RB-LAUNCH-005's "Repositories failing" reads 0 only while FlowEngine runs flows, as the runbook
says: with FlowEngine scaled to zero (or no flow started in five minutes) it is no data, and both
its criteria are unknown — never the NO-GO's "3 or fewer repositories failing" met.

Before: the query's fallback was ``sum(rate(executions[5m])) * 0``, which is 0 whenever the
execution series exist, running or not: in the mass-failure drill with FlowEngine at zero replicas
(every repository unable to run a flow) the NO-GO criterion read "Repositories failing: 0 <= 3 is
true" (met). The fallback is now ``(sum(rate(executions[5m])) > 0) * 0``. RB-LAUNCH-002 states the
same decision with the same query."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.config import Config
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary

STOP, LOOK = 300.0, 900.0      # scenario seconds: the scale to zero, the look (10 min later: no flow for 5m)


def _repos(view: dec.DecisionView) -> list[dec.CriterionVerdict]:
    return [c for c in view.criteria if c.name == "repos_failing"]


def test_no_flows_running_is_no_data_never_three_or_fewer(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    library = RunbookLibrary.from_config(cfg)
    inc = IncidentStore(tmp_path / "state", cfg).create(title="flows failing", severity="P1", runbook=None, source={})
    for rb_id in ("RB-LAUNCH-005", "RB-LAUNCH-002"):
        rb = library.get(rb_id)
        assert rb is not None
        stopped = warm_drill(tmp_path / f"{rb_id}-stopped", "mass-failure", speed=SPEED, start=START, name="s")
        assert run_one(stopped, "kubectl scale deployment/flowengine --replicas=0 -n production".split(), STOP)[0] == 0
        running = warm_drill(tmp_path / f"{rb_id}-running", "mass-failure", speed=SPEED, start=START, name="r")
        for drill, stops in ((stopped, True), (running, False)):
            now = datetime.fromtimestamp(drill.wall_time(LOOK), UTC)
            [view] = dec.evaluate_all(inc, inc.state, [rb], drill.source(), now)
            crit = _repos(view)
            assert len(crit) == 2, (rb_id, crit)
            if stops:
                assert {c.state for c in crit} == {dec.UNKNOWN}, (rb_id, crit)
                assert all(c.evidence == "Repos failing most flows: no data" for c in crit), (rb_id, crit)
            else:     # flows running: a count, compared
                assert {c.state for c in crit} <= {dec.MET, dec.NOT_MET} and all(c.value is not None for c in crit)
