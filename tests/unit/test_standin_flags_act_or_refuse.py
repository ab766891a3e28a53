"""Stand-ins' issue 13 item 5 sweep: a flag a stand-in accepts changes its answer or is refused, never
accepted and ignored. kubectl parsed every verb's options from one table, so `get -w`, `logs -p`,
`scale --current-replicas`, `exec -c`, `--context` and twenty more were taken and did nothing; each verb now
names the options its answer reads (kubectl.ACTS) and refuses the rest, and the ones it reads act."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill
from warroom.drill.standins.kubectl import ACTS, FLAGS, INERT, VERBS

T = 900.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return create_drill(Path(tmp_path_factory.mktemp("d")), "mass-failure", speed=10.0, start=START)


def test_every_option_a_verb_reads_is_one_kubectl_parses() -> None:
    keys = {key for key, _ in FLAGS.values()}
    assert set().union(*ACTS.values(), *INERT.values()) <= keys and set(ACTS) == set(VERBS.values()) - {"not_simulated"}


def test_every_option_a_verb_does_not_read_is_refused(drill) -> None:  # type: ignore[no-untyped-def]
    names = {key: name for name, (key, kind) in FLAGS.items() if name.startswith("--")}
    kinds = {key: kind for key, kind in FLAGS.values()}
    for verb, method in VERBS.items():
        for key in sorted(names.keys() - ACTS.get(method, names.keys()) - INERT.get(method, set()) - {"namespace"}):
            flag = names[key] + ("=x" if kinds[key] else "")
            word = "secret" if verb == "create" else "pods"     # (`create pods`: not simulated, before its options)
            code, out, err = run_one(drill, ["kubectl", verb, word, flag], T)
            assert (code, out) == (1, "") and f"`kubectl {verb}` does not simulate {names[key]} " in err, (verb, err)


@pytest.mark.parametrize(("line", "said"), [
    ("kubectl logs deployment/flowengine -n production --tail=1 -c other",
     "error: container other is not valid for pod flowengine-"),
    ("kubectl exec deployment/flowengine -n production -c other -- date",
     'error: unable to upgrade connection: container not found ("other")'),
    ("kubectl scale deployment/flowengine -n production --replicas=6 --current-replicas=3",
     "error: Expected replicas to be 3, was 5"),
    ("kubectl set resources deployment/flowengine -n production", "`kubectl set resources` is not simulated"),
    ("kubectl patch deployment flowengine -n production --type json -p []", "`kubectl patch --type json` is not"),
])
def test_an_option_read_acts(drill, line: str, said: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, line.split(), T)
    assert code == 1 and said in err, (code, out, err)


def test_timestamps_put_kubelets_stamp_before_each_line(drill) -> None:  # type: ignore[no-untyped-def]
    plain = run_one(drill, "kubectl logs deployment/flowengine -n production --tail=3".split(), T)[1].splitlines()
    stamped = run_one(drill, "kubectl logs deployment/flowengine -n production --tail=3 --timestamps -c flowengine"
                      .split(), T)[1].splitlines()
    assert len(plain) == len(stamped) == 3
    for a, b in zip(plain, stamped, strict=True):
        stamp, rest = b.split(" ", 1)
        assert rest == a and stamp.endswith("000000Z") and stamp[:23] == a[:23]


def test_blocks_options_act_or_are_refused(drill) -> None:  # type: ignore[no-untyped-def]
    """blocks: flow retry --dry-run retried and recorded the run; metrics query --repo, status update
    --component were ignored; test-flow --verbose/--config/--output and status flows --last did nothing."""
    from warroom.drill.actions import read_actions

    task = run_one(drill, ["psql", "-At", "-c", "SELECT task_id FROM tasks WHERE status = 'failed' LIMIT 1"], T)[1]
    before = len(read_actions(drill.path))
    code, out, _ = run_one(drill, ["blocks", "flow", "retry", task.strip(), "--dry-run"], T)
    assert code == 0 and out.startswith("Would retry ") and "dry run: not retried" in out
    assert len(read_actions(drill.path)) == before
    one = run_one(drill, "blocks metrics query --metric flow_executions_total --repo risk-engine".split(), T)[1]
    assert one.splitlines()[0].startswith("risk-engine: ") and one.count(" executions\n") == 1
    assert run_one(drill, "blocks metrics query --metric flow_executions_total --repo nope".split(), T)[0] == 1
    assert run_one(drill, "blocks status update --status degraded --message m --component api".split(), T)[1] \
        == "✓ status page updated: degraded (api)\n"
    assert read_actions(drill.path)[-1].detail["component"] == "api"
    for line in ("blocks test-flow --verbose", "blocks test-flow --config c.json", "blocks status flows --last 1h"):
        code, _, err = run_one(drill, line.split(), T)
        assert code == 2 and "Error: No such option: --" in err, (line, err)


@pytest.mark.parametrize("what", ["deploy/flowengine hpa/flowengine", "pods a b"])
def test_a_get_of_several_types_or_names_is_refused_not_cut_short(drill, what: str) -> None:  # type: ignore[no-untyped-def]
    """redteam30-5: `get deploy/flowengine hpa/flowengine` printed the deployment and dropped the rest in silence.
    (`get deploy,hpa` and `get all` are answered since 8c28330: test_kubectl_get_many.)"""
    code, out, err = run_one(drill, ["kubectl", "get", *what.split(), "-n", "production"], T)
    assert (code, out) == (1, "") and "the drill answers one resource type (and name) per command" in err, err
