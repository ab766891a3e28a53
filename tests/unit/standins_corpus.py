"""Every stand-in command the shipped runbooks (and the seeds' runbooks) write, run in-process.

Used by the stand-ins' characterisation test: it collects the first simple command of every
fenced or inline ``kubectl``/``psql``/``aws``/``curl``/``blocks`` command line, plus every shell
step of the shipped runbooks with its parameters filled in, and runs each against a drill at fixed
scenario moments, recording exit code and output. In-process (not through the wrappers) so a few
thousand answers cost seconds, not minutes; the wrappers themselves are tested elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from warroom.drill.actions import Action
from warroom.drill.directory import Drill, create_drill
from warroom.drill.series import GRID
from warroom.drill.simulator import SERIES_CACHE, Simulator
from warroom.drill.standins import TOOLS, Context, run_tool
from warroom.drill.standins.base import NO_DELAY_ENV

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path("/work/shared/seeds")
START = 1_790_000_000.0                 # a fixed wall start so printed timestamps are stable
SPEED = 10.0
SCENARIOS = ("rate-limit", "provider-outage", "timeout", "mass-failure", "audit-gap")
TIMES = (240.0, 1500.0)
TASK = "tsk_00000000"                   # replaced by a task that failed early in each scenario
_FENCE = re.compile(r"^\s*```(\S*)[^\n]*\n(.*?)^\s*```", re.S | re.M)
_INLINE = re.compile(r"`([^`\n]+)`")
_STOP = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "2>&1", "(", ")", "<<"}


def _first_command(line: str) -> list[str] | None:
    """The argv of the first simple command on ``line`` if it runs a stand-in, else None."""
    line = line.strip().removeprefix("$ ").strip()
    if not line.split() or line.split()[0] not in TOOLS:
        return None
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    out: list[str] = []
    try:
        for token in lexer:
            if token in _STOP or token.startswith(("|", ">", "<", "&", ";")):
                break
            out.append(token)
    except ValueError:
        return None
    return out or None


def _markdown_lines(text: str) -> Iterator[str]:
    for m in _FENCE.finditer(text):
        if m.group(1).lower() in ("promql", "decision", "toml", "yaml", "json", "sql", "python"):
            continue
        joined = m.group(2).replace("\\\n", " ")
        yield from (ln for ln in joined.splitlines() if not ln.lstrip().startswith("#"))
    yield from _INLINE.findall(text)


def _step_commands() -> Iterator[str]:
    """The shipped runbooks' shell steps with parameters filled in, as the drill runs them."""
    from warroom.paths import shipped_runbooks_dir
    from warroom.runbook.library import RunbookLibrary
    from warroom.runbook.params import ParamError, resolve_values, substitute

    values = {"task_id": TASK, "revision": "7", "node": "node-2", "provider": "anthropic"}
    for rb in RunbookLibrary([shipped_runbooks_dir()]).list():
        for step in rb.steps:
            if step.kind != "shell" or not step.command:
                continue
            try:
                yield substitute(step.command, resolve_values(rb.params, step.params, values),
                                 declared=list(rb.params))
            except ParamError:
                yield step.command


def corpus() -> list[list[str]]:
    """Every distinct stand-in argv, in a stable order."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "runbooks").glob("*.md"))]
    if SEEDS.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SEEDS.glob("*.txt"))]
    # raw lines with ``{{ param }}`` placeholders are covered, filled in, by the steps
    lines = [ln for t in texts for ln in _markdown_lines(t) if "{{" not in ln]
    for command in _step_commands():
        lines += command.replace("\\\n", " ").splitlines()
    seen: dict[str, list[str]] = {}
    for ln in lines:
        for part in re.split(r"\s+(?:&&|\|\||;)\s+", ln):
            argv = _first_command(part)
            if argv:
                seen.setdefault(shlex.join(argv), argv)
    return list(seen.values())


WARM_UNTIL = 1500.0                     # scenario seconds a warm drill's cache file covers (``warmed``)
_WARM: dict[str, bytes] = {}            # per scenario: that file, made once per process


def warmed(drill: Drill) -> Drill:
    """``drill``, given before its first command the cache file a drill in use has: ``tui.drill_warmup`` writes
    it as the dashboard starts and every stand-in process saves it, so the stand-ins meet one. It holds the
    world before any action, integrated to ``WARM_UNTIL``: bit for bit the rows a drill integrates itself
    (``test_drill_incremental``); the drill's own actions are integrated afresh from where they act (the
    file's rows from there on are dropped, as a stand-in drops them). Without it every drill a test made
    integrated the same two hours of history again. Made once per scenario per process (per run under xdist:
    ``warm_cache``): only for a test that patches nothing the simulator reads (asserted for what tests patch).
    A drill that has its file already is left as it is."""
    cache = drill.path / SERIES_CACHE
    if not cache.exists():
        assert _world_as_shipped() == _SHIPPED, "a test that patches the world must build its drill cold"
        cache.write_bytes(warm_cache(drill.scenario.name))
    return drill


def warm_every_new_drill(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every drill ``create_drill`` makes while the test runs (``incident new --drill``, ``drill_context``: the CLI
    and the dashboard's own) starts ``warmed``, as a drill a test makes itself does: the command under test then
    reads the two hours before any action from the warm file (bit for bit what it integrated itself:
    ``test_drill_incremental``) instead of integrating them again in each test. A drill made while a test patches
    the world is left cold (its file would be the unpatched world's). For tests of what the commands decide and
    say, not of how a drill integrates or of its cache file."""
    from warroom.drill import directory

    create = directory.create_drill

    def warm(*args: Any, **kwargs: Any) -> Drill:
        drill = create(*args, **kwargs)
        return warmed(drill) if _world_as_shipped() == _SHIPPED else drill

    monkeypatch.setattr(directory, "create_drill", warm)


def _world_as_shipped() -> tuple[object, ...]:
    """What the tests patch that shapes the world (``Series.CHUNK``, ``Series._integrate``, ``Signals.share_5xx``,
    ``autoscale.pod_cpu``): a warm file is the unpatched world's, so a drill warmed under such a patch would start
    from rows the patch never made (and, shared by a run's workers, hand them on)."""
    from warroom.drill import autoscale
    from warroom.drill.model import Signals
    from warroom.drill.series import Series

    return tuple(getattr(owner, name, None) for owner, name in (
        (Series, "CHUNK"), (Series, "_integrate"), (Signals, "share_5xx"), (autoscale, "pod_cpu")))


_SHIPPED = _world_as_shipped()


def warm_cache(scenario: str) -> bytes:
    """The cache file ``warmed`` gives a drill of ``scenario`` (it holds no speed nor wall start, only
    scenario seconds, so it fits a drill of any): made once per scenario per process, or, under xdist, once per
    scenario per run (``_shared``: the workers' first to need it writes it for the others)."""
    if scenario not in _WARM:
        shared = _shared(scenario)
        _WARM[scenario] = shared if shared is not None else _integrated(scenario)
    return _WARM[scenario]


def _integrated(scenario: str) -> bytes:
    """A fresh drill's cache file after integrating the world before any action to ``WARM_UNTIL``."""
    with tempfile.TemporaryDirectory(prefix="warroom-warm-") as root:
        warm = create_drill(Path(root), scenario, speed=SPEED, start=START, name=scenario)
        warm.simulator.refresh().value(("count",), WARM_UNTIL + GRID)
        warm.simulator.save_cache()
        return (warm.path / SERIES_CACHE).read_bytes()


_RUN_DIR = "warroom-warmrun-"           # + the xdist controller's pid and the run's id


def _shared(scenario: str) -> bytes | None:
    """Under xdist, ``scenario``'s warm file from a directory the run's workers share, made by the first worker that
    asks (the others wait on its lock, then read it): each of the four workers integrated the same two hours of
    the five worlds, ~0.7-1 s CPU each. The directory is named by the controller's pid and the run's id, so no
    other run reads it (the simulator code may differ between runs); a directory whose controller is gone is
    removed when a run starts one. None outside xdist (the per-process memo is all there is to share)."""
    import fcntl

    run, base, controller = os.environ.get("PYTEST_XDIST_TESTRUNUID"), Path(tempfile.gettempdir()), os.getppid()
    if not run or controller == 1:          # not a worker, or one whose controller is gone
        return None
    here = base / f"{_RUN_DIR}{controller}-{run}"
    if not here.is_dir():
        for old in base.glob(f"{_RUN_DIR}*-*"):
            pid = old.name.removeprefix(_RUN_DIR).split("-")[0]
            if pid.isdigit() and int(pid) != controller and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(old, ignore_errors=True)
        here.mkdir(exist_ok=True)
    file = here / f"{scenario}.cache"
    with open(here / f"{scenario}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)            # released when closed
        if not file.is_file():
            tmp = here / f".{scenario}.{os.getpid()}"
            tmp.write_bytes(_integrated(scenario))
            os.replace(tmp, file)
        return file.read_bytes()


def warm_drill(state_dir: Path, scenario: str, speed: float = SPEED, *, name: str | None = None,
               start: float = START, ids: str | None = None) -> Drill:
    """``create_drill``, ``warmed``."""
    return warmed(create_drill(state_dir, scenario, speed, name=name, start=start, ids=ids))


def warm_simulator(scenario: str, actions: Callable[[], list[Action]] | None = None,
                   unix: Callable[[float], float] | None = None, now: Callable[[], float] | None = None,
                   ids: str | None = None) -> Simulator:
    """``Simulator(get_scenario(scenario), actions, unix, now=now, ids=ids)`` started as ``warmed`` starts a drill: from
    the cache file holding the world before any action to ``WARM_UNTIL`` (its actions integrated afresh from where they
    act). The file is read at once and removed (an xdist worker exits without running ``atexit``, so a file kept for
    the simulator's life was left behind), and the simulator then has no cache file, as the bare one it stands for:
    it writes none. Only for a test that patches nothing the simulator reads, and asks nothing of how the simulator
    integrates (rows, the cache file)."""
    from warroom.drill.scenarios import get_scenario

    assert _world_as_shipped() == _SHIPPED, "a test that patches the world must build its simulator cold"
    fd, name = tempfile.mkstemp(prefix="warroom-warmsim-", suffix=f".{scenario}")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(warm_cache(scenario))
        sim = Simulator(get_scenario(scenario), actions, unix, cache=Path(name), now=now, ids=ids)
        sim.refresh()                   # reads the file (as far as the actions recorded now leave it valid)
    finally:
        os.unlink(name)
    sim.cache = None
    return sim


_PRISTINE: dict[tuple[str, str | None], Simulator] = {}     # per scenario and task-id seed: its world before any action


def pristine(drill: Drill) -> Drill:
    """``drill``, a fresh one (no action recorded, its simulator never asked), started from the world before any
    action of its scenario that this process read once (``Simulator.start_from``: from the warm file, as ``warmed``
    starts a drill), instead of reading the warm file into a world of its own: that world, its quota burnt and its
    flows drawn were the same to the bit for every fresh drill of a scenario with the same task-id seed, and the fuzz
    made ~500 of them (half its CPU). Its own simulator, catalogue and record: its first action builds a world of its
    own from the shared one's rows before it, as a drill's world follows its actions in a long-lived process. A drill
    asked already or with an action is left as it is. Only where nothing patches the world (asserted) and the test
    asks nothing of how the world is integrated or cached (the drill has no cache file of its own)."""
    key = (drill.scenario.name, drill.ids)
    if key not in _PRISTINE:
        _PRISTINE[key] = warm_simulator(drill.scenario.name, ids=drill.ids)     # the one world, read once
    if drill.simulator.start_from(_PRISTINE[key]):
        assert _world_as_shipped() == _SHIPPED, "a test that patches the world must build its drill cold"
    return drill


def pristine_drill(state_dir: Path, scenario: str, speed: float = SPEED, *, name: str | None = None,
                   start: float = START) -> Drill:
    """``create_drill``, ``pristine``: a drill of its own that starts from its scenario's one world before any action
    in this process (the tests that read its history each drew the same two hours of flows and quota again)."""
    return pristine(create_drill(state_dir, scenario, speed, name=name, start=start))


def run_one(drill: Drill, argv: list[str], t: float) -> tuple[int, str, str]:
    """Run one stand-in argv in-process as of scenario second ``t``: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(argv[0], argv[1:], drill, at=drill.wall_time(t), stdout=out, stderr=err)
    ctx.no_delay = True
    # and for the tools a command runs inside a pod (``kubectl exec ... -- curl``): ``Context.sub`` reads it from the
    # environment, as a stand-in process does; set only on ``ctx``, each such curl slept 25 ms of wall time
    stdin, sys.stdin, delay = sys.stdin, io.StringIO(""), os.environ.get(NO_DELAY_ENV)
    os.environ[NO_DELAY_ENV] = "1"
    try:
        code = run_tool(ctx)
    finally:
        sys.stdin = stdin
        if delay is None:
            del os.environ[NO_DELAY_ENV]
        else:
            os.environ[NO_DELAY_ENV] = delay
    clean = str(drill.path)
    return code, out.getvalue().replace(clean, "<DRILL>"), err.getvalue().replace(clean, "<DRILL>")


def typed_in_shell(drill: Drill, argv: list[str], t: float) -> int:
    """``argv`` typed in the drill shell at scenario second ``t``: the stand-in's answer and the call record the
    shell's wrapper writes (``calls.jsonl``, untagged: no step run), which the drill report credits to steps."""
    from warroom.drill.actions import CALLS_FILE, append_actions

    code = run_one(drill, argv, t)[0]
    append_actions(drill.path, [Action("call", t, drill.wall_time(t), argv[0], tuple(argv[1:]), {"code": code})],
                   CALLS_FILE)
    return code


def answers(state_dir: Path, commands: list[list[str]], scenarios: tuple[str, ...] = SCENARIOS,
            warm: bool = False) -> Iterator[tuple[str, float, str, int, str, str]]:
    """(scenario, t, command, code, stdout, stderr) for every command, scenario and moment.

    Commands run in order at each moment, so the changes early ones make (``set env``, ``rollout
    undo``) are what later ones see, as when an IC works down a runbook. ``warm``: each drill starts
    ``warmed`` (the test; the golden itself is written from drills that integrate their own history,
    so the test checks the warm start against from-scratch answers).
    """
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster
    from warroom.drill.model import PUSH_REJECTED

    for scenario in scenarios:
        drill = create_drill(state_dir, scenario, speed=SPEED, start=START, name=f"golden-{scenario}")
        if warm:
            warmed(drill)
        flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, [], 0.0)).flows(-3000.0, 0.0, 0.0)
        task = next((f.task_id for f in reversed(flows) if f.status == "failed" and f.error != PUSH_REJECTED),
                    flows[-1].task_id)      # one a retry can fix: a protected branch rejects the retry's push too
        for t in TIMES:
            for template in commands:
                argv = [a.replace(TASK, task) for a in template]
                code, out, err = run_one(drill, argv, t)
                yield scenario, t, shlex.join(argv), code, out, err


def refuses(drill: Drill, task: str, t: float, attempts: int = 0) -> bool:
    """Whether the world refuses ``task``'s retry on Claude at ``t`` with a 429: one of its calls refused at each of its
    ``attempts`` (0: the orchestrator's retry.max_attempts), as ``blocks.drawn`` draws a run by ``model.call_law``."""
    from warroom.drill import fleet
    from warroom.drill.standins.blocks import drawn

    signals = drill.simulator.refresh().signals
    failed, lost = drawn(signals, task, t, fleet.PRIMARY_PROVIDER, attempts or signals.attempts(t))
    return lost and failed[-1][2] == "429"


def claude_5xx(drill: Drill, t: float) -> bool:
    """Whether ``blocks test-flow`` asking for Claude at ``t`` fails on a 5xx (``blocks.drawn``: its task
    ``tsk_test<hash of the wall time>``'s run, a call whose every attempt failed, the last one answered 5xx)."""
    from warroom.drill import fleet
    from warroom.drill.cluster import short_hash
    from warroom.drill.standins.blocks import drawn

    task, signals = f"tsk_test{short_hash(drill.wall_time(t), n=4)}", drill.simulator.refresh().signals
    failed, lost = drawn(signals, task, t, fleet.PRIMARY_PROVIDER, signals.attempts(t))
    return lost and failed[-1][2] == "5xx"


def refused_retry(drill: Drill, t0: float, t1: float = math.inf) -> tuple[str, float]:
    """(task, second): the first second from ``t0`` (before ``t1``) at which one of the Claude tasks that failed
    with a 429 by ``t0`` has its retry refused (``refuses``): a fifth of them while the throttling is full."""
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t0)).flows(t0 - 3600, t0, t0)
    tasks = [f.task_id for f in reversed(flows) if f.status == "failed" and "429" in (f.error or "") and "claude" in f.model]
    return next((task, float(t)) for t in range(math.ceil(t0), math.ceil(min(t0 + 600, t1)))
                for task in tasks if refuses(drill, task, t))


def digest(code: int, out: str, err: str) -> str:
    return hashlib.sha256(f"{code}\0{out}\0{err}".encode()).hexdigest()[:16]


GOLDEN = ROOT / "tests" / "fixtures" / "drill" / "standins-golden.json"


def record(state_dir: Path, commands: list[list[str]] | None = None,
           full: Path | None = None, scenarios: tuple[str, ...] = SCENARIOS, warm: bool = False) -> dict[str, object]:
    """The golden record: the commands, then per scenario and moment each answer's digest (of ``scenarios``:
    the test checks one scenario per test, so each stays well under the per-test timeout on a loaded box;
    ``warm``: see ``answers``)."""
    import json

    commands = corpus() if commands is None else commands
    index = {shlex.join(c): i for i, c in enumerate(commands)}
    answers_: dict[str, dict[str, list[str]]] = {}
    dump = full.open("w", encoding="utf-8") if full else None
    try:
        for scenario, t, _cmd, code, out, err in answers(state_dir, commands, scenarios, warm):
            answers_.setdefault(scenario, {}).setdefault(f"{t:g}", []).append(f"{code}:{digest(code, out, err)}")
            if dump:
                dump.write(json.dumps({"scenario": scenario, "t": t, "command": _cmd, "code": code,
                                       "stdout": out, "stderr": err}) + "\n")
    finally:
        if dump:
            dump.close()
    assert len(index) == len(commands)
    return {"commands": [shlex.join(c) for c in commands], "answers": answers_}


if __name__ == "__main__":          # regenerate: python -m tests.unit.standins_corpus [--full out.jsonl]
    import json
    import tempfile

    full_path = Path(sys.argv[sys.argv.index("--full") + 1]) if "--full" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(record(Path(tmp), full=full_path), indent=0) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
