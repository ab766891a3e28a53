"""A configured redaction pattern works in the step supervisor too: it runs with ``python -S``
(no site-packages), yet the patterns run on RE2 from site-packages. Before, any
``[redaction] patterns`` made every supervised step fail to start."""

from __future__ import annotations

from pathlib import Path

from warroom.config import Config, RedactPattern
from warroom.incident.store import IncidentStore

RUNBOOK = """+++
id = "RB-PAT"
title = "Patterns"
severity = "P3"
+++
# Patterns

## Triage

```bash
# Print a ticket id
printf 'TCK-%s seen\\n' 4711
```
"""


def test_user_pattern_redacts_supervised_output(tmp_path: Path) -> None:
    rb = tmp_path / "rb.md"
    rb.write_text(RUNBOOK)
    cfg = Config()
    cfg.redaction.patterns = [RedactPattern(name="ticket", regex=r"TCK-[0-9]+")]
    inc = IncidentStore(tmp_path / "state", cfg).create(title="p", severity="P3", runbook=str(rb))
    result = inc.run_step(inc.prepare_step(1), confirm=True).wait(60)
    assert result.status == "ok"
    finished = [e for e in inc.read().events if e.type == "step.finished"][-1]
    stored = (inc.dir / finished.data["output"]).read_text()
    assert "TCK-4711" not in stored and "[REDACTED:ticket] seen" in stored
    assert "TCK-4711" not in finished.data["excerpt"]
