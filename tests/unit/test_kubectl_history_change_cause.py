"""redteam45 R8: ``kubectl rollout history`` listed ``<none>`` as the change-cause of the revisions a restart or a
``set env`` made; the Deployment controller copies the Deployment's annotations, ``kubernetes.io/change-cause``
included, onto each new ReplicaSet, so a real cluster lists them with the cause before them ("release v1.2.0 …"):
RB-LAUNCH-005's trap ("read the image, not the place in the list") is as hard as on a real cluster."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill

RELEASE = "release v1.2.0: TaskObject schema 20251120_002, new model-gateway client"


def test_a_restarts_revision_keeps_the_change_cause_before_it(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "mass-failure")
    for t, command in ((300.0, "kubectl rollout restart deployment/flowengine -n production"),
                       (330.0, "kubectl set env deployment/flowengine LOG_LEVEL=debug -n production")):
        assert run_one(drill, shlex.split(command), t)[0] == 0
    code, out, err = run_one(drill, shlex.split("kubectl rollout history deployment/flowengine -n production"), 360.0)
    rows = {line.split(None, 1)[0]: line.split(None, 1)[1].strip() for line in out.splitlines()[2:] if line.strip()}
    assert rows.get("7") == rows.get("8") == rows.get("9") == RELEASE, out
