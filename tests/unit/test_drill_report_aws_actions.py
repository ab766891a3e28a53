"""What the drill's aws stand-in changes is an action of the report, and typed by hand credits its step (attack44 A11).

``aws iam put-user-policy … deny-context-bundles`` stopped every flow in the audit-gap world, yet the drill report
said "nothing reached the drill" and RB-CORE-005's step 10 typed word for word in the drill shell stayed "[not done]":
the stand-in recorded ``iam_change`` (and ``s3_move``, ``db_snapshot``), which no row listed, so nothing acted for it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill.actions import CALLS_FILE, Action, append_actions
from warroom.drill.directory import create_drill
from warroom.incident.by_hand import Hands, Typed, read_calls
from warroom.incident.drill_report import actions as rows_of
from warroom.incident.drill_report.path import runbook_path
from warroom.runbook.parser import parse_runbook

BOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"
DENY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::'
        'context-bundles","arn:aws:s3:::context-bundles/*"]}]}')


def test_an_iam_deny_typed_in_the_shell_is_a_row_and_its_step_done_by_hand(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    drill = create_drill(tmp_path, "audit-gap", speed=SPEED, start=START, name="deny")
    argv = ["aws", "iam", "put-user-policy", "--user-name", "flowengine-sa", "--policy-name", "deny-context-bundles",
            "--policy-document", DENY]
    assert run_one(drill, argv, 300.0)[0] == 0
    # as the stand-in's process records every call (``run_one`` runs it in-process, which records only the action)
    append_actions(drill.path, [Action("call", 300.0, drill.wall_time(300.0), "aws", tuple(argv[1:]), {"code": 0})],
                   CALLS_FILE)
    monkeypatch.setattr(rows_of, "pane_changes", lambda *a, **k: rows_of.Changes())     # the listing, not the curves
    sim = drill.simulator.refresh()
    rows = rows_of.action_rows(drill, sim.signals, rows_of.stretches(drill.scenario, sim.signals), resolved=None,
                               t_end=600.0, t_zero=0.0, at=drill.wall_time(600.0), slos=None, told=False)
    assert [r.description for r in rows] == [
        "an IAM user's policy changed (put policy deny-context-bundles of flowengine-sa; it denies the bucket "
        "context-bundles)"], rows
    book = parse_runbook(BOOK.read_text(encoding="utf-8"))
    hands = Hands(Typed(read_calls(drill.path), 0.0, math.inf))
    path = runbook_path(book, None, rows, datetime.fromtimestamp(drill.wall_time(600.0), UTC), hands)["runbook_path"]
    step = next(state for st, (_, _, state, _) in zip(book.steps, path, strict=True) if st.number == 10)
    assert step == "done by hand at +5m00s (drill shell)", path


def test_a_deny_is_weighed_on_the_pane_it_took_past_critical(tmp_path: Path) -> None:
    """attack44 A11b: the deny's row weighed only the audit-gap world's own pane and said "Audit-log gap unchanged"
    while it drove the Flow failure rate to critical; another pane is said where the action took it past critical."""
    drill = warm_drill(tmp_path, "audit-gap", name="weighed")
    argv = ["aws", "iam", "put-user-policy", "--user-name", "flowengine-sa", "--policy-name", "deny-context-bundles",
            "--policy-document", DENY]
    assert run_one(drill, argv, 300.0)[0] == 0
    drill.simulator.refresh()
    said = rows_of.pane_changes(drill, [drill.actions()[-1]], None, 1200.0).text()
    assert said.startswith("Flow failure rate 16.9% 10m00s drill time") and "(0.301% without it)" in said, said
    # and why, from the world's record: each flow fails writing its bundle, before its first model call (fix51c)
    assert said.endswith("; Model API requests (every provider) 0/min (10/min without it)"), said


def test_the_deny_and_its_lifting_are_weighed_on_the_failure_rate_they_moved(tmp_path: Path) -> None:
    """redteam46 R7: FlowEngine halted, the bucket deny put, FlowEngine restored (every flow then failed writing its
    bundle), the deny deleted. The delete that ended the failures read "Audit-log gap unchanged" (Flow failure rate
    past critical both with and without it), and the put, weighed while nothing ran, "changed nothing"."""
    drill = warm_drill(tmp_path, "audit-gap", name="lifted")
    scale = ["kubectl", "scale", "deployment/flowengine", "-n", "production"]
    user = ["--user-name", "flowengine-sa", "--policy-name", "deny-context-bundles"]
    for t, argv in ((300.0, [*scale, "--replicas=0"]),
                    (360.0, ["aws", "iam", "put-user-policy", *user, "--policy-document", DENY]),
                    (1800.0, [*scale, "--replicas=3"]),
                    (2100.0, ["aws", "iam", "delete-user-policy", *user])):
        assert run_one(drill, argv, t)[0] == 0, argv
    drill.simulator.refresh()
    put, lifted = [a for a in drill.actions() if a.action == "iam_change"]
    said = rows_of.pane_changes(drill, [lifted], None, 3300.0).text()
    # (FlowEngine restored takes flows from its first pod ready, 15 s on: attack50 A5; it was 40 s, 12.5% / 41.5%)
    assert said.startswith("Flow failure rate 13.4% 10m00s drill time") and "(42.5% without it)" in said, said
    assert said.endswith("; Model API requests (every provider) 10/min (0/min without it)"), said    # calls again
    said = rows_of.pane_changes(drill, [put], None, 3300.0).text()
    assert said.startswith("Audit-log gap unchanged within 10m00s drill time (1m00s wall), then Flow failure rate "
                           "13.4% 49m00s drill time"), said
    assert said.endswith("(0.301% without it)"), said
    # read before its window ended, it is still too soon to tell, as before
    assert rows_of.pane_changes(drill, [put], None, 600.0).text().startswith("too soon to tell"), said


def test_a_late_reading_says_only_a_move_by_a_whole_critical_threshold(tmp_path: Path) -> None:
    """attack46 X7: a latency fallback set while fallback routing was already on moved nothing in its window; read
    again at the report's moment it was "then Flow failure rate 3.35% … (3.21% without it)", a 0.14-point gap
    opened by a later HPA patch. Past its window only a move by the pane's whole critical threshold is said."""
    drill = warm_drill(tmp_path, "timeout", name="late")
    env = ["kubectl", "set", "env", "deployment/flowengine"]
    for t, argv in ((1474.8, [*env, "FALLBACK_MODEL=gpt-4-turbo", "FALLBACK_ON_5XX=true", "-n", "production"]),
                    (1523.9, ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=2"]),
                    (2279.7, [*env, "FALLBACK_MODEL=gpt-4-turbo", "FALLBACK_THRESHOLD_LATENCY=30"]),
                    (2776.5, ["kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p",
                              '{"spec":{"minReplicas":3,"maxReplicas":3}}'])):
        assert run_one(drill, argv, t)[0] == 0, argv
    drill.simulator.refresh()
    (latency,) = [a for a in drill.actions() if "FALLBACK_THRESHOLD_LATENCY=30" in a.argv]
    said = rows_of.pane_changes(drill, [latency], None, 3201.8).text()
    # no pane: the world's record says what it did, within its window (the slow calls moved to OpenAI)
    assert said.startswith("P95 flow latency and Flow failure rate unchanged within 10m00s drill time (1m00s wall); "
                           "OpenAI (GPT-4) requests ") and "then" not in said, said
