"""Shared pieces of the red-team suite: an incident with a real runbook, and the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli

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


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    p = tmp_path / "rb-sec.md"
    p.write_text(RUNBOOK)
    return p


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "state", capsys)
