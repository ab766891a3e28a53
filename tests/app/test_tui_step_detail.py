"""The step pane says what a command's placeholders will become before the run dialog asks."""

from __future__ import annotations

from pathlib import Path

from panes.step_detail import step_detail_text
from warroom.runbook.parser import parse_runbook

RUNBOOK = """+++
id = "RB-TEST-PARAMS"
title = "Params"
[params.deployment]
default = "flowengine"
[params.namespace]
default = "staging"
+++

# Params

## Mitigation

```bash
# Restart it
kubectl rollout restart deployment/{{ deployment }} -n {{ namespace }} --reason {{ reason }}
```
"""


def test_known_values_and_their_source_are_shown_unknown_ones_are_asked() -> None:
    rb = parse_runbook(RUNBOOK, Path("params.md"))
    step = rb.steps[0]
    known = {"deployment": ("flowengine", "runbook"), "namespace": ("production", "config")}
    text = step_detail_text(step, None, known).plain
    assert "params: deployment = flowengine (runbook) · namespace = production (config) · reason asked when run" in text
    assert "{{ deployment }}" in text          # the command itself is shown as written


def test_no_known_values_lists_every_param_as_asked() -> None:
    rb = parse_runbook(RUNBOOK, Path("params.md"))
    text = step_detail_text(rb.steps[0], None).plain
    assert "deployment asked when run · namespace asked when run · reason asked when run" in text
