"""Shared pieces of the red-team suite: an incident with a real runbook, and the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main

RUNBOOK = """+++
id = "RB-SEC-001"
title = "Security test runbook"
+++
# Security test runbook

## Triage

Say hello:

```bash
echo hello
```

Leave a canary:

```bash
touch "$WARROOM_TEST_CANARY"
```

Sleep a while:

```bash
sleep 30
```
"""


class Cli:
    """``warroom incident ...`` in-process; every call asserts no traceback reached the user."""

    def __init__(self, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.state = state
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["incident", *argv, "--state-dir", str(self.state)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    def journal(self, inc: str) -> Path:
        return self.state / "incidents" / inc / "journal.jsonl"


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    p = tmp_path / "rb-sec.md"
    p.write_text(RUNBOOK)
    return p


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "state", capsys)
