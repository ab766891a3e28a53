"""redteam45 R10: ``DISABLE_PROVIDERS=openai`` (the healthy provider) in the provider outage moved OpenAI's calls onto
the failing vendor: the 5xx share rose (37.5% vs 28.2% without it), yet its row was ``effective`` and no summary line
said an action made the outage worse. An action that moved the scenario's panes only the wrong way is not effective,
and the summary says it made things worse."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.unit.incident_fixtures import Clock
from tests.unit.standins_corpus import run_one, warm_drill
from warroom.config import SloConfig
from warroom.incident.drill_report import drill_report
from warroom.incident.drill_report.summary import with_summary
from warroom.incident.store import IncidentStore


def test_disabling_the_healthy_provider_is_said_to_have_made_it_worse(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "provider-outage")
    code, _, err = run_one(d, ["kubectl", "set", "env", "deployment/flowengine", "DISABLE_PROVIDERS=openai",
                               "-n", "production"], 300.0)
    assert code == 0, err
    report = drill_report(d, None, at=d.wall_time(900.0))
    # as after the resolution (``told``: the scenario's judgement said), which needs an incident this test has not
    report = with_summary(replace(report, actions=tuple(replace(a, told=True) for a in report.actions)))
    row = next(a for a in report.actions if "DISABLE_PROVIDERS=openai" in a.command)
    assert not row.effective and "Model API 5xx rate" in row.worse, row
    said = [line for line in report.summary if line.startswith("Made it worse: ")]
    assert len(said) == 1 and "DISABLE_PROVIDERS=openai" in said[0] and "without it" in said[0], report.summary


def test_a_move_within_the_ok_band_is_said_as_what_it_is_not_made_it_worse(tmp_path: Path) -> None:
    """redteam47 F7: RB-CORE-004's own recovery, the provider put back in the outage's fade, was "Made it worse" for a
    Model API 5xx rate of 0.43% against 0.188% without it, under the pane's 2% warn. "Made it worse" is a move that
    leaves a pane past its warn threshold (``harms``); one within the OK band is said as the rise it is."""
    d = warm_drill(tmp_path, "provider-outage")
    env = "kubectl set env deployment/flowengine {} -n production"
    for t, change in ((300.0, "DISABLE_PROVIDERS=anthropic"), (400.0, "MANUAL_REVIEW_MODE=true"),
                      (3780.0, "DISABLE_PROVIDERS- MANUAL_REVIEW_MODE-")):     # RB-CORE-004's steps 9, 18, 21
        assert run_one(d, env.format(change).split(), t)[0] == 0
    report = drill_report(d, None, at=d.wall_time(4400.0))
    report = with_summary(replace(report, actions=tuple(replace(a, told=True) for a in report.actions)))
    row = next(a for a in report.actions if "DISABLE_PROVIDERS-" in a.command)
    assert not row.worse, row
    assert row.change.startswith("Model API 5xx rate") and row.change.split("; ")[0].endswith(
        "without it), a rise within its OK band (warn 2%)"), row.change
    assert "; Anthropic (Claude) requests " in row.change and "(0/min without it)" in row.change   # its calls back
    assert not [line for line in report.summary if line.startswith("Made it worse")], report.summary


def test_made_it_worse_is_a_pane_left_past_its_warn_threshold() -> None:
    from warroom.incident.drill_report.actions import harms

    slo = SloConfig(id="x", title="X", query="x", unit="percent", warn=2.0, crit=5.0)
    assert [harms(slo, v) for v in (0.43, 2.0, 2.1, 7.0)] == [False, False, True, True]
    low = replace(slo, warn=None, crit=50.0, direction="below")
    assert [harms(low, v) for v in (60.0, 49.0)] == [False, True]
    assert harms(replace(slo, warn=None, crit=None), 0.1) and harms(None, 0.1)


DENY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::'
        'context-bundles","arn:aws:s3:::context-bundles/*"]}]}')


def _denied_then_restored(tmp_path: Path, lift: bool) -> list[str]:
    """The audit-gap drill: FlowEngine halted, the bucket deny put, FlowEngine brought back (every flow then fails
    writing its bundle), the deny lifted or not; the summary of the report when it is over."""
    d = warm_drill(tmp_path, "audit-gap", name=f"deny-{lift}")
    scale = ["kubectl", "scale", "deployment/flowengine", "-n", "production"]
    user = ["--user-name", "flowengine-sa", "--policy-name", "deny-context-bundles"]
    for t, argv in ((300.0, [*scale, "--replicas=0"]),
                    (360.0, ["aws", "iam", "put-user-policy", *user, "--policy-document", DENY]),
                    (1800.0, [*scale, "--replicas=3"]),
                    *([(2100.0, ["aws", "iam", "delete-user-policy", *user])] if lift else [])):
        assert run_one(d, argv, t)[0] == 0, argv
    clock = Clock(datetime.fromtimestamp(d.wall_time(0.0), UTC), step=0.0)
    inc = IncidentStore(tmp_path / f"inc-{lift}", clock=clock).create(
        title="Audit log quiet", severity="P1", drill={"scenario": "audit-gap", "speed": d.speed})
    clock.now = datetime.fromtimestamp(d.wall_time(3300.0), UTC)
    inc.resolve("audit shipper restarted")
    report = drill_report(d, inc.state, at=d.wall_time(3300.0))
    return [line for line in report.summary if line.startswith("Still in force")]


def test_a_deny_never_lifted_is_said_as_still_harming_at_the_end(tmp_path: Path) -> None:
    """attack47 Y8: the deny run and never lifted, FlowEngine brought back: every flow failed writing its bundle, and
    the summary never said so (a containment is no "Made it worse" in its own window, and the failure rate is not
    the audit-gap world's own pane). What an action still in force does to the panes at the end is said, for any
    action; the restore that brought the flows back is not blamed (without it there are no flows, no failure rate)."""
    (said,) = _denied_then_restored(tmp_path, lift=False)
    assert "deny-context-bundles" in said and "Flow failure rate" in said and "without it" in said, said
    assert "scaled" not in said, said
    assert _denied_then_restored(tmp_path, lift=True) == []       # lifted: the two worlds alike at the end


def test_a_change_whose_harm_stopped_with_the_flows_is_not_still_harming_and_no_data_is_said(tmp_path: Path) -> None:
    """attack48 Z1: the healthy provider disabled, then FlowEngine halted 20 minutes before the resolve: the hour's
    failure rate still held the failures from before the halt, and the report said the disabled provider was "Still in
    force … harming then", the failure rate "still getting worse" beside "over the last 5m00s … no data (nothing it
    measures ran)", and a pane with no value "not recovered (above its warn threshold)"."""
    d = warm_drill(tmp_path, "provider-outage", name="halted")
    for t, argv in ((300.0, ["kubectl", "set", "env", "deployment/flowengine", "-n", "production",
                             "DISABLE_PROVIDERS=openai"]),
                    (1500.0, ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=0"])):
        assert run_one(d, argv, t)[0] == 0, argv
    clock = Clock(datetime.fromtimestamp(d.wall_time(0.0), UTC), step=0.0)
    inc = IncidentStore(tmp_path / "inc", clock=clock).create(
        title="5xx", severity="P2", drill={"scenario": "provider-outage", "speed": d.speed})
    clock.now = datetime.fromtimestamp(d.wall_time(2400.0), UTC)
    inc.resolve("done")
    summary = drill_report(d, inc.state, at=d.wall_time(2400.0)).summary
    assert not [line for line in summary if line.startswith("Still in force") and "DISABLE_PROVIDERS" in line], summary
    failure = next(line for line in summary if line.startswith("Flow failure rate is"))
    assert "getting worse" not in failure and "no data" in failure, failure
    assert "Model API 5xx rate is without a value at the end (no data)" in "\n".join(summary), summary


def test_the_same_harm_typed_again_is_weighed_as_one_and_still_in_force(tmp_path: Path) -> None:
    """attack48 Z3: the healthy provider disabled at 300 s and typed again at 360 s (once word for word, once with
    another key beside it): each row was weighed against a world where the other still set it, so neither was "Still
    in force … and harming then" and "Made it worse" shrank to the 60 s between them. A value set again while it stood
    is the first's (``_reruns``, ``_without``): the report says what it says of the one typing."""
    env = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production", "DISABLE_PROVIDERS=openai"]
    clock = Clock(datetime.fromtimestamp(0.0, UTC), step=0.0)

    def said(again: list[str], name: str) -> list[str]:
        d = warm_drill(tmp_path, "provider-outage", name=name)
        for t, argv in ((300.0, env), (360.0, again)):
            assert run_one(d, argv, t)[0] == 0, argv
        clock.now = datetime.fromtimestamp(d.wall_time(0.0), UTC)
        inc = IncidentStore(tmp_path / f"inc-{name}", clock=clock).create(
            title="5xx", severity="P2", drill={"scenario": "provider-outage", "speed": d.speed})
        clock.now = datetime.fromtimestamp(d.wall_time(1000.0), UTC)
        inc.resolve("done")
        summary = drill_report(d, inc.state, at=d.wall_time(1000.0)).summary
        return [line for line in summary if line.startswith(("Made it worse", "Still in force"))]
    twice = said(env, "twice")
    worse, left = twice         # as typed once: the 5xx share it raised, and still raises at the end
    assert worse.startswith("Made it worse: ") and "Model API 5xx rate 37.5% vs 28.1% without it" in worse, twice
    assert left.startswith("Still in force") and "Model API 5xx rate 37.6% vs 28.4% without it" in left, twice
    assert "DISABLE_PROVIDERS=openai on flowengine) at +5m00s" in left, left          # the first typing's
    assert said([*env, "FALLBACK_ON_5XX=false"], "spelled") == twice


def test_a_command_typed_again_is_the_firsts_only_while_what_it_set_still_stood() -> None:
    """``_reruns``: node-2 drained twice is one drain weighed once; uncordoned between, the second drain is its own
    (attack48 Z3's rule, by what each operation touches: a restart between two equal env changes touches none of it)."""
    from warroom.drill.actions import Action
    from warroom.drill.scenarios import get_scenario
    from warroom.incident.drill_report.actions import _reruns

    def op(t: float, action: str, **detail: object) -> Action:
        return Action(action, t, t, "kubectl", (action, str(t)), detail)
    sc = get_scenario("provider-outage")
    drain, again = op(1, "node_drain", node="node-2"), op(3, "node_drain", node="node-2")
    assert _reruns(sc, [drain, op(2, "node_drain", node="node-3"), again], set()) == {
        ("node_drain", 3, again.argv): drain}
    assert _reruns(sc, [drain, op(2, "node_uncordon", node="node-2"), again], set()) == {}
    env = {"deployment": "flowengine", "set": {"DISABLE_PROVIDERS": "openai"}, "unset": []}
    first, later = op(1, "set_env", **env), op(3, "set_env", **env)
    restart = op(2, "rollout_restart", deployment="flowengine")
    assert _reruns(sc, [first, restart, later], set()) == {("set_env", 3, later.argv): first}
    put_back = op(2, "set_env", deployment="flowengine", set={}, unset=["DISABLE_PROVIDERS"])
    assert _reruns(sc, [first, put_back, later], set()) == {}


def _env(t: float, **keys: str) -> Any:
    from warroom.drill.actions import Action

    return Action("set_env", t, t, "kubectl", ("set", "env", str(t)), {"deployment": "flowengine", "set": keys,
                                                                       "unset": []})


def test_a_change_typed_again_is_the_firsts_by_what_flowengine_reads_not_by_its_words() -> None:
    """attack49 F6, F2: the same value set again (word for word, in another case, with a trailing comma, a key beside
    it set to the value that stands) changed nothing FlowEngine reads, so it is the first's, however many times and
    however spelled; a key set again to the value that stands never ends the first's standing (a third typing was a
    new first, and the breaker typed after its ENABLE key alone "a change of its own"). A key beside it that changed
    something makes that typing its own."""
    from warroom.drill.scenarios import get_scenario
    from warroom.incident.drill_report.actions import _reruns

    sc = get_scenario("provider-outage")
    first = _env(300, DISABLE_PROVIDERS="openai")
    again = [_env(330, DISABLE_PROVIDERS="OpenAI"), _env(345, DISABLE_PROVIDERS="openai,"),
             _env(360, DISABLE_PROVIDERS="openai")]
    assert _reruns(sc, [first, *again], set()) == {(a.action, a.ts, a.argv): first for a in again}
    beside = _env(330, DISABLE_PROVIDERS="openai", FALLBACK_ON_5XX="true")     # a change of its own
    assert _reruns(sc, [first, beside, again[2]], set()) == {(again[2].action, 360, again[2].argv): first}
    breaker = _env(300, ENABLE_CIRCUIT_BREAKER="true", CIRCUIT_BREAKER_THRESHOLD="85")   # 85 is the default read
    switch, third = _env(330, ENABLE_CIRCUIT_BREAKER="TRUE"), _env(360, **breaker.detail["set"])
    assert _reruns(sc, [breaker, switch, third], set()) == {(b.action, b.ts, b.argv): breaker for b in (switch, third)}


def test_any_change_typed_again_is_the_firsts_by_what_the_world_reads_not_by_its_words() -> None:
    """fix49e's leftover: a scale, an image, an undo, a setting and an autoscaler's patch are judged as env changes are,
    by what the world reads of the parts they set (``_parts``/``_reading``), not by their words (``_parsed``): the same
    release under another registry name, a scale to the replicas an HPA floor holds, the allowlist
    with a trailing comma, attempts as ``02``. A second ``rollout undo`` typed word for word goes back again: its
    own."""
    from warroom.drill.actions import Action
    from warroom.drill.scenarios import get_scenario
    from warroom.incident.drill_report.actions import _reruns

    def op(t: float, action: str, **detail: object) -> Action:
        return Action(action, t, t, "kubectl", (action, str(t)), detail)

    def reruns(*ops: Action) -> dict[float, float]:
        return {key[1]: first.t for key, first in _reruns(sc, list(ops), set()).items()}

    sc = get_scenario("provider-outage")
    image = op(1, "set_image", deployment="flowengine", image="registry.internal/flowengine:v1.1.0")
    assert reruns(image, op(2, "set_image", deployment="flowengine", image="flowengine:v1.1.0")) == {2: 1}
    assert reruns(image, op(2, "set_image", deployment="flowengine", image="flowengine:v1.0.3")) == {}
    scale = op(1, "scale_to", deployment="flowengine", replicas=8)
    floor = op(2, "patch", kind="hpa", name="flowengine", patch={"spec": {"minReplicas": 8}})
    assert reruns(scale, floor) == {}       # the floor is a change of its own (the autoscaler's bounds)
    assert reruns(floor, op(3, "scale_to", deployment="flowengine", replicas=8)) == {3: 2}     # the 8 it holds
    assert reruns(scale, op(2, "scale_to", deployment="flowengine", replicas=8)) == {2: 1}      # (as before)
    allow = op(1, "config_set", key="repos.allowlist", value="compliance-service")
    assert reruns(allow, op(2, "config_set", key="repos.allowlist", value="compliance-service,")) == {2: 1}
    tries = op(1, "config_set", key="retry.max_attempts", value="2")
    assert reruns(tries, op(2, "config_set", key="retry.max_attempts", value="02")) == {2: 1}
    undo = op(1, "rollout_undo", deployment="flowengine")
    assert reruns(undo, replace(undo, t=2, ts=2)) == {}      # an undo of the undo: back onto the release it left


def test_without_a_change_its_repeats_and_an_undo_back_onto_it_set_nothing(tmp_path: Path) -> None:
    """attack49 F3: the healthy provider disabled at 300 s, a new image at 320 s, ``rollout undo`` at 330 s back to the
    revision the first change made (the env still in it): the harm stood to the resolve, yet without the first the
    pinned undo put it back at 330 s, so its row weighed 30 s and the report blamed nothing. Without it, the undo lands
    on that revision without its keys (``_without``): "Made it worse" and "Still in force" as typed alone. And (F2, F6)
    without the first, a later typing of the same value read alike is without that key: nothing left of it."""
    from warroom.drill.cluster import build_cluster
    from warroom.drill.scenarios import get_scenario
    from warroom.incident.drill_report.actions import _without

    sc, first = get_scenario("provider-outage"), _env(300, DISABLE_PROVIDERS="openai")
    again = [_env(330, DISABLE_PROVIDERS="openai", FALLBACK_ON_5XX="false"), _env(360, DISABLE_PROVIDERS="OpenAI")]
    assert [a.detail["set"] for a in _without([first, *again], [first], sc)] == [{"FALLBACK_ON_5XX": "false"}]
    # an undo back onto the first's revision after the key was put back re-made the setting: its own, not the first's
    undo = replace(first, action="rollout_undo", t=360, ts=360, detail={"deployment": "flowengine"})
    put_back = replace(first, t=330, ts=330, detail={**first.detail, "set": {}, "unset": ["DISABLE_PROVIDERS"]})
    assert build_cluster(sc, _without([first, put_back, undo], [first], sc)).env()["DISABLE_PROVIDERS"] == "openai"
    d = warm_drill(tmp_path, "provider-outage")
    for t, argv in ((300.0, ["kubectl", "set", "env", "deployment/flowengine", "-n", "production",
                             "DISABLE_PROVIDERS=openai"]),
                    (320.0, ["kubectl", "set", "image", "deployment/flowengine",
                             "flowengine=registry.internal/flowengine:v1.0.3", "-n", "production"]),
                    (330.0, ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"])):
        assert run_one(d, argv, t)[0] == 0, argv
    recorded = d.actions()
    assert "DISABLE_PROVIDERS" in build_cluster(sc, recorded).env()        # the undo kept it
    assert "DISABLE_PROVIDERS" not in build_cluster(sc, _without(recorded, recorded[:1], sc)).env()
    clock = Clock(datetime.fromtimestamp(d.wall_time(0.0), UTC), step=0.0)
    inc = IncidentStore(tmp_path / "inc", clock=clock).create(
        title="5xx", severity="P2", drill={"scenario": "provider-outage", "speed": d.speed})
    clock.now = datetime.fromtimestamp(d.wall_time(1000.0), UTC)
    inc.resolve("done")
    report = drill_report(d, inc.state, at=d.wall_time(1000.0))
    worse, left = [line for line in report.summary if line.startswith(("Made it worse", "Still in force"))]
    # the undo's row is what it did, as other undo rows are, never the image its record lacks ("set image None")
    assert report.actions[-1].description == \
        "deployment image changed (rollout undo on flowengine: image v1.0.3 → v1.1.0)", report.actions[-1]
    assert "DISABLE_PROVIDERS=openai on flowengine) at +5m00s" in worse and "5xx rate 37.5% vs 28.1%" in worse, worse
    assert "DISABLE_PROVIDERS=openai on flowengine) at +5m00s" in left and "5xx rate 37.6% vs 28.4%" in left, left


def test_a_value_spelled_anew_is_the_same_change_yet_its_rollout_is_still_a_restart(tmp_path: Path) -> None:
    """``ENABLE_CIRCUIT_BREAKER=TRUE`` after ``=true`` changed nothing FlowEngine reads (the first's: ``_reruns``), but
    its new pod template rolled the pods: where the scenario weighs a restart (mass-failure), that restart keeps its
    row (with the first restart's, in its window), as before it was read as the same change."""
    env = ["kubectl", "set", "env", "deployment/flowengine", "-n", "production"]
    d = warm_drill(tmp_path, "mass-failure")
    for t, value in ((300.0, "true"), (400.0, "TRUE")):
        assert run_one(d, [*env, f"ENABLE_CIRCUIT_BREAKER={value}"], t)[0] == 0
    clock = Clock(datetime.fromtimestamp(d.wall_time(0.0), UTC), step=0.0)
    inc = IncidentStore(tmp_path / "inc", clock=clock).create(
        title="x", severity="P1", drill={"scenario": "mass-failure", "speed": d.speed})
    clock.now = datetime.fromtimestamp(d.wall_time(1000.0), UTC)
    inc.resolve("done")
    rows = [(r.description, r.why) for r in drill_report(d, inc.state, at=d.wall_time(1000.0)).actions if r.t == 400]
    assert [why.split(" (")[0] for _, why in rows] == [
        "the same change again", "restarted again within the first's effect window"], rows


def test_the_bad_release_put_back_and_kept_to_the_resolve_is_still_in_force(tmp_path: Path) -> None:
    """attack50 A2: FlowEngine put back onto the bad release (``set image …v1.2.0`` after a rollback by image, or a
    second plain ``rollout undo``) and kept there to the resolve was "Made it worse" but never "Still in force … and
    harming then", as an env change is: ``standing`` held no release, so the two worlds were alike at the end. The
    rollback before it, undone since, is not still in force."""
    image = ["kubectl", "set", "image", "deployment/flowengine", "-n", "production"]
    undo = ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"]

    def left(name: str, first: list[str], second: list[str]) -> list[str]:
        d = warm_drill(tmp_path, "mass-failure", name=name)
        for t, argv in ((200.0, first), (500.0, second)):
            assert run_one(d, argv, t)[0] == 0, argv
        clock = Clock(datetime.fromtimestamp(d.wall_time(0.0), UTC), step=0.0)
        inc = IncidentStore(tmp_path / f"inc-{name}", clock=clock).create(
            title="Flows failing", severity="P1", drill={"scenario": "mass-failure", "speed": d.speed})
        clock.now = datetime.fromtimestamp(d.wall_time(1200.0), UTC)
        inc.resolve("done")
        summary = drill_report(d, inc.state, at=d.wall_time(1200.0)).summary
        return [line for line in summary if line.startswith("Still in force")]

    (said,) = left("image", [*image, "flowengine=registry.internal/flowengine:v1.1.0"],
                   [*image, "flowengine=registry.internal/flowengine:v1.2.0"])
    assert "moved back onto the bad release" in said and "flowengine:v1.2.0" in said, said
    assert "Flow failure rate" in said and "without it" in said, said
    (said,) = left("undo", undo, undo)
    assert "moved back onto the bad release (rollout undo" in said and "at +8m20s" in said, said
