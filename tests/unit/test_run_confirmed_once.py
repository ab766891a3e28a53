"""A confirmation runs a step once (redteam41 X8; ``warroom.incident.started_since``).

A run confirmed on the journal as it stood when it was asked for (``expect_last_started_seq``: the
step's last start then) runs nothing when the step started since — by this writer or another — and
says when, in words; judged on the state the start line is conditional on, so a start that lands
between the run's judgement and its own start line is caught under the journal's lock, not only one
that was already journaled. Real journal, real supervised runner (a shell ``echo``), in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from warroom.config import Config
from warroom.incident.started_since import StartedSince, last_started_seq
from warroom.incident.step_running import StepRunning
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.journal.log import read_journal

RUNBOOK = """+++
id = "RB-TEST-ONCE"
title = "Once"
severity = "P3"
+++
# Once

## Mitigation

```bash {mutating=true}
# Roll the release back
echo undo >> "$ONCE_MARK"
```

Highest quota use:

```promql
max(quota)
```
"""


class _Source:
    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        return [({}, 2.0)]


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """One incident open twice: the dashboard's writer and another's (a second window, `incident run`)."""
    monkeypatch.setenv("ONCE_MARK", str(tmp_path / "mark"))
    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    cfg = Config()
    inc = IncidentStore(tmp_path / "state", cfg).create(title="bad release", severity="P3", runbook=str(book),
                                                         source={"kind": "manual"})
    return inc, IncidentStore(tmp_path / "state", cfg).open(inc.id)


def _starts(inc: Any) -> list[Any]:
    return [e for e in read_journal(inc.dir / "journal.jsonl").events if e.type == ev.STEP_STARTED]


def test_a_confirmation_given_before_the_step_started_runs_nothing_and_says_when(two: tuple[Any, Any],
                                                                                 tmp_path: Path) -> None:
    mine, other = two
    key = ("RB-TEST-ONCE", mine.prepare_step(1).step_id)
    seen = last_started_seq(mine.state, key)                # the dialog opens: never started
    assert seen == 0
    other.run_step(other.prepare_step(1), confirm=True).wait()      # the step runs meanwhile, elsewhere
    lines = len(read_journal(mine.dir / "journal.jsonl").events)
    with pytest.raises(StartedSince) as refused:
        mine.run_step(mine.prepare_step(1), confirm=True, expect_last_started_seq=seen)
    (started,) = _starts(mine)
    at = started.ts.strftime("%H:%M:%S")
    assert str(refused.value) == (f"Step 1 started at {at} UTC since this run was asked for: look at its output"
                                  " first; run it again if you mean to (nothing was run)")
    assert refused.value.words(since="this dialog opened", again=" from the checklist").endswith(
        "since this dialog opened: look at its output first; run it again from the checklist if you mean to"
        " (nothing was run)")
    assert refused.value.exit_code == 5
    assert len(read_journal(mine.dir / "journal.jsonl").events) == lines     # nothing journaled, not even a refusal
    assert (tmp_path / "mark").read_text() == "undo\n"
    # asked again on the journal as it is now: it runs (a second run meant is a second run)
    mine.run_step(mine.prepare_step(1), confirm=True,
                  expect_last_started_seq=last_started_seq(mine.refresh(), key)).wait()
    assert len(_starts(mine)) == 2 and (tmp_path / "mark").read_text() == "undo\nundo\n"


def test_a_start_landing_between_the_judgement_and_the_start_line_is_caught_under_the_lock(
        two: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine, other = two
    key = ("RB-TEST-ONCE", mine.prepare_step(1).step_id)
    seen = last_started_seq(mine.state, key)
    real = StepRunning._start_runner
    raced: list[Any] = []

    def other_first(self: Any, prepared: Any, **kw: Any) -> Any:
        # ``mine`` judged the step not started since; ``other`` starts it before mine's start line
        if self is mine and not raced:
            raced.append(other.run_step(other.prepare_step(1), confirm=True))
            raced[0].wait()
        return real(self, prepared, **kw)

    monkeypatch.setattr(StepRunning, "_start_runner", other_first)
    with pytest.raises(StartedSince):
        mine.run_step(mine.prepare_step(1), confirm=True, expect_last_started_seq=seen)
    assert raced and len(_starts(mine)) == 1 and (tmp_path / "mark").read_text() == "undo\n"


def test_a_native_step_is_held_to_the_same_rule(two: tuple[Any, Any]) -> None:
    mine, other = two
    key = ("RB-TEST-ONCE", mine.prepare_step(2).step_id)
    seen = last_started_seq(mine.state, key)
    other.run_native_step(other.prepare_step(2), metric_source=_Source())
    with pytest.raises(StartedSince, match="^Step 2 started at .* since this run was asked for"):
        mine.run_native_step(mine.prepare_step(2), metric_source=_Source(), expect_last_started_seq=seen)
    assert len(_starts(mine)) == 1
