"""Fixtures of the app tests (dashboards driven by Pilot)."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
