"""Each run in the PIR cites the values recorded around that run, and only those (P26-4).

The commands table and the timeline found a run's before/after values by reading every value of
the incident for every run, keeping those of the same step number recorded after the run began:
quadratic in runs x values (a 10,000-event PIR spent most of its render there), and for a step run
again its first run also cited every later run's values ("[#4, #5, #6, #70, #134, #198, #262]" for
a run whose own after-value was #6). The fold now files each ``evidence.recorded`` line with the
run it is tied to (``StepRun.evidence_seqs``, the same rule that gives the run its values) and the
views cite those: one value cited once, by its own run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warroom.incident.fold import replay
from warroom.incident.review.commands import commands
from warroom.incident.review.timeline import timeline
from warroom.incident.state import IncidentState
from warroom.journal import events as ev
from warroom.journal.log import GENESIS, encode_line, read_journal

T0 = datetime(2026, 11, 22, 14, 0, 0, tzinfo=UTC)
RUNS = 40


def _state(tmp_path: Path, runs: int, early: bool = False) -> tuple[IncidentState, dict[int, set[int]]]:
    """One mutating step run ``runs`` times, each with a before value (journaled while it runs, or
    with ``early`` just ahead of its start, as the dashboard may) and an after value naming its
    ``step.finished``; returns the state and each run's own seqs (by its start's seq)."""
    ref = {"step": 3, "step_id": "enable-breaker", "label": "Enable the circuit breaker", "runbook_id": "RB-CORE-003"}
    events: list[tuple[str, dict[str, Any]]] = [(ev.DECLARED, {
        "id": "INC-20261122-1", "title": "Quota", "severity": "P2", "commander": "t@h", "drill": None,
        "runbook": {"id": "RB-CORE-003", "title": "Rate limit exhaustion", "path": "/x", "sha256": "0" * 64},
        "source": {"kind": "pane", "ref": "quota", "value": 91.0, "unit": "percent"}})]
    own: dict[int, set[int]] = {}
    for i in range(runs):
        start = len(events) + 1 + early        # the seq of its step.started
        before = (ev.EVIDENCE, {**ref, "when": "before", "offset": 0.0,
                                "values": {"quota": {"value": 90.0 + i % 5, "unit": "percent", "state": "crit"}}})
        started = (ev.STEP_STARTED, {**ref, "kind": "shell", "command": "kubectl set env x", "mutating": True,
                                     "confirmed": True, "target": {}, "output": f"outputs/{i}.log"})
        events += [before, started] if early else [started, before]
        finished = len(events) + 1
        events.append((ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 1.0,
                                          "output": f"outputs/{i}.log"}))
        events.append((ev.EVIDENCE, {**ref, "when": "after", "offset": 300.0, "finished_seq": finished,
                                     "values": {"quota": {"value": 80.0 - i % 5, "unit": "percent", "state": "warn"}}}))
        own[start] = {start - 1 if early else start + 1, finished + 1}
    prev, lines = GENESIS, []
    for seq, (type_, data) in enumerate(events, start=1):
        line = encode_line(seq, T0 + timedelta(seconds=seq), "t@h", type_, data, prev)
        prev = json.loads(line)["h"]
        lines.append(line)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b"".join(lines))
    return replay(read_journal(path).events), own


def _evidence_seqs(state: IncidentState) -> set[int]:
    """The seqs of the before/after lines (the declaration's value is evidence too, cited by it)."""
    return {e.seq for e in state.evidence if e.when in ("before", "after")}


@pytest.mark.parametrize("early", [False, True], ids=["before-while-running", "before-ahead-of-start"])
def test_each_run_of_a_step_run_again_cites_its_own_values_only(tmp_path: Path, early: bool) -> None:
    """Including a before value journaled ahead of the run's start: the line shows its figure
    ("quota 95.5% → 92%"), so it cites its line (the golden PIR's step 3 left #15 out)."""
    state, own = _state(tmp_path, RUNS, early)
    values = _evidence_seqs(state)
    now = T0 + timedelta(hours=2)
    rows = commands(state, now)
    assert len(rows) == RUNS
    for (_, run), row in zip(state.commands_run(), rows):
        assert set(row.cites) & values == own[run.seq], f"run #{run.seq}"
    lines = [line for line in timeline(state, now) if "mitigation attempt" in line.text]
    assert len(lines) == RUNS
    for (_, run), line in zip(state.commands_run(), lines):
        assert set(line.cites) & values == own[run.seq], f"run #{run.seq}"


def test_the_values_cited_grow_with_the_runs_not_with_their_square(tmp_path: Path) -> None:
    """Every value is cited once in the table and once in the timeline: 2 per run, whatever the
    number of runs (the old reading cited a run's values again under every earlier run)."""
    state, _ = _state(tmp_path, RUNS)
    values = _evidence_seqs(state)
    now = T0 + timedelta(hours=2)
    in_table = sum(len(set(row.cites) & values) for row in commands(state, now))
    in_timeline = sum(len(set(line.cites) & values) for line in timeline(state, now))
    assert in_table == in_timeline == 2 * RUNS
