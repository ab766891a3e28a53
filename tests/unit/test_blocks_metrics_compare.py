"""Issue 13 item 5: ``blocks metrics compare`` (RB-DEPLOY-002's "compare-canary" step) reads the canary's column
from the world its pods see, not from the baseline's times 0.9, and its verdict from the thresholds: a canary on
the scenario's bad release is worse than a rolled-back fleet; a good canary during a fault of something else reads
as the baseline does (and breaches with it); no canary, or one with no ready pod, is an error; no verdict is "ok"
past the SLO or past the baseline, and any verdict but "ok" exits 1. In-process, a few drills: ~2 s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.config import default_slos
from warroom.drill.directory import Drill
from warroom.drill.standins.blocks import WORSE_BY, measured

COMPARE = "blocks metrics compare --baseline flowengine --canary flowengine-canary --duration 48h".split()
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: flowengine-canary
spec:
  replicas: 1
  selector: {{matchLabels: {{app: flowengine, track: canary}}}}
  template:
    metadata: {{labels: {{app: flowengine, track: canary}}}}
    spec:
      containers:
      - name: flowengine
        image: {image}
"""
CRIT = {s.id: s.crit for s in default_slos()}


def drill_with_canary(tmp_path: Path, scenario: str, image: str, at: float = 300.0,
                      before: tuple[str, ...] = ()) -> Drill:
    """A drill whose canary deployment (RB-DEPLOY-002's manifest, ``image``) was applied at ``at``."""
    drill = warm_drill(tmp_path, scenario, speed=10.0, start=START)
    for line in before:
        assert run_one(drill, line.split(), 100.0)[0] == 0, line
    (manifest := tmp_path / "canary.yaml").write_text(MANIFEST.format(image=image), encoding="utf-8")
    code, out, err = run_one(drill, ["kubectl", "apply", "-n", "production", "-f", str(manifest)], at)
    assert (code, out) == (0, "deployment.apps/flowengine-canary created\n"), err
    return drill


def rows(out: str) -> dict[str, tuple[float, float, str]]:
    """metric -> (baseline, canary, verdict) of the comparison table."""
    found = re.findall(r"^(failure rate|p95 latency)\s+([\d.]+)[%s]\s+([\d.]+)[%s]\s+(.+?)\s*$", out, re.M)
    assert len(found) == 2, out
    return {m: (float(a), float(b), v) for m, a, b, v in found}


def judged(table: dict[str, tuple[float, float, str]]) -> None:
    """Each verdict says what the numbers do: "worse" past the baseline, "breach" past the pane's threshold, else ok."""
    for metric, pane in (("failure rate", "failure_rate"), ("p95 latency", "p95_latency")):
        was, now, verdict = table[metric]
        worse = now > was + WORSE_BY[0] if pane == "failure_rate" else now > was * (1 + WORSE_BY[1])
        breach = now > CRIT[pane]
        assert verdict == (", ".join(["worse"] * worse + ["breach"] * breach) or "ok"), (metric, table)


# RB-DEPLOY-002's default canary image is a -canary build of the release under test: the same code
@pytest.mark.parametrize("image", ["registry.internal/flowengine:v1.2.0", "flowengine:v1.2.0-canary",
                                   "flowengine:v1.2.0-canary2", f"registry.internal:5000/flowengine:v1.2.0@sha256:{'a' * 64}"])
def test_a_canary_on_the_bad_release_is_worse_than_a_rolled_back_fleet(tmp_path: Path, image: str) -> None:
    drill = drill_with_canary(tmp_path, "mass-failure", image,
                              before=("kubectl rollout undo deployment/flowengine -n production",))
    code, out, err = run_one(drill, COMPARE, 900.0)
    table = rows(out)
    was, now, verdict = table["failure rate"]
    assert was < CRIT["failure_rate"] < now and verdict == "worse, breach", out
    judged(table)
    assert code == 1 and "canary not ok: failure rate worse and breach" in err, (code, err)


def test_a_good_canary_beside_the_bad_release_reads_its_own_world(tmp_path: Path) -> None:
    """The fleet still runs v1.2.0 (39 % failing); the canary's v1.1.0 pod sees none of the release's faults."""
    drill = drill_with_canary(tmp_path, "mass-failure", "flowengine:v1.1.0")
    code, out, err = run_one(drill, COMPARE, 900.0)
    table = rows(out)
    assert table["failure rate"][1] < CRIT["failure_rate"] < table["failure rate"][0], out
    judged(table)
    assert (code, err) == (0, ""), (code, err)
    (manifest := tmp_path / "canary.yaml").write_text(MANIFEST.format(image="flowengine:v1.2.0"), encoding="utf-8")
    code, out, err = run_one(drill, ["kubectl", "apply", "-n", "production", "-f", str(manifest)], 950.0)
    assert (code, out) == (0, "deployment.apps/flowengine-canary configured\n"), err     # applied again: a rollout
    code, out, err = run_one(drill, COMPARE, 1200.0)
    table = rows(out)
    assert "1/1 ready (flowengine:v1.2.0)" in out and table["failure rate"][0] == table["failure rate"][1], out
    assert code == 1 and table["failure rate"][2] == "breach", (code, out)


def test_a_good_canary_during_another_fault_reads_as_the_baseline_and_breaches_with_it(tmp_path: Path) -> None:
    """timeout: oversized bundles slow every flow whatever the release; the canary is no worse, but not ok."""
    drill = drill_with_canary(tmp_path, "timeout", "flowengine:v1.2.0-canary")
    code, out, err = run_one(drill, COMPARE, 900.0)
    table = rows(out)
    assert all(abs(was - now) <= WORSE_BY[0] for was, now, _ in table.values()), out
    assert table["p95 latency"][1] > CRIT["p95_latency"] and table["p95 latency"][2] == "breach", out
    judged(table)
    assert code == 1 and "p95 latency breach" in err, (code, err)


def test_no_canary_or_none_ready_is_an_error_not_zeros(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path / "none", "rate-limit", speed=10.0, start=START)
    code, out, err = run_one(drill, COMPARE, 600.0)
    assert (code, out) == (1, "") and "'flowengine-canary': deployment not found" in err, err
    drill = drill_with_canary(tmp_path, "rate-limit", "flowengine:v1.2.0-canary", at=600.0)
    code, out, err = run_one(drill, COMPARE, 605.0)           # its one pod is ready 15 s after it starts
    assert (code, out) == (1, "") and "0/1 pods ready, so no flows reach it" in err, err
    code, out, err = run_one(drill, ["kubectl", "delete", "deployment", "flowengine-canary", "-n", "production"], 700.0)
    assert code == 0, err
    assert "deployment not found" in run_one(drill, COMPARE, 710.0)[2]


def test_a_config_key_nothing_reads_is_refused_naming_the_knob_that_acts(tmp_path: Path) -> None:
    """``blocks config set context.max_size_kb`` said "✓" and bent nothing: the drill's pods prune to their env's cap."""
    drill = warm_drill(tmp_path, "rate-limit", speed=10.0, start=START)
    code, out, err = run_one(drill, "blocks config set context.max_size_kb 120".split(), 600.0)
    assert (code, out) == (1, "") and "is not simulated" in err and "CONTEXT_MAX_SIZE_KB" in err, err
    assert run_one(drill, "blocks config get context.max_size_kb".split(), 610.0)[:2] == (0, "180\n")
    assert run_one(drill, "blocks config set retry.max_attempts 2".split(), 620.0)[:2] == (0, "retry.max_attempts = 2\n")


@pytest.mark.parametrize("key, value, said", [
    ("quota.alert_threshold", "0.75", "is not simulated"),
    ("repos.compliance-service.max_concurrent_flows", "1", "MAX_CONCURRENT_FLOWS"),
    ("repos.no-such-repo.max_concurrent_flows", "1", "unknown repository 'no-such-repo'"),
    ("flows.made_up", "1", "no such config key 'flows.made_up'"),
    ("retry.max_attempts", "0", "from 1 to 10"),
    ("retry.max_attempts", "many", "from 1 to 10"),
    ("retry.max_attempts", "²", "from 1 to 10"),          # isdigit, but no int
    ("retry.max_attempts", "３", "from 1 to 10"),          # an int, but not a number blocks or a runbook writes
])
def test_only_the_settings_the_world_reads_are_taken(tmp_path: Path, key: str, value: str, said: str) -> None:
    """Every other key is refused, so ``config set`` never answers for a setting that changes nothing, and a retry
    limit ``flow retry`` could not use is refused when it is set, not at the next retry."""
    drill = warm_drill(tmp_path, "rate-limit", speed=10.0, start=START)
    code, out, err = run_one(drill, ["blocks", "config", "set", key, value], 600.0)
    assert (code, out) == (1, "") and said in err, err
    assert not [a for a in drill.actions() if a.action == "config_set"]      # nothing recorded, nothing bent


def test_a_canary_s_flows_are_in_the_fleet_s_panes_by_its_share_of_ready_pods(tmp_path: Path) -> None:
    """RB-DEPLOY-002's PromQL reads "canary and baseline together": the Service spreads flows over every ready pod with
    FlowEngine's label, so a bad one-pod canary beside n pods raises the fleet's failure rate by 1/(n+1) of its excess
    (the Go/No-Go reads NO-GO), while the comparison's baseline stays FlowEngine's pods alone; a good canary moves
    nothing. It read the rolled-back fleet's 0.3 % however bad the canary."""
    undo, compare = ("kubectl rollout undo deployment/flowengine -n production",), [*COMPARE[:-1], "5m"]
    fleet, said = {}, {}
    for image in ("flowengine:v1.2.0-canary", "flowengine:v1.1.0"):
        # a directory of its own, named without the image's ':' (a drill under a path with ':' is refused: it would
        # split PATH and KUBECONFIG, attack38 F6)
        drill = drill_with_canary(tmp_path / image.replace(":", "-"), "mass-failure", image, before=undo)
        fleet[image] = measured(drill.simulator.refresh(), 600.0, 900.0)[0]
        said[image] = rows(run_one(drill, compare, 900.0)[1])["failure rate"]
        ready = run_one(drill, "kubectl get deployment flowengine -n production".split(), 900.0)[1]
        pods = int(re.findall(r"^flowengine\s+(\d+)/", ready, re.M)[0])
    (was, now, _), (good_was, good_now, _) = said.values()
    assert was == good_was < CRIT["failure_rate"] < now and good_now == good_was, said
    assert fleet["flowengine:v1.1.0"] == pytest.approx(good_was, abs=0.01), (fleet, said)
    # 24 flows in the five minutes, each counted whole as it begins: one of them is 4% of the runs
    assert fleet["flowengine:v1.2.0-canary"] == pytest.approx(was + (now - was) / (pods + 1), rel=0.05), (
        fleet, said, pods)
    assert fleet["flowengine:v1.2.0-canary"] > CRIT["failure_rate"]


def test_a_canary_on_the_bad_release_is_an_action_the_drill_report_names(tmp_path: Path) -> None:
    """The panes rose with a bad canary's share of the flows (above), but the drill report's "What was done" listed
    the rollback alone: nothing said why the failure rate climbed again. Applying it, and scaling it to zero, are
    actions on the scenario the report names, with the panes read without them; a good canary is none."""
    from warroom.incident.drill_report.build import drill_report

    undo = ("kubectl rollout undo deployment/flowengine -n production",)
    drill = drill_with_canary(tmp_path / "bad", "mass-failure", "flowengine:v1.2.0-canary", before=undo)
    off = "kubectl scale deployment/flowengine-canary --replicas=0 -n production".split()
    assert run_one(drill, off, 1500.0)[0] == 0
    rows = {a.action: a for a in drill_report(drill, None, at=drill.wall_time(2200.0)).actions}
    assert set(rows) == {"rollback", "canary", "canary_off"}, rows
    rose = re.match(r"Flow failure rate ([\d.]+)% .* later \(([\d.]+)% without it\)", rows["canary"].change)
    assert rose and float(rose[1]) > float(rose[2]), rows["canary"].change
    assert rows["canary_off"].why == "" and "without it" in rows["canary_off"].change, rows["canary_off"]
    good = drill_with_canary(tmp_path / "good", "mass-failure", "flowengine:v1.1.0", before=undo)
    rows = drill_report(good, None, at=good.wall_time(1200.0)).actions      # the good canary: its apply, no action
    assert [(a.action, a.mitigation, a.moved) for a in rows] == [("rollback", True, True), ("create", False, False)]
