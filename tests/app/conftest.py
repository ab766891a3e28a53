"""Fixtures of the app tests (dashboards driven by Pilot)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pickle
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import textual._wait
import textual.app
import textual.pilot

from tui import library
from warroom.config import Config
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.model import Finding, Runbook

_real_load_in_child = library.load_in_child
# The pickled (runbooks, findings) a child parsed, by what it was asked and what the files held:
# one test process's, for the rest of its run.
_PARSED: dict[tuple[object, ...], bytes] = {}


def _tree(root: Path) -> tuple[tuple[str, bytes], ...] | None:
    """Every file under ``root`` (``root`` itself when it is a file) with its content's digest;
    None when a directory or file cannot be read (then nothing is remembered)."""
    if not root.is_dir():
        paths = [root] if root.exists() else []
    else:
        paths = []
        failed: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=failed.append, followlinks=False):
            dirnames.sort()
            paths.extend(Path(dirpath) / name for name in sorted(filenames))
        if failed:
            return None
    try:
        return tuple((str(p), hashlib.blake2b(p.read_bytes()).digest()) for p in paths)
    except OSError:
        return None


def _remembered_load(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """``tui.library.load_in_child`` whose child runs once per library in a test process: a later
    dashboard over the same directories holding the same bytes gets what that child answered,
    unpickled afresh (the dashboard's own objects, as from its own child). ≈ 0.5 s CPU a dashboard.
    The child itself stays tested: the first dashboard over each library in every test process
    starts it, and ``tests/unit/test_tui_library.py`` compares it with the in-process parse."""
    dirs = [str(d) for d in cfg.runbook_dirs()]
    trees = [_tree(Path(d)) for d in [str(shipped_runbooks_dir()), *dirs]]
    if any(tree is None for tree in trees):
        return _real_load_in_child(cfg)
    key = (sys.executable, tuple(dirs), tuple(trees))
    if key not in _PARSED:
        _PARSED[key] = pickle.dumps(_real_load_in_child(cfg), protocol=pickle.HIGHEST_PROTOCOL)
    runbooks, findings = pickle.loads(_PARSED[key])  # noqa: S301 - our own pickle, in this process
    return runbooks, findings


@pytest.fixture(autouse=True)
def _library_parsed_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every dashboard an app test starts loads its runbook library through ``_remembered_load``."""
    monkeypatch.setattr(library, "load_in_child", _remembered_load)
    yield


async def _event_loop_idle(min_sleep: float = textual._wait.SLEEP_GRANULARITY, max_sleep: float = 1) -> None:
    """``textual._wait.wait_for_idle`` (Pilot's settle after each key, ``pause()``, and the like), with
    the CPU counted on the event loop's own thread only (``time.thread_time``), not the whole process's
    (``time.process_time``). What Pilot waits for is the app done with the input; the dashboard's
    worker threads (a drill's metric poll every 0.2 s, looks, the PIR draft) burn CPU all the time,
    so Textual's test found the process never idle and waited out its full second, twice a key: in
    tests/app 557 of 975 s were spent there (load 9; flows_engine's whole incident 70 of 97 s). Same
    loop, bound and thresholds as Textual 8's; nothing a test checks is waited for by it (every test
    waits on its condition, ``tui_support.wait_for``), and a busy box already ends it early when the
    process is not scheduled."""
    start = time.monotonic()
    while True:
        cpu = time.thread_time()
        await asyncio.sleep(textual._wait.SLEEP_GRANULARITY)
        elapsed = time.monotonic() - start
        if elapsed >= max_sleep:
            break
        if elapsed > min_sleep and time.thread_time() - cpu < textual._wait.SLEEP_IDLE:
            break


@pytest.fixture(autouse=True)
def _idle_is_the_event_loops(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pilot waits for the event loop to be idle, not every thread (``_event_loop_idle``)."""
    for module in (textual._wait, textual.app, textual.pilot):
        monkeypatch.setattr(module, "wait_for_idle", _event_loop_idle)
    yield
