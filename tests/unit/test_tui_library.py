"""The dashboard's runbook library: parsed by a child process, loaded once, on demand."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from tui.context import AppContext
from tui.launch import load_runbooks
from tui.library import load_in_child
from warroom.config import Config
from warroom.runbook.model import Finding, Runbook

EXTRA = """+++
id = "RB-TEST-001"
title = "Test runbook"
+++
# Test runbook

## Mitigation

```bash
# Restart it
kubectl -n {{ namespace }} rollout restart deploy/api
```
"""


def _config(tmp_path: Path) -> Config:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "test.md").write_text(EXTRA)
    (extra / "broken.md").write_text("+++\nid = [unclosed\n+++\n# Broken\n")
    cfg = Config()
    cfg.runbooks.dirs = [str(extra)]
    return cfg


def _summary(loaded: tuple[list[Runbook], list[Finding]]) -> tuple[list[tuple[str, str, int]], list[str]]:
    runbooks, findings = loaded
    return ([(r.id, r.title, len(r.steps)) for r in runbooks],
            sorted(f"{f.file}:{f.line}:{f.level}:{f.message}" for f in findings))


def test_child_parses_the_same_library_as_the_process_itself(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    in_child = _summary(load_in_child(cfg))
    in_process = _summary(load_runbooks(cfg))
    assert in_child == in_process
    ids = [rid for rid, _, _ in in_child[0]]
    assert "RB-CORE-003" in ids and "RB-TEST-001" in ids
    assert any("broken.md" in f for f in in_child[1])  # a bad file is a finding, not a crash


def test_a_child_that_cannot_start_falls_back_to_parsing_here(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(tmp_path)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    assert _summary(load_in_child(cfg)) == _summary(load_runbooks(cfg))


def test_ensure_runbooks_loads_once_however_many_ask_at_once() -> None:
    calls: list[int] = []
    gate = threading.Event()
    book = Runbook(id="RB-X-1", title="X", path=None)

    def loader() -> tuple[list[Runbook], list[Finding]]:
        calls.append(1)
        gate.wait(5)
        return [book], [Finding(file="x.md", line=1, level="warning", message="m")]

    ctx = AppContext(config=Config(), runbook_loader=loader)
    results: list[list[Runbook]] = []
    threads = [threading.Thread(target=lambda: results.append(ctx.ensure_runbooks())) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(60)
    assert calls == [1]
    assert all(r == [book] for r in results) and len(results) == 4
    assert ctx.runbook("rb-x-1") is book
    assert [f.message for f in ctx.runbook_findings] == ["m"]
    assert ctx.runbook_loader is None
