"""route-6: `blocks flow retry` / `test-flow` failed a Claude call with a 429 whenever Anthropic's quota read
85 % or more (a rule of its own): at 98 % the world refuses part of the calls (``Signals.share_429``), the
stand-in refused all of them. A retry is now a flow run by the world's law (``model.call_law``, ``blocks.drawn``):
each of its calls is tried up to --max-attempts times (default: the orchestrator's retry.max_attempts), every
attempt drawn per task, call, attempt and second against the share refused now (the same retry answers the same),
the breaker holding a refused call's retries (redteam49 F8: it bent the provider's share to nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, refuses, run_one, warm_drill
from warroom.drill.cluster import short_hash
from warroom.drill.standins.blocks import drawn
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill
from warroom.units import format_value

T = 1500.0          # rate-limit, untouched: the throttling at full strength, quota 98 % (not exhausted)


def failed_429(drill: Drill, t: float, n: int, status: str = "failed", cause: str = "429") -> list[str]:
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t)).flows(t - 3600, t, t)
    return [f.task_id for f in reversed(flows) if f.status == status and cause in (f.error or "")
            and "claude" in f.model][:n]         # a task on another model calls another provider


@pytest.fixture
def drill(tmp_path: Path) -> Drill:
    return warm_drill(tmp_path, "rate-limit", speed=10.0, start=START)


def test_a_retry_is_refused_as_the_world_refuses_its_providers_calls(drill: Drill) -> None:
    signals = drill.simulator.refresh().signals
    assert 0.4 < signals.share_429(fleet.PRIMARY_PROVIDER, T) < 0.55 and drill.simulator.pane("quota", T) >= 85
    answers, used = {}, format_value(drill.simulator.pane("quota", T), "percent")      # the pane's figure: 98.3%
    for task in failed_429(drill, T, 16):
        code, out, err = run_one(drill, ["blocks", "flow", "retry", task, "--max-attempts", "1"], T)
        answers[task] = code == 1 and f"anthropic 429 Too Many Requests (quota {used} used)" in err
        assert answers[task] or (code == 0 and "run: succeeded" in out), (out, err)
        assert answers[task] == refuses(drill, task, T, 1)
        assert out.count("attempt 1/1: rate limit exceeded") == len(drawn(signals, task, T, fleet.PRIMARY_PROVIDER, 1)[0])
    assert set(answers.values()) == {True, False}, answers       # some refused, most answered


def test_each_attempt_is_one_more_call_and_the_orchestrators_setting_is_the_default(drill: Drill) -> None:
    once = [t for t in failed_429(drill, T, 16) if refuses(drill, t, T, 1) and not refuses(drill, t, T, 2)]
    others = [t for t in failed_429(drill, T, 16) if t != once[0]]
    code, out, err = run_one(drill, ["blocks", "flow", "retry", once[0]], T)
    assert code == 0 and "attempt 1/3: rate limit exceeded: anthropic 429" in out and "run: succeeded" in out
    assert run_one(drill, "blocks config set retry.max_attempts 1".split(), T)[0] == 0
    assert drill.simulator.refresh().signals.attempts(T + 1) == 1      # the world's flows try a call once now too
    code, out, err = run_one(drill, ["blocks", "flow", "retry", others[0]], T + 1)
    assert "attempt 2/" not in out + err and (code == 1) == refuses(drill, others[0], T + 1, 1)
    code, _, err = run_one(drill, ["blocks", "flow", "retry", others[1], "--max-attempts", "0"], T)
    assert code == 2 and "Invalid value for '--max-attempts': '0' is not in the range 1<=x<=10." in err
    for word in ("x", "2.5", "", "３"):        # no number at all: said so, not "out of range" (redteam34b)
        code, _, err = run_one(drill, ["blocks", "flow", "retry", others[1], "--max-attempts", word], T)
        assert code == 2 and f"Invalid value for '--max-attempts': '{word}' is not a valid integer." in err, err


def test_the_breaker_bends_the_refused_share_and_says_why_while_open(drill: Drill) -> None:
    on = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85 -n production"
    assert run_one(drill, on.split(), 150.0)[0] == 0
    opened = next(t for t in range(200, 400, 10) if "OPEN (" in run_one(drill, "blocks circuit-breaker status".split(),
                                                                           float(t))[1].split("\n")[0][:22])
    # OPEN holds retries of throttled calls, it pauses no flow (lead29-5, 6ef51d4): a flow run by hand is refused
    # only by the world's 429 draws, never by the breaker's own refusal. No task has failed yet while it is OPEN (and
    # one that succeeded is not retried: nothing to retry), so the hand-run flows are test flows, one a second
    answers = []
    for t in (float(opened) + k for k in range(12)):
        code, out, err = run_one(drill, ["blocks", "test-flow"], t)
        assert "circuit breaker OPEN" not in out + err and "pausing" not in out + err, (out, err)
        assert (code == 1) == refuses(drill, f"tsk_test{short_hash(drill.wall_time(t), n=4)}", t), (out, err)
        answers.append(code)
    assert 0 in answers, answers             # most run: the breaker refuses none of them
    late = 900.0            # HALF_OPEN: retries still held; the provider still refuses what it has no room for
    signals = drill.simulator.refresh().signals
    assert signals.holding(late) and 0.12 < signals.share_429(fleet.PRIMARY_PROVIDER, late) < 0.13     # 0.5 ** 3 (F8)
    for task in failed_429(drill, late, 6):
        code, out, err = run_one(drill, ["blocks", "flow", "retry", task], late)
        tried = [ln for ln in out.splitlines() if ln.lstrip().startswith("call ")]
        assert all("attempt 1/" in ln for ln in tried), out          # a 429 held: never a second attempt
        assert (code == 1) == refuses(drill, task, late), (out, err)
        assert code == 0 or "held by the circuit breaker" in err, (out, err)
