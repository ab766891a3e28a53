"""A shipped rollback goes back to the release before the suspect one, whatever changed since (world-4).

``kubectl rollout undo`` alone returns to the previous *revision*, and every template change makes
one. RB-LAUNCH-005 has the IC route around a provider, switch the breaker on and throttle (three
``set env``, three revisions) before its schema rollback: a bare undo then undid the throttle and
kept v1.2.0 (schema still 20251120_002, failures on). Now every rollback step names its target
(``--to-revision={{ good_revision }}``, read from ``rollout history``), and lint reports a
``rollout undo`` that names none, so no shipped runbook (the library lints clean) can lead an IC
into a rollback that is not one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import START, _first_command, run_one, warm_drill
from warroom.drill import fleet
from warroom.drill.actions import read_actions
from warroom.drill.directory import Drill
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.lint import lint_runbook, undoes_one_revision
from warroom.runbook.model import Runbook
from warroom.runbook.params import resolve_values, substitute
from warroom.runbook.parser import load_runbook

BAD_SCHEMA = "20251120_002"
_ROW = re.compile(r"^(\d+)\s+(.*)$")


def _library() -> list[Runbook]:
    return RunbookLibrary([shipped_runbooks_dir()]).list()


def _run(drill: Drill, command: str, t: float) -> str:
    """Every stand-in command of a step (pipes and loops: their first command), output joined."""
    out = []
    for line in command.replace("\\\n", " ").splitlines():
        for part in re.split(r"\s+(?:&&|\|\||;)\s+", line):
            argv = _first_command(part)
            if argv:
                code, stdout, stderr = run_one(drill, argv, t)
                out.append(stdout + stderr)
    return "".join(out)


def _release_rows(history: str) -> list[tuple[str, str]]:
    """(revision, change cause) of each row of ``kubectl rollout history``."""
    return [(m.group(1), m.group(2).strip()) for line in history.splitlines() if (m := _ROW.match(line.strip()))]


def _work_mass_failure(tmp_path: Path) -> tuple[Drill, dict[str, str], list[str]]:
    """An IC works RB-LAUNCH-005 top to bottom in the mass-failure drill, one minute a step, up to
    the rollback's last confirmation. The revisions are read off ``rollout history`` as the
    runbook says: the newest release is the suspect, the release listed just before it the target."""
    rb = next(r for r in _library() if r.id == "RB-LAUNCH-005")
    drill = warm_drill(tmp_path, "mass-failure", speed=10.0, start=START, name="rollback")
    values: dict[str, str] = {"task_id": "tsk_00000000"}
    outputs: dict[str, str] = {}
    order: list[str] = []
    t = 60.0
    for step in rb.steps:
        if step.kind != "shell" or not step.command:
            continue
        t += 60.0
        command = substitute(step.command, resolve_values(rb.params, step.params, values), declared=list(rb.params))
        outputs[step.id] = _run(drill, command, t)
        order.append(step.id)
        if step.id == "list-recent-deployments":
            rows = _release_rows(outputs[step.id])
            assert len(rows) >= 2, outputs[step.id]
            values["revision"], values["good_revision"] = rows[-1][0], rows[-2][0]
        if step.id == "run-a-test-flow-on-the-pilot-repository":
            break
    return drill, outputs, order


def test_the_mass_failure_rollback_leaves_the_bad_release_after_the_runbooks_own_env_changes(tmp_path: Path) -> None:
    drill, out, order = _work_mass_failure(tmp_path)
    # the trap is laid: the runbook's own set env steps ran before its rollback, each a revision
    env_steps = ["route-around-provider", "enable-circuit-breaker", "throttle-flow-concurrency-for-now-normally-10"]
    assert all(order.index(s) < order.index("rollback-deployment") for s in env_steps), order
    assert all("env updated" in out[s] for s in env_steps), out
    assert json.loads(out["read-the-schema-version-flowengine-serves"])["version"] == BAD_SCHEMA
    # the rollback and its confirmations, as the runbook expects them
    assert "rolled back" in out["rollback-deployment"]
    assert "successfully rolled out" in out["wait-for-the-rollback-to-finish"]
    assert json.loads(out["confirm-the-schema-version-went-back"])["version"] == fleet.SCHEMA_VERSION
    assert "flow succeeded" in out["run-a-test-flow-on-the-pilot-repository"]
    # the estate agrees: the release before the suspect runs, and the drill counts a rollback
    image = run_one(drill, ["kubectl", "get", "deployment", "flowengine", "-n", "production", "-o",
                            "jsonpath={.spec.template.spec.containers[0].image}"], 1400.0)[1]
    assert image.strip() == f"{fleet.IMAGE_REPO}:{fleet.GOOD_VERSION}"
    assert "rollback" in [a.action for a in read_actions(drill.path)]


def test_every_shipped_rollback_names_its_revision() -> None:
    undo = [(rb.id, s.number) for rb in _library() for s in rb.steps
            if s.command and "rollout undo" in s.command]
    assert len(undo) >= 5, undo       # RB-LAUNCH-005, RB-DEPLOY-001, RB-CORE-001, RB-AGENT-001/002
    named = [(rb.id, s.number) for rb in _library() for s in rb.steps
             if s.command and "rollout undo" in s.command and not undoes_one_revision(s.command, s.kind)]
    assert named == undo


@pytest.mark.parametrize(("command", "kind", "flagged"), [
    ("kubectl rollout undo deployment/x -n prod", "shell", True),
    ("kubectl -n prod rollout undo deploy/x && kubectl rollout status deploy/x", "shell", True),
    ("/usr/local/bin/kubectl rollout undo deploy/x", "shell", True),
    ("kubectl rollout undo deployment/x -n prod --to-revision=6", "shell", False),
    ("kubectl rollout undo deployment/x --to-revision 6", "shell", False),
    ('kubectl rollout undo deployment/x --to-revision="$GOOD_REVISION"', "shell", False),
    ("kubectl rollout history deployment/x", "shell", False),
    ("echo kubectl rollout undo deployment/x", "shell", False),
    ("rollout undo deployment/x", "k8s", True),
    ("rollout undo deployment/x to-revision=6 namespace=prod", "k8s", False),
])
def test_undo_without_a_target_is_told_apart(command: str, kind: str, flagged: bool) -> None:
    assert undoes_one_revision(command, kind) is flagged


def test_lint_reports_a_rollback_that_names_no_revision(tmp_path: Path) -> None:
    path = tmp_path / "rb.md"
    path.write_text('---\nid: RB-T-1\ntitle: t\nseverity: P2\n---\n# T\n\n## Mitigation\n\n'
                    "```bash\n# Roll back\nkubectl rollout undo deployment/x -n prod\n```\n\n"
                    "```bash\n# Roll back by name\nkubectl rollout undo deployment/x -n prod --to-revision=6\n```\n\n"
                    "```warroom\nrollout undo deployment/x\n```\n")
    found = [f for f in lint_runbook(load_runbook(path)) if "without --to-revision" in f.message]
    assert [(f.level, f.line) for f in found] == [("warning", 12), ("warning", 21)], [str(f) for f in found]
    assert "step 1 (Roll back)" in found[0].message


def test_undo_to_the_current_revision_is_skipped_as_kubectl_does(tmp_path: Path) -> None:
    """rollback-1: ``rollout undo --to-revision=N`` where N is the running revision is no error: kubectl
    answers "skipped rollback (current template already matches revision N)", exit 0, and changes
    nothing. The stand-in said "unable to find specified revision N in history" (exit 1), so an IC who
    ran the runbook's rollback twice, or named the revision it had become, was told it did not exist."""
    drill = warm_drill(tmp_path, "mass-failure", speed=10.0, start=START, name="skip")
    dep = f"deployment/{fleet.DEPLOYMENT}"

    def kubectl(t: float, *args: str) -> tuple[int, str, str]:
        return run_one(drill, ["kubectl", *args, "-n", fleet.NAMESPACE], t)

    rows = _release_rows(kubectl(60.0, "rollout", "history", dep)[1])
    current, good = rows[-1][0], rows[-2][0]
    skipped = f"deployment.apps/{fleet.DEPLOYMENT} skipped rollback (current template already matches revision"
    assert kubectl(70.0, "rollout", "undo", dep, f"--to-revision={current}") == (0, f"{skipped} {current})\n", "")
    assert not [a for a in read_actions(drill.path) if a.action == "rollout_undo"]
    assert _release_rows(kubectl(80.0, "rollout", "history", dep)[1]) == rows
    assert kubectl(90.0, "rollout", "undo", dep, f"--to-revision={good}") == (
        0, f"deployment.apps/{fleet.DEPLOYMENT} rolled back\n", "")
    after = _release_rows(kubectl(100.0, "rollout", "history", dep)[1])
    assert good not in [r for r, _ in after]                 # the release came back as a new revision
    again = after[-1][0]
    assert kubectl(110.0, "rollout", "undo", dep, f"--to-revision={again}") == (0, f"{skipped} {again})\n", "")
    assert len([a for a in read_actions(drill.path) if a.action == "rollout_undo"]) == 1
    code, _, err = kubectl(120.0, "rollout", "undo", dep, "--to-revision=99")
    assert (code, err.strip()) == (1, "error: unable to find specified revision 99 in history")


@pytest.mark.parametrize("wrong", [False, True])
def test_the_schema_confirmation_fails_after_a_rollback_to_the_wrong_revision(tmp_path: Path, wrong: bool) -> None:
    """rollback-3: "Confirm the schema version went back" was prose, so after `rollout undo
    --to-revision=<the suspect's own number>` (kubectl answers "rolled back", and the bad release runs
    again without the env set since) the step ran ok, unchecked, while FlowEngine still wrote the
    suspect's schema. It now requires the good_schema parameter in what FlowEngine serves: the
    step, run as the dashboard runs it (a shell, the drill's stand-ins on PATH), fails and its
    expectation is not met after the wrong rollback, and passes after the right one."""
    import os
    import subprocess

    from warroom.execute.expectation import check_text

    rb = next(r for r in _library() if r.id == "RB-LAUNCH-005")
    step = next(s for s in rb.steps if s.label == "Confirm the schema version went back")
    drill = warm_drill(tmp_path, "mass-failure", speed=10.0, start=START, name="wrong" if wrong else "right")
    dep, ns = f"deployment/{fleet.DEPLOYMENT}", ["-n", fleet.NAMESPACE]
    rows = _release_rows(run_one(drill, ["kubectl", "rollout", "history", dep, *ns], 60.0)[1])
    suspect, good = rows[-1][0], rows[-2][0]
    assert run_one(drill, ["kubectl", "set", "env", dep, "MAX_CONCURRENT_FLOWS=5", *ns], 90.0)[0] == 0
    code, out, _ = run_one(drill, ["kubectl", "rollout", "undo", dep, *ns, f"--to-revision={suspect if wrong else good}"],
                           120.0)
    assert (code, out.strip()) == (0, f"deployment.apps/{fleet.DEPLOYMENT} rolled back")   # kubectl says so either way
    command = substitute(step.command or "", resolve_values(rb.params, step.params, {}), declared=list(rb.params))
    env = {**os.environ, **drill.env(), "WARROOM_DRILL_AT": str(drill.wall_time(300.0))}   # rolled out by then
    ran = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60)
    verdict = check_text(step.check, step.expect, ran.stdout)
    assert verdict is not None
    assert (BAD_SCHEMA in run_one(drill, ["kubectl", "exec", dep, *ns, "--", "curl", "-s",
                                          "http://localhost:8080/api/schemas/version"], 300.0)[1]) is wrong
    if wrong:
        assert ran.returncode != 0 and verdict.state == "unmet", (ran, verdict)
    else:
        assert ran.returncode == 0 and verdict.state == "met" and "20251104_001" in ran.stdout, (ran, verdict)


@pytest.mark.parametrize("wrong", [False, True])
def test_the_deploy_rollbacks_image_check_fails_after_a_rollback_to_the_wrong_revision(tmp_path: Path,
                                                                                      wrong: bool) -> None:
    """words-1, RB-DEPLOY-001 as rollback-3: "Read the image again" expected prose ("the previous
    release's image"), so a rollback to the suspect's own revision read ok. Its triage step now keeps
    the image it read (SUSPECT_IMAGE, passed on to later steps as an incident passes a step's
    variables) and the check fails while that image runs again; no release is baked in."""
    import os
    import subprocess

    from warroom.execute.expectation import check_text

    rb = next(r for r in _library() if r.id == "RB-DEPLOY-001")
    read, again = (next(s for s in rb.steps if s.label == label) for label in
                   ("Read the image the deployment runs now", "Read the image again"))
    drill = warm_drill(tmp_path, "mass-failure", speed=10.0, start=START, name="wrong" if wrong else "right")
    dep, ns = f"deployment/{fleet.DEPLOYMENT}", ["-n", fleet.NAMESPACE]

    def bash(step: Any, t: float, after: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        command = substitute(step.command or "", resolve_values(rb.params, step.params, {}), declared=list(rb.params))
        pinned = {**os.environ, **drill.env(), "WARROOM_DRILL_AT": str(drill.wall_time(t)), **env}
        return subprocess.run(["bash", "-c", command + after], env=pinned, capture_output=True, text=True, timeout=60)

    kept = bash(read, 60.0, '\necho "kept=${SUSPECT_IMAGE-}"').stdout.splitlines()[-1].removeprefix("kept=")
    assert kept.endswith(":v1.2.0")                                        # the suspect release, read at triage
    rows = _release_rows(run_one(drill, ["kubectl", "rollout", "history", dep, *ns], 70.0)[1])
    assert run_one(drill, ["kubectl", "set", "env", dep, "MAX_CONCURRENT_FLOWS=5", *ns], 90.0)[0] == 0
    target = rows[-1][0] if wrong else rows[-2][0]
    assert run_one(drill, ["kubectl", "rollout", "undo", dep, *ns, f"--to-revision={target}"], 120.0)[0] == 0
    ran = bash(again, 300.0, SUSPECT_IMAGE=kept)
    verdict = check_text(again.check, again.expect, ran.stdout)
    assert verdict is not None
    if wrong:
        assert ran.returncode != 0 and verdict.state == "unmet", (ran, verdict)
    else:
        assert ran.returncode == 0 and verdict.state == "met" and ":v1.1.0" in ran.stdout, (ran, verdict)
