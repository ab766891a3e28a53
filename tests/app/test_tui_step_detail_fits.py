"""The step pane at the size it is given: a command starts on its ``$`` row, and a cut is marked.

At 80x24 the pane has four rows of 40 columns. A PromQL query with no space in it went whole to
the row after ``$ `` (a word wider than the rest of a row moves down), so the pane showed a bare
``$`` and its last row cut the query with no mark; a long command or expectation was cut the same
way. Every row drawn fits the width, and a text that does not fit says how many rows are hidden.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from panes.step_detail import command_rows, fit_rows, step_detail_text
from warroom.runbook.parser import parse_runbook

RUNBOOK = """+++
id = "RB-TEST-FIT"
title = "Fit"
+++

# Fit

## Detection

```promql
# Flow failures in the last hour, across all repositories
sum(increase(flowengine_flow_failures_total[1h]))
# Expected: 5 or more confirms a mass failure
```

## Mitigation

```bash
# Turn the circuit breaker on for every FlowEngine replica in production
kubectl set env deploy/flowengine -n production CIRCUIT_BREAKER=on --containers=flowengine-worker-main
# Expected: env updated on every replica
```
"""
CONSOLE = Console(width=200, color_system=None)


def steps():  # type: ignore[no-untyped-def]
    return parse_runbook(RUNBOOK, Path("fit.md")).steps


def test_a_query_with_no_space_starts_on_the_dollar_row() -> None:
    query = steps()[0]
    rows = [r.plain for r in step_detail_text(query, None, width=40).wrap(CONSOLE, 40)]
    dollar = next(r for r in rows if r.startswith("$"))
    assert dollar.startswith("$ sum(increase(flowengine_flow_failures_")
    assert rows[rows.index(dollar) + 1].startswith("  ")       # the rest indented under it


def test_command_rows_keep_every_character_in_order() -> None:
    command = "kubectl set env deploy/flowengine -n production CIRCUIT_BREAKER=on --containers=a-very-long-name"
    for width in range(6, 60):
        rows = command_rows(command, width).split("\n")
        assert all(len(r) <= width - 2 for r in rows[:1]) and all(len(r) <= width for r in rows[1:])
        assert "".join(rows).replace(" ", "") == command.replace(" ", "")


@pytest.mark.parametrize("height", range(1, 14))
@pytest.mark.parametrize("width", [20, 40, 78])
def test_what_is_drawn_fits_and_a_cut_is_marked(width: int, height: int) -> None:
    for step in steps():
        def build(**kw: int):  # type: ignore[no-untyped-def]
            return step_detail_text(step, None, **kw)

        whole = [r.plain for r in build(width=width).wrap(CONSOLE, width, overflow="fold")]
        drawn = [r.plain for r in fit_rows(build, width, height, CONSOLE, " · ⏎ shows the command")
                 .wrap(CONSOLE, width, overflow="fold")]
        assert len(drawn) <= height and all(len(r) <= width for r in drawn)
        if len(whole) <= height:
            assert drawn == whole                                # nothing cut, nothing marked
            continue
        compact = [r.plain for r in build(width=width, compact=True).wrap(CONSOLE, width, overflow="fold")]
        if len(compact) <= height:                               # the title and kind line cut, with "…"
            assert drawn == compact and drawn[0].startswith(f"{step.number}. ")
        else:                                                    # the rows from the top, the rest counted
            assert drawn[:-1] == compact[:height - 1]
            assert drawn[-1].startswith(f"▼ {len(compact) - (height - 1)} more rows")
