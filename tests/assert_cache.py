"""Each xdist worker rewrites a share of the test modules' asserts, and all of them read the rest.

pytest rewrites every test module's ``assert`` statements (so a failure shows its values) and
caches the result beside the module, in ``__pycache__/*.pytest-*.pyc`` — unless Python is told not
to write bytecode (``PYTHONDONTWRITEBYTECODE=1``, as on the CI box and the team's machines). Then,
and on every fresh clone in any case, each of ``make test``'s three workers rewrites all ~700
modules itself at collection: 7.6 of a worker's 12.3 s of collection CPU (``pytest --co
--assert=plain``: 4.8 s), 23 s of CPU per run, the same work done three times.

Here, before it collects, worker N of K rewrites and caches every K-th module (round robin over
the modules under the run's paths, largest first) with pytest's own rewriter, while the others do
theirs; collection then finds the others' cached modules and rewrites only those not cached yet.
What a worker executes is byte for byte what pytest's import hook would have compiled (its own
``_rewrite_test``, with this run's config), and the cache is pytest's own: the hook checks each
file's mtime and size against the source as it always does, and writes atomically (a rename), so
a cache that two workers write at once, or one from an older source, is never read as current.
Written whatever ``PYTHONDONTWRITEBYTECODE`` says: only these pytest-tagged files, in the test
tree's ``__pycache__`` (git ignores it); the product's own modules are untouched.

pytest has no public API for this; should the private names move in a pytest upgrade, the share is
skipped and collection rewrites as it did before (slower, never wrong).
"""

from __future__ import annotations

from pathlib import Path

import pytest


def _modules(config: pytest.Config) -> list[Path]:
    """The test modules and conftests under this run's paths (files named, directories searched)."""
    found: set[Path] = set()
    for arg in config.args or [str(config.rootpath / "tests")]:
        path = Path(arg.split("::")[0])
        path = path if path.is_absolute() else config.invocation_params.dir / path
        if path.is_dir():
            found.update(p for p in path.rglob("*.py") if p.name.startswith("test_") or p.name == "conftest.py")
        elif path.suffix == ".py" and path.is_file():
            found.add(path)
    return sorted(found, key=lambda p: (-p.stat().st_size, str(p)))


def warm_share(config: pytest.Config) -> int:
    """Rewrite and cache this worker's share of the modules; the number it wrote (0 outside xdist)."""
    # Only xdist's workers have it (a pytest that a test starts inherits their environment, not this).
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return 0
    worker, workers = str(workerinput.get("workerid", "")), int(workerinput.get("workercount", 1))
    if not worker.startswith("gw") or not worker[2:].isdigit() or workers < 2:
        return 0
    if config.getoption("assertmode") != "rewrite":
        return 0
    try:
        from _pytest.assertion import rewrite
        state = config.stash[rewrite.assertstate_key]
        read, write, rewrite_test = rewrite._read_pyc, rewrite._write_pyc, rewrite._rewrite_test
        cache_dir, tail = rewrite.get_cache_dir, rewrite.PYC_TAIL
    except (ImportError, AttributeError, KeyError):
        return 0
    index = int(worker[2:])
    written = 0
    for fn in _modules(config)[index::workers]:
        pyc = cache_dir(fn) / (fn.name[:-3] + tail)
        if read(fn, pyc, state.trace) is not None:
            continue
        try:
            pyc.parent.mkdir(exist_ok=True)
        except OSError:        # a read-only checkout: collection rewrites in memory, as it always did
            return written
        try:
            source_stat, co = rewrite_test(fn, config)
        except SyntaxError:    # collection reports it, with pytest's own words
            continue
        written += bool(write(state, co, source_stat, pyc))
    return written
