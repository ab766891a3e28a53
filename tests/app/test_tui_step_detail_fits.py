"""The step pane at the size it is given: a command starts on its ``$`` row, and a cut is marked.

At 80x24 the pane has four rows of 40 columns. A PromQL query with no space in it went whole to
the row after ``$ `` (a word wider than the rest of a row moves down), so the pane showed a bare
``$`` and its last row cut the query with no mark; a long command or expectation was cut the same
way. Every row drawn fits the width, and a text that does not fit says how many rows are hidden.
"""

from __future__ import annotations

import re
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

```bash
# Each provider's status page
for provider in anthropic openai; do
  printf '%s: ' "$provider"
  curl -s "https://status.$provider.com/api/v2/status.json" | jq -r '.status.indicator'
done
```

## Communication

- [ ] Keep InfoSec, the TL and the incident commander updated every 10 minutes (the P1 update cadence the header counts down)
"""
CONSOLE = Console(width=200, color_system=None)


def steps():  # type: ignore[no-untyped-def]
    return parse_runbook(RUNBOOK, Path("fit.md")).steps


def test_a_query_with_no_space_starts_on_the_dollar_row() -> None:
    query = steps()[0]
    rows = [r.plain for r in step_detail_text(query, None, width=40).wrap(CONSOLE, 40)]
    dollar = next(r for r in rows if r.startswith("$"))
    assert dollar == "$ sum(increase(flowengine_flow_failures…"     # broken inside the word: marked
    assert rows[rows.index(dollar) + 1] == "  ↳ _total[1h]))"        # the rest marked as its line's


def read_back(shown: str) -> list[tuple[int, str]]:
    """The source lines a reader takes from ``command_rows``' rows: (indent, words). A row that
    starts with ``↳`` goes on with the line above, after a space, or with none after a ``…``; one
    that starts with ``⇥N`` is a line N columns in, drawn less indented than that."""
    lines: list[tuple[int, str]] = []
    drawn: list[int] = []                                 # where each line's rows are drawn
    for i, row in enumerate(shown.split("\n")):
        row = row[2:] if i else row                       # under "$ "
        text = row.lstrip(" ")
        if text.startswith("↳ "):
            assert lines and len(row) - len(text) == drawn[-1], shown   # at its own line's indent
            indent, before = lines[-1]
            glue = "" if before.endswith("…") or not before else " "     # (after a ``⇥N`` alone on its row)
            lines[-1] = (indent, before.removesuffix("…") + glue + text[2:])
            continue
        drawn.append(len(row) - len(text))
        deeper = re.match(r"⇥(\d+) ", text)
        if deeper:
            assert int(deeper[1]) > drawn[-1], shown          # said only where the indent was made smaller
            text = text[deeper.end():]
        lines.append((int(deeper[1]) if deeper else drawn[-1], text))
    return lines


def test_command_rows_keep_every_character_in_order() -> None:
    command = "kubectl set env deploy/flowengine -n production CIRCUIT_BREAKER=on --containers=a-very-long-name"
    for width in range(6, 60):
        rows = command_rows(command, width).split("\n")
        assert all(len(r) <= width - 2 for r in rows[:1]) and all(len(r) <= width for r in rows[1:])
        assert read_back(command_rows(command, width)) == [(0, command)], width


def test_wide_characters_take_two_columns_and_never_run_past_the_pane() -> None:
    """attack40 A2: rows were counted in characters, so a command with CJK text or emoji ran past the pane
    and the terminal wrapped it again, with no ``↳`` or ``…`` (the misreading S3 removed)."""
    from rich.cells import cell_len

    command = ('echo "日本語のテキストがここにあります日本語のテキスト" && curl -s https://example.com/こんにちは/世界/'
               " | jq .status 🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀")
    for width in range(12, 90):
        shown = command_rows(command, width)
        rows = shown.split("\n")
        assert cell_len(rows[0]) <= width - 2 and all(cell_len(r) <= width for r in rows[1:]), (width, shown)
        assert read_back(shown) == [(0, command)], (width, shown)


def test_a_wrapped_row_says_whose_line_it_is_and_a_word_break_is_marked() -> None:
    """attack39 S3: the rest of an indented ``curl`` line sat left of ``curl``, at ``done``'s indent,
    and read as two more lines of the script (one starting with ``|``); a break inside a word
    looked like one at a space."""
    loop = steps()[2].command
    assert command_rows(loop, 51).split("\n") == [
        "for provider in anthropic openai; do",
        "    printf '%s: ' \"$provider\"",
        "    curl -s \"https://status.$provider.com/api/v2/s…",
        "    ↳ tatus.json\" | jq -r '.status.indicator'",
        "  done"]
    for width in range(6, 90):
        shown = command_rows(loop, width)
        assert all(len(r) <= width for r in shown.split("\n")) and len(shown.split("\n")[0]) <= width - 2
        back = read_back(shown)
        assert [t for _, t in back] == [ln.strip() for ln in loop.splitlines()], (width, shown)
        assert [i for i, _ in back] == [0, 2, 2, 0], (width, shown)     # each at its own, or said (⇥2)


def test_an_indent_too_deep_for_the_pane_is_said_never_lost() -> None:
    """attack40 A3: an indent deeper than the pane allows was drawn smaller with no mark, so lines nested 24, 28
    and 30 deep were drawn at one indent: the nesting the source shows was lost. Each reads back at its own."""
    loop = ("for pod in a b; do\n" + " " * 24 + 'echo "first $pod"\n' + " " * 28 + 'echo "second $pod"\n'
            + " " * 30 + 'curl -s "https://status.example.com/api/v2/status.json" | jq -r .status\ndone')
    rows = command_rows(loop, 36).split("\n")                # room for 24 columns of indent: 28 and 30 said
    assert [rows[1], rows[4], rows[7]] == [" " * 26 + "echo", " " * 26 + "⇥28 echo", " " * 26 + "⇥30 curl"], rows
    for width in range(6, 90):
        shown = command_rows(loop, width)
        assert all(len(r) <= width for r in shown.split("\n")) and len(shown.split("\n")[0]) <= width - 2
        assert read_back(shown) == [(len(ln) - len(ln.lstrip()), ln.strip()) for ln in loop.splitlines()], (
            width, shown)


@pytest.mark.parametrize("height", range(1, 14))
@pytest.mark.parametrize("width", [20, 40, 78])
def test_what_is_drawn_fits_and_a_cut_is_marked(width: int, height: int) -> None:
    for step in steps():
        def build(**kw: int):  # type: ignore[no-untyped-def]
            return step_detail_text(step, None, **kw)

        whole = [r.plain for r in build(width=width).wrap(CONSOLE, width, overflow="fold")]
        drawn = [r.plain for r in fit_rows(build, width, height, CONSOLE, " · i shows it all")
                 .wrap(CONSOLE, width, overflow="fold")]
        assert len(drawn) <= height and all(len(r) <= width for r in drawn)
        if len(whole) <= height:
            assert drawn == whole                                # nothing cut, nothing marked
            continue
        compact = [r.plain for r in build(width=width, compact=True).wrap(CONSOLE, width, overflow="fold")]
        if len(compact) <= height and compact[0] == whole[0]:    # the kind line without its section
            assert drawn == compact and drawn[0].startswith(f"{step.number}. ")
        else:                                                    # the rows from the top, the rest counted
            hidden = len(compact) - (height - 1)                 # (a title cut with "…" is marked too)
            assert drawn[:-1] == compact[:height - 1] and (hidden > 0 or compact[0].endswith("…"))
            said = f"▼ {hidden} more {'row' if hidden == 1 else 'rows'}" if hidden > 0 else "▲ title cut"
            mark = f"{said} · i shows it all"
            assert drawn[-1] == (mark if len(mark) <= width else mark[:width - 1] + "…"), drawn


def test_every_shipped_command_reads_back_as_its_lines() -> None:
    """Every command of the shipped runbooks, at the Step pane's widths (80x24 to 120x40 and
    narrower): the rows read back as its lines, word for word, each at its own indent."""
    root = Path(__file__).resolve().parents[2] / "runbooks"
    commands = [s.command for p in sorted(root.glob("*.md"))
                for s in parse_runbook(p.read_text(encoding="utf-8"), p).steps if s.command]
    assert len(commands) > 100
    for command in commands:
        lines = command.strip("\n").rstrip().splitlines()
        for width in (24, 38, 40, 51, 58, 78):
            shown = command_rows(command, width)
            assert all(len(r) <= width for r in shown.split("\n")), (width, shown)
            back = read_back(shown)
            assert [t.split() for _, t in back] == [ln.split() for ln in lines], (width, shown)
            assert [i for i, _ in back] == [len(ln) - len(ln.lstrip(" ")) for ln in lines], (width, shown)
