"""RB-LAUNCH-005's hot-patch path (redteam42 R9): "If a rollback is not possible, hot-patch the schema instead" applies
``schema-hotfix.yaml``, which the drill provides, then restarts FlowEngine; the restart after the patch ends the schema
rejections (the pods read the patched schema at start), a restart without it ends none."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill

APPLY = "kubectl apply -f schema-hotfix.yaml -n production"
RESTART = "kubectl rollout restart deployment/flowengine -n production"
REJECTED = "psql -At -c \"select count(*) from tasks where error_message like '%schema_version%' and created_at > now() " \
           "- interval '5 minutes'\""


def sh(drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, out, err)
    return out


def test_the_hot_patch_then_a_restart_ends_the_schema_rejections_and_a_restart_alone_does_not(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)          # no schema-hotfix.yaml here: the drill's own is applied
    patched, alone = warm_drill(tmp_path, "mass-failure", name="patched"), warm_drill(tmp_path, "mass-failure", name="alone")
    assert sh(patched, APPLY, 300.0).strip() == "configmap/flowengine-config configured"
    for drill in (patched, alone):
        sh(drill, RESTART, 330.0)
    # about one flow in five of ~110 in fifteen minutes (~6 in five: one flow more or less as which fail moves)
    assert int(sh(alone, REJECTED.replace("5 minutes", "15 minutes"), 1200.0)) > 15
    assert int(sh(patched, REJECTED, 1200.0)) == 0
    served = sh(patched, "kubectl exec -n production deployment/flowengine -- curl -s "
                         "http://localhost:8080/api/schemas/version", 1200.0)
    assert "20251104_001" in served, served
    for drill, rejected in ((patched, False), (alone, True)):      # new runs, as the flows (about half of them, R9)
        said = [run_one(drill, shlex.split("blocks test-flow --repo financial-reporting"), 1200.0 + i)[2]
                for i in range(6)]
        assert any("rejected by block contract" in err for err in said) is rejected, said


def test_the_hot_patch_into_another_namespace_is_refused_as_kubectl_does(tmp_path: Path, monkeypatch) -> None:
    """attack42 A20: `-n staging` answered "created", made nothing in staging and fixed production. The file names
    `namespace: production`: kubectl refuses the mismatch and applies nothing."""
    monkeypatch.chdir(tmp_path)
    drill = warm_drill(tmp_path, "mass-failure", name="staging")
    code, out, err = run_one(drill, shlex.split("kubectl apply -f schema-hotfix.yaml -n staging"), 300.0)
    assert (code, out) == (1, "") and 'does not match the namespace "staging"' in err, err
    assert "--namespace=production" in err and not drill.actions()          # nothing applied, nothing recorded
