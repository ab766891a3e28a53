"""Test helpers for the incident engine: a small runbook, built directly from the model.

The session tests exercise the incident engine's own logic (parameter layers, refusals, the
journal) without depending on the markdown parser's details; the CLI end-to-end test uses the
real parser on a real file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warroom.incident import runbook_ref
from warroom.journal import events as ev
from warroom.runbook.model import Param, Runbook, Section, Step

RUNBOOK_MD = "# Fake runbook (content is not parsed in these tests)\n"


#: A runbook with one mutating step under a verify gate on the quota pane (``breaker``) and one
#: plain step: what the gate tests (show, one gate per run) run their gates on.
GATE_RUNBOOK = """+++
id = "RB-TEST-GATE"
title = "Gate"
severity = "P3"
+++

# Gate

## Mitigation

```bash {name="breaker" mutating=true verify="quota < 75 within 10m"}
# Turn the breaker on
echo on
```

```bash {name="plain"}
# Say hello
echo hi
```
"""


def sample_runbook(path: Path) -> Runbook:
    steps = [
        Step(number=1, id="check-pods", kind="shell", label="Check pods", section="Triage", line=5,
             command="kubectl get pods -n {{ namespace }}", params=["namespace"], expect="Running"),
        Step(number=2, id="show-task", kind="shell", label="Show task", section="Triage", line=9,
             command="echo task {{ task_id }}", params=["task_id"]),
        Step(number=3, id="enable-breaker", kind="shell", label="Enable circuit breaker", section="Mitigation",
             line=14, command="kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true -n {{ namespace }}",
             params=["namespace"], mutating=True),
        Step(number=4, id="page-tl", kind="manual", label="Page the tech lead", section="Mitigation", line=18),
        Step(number=5, id="say-hello", kind="shell", label="Say hello", section="Validation", line=20,
             command="echo hello", expect="hello"),
    ]
    sections = [Section(title="Triage", level=2, line=3, phase="investigate", steps=steps[:2]),
                Section(title="Mitigation", level=2, line=12, phase="mitigate", steps=steps[2:4]),
                Section(title="Validation", level=2, line=19, phase="verify", steps=steps[4:])]
    params = {
        "namespace": Param(name="namespace", default="production", declared=True),
        "task_id": Param(name="task_id", help="id of the failed task", pattern=r"^[A-Za-z0-9_-]+$", declared=True),
    }
    return Runbook(id="RB-TEST-001", title="Test runbook", path=path, severity="P3", params=params,
                   sections=sections)


def install_fake_runbook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A runbook file whose parse is ``sample_runbook``; REF ``RB-TEST-001`` resolves to it."""
    md = tmp_path / "rb-test.md"
    md.write_text(RUNBOOK_MD)

    def resolve(ref: Any, config: Any) -> Path:
        if str(ref) in ("RB-TEST-001", str(md)):
            return md
        from warroom.errors import NotFoundError
        raise NotFoundError(f"no runbook {ref!r} in the library")

    monkeypatch.setattr(runbook_ref, "resolve_ref", resolve)
    monkeypatch.setattr(runbook_ref, "load_file", sample_runbook)
    return md


def ran_ok(inc: Any, number: int, mutating: bool = False, **finished: Any) -> Any:
    """Journal a run of step ``number`` of ``inc``'s runbook that exited 0 (``finished``: more of the
    step.finished data, e.g. an expectation's verdict); returns the step. ``mutating``: whether the
    run changes things (the PIR and the marks treat a mitigation attempt differently)."""
    step = inc.step(number)
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true", "mutating": mutating})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1, **finished})
    return step


class Clock:
    """A deterministic clock: each call advances by ``step`` seconds."""

    def __init__(self, start: datetime | None = None, step: float = 30.0) -> None:
        self.now = start or datetime(2026, 11, 22, 14, 0, 0, tzinfo=UTC)
        self.step = timedelta(seconds=step)

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


class DrillClock:
    """The incident's clock and the drill's at once (``$WARROOM_DRILL_AT``), moved by hand: the
    drill's source answers nothing after its now, so both must be at the same moment. A test
    that uses it undoes the pin afterwards (``monkeypatch.setenv`` then ``delenv`` of the variable)."""

    def __init__(self, t: float) -> None:
        self.t = t

    @property
    def t(self) -> float:
        return self._t

    @t.setter
    def t(self, value: float) -> None:
        self._t = value
        os.environ["WARROOM_DRILL_AT"] = repr(value)

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


class FixedClock:
    """A clock the test moves by hand (approval expiry, handoff reminders): never wall time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 14, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def approval_runbook(path: Path) -> Runbook:
    """The sample runbook with its ``say-hello`` step marked ``approval = true``."""
    book = sample_runbook(path)
    for step in book.steps:
        if step.id == "say-hello":
            step.approval = True
    return book


def people() -> tuple[Any, Any]:
    """Two responders on two bastions: the requester and the approver of the approval tests."""
    from warroom.incident.identity import Person

    return (Person("alice", 1001, "bastion-1", "alice@bastion-1"),
            Person("bob", 1002, "bastion-2", "bob@bastion-2"))


class Cli:
    """``warroom incident ...`` in-process; every call asserts no traceback reached the user."""

    def __init__(self, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.state = state
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        from tui.cli import main

        code = main(["incident", *argv, "--state-dir", str(self.state)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    def journal(self, inc: str) -> Path:
        return self.state / "incidents" / inc / "journal.jsonl"


DRILL_START = 1_800_000_000.0


def drill_incident(root: Path, scenario: str, speed: float, *, title: str, severity: str, pane: str,
                   runbook: str | None = None, ids: str | None = None) -> tuple[Any, Any, DrillClock, float]:
    """A drill of ``scenario`` created at :data:`DRILL_START` and an incident declared from
    ``pane`` 30 s (wall) after the drill first breached, on a :class:`DrillClock`: (drill,
    incident, clock, breach). The test undoes the clock's pin (see :class:`DrillClock`). The drill starts warm
    (``standins_corpus.warm_drill``): a test that patches the world makes its drill itself. ``ids``: the seed of its
    task ids pinned (``directory.drill_ids``), for a test whose sample of flows is the ids' draw."""
    from tests.unit.standins_corpus import warm_drill
    from warroom.config import Config
    from warroom.incident.drill_report import breach_time
    from warroom.incident.store import IncidentStore

    d = warm_drill(root / "drills", scenario, speed=speed, start=DRILL_START, ids=ids)
    breach = breach_time(d, at=DRILL_START + 3600)
    assert breach is not None
    clock = DrillClock(breach + 30)
    extra = {"runbook": runbook} if runbook is not None else {}
    inc = IncidentStore(root / "incidents", Config(), clock=clock).create(
        title=title, severity=severity, source={"kind": "pane", "ref": pane},
        drill={"scenario": scenario, "speed": speed, "dir": str(d.path)}, commander="Dana Lee", **extra)
    return d, inc, clock, breach


def typed_drill_incident(root: Path, scenario: str, runbook: Path, *, title: str, severity: str = "P1",
                         speed: float = 60.0, at: float = 100.0) -> tuple[Any, DrillClock, Any]:
    """A warm drill of ``scenario`` (``standins_corpus.START``) and an incident on ``runbook`` declared ``at`` drill
    seconds in, on a :class:`DrillClock`: (drill, clock, incident), for a test that types commands in its drill
    shell (``standins_corpus.typed_in_shell``). The test undoes the clock's pin (see :class:`DrillClock`)."""
    from tests.unit.standins_corpus import START, warm_drill
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    d = warm_drill(root / "drills", scenario, speed=speed, start=START)
    clock = DrillClock(d.wall_time(at))
    inc = IncidentStore(root / "incidents", Config(), clock=clock).create(
        title=title, severity=severity, runbook=str(runbook),
        drill={"scenario": scenario, "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    return d, clock, inc


def ran_through_warroom(d: Any, clock: DrillClock, inc: Any, key: tuple[str, str], argv: list[str], at: float, *,
                        params: dict[str, str], exit_code: int = 0) -> Any:
    """Step ``key`` (runbook id, step id) of ``inc`` run through warroom at drill second ``at`` as ``argv`` in its
    drill world: ``step.started``, the command, ``step.finished`` one drill second later, ok or failed by the exit
    code (asserted); returns the step, for the gate a test opens next (``LiveIncident.open_gate``)."""
    from tests.unit.standins_corpus import run_one

    clock.t = d.wall_time(at)
    step = inc.runbook().step(key[1])
    data = {"step": step.number, "step_id": step.id, "runbook_id": key[0], "label": step.label, "mutating": True,
            "command": " ".join(argv), "params": params}
    inc.append(ev.STEP_STARTED, data)
    assert run_one(d, argv, at)[0] == exit_code
    clock.t = d.wall_time(at + 1)
    inc.append(ev.STEP_FINISHED, {**data, "status": "ok" if exit_code == 0 else "failed", "exit_code": exit_code})
    return step


def over(drill: Any, at: float) -> Any:
    """The state of an incident on ``drill`` declared at its start and resolved at ``at`` (unix): a drill report read
    on it is the debrief's, told what the scenario judges and what came after the resolution (a quota that would run
    out hours later), which an open incident's report never says."""
    from warroom.incident.store import IncidentStore

    clock = Clock(datetime.fromtimestamp(drill.start, UTC), step=0.0)
    inc = IncidentStore(Path(drill.path).parent / f"over-{at:.0f}", clock=clock).create(
        title="drill", severity=drill.scenario.severity, drill={"scenario": drill.scenario.name, "speed": drill.speed})
    clock.now = datetime.fromtimestamp(at, UTC)
    inc.resolve("over", concerns=None)
    return inc.state
