"""Under ``$WARROOM_DRILL_AT`` the clock is held: a watch answers once, as of that moment, and ends (redteam50 F3).

``kubectl rollout status --timeout=1s`` of a rollout in progress, pinned, slept a second at a time for ever (the held
clock never reached its deadline: a redteam probe ran 10 minutes). Now every wait of a stand-in (``Context.wait_until``)
reaches nothing under a held clock and sleeps nothing: ``rollout status`` says how the rollout stands then and ends with
kubectl's time-out (exit 1), ``--watch=false`` and a finished rollout answer as before, ``logs -f`` prints the log to
that moment and exits, ``blocks test-flow`` says the run is still running at once. No wall time passes here: sleeping
is counted, and more than a few sleeps fail the test instead of hanging it.
"""

from __future__ import annotations

import io
import types
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom import scenario_time as stime
from warroom.drill.standins import base

T = 1200.0
SHIPPER = ["deployment/audit-shipper", "-n", "production"]


def test_a_watch_under_a_held_clock_answers_once_and_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drill = warm_drill(tmp_path, "audit-gap", name="held")
    assert run_one(drill, ["kubectl", "rollout", "restart", *SHIPPER], T)[0] == 0
    monkeypatch.setenv(stime.AT_ENV, repr(drill.wall_time(T + 2)))     # mid-rollout, as the repro's 17:37:48
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the bound: a loop that sleeps on fails here, never hangs the suite
        slept.append(seconds)
        assert len(slept) < 5, f"a watch under a held clock kept sleeping: {slept}"
    monkeypatch.setattr(base, "time", types.SimpleNamespace(sleep=sleep))

    def held(tool: str, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        ctx = base.Context(tool, argv, drill, stdout=out, stderr=err)
        assert ctx.pinned == drill.on_wall and ctx.t == pytest.approx(T + 2)
        slept.clear()
        code = base.run_tool(ctx)
        assert sum(slept) < 0.5, slept  # only the command's own pace (``Context.pause``)
        return code, out.getvalue(), err.getvalue()

    # a drill made under the pin (not the wall's) takes a change there: the run it starts waits on the held clock
    code, out, _ = held("blocks", "test-flow")
    assert code == 0 and "is still running after 0s drill time; its outcome is not known yet" in out, out

    drill.on_wall = True                # as a drill the shell's user made: its replayed moment changes nothing
    waiting = 'Waiting for deployment "audit-shipper" rollout to finish: 1 out of 2 new replicas have been updated...\n'
    for timeout in (["--timeout=1s"], ["--timeout", "10m"], []):
        code, out, err = held("kubectl", "rollout", "status", *SHIPPER, *timeout)
        assert (code, out) == (1, waiting) and err.startswith("error: timed out waiting for the condition (drill: $"
                                                              "WARROOM_DRILL_AT holds the clock at "), (code, out, err)
    assert held("kubectl", "rollout", "status", *SHIPPER, "--watch=false") == (0, waiting, "")
    assert held("kubectl", "rollout", "status", "deployment/flowengine", "-n", "production") == (
        0, 'deployment "flowengine" successfully rolled out\n', "")
    code, out, _ = held("kubectl", "logs", "-f", "deployment/flowengine", "-n", "production", "--since=30s", "--tail=2")
    assert code == 0 and len(out.splitlines()) == 2, out

    # curl --retry (attack50 A4): each retry's wait reached nothing, yet every retry was asked, the same 503 printed
    # N times (--retry 100000 spun for minutes); now the held clock's one answer stands, with the drill's note why
    health = ["curl", "-s", "--retry", "5", "--retry-delay", "1", "http://localhost:8080/health"]
    code, out, err = held("kubectl", "exec", "deployment/audit-shipper", "-n", "production", "--", *health)
    assert code == 0 and out.count('"status"') == 1 and '"degraded"' in out, (code, out, err)
    assert "drill: $WARROOM_DRILL_AT holds the clock at " in err and "so no retry is asked" in err, err
