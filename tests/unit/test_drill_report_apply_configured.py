"""redteam45 R7: ``kubectl apply -f schema-hotfix.yaml`` onto the existing flowengine-config ConfigMap answered
"configmap/flowengine-config configured", yet the drill report named the row "create configmap/flowengine-config":
each action is named by what its command did."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.incident.drill_report.actions import did


def test_an_apply_onto_an_existing_configmap_is_named_configured(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)          # no schema-hotfix.yaml here: the drill's own is applied
    drill = warm_drill(tmp_path, "mass-failure")
    code, out, err = run_one(drill, shlex.split("kubectl apply -f schema-hotfix.yaml -n production"), 300.0)
    assert (code, out.strip()) == (0, "configmap/flowengine-config configured"), err
    op = next(a for a in drill.actions() if a.action == "create")
    assert did(op) == "configmap/flowengine-config configured", did(op)
