"""The drill report credits a runbook step typed by hand in the drill shell (redteam39 F3, issue 13 item 9).

``warroom drill shell`` is where the tool sends a commander to triage by hand, yet the stand-ins recorded
only what changed the drill's world (``actions.jsonl``), so the report listed the triage that found the
cause ("List recent deployments", RB-LAUNCH-005 step 16) as "not done". Every stand-in invocation is now
recorded (``calls.jsonl``) and a step nobody ran through warroom whose stand-in calls were typed, word for
word after parameter substitution, is "done by hand at +6m03s (drill shell)". A command that differs by a
word, or a step that changes things with no action recorded, credits nothing.

Every clock is pinned (``$WARROOM_DRILL_AT``); every child process is bounded by a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tui.cli import main
from tests.unit.standins_corpus import warmed
from warroom.incident.by_hand import standin_calls
from warroom.timeparse import parse_when

# warm_drills: what the commands decide and say, not how a drill integrates (`incident new --drill` starts warm)
pytestmark = pytest.mark.usefixtures("no_warmup_child", "warm_drills")
BOUND = 120            # seconds: a hung child fails the test, it never hangs it
T0 = 1_800_000_000.0   # the declaration (and the drill's start), pinned
HISTORY = "List recent deployments"          # RB-LAUNCH-005 step 16: kubectl rollout history deployment/… -n …
UNDO = "Roll FlowEngine back to the release before the suspect one, named by its revision"      # step 28, mutating


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _typed(export: str, script: str, at: float) -> subprocess.CompletedProcess[str]:
    """``script`` typed in the drill shell (its environment as ``drill shell --print`` prints it) at ``at``."""
    env = {k: v for k, v in os.environ.items() if k != "WARROOM_STEP_TAG"}
    done = subprocess.run(["sh", "-c", f"{export}\n{script}"], capture_output=True, text=True, timeout=BOUND,
                          env={**env, "WARROOM_DRILL_AT": repr(at), "WARROOM_DRILL_NO_DELAY": "1"})
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, str]:
    """(the state dir, a mass-failure incident declared at T0 at x10, the drill shell's export line)."""
    state = str(tmp_path / "state")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0))
    for name in ("WARROOM_DRILL_DIR", "WARROOM_STEP_TAG", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    inc = _cli(capsys, "incident", "new", "--drill", "mass-failure", "--speed", "10", "--state-dir", state).strip()
    export = _cli(capsys, "drill", "shell", inc, "--print", "--state-dir", state).strip().splitlines()[-1]
    assert export.startswith("export PATH=")
    return state, inc, export


def _path(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, state: str, inc: str,
          at: float) -> tuple[dict[str, str], str]:
    """The drill report at ``at``: each step's state in the runbook's path, and its text.

    One report, built once by ``incident drill-report --json`` and its text its ``report_lines`` (what the command
    prints without ``--json``): the command run a second time for the text built the same report again, ~40 % of
    this file's CPU. The command's text mode is its own one line (``cmd_drill_report``), run by other tests
    (``test_one_clock``, ``test_criteria_named_queries``)."""
    import json

    from warroom.incident import drill_report as package

    built: list[Any] = []
    build = package.drill_report

    def kept(*args: Any, **kwargs: Any) -> Any:
        built.append(build(*args, **kwargs))
        return built[-1]

    monkeypatch.setenv("WARROOM_DRILL_AT", repr(at))
    with monkeypatch.context() as patched:
        patched.setattr(package, "drill_report", kept)
        report = json.loads(_cli(capsys, "incident", "drill-report", inc, "--json", "--state-dir", state))
    (one,) = built
    text = "\n".join(package.report_lines(one)) + "\n"
    # an item the journal judges (``fulfilled_by``) and finds lacking says what it lacks: still not done, "pending" here
    return {label: "pending" if word.startswith("not done: ") else word
            for _, label, word, _ in report["runbook_path"]}, text


def test_a_triage_step_typed_in_the_drill_shell_is_done_by_hand_at_its_drill_time(drill, capsys, monkeypatch) -> None:
    state, inc, export = drill
    # +6m03s drill time at x10 (36.3 wall seconds after the declaration), through a pipe to a host tool
    _typed(export, "kubectl rollout history deployment/flowengine -n production | head -3", T0 + 36.3)
    steps, text = _path(capsys, monkeypatch, state, inc, T0 + 60)
    assert steps[HISTORY] == "done by hand at +6m03s (drill shell)"
    assert f"[done by hand at +6m03s (drill shell)] Scenario 3: schema breaking change: {HISTORY}" in text
    assert f"1 of 51 steps done; done by hand in the drill shell: {HISTORY} (Scenario 3: schema breaking " \
           "change) at +6m03s; not done:" in text
    assert sum(word != "pending" for word in steps.values()) == 1       # nothing else moved


def test_the_pir_says_what_the_report_says_of_a_step_typed_by_hand(drill, capsys, monkeypatch) -> None:
    """redteam40 R4: the PIR listed as "not done (runbook step with no journal event)" the triage the drill
    report of the same incident credited as done by hand; both read the report's path now."""
    state, inc, export = drill
    _typed(export, "kubectl rollout history deployment/flowengine -n production | head -3", T0 + 36.3)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0 + 60))
    pir = _cli(capsys, "incident", "export", inc, "--stdout", "--state-dir", state)
    steps = pir.split("## Steps Skipped or Failed", 1)[1].split("\n## ", 1)[0]
    said = [line for line in steps.splitlines() if f"({HISTORY})" in line]
    assert said == [f"- Step 16 ({HISTORY}) done by hand at +6m03s (drill shell): its command was typed in the drill"
                    " shell, not run through warroom, so this record holds no output or evidence of it"], said
    assert f"({UNDO}) not done (runbook step with no journal event)" in pir      # the others as before
    # and its timeline has it at its moment, as it has what was typed outside every step (redteam46 R2)
    timeline = pir.split("## Full Timeline", 1)[1].split("\n## ", 1)[0]
    (row,) = [line for line in timeline.splitlines() if HISTORY in line]
    assert row.startswith("| +6m03s |") and f"Step 16 ({HISTORY}) done by hand at +6m03s (drill shell) (not run " \
        "through warroom: this record holds no output of it) | (drill shell) |" in row, row


def test_an_unrelated_or_different_typed_command_credits_nothing(drill, capsys, monkeypatch) -> None:
    state, inc, export = drill
    before, _ = _path(capsys, monkeypatch, state, inc, T0 + 30)
    _typed(export, "kubectl get pods -n production\n"                             # no step's command
                   "kubectl rollout history deployment/flowengine -n staging\n"    # step 16 but for one word
                   "kubectl rollout history deployment/flowengine --namespace staging\n"   # another spelling of it
                   "kubectl rollout history deployment/flowengine -n production --bogus || true\n"   # refused: exit 1
                   "kubectl rollout undo deployment/flowengine -n production --to-revision=99 || true",  # step 28, no
           T0 + 36.3)                                                                # revision 99: nothing acted
    after, _ = _path(capsys, monkeypatch, state, inc, T0 + 60)
    assert after == before and set(after.values()) == {"pending"}


def test_a_call_after_the_report_moment_credits_nothing(drill, capsys, monkeypatch) -> None:
    state, inc, export = drill
    _typed(export, "kubectl rollout history deployment/flowengine -n production", T0 + 90)
    steps, _ = _path(capsys, monkeypatch, state, inc, T0 + 60)      # asked before it was typed
    assert steps[HISTORY] == "pending"


@pytest.mark.parametrize(("command", "calls"), [
    ("kubectl logs deployment/flowengine -n production --tail=100 \\\n  | grep ERROR | sort | uniq -c | head -10",
     [("kubectl", "logs", "deployment/flowengine", "-n", "production", "--tail=100")]),
    ("kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/api/schemas/version"
     " | grep -wF 20251104_001 && echo 'schema is back'",
     [("kubectl", "exec", "-n", "production", "deployment/flowengine", "--", "curl", "-s",
       "http://localhost:8080/api/schemas/version")]),
    ('psql -c "select 1" && blocks quota show --all-providers',
     [("psql", "-c", "select 1"), ("blocks", "quota", "show", "--all-providers")]),
    ("grep ERROR log.txt | head", None),                                       # no stand-in call
    ('curl -s "https://status.$provider.com/api/v2/status.json" | jq .', None),  # an expansion: unknown argv
    ("kubectl get pods -n prod 2>/dev/null", [("kubectl", "get", "pods", "-n", "prod")]),   # quieted: its own record
    ("kubectl get pods -n prod >/dev/null", None),                           # a redirection of what it printed
    ("kubectl get pods -n prod 2>/tmp/err", None),                           # one that writes a file
    ("NS=prod kubectl get pods", None),                                       # a variable set in front
    ("kubectl get pods | xargs kubectl delete pod", None),                    # a stand-in hidden in xargs
    ("echo $(kubectl get pods -o name)", None),
    ("kubectl get pods -n 'unclosed", None),
    ("/usr/bin/kubectl get pods; kubectl get nodes", None),                 # a stand-in by its path
])
def test_the_stand_in_calls_read_off_a_command(command: str, calls: list[tuple[str, ...]] | None) -> None:
    assert standin_calls(command) == calls


FALLBACK = "Take the failed provider out of routing and name the fallback model"     # step 22, mutating


def test_a_step_that_changes_things_is_credited_only_with_the_action_its_call_recorded(drill, capsys,
                                                                                       monkeypatch) -> None:
    from warroom.drill.actions import CALLS_FILE
    from warroom.drill.directory import latest_drill
    from warroom.paths import drills_store

    state, inc, export = drill
    d = latest_drill(drills_store(Path(state)))
    assert d is not None
    typed = ("kubectl", "set", "env", "deployment/flowengine", "DISABLE_PROVIDERS=anthropic",
             "FALLBACK_MODEL=gpt-4-turbo", "-n", "production")
    # a call record alone (as if it exited 0 and changed nothing): the typed words never credit a change
    with open(d.path / CALLS_FILE, "a", encoding="utf-8") as f:
        f.write('{"action": "call", "argv": %s, "detail": {"code": 0}, "t": 300.0, "tool": "kubectl", "ts": %r}\n'
                % (str(list(typed[1:])).replace("'", '"'), d.wall_time(300.0)))
    steps, _ = _path(capsys, monkeypatch, state, inc, T0 + 40)
    assert steps[FALLBACK] == "pending"
    _typed(export, " ".join(typed), T0 + 42)                       # typed for real: the stand-in acted
    steps, text = _path(capsys, monkeypatch, state, inc, T0 + 60)
    # the step carries a verify gate, which only a run through warroom opens: typed, the fix is not verified
    # (attack42 A18), never "done"; the action it recorded is still the step's
    assert steps[FALLBACK] == ("typed by hand at +7m00s (drill shell), not verified: its gate opens when the step "
                               "runs in warroom")
    # named by what it did while the incident is open: the scenario's name for it is its judgement (attack43 A8)
    assert f"Model API outage: {FALLBACK} -> deployment environment changed (set " in text
    assert "Done outside the runbook's steps" not in text          # the action is the step's, not outside it
    # the PIR's timeline lists it, with what it changed and the command typed (redteam46 R2: a change credited to a
    # step was on neither the timeline nor the list of what was typed outside the steps)
    pir = _cli(capsys, "incident", "export", inc, "--stdout", "--state-dir", state)
    timeline = pir.split("## Full Timeline", 1)[1].split("\n## ", 1)[0]
    (row,) = [line for line in timeline.splitlines() if FALLBACK in line]
    assert row.startswith("| +7m00s |") and "typed by hand at +7m00s (drill shell), not verified" in row, row
    assert "deployment environment changed (set " in row and f"`{' '.join(typed)}`" in row, row


def test_a_record_it_cannot_write_leaves_the_answer_and_its_exit_code(drill) -> None:
    from warroom.drill.actions import CALLS_FILE
    from warroom.drill.directory import latest_drill
    from warroom.paths import drills_store

    state, _, export = drill
    d = latest_drill(drills_store(Path(state)))
    assert d is not None
    (d.path / CALLS_FILE).write_text('{"torn')          # a last line with no newline: nothing is appended to it
    done = _typed(export, "kubectl get deployment flowengine -n production", T0 + 10)
    assert "flowengine" in done.stdout and "call not recorded" in done.stderr


def test_work_typed_in_the_drill_shell_before_any_journaled_action_is_said_beside_time_to_mobilise(
        tmp_path: Path) -> None:
    """redteam44 T2: declared, then only the drill shell for hours: "Time to mobilise: 4h37m46s … missed" beside the
    same report's retry at +16m07s. The milestone counts what the journal holds (the PIR's and ``show``'s rule, which
    the report keeps): the first typed call is said beside it, with the command that marks it; marked, nothing is."""
    from datetime import UTC, datetime

    from warroom.drill.actions import CALLS_FILE, Action, append_actions
    from warroom.drill.directory import create_drill
    from warroom.incident.drill_report import drill_report
    from warroom.incident.store import IncidentStore

    d = warmed(create_drill(tmp_path / "drill", "timeout", speed=60.0, start=T0, name="t2"))
    now = [d.wall_time(60.0)]
    inc = IncidentStore(tmp_path / "inc", clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="slow", severity="P2", drill={"scenario": "timeout", "speed": 60.0})
    typed = d.wall_time(1023.0)      # 17.05 s wall after the start: the offered mark keeps the 0.05 s (attack44 A7)
    append_actions(d.path, [Action("call", 1023.0, typed, "blocks", ("flow", "retry", "tsk_0e9cbdbe"), {"code": 0})],
                   CALLS_FILE)
    said = drill_report(d, inc.refresh(), at=d.wall_time(1100.0)).summary
    at = datetime.fromtimestamp(typed, UTC)
    line = next(s for s in said if s.startswith("Time to mobilise counts what the journal holds"))
    assert f"the first command typed in the drill shell, at +16m03s drill time, {at:%H:%M:%S} UTC (blocks flow retry" \
           " tsk_0e9cbdbe), counts towards no milestone" in line, line
    assert said.index(line) == 1 + next(i for i, s in enumerate(said) if s.startswith("Time to mobilise:")), said
    offered = re.search(rf"incident mark {inc.id} mobilised --at (\S+)`", line)
    assert offered is not None, line
    now[0] = d.wall_time(1400.0)
    inc.mark_phase("mobilised", parse_when(offered[1], datetime.fromtimestamp(now[0], UTC)), None)
    again = drill_report(d, inc.refresh(), at=d.wall_time(1100.0)).summary
    assert not any(s.startswith("Time to mobilise counts") for s in again), again
    assert next(s for s in again if s.startswith("Time to mobilise:")).startswith("Time to mobilise: 16m03s"), again
