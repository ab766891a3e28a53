"""What is typed in the drill shell is credited to the runbook's steps (redteam47 F2, F5, F8).

F2: RB-CORE-003's "Retry one task that failed on the rate limit" (``blocks flow retry {{ task_id }}``, "repeat for each
task id from triage") run once, then typed for two more tasks: "Done outside the runbook's steps" twice, in the report's
summary and the PIR's timeline. Each is that step again, said with its value
(``drill_report.path.typed_again``); a command no step has (an extra ``--enable-pruning``) stays outside.

F5: the step's ``blocks notify slack`` typed word for word was "not done": its ``notify`` action moves no curve, so no
report row holds it, and a change was credited from rows alone. It is credited from the stand-in's own action record
(``by_hand.Typed.acts``); the same command with another message is not the step.

F8: RB-CORE-004's step 2 (``--start-time "$(date -d '15 minutes ago' +%s)000"``) could never be credited: an
expansion. A ``$(…)`` in double quotes fills one argument, which the stand-in records: a place any value fills
(``by_hand._substituted``), never an option, and only there.

One warm rate-limit drill at x10 (one drill report), stand-ins in-process; the rest reads no drill.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, run_one, typed_in_shell, warmed
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.execute.watchdog import TAG_ENV
from warroom.incident.by_hand import Call, Hands, Shape, Typed, standin_calls
from warroom.incident.drill_report import drill_report
from warroom.incident.records import StepRun
from warroom.incident.review.lines import TypedStep
from warroom.incident.review.timeline import _typed_step_line
from warroom.incident.store import IncidentStore
from warroom.runbook.parser import load_runbook
from warroom.drill.actions import CALLS_FILE, Action, append_actions

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
RETRY = "Retry one task that failed on the rate limit"
NOTIFY = ("blocks notify slack --channel ops-alerts --message \"Model API quota passed 80%. Circuit breaker is on:"
          " above 85% throttled calls wait instead of retrying, so the quota lasts longer. Claude's calls temporarily"
          " on gpt-4-turbo.\"")
TAG = "f2f2f2f2f2f2"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _typed(d, argv: list[str], t: float) -> int:  # type: ignore[no-untyped-def]
    return typed_in_shell(d, argv, t)


def test_a_step_typed_again_with_another_value_is_that_step_and_a_change_that_moves_no_curve_is_credited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    # its ids pinned (``drill_ids``): the test names the tasks it retries
    d = warmed(create_drill(tmp_path / "drills", "rate-limit", speed=10.0, start=START, ids="rate-limit"))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Quota", severity="P2", runbook=str(RUNBOOKS / "RB-CORE-003-rate-limit-exhaustion.md"),
        drill={"scenario": "rate-limit", "speed": d.speed, "dir": str(d.path)})
    book = inc.runbook()
    assert book is not None
    retry = next(s for sec in book.sections for s in sec.steps if s.label == RETRY)
    with monkeypatch.context() as m:       # the step run from the dashboard: its process's action is its own
        m.setenv(TAG_ENV, TAG)
        run_one(d, ["blocks", "flow", "retry", "tsk_951c9e0b"], 600.0)
    assert _typed(d, ["blocks", "flow", "retry", "tsk_cca1f49c"], 700.0) == 0
    _typed(d, ["blocks", "flow", "retry", "tsk_e9ffd9f4"], 750.0)
    _typed(d, ["blocks", "flow", "retry", "tsk_3aaf74d4", "--enable-pruning"], 800.0)      # no step's command
    assert _typed(d, [*shlex.split(NOTIFY)[:-1], "quota at 80%"], 820.0) == 0               # another message
    assert _typed(d, shlex.split(NOTIFY), 850.0) == 0                                         # the step's, exactly
    # RB-CORE-004's: a test flow on another model (no step's), then step 10's word for word; step 2 with its `$(date)`
    assert _typed(d, ["blocks", "test-flow", "--model", "gpt-4-turbo"], 860.0) == 0
    assert _typed(d, ["blocks", "test-flow", "--model", "auto"], 870.0) == 0
    append_actions(d.path, [Action("call", 879.9, d.wall_time(879.9), "date", ("-d", "15 minutes ago", "+%s"),
                                   {"code": 0})], CALLS_FILE)
    assert _typed(d, [*AWS, "1789999100000"], 880.0) == 0
    clock.t = d.wall_time(900.0)
    inc.resolve("breaker on")
    state = inc.state.copy()
    step = state._step({"step_id": retry.id, "runbook_id": book.id, "step": retry.number, "label": retry.label})
    step.runs.append(StepRun(seq=99, actor="ic", started_at=datetime.fromtimestamp(d.wall_time(600.0), UTC),
                             status="ok", exit_code=0, ended_at=datetime.fromtimestamp(d.wall_time(605.0), UTC),
                             mutating=True, tag=TAG))
    step.status = "ok"
    report = drill_report(d, state, at=d.wall_time(1000.0), runbook=book)

    path = {label: (said, did) for _, label, said, did in report.runbook_path}
    again = [f"failed flows retried (typed again by hand at {at} (drill shell, with task_id={task}))"
             for at, task in (("+10m00s", "tsk_cca1f49c"), ("+10m50s", "tsk_e9ffd9f4"))]
    assert path[RETRY][1] == "; ".join(["failed flows retried", *again]), path[RETRY]       # F2: the step's, twice
    # what no step has stays outside: a flag more, another message than the step's literal one
    assert [o.split(" (", 1)[1] for o in report.outside] == [
        "blocks flow retry tsk_3aaf74d4 --enable-pruning)", "blocks notify slack --channel ops-alerts --message"
        " 'quota at 80%')"], report.outside
    [outside] = [line for line in report.summary if line.startswith("Done outside the runbook's steps: ")]
    assert "tsk_cca1f49c" not in outside and "tsk_3aaf74d4 --enable-pruning" in outside, outside
    # the milestone line names the first typing: the step's, which counts towards no milestone (never "none")
    assert any("(blocks flow retry tsk_cca1f49c), counts towards no milestone;" in line for line in report.summary)
    notify = next(label for label in path if label.startswith("Tell #ops-alerts"))
    assert path[notify] == ("done by hand at +12m30s (drill shell)", "stakeholders notified"), path[notify]
    # the PIR's timeline lists each retry typed again as the step's, at its moment, with its value
    lines = {said: _typed_step_line(TypedStep(f"Step {n}", label, said, at, rows)).text
             for _, n, label, said, at, rows in report.credited}
    said = "typed again by hand at +10m00s (drill shell, with task_id=tsk_cca1f49c)"
    assert f"Step {retry.number} ({RETRY}) {said}: failed flows retried (`blocks flow retry tsk_cca1f49c`)" \
        in str(lines[said]), lines
    assert f"Step {retry.number} ({RETRY}) typed again by hand at +10m50s" in "".join(map(str, lines.values()))

    # F5, F8: the same drill's report of RB-CORE-004 (the world integrated once: about a tenth of a second more)
    path = {label: said for _, label, said, _ in drill_report(d, state, at=d.wall_time(1000.0),
                                                               runbook=_provider_book()[0]).runbook_path}
    # the test flow is credited from its own record (it moves no curve: no row holds it), at its typing
    assert path["Run a test flow and let FlowEngine pick the model"] == "done by hand at +12m50s (drill shell)"
    # read-only, its `| jq` only formats what the read printed: judged from the read's own record (fix48a)
    assert path[STEP2] == "done by hand at +13m00s (drill shell)"


STEP2 = "Pull the last 15 minutes of 5xx errors from CloudWatch"
AWS = ("aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/flowengine", "--filter-pattern", "5xx",
       "--start-time")


@functools.cache
def _provider_book():  # type: ignore[no-untyped-def]
    book = load_runbook(RUNBOOKS / "RB-CORE-004-provider-outage.md")
    return book, next(s for sec in book.sections for s in sec.steps if s.label == STEP2)


def test_a_step_whose_argument_is_a_command_s_output_is_credited_when_typed_word_for_word() -> None:
    book, step = _provider_book()
    at = START + 20.0

    def credit(*argv: str):  # type: ignore[no-untyped-def]
        calls = (Call(at - 0.1, 199.0, "date", ("-d", "15 minutes ago", "+%s"), 0, ""),
                 Call(at, 200.0, argv[0], argv[1:], 0, ""))
        return Hands(Typed(calls, 100.0, START + 100)).steps(book, lambda _sid: True, {}, [], {}).get(step.id)

    # read-only, and its `| jq` only formats the read: done by hand, judged from the read's record (fix48a)
    assert credit(*AWS, "1789999100000").state == "done by hand at +1m40s (drill shell)"
    assert credit(*AWS, "--follow") is None                               # an option in the place: not a time
    assert credit(*AWS[:-2], "--filter-pattern", "4xx", "--start-time", "1") is None
    assert credit("aws", "logs", "delete-log-group", *AWS[3:], "1") is None


@pytest.mark.parametrize(("command", "calls"), [
    ('aws logs tail --since "$(date +%s)000" | jq .', [("aws", "logs", "tail", "--since", "WARROOMOUTPUT0X4X0X000")]),
    ('kubectl logs "$(kubectl get pod -o name)"',
     [("kubectl", "get", "pod", "-o", "name"), ("kubectl", "logs", "WARROOMOUTPUT1X2X0X")]),
    ("kubectl logs $(kubectl get pod -o name)", None),                 # unquoted: split into any number of words
    ('kubectl logs "$NS$(date)"', None),                               # another expansion beside it
    ('kubectl logs "x$((1 + 2))"', None),                              # arithmetic
    ('kubectl logs "`date`"', None),
])
def test_a_quoted_command_substitution_is_one_place(command: str, calls: list[tuple[str, ...]] | None) -> None:
    assert standin_calls(command) == calls


WORDS = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(at=st.integers(0, len(AWS) - 1), word=WORDS, extra=st.lists(WORDS, max_size=2))
def test_only_the_place_may_differ(at: int, word: str, extra: list[str]) -> None:
    """A call that differs from step 2's in any other word, or has a word more, is not the step."""
    book, step = _provider_book()
    shape = Shape.of(book, step)
    assert shape is not None
    [wanted] = shape.calls[0]
    typed = list(AWS) + ["1789999100000"]
    assert shape.match(wanted, tuple(typed), {}) is not None
    changed = typed[:at] + [word] + typed[at + 1:]
    assert (shape.match(wanted, tuple(changed), {}) is None) == (word != typed[at])
    if extra:
        assert shape.match(wanted, (*typed, *extra), {}) is None
        assert shape.match(wanted, (*typed[:2], *extra, *typed[2:]), {}) is None


def test_a_parameter_s_place_is_never_an_option() -> None:
    book = load_runbook(RUNBOOKS / "RB-CORE-003-rate-limit-exhaustion.md")
    retry = next(s for sec in book.sections for s in sec.steps if s.label == RETRY)
    shape = Shape.of(book, retry)
    assert shape is not None
    [wanted] = shape.calls[0]
    assert shape.match(wanted, ("blocks", "flow", "retry", "tsk_cca1f49c"), {}) == {"task_id": "tsk_cca1f49c"}
    assert shape.match(wanted, ("blocks", "flow", "retry", "--enable-pruning"), {}) is None
