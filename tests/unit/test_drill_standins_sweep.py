"""Sweep: work down each scenario's own runbook, and after every step ask the stand-ins the same
questions several ways; they must agree with each other and with the simulator (issue 13, world14 c).

What is asked, each answer against the others: how many FlowEngine pods run (``kubectl get pods``,
``get deployment`` READY, ``top pods``), how many flows are active (``blocks status flows`` and
psql's running tasks), where the primary's calls go and why (``/health/models`` against
``Signals.routed_model`` / ``route_reason``, each provider's error rate against the simulator's),
how much quota is used (``blocks quota show``, the usage API, the quota pane). In-process at chosen
scenario moments, so nothing depends on the machine's speed.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.unit.standins_corpus import SCENARIOS, SPEED, START, TASK, _first_command, run_one, warmed
from warroom.drill import fleet
from warroom.drill.directory import Drill, create_drill

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook

HEALTH = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/health/models"


@functools.cache
def _library() -> tuple[Runbook, ...]:
    """The shipped runbooks, parsed once for the module (each scenario's sweep parsed all nineteen again)."""
    from warroom.paths import shipped_runbooks_dir
    from warroom.runbook.library import RunbookLibrary

    return tuple(RunbookLibrary([shipped_runbooks_dir()]).list())


def _steps(drill: Drill) -> list[list[str]]:
    """The stand-in commands of the scenario's own runbook's shell steps, in order, parameters filled in."""
    from warroom.runbook.params import ParamError, resolve_values, substitute

    rb = next(r for r in _library() if r.id == drill.scenario.runbook)
    out = []
    for step in rb.steps:
        if step.kind != "shell" or not step.command:
            continue
        try:
            command = substitute(step.command, resolve_values(rb.params, step.params, {"task_id": TASK}),
                                 declared=list(rb.params))
        except ParamError:
            command = step.command
        lines = command.replace("\\\n", " ").splitlines()
        out.append([a for ln in lines for part in re.split(r"\s+(?:&&|\|\||;)\s+", ln)
                    if (argv := _first_command(part)) for a in [argv]])
    return out


def _agree(drill: Drill, t: float) -> None:
    def ask(command: str | list[str]) -> str:
        return run_one(drill, command.split() if isinstance(command, str) else command, t)[1]

    sig, where = drill.simulator.signals, (drill.scenario.name, t)
    pods = ask("kubectl get pods -n production -l app=flowengine").splitlines()[1:]
    running = sum(1 for line in pods if line.split()[1:3] == ["1/1", "Running"])
    ready = ask("kubectl get deployment flowengine -n production").splitlines()[1].split()[1].split("/")[0]
    top = [line for line in ask("kubectl top pods -n production").splitlines() if line.startswith("flowengine-")]
    assert running == int(ready) == len(top), (where, running, ready, len(top))

    active = int(ask("blocks status flows --active").split()[0])
    assert active == int(ask(["psql", "-At", "-c", "SELECT count(*) FROM tasks WHERE status = 'running'"])), where

    code, out, err = run_one(drill, HEALTH.split(), t)
    if running == 0:        # no pod to exec into: kubectl says so
        assert code == 1 and "error: " in err, (where, code, err)
        return
    health, routed = json.loads(out), sig.routed_model(t)
    assert (health["fallback_model"], health["fallback_reason"]) == (routed and routed[0], sig.route_reason(t)), where
    for p in fleet.PROVIDERS:
        said, vendor = health["providers"][p.name], round(1.0 - sig.code_shares(p, t)["200"], 3)
        if said["status"] == "disabled":    # no call goes to it: no call error rate; its probe sees the vendor
            assert said["error_rate"] is None and said["probe"]["error_rate"] == vendor, (where, p.name, said)
        else:
            assert said["error_rate"] == vendor, (where, p.name)

    shown = [int(x.replace(",", "")) for x in re.findall(r"Used: ([\d,]+) /", ask("blocks quota show --all-providers"))]
    for p, used in zip(fleet.PROVIDERS[:2], shown, strict=False):
        usage = json.loads(ask(["curl", "-s", "-H", "x-api-key: k", f"https://api.{p.name}.com/v1/usage"]))
        assert used == usage["used_tokens"], (where, p.name, used, usage)
    assert abs(json.loads(ask(["curl", "-s", "-H", "x-api-key: k", "https://api.anthropic.com/v1/usage"]))[
        "used_percent"] - drill.simulator.pane("quota", t)) < 0.06, where


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_after_every_runbook_step_the_stand_ins_agree(tmp_path: Path, scenario: str) -> None:
    drill = warmed(create_drill(tmp_path, scenario, speed=SPEED, start=START, name="sweep"))
    t = 300.0
    _agree(drill, t)
    for commands in _steps(drill):
        for argv in commands:
            run_one(drill, argv, t)
        for later in (t + 5.0, t + 15.0, t + 35.0):      # as it acts, as pods stop (10 s), once in force
            _agree(drill, later)
        t += 40.0
