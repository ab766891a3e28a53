"""attack50 A8: a real fix typed in an ordinary spelling is its step, credited by the operation the stand-in took.

The world took each of these exactly as the step's own command (the provider out of routing, FlowEngine back, the
release before the suspect one), yet the words differed and the step was "not done": ``DISABLE_PROVIDERS=Anthropic``
or ``' anthropic'`` (FlowEngine reads names in any case, spaces ignored), no ``-n`` (the drill's namespace is
production), ``deployment flowengine`` (TYPE NAME after ``set env``/``rollout undo``), ``-e K=V``,
``--current-replicas`` (a precondition the call met), a plain ``rollout undo`` (rev 7 → 6: ``--to-revision=6``).
``by_hand.spelled`` reads a call as the stand-in reads it, and a plain undo by the revision it went to; the harmful
look-alikes stay refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import typed_drill_incident
from tests.unit.standins_corpus import typed_in_shell
from warroom.incident.by_hand import spelled, typed_steps

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
OUT = ("kubectl", "set", "env", "deployment/flowengine", "DISABLE_PROVIDERS=anthropic", "-n", "production")
BACK = ("kubectl", "scale", "deployment/flowengine", "--replicas=5", "-n", "production")
ON = ("kubectl", "set", "env", "deployment/flowengine", "ENABLE_CIRCUIT_BREAKER=true", "CIRCUIT_BREAKER_THRESHOLD=85",
      "-n", "production")


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


@pytest.mark.parametrize("typed, step", [
    ("kubectl set env deployment/flowengine DISABLE_PROVIDERS=Anthropic -n production", OUT),
    ("kubectl set env deployment/flowengine DISABLE_PROVIDERS=' anthropic' -n production", OUT),
    ("kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic", OUT),
    ("kubectl set env deployment flowengine DISABLE_PROVIDERS=anthropic -n production", OUT),
    ("kubectl set env deployment/flowengine -e DISABLE_PROVIDERS=anthropic -n production", OUT),
    ("kubectl set env deployment/flowengine --env=DISABLE_PROVIDERS=anthropic --namespace production", OUT),
    ("kubectl scale deployment/flowengine --replicas=5", BACK),
    ("kubectl scale deployment/flowengine --replicas=5 --current-replicas=0 -n production", BACK),
    ("kubectl rollout undo deployment flowengine --to-revision=6 -n production",
     ("kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production", "--to-revision=6")),
    # redteam51 R7: the assignments in any order, a switch as FlowEngine reads it
    ("kubectl set env deployment/flowengine CIRCUIT_BREAKER_THRESHOLD=85 ENABLE_CIRCUIT_BREAKER=1 -n production", ON),
    ("kubectl set env deployment/flowengine -e CIRCUIT_BREAKER_THRESHOLD=85 ENABLE_CIRCUIT_BREAKER=True", ON),
])
def test_a_spelling_the_stand_in_reads_alike_is_the_step_s_command(typed: str, step: tuple[str, ...]) -> None:
    import shlex

    assert spelled(tuple(shlex.split(typed))) == spelled(step)


@pytest.mark.parametrize("typed", [
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=openai -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic,openai -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic DISABLE_PROVIDERS=openai -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -e DISABLE_PROVIDERS=openai -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic MAX_CONCURRENT_FLOWS=0 -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -e PII_REDACTION_ENABLED=false",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic FALLBACK_MODEL=nope -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -n monitoring",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic --context=staging -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic --kubeconfig=k -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic --cluster=c -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic --dry-run=server -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic --dry-run=client -n production",
    "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -A",
    "kubectl set env deployment audit-shipper DISABLE_PROVIDERS=anthropic -n production",
    "kubectl set env deployment -l app=flowengine DISABLE_PROVIDERS=anthropic -n production",
    "kubectl set env deployment --all DISABLE_PROVIDERS=anthropic -n production",
])
def test_a_harmful_look_alike_is_another_command(typed: str) -> None:
    import shlex

    assert spelled(tuple(shlex.split(typed))) != spelled(OUT)


@pytest.mark.parametrize("typed", [
    "kubectl scale deployment/flowengine --replicas=5 --replicas=0 -n production",
    "kubectl scale deployment flowengine audit-shipper --replicas=5 -n production",
    "kubectl scale deployment --all --replicas=5 -n production",
    "kubectl scale deployment -l app=flowengine --replicas=5 -n production",
    "kubectl scale deployment/flowengine --replicas=5 -n monitoring",
])
def test_a_scale_look_alike_is_another_command(typed: str) -> None:
    import shlex

    assert spelled(tuple(shlex.split(typed))) != spelled(BACK)


def test_a_plain_undo_is_the_rollback_to_the_revision_it_went_to(tmp_path: Path) -> None:
    """Rev 7 (the suspect v1.2.0) → 6, as RB-LAUNCH-005's "Roll FlowEngine back" with ``good_revision=6``; the plain
    undo typed again (back onto v1.2.0: ``rollback_off``) is no rollback again."""
    d, clock, inc = typed_drill_incident(tmp_path, "mass-failure", RUNBOOKS / "RB-LAUNCH-005-mass-failure.md",
                                         title="Flows failing")
    book = inc.runbook()
    undo = ["kubectl", "rollout", "undo", "deployment/flowengine", "-n", "production"]
    assert typed_in_shell(d, undo, 150.0) == 0
    assert typed_in_shell(d, undo, 300.0) == 0             # back onto v1.2.0
    clock.t = d.wall_time(350.0)
    credit = typed_steps(d, inc.state, [book], clock())[(book.id, book.step(28).id)]
    assert credit.state.startswith("typed by hand at +50s (drill shell, with good_revision=6), not verified"), credit
    assert credit.again == (), credit


def test_what_a_typed_change_meant_is_read_as_its_stand_in_recorded_it(tmp_path: Path) -> None:
    """fix50c's leftover: ``by_hand`` read a kubectl call's operation a second way beside the stand-in's own parsing.
    ``kubectl.operation`` is the stand-in's reading (``Kubectl.record`` records through it), pure, so a call's meaning
    and its record are one: for each change typed here, what it recorded is what ``operation`` reads off its words."""
    import shlex

    from tests.unit.standins_corpus import START, warm_drill
    from warroom.drill.standins.kubectl import operation

    d = warm_drill(tmp_path / "drills", "timeout", speed=60.0, start=START)
    typed = ["kubectl set env deployment flowengine -e MAX_CONCURRENT_FLOWS=5 FOO- --namespace production",
             "kubectl patch hpa flowengine --type merge -p 'spec: {minReplicas: 8}'",
             "kubectl -n production scale deploy flowengine --replicas 07",
             "kubectl patch deployment flowengine -p '{\"spec\":{\"replicas\":4}}'",
             "kubectl set image deployment flowengine '*=registry.internal/flowengine:v1.1.0'",
             "kubectl rollout undo deployment/flowengine",
             "kubectl rollout restart deploy flowengine"]
    for n, line in enumerate(typed):
        before = len(d.actions())
        assert typed_in_shell(d, shlex.split(line), 150.0 + 20 * n) == 0, line
        [op] = [(a.action, dict(a.detail)) for a in d.actions()[before:] if "via" not in a.detail]
        asked = operation(shlex.split(line)[1:])
        assert asked is not None and (asked[0], {**asked[1], "restarted_at": ""}) == (
            op[0], {**op[1], "restarted_at": ""}), (line, op, asked)
    assert operation(["set", "env", "deployment/flowengine", "--list"]) is None        # a read
    assert operation(["scale", "deployment/flowengine", "--replicas=0", "--dry-run=server"]) is None


BREAKER = "kubectl set env deployment/flowengine {} -n production"


@pytest.mark.parametrize(("env", "credited"), [
    ("ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85", True),      # the step's own words
    ("CIRCUIT_BREAKER_THRESHOLD=85 ENABLE_CIRCUIT_BREAKER=true", True),      # the pairs swapped
    ("ENABLE_CIRCUIT_BREAKER=true", True),                                   # the threshold left at FlowEngine's 85
    ("ENABLE_CIRCUIT_BREAKER=false CIRCUIT_BREAKER_THRESHOLD=85", False),
    ("ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=99", False),
    ("ENABLE_CIRCUIT_BREAKER=true ENABLE_CIRCUIT_BREAKER=false CIRCUIT_BREAKER_THRESHOLD=85", False),
    ("FALLBACK_MODEL=gpt-4-turbo ENABLE_CIRCUIT_BREAKER=false", False),
], ids=["words", "swapped", "default", "off", "99", "last-wins-off", "route-off"])
def test_the_breaker_typed_in_any_order_or_with_flowengine_s_default_is_its_step(
        tmp_path: Path, env: str, credited: bool) -> None:
    """redteam51 R7: the breaker typed with its env pairs swapped, or with the threshold left at the 85 FlowEngine reads
    when none is set, is RB-CORE-003's step 6 (the world arms it exactly as the step's command does); matched by the
    env the call leaves (``spelled``'s one order; ``Meaning.kept``: an assignment left out that the env already reads
    so), not by word order. Turned off, another threshold, or the switch left out stays another command."""
    import shlex

    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOKS / "RB-CORE-003-rate-limit-exhaustion.md",
                                         title="Quota", severity="P3")
    book = inc.runbook()
    step = next(st for sec in book.sections for st in sec.steps if "CIRCUIT_BREAKER_THRESHOLD" in str(st.command))
    assert typed_in_shell(d, shlex.split(BREAKER.format(env)), 150.0) == 0
    clock.t = d.wall_time(200.0)
    credit = typed_steps(d, inc.state, [book], clock()).get((book.id, step.id))
    assert (credit is not None) == credited, credit
