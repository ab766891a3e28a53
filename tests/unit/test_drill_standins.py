"""Drill stand-ins run as real executables: they answer like the tools and bend the curves.

Every command here goes through the generated ``<drill>/bin`` wrappers with ``Drill.env`` (as the
step runner will), with a PATH that does not contain the venv, so the tests also prove the
wrappers find the interpreter and the package on their own. ``WARROOM_DRILL_AT`` pins each
command to a chosen drill moment, so nothing depends on how fast the machine is. Where a test asks
one tool many answers (the unknown subcommands, a run of test flows, the breaker's status over a
minute) those are asked in-process (``run_one``: what the process prints and the code it exits
with), each a stand-in interpreter less (~0.25 s CPU); the commands that change the world, and
the rest, still run as processes through the wrappers.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

from tests.unit.standins_corpus import START, refused_retry, run_one, warm_drill, warm_simulator
from warroom.config import default_slos
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.actions import read_actions
from warroom.drill.cluster import build_cluster
from warroom.drill.model import Signals
from warroom.drill.simulator import Simulator
from warroom.drill.directory import STANDINS, Drill

CRIT = {s.id: s.crit for s in default_slos()}
SPEED = 10.0


def make(state_dir: Path, scenario: str) -> Drill:
    """A drill begun at a fixed instant: the world's draws (a test flow's task id is a hash of the instant it runs
    at) are then the same in every run, never a matter of when the suite ran. Warm (``warmed``: nothing here patches
    the world), so its first stand-in process does not integrate the two hours of history again."""
    return warm_drill(state_dir, scenario, speed=SPEED, start=START)


def sh(d: Drill, command: str, at_t: float, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in bash the way a drill step runs, as of scenario second ``at_t``."""
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")}
    env.update(d.env(base_path="/usr/local/bin:/usr/bin:/bin"))
    env["WARROOM_DRILL_NO_DELAY"] = "1"
    env["WARROOM_DRILL_AT"] = repr(d.wall_time(at_t))
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=d.path)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def untouched(d: Drill) -> Simulator:
    return warm_simulator(d.scenario.name, lambda: [], d.wall_time)


def test_wrappers_and_env(state_dir: Path) -> None:
    d = make(state_dir, "rate-limit")
    env = d.env(base_path="/usr/bin:/bin")
    assert env["PATH"] == f"{d.path / 'bin'}:/usr/bin:/bin"
    assert env["WARROOM_DRILL_DIR"] == str(d.path)
    assert Path(env["KUBECONFIG"]).read_text().count("drill-cluster.invalid") == 1
    for tool in STANDINS:
        wrapper = d.path / "bin" / tool
        assert os.access(wrapper, os.X_OK), tool
    done = sh(d, "command -v kubectl psql aws curl blocks", 60)
    assert done.stdout.split() == [str(d.path / "bin" / t) for t in STANDINS]


def test_outside_a_drill_the_standin_says_so(state_dir: Path) -> None:
    d = make(state_dir, "rate-limit")
    script = Path(__file__).resolve().parents[2] / "warroom" / "drill" / "bin" / "kubectl"
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([str(d.path / "bin" / "kubectl"), "version"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0          # the wrapper knows its own drill
    import sys

    bare = subprocess.run([sys.executable, str(script), "get", "pods"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert bare.returncode == 127 and "only answers inside a drill" in bare.stderr


def test_unknown_subcommands_fail_like_the_real_tools(state_dir: Path) -> None:
    d = make(state_dir, "rate-limit")
    cases = [
        ("kubectl frobnicate", 1, 'error: unknown command "frobnicate" for "kubectl"'),
        ("kubectl get widgets", 1, 'error: the server doesn\'t have a resource type "widgets"'),
        ("kubectl get pods --bogus", 1, "error: unknown flag: --bogus"),
        ("kubectl get deploy nope -n production", 1, 'Error from server (NotFound): deployments.apps "nope" not found'),
        ("aws frobnicate list", 252, "aws: error: argument command: Invalid choice"),
        ("aws logs frobnicate", 252, "argument operation: Invalid choice"),
        ("blocks frobnicate", 2, "Error: No such command 'frobnicate'."),
        ("blocks flow frobnicate", 2, "Usage: blocks flow [OPTIONS] COMMAND [ARGS]..."),
        ("psql --bogus", 1, "psql: error: unrecognized option '--bogus'"),
        ("psql -c 'SELECT nope FROM tasks'", 1, 'ERROR:  column "nope" does not exist'),
        ("curl --bogus https://api.anthropic.com", 2, "curl: option --bogus: is unknown"),
        ("curl -sS https://example.invalid/", 6, "curl: (6) Could not resolve host: example.invalid"),
        ("curl -sS http://localhost:8080/health", 7, "Failed to connect to localhost port 8080"),
    ]
    # asked of the stand-ins in-process (``run_one``: the tool's answer a process prints and exits with), not a bash
    # and a stand-in interpreter each (~0.25 s CPU a case): what is tested is what each tool says and its exit code;
    # the drill's PATH reaching the stand-ins is test_wrappers_and_env's, a process's own answer is
    # test_outside_a_drill_the_standin_says_so's and the other tests' here
    for command, code, message in cases:
        got, out, err = run_one(d, shlex.split(command), 120)
        assert got == code, (command, out, err)
        assert message in err, (command, err)


def test_rate_limit_circuit_breaker_via_kubectl_bends_the_quota(state_dir: Path) -> None:
    d = make(state_dir, "rate-limit")
    before = sh(d, "blocks circuit-breaker status", 150)
    assert "DISABLED" in before.stdout
    done = sh(d, "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true "
                 "CIRCUIT_BREAKER_THRESHOLD=85 -n production", 150)
    assert done.returncode == 0 and done.stdout.strip() == "deployment.apps/flowengine env updated"
    kinds = [a.action for a in read_actions(d.path)]
    assert kinds == ["set_env", "circuit_breaker"]
    sim = d.simulator
    base = untouched(d)
    assert sim.pane("quota", 140.0) == base.pane("quota", 140.0)
    assert base.pane("quota", 800.0) > 95
    # a slower burn from its trip (armed a rollout later, quota over 85%: redteam-10); nothing given back
    assert 80 < sim.pane("quota", 800.0) < base.pane("quota", 800.0) - 3
    assert "successfully rolled out" in sh(d, "kubectl rollout status deployment/flowengine -n production "
                                              "--timeout=120s", 160).stdout
    assert "HALF_OPEN (monitoring quota)" in sh(d, "blocks circuit-breaker status", 300).stdout
    logs = sh(d, "kubectl logs deployment/flowengine -n production --since=5m | grep CircuitBreaker", 320)
    assert "CircuitBreaker: HALF_OPEN (monitoring quota)" in logs.stdout
    # a retry of a rate-limited task is a flow run again, its refused calls held, not sent again: it fails as often
    # as a new flow; and the flows keep failing at the throttle's share (redteam49 F8: the breaker made every call
    # succeed), until their calls go elsewhere
    task = rate_limited_task(d, 330)
    retry = sh(d, f"blocks flow retry {task}", 330)
    assert (retry.returncode == 0 and "succeeded" in retry.stdout) or "held by the circuit breaker" in retry.stderr
    repo = fleet.REPOS[1]
    assert 0.1 < sim.signals.fails(repo, 900.0)[0] <= Signals(d.scenario, ()).fails(repo, 900.0)[0] * 1.01


def rate_limited_task(d: Drill, t: float) -> str:
    series = d.simulator.refresh()
    flows = Activity(series, build_cluster(d.scenario, d.actions(), t)).flows(t - 3600, t, t)
    return next(f.task_id for f in reversed(flows) if f.status == "failed" and "rate limit" in (f.error or ""))


def test_retry_before_the_breaker_fails_with_a_429(state_dir: Path) -> None:
    d = make(state_dir, "rate-limit")
    task, t = refused_retry(d, 420)          # one whose call the world refuses (a quarter of them: route-6)
    done = sh(d, f"blocks flow retry {task} --max-attempts 1", t)
    assert done.returncode == 1 and "429" in done.stderr
    rows = sh(d, "psql -At -c \"SELECT status FROM tasks WHERE task_id = '" + task + "'\"", t + 10)
    assert rows.stdout.strip() == "failed"


def test_provider_outage_fallback_routing_ends_the_failures_and_disabling_the_provider_the_5xx(state_dir: Path) -> None:
    """``FALLBACK_ON_5XX`` retries a 5xx on the fallback: flows stop failing, but every call still tries the
    failed vendor first and gets its 5xx, so the 5xx rate stays up (it fell to 0.7% while ``/health/models``
    said the vendor answered 32% of calls 5xx: routing bent the vendor's own answers, W25-2). Taking the
    vendor out of routing (``DISABLE_PROVIDERS``) ends the 5xx: no call goes to it."""
    d = make(state_dir, "provider-outage")
    assert "major" in sh(d, "curl -s https://status.anthropic.com/api/v2/status.json", 200).stdout
    health = json.loads(sh(d, "kubectl exec -n production deployment/flowengine -- "
                              "curl -s http://localhost:8080/health/models", 200).stdout)
    assert health["providers"]["anthropic"]["status"] == "degraded"    # 40% failing in under a minute (RB-CORE-004; redteam37 F13)
    # a third of its calls are 5xx; the ten test flows asked in-process (``run_one``: the answer and exit code a
    # stand-in process gives, each process ~0.3 s CPU), the commands around them as processes
    tried = [run_one(d, ["blocks", "test-flow", "--model", "auto"], 200 + i) for i in range(10)]
    failed = [err for code, _, err in tried if code == 1]
    assert failed and all("503" in err or "5xx" in err for err in failed), [err for _, _, err in tried]
    done = sh(d, "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo FALLBACK_ON_5XX=true "
                 "-n production", 210)
    assert done.returncode == 0
    bare = untouched(d)
    assert d.simulator.pane("error_5xx", 700.0) >= CRIT["error_5xx"] <= bare.pane("error_5xx", 700.0)
    anthropic = next(p for p in fleet.PROVIDERS if p.name == "anthropic")
    assert d.simulator.signals.share_5xx(anthropic, 700.0) == bare.signals.share_5xx(anthropic, 700.0) > 0.3
    fails = [sum(s for s, _ in sim.signals.fail_causes(fleet.REPOS[0], 700.0)[1:-1]) for sim in (d.simulator, bare)]
    assert fails[0] < 0.1 * fails[1], fails
    ok = sh(d, "blocks test-flow --model auto", 300)       # one call: moved only if the primary answered it 5xx
    assert ok.returncode == 0 and ("gpt-4-turbo via fallback routing" in ok.stdout or "on claude-sonnet-4-5;" in ok.stdout)
    routed = sh(d, "kubectl logs deployment/flowengine -n production --tail=50 | grep 'Model routing'", 400)
    assert "Using fallback model: gpt-4-turbo" in routed.stdout
    assert sh(d, "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -n production", 410).returncode == 0
    assert d.simulator.pane("error_5xx", 1000.0) < 2.0 <= bare.pane("error_5xx", 1000.0)      # the runbook's gate


def test_timeout_context_pruning_brings_p95_down(state_dir: Path) -> None:
    d = make(state_dir, "timeout")
    sizes = sh(d, "aws logs filter-log-events --log-group-name /aws/lambda/flowengine "
                  "--filter-pattern context_size_kb --start-time \"$(( ${WARROOM_DRILL_AT%.*} - 3600 ))000\" "
                  "| jq -r '.events[].message' | grep -oP 'context_size_kb=\\K\\d+' | sort -n | tail -1", 240)
    assert int(sizes.stdout.strip()) > 500
    assert sh(d, "kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=180 "
                 "-n production", 250).returncode == 0
    assert d.simulator.pane("p95_latency", 1200.0) < CRIT["p95_latency"] <= untouched(d).pane("p95_latency", 1200.0)
    latency = sh(d, "blocks metrics latency --last-15min", 1500)
    p95 = next(line for line in latency.stdout.splitlines() if line.startswith("P95"))
    assert int(p95.split()[1].rstrip("s")) < 120


def test_mass_failure_rollback_ends_the_5xx_burst(state_dir: Path) -> None:
    d = make(state_dir, "mass-failure")
    per_repo = sh(d, "blocks metrics query --metric flow_failures_total --last 1h --group-by repo --sort desc", 300)
    lines = per_repo.stdout.splitlines()
    assert lines[0].startswith("financial-reporting: ") and "compliance-service: 0 failures" in per_repo.stdout
    history = sh(d, "kubectl rollout history deployment/flowengine -n production", 300).stdout
    assert "v1.2.0" in history.splitlines()[-2]
    version = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/api/schemas/version"
    assert json.loads(sh(d, version, 300).stdout)["version"] == "20251120_002"
    done = sh(d, "kubectl rollout undo deployment/flowengine -n production", 310)
    assert done.stdout.strip() == "deployment.apps/flowengine rolled back"
    assert "rollback" in [a.action for a in read_actions(d.path)]
    assert d.simulator.pane("error_5xx", 700.0) < 1.0 and untouched(d).pane("error_5xx", 700.0) > CRIT["error_5xx"]
    status = sh(d, "kubectl rollout status deployment/flowengine -n production --timeout=120s", 320)
    assert status.stdout.strip().endswith('deployment "flowengine" successfully rolled out')
    assert json.loads(sh(d, version, 400).stdout)["version"] == "20251104_001"
    assert "v1.1.0" in sh(d, "kubectl get deployment flowengine -n production "
                             "-o jsonpath='{.spec.template.spec.containers[0].image}'", 400).stdout


def test_undoing_your_own_env_change_is_not_a_rollback(state_dir: Path) -> None:
    d = make(state_dir, "mass-failure")
    sh(d, "kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=5 -n production", 200)
    sh(d, "kubectl rollout undo deployment/flowengine -n production", 220)
    assert "rollback" not in [a.action for a in read_actions(d.path)]
    assert d.simulator.pane("error_5xx", 700.0) > CRIT["error_5xx"]


def test_audit_gap_contain_and_restart(state_dir: Path) -> None:
    d = make(state_dir, "audit-gap")
    assert "0 active flows" not in sh(d, "blocks status flows --active", 100).stdout
    assert sh(d, "kubectl scale deployment/flowengine --replicas=0 -n production", 100).stdout.strip() \
        == "deployment.apps/flowengine scaled"
    assert sh(d, "blocks status flows --active", 200).stdout.startswith("0 active flows")
    assert "No resources found" in sh(d, "kubectl get pods -l app=flowengine -n production", 200).stderr
    assert sh(d, "blocks test-flow --input test_with_pii.md --dry-run", 210).returncode == 1
    sh(d, "kubectl set env deployment/flowengine PII_REDACTION_ENABLED=true PII_PATTERNS=email,ssn,credit_card "
          "-n production", 220)
    # redaction is on in the deployment, but no FlowEngine pod runs to build a bundle: no ✓ (redteam46 R6)
    halted = sh(d, "blocks test-flow --input test_with_pii.md --dry-run", 230)
    assert halted.returncode == 1 and "PII redacted" not in halted.stdout
    assert "no FlowEngine replicas are running (deployment scaled to 0)" in halted.stderr
    assert sh(d, "kubectl rollout restart deployment/audit-shipper -n production", 240).stdout.strip() \
        == "deployment.apps/audit-shipper restarted"
    kinds = [a.action for a in read_actions(d.path)]
    assert {"flowengine_stop", "redaction", "audit_restart"} <= set(kinds)
    count = sh(d, "psql -At -c \"SELECT count(*) FROM audit_logs WHERE created_at > now() - interval '5 minutes'\"", 600)
    assert int(count.stdout) == 0          # flows are halted, so nothing new to audit yet: the gap pane agrees
    assert d.simulator.pane("audit_gap", 600.0) > 300
    sh(d, "kubectl scale deployment/flowengine --replicas=3 -n production", 700)       # restored: its pods build it
    redacted = sh(d, "blocks test-flow --input test_with_pii.md --dry-run", 760)
    assert redacted.returncode == 0 and "✓ PII redacted in context bundle" in redacted.stdout, redacted.stderr
    sh(d, "kubectl scale deployment/flowengine --replicas=3 -n production", 600)
    count = sh(d, "psql -At -c \"SELECT count(*) FROM audit_logs WHERE created_at > now() - interval '5 minutes'\"", 1000)
    assert int(count.stdout) > 0
    assert d.simulator.pane("audit_gap", 1000.0) < 30 and untouched(d).pane("audit_gap", 1000.0) > 600


def test_the_breaker_says_open_only_at_its_threshold(state_dir: Path) -> None:
    """The breaker's status agrees with the quota pane at that moment: OPEN (holding retries) only at or
    above the threshold — never OPEN at 75% — and HALF_OPEN (monitoring) a minute after it trips."""
    d = make(state_dir, "rate-limit")
    assert sh(d, "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true "
                 "CIRCUIT_BREAKER_THRESHOLD=80 -n production", 300).returncode == 0
    seen = set()
    for t in (340.0, 350.0, 360.0, 370.0, 420.0, 600.0):
        status = run_one(d, ["blocks", "circuit-breaker", "status"], t)[1]
        if "rollout in progress" in status:
            continue                              # not armed yet
        used = d.simulator.pane("quota", t) / 100
        state = status.split()[1]
        assert state in ("OPEN", "HALF_OPEN") and (state == "HALF_OPEN" or used >= 0.80), (t, used, status)
        seen.add(state)
    assert seen == {"OPEN", "HALF_OPEN"}, seen


def test_blocks_help_lists_every_group_and_command_it_answers() -> None:
    from warroom.drill.standins.blocks import COMMANDS, SUMMARY

    assert list(SUMMARY) == sorted({group or name for group, name in COMMANDS})


def test_a_breaker_switched_off_again_no_longer_shields_a_retry(state_dir: Path) -> None:
    """Retries follow the breaker as the quota curve does: once ENABLE_CIRCUIT_BREAKER is false again,
    a retry at a quota past 85% is refused with the 429 (it was shielded forever once enabled)."""
    d = make(state_dir, "rate-limit")
    on = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER={} -n production"
    assert sh(d, on.format("true"), 150).returncode == 0
    assert sh(d, on.format("false"), 200).returncode == 0
    assert [a.action for a in read_actions(d.path)][-1] == "circuit_breaker_off"
    task, t = refused_retry(d, 600.0)
    assert d.simulator.pane("quota", t) >= 85
    done = sh(d, f"blocks flow retry {task} --max-attempts 1", t)
    assert done.returncode == 1 and "429" in done.stderr


def test_a_standin_starts_without_what_its_common_commands_never_use() -> None:
    """Every stand-in call is a process (hundreds a suite, and each runbook step's): PyYAML (read only by kubectl's
    ``-o yaml``, ``apply -f``, ``patch``), tempfile, statistics, calendar, ctypes and zoneinfo are imported where they
    are used, ~20 ms of a kubectl's ~130 ms start otherwise."""
    import sys

    from tests.conftest import subprocess_env

    tools = ", ".join(f"warroom.drill.standins.{t}" for t in ("kubectl", "psql", "curl", "aws", "blocks", "date"))
    probe = (f"import sys\nimport {tools}\n"
             "print(sorted(m for m in ('yaml', 'tempfile', 'statistics', 'calendar', 'ctypes', 'zoneinfo')"
             " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=subprocess_env(),
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
