"""Helpers for the shared-store tests: a config on a DSN, a small runbook with shell steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warroom.config import Config

RUNBOOK = '''+++
id = "RB-SHARED-T"
title = "Shared store test"
severity = "P3"
+++
# Shared store test

## Triage

```bash
# Say hello
echo hello-shared
```

## Mitigation

```bash
# Wait for the go file
for i in $(seq 1 2400); do [ -f "$GO_FILE" ] && break; sleep 0.05; done; echo finished-wait
```
'''


def shared_config(dsn: str, tmp: Path, name: str, **shared: Any) -> Config:
    """A config for one "host": its own state dir, the shared DSN, the test runbook dir."""
    rb_dir = tmp / "runbooks"
    rb_dir.mkdir(exist_ok=True)
    (rb_dir / "shared-test.md").write_text(RUNBOOK)
    cfg = Config()
    cfg.incident.state_dir = str(tmp / f"state-{name}")
    cfg.incident.commander = name
    cfg.runbooks.dirs = [str(rb_dir)]
    cfg.execute.env = {"GO_FILE": str(tmp / "go")}
    cfg.shared.override = dsn
    for key, value in shared.items():
        setattr(cfg.shared, key, value)
    return cfg


def wait_until(check: Callable[[], Any], limit: float = 30.0, every: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy; bounded (raises after ``limit``)."""
    deadline = time.monotonic() + limit
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {limit}s: {check}")
        time.sleep(every)
