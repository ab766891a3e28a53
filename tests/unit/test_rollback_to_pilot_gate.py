"""RB-LAUNCH-002's own path reaches "mitigated" (redteam48 F9): its allowlist step, the change that stops the failing
flows, carries a verify gate on a five-minute failure ratio, as RB-LAUNCH-005's fixes do (``failure_rate_5m``), so
the GO path is not "Time to mitigate: not reached" unless the commander presses ``m``."""

from __future__ import annotations

from pathlib import Path

from warroom.runbook.parser import load_runbook

ROOT = Path(__file__).resolve().parents[2] / "runbooks"


def test_the_rollback_to_pilots_allowlist_step_is_gated_on_the_same_five_minute_ratio_as_rb_launch_005() -> None:
    rollback = load_runbook(ROOT / "RB-LAUNCH-002-rollback-to-pilot.md")
    mass = load_runbook(ROOT / "RB-LAUNCH-005-mass-failure.md")
    step = next(s for s in rollback.steps if s.id == "allowlist-pilot-only")
    assert step.verify == "failure_rate_5m < 1 for 2m within 15m"
    assert rollback.queries["failure_rate_5m"].promql == mass.queries["failure_rate_5m"].promql
    assert not [f for f in rollback.findings if getattr(f, "level", "") == "error"]
