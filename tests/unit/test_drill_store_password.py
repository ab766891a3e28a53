"""The audit store takes one password: a shipper logs in only when the secret it reads holds it (redteam51 R4).

Deleting the store's secret and creating it again with any password logged the shipper in: its pods were ready, the
events shipped, psql counted them and the restart was credited as the runbook's. The store compares the password,
not the secret's name: a wrong one is refused (the pod's log, READY, ``rollout status``, psql, the gap pane and the
actions the report reads agree), the store's own logs in whatever secret holds it, and a manifest's Secret is read as
``create secret`` is. The runbook's rotation of the model keys (create, point FlowEngine at it, delete) still works.
One drill per case, each command at a pinned scenario second.
"""

from __future__ import annotations

import base64
import functools
import json
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill.actions import Action
from warroom.drill.cluster import estate_value, fingerprint, logs_in, store_credential
from warroom.drill.directory import Drill, create_drill
from warroom.drill.scenarios import get_scenario

NS = ["-n", "production"]
AT, LATER = 600.0, 1500.0
SECRET = store_credential(get_scenario("audit-gap"))        # audit-store-2025-11: the rotation's
PASSWORD = estate_value(SECRET, "password")                  # what the store takes (no stand-in shows it)
RESTART = ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS]


def create(name: str, password: str) -> list[str]:
    return ["kubectl", "create", "secret", "generic", name, f"--from-literal=password={password}", *NS]


def apply(name: str, password: str) -> list[str]:
    """``kubectl apply`` of a Secret manifest holding ``password`` (base64, as ``data`` holds it); ``{dir}``: the
    drill's directory, where the manifest is written."""
    encoded = base64.b64encode(password.encode()).decode()
    doc = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": {"password": encoded}})
    return ["kubectl", "apply", "-f", "{dir}/secret.json", *NS, doc]


DELETE = ["kubectl", "delete", "secret", SECRET, *NS]
SECOND = 1000.0     # each drill's second change, after its first one's pods were judged
CASES: dict[str, list[list[str]]] = {
    # the finding: the store's secret deleted and made again with a password the store never had; then applied with
    # the store's own
    "typed": [DELETE, create(SECRET, "hunter2"), RESTART, DELETE, apply(SECRET, PASSWORD), RESTART],
    # applied wrong; then another secret holding the store's password: the store checks the password, not the name
    "applied": [DELETE, apply(SECRET, "hunter2"), RESTART, create("audit-store-copy", PASSWORD),
                ["kubectl", "set", "env", "deployment/audit-shipper", "AUDIT_STORE_SECRET=audit-store-copy", *NS]],
}


@functools.cache
def drill(case: str) -> Drill:
    d = warmed(create_drill(Path(tempfile.mkdtemp()), "audit-gap", speed=10.0, start=START, name="a"))
    for i, argv in enumerate(CASES[case]):
        if argv[1] == "apply":
            (d.path / "secret.json").write_text(argv[-1])
            argv = [a.replace("{dir}", str(d.path)) for a in argv[:-1]]
        code, out, err = run_one(d, argv, AT if i < 3 else SECOND)
        assert code == 0, (case, argv, out, err)
    return d


def shippers(d: Drill, t: float, since: float) -> list[tuple[str, bool, str]]:
    """(name, ready, last log line) of each audit-shipper pod made since ``since``, as kubectl says them at ``t``."""
    items = json.loads(run_one(d, ["kubectl", "get", "pods", *NS, "-l", "app=audit-shipper", "-o", "json"], t)[1])
    out = []
    for p in items["items"]:
        if d.scenario_time(datetime.fromisoformat(p["metadata"]["creationTimestamp"]).timestamp()) >= since:
            log = run_one(d, ["kubectl", "logs", p["metadata"]["name"], *NS, "--tail=1"], t)[1]
            out.append((p["metadata"]["name"], p["status"]["containerStatuses"][0]["ready"], log))
    return out


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("since, t, logs", [(AT, 950.0, False), (SECOND, LATER, True)])
def test_the_shipper_logs_in_only_with_the_stores_password(case: str, since: float, t: float, logs: bool) -> None:
    d = drill(case)
    fresh = shippers(d, t, since)
    assert fresh, case
    assert all(ready == logs for _, ready, _ in fresh), (case, t, fresh)
    assert all(("password authentication failed" in log) != logs for _, _, log in fresh), (case, t, fresh)
    status = run_one(d, ["kubectl", "rollout", "status", "deployment/audit-shipper", *NS, "--timeout=1s"], t)
    assert ("successfully rolled out" in status[1]) == logs, (case, t, status)
    rows = run_one(d, ["psql", "-At", "-c", "SELECT count(*) FROM audit_logs WHERE created_at > now() - interval "
                                            "'5 minutes';"], t)[1]
    assert (int(rows) > 0) == logs, (case, t, rows)
    assert d.simulator.signals.audit_lost(t) == (0.0 if logs else 1.0), (case, t)
    gap = d.simulator.panes("audit_gap", [t])[0]
    assert (gap < 120.0) == logs, (case, t, gap)
    # the restart the report and the Go/No-Go credit is one the store let in: the second change's alone
    assert [a.t for a in d.actions() if a.action == "audit_restart"] == [SECOND], case


def test_a_login_reads_the_secret_as_it_stood_when_the_pod_started() -> None:
    """The rule itself, on recorded operations: deleted, made again wrong, made again right; and a drill recorded
    before values were kept (keys alone) holds no password a store can check."""
    scenario, env = get_scenario("audit-gap"), {"AUDIT_STORE_SECRET": SECRET}

    def op(t: float, action: str, **detail: object) -> Action:
        return Action(t=t, action=action, tool="kubectl", detail={"kind": "secret", "name": SECRET, **detail})

    log = [op(10.0, "delete"), op(20.0, "create", keys=["password"], values={"password": fingerprint("x")}),
           op(30.0, "delete"), op(40.0, "create", keys=["password"], values={"password": fingerprint(PASSWORD)}),
           op(50.0, "delete"), op(60.0, "create", keys=["password"])]
    assert [logs_in(scenario, env, log, t) for t in (5.0, 15.0, 25.0, 45.0, 55.0, 65.0)] == [
        True, False, False, True, False, False]
    assert not logs_in(scenario, {"AUDIT_STORE_SECRET": "audit-store-2025-10"})     # rotated out: no such secret


def test_the_runbooks_key_rotation_still_runs() -> None:
    """RB-CORE-005's rotation of the model keys: a fresh secret, FlowEngine pointed at it, the old one deleted."""
    d = warmed(create_drill(Path(tempfile.mkdtemp()), "audit-gap", speed=10.0, start=START, name="k"))
    steps = [["kubectl", "create", "secret", "generic", "model-api-keys-new", "--from-literal=anthropic=a",
              "--from-literal=openai=o", "--from-literal=google=g", *NS],
             ["kubectl", "set", "env", "deployment/flowengine", "--from=secret/model-api-keys-new", *NS],
             ["kubectl", "delete", "secret", "model-api-keys", *NS]]
    answers = [run_one(d, argv, AT) for argv in steps]
    assert [code for code, _, _ in answers] == [0, 0, 0], answers
    assert "secret/model-api-keys-new created" in answers[0][1] and "deleted" in answers[2][1], answers
    listed = run_one(d, ["kubectl", "get", "secrets", *NS], AT + 1)[1]
    rows = {line.split()[0]: line.split()[1:3] for line in listed.splitlines()[1:]}
    assert rows == {"model-api-keys-new": ["Opaque", "3"], SECRET: ["Opaque", "1"],
                    "taskdb-credentials": ["Opaque", "2"]}, listed
