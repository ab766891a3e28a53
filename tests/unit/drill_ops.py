"""Operations as the stand-ins record them, for tests that script a drill without running a command.

A rollback is the rollout that takes FlowEngine's pods off the bad release, an audit restart the one that replaces
the audit shipper's stuck pods: the curves follow the pods (``actions.BY_POD``), so a script records the operation
the stand-in records, with the canonical action it means beside it, never the canonical action alone (world-3).
"""

from __future__ import annotations

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.cluster import KNOBS


def rollout_undo(t: float) -> list[Action]:
    """``kubectl rollout undo deployment/flowengine`` at ``t`` in mass-failure: back to the release before."""
    return [Action("rollout_undo", t, detail={"deployment": fleet.DEPLOYMENT}),
            Action("rollback", t, detail={"via": "rollout_undo"})]


def set_image(t: float, version: str, meaning: str) -> list[Action]:
    """``kubectl set image deployment/flowengine flowengine=…:version`` at ``t``, recorded with ``meaning``."""
    return [Action("set_image", t, detail={"deployment": fleet.DEPLOYMENT, "image": f"{fleet.IMAGE_REPO}:{version}"}),
            Action(meaning, t, detail={"via": "set_image"})]


def recorded(action: Action, bad_version: str = "v1.2.0") -> list[Action]:
    """What a stand-in records for the canonical ``action``: a rollback (``rollback_off``) with the rollout
    that means it, so the pods and the curves move; an action a knob's value sizes (``cluster.KNOBS``) with the
    ``set env`` of the runbook's value, as the curves read the value (redteam-12); any other as it is."""
    if action.action in KNOBS:
        key, value, _ = KNOBS[action.action]
        switch = {"CONTEXT_PRUNING_ENABLED": "true"} if action.action == "context_pruning" else {}
        return [Action("set_env", action.t, detail={"deployment": fleet.DEPLOYMENT, "set": {**switch, key: f"{value:g}"}}),
                action]
    if action.action == "rollback":
        return rollout_undo(action.t)
    if action.action == "rollback_off":
        return set_image(action.t, bad_version, "rollback_off")
    if action.action == "audit_restart":        # the audit shipper's stuck pods are replaced (``Signals.audit_stuck``)
        return [Action("rollout_restart", action.t, detail={"deployment": fleet.AUDIT_DEPLOYMENT}),
                Action("audit_restart", action.t, detail={"via": "rollout_restart"})]
    return [action]
