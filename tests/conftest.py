"""Fixtures every test layer shares. Layer-specific fixtures live in each directory's conftest."""

from __future__ import annotations

import gc
import itertools
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs every property test on the same examples (derived from the test itself), so a red run
# means a change broke something, not that this run drew a rarer example; a developer's run keeps
# drawing new ones (that is how the approvals reducer's refusal-after-grant bug was found).
# No example may fail for taking long: Hypothesis's default deadline (200 ms an example) is a
# wall-clock assertion, and on two busy cores an example took 288 ms (test_expectation,
# DeadlineExceeded, then FlakyFailure). Tests never assert on wall-clock time; a slow example is
# bounded by pytest-timeout like every other test.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parent.parent

# The cyclic collector, at CPython's thresholds (700, 10, 10), took 9.3 % of a test process's CPU
# (five app and drill files: 9.7 of 104.8 s, most of it full collections walking every imported
# module, Textual's and Hypothesis's objects again and again). A young generation of 10,000
# and rarer older ones still collect every cycle a test makes, and pytest_collection_finish
# below moves what collection imported out of the collector's sight: 3.5 s there, +24 MB of
# peak memory. Only this process: warroom's own processes (the CLI, stand-ins, dashboards a
# test starts, and the memory tests' children) keep the interpreter's thresholds, and import with
# the collector off, freezing what the imports built (``tui.cli``, ``warroom/drill/bin/standin``,
# ``warroom.cli.common.imports_unswept``: the last only in the command's own process, never in a
# test calling ``main`` with an argv, where a freeze would pin earlier tests' garbage).
gc.set_threshold(10_000, 50, 100)


def _find_message_catalogs_once() -> None:
    """``gettext.find`` answers each question once per test process (keyed by its arguments and the locale
    variables it reads), not on every message.

    argparse translates every help string, usage and error through ``gettext``, and a miss (no ``.mo`` for
    argparse, as here) is never cached by the standard library: each call normalises the locale names again
    (``locale.normalize``) and stats the catalog paths. A warroom process builds its parser once; a test
    that runs the CLI in-process builds it for every call: the read-only bypass test (~480 in-process
    runs) spent 17 % of its CPU there and 34 % building parsers. The answer depends only on the arguments,
    those variables and the locale directories, which nothing changes while the suite runs; what is
    returned is what ``find`` returned (a list copied, so no caller changes the cached one). Only the test
    processes: warroom's own (the CLI, stand-ins, dashboards a test starts) keep the standard library's."""
    import functools
    import gettext

    find = gettext.find

    @functools.cache
    def answer(domain: str, localedir: str | None, languages: tuple[str, ...] | None, every: bool,
               env: tuple[str | None, ...]) -> str | tuple[str, ...] | None:
        found = find(domain, localedir, None if languages is None else list(languages), every)
        return tuple(found) if isinstance(found, list) else found

    def cached_find(domain: str, localedir: str | None = None, languages: list[str] | None = None,
                    all: bool = False) -> str | list[str] | None:   # noqa: A002 (gettext's own keyword)
        env = tuple(os.environ.get(v) for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))
        found = answer(domain, localedir, None if languages is None else tuple(languages), all, env)
        return list(found) if isinstance(found, tuple) else found

    gettext.find = cached_find


_find_message_catalogs_once()



# Per name, the next number ``tmp_path`` tries in this process's base directory (see ``tmp_path``).
_TMP_NUMBERS: dict[str, itertools.count[int]] = {}


@pytest.fixture
def tmp_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest's own ``tmp_path``, made without its bookkeeping: ``<basetemp>/<test name, 30 characters><n>``, a new
    directory (mode 0700) for each test, kept after the run as pytest keeps it (``tmp_path_retention_policy`` is its
    default, "all"; the last three runs' base directories are kept).

    Every test has one (``_isolated_home``), and pytest made each by listing the whole base directory to find the
    next number (a worker's ~1,600 tests leave thousands of entries there) and re-pointing a ``<name>current``
    symlink. That symlink's target is longer than an ext4 inode holds, so each re-pointing freed and took a disk
    block: on a disk mounted with ``discard`` (this box's) 3-8 ms waited on the disk per test.
    Here the numbers are counted in this process (each xdist worker has a base directory of its own) and a name a
    ``tmp_path_factory.mktemp`` took already is passed over; nothing reads the symlink. Same names, same place,
    same mode, no listing, no symlink: ~1,085 tests of test_runbook_params and test_library, 5.45 -> 4.57 s CPU and
    15.0 -> 11.9 s of pytest's wall (two rounds each, interleaved, load ~8)."""
    name = re.sub(r"[\W]", "_", request.node.name)[:30]
    base = tmp_path_factory.getbasetemp()
    numbers = _TMP_NUMBERS.setdefault(name, itertools.count())
    for _ in range(10_000):         # bounded: a name taken 10,000 times over by mktemp is a bug, said below
        path = base / f"{name}{next(numbers)}"
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:     # taken by tmp_path_factory.mktemp(name) in this run: the next number
            continue
        return path
    raise RuntimeError(f"no free tmp_path for {name!r} under {base}")


def _find_corpus() -> Path:
    """``../shared/corpus`` beside a clone; two levels up from a worktree under ``wt/NAME``."""
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "corpus").is_dir():
            return base / "shared" / "corpus"
    return REPO.parent / "shared" / "corpus"


CORPUS = _find_corpus()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user's config or state."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))     # a drill's seed, the runbook library's
    monkeypatch.delenv("WARROOM_CONFIG", raising=False)
    # pins a drill's clock: a test sets it itself, and it never outlives the test. Recorded first (setenv), so the
    # undo ends with it absent whatever the test did: a DrillClock writes os.environ directly, and a test's own
    # ``monkeypatch.delenv`` of that pin recorded the pin, which the undo then put back for the next test's
    # module fixtures (ci39b: a module fixture integrated 59 drill days against a pin left by another file)
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")
    monkeypatch.delenv("WARROOM_DRILL_AT")
    from warroom import scenario_time

    scenario_time.forget_work()     # each test starts as a fresh process: no drill or real incident worked yet
    if (model := sys.modules.get("warroom.drill.model")) is not None:
        # nor a breaker search kept (``model._searches``): its key is all the search reads of the world, not what a
        # test patches (``autoscale.pod_cpu``, ``Series._integrate``): one kept from the test before would answer a
        # test that patched the world as the unpatched world did
        model._searches.clear()
    # a shared incident's step forwarder retries a down store for a day; a test's for two minutes
    monkeypatch.setenv("WARROOM_FORWARD_GIVE_UP", "120")
    yield
    # and ends as one: a module fixture runs before the next test's set-up, and a real incident this test worked
    # turned its pin off (test_replay_matches_recording's drill was read on the wall clock after test_history_file)
    scenario_time.forget_work()


@pytest.fixture
def no_warmup_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """``drill_context`` starts no ``tui.drill_warmup`` child: for tests of what a launch chooses (which
    drill, its speed, its notice) that never poll the drill's source, where the child integrated two
    hours of a world nobody waited for, ≈ 0.6 s CPU a launch, in the background. A source they do
    read integrates in-process, as the first poll does when the child is late or missing (the numbers
    are the same either way). The child is the subject of test_drill_warmup and test_tui_warmup, and
    runs in every e2e drill."""
    from tui import drill_warmup

    monkeypatch.setattr(drill_warmup, "start", lambda drill_dir, cache_file: None)


@pytest.fixture
def warm_drills(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drills the CLI and the dashboard create in this test start warm
    (``tests.unit.standins_corpus.warm_every_new_drill``)."""
    from tests.unit.standins_corpus import warm_every_new_drill

    warm_every_new_drill(monkeypatch)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A real PostgreSQL (tests/pgserver.py), one per test worker, stopped at the end."""
    from tests.pgserver import PgServer, pg_bindir

    if pg_bindir() is None:
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; .ci/run installs it)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg 3 is not installed")
    server = PgServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def shared_dsn(pg_server: object) -> str:
    """A DSN to a fresh database of the test server, with warroom's schema created."""
    from warroom.shared.db import SharedDB
    from warroom.shared.dsn import make_dsn
    from warroom.shared.schema import migrate

    srv = pg_server
    if not srv.running:  # type: ignore[attr-defined]
        srv.start()  # type: ignore[attr-defined]
    dsn = srv.dsn(srv.new_database())  # type: ignore[attr-defined]
    with SharedDB(make_dsn(dsn)).session() as conn:
        migrate(conn)
    return str(dsn)


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A 127.0.0.1 port where connections are refused for the whole test: bound, never listening, so
    no other test's server can start listening there meanwhile (tests/ports.py; a port closed and
    handed on could be)."""
    from tests.ports import refused_port

    with refused_port() as port:
        yield port


def warroom_cmd() -> list[str]:
    """How tests launch the real CLI: the venv's console script when installed, else the module."""
    script = Path(sys.executable).parent / "warroom"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "tui"]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker caches its share of the rewritten test modules before collecting (see
    tests/assert_cache.py: the three workers no longer each rewrite all of them). The run itself
    (xdist's controller, or a run without workers) first caches the bytecode of the code every
    process imports (``compile_imported``)."""
    from tests.assert_cache import warm_share

    if getattr(config, "workerinput", None) is None:
        compile_imported()
    warm_share(config)


def compile_imported() -> None:
    """Cache the bytecode of warroom, tui, panes and the tests' helper modules, whatever
    ``PYTHONDONTWRITEBYTECODE`` says. With it set (the CI box, the team's machines) nothing is
    cached, so every Python process the suite starts compiled what it imported from source: each
    worker, and each of the ~1,000 CLI runs, step supervisors, stand-ins, drill warm-ups and
    dashboards the tests start, 0.05-0.2 s CPU each (``warroom --help`` 0.49 -> 0.27 s). Written as
    checked-hash pycs: an import reads the source and uses the pyc only if the source's hash is the
    one it was compiled from, so an edit (even one within the same second, of the same size) is
    never run stale. A file whose pyc is current is left alone; test modules and conftests are
    pytest's (tests/assert_cache.py). Only the ignored ``__pycache__`` directories are written."""
    import importlib.util
    import py_compile

    hashed = py_compile.PycInvalidationMode.CHECKED_HASH
    for package in ("warroom", "tui", "panes", "tests"):
        for source in sorted((REPO / package).rglob("*.py")):
            if package == "tests" and (source.name.startswith("test_") or source.name == "conftest.py"):
                continue
            cached = Path(importlib.util.cache_from_source(str(source)))
            try:
                # this interpreter's magic, the checked-hash flags, the source's hash (PEP 552)
                want = importlib.util.MAGIC_NUMBER + b"\x03\0\0\0" + importlib.util.source_hash(source.read_bytes())
                current = cached.exists() and cached.read_bytes()[:16] == want
            except OSError:
                continue
            if not current:
                try:
                    py_compile.compile(str(source), str(cached), doraise=True, invalidation_mode=hashed)
                except (OSError, py_compile.PyCompileError):
                    continue      # a file that does not compile fails where it is imported, as before


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection built (imported modules, test items): it lives to the end of the
    run, so every full collection walking it again was work for nothing (see the thresholds)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Collect what the run left once, then freeze the rest, before an xdist worker says it is done.

    After a worker says so, pytest still collects five times over (``unraisableexception``'s cleanup at
    unconfigure), walking every object the worker's ~1,600 tests left alive; execnet gives a finished
    worker 5 s to end, then sends itself SIGINT (``WorkerGateway._terminate_execution``). On CI's two
    loaded cores that landed inside Hypothesis's gc callback, and the run ended with a
    ``PytestUnraisableExceptionWarning`` (KeyboardInterrupt in ``gc_callback``; reproduced with a worker
    holding ~6 M objects, gone with this hook). Here (trylast: after the session fixtures' teardown, still
    inside xdist's wrapper that reports the worker done) one collection finds whatever garbage there is,
    while pytest's unraisable hook still reports what it raised, and the frozen survivors cost the five
    collections after it nothing."""
    gc.collect()
    gc.freeze()
