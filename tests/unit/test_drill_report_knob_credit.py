"""The drill report credits a knob-sized action by what its value did in the world (redteam44 T5).

``kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=2000`` pruned nothing in the
timeout drill (every bundle is under 2000 KB, the curves took no bend: ``cluster.dose`` 0), yet the report read
"new flows send pruned bundles (<=180 KB)", effective, and ``resolution_done: ["context_pruning"]``: it classified
the change by its key. Now the stretches it credits are the simulator's less the revisions whose knob acts on nothing,
and the scenario's words quote the value set.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill
from warroom.incident.drill_report.actions import _cause, _verdict, done_by, stretches

ON = 700.0


def _world(tmp_path: Path, *sets: tuple[float, str]):
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="knob")
    for t, keys in sets:
        assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *keys.split(), "-n", "production"],
                       t)[0] == 0
    sig = drill.simulator.refresh().signals
    return drill, sig, stretches(drill.scenario, sig)


def test_a_cap_above_every_bundle_is_no_pruning_and_a_cap_between_is_said_as_set(tmp_path: Path) -> None:
    drill, sig, spans = _world(tmp_path / "a", (ON, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=2000"))
    sc, on = drill.scenario, next(a for a in drill.actions() if a.action == "context_pruning")
    assert spans["context_pruning"] == [] and not done_by(sc, sig, spans, "context_pruning", 1500.0)
    effective, why, _ = _verdict(sc, sig, spans, on, SPEED)
    assert not effective and why.startswith("CONTEXT_MAX_SIZE_KB=2000 acts on nothing: only a value below 612"), why

    drill, sig, spans = _world(tmp_path / "b", (ON, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=400"))
    on = next(a for a in drill.actions() if a.action == "context_pruning")
    assert spans["context_pruning"] == [(on.t, None)] and _verdict(sc, sig, spans, on, SPEED)[0]
    assert _cause(sc, sig, on) == "new flows send pruned bundles (<=400 KB)"

    # the cap lowered later, the switch left on: pruning acts from that revision, and is done
    drill, sig, spans = _world(tmp_path / "c", (ON, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=2000"),
                               (900.0, "CONTEXT_MAX_SIZE_KB=180"))
    assert [on for on, _ in spans["context_pruning"]] == [900.0], spans
    assert done_by(sc, sig, spans, "context_pruning", 1500.0)


def _credited(tmp_path: Path, *ops: tuple[float, str]) -> list[tuple[str, float]]:
    """(action, t) of each knob record ``credit_knobs`` leaves, for ``ops`` typed at their times."""
    from warroom.incident.drill_report.actions import credit_knobs

    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="credit")
    for t, command in ops:
        assert run_one(drill, command.split(), t)[0] == 0, command
    return [(a.action, a.t) for a in credit_knobs(drill.scenario, drill.actions()) if "pruning" in a.action]


ENV = "kubectl set env deployment/flowengine -n production "
UNDO = "kubectl rollout undo deployment/flowengine -n production"


def test_the_meaning_of_a_knob_is_credited_to_the_call_that_made_it_act_or_stop_in_any_order(tmp_path: Path) -> None:
    """redteam46 R9/R8: the stand-ins put "context pruning enabled" on the call that flipped
    CONTEXT_PRUNING_ENABLED, with CONTEXT_MAX_SIZE_KB=2000 (acting on nothing); the 180 KB call after it, which pruned,
    was anonymous, and an undo that put 2000 back meant nothing. One rule: the record goes with the change of whether
    it acts, on a set env, an undo, in either order."""
    on, lax = ENV + "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=", ENV + "CONTEXT_MAX_SIZE_KB="
    assert _credited(tmp_path / "a", (600.0, on + "2000"), (900.0, lax + "180"), (1500.0, UNDO),
                     (2400.0, lax + "180")) == [("context_pruning", 900.0), ("context_pruning_off", 1500.0),
                                                ("context_pruning", 2400.0)]
    # acting first, then the cap raised past every bundle: that call switched it off; the undo put it back
    assert _credited(tmp_path / "b", (600.0, on + "180"), (900.0, lax + "2000"), (1500.0, UNDO)) == [
        ("context_pruning", 600.0), ("context_pruning_off", 900.0), ("context_pruning", 1500.0)]
    # the cap raised while off, then the switch on acts on nothing; the cap alone then makes it act; the switch off
    # stops it
    assert _credited(tmp_path / "c", (500.0, lax + "2000"), (600.0, ENV + "CONTEXT_PRUNING_ENABLED=true"),
                     (900.0, lax + "400"), (1200.0, ENV + "CONTEXT_PRUNING_ENABLED=false")) == [
        ("context_pruning", 900.0), ("context_pruning_off", 1200.0)]
    # the same acting call typed twice: the first makes it act, the second changes nothing
    assert _credited(tmp_path / "d", (600.0, on + "180"), (700.0, on + "180")) == [("context_pruning", 600.0)]


def test_an_undo_that_put_the_acting_cap_back_is_weighed_named_and_made_it_worse(tmp_path: Path) -> None:
    """redteam46 R8: pruning switched on at 2000 KB, the runbook's 180, then a plain ``rollout undo`` (back to 2000 KB:
    P95 over 120 s again), then 180 again. The undo read "(moved none of the scenario's panes) — rolled back onto
    v1.1.0, the same release: a change the scenario does not weigh undone" (its image never changed), and the 2000 KB
    call carried the fix's name. Now the undo is weighed with and without it, named by what it put back, and said to
    have made it worse; the names go to the calls that made pruning act (R9)."""
    from datetime import UTC, datetime

    from tests.unit.standins_corpus import warm_drill
    from warroom.incident.drill_report import drill_report
    from warroom.incident.drill_report.text import report_lines
    from warroom.incident.store import IncidentStore

    d = warm_drill(tmp_path / "d", "timeout", speed=60.0, start=START, name="undo")
    on, lax = ENV + "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=", ENV + "CONTEXT_MAX_SIZE_KB="
    for t, command in ((600.0, on + "2000"), (900.0, lax + "180"), (1500.0, UNDO), (2400.0, lax + "180")):
        assert run_one(d, command.split(), t)[0] == 0, command
    now = [d.wall_time(300.0)]
    inc = IncidentStore(tmp_path / "inc", clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="slow", severity="P2", drill={"scenario": "timeout", "speed": 60.0})
    now[0] = d.wall_time(3600.0)
    inc.resolve("pruned")
    report = drill_report(d, inc.refresh(), at=d.wall_time(3700.0))
    lax_row, first, undo, again = report.actions
    assert lax_row.description.startswith("deployment environment changed (set CONTEXT_MAX_SIZE_KB=2000"), lax_row
    assert not lax_row.effective and lax_row.why.startswith("CONTEXT_MAX_SIZE_KB=2000 acts on nothing"), lax_row
    assert (first.action, again.action) == ("context_pruning", "context_pruning") and first.effective
    assert first.description.startswith("context pruning enabled for new flows (set CONTEXT_MAX_SIZE_KB=180"), first
    assert undo.description == "context pruning disabled (rollout undo on flowengine: CONTEXT_MAX_SIZE_KB 180 → 2000)"
    p95 = re.match(r"P95 flow latency ([\d.]+)s .*?\(([\d.]+)s without it\)", undo.change)
    assert p95 is not None and float(p95.group(1)) > 120.0 > 100.0 > float(p95.group(2)), undo.change
    assert "rolled back onto" not in undo.why and undo.worse.startswith("P95 flow latency"), undo
    text = "\n".join([*report_lines(report), *report.summary])
    assert "Made it worse: context pruning disabled (rollout undo on flowengine: CONTEXT_MAX_SIZE_KB 180 → 2000)" \
        in text and "moved none" not in text, text
