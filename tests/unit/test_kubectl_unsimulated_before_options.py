"""A kubectl command the drill does not answer is said not simulated before its options are read (redteam50 F4).

`kubectl wait --for=condition=Available deployment/audit-shipper` answered `error: unknown flag: --for` (a typo, said
the drill, of wait's own flag) while `kubectl wait pod/x` said wait is not simulated; so did `port-forward --address`,
`create deployment --port`, `rollout pause --grace-period`, `set resources --limits`. Now every spelling of such a
command gets its "not simulated" (wait's pointing at `rollout status`), and the commands kubectl has that the drill
left out (`debug`, `expose`, `set selector`...) are no "unknown command".
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill

WAIT = ("error: drill: `kubectl wait` is not simulated in the drill (it answers get, describe pods/nodes/deployments/"
        "rs/svc/hpa, logs, top, rollout, set, scale, autoscale, exec, apply, create secret, delete, patch, cordon, "
        "drain); to wait for a deployment to be ready: `kubectl rollout status deployment/NAME`\n")


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return create_drill(Path(tmp_path_factory.mktemp("d")), "audit-gap", speed=10.0, start=START)


@pytest.mark.parametrize("line", [
    "kubectl wait --for=condition=Available deployment/audit-shipper -n production --timeout=5s",
    "kubectl wait --for condition=Available deployment/audit-shipper", "kubectl wait pod/x",
    "kubectl -n production wait --for=delete pod/x"])
def test_every_spelling_of_kubectl_wait_is_not_simulated(drill, line: str) -> None:  # type: ignore[no-untyped-def]
    assert run_one(drill, shlex.split(line), 900.0) == (1, "", WAIT)


@pytest.mark.parametrize(("line", "said"), [
    ("kubectl port-forward svc/flowengine 8080:80 --address 0.0.0.0", "`kubectl port-forward` is not simulated in"),
    ("kubectl config view --minify", "`kubectl config` is not simulated in"),
    ("kubectl debug pod/x -it --image=busybox", "`kubectl debug` is not simulated in"),
    ("kubectl create deployment x --image=nginx --port=80", "`kubectl create deployment` is not simulated (create"),
    ("kubectl create -n production job x --from=cronjob/y", "`kubectl create job` is not simulated (create secret"),
    ("kubectl rollout -n production pause deployment/flowengine --grace-period=3",
     "`kubectl rollout pause` is not simulated (each set env"),
    ("kubectl set resources deployment/flowengine -c app --limits=cpu=2", "`kubectl set resources` is not simulated"),
    ("kubectl set selector deployment/flowengine app=x", "`kubectl set selector` is not simulated (set env and"),
])
def test_an_unsimulated_command_is_said_so_before_its_options(  # type: ignore[no-untyped-def]
        drill, line: str, said: str) -> None:
    code, out, err = run_one(drill, shlex.split(line), 900.0)
    assert (code, out) == (1, "") and err.startswith(f"error: drill: {said}"), err


def test_what_the_drill_answers_is_read_as_before(drill) -> None:  # type: ignore[no-untyped-def]
    """Its subcommand run, its options checked."""
    assert run_one(drill, shlex.split("kubectl create secret generic s --from-literal=a=b --dry-run=client -o name"),
                   900.0) == (0, "secret/s\n", "")
    assert run_one(drill, shlex.split("kubectl rollout status deployment/flowengine -n production --bogus"), 900.0)[
        2].startswith("error: unknown flag: --bogus")
