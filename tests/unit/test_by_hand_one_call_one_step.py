"""One call typed in the drill shell credits one runbook step, and only a step it can stand for (redteam42 R3).

One read of FlowEngine's view of the providers at +34m credited RB-CORE-004's Triage step 6 and its Recovery step 22
("Check FlowEngine's view of the providers" after putting the provider back), the check "done" 50 drill minutes
before the recovery it checks; one read of the schema version credited "Confirm the schema version went back"
(whose `| grep -wF 20251104_001 && echo "schema is back"` fails on the bad schema the read showed) and RB-LAUNCH-002's
read too. The rule is ``warroom.incident.by_hand`` (the drill report's path and the PIR read it): pure, no drill opened.
"""

from __future__ import annotations

import math
import shlex
from datetime import UTC, datetime
from pathlib import Path

from warroom.incident.by_hand import Call, Hands, Typed, spelled
from warroom.incident.drill_report.path import runbook_path
from warroom.incident.drill_report.rows import ActionRow, path_word
from warroom.runbook.model import Runbook
from warroom.runbook.parser import parse_runbook

BOOKS = Path(__file__).resolve().parents[2] / "runbooks"
T0 = 1_800_000_000.0      # unix at scenario second 0 (x1: one drill second per wall second)
DETECTED = 120.0          # scenario seconds
VIEW = ("kubectl", "exec", "-n", "production", "deployment/flowengine", "--", "curl", "-s",
        "http://localhost:8080/health/models")
SCHEMA = (*VIEW[:-1], "http://localhost:8080/api/schemas/version")
BACK = ("kubectl", "set", "env", "deployment/flowengine", "DISABLE_PROVIDERS-", "MANUAL_REVIEW_MODE-", "-n",
        "production")


def _book(name: str) -> Runbook:
    return parse_runbook((BOOKS / f"{name}.md").read_text(encoding="utf-8"))


def _call(argv: tuple[str, ...], t: float) -> Call:
    return Call(T0 + t, t, argv[0], argv[1:], 0, "")


def _path(name: str, calls: list[Call], actions: list[ActionRow] | None = None,
          hands: Hands | None = None) -> dict[int, str]:
    book = _book(name)
    hands = hands or Hands(Typed(tuple(calls), DETECTED, math.inf))
    path = runbook_path(book, None, actions or [], datetime.fromtimestamp(T0 + 9000, UTC), hands)["runbook_path"]
    return {st.number: state for st, (_, _, state, _) in zip(book.steps, path, strict=True)}


def test_one_read_is_one_step_and_a_recovery_check_counts_only_after_the_change_it_checks() -> None:
    back = ActionRow(T0 + 5065, 5065.0, "fallback_routing_off", "fallback model routing removed", shlex.join(BACK),
                     True)
    during = [_call(VIEW, 2160.0), _call(VIEW, 2166.0), _call(VIEW, 2171.0)]     # +34m, the vendor still down
    steps = _path("RB-CORE-004-provider-outage", [*during, _call(BACK, 5065.0)], [back])
    assert steps[6] == "done by hand at +34m00s (drill shell)"
    assert steps[21] == "done by hand at +1h22m25s (drill shell)"
    assert steps[22] == "pending"        # every read came before the provider was put back: no check of it
    after = _path("RB-CORE-004-provider-outage", [*during, _call(BACK, 5065.0), _call(VIEW, 5100.0)], [back])
    assert (after[6], after[22]) == (steps[6], "done by hand at +1h23m00s (drill shell)")
    alone = _path("RB-CORE-004-provider-outage", [*during[:1]])                   # one read, one step
    assert (alone[6], alone[22]) == ("done by hand at +34m00s (drill shell)", "pending")


def test_a_check_with_more_than_its_call_is_typed_not_checked_and_a_call_is_taken_once_across_runbooks() -> None:
    hands = Hands(Typed((_call(SCHEMA, 2173.0),), DETECTED, math.inf))
    mass = _path("RB-LAUNCH-005-mass-failure", [], hands=hands)
    assert mass[18] == "done by hand at +34m13s (drill shell)"      # the read itself
    assert mass[30] == "pending"          # "Confirm the schema version went back": no rollback began, no check
    pilot = _path("RB-LAUNCH-002-rollback-to-pilot", [], hands=hands)
    assert pilot[9] == "pending"          # the same read, taken by RB-LAUNCH-005's step 18 already
    status = ("curl", "-s", "https://status.anthropic.com/api/v2/status.json")
    steps = _path("RB-CORE-004-provider-outage", [_call(status, 300.0), _call(status, 4000.0)])
    # step 3's `| jq -r '.status.indicator'` only formats the read: judged from its record (fix48a); step 20's expect
    # "none": the record holds no output to judge it by
    assert steps[3] == "done by hand at +3m00s (drill shell)"
    assert steps[20] == "typed by hand at +1h04m40s (drill shell), not checked"


def test_a_step_typed_with_another_parameter_value_is_that_step_and_says_the_value() -> None:
    """redteam44 T3: RB-CORE-002 step 9 (``kubectl patch hpa {{ deployment }} … "minReplicas": {{ replicas }}``,
    ``replicas`` 8 by default) typed with 12, and step 8 (``blocks flow retry {{ task_id }} --enable-pruning``, no
    default) typed with a task id: compared with the defaults put in, both read "not done" and their calls "outside the
    runbook's steps". A parameter is the IC's to choose: any value fills its place, said with the credit; a call that
    differs anywhere else is still no step."""
    scale = ("kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p", '{"spec": {"minReplicas": 12 }}')
    retry = ("blocks", "flow", "retry", "tsk_0e9cbdbe", "--enable-pruning")
    rows = [ActionRow(T0 + 1000.0, 1000.0, "scale", "FlowEngine replicas added", shlex.join(scale), True),
            ActionRow(T0 + 900.0, 900.0, "retry_pruned", "failed flows retried with context pruning",
                      shlex.join(retry), True)]
    steps = _path("RB-CORE-002-timeout-recovery", [_call(retry, 900.0), _call(scale, 1000.0)], rows)
    assert steps[8] == "done by hand at +13m00s (drill shell, with task_id=tsk_0e9cbdbe)", steps
    assert steps[9] == "done by hand at +14m40s (drill shell, with replicas=12)", steps
    other = (*scale[:-1], '{"spec": {"maxReplicas": 12 }}')      # another patch: not the step's
    rows[0] = ActionRow(T0 + 1000.0, 1000.0, "scale", "FlowEngine replicas added", shlex.join(other), True)
    assert _path("RB-CORE-002-timeout-recovery", [_call(other, 1000.0)], rows[:1])[9] == "pending"


def test_another_spelling_of_the_same_kubectl_call_is_that_step_and_its_value_is_said_as_typed() -> None:
    """attack44 A5: `--namespace=production --patch='{"spec":{"minReplicas":12}}'`, `-n production` before the verb,
    `deploy/` were "outside the runbook's steps", only the runbook's own spelling credited; A6: the path said the value
    "with task id=tsk 8ff949db", a task that does not exist (read as a state's name, underscores as spaces)."""
    scale = ("kubectl", "patch", "hpa", "flowengine", "--namespace=production",
             '--patch={"spec":{"minReplicas":12}}')
    pool = ("kubectl", "-n", "production", "set", "env", "deploy/flowengine", "DB_POOL_SIZE=350", "DB_MAX_OVERFLOW=20")
    rows = [ActionRow(T0 + 1000.0, 1000.0, "scale", "FlowEngine replicas added", shlex.join(scale), True),
            ActionRow(T0 + 1100.0, 1100.0, "set_env", "deployment environment changed", shlex.join(pool), True)]
    hands = Hands(Typed((_call(scale, 1000.0), _call(pool, 1100.0)), DETECTED, math.inf))
    steps = _path("RB-CORE-002-timeout-recovery", [], rows, hands)
    assert steps[9] == "done by hand at +14m40s (drill shell, with replicas=12)", steps
    # every credit kept with its step and moment, for the Go/No-Go a step may act against (attack44 A9)
    assert {key[1]: c.at - T0 for key, c in hands.credited.items() if key[0] == "RB-CORE-002"} == {
        "scale-out": 1000.0, "raise-the-postgres-connection-pool-above-the": 1100.0}
    assert steps[10] == "done by hand at +16m20s (drill shell, with db_pool_size=350)", steps
    assert path_word(steps[10]) == steps[10]


def test_type_and_name_apart_a_resource_s_long_name_and_a_yaml_patch_are_the_same_call() -> None:
    """attack44 A5b/A17: ``patch hpa/flowengine``, ``patch horizontalpodautoscaler flowengine -p 'spec: {…}'``
    (kubectl reads YAML) and ``scale deploy flowengine --replicas 3`` were still "outside the runbook's steps"; and a
    pod deleted was named "delete on flowengine" (A16), as if the deployment went."""
    from types import SimpleNamespace

    from warroom.incident.drill_report.actions import did

    for scale in (("kubectl", "patch", "hpa/flowengine", "-n", "production", "-p", '{"spec":{"minReplicas":14}}'),
                  ("kubectl", "patch", "horizontalpodautoscaler", "flowengine", "-n", "production", "-p",
                   "spec: {minReplicas: 14}")):
        rows = [ActionRow(T0 + 1000.0, 1000.0, "scale", "FlowEngine replicas added", shlex.join(scale), True)]
        steps = _path("RB-CORE-002-timeout-recovery", [_call(scale, 1000.0)], rows)
        assert steps[9] == "done by hand at +14m40s (drill shell, with replicas=14)", (scale, steps)
    assert spelled(("kubectl", "scale", "deploy", "flowengine", "--replicas", "3", "-n", "production")) == \
        spelled(("kubectl", "scale", "deployment/flowengine", "--replicas=3", "-n", "production"))
    pod = SimpleNamespace(action="delete", detail={"kind": "pod", "name": "flowengine-q2gmk9kjwv-4trj6",
                                                   "deployment": "flowengine"})
    assert did(pod) == "pod flowengine-q2gmk9kjwv-4trj6 deleted (of flowengine)"


def test_work_typed_before_the_declaration_is_said_beside_time_to_mobilise() -> None:
    """attack44 A20: a patch typed in the drill shell 1m30s before declaring (the dashboard's ``d``) got no line beside
    "Time to mobilise: not reached", though the same report credited the step "done by hand at -1m30s". Said, with
    the mark that records the team mobilised as it declared."""
    from types import SimpleNamespace

    from warroom.incident.by_hand import shell_unjournaled

    scale = ("kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p", '{"spec": {"minReplicas": 12 }}')
    declared = datetime.fromtimestamp(T0 + DETECTED + 90.0, UTC)
    state = SimpleNamespace(id="INC-1", declared_at=declared, phases={})
    said = shell_unjournaled(Typed((_call(scale, DETECTED),), DETECTED + 90.0, math.inf), state, None)
    assert said.startswith("Time to mobilise counts what the journal holds"), said
    assert ", at -1m30s drill time, " in said and ", before the declaration (kubectl patch hpa" in said, said
    assert f"mobilised --at {declared:%Y-%m-%dT%H:%M:%S}.000Z` records it (mobilised as it was declared)" in said, said


def test_every_typing_of_a_step_is_an_act_even_when_a_run_holds_the_step() -> None:
    """attack44 A24: FlowEngine brought back by hand 6 s after a NO-GO, then step 30 run later: "one call, one step"
    gave the typed act no credit (the run held the step), so the NO-GO's line said nothing against it. ``Hands.acts``
    finds each typing of the step that acted, whichever step or run holds it."""
    book = _book("RB-CORE-005-security-incident")
    step = next(st for st in book.steps if st.number == 30)
    back = ("kubectl", "scale", "deploy", "flowengine", "--replicas", "3", "-n", "production")
    rows = [ActionRow(T0 + 300.0, 300.0, "flowengine_start", "FlowEngine scaled back up", shlex.join(back), True)]
    windows = {("RB-CORE-005", step.id): [(T0 + 2000.0, T0 + 2001.0, "a1b2")]}       # a run of the step, later
    hands = Hands(Typed((_call(back, 300.0), _call(back, 900.0)), DETECTED, math.inf))
    assert hands.acts(book, step, {"replicas": "3"}, rows, windows) == [T0 + 300.0]   # the second acted no more
    assert hands.taken == set()          # the report's one-call-one-step credit is untouched


def test_a_merge_patch_without_a_list_is_the_same_call_as_the_default_patch() -> None:
    """attack44 A5b: ``kubectl patch hpa/flowengine --type merge -p '{"spec":{"minReplicas":12}}'`` was still "outside
    the runbook's steps": a JSON merge patch differs from kubectl's default strategic one only on lists and ``$patch``
    directives, so without them it is the same request; with a list it is another."""
    runbook = ("kubectl", "patch", "hpa", "flowengine", "-n", "production", "-p", '{"spec":{"minReplicas":12}}')
    for typed in (("--type", "merge"), ("--type=merge",), ("--type=strategic",)):
        assert spelled((*runbook[:4], *typed, *runbook[4:])) == spelled(runbook), typed
    listed = ("-p", '{"spec":{"metrics":[]}}')
    assert spelled((*runbook[:6], "--type=merge", *listed)) != spelled((*runbook[:6], *listed))


def test_a_merge_patch_is_judged_by_its_value_not_its_characters() -> None:
    """attack45 X3: a YAML block list is a list (a merge patch replaces a Deployment's containers where the default
    patch merges them by name: another call), and a ``$`` or ``[`` inside a string value is neither a list nor a
    directive (the same call)."""
    dep = ("kubectl", "patch", "deployment", "flowengine", "-n", "production")
    containers = "spec:\n  template:\n    spec:\n      containers:\n      - name: flowengine\n        image: x\n"
    assert spelled((*dep, "--type=merge", "-p", containers)) != spelled((*dep, "-p", containers))
    for said in ('{"metadata":{"annotations":{"cost":"$5"}}}', '{"metadata":{"annotations":{"note":"[ops] up"}}}',
                 "spec:\n  replicas: 3\n"):
        assert spelled((*dep, "--type=merge", "-p", said)) == spelled((*dep, "-p", said)), said
    assert spelled((*dep, "--type=merge", "-p", '{"$patch":"delete"}')) != spelled((*dep, "-p", '{"$patch":"delete"}'))


def test_a_step_typed_again_under_a_no_go_is_one_row_that_step_s_with_its_value(tmp_path: Path) -> None:
    """redteam46 R12: RB-CORE-005's step 30 run (3 replicas) under a NO-GO, then ``kubectl scale … --replicas=5``
    typed in the drill shell. The decision lines said "Step 30 … was typed by hand … against that NO-GO" (no value)
    and the summary "Done outside the runbook's steps: scaled to 5 replicas": one call told twice, two ways. The
    typing is step 30's (``Hands.typings``): said with its value, on the step's path line, and not outside."""
    from datetime import timedelta

    from tests.unit.incident_fixtures import FixedClock
    from warroom.incident.by_hand import param_values
    from warroom.incident.drill_report.build import _typed_as_steps
    from warroom.incident.drill_report.decisions import decision_lines
    from warroom.incident.store import IncidentStore

    book = _book("RB-CORE-005-security-incident")
    step = next(st for st in book.steps if st.number == 30)
    five = ("kubectl", "scale", "deployment/flowengine", "--replicas=5", "-n", "production")
    row = ActionRow(T0 + 900.0, 900.0, "scale_to", "scaled to 5 replicas on flowengine", shlex.join(five), False)
    windows = {("RB-CORE-005", step.id): [(T0 + 300.0, T0 + 301.0, "a1b2")]}       # the step's run, before
    hands = Hands(Typed((_call(five, 900.0),), DETECTED, math.inf))
    typings = hands.typings(book, step, param_values(book, None), [row], windows)
    assert [(c.at, c.acted, c.chose) for c in typings] == [(T0 + 900.0, [0], "replicas=5")]
    order = [(sec.title, st) for sec in book.sections for st in sec.steps]
    path = {"runbook_path": tuple((sec, st.label, "ok" if st is step else "pending", "FlowEngine scaled back up"
                                   if st is step else "") for sec, st in order),
            "outside": (f"{row.description} ({row.command})",), "outside_actions": (row,)}
    said, _, credited = _typed_as_steps(path, {("RB-CORE-005", step.id): typings}, [book], [row], {})
    assert said["outside"] == () and said["outside_actions"] == ()
    # the PIR's timeline lists it as the step's (it lists what is outside, and the steps credited)
    assert credited == (("RB-CORE-005", 30, step.label, "done by hand at +13m00s (drill shell, with replicas=5)",
                         T0 + 900.0, (row,)),)
    assert said["runbook_path"][[st for _, st in order].index(step)][3] == (
        "FlowEngine scaled back up; scaled to 5 replicas on flowengine (done by hand at +13m00s (drill shell, with "
        "replicas=5))")
    clock = FixedClock()
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="audit quiet", severity="P1",
                                                                runbook=BOOKS / "RB-CORE-005-security-incident.md")
    inc.record_decision({"id": "bring-flowengine-back", "named": True, "runbook_id": "RB-CORE-005",
                         "question": "Bring FlowEngine back (restore its replicas)?", "verdict": "NO-GO", "by": "dana",
                         "why": "not contained"})
    st, at = inc.refresh(), clock.now + timedelta(seconds=10)
    lines = decision_lines(st, [inc.runbook()], lambda t: (t - st.declared_at).total_seconds(), clock.now,
                           {("RB-CORE-005", step.id): [at]}, {("RB-CORE-005", step.id, at): "replicas=5"})
    assert ("Step 30 (Bring FlowEngine back) was typed by hand in the drill shell with replicas=5 at +10s drill time,"
            " against that NO-GO (no GO since).") in lines, lines
