"""An env switch means one thing to the whole drill, however it is spelt (F26-shrinkA-1).

``ENABLE_CIRCUIT_BREAKER=1`` was journaled as ``circuit_breaker`` (the simulator, the drill report
and the PIR counted a breaker) while ``blocks circuit-breaker status`` said DISABLED and FlowEngine's
log had no breaker line: the action read true/1/yes/on, the breaker only ``true``. Both now read
``cluster.switched_on``. Run in-process at fixed scenario moments, so nothing depends on the box.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warmed
from warroom.drill.directory import create_drill

SET_AT, ASKED_AT = 300.0, 900.0


@pytest.mark.parametrize(("value", "on"), [("true", True), ("1", True), ("yes", True), ("On", True),
                                           ("false", False), ("0", False), ("off", False)])
def test_the_breaker_is_on_for_every_view_or_for_none(tmp_path: Path, value: str, on: bool) -> None:
    drill = warmed(create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="switch"))
    code, _, err = run_one(drill, ["kubectl", "set", "env", "deployment/flowengine",
                                   f"ENABLE_CIRCUIT_BREAKER={value}"], SET_AT)
    assert code == 0, err
    journaled = "circuit_breaker" in [a.action for a in drill.actions()]
    status = run_one(drill, ["blocks", "circuit-breaker", "status"], ASKED_AT)[1]
    logs = run_one(drill, ["kubectl", "logs", "deployment/flowengine", "--since=10m"], ASKED_AT)[1]
    assert journaled is on
    assert ("DISABLED" not in status) is on, status
    assert ("CircuitBreaker:" in logs) is on


def test_disable_providers_is_read_by_one_rule() -> None:
    """``DISABLE_PROVIDERS`` is read in one place, ``cluster.disabled``: the routing, the reason the logs
    and ``/health/models`` give, and the providers that endpoint marks disabled all follow it. It was
    parsed by hand twice more (the route's reason, ``/health/models``), each free to drift from the
    rule the routing follows (stop 26's closing note)."""
    import warroom.drill

    drill = Path(warroom.drill.__file__).parent
    readers = sorted(str(p.relative_to(drill)) for p in drill.rglob("*.py")
                     if '"DISABLE_PROVIDERS"' in p.read_text(encoding="utf-8"))
    assert readers == ["cluster.py"], readers
    source = (drill / "cluster.py").read_text(encoding="utf-8")
    assert source.count('"DISABLE_PROVIDERS"') == 2     # ROUTING_KEYS names it; ``disabled`` reads it
