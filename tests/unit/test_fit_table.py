"""``FitTable`` keeps every column at whatever width it is drawn (``warroom.fit_table``): every
character of every cell is in its own column, figures are whole on one line, no line is wider than
the space. Rich's own layout drops a column whole when its no-wrap columns do not fit (CI, stop 25)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from warroom.fit_table import GAP, FitTable

WORD = st.text(alphabet="abcdefghij-_./:0123456789", min_size=1, max_size=30)
SENTENCE = st.lists(WORD, min_size=0, max_size=6).map(" ".join)
FIGURE = st.text(alphabet="0123456789.%-hms>", min_size=1, max_size=10)


def draw(table: FitTable | Table, width: int) -> tuple[str, Console]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(table)
    return console.export_text(), console


def read_columns(table: FitTable, width: int) -> tuple[list[str], list[list[str]]]:
    """The drawn table read back: each column's text top to bottom (whitespace dropped), and each
    column's lines, cut at the widths the table says it drew."""
    text, console = draw(table, width)
    widths = table.widths(console, console.options, width)
    lines = text.splitlines()
    cols, starts = [], []
    at = 0
    for w in widths:
        starts.append(at)
        at += w + GAP
    per_line = [[ln[a:a + w] for a, w in zip(starts, widths, strict=True)] for ln in lines]
    for i in range(len(widths)):
        cols.append("".join(row[i] for row in per_line).replace(" ", ""))
    return cols, [[row[i] for row in per_line] for i in range(len(widths))]


@st.composite
def tables(draw_: st.DrawFn) -> tuple[FitTable, list[list[str]]]:
    kinds = draw_(st.lists(st.sampled_from(["words", "figure"]), min_size=1, max_size=8))
    rows = draw_(st.integers(min_value=0, max_value=5))
    table = FitTable()
    content = []
    for i, kind in enumerate(kinds):
        header = draw_(st.text(alphabet="abcdefgh[]:", min_size=1, max_size=8)) + f"{i}"   # never markup
        table.add_column(header, kind)        # type: ignore[arg-type]
        cells = [draw_(FIGURE if kind == "figure" else SENTENCE) for _ in range(rows)]
        content.append([header, *cells])
    for r in range(rows):
        table.add_row(*(col[r + 1] for col in content))
    return table, content


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(min_value=0, max_value=120))
def test_every_character_stays_in_its_column(made: tuple[FitTable, list[list[str]]], extra: int) -> None:
    table, content = made
    figures = [i for i, col in enumerate(table.columns) if col.kind == "figure"]
    least = (sum(max(len(c) for c in content[i]) for i in figures)
             + sum(len(content[i][0]) for i in range(len(content)) if i not in figures)
             + GAP * (len(content) - 1))
    width = least + extra                    # the figures and the headers fit: the supported case
    cols, lines = read_columns(table, width)
    text, _ = draw(table, width)
    assert max((len(ln) for ln in text.splitlines()), default=0) <= width, text
    for i, col in enumerate(content):
        assert cols[i] == "".join(col).replace(" ", ""), (i, text)         # nothing dropped, nothing cut
        if i in figures:
            for cell in col[1:]:                                              # whole, on one line
                assert any(ln.strip() == cell for ln in lines[i]), (cell, text)


def test_a_short_id_stays_whole_before_a_sentence_gets_room() -> None:
    """Room goes to the narrowest words column first: an id is folded only when it cannot fit."""
    table = FitTable()
    table.add_column("runbook", "words")
    table.add_column("detail", "words")
    table.add_row("RB-CORE-001", "bad_data: parse error at char 5: unexpected token in the expression")
    text, _ = draw(table, 40)
    assert "RB-CORE-001" in text.split(), text


def test_rich_alone_drops_the_column_fit_table_keeps() -> None:
    """The failure FitTable exists for, on Rich's own table: no-wrap figures beside one long name."""
    cells = ("checkout_flow_failure_rate_all_regions_eu", "NO DATA", "-0.00999%", ">-0.00998%", ">-0.00997%",
             "2399h59m", "RB-LAUNCH-005-ROLLBACK-PLAN", "query error: the server answered 502 Bad Gateway")
    headers = ("pane", "state", "value", "warn", "crit", "age", "runbook", "detail")
    rich_table = Table(box=None, pad_edge=False)
    for h in headers:
        rich_table.add_column(h, no_wrap=True)
    rich_table.add_row(*cells)
    assert draw(rich_table, 80)[0].splitlines()[0].split() != list(headers)      # Rich: a column is gone
    fit = FitTable()
    for h in headers:
        fit.add_column(h, "figure" if h in ("value", "warn", "crit", "age") else "words")
    fit.add_row(*cells)
    cols, _ = read_columns(fit, 80)
    assert cols == [(h + c).replace(" ", "") for h, c in zip(headers, cells, strict=True)]


def test_a_short_cell_of_a_phrase_column_stays_on_one_line_while_a_long_one_wraps() -> None:
    """The drill report's verdicts: '▲ clock only' is one phrase ('▲ clock' over 'only' reads as a
    broken cell), '✔ met (declared first)' wraps at its words where the row needs it."""
    def table(phrase: int) -> FitTable:
        t = FitTable()
        t.add_column("milestone", "words")
        t.add_column("figures", "figure")
        t.add_column("result", "words", phrase=phrase)
        for label, verdict in (("Time to detect", "✔ met (declared first)"), ("Time to resolve", "▲ clock only")):
            t.add_row(label, "23:59:59  100h01m  100h01m  < 60 min", verdict)
        return t

    text, _ = draw(table(len("▲ clock only")), 61)            # 21 columns left for the words
    lines = [ln.rstrip() for ln in text.splitlines()]
    assert any(ln.endswith("▲ clock only") for ln in lines), text
    assert not any(ln.endswith("✔ met (declared first)") for ln in lines), text     # wrapped: no room
    text, _ = draw(table(0), 61)                                   # without a phrase: a word is a word
    assert not any(ln.rstrip().endswith("▲ clock only") for ln in text.splitlines()), text
    text, _ = draw(table(len("▲ clock only")), 118)                # room for all: nothing wraps
    assert any(ln.rstrip().endswith("✔ met (declared first)") for ln in text.splitlines()), text
