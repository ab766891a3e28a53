"""Fixtures the SSH end-to-end tests share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sshd import Sshd, sshd_or_skip


@pytest.fixture(autouse=True)
def _run_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """One cache dir for the run's warroom processes (``WarroomSession.env``), as a user's own is theirs from one
    start to the next: a new drill's seed (``warroom.drill.simulator.plant_seed``) and the runbook library's answer
    (``tui.library_cache``) are made by the run's first dashboard, then read by the others (each cold start costs a
    warm-up child's integration and a library child, ~1.3 s CPU). Both are written only by a child process running the
    code on disk, and read only after checking what made them; the tests of a cold start (``test_tui_warmup``,
    ``test_library_cache``) keep their own empty dirs (``tests/conftest._isolated_home``)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "xdg-cache-e2e"
    shared.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """A throwaway OpenSSH server on 127.0.0.1, stopped when the test ends."""
    server = sshd_or_skip(tmp_path / "sshd")
    try:
        yield server
    finally:
        server.stop()
