"""redteam39 F9: one Go/No-Go dialog read "NO-GO ✔ 3 or fewer repositories failing — Repositories
failing: 3 <= 3" beside "GO ✗ The triage count says 5 or more repositories are affected … 4 >= 5"
while the scenario fails flows in four repositories. Both are right, under two definitions: the
metric counts a repository when more than half its flows fail, the triage count when it has 2 or more
failures in the hour. The metric's definition lived in a TOML comment; its title now says it on
every surface ("Repos failing most flows: 3"), and the mass-failure world agrees with both rules."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary

LOOK = 900.0          # scenario seconds: the failures have ramped up, nothing was done
SHARE = ("sum by (repo) (rate(flowengine_flow_failures_total[5m])) "
         "/ sum by (repo) (rate(flowengine_flow_executions_total[5m]))")
AFFECTED = re.compile(r"^Affected repos \(2 or more failures each\): (\d+) \(([^)]*)\)$", re.M)


def test_the_repo_count_says_what_it_counts_and_the_world_agrees_with_the_triage(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    library = RunbookLibrary.from_config(cfg)
    inc = IncidentStore(tmp_path / "state", cfg).create(title="flows failing", severity="P1", runbook=None, source={})
    drill = create_drill(tmp_path / "drill", "mass-failure", speed=SPEED, start=START, name="f9")
    now = datetime.fromtimestamp(drill.wall_time(LOOK), UTC)

    # the world: flows fail in four repositories, more than half of them in three
    shares = {row[0]["repo"]: float(row[1]) for row in drill.source().query(SHARE, at=now.timestamp())}
    failing = sorted(r for r, share in shares.items() if share > 0.5)
    code, out, err = run_one(drill, shlex.split("blocks metrics query --metric flow_failures_total --last 1h "
                                                "--group-by repo --sort desc"), LOOK)
    assert code == 0, err
    (line,) = AFFECTED.findall(out)
    affected = sorted(line[1].split(", "))
    assert (len(failing), len(affected)) == (3, 4), (shares, out)
    assert set(failing) < set(affected)                     # every failing repository is affected
    assert all(0 < shares[r] <= 0.5 for r in set(affected) - set(failing)), shares   # the other loses some

    for rb_id in ("RB-LAUNCH-005", "RB-LAUNCH-002"):      # both state the decision, with one query
        rb = library.get(rb_id)
        assert rb is not None
        [view] = dec.evaluate_all(inc, inc.state, [rb], drill.source(), now)
        said = {c.evidence for c in view.criteria if c.name == "repos_failing"}
        assert said == {f"Repos failing most flows: {len(failing)} >= 5 is false",
                        f"Repos failing most flows: {len(failing)} <= 3 is true"}, (rb_id, said)
