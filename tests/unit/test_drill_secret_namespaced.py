"""A drill secret is one of its namespace: one made, applied or deleted in another leaves production's alone
(attack52 F2).

``Cluster.secrets`` was keyed by name: ``kubectl create secret`` of the audit store's secret in ``monitoring``
(kubectl's "already exists" looked there, and found none) replaced production's with the password typed, the shipper
restarted onto it failed its login, and ``get secrets -n monitoring`` said "No resources found". Kubernetes keeps one secret per
namespace and name: the shipper's login reads production's (``cluster.logs_in``), each namespace lists its own, a
manifest's Secret goes where its ``metadata.namespace`` says, a delete takes its namespace's alone. One warmed drill,
each command at a pinned scenario second.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warmed
from tests.unit.test_drill_store_password import NS, RESTART, SECRET, shippers
from warroom.drill.actions import Action
from warroom.drill.cluster import fingerprint, logs_in
from warroom.drill.directory import create_drill
from warroom.drill.scenarios import get_scenario


def test_a_secret_made_in_another_namespace_leaves_productions_and_the_shippers_login() -> None:
    d = warmed(create_drill(Path(tempfile.mkdtemp()), "audit-gap", speed=10.0, start=START, name="n"))

    def kubectl(t: float, *argv: str) -> str:
        code, out, err = run_one(d, ["kubectl", *argv], t)
        assert code == 0, (argv, out, err)
        return out

    def rows(t: float, *scope: str) -> set[tuple[str, ...]]:
        return {tuple(line.split()[:-1]) for line in kubectl(t, "get", "secrets", *scope).splitlines()[1:]}

    made = kubectl(601.0, "create", "secret", "generic", SECRET, "--from-literal=password=hunter2", "-n", "monitoring")
    assert made.strip() == f"secret/{SECRET} created"
    kubectl(602.0, "create", "secret", "generic", "taskdb-credentials", "--from-literal=password=x", "-n", "default")
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "model-api-keys", "namespace": "monitoring"},
           "data": {"anthropic": base64.b64encode(b"k").decode()}}
    (d.path / "secret.json").write_text(json.dumps(doc))
    assert "created" in kubectl(603.0, "apply", "-f", str(d.path / "secret.json"))     # no -n: its manifest's
    assert rows(604.0, *NS) == {(SECRET, "Opaque", "1"), ("model-api-keys", "Opaque", "3"),
                                ("taskdb-credentials", "Opaque", "2")}
    assert rows(604.0, "-n", "monitoring") == {(SECRET, "Opaque", "1"), ("model-api-keys", "Opaque", "1")}
    assert rows(604.0, "-n", "default") == {("taskdb-credentials", "Opaque", "1")}
    assert "username" in kubectl(604.0, "get", "secret", "taskdb-credentials", *NS, "-o", "yaml")
    # made twice in one namespace is refused, as kubectl's own check per namespace says
    code, _, err = run_one(d, ["kubectl", "create", "secret", "generic", SECRET, "--from-literal=password=y", "-n",
                               "monitoring"], 605.0)
    assert code == 1 and "already exists" in err, err
    assert kubectl(606.0, "delete", "secret", SECRET, "-n", "monitoring").strip() == f'secret "{SECRET}" deleted'
    assert (SECRET, "Opaque", "1") in rows(607.0, *NS)
    kubectl(610.0, *RESTART[1:])
    fresh = shippers(d, 700.0, 610.0)
    assert fresh and all(ready and "shipped" in log for _, ready, log in fresh), fresh


def test_a_login_reads_the_shippers_namespace_alone() -> None:
    """The rule on recorded operations: a delete and a wrong password in monitoring change nothing; in production
    (or a record naming no namespace, from before namespaces were kept) they do."""
    scenario, env = get_scenario("audit-gap"), {"AUDIT_STORE_SECRET": SECRET}

    def op(t: float, action: str, **detail: object) -> Action:
        return Action(t=t, action=action, tool="kubectl", detail={"kind": "secret", "name": SECRET, **detail})

    wrong = {"keys": ["password"], "values": {"password": fingerprint("x")}}
    log = [op(10.0, "delete", namespace="monitoring"), op(20.0, "create", namespace="monitoring", **wrong),
           op(30.0, "create", namespace="production", **wrong), op(40.0, "delete")]
    assert [logs_in(scenario, env, log, t) for t in (15.0, 25.0, 35.0, 45.0)] == [True, True, False, False]
