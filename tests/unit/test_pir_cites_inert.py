"""warroom's own references link no GitHub issue when a draft is pasted into one (FINDINGS harness-2).

Every PIR cite (``[#3, #7]``), the footer's "journal events #1–#39" and the export's
"Journal head #40" were bare: pasted into a GitHub issue each ``#N`` linked that repository's issue
N and left a back-reference there, so one draft spammed dozens of issues (people's own text was
already made inert by ``md_text.github``, P26-2). Now ``review.lines.cite`` writes every reference
of warroom's own as a code span, which GitHub never links, and every shipped template draws its
cites with it. Checked on every golden export and on fresh renders of every shipped template, the
drill draft and the export footer, with markdown-it-py and GitHub's published reference patterns
(``test_pir_markdown_injection.GITHUB_ACTS``); each cite still reads ``#N`` and names events that exist.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markdown_it.token import Token

from tests.conftest import REPO
from tests.unit.test_pir_markdown_injection import GITHUB_ACTS, MD, github_acts
from warroom.config import Config
from warroom.incident.fold import replay
from warroom.incident.pir import head_footer, render_pir
from warroom.incident.review.lines import cite
from warroom.journal.log import read_journal
from warroom.journal.proof import FOOTER_RE

GOLDEN = REPO / "tests" / "golden" / "incident"
JOURNAL = GOLDEN / "journal.jsonl"
NOW = datetime(2026, 11, 22, 13, 58, 0, tzinfo=UTC) + timedelta(hours=3)
TEMPLATES = sorted(p.name.removesuffix(".md.j2") for p in (REPO / "runbooks" / "templates").glob("*.md.j2")
                   if not p.name.startswith("_"))
HEAD = {"seq": 40, "h": "ab" * 32, "key": None}


def _inlines(tokens: list[Token]) -> list[Token]:
    return [k for t in tokens for k in (t.children or [])]


def _references_outside_code(markdown: str) -> list[str]:
    """Every GitHub reference or mention a reader of ``markdown`` would get linked (text runs
    only: GitHub leaves code spans and blocks alone)."""
    return github_acts(MD.parse(markdown))


def _cited_seqs(markdown: str) -> list[int]:
    """The seqs every cite names, read from the code spans a reader sees."""
    seqs = []
    for k in _inlines(MD.parse(markdown)):
        if k.type == "code_inline" and re.fullmatch(r"\[#\d+(?:, #\d+)*\]", k.content):
            seqs += [int(n) for n in re.findall(r"#(\d+)", k.content)]
    return seqs


def _fresh(template: str) -> str:
    state = replay(read_journal(JOURNAL).events)
    cfg = Config()
    cfg.incident.timezone = "Europe/Berlin"
    return render_pir(state, template, cfg, now=NOW) + head_footer(state.id, HEAD)


@pytest.mark.parametrize("golden", sorted(p.name for p in GOLDEN.glob("*.md")))
def test_no_golden_export_links_a_github_issue(golden: str) -> None:
    text = (GOLDEN / golden).read_text(encoding="utf-8")
    assert _references_outside_code(text) == [], golden
    assert _cited_seqs(text), f"{golden} still cites its events"


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_shipped_template_s_export_links_no_issue_and_cites_real_events(template: str) -> None:
    text = _fresh(template)
    assert _references_outside_code(text) == [], template
    seqs = _cited_seqs(text)
    last = read_journal(JOURNAL).events[-1].seq
    assert seqs and set(seqs) <= set(range(1, last + 1)), template
    # the appendix and footer keep "#N": a search for a cited event's "#N" finds it there too
    assert f"`#1–#{last}`" in text
    assert FOOTER_RE.search(text) and FOOTER_RE.search(text).group(1) == "40"


def test_the_drill_draft_links_no_issue() -> None:
    from tests.unit.test_drill_durations import _as_drill, _render

    text = _render(_as_drill(None), "pir")
    assert _references_outside_code(text) == []
    assert _cited_seqs(text)


def test_a_cite_is_one_code_span_that_reads_as_before() -> None:
    assert cite([7, 3, None, 3]) == "`[#3, #7]`"
    assert cite(5) == "`[#5]`"
    assert cite([]) == cite(None) == ""
    tokens = _inlines(MD.parse(f"- a line {cite([3, 7])}\n"))
    assert [k.type for k in tokens] == ["text", "code_inline"]
    assert tokens[1].content == "[#3, #7]"
    assert not any(p.search(tokens[0].content) for p in GITHUB_ACTS.values())


def test_verify_reads_the_footer_of_drafts_sent_before_and_after() -> None:
    h = "ab" * 32
    for footer in (f"_Journal head #12 sha256:{h} (not signed);", head_footer("INC-1", {"seq": 12, "h": h})):
        m = FOOTER_RE.search(footer)
        assert m is not None and (m.group(1), m.group(2)) == ("12", h), footer


def test_a_team_template_s_cite_filter_takes_one_seq_or_several(tmp_path: Path) -> None:
    tmpl = tmp_path / "mine.md.j2"
    tmpl.write_text("- {{ 4|cite }} {{ [9, 2]|cite }} {{ none|cite }}|\n", encoding="utf-8")
    state = replay(read_journal(JOURNAL).events)
    assert render_pir(state, str(tmpl), Config(), now=NOW).startswith("- `[#4]` `[#2, #9]` |")
