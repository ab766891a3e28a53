"""A criterion that names a pane of the configuration (the gate's order: a query the runbook
names, else a pane, else PromQL) reads as that pane in every view, the ones that read the journal
only too (``incident show`` text and ``--json``, the checklist's decision row, the brief, the drill
report): the incident's runbook copies resolve pane ids against the incident's configuration when
they are parsed (``RunbookShelf``), not each judging look on its own.

Before: only a judging look (the dashboard's ``G``, ``incident decide``) resolved the pane. The
journal-only views read the bare word as PromQL, so a condition ``failure_rate > 1%`` (the pane is
in percent) was called broken — "the value is written with %, but bare PromQL has no unit: not
compared" — on the checklist row and in ``incident show``, and the decision "not needed now",
while the dashboard judged it needed; ``show --json`` carried no title for it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from warroom.config import Config
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore

RUNBOOK = """+++
id = "RB-TEST-PANES"
title = "Criteria on panes"
severity = "P2"
+++

# Panes

```bash {name="look" mutating=false}
echo ok
```

```decision
id = "act"
question = "Act?"
deadline = "15m"

[applies_when]
text = "flows failing"
query = "failure_rate"
op = ">"
value = "1%"

[[go]]
text = "quota low"
query = "quota"
op = "<"
value = 50
```
"""


def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    path = tmp_path / "rb.md"
    path.write_text(RUNBOOK)
    return IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P2", runbook=path, source={})


def test_journal_only_views_read_a_pane_criterion_as_the_pane(tmp_path: Path) -> None:
    from tui.view import decision_rows
    from warroom.cli.incident_show import render_show

    inc = _incident(tmp_path)
    now = inc.state.clock_start + timedelta(minutes=1)
    [view] = dec.standing(inc.runbook(), inc.state, now)
    assert view.applies is not None and view.applies.title == "Flow failure rate"
    assert view.applies.to_json()["title"] == "Flow failure rate" and view.applies.judged is False
    [go] = view.criteria
    assert go.title == "Model API quota used" and go.unit == "percent"
    said = "\n".join(render_show(inc, inc.refresh(), now))
    assert "bare PromQL" not in said, said
    assert "condition not judged here (flows failing)" in said, said
    [row] = decision_rows(inc.runbook(), inc.state, now)
    assert row.not_needed is not None and "bare PromQL" not in row.not_needed
    assert row.not_needed.startswith("condition not judged here"), row.not_needed
    # every copy the incident reads (the dashboard's snapshot of the runbooks attached) says the same
    from warroom.incident.live import LiveIncident

    snap = LiveIncident(inc, None).snapshot()
    assert all(c.measure is not None for rb in snap.runbooks for d in rb.decisions
               for c in (*d.go, d.applies_when) if c is not None and c.query)
