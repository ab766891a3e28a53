"""The audit-gap stall is a state of the audit shipper's pods (world2-1).

The pods running when the stall began lost their sink and stopped retrying; a pod started since ships. FlowEngine
sends each event to one ready pod through the Service; a stuck one fails its readiness probe (``/health`` 503), so it
gets none: every event is lost while no listed pod is ready, none once one is. Deleting a stuck pod (its replacement
starts fresh), a rollout restart and a scale-up put a ready pod in; the gap pane, psql's audit_logs, each pod's log
and ``/health``, READY and the endpoints read the same pods. Times are sampled around the operation, not walked
second by second.
"""

from __future__ import annotations

import functools
import json
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill.directory import Drill, create_drill
from warroom.drill.scenarios import ScenarioError, get_scenario, load_scenario

AT = 600.0
TIMES = (585.0, 600.0, 615.0, 645.0, 705.0, 900.0, 1500.0)     # scrapes: the pane's grid
ONSET = next(f.onset for f in get_scenario("audit-gap").faults if "audit_stall" in f.impacts)
NS = "-n production"


def pods(d: Drill, t: float) -> list[tuple[str, bool, float]]:
    """(name, ready, created in scenario seconds) of the audit shipper's pods, from ``kubectl get pods -o json``."""
    items = json.loads(run_one(d, f"kubectl get pods {NS} -o json".split(), t)[1])["items"]
    return [(p["metadata"]["name"], p["status"]["containerStatuses"][0]["ready"],
             d.scenario_time(datetime.fromisoformat(p["metadata"]["creationTimestamp"]).timestamp()))
            for p in items if p["metadata"]["labels"]["app"] == "audit-shipper"]


@functools.cache          # the commands the tests run after it only read: a drill serves every test of its step
def drill_with(step: str) -> Drill:
    d = warmed(create_drill(Path(tempfile.mkdtemp()), "audit-gap", speed=10.0, start=START, name="a"))
    stuck = [name for name, _, _ in pods(d, AT)]
    commands = {"untouched": [], "restart": [f"kubectl rollout restart deployment/audit-shipper {NS}"],
                "delete one": [f"kubectl delete pod {stuck[0]} {NS}"],
                "delete both": [f"kubectl delete pod {name} {NS}" for name in stuck],
                "scale to 4": [f"kubectl scale deployment/audit-shipper {NS} --replicas=4"],
                # back past the rotation: fresh pods on the rotated-out password (redteam50 F6); then the right one
                "undo": [f"kubectl rollout undo deployment/audit-shipper {NS}"],
                # the store's credential deleted, then a restart: its fresh pods cannot read it (attack50 A7)
                "secret deleted and restart": [f"kubectl delete secret audit-store-2025-11 {NS}",
                                               f"kubectl rollout restart deployment/audit-shipper {NS}"],
                "undo and set it back": [f"kubectl rollout undo deployment/audit-shipper {NS}",
                                         f"+60 kubectl set env deployment/audit-shipper {NS} "
                                         "AUDIT_STORE_SECRET=audit-store-2025-11"],
                # fresh pods, then an undo onto the rotated-out password: its rollout stalls (attack50 A6)
                "restart and undo": [f"kubectl rollout restart deployment/audit-shipper {NS}",
                                     f"+60 kubectl rollout undo deployment/audit-shipper {NS} --to-revision=3"],
                # and back to 2 a minute later: its ReplicaSet deletes the pods failing their probe first (redteam50 F1)
                "scale to 4 and 2": [f"kubectl scale deployment/audit-shipper {NS} --replicas=4",
                                     f"+60 kubectl scale deployment/audit-shipper {NS} --replicas=2"]}[step]
    for command in commands:
        later, command = (60.0, command[4:]) if command.startswith("+60 ") else (0.0, command)
        assert run_one(d, command.split(), AT + later)[0] == 0, command
    return d


@pytest.mark.parametrize("step", ["untouched", "restart", "delete one", "delete both", "scale to 4",
                                  "scale to 4 and 2"])
def test_the_audit_gap_follows_the_pods_kubectl_lists(step: str) -> None:
    d = drill_with(step)
    gaps = dict(zip(TIMES, d.simulator.panes("audit_gap", list(TIMES)), strict=True))
    deleted = {name for name, _, _ in pods(d, AT - 1)} - {name for name, _, _ in pods(d, TIMES[-1])}
    ever_fresh = False
    for t in TIMES:
        listed = pods(d, t)
        ready = [(name, created) for name, ok, created in listed if ok]
        fresh = [name for name, created in ready if created >= ONSET]
        stuck = [name for name, created in ready if created < ONSET]
        # the one state: a stuck pod is never ready; every event is lost while none is ready, none once one is
        assert not stuck, (step, t, listed)
        assert d.simulator.signals.audit_lost(t) == (0.0 if ready else 1.0), (step, t, listed)
        ever_fresh |= bool(fresh)
        if not ever_fresh:          # no pod has shipped since the stall: nothing arrived since it began
            assert gaps[t] >= t - ONSET - 7.0, (step, t, gaps[t])
        if fresh and t >= 705.0:    # a fresh pod carries its share: the gap stays under warn
            assert gaps[t] < 120.0, (step, t, gaps[t], listed)
        for name, ok, created in listed:     # each pod's own log and /health say which it is, as READY does
            log = run_one(d, f"kubectl logs {name} {NS} --tail=1".split(), t)[1]
            health = run_one(d, f"kubectl exec {name} {NS} -- curl -s localhost:9000/health".split(), t)[1]
            assert ("audit sink write failed" in log) == (created < ONSET) == ('"degraded"' in health), (step, t, name)
            assert ok == (created >= ONSET) or "shipped batch" not in log, (step, t, name, ok)
    expected = {"untouched": 0, "restart": 2, "delete one": 1, "delete both": 2, "scale to 4": 0,
                "scale to 4 and 2": 2}[step]
    assert len(deleted) == expected, (step, deleted)        # replaced pods have names of their own
    if step != "untouched":     # every step puts a fresh pod in: the gap heals, no event lost (the stuck get none)
        assert gaps[1500.0] < 120.0 <= gaps[585.0]
    else:
        assert gaps[1500.0] >= 1500.0 - ONSET - 7.0


def test_psql_holds_only_the_events_a_fresh_pod_shipped() -> None:
    """Scaled to 4 (2 stuck, 2 fresh): the stuck pods are not ready, so every flow's two audit events reach
    ``audit_logs`` through the fresh ones; untouched none. Found by redteam49 (F9): the stuck pods kept their share
    and dropped it, 3 flows in 4 losing an event, while the gap pane read OK and the P1 went MITIGATED."""
    window = "created_at > now() - interval '10 minutes'"
    counts = {}
    for step in ("untouched", "scale to 4"):
        d = drill_with(step)
        out = run_one(d, ["psql", "-At", "-c", f"SELECT count(*) FROM audit_logs WHERE {window};"], 1500.0)[1]
        tasks = run_one(d, ["psql", "-At", "-c", f"SELECT count(*) FROM tasks WHERE {window} AND status IN "
                                                "('succeeded', 'failed');"], 1500.0)[1]
        counts[step] = (int(out.strip()), int(tasks.strip()))
    assert counts["untouched"][0] == 0
    shipped, tasks = counts["scale to 4"]
    assert shipped >= 2 * tasks, counts       # a flow's start and end, each shipped
    sql = ("SELECT count(*) FROM tasks t WHERE t.created_at > now() - interval '10 minutes' AND t.status = 'succeeded'"
           " AND (SELECT count(*) FROM audit_logs a WHERE a.task_id = t.task_id) < 2;")
    assert run_one(drill_with("scale to 4"), ["psql", "-At", "-c", sql], 1500.0)[1].strip() == "0"


def test_a_shipper_rolled_back_past_the_rotation_is_refused_and_ships_nothing() -> None:
    """An undo puts the shipper back on the credential the rotation replaced: its fresh pods fail their login, their
    readiness probe and ship nothing, so the gap grows on (redteam50 F6: they shipped every event and the report
    counted the undo a fix); its rollout stalls (attack50 A6) and the right credential set again leaves the old pods."""
    d = drill_with("undo")
    env = run_one(d, ["kubectl", "get", "deployment", "audit-shipper", *NS.split(), "-o",
                      "jsonpath={.spec.template.spec.containers[0].env}"], 1500.0)[1]
    assert "audit-store-2025-10" in env, env
    listed = pods(d, 1500.0)
    # its rollout stalls (maxSurge 1, maxUnavailable 0 of 2, attack50 A6): one fresh pod, refused, beside the two
    # stuck ones it could not replace; none ready
    assert sorted(created >= AT for _, _, created in listed) == [False, False, True] and not any(
        ok for _, ok, _ in listed), listed
    gaps = dict(zip(TIMES, d.simulator.panes("audit_gap", list(TIMES)), strict=True))
    assert gaps[1500.0] >= 1500.0 - ONSET - 7.0, gaps
    assert d.simulator.signals.audit_lost(1500.0) == 1.0
    name = next(name for name, _, created in listed if created >= AT)
    log = run_one(d, f"kubectl logs {name} {NS} --tail=2".split(), 1500.0)[1]
    assert "password authentication failed" in log and "shipped batch" not in log, log
    health = run_one(d, f"kubectl exec {name} {NS} -- curl -s localhost:9000/health".split(), 1500.0)[1]
    assert '"auth failed"' in health, health
    ep = json.loads(run_one(d, f"kubectl get endpoints audit-shipper {NS} -o json".split(), 1500.0)[1])
    assert not ep["subsets"][0].get("addresses"), ep
    window = "created_at > now() - interval '10 minutes'"
    assert run_one(d, ["psql", "-At", "-c", f"SELECT count(*) FROM audit_logs WHERE {window};"], 1500.0)[1] == "0\n"
    # nor is it a restart of the audit pipeline (attack50 A11: "audit pipeline restarted", credited as the runbook's
    # restart, while its pods never reconnected); a restart that logs in is one
    assert "audit_restart" not in [a.action for a in d.actions()]
    assert "audit_restart" in [a.action for a in drill_with("restart").actions()]
    gone = drill_with("secret deleted and restart")       # so does a restart once its secret is gone (attack50 A7)
    assert all(not ok for _, ok, _ in pods(gone, 1500.0)) and gone.simulator.signals.audit_lost(1500.0) == 1.0
    assert "audit_restart" not in [a.action for a in gone.actions()]
    # the right credential set again is the old ReplicaSet's template: Kubernetes scales it back up, its pods (the
    # stuck ones) stay and the refused one goes; only a restart mends
    back = drill_with("undo and set it back")
    assert [(ok, created < AT) for _, ok, created in pods(back, 1500.0)] == [(False, True)] * 2
    assert back.simulator.panes("audit_gap", [1500.0])[0] >= 1500.0 - ONSET - 7.0


def test_a_rollout_onto_a_refused_credential_stalls_and_the_ready_pods_ship_on() -> None:
    """Kubernetes' RollingUpdate (maxSurge 25% up, maxUnavailable 25% down: 1 and 0 of 2) adds one pod and takes an
    old one away only once a new one is available: onto a credential the store refuses the rollout stalls and the two
    ready pods ship on (attack50 A6: both were replaced by pods never ready, the trail stopped). Every reader agrees:
    pods, ReplicaSets, the deployment, ``rollout status``, the endpoints, the audit trail."""
    d = drill_with("restart and undo")
    listed = pods(d, 1500.0)
    assert sorted((ok, created >= AT + 60) for _, ok, created in listed) == [(False, True), (True, False),
                                                                          (True, False)]
    assert all(created >= AT for _, _, created in listed), listed          # the restart's, kept
    deploy = run_one(d, f"kubectl get deploy audit-shipper {NS}".split(), 1500.0)[1].split("\n")[1].split()
    assert deploy[1:4] == ["2/2", "1", "2"], deploy
    sets = [line.split()[1:4] for line in run_one(d, f"kubectl get rs {NS} -l app=audit-shipper".split(), 1500.0)[1]
            .splitlines()[1:]]
    assert sorted(sets) == [["0", "0", "0"], ["1", "1", "0"], ["2", "2", "2"]], sets
    code, out, err = run_one(d, f"kubectl rollout status deployment/audit-shipper {NS}".split(), 1500.0)
    assert code == 1 and "1 out of 2 new replicas have been updated..." in out, (out, err)
    assert 'deployment "audit-shipper" exceeded its progress deadline' in err, err
    ep = json.loads(run_one(d, f"kubectl get endpoints audit-shipper {NS} -o json".split(), 1500.0)[1])
    assert len(ep["subsets"][0]["addresses"]) == 2 and len(ep["subsets"][0]["notReadyAddresses"]) == 1, ep
    assert d.simulator.signals.audit_lost(1500.0) == 0.0
    assert d.simulator.panes("audit_gap", [1500.0])[0] < 120.0
    window = "created_at > now() - interval '10 minutes'"
    assert int(run_one(d, ["psql", "-At", "-c", f"SELECT count(*) FROM audit_logs WHERE {window};"], 1500.0)[1]) > 0


def test_a_stuck_shipper_is_not_ready_and_out_of_its_endpoints() -> None:
    """READY, the endpoints, the deployment's ready count and the events say what the routing does (redteam49 F9)."""
    d = drill_with("scale to 4")
    listed = pods(d, 1500.0)
    ready = sorted(name for name, ok, created in listed if ok)
    assert ready and all(created >= ONSET for name, ok, created in listed if ok)
    assert any(created < ONSET for _, _, created in listed)
    ep = json.loads(run_one(d, f"kubectl get endpoints audit-shipper {NS} -o json".split(), 1500.0)[1])
    subset = ep["subsets"][0]
    assert sorted(a["targetRef"]["name"] for a in subset["addresses"]) == ready
    assert {a["targetRef"]["name"] for a in subset["notReadyAddresses"]} == {n for n, ok, _ in listed if not ok}
    dep = json.loads(run_one(d, f"kubectl get deployment audit-shipper {NS} -o json".split(), 1500.0)[1])
    assert dep["status"]["readyReplicas"] == len(ready)
    said = run_one(d, f"kubectl get events {NS}".split(), 1500.0)[1]
    assert "Readiness probe failed" in said
    described = run_one(d, f"kubectl describe deployment audit-shipper {NS}".split(), 1500.0)[1]
    assert "Readiness:  http-get http://:9000/health" in described, described      # the probe the routing reads
    untouched = drill_with("untouched")       # no ready pod: a rollout status waits, never "successfully rolled out"
    code, out, err = run_one(untouched, f"kubectl rollout status deployment/audit-shipper {NS}".split(), 600.0)
    assert (code, out.splitlines()[-1]) == (1, 'Waiting for deployment "audit-shipper" rollout to finish: 0 of 2 '
                                               "updated replicas are available..."), (code, out, err)


def test_a_restart_of_the_audit_shipper_has_no_delay_of_its_own(tmp_path: Path) -> None:
    """It acts as the pods are replaced, so a delay or tau in a scenario would be a second clock."""
    src = Path(__file__).resolve().parents[2] / "warroom/drill/scenarios/audit-gap.toml"
    bad = tmp_path / "audit-late.toml"
    bad.write_text(src.read_text().replace('action = "audit_restart", factor = 0.0,',
                                           'action = "audit_restart", factor = 0.0, delay = 20.0,'))
    assert bad.read_text() != src.read_text()
    with pytest.raises(ScenarioError, match="no delay, tau"):
        load_scenario(bad)


def test_a_stuck_shipper_says_once_that_it_gave_up_and_then_writes_nothing() -> None:
    """The scenario's root cause: the shipper lost its sink and stopped retrying. Its log said so at every
    tick with a count that kept rising ("retrying disabled after 16 failures", 17, 18, …): a process that
    retries nothing was still logging failed writes. Now one line when the stall catches it, then silence."""
    d = drill_with("untouched")
    for name, _, created in pods(d, 1500.0):
        assert created < ONSET
        log = run_one(d, f"kubectl logs {name} {NS}".split(), 1500.0)[1].splitlines()
        gave_up = [i for i, line in enumerate(log) if "retrying disabled" in line]
        assert len(gave_up) == 1 and gave_up[0] == len(log) - 1, log[-3:]
        assert "audit sink write failed" in log[-1] and "shipped batch" in log[-2], log[-2:]


def test_a_shipper_ships_nothing_while_flowengine_is_stopped(tmp_path: Path) -> None:
    """Found by redteam36 (audit-gap x60, RB-CORE-005's order: FlowEngine scaled to zero, then the shipper
    restarted, then FlowEngine back): the fresh shipper logged "shipped batch of 200 events" every tick while
    no flow ran and the gap pane kept climbing. With no FlowEngine pod there is nothing to ship and it logs no
    batch; once FlowEngine is back it ships again."""
    d = warmed(create_drill(tmp_path, "audit-gap", speed=10.0, start=START, name="b"))
    for command, t in ((f"kubectl scale deployment/flowengine --replicas=0 {NS}", AT),
                       (f"kubectl rollout restart deployment/audit-shipper {NS}", AT + 60),
                       (f"kubectl scale deployment/flowengine --replicas=3 {NS}", AT + 600)):
        assert run_one(d, command.split(), t)[0] == 0, command
    fresh = [(name, created) for name, ok, created in pods(d, AT + 500) if ok and created >= AT + 60]
    assert fresh
    gap = d.simulator.panes("audit_gap", [AT + 200.0, AT + 500.0])
    assert gap[1] > gap[0] + 250          # no event arrives while FlowEngine is stopped
    log = run_one(d, f"kubectl logs {fresh[0][0]} {NS}".split(), AT + 500)[1].splitlines()
    assert not any("shipped batch" in line for line in log), log[-3:]
    later = run_one(d, f"kubectl logs {fresh[0][0]} {NS}".split(), AT + 1200)[1].splitlines()
    assert "shipped batch" in later[-1], later[-3:]


def test_the_stuck_shippers_log_names_a_dropped_connection_and_no_store_row_is_past_its_last_batch() -> None:
    """Found by redteam44 (A1, A4). The log blamed a wrong password ("FATAL: password authentication failed"), yet
    the pods had shipped with that secret since the rotation and a restart with the same secret mended it: the
    scenario's cause is a connection the store dropped and the shipper never retried, what a restart cures. And the
    store held events written after the last batch the log says shipped (the onset falls on a tick, logged failed)."""
    d = drill_with("untouched")
    series = d.simulator.refresh()
    from warroom.drill.activity import Activity
    events = Activity(series).audit_events(ONSET - 300.0, ONSET + 60.0)
    for name, _, created in pods(d, 900.0):
        log = run_one(d, f"kubectl logs {name} {NS}".split(), 900.0)[1].splitlines()
        assert "password" not in log[-1] and "terminating connection" in log[-1], log[-1]
        last = datetime.fromisoformat(log[-2].split()[0]).timestamp()
        mine = [e.t for e in events if e.pod is not None and e.pod[0] == created]
        assert mine and d.scenario_time(last) >= max(mine) - 1e-6, (log[-2], max(mine))
