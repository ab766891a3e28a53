"""Fixtures the SSH end-to-end tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sshd import Sshd, sshd_or_skip


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """A throwaway OpenSSH server on 127.0.0.1, stopped when the test ends."""
    server = sshd_or_skip(tmp_path / "sshd")
    try:
        yield server
    finally:
        server.stop()
