"""An approval is spent by the run that starts, never by one that does not (marks24-2).

A run of an approval-gated step journaled ``approval.used`` and only then handed the step to its
supervisor, whose start is conditional on no resolution since the run was judged: a run overtaken by
a resolution was refused, but its approval was already spent, so after a reopen the step needed a
second person again though nothing had run. The use now travels in the run's own ``step.started``
(``approval``): one line, written under the journal's lock or not at all, and only if nothing that
spends or withdraws the approval (another run's start, a refusal, an expiry) came since the run was
judged, else the run is judged again.

Two real processes ordered on a pipe, no sleeps: process A (the real CLI, stopped by a hook after its
judgement and before the supervisor) and process B (the real CLI: a resolve, or the same run).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.in_process import warroom_here
from tests.unit.incident_fixtures import people
from tests.unit.race_support import events as _events
from tests.unit.race_support import refusal_words as _refusal_words
from tests.unit.race_support import stopped_at
from tests.unit.race_support import wr as _wr
from warroom.execute.safety import StepRefused
from warroom.incident.after_resolve import IncidentResolved
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

RUNBOOK = """+++
id = "RB-TEST-SPEND"
title = "Spend"
severity = "P3"
+++

# Spend

## Mitigation

```bash {approval=true}
# Say it ran
echo ran >> "$RACE_MARK"
```
"""

ALICE, BOB = people()
START = "warroom.execute.runner::start"      # after the run and its approval were judged, before the supervisor


def _declared(state: Path, book: Path) -> str:
    """``incident new`` through the real CLI, in this process (``warroom_here``): the race is between the processes
    that follow (A, and B's resolve or run); the declaration before them is no part of it, and a child for it cost
    ~0.5 s of CPU a test. Its id, as the command prints it."""
    said = warroom_here("incident", "new", "--title", "quota", "--severity", "P3", "--runbook", str(book),
                        "--state-dir", str(state))
    assert said.returncode == 0, said.stdout + said.stderr
    return said.stdout.strip()


def _approved(tmp_path: Path) -> tuple[Path, str, str]:
    """An open incident whose step 1 needs a second person: asked by alice, approved by bob."""
    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    state = tmp_path / "state"
    inc = _declared(state, book)
    found = IncidentStore(state).open(inc, work=False)
    alice = Incident(inc, found.dir, actor="alice@bastion-1", person=ALICE)
    bob = Incident(inc, found.dir, actor="bob@bastion-2", person=BOB)
    req = alice.approvals.request(alice.prepare_step(1)).request
    bob.approvals.approve(req.id)
    return state, inc, req.id


def _between(state: Path, hook: str, argv: tuple[str, ...], env: dict[str, str],
             meanwhile: Callable[[], None]) -> subprocess.CompletedProcess[str]:
    """``incident ARGV`` in process A, stopped at ``hook``; ``meanwhile`` runs (other processes) and
    returns; then A goes on. Returns A's result."""
    with stopped_at(hook, *argv, "--state-dir", str(state), **env) as a:
        meanwhile()
        return a.go()


def _request(state: Path, inc: str, rid: str) -> object:
    return IncidentStore(state).open(inc, work=False).refresh().approvals[rid]


def test_a_run_overtaken_by_a_resolution_leaves_its_approval_unspent(tmp_path: Path) -> None:
    state, inc, rid = _approved(tmp_path)
    mark = tmp_path / "ran"

    def resolve() -> None:
        assert _wr(state, "resolve", inc, "--summary", "back to normal").returncode == 0

    a = _between(state, START, ("run", inc, "1", "--yes"), {"RACE_MARK": str(mark)}, resolve)
    assert a.returncode == 5, (a.returncode, a.stderr)
    assert _refusal_words(state, inc, "run a step") in a.stderr, a.stderr
    types = [e["type"] for e in _events(state, inc)]
    assert ev.STEP_STARTED not in types and ev.APPROVAL_USED not in types, types   # neither the run nor the use
    assert not mark.exists()
    assert _request(state, inc, rid).status == "approved"                          # still good for one run
    # reopened, the same approval runs the step once: spent by the start line that ran it
    assert _wr(state, "reopen", inc, "--reason", "not over").returncode == 0
    again = _wr(state, "run", inc, "1", "--yes", RACE_MARK=str(mark))
    assert again.returncode == 0, again.stderr
    assert mark.read_text() == "ran\n"
    (start,) = [e for e in _events(state, inc) if e["type"] == ev.STEP_STARTED]
    assert start["data"]["approval"]["request"] == rid
    req = _request(state, inc, rid)
    assert req.status == "used" and req.used_seq == start["seq"]


def test_one_approval_starts_one_run_when_two_race_for_it(tmp_path: Path) -> None:
    """A judged the approval good; B ran the step with it meanwhile. A's start (which would spend it
    again) meets B's under the journal's lock: A is judged again and refused, the command ran once."""
    state, inc, rid = _approved(tmp_path)
    mark = tmp_path / "ran"

    def run_it() -> None:
        b = _wr(state, "run", inc, "1", "--yes", RACE_MARK=str(mark))
        assert b.returncode == 0, b.stderr

    a = _between(state, START, ("run", inc, "1", "--yes"), {"RACE_MARK": str(mark)}, run_it)
    assert a.returncode == 5, (a.returncode, a.stdout, a.stderr)
    assert f"{rid} was used" in a.stderr or f"approval {rid} was used for one run already" in a.stderr, a.stderr
    starts = [e for e in _events(state, inc) if e["type"] == ev.STEP_STARTED]
    assert len(starts) == 1 and mark.read_text() == "ran\n"
    assert _request(state, inc, rid).used_seq == starts[0]["seq"]


NATIVE = """+++
id = "RB-TEST-SPEND-Q"
title = "Spend, natively"
severity = "P3"
+++

# Spend

## Mitigation

```promql {approval=true}
# Read the quota
max(flowengine_model_quota_used_ratio)
```
"""


def _native(tmp_path: Path) -> tuple[Incident, Incident, str]:
    book = tmp_path / "rbq.md"
    book.write_text(NATIVE, encoding="utf-8")
    inc = IncidentStore(tmp_path / "state").create(title="quota", severity="P3", runbook=str(book))
    alice = Incident(inc.id, inc.dir, actor="alice@bastion-1", person=ALICE)
    bob = Incident(inc.id, inc.dir, actor="bob@bastion-2", person=BOB)
    req = alice.approvals.request(alice.prepare_step(1)).request
    bob.approvals.approve(req.id)
    return alice, bob, req.id


def test_a_native_run_s_approval_is_spent_by_its_start_or_not_at_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PromQL step runs in this process and journals its own start: resolved by another writer
    after its judgement, it is refused and its approval stays unspent; with the approval spent by
    another run meanwhile, it is judged again on the line that spent it and refused in its words."""
    alice, bob, rid = _native(tmp_path)
    claimed = Incident._run_native_claimed
    meanwhile: list[Callable[[], object]] = [lambda: bob.resolve("back to normal")]

    def hooked(self: Incident, *args: object) -> object:
        while meanwhile:                      # another writer, after the judgement, before the start
            meanwhile.pop()()
        return claimed(self, *args)

    monkeypatch.setattr(Incident, "_run_native_claimed", hooked)
    with pytest.raises(IncidentResolved):
        alice.run_native_step(alice.prepare_step(1))
    types = [e.type for e in alice.read().events]
    assert ev.STEP_STARTED not in types and ev.APPROVAL_USED not in types, types
    assert alice.refresh().approvals[rid].status == "approved"
    alice.reopen("not over")
    prepared = bob.prepare_step(1)
    meanwhile.append(lambda: bob.approvals.use(bob.approvals.require(prepared), prepared))
    with pytest.raises(StepRefused, match=rf"{rid} was used by bob@bastion-2 \(seq \d+\) just before this run"):
        alice.run_native_step(alice.prepare_step(1))
    assert ev.STEP_STARTED not in [e.type for e in alice.read().events]


def test_an_approval_that_ends_before_the_start_is_recorded_starts_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged good one second before its end, the approval has ended when the supervisor stamps the
    start (the incident's clock moved on meanwhile): a start past the approval's end would be folded
    as a use 'not counted' while its command ran. The supervisor refuses it (``start_before``), the
    run is judged again and refused as expired; nothing ran, nothing was spent."""
    from tests.unit.incident_fixtures import FixedClock, approval_runbook, install_fake_runbook
    from warroom.config import Config
    from warroom.incident import runbook_ref

    install_fake_runbook(monkeypatch, tmp_path)
    monkeypatch.setattr(runbook_ref, "load_file", approval_runbook)
    clock = FixedClock()
    cfg = Config()
    cfg.approval.expires = 900.0
    made = IncidentStore(tmp_path / "state", cfg, clock=clock).create(title="Quota", severity="P3",
                                                                       runbook="RB-TEST-001")
    alice = Incident(made.id, made.dir, config=cfg, clock=clock, actor="alice@bastion-1", person=ALICE)
    bob = Incident(made.id, made.dir, config=cfg, clock=clock, actor="bob@bastion-2", person=BOB)
    req = alice.approvals.request(alice.prepare_step(5)).request
    bob.approvals.approve(req.id)
    clock.advance(899)                                     # one second left
    start_runner = Incident._start_runner
    late: list[float] = [1.0]

    def judged_then_late(self: Incident, *args: object, **kw: object) -> object:
        while late:
            clock.advance(late.pop())                      # the approval ends between judgement and start
        return start_runner(self, *args, **kw)

    monkeypatch.setattr(Incident, "_start_runner", judged_then_late)
    with pytest.raises(StepRefused, match=rf"{req.id} expired at"):
        alice.run_step(alice.prepare_step(5))
    types = [e.type for e in alice.read().events]
    assert ev.STEP_STARTED not in types and ev.APPROVAL_USED not in types, types
