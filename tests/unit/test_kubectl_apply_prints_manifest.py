"""redteam45 R6: the hot-patch RB-LAUNCH-005 applies (``schema-hotfix.yaml``, the drill's own) could not be read
before it was applied: ``kubectl apply -f schema-hotfix.yaml --dry-run=client -o yaml`` was refused ("does not simulate
--output"). It prints the object as kubectl would apply it, and applies nothing."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill


def test_a_dry_run_apply_prints_the_hot_patch_and_applies_nothing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)          # no schema-hotfix.yaml here: the drill's own is read
    drill = warm_drill(tmp_path, "mass-failure")
    code, out, err = run_one(drill, shlex.split(
        "kubectl apply -f schema-hotfix.yaml -n production --dry-run=client -o yaml"), 300.0)
    assert code == 0 and "kind: ConfigMap" in out and "schema.emit_version: '20251104_001'" in out, (out, err)
    assert not drill.actions()
