"""What people typed reads, in the exported PIR, as exactly what they typed (pirtext, stop 26).

The PIR escaped only ``|`` in table cells: a note ``# Root cause: none`` became a heading,
``[click](javascript:…)`` a link, ``<img src=x onerror=…>`` raw HTML, ``<!--`` hid the rest of the
document, ``---`` drew a rule, a backtick closed a code span, a newline in a cell broke the table.

Here any text is drawn in every kind of place a template puts a value (heading, paragraph, list
item, task item, bold run, quote line, table cell, code span, fenced block; filtered or not) and
parsed back with markdown-it-py as a GFM reader would (tables, strikethrough, task lists,
footnotes, dollar math, raw HTML on): the place holds that literal text and nothing else — the
same nodes as for a plain word. Then the shipped templates are rendered from a journal whose every
user field holds an attack, and the document has exactly the structure of the ordinary one.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from tests.conftest import REPO
from warroom.config import Config
from warroom.incident import md_text
from warroom.incident.fold import replay
from warroom.incident.pir import render_pir
from warroom.incident.pir_templates import environment, tidy_markdown
from warroom.journal.log import read_journal
from warroom.safe_text import safe_text

GOLDEN = REPO / "tests" / "golden" / "incident"
NOW = datetime(2026, 11, 22, 13, 58, 0, tzinfo=UTC) + timedelta(hours=3)

#: The attacks the task names, and their neighbours.
ATTACKS = [
    "# Root cause: none", "## Resolved by nobody", "Title #", "[click](javascript:alert(1))",
    "![x](https://evil.example/pixel.png)", "<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
    "---", "***", "___", "===", "- item", "+ item", "* item", "1. first", "2) second", "> quoted",
    "```", "~~~", "`code`", "a ``` b", "<!-- the rest is hidden", "| a | b |", "a | b", "|---|---|",
    "[x] done", "[ ] todo", "[ref]: https://evil.example", "[^1]: footnote", "see [^1]", "[a][b]",
    "<https://evil.example>", "<a@b.example>", "&lt;b&gt;", "&#60;b&#62;", "&amp", "*em* **strong**",
    "_em_ __strong__", "~~gone~~", "~gone~", "$x^2$", "$$ \\text{none} $$", "a\\", "\\*not em\\*",
    "line one\nline two", "two spaces  \nbreak", "    indented code", "\tindented", "end ]", "[open",
    "x](y)", "a ~ b * c _ d", "failure_rate ENABLE_CIRCUIT_BREAKER", "50% < 80% & 2 > 1",
    "<br>", "</td></tr><tr><td>x", "\x1b[31mred\x1b[0m", "a\u202eb", "```python\nprint(1)\n```",
]

SPECIALS = "#*_`[]()<>!&|\\~$-+=.:;^ \n\t"
TEXT = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(alphabet=st.sampled_from(list(SPECIALS) + list("ab1x ")), max_size=24),
    st.text(max_size=24),
    st.lists(st.sampled_from(ATTACKS), min_size=2, max_size=3).map(" ".join),
)


def reader() -> MarkdownIt:
    """A GFM reader: tables, strikethrough, task lists, footnotes, math, raw HTML on."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.use(tasklists_plugin).use(footnote_plugin).use(dollarmath_plugin)


MD = reader()


@functools.lru_cache(maxsize=None)
def _compiled(source: str) -> Any:
    """A template string compiled once (the environment is the process's own, kept for it too):
    the property tests render the same few templates hundreds of times with drawn values, and
    compiling took over half of this file's CPU."""
    return environment().from_string(source)


def render(source: str, **values: Any) -> str:
    return str(_compiled(source).render(**values))


@functools.lru_cache(maxsize=None)
def _plain(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The shape and the GitHub acts of ``source`` drawn with a plain word: what every drawn text is
    compared with. A function of the template alone (a constant value, a deterministic render and
    parse), so read once per template: each example parsed it again (up to twice), a third of the
    examples' parsing."""
    tokens = MD.parse(render(source, x="plainword"))
    return tuple(shape(tokens)), tuple(github_acts(tokens))


def plain_shape(source: str) -> list[str]:
    return list(_plain(source)[0])


def plain_acts(source: str) -> list[str]:
    return list(_plain(source)[1])


def shape(tokens: list[Token]) -> list[str]:
    """Every node, block and inline, by type; a run of text (``<br>`` included) one ``text``."""
    out: list[str] = []
    for t in tokens:
        kids = t.children or []
        if t.type != "inline":
            out.append(t.type)
        for k in kids:
            kind = "text" if k.type == "html_inline" and k.content == "<br>" else k.type
            if not (kind == "text" and out and out[-1] == "text"):
                out.append(kind)
    return out


def text_of(tokens: list[Token]) -> str:
    """The visible text of every inline node (a ``<br>`` a newline), whitespace folded."""
    blocks = []
    for t in tokens:
        parts = []
        for k in t.children or []:
            if k.type in ("text", "code_inline"):
                parts.append(k.content)
            elif k.type in ("softbreak", "hardbreak") or (k.type == "html_inline" and k.content == "<br>"):
                parts.append(" ")
        if t.type in ("code_block", "fence"):
            parts.append(t.content)
        blocks.append("".join(parts))
    return " ".join(" ".join(blocks).replace(ZWSP, "").split())


#: U+200B, which reads as nothing: what breaks a GitHub mention, reference or autolink (md_text.github)
ZWSP = "\u200b"


def literal(text: str) -> str:
    """What the reader must see: the text with control characters pictured, whitespace folded
    (a zero-width space is not seen)."""
    return " ".join(safe_text(text).replace(ZWSP, "").split())


#: Each kind of place a template draws a value: (template, the text around the value).
PLACES = {
    "heading": ("# Post-Incident Review: {{ x|inline }}\n", "Post-Incident Review: {}"),
    "paragraph": ("{{ x|inline }}\n\nafter\n", "{} after"),
    "paragraph, unfiltered": ("{{ x }}\n\nafter\n", "{} after"),
    "sentence": ("{{ x|sentence }}\n", "{}"),
    "after a paragraph line": ("before\n{{ x }}\n", "before {}"),
    "list item": ("- {{ x|inline }} [#3]\n- next\n", "{} [#3] next"),
    "numbered item": ("1. {{ x|inline }}\n", "{}"),
    "task item": ("- [ ] {{ x|inline }}\n", "{}"),
    "bold run": ("**1. {{ x|inline }}** [#3]\n", "1. {} [#3]"),
    "quote line in a list": ("- head\n\n  > {{ x }}\n  > second\n", "head {} second"),
    "two values": ("- Owner: {{ x|inline }} — Due: {{ x|inline }}\n", "Owner: {} — Due: {}"),
    "table cell": ("| A | B |\n|---|---|\n| {{ x|cell }} | {{ x|cell }} |\n| z | z |\n", "A B {} {} z z"),
    "table cell, unfiltered": ("| A | B |\n|---|---|\n| {{ x }} | end |\n", "A B {} end"),
    "code span": ("- Command: {{ x|code }} done\n", "Command: {} done"),
    "code span in a cell": ("| A |\n|---|\n| {{ x|code|cell }} |\n", "A {}"),
    # what a team's own template may do with a value: join it, escape it the HTML way, dump it
    "joined in the template": ('- {{ "Owner: " ~ x }} — {{ x ~ " (by " ~ x ~ ")" }}\n', "Owner: {} — {} (by {})"),
    "|join": ('- {{ [x, x]|join(", ") }}\n', "{}, {}"),
    "|e": ("- {{ x|e }} and {{ x|escape }}\n", "{} and {}"),
    # markdown of the template's own (a macro's output, a set block, |safe) joined with a raw value:
    # Jinja escaped the raw one for HTML only (P26-2); the PIR environment escapes it as markdown
    "a macro's output ~ a value": ('{% macro m() %}**1.**{% endmacro %}- {{ m() ~ " " ~ x }}\n', "1. {}"),
    "a set block ~ a value": ('{% set by %}_by_{% endset %}- {{ x ~ " " ~ by ~ " " ~ x }}\n', "{} by {}"),
    "|safe ~ a value": ('- {{ "**s**"|safe ~ ": " ~ x }}\n', "s: {}"),
    "a macro's output |join a value": ('{% macro m() %}**1.**{% endmacro %}- {{ [m(), x]|join(" ") }}\n', "1. {}"),
    # markupsafe's own operators and methods on such markup (harness-3): `+`, `%`, |format, |replace,
    # .format, .join, |indent's text; each escaped the raw operand for HTML only
    "a macro's output + a value": ('{% macro m() %}**1.**{% endmacro %}- {{ m() + " " + x }}\n', "1. {}"),
    "a value + a set block": ('{% set by %}_by_{% endset %}- {{ x + " " + by }}\n', "{} by"),
    "a macro's output % a value": ('{% macro m() %}**1.** %s{% endmacro %}- {{ m() % x }}\n', "1. {}"),
    "a macro's output |format a value": ('{% macro m() %}**1.** %s{% endmacro %}- {{ m()|format(x) }}\n', "1. {}"),
    "a macro's output |replace a value": ('{% macro m() %}**1.** X{% endmacro %}- {{ m()|replace("X", x) }}\n',
                                          "1. {}"),
    "a macro's output .format a value": ('{% macro m() %}**1.** {}{% endmacro %}- {{ m().format(x) }}\n', "1. {}"),
    "|safe .join values": ('- {{ (" **s** "|safe).join([x, x]) }}\n', "{} s {}"),
}

JOINED_RAW = {"joined in the template", "|join", "a macro's output ~ a value", "a set block ~ a value",
              "|safe ~ a value", "a macro's output |join a value", "a macro's output + a value",
              "a value + a set block", "a macro's output % a value", "a macro's output |format a value",
              "a macro's output |replace a value", "a macro's output .format a value", "|safe .join values"}

#: A value drawn for its place and joined with a raw one: Jinja's ``~`` makes one plain string,
#: escaped whole. Never markdown (the same nodes as a plain word), though what was drawn already
#: may show a backslash.
MIXED = "- {{ (x|inline) ~ ' by ' ~ x }} · {{ [x|inline, x]|join(', ') }} · {{ x|tojson }}\n"


#: More examples for a deeper run: PIRTEXT_EXAMPLES=3000 pytest THIS_FILE
EXAMPLES = int(os.environ.get("PIRTEXT_EXAMPLES", "150"))


@pytest.mark.parametrize("place", sorted(PLACES))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
@example(text="# Root cause: none")
@example(text="[click](javascript:alert(1))")
@example(text="<img src=x onerror=alert(1)>")
@example(text="<!-- hide the rest")
@example(text="--- ")
@example(text="a ` b ``")
@example(text="x\n| y | z |")
def test_any_text_reads_as_itself_in_every_place(place: str, text: str) -> None:
    assume(literal(text))       # no text at all: the template's own markup may read differently
    source, around = PLACES[place]
    drawn = render(source, x=text)
    tokens = MD.parse(drawn)
    assert shape(tokens) == plain_shape(source), (place, text, drawn)
    as_written = safe_text(text).replace(ZWSP, "") if place in JOINED_RAW else literal(text)    # joined: not folded first
    want = around.format(*[as_written] * around.count("{}"))
    if place == "sentence" and literal(text) and not literal(text).endswith((".", "!", "?")):
        want += "."
    assert text_of(tokens) == " ".join(want.split()), (place, text, drawn)


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=TEXT)
@example(text="*em* [a](b) <b>")
def test_a_drawn_value_joined_with_a_raw_one_is_never_markdown(text: str) -> None:
    assume(literal(text))
    assert shape(MD.parse(render(MIXED, x=text))) == plain_shape(MIXED), text


@pytest.mark.parametrize("source, want", [
    # a plain value taking markup in |replace: Jinja escaped the value for HTML and called it markup
    ('- {{ (x ~ " Y")|replace("Y", "**b**"|safe) }}\n', "TEXT b"),
    # |indent's text: Jinja made it markup unescaped
    ('{% macro m() %}**1.**\n\n2{% endmacro %}{{ m()|indent(x ~ " ", first=True) }}\n', "TEXT 1. TEXT 2"),
    # markup's own methods
    ('{% macro m() %}**1.** Y{% endmacro %}- {{ m().replace("Y", x) }}\n', "1. TEXT"),
    ('{% macro m() %}**1.** a{% endmacro %}- {{ m()[0:6] + " " + x }}\n', "1. TEXT"),
])
def test_markup_combined_with_a_value_anywhere_escapes_it_as_markdown(source: str, want: str) -> None:
    """harness-3: markup of the template's own (a macro, |safe) met a raw value through markupsafe's
    HTML rule in more places than ``~``; each now escapes the value as markdown prose."""
    text = "*em* [a](b) @alice #12 <b>"
    drawn = render(source, x=text)
    tokens = MD.parse(drawn)
    assert github_acts(tokens) == [], drawn
    assert shape(tokens) == shape(MD.parse(render(source, x="plainword"))), drawn
    assert text_of(tokens) == want.replace("TEXT", text), drawn


def test_plain_values_still_add_and_format() -> None:
    """The PIR environment's ``+`` and ``%`` keep their meaning for numbers and plain strings."""
    assert render("{{ 1 + 2 }} {{ 7 % 4 }} {{ '%d%%' % 5 }} {{ '%.1f' % 2.25 }} {{ 'a' + 'b' }} {{ [1] + [2] }}") \
        == "3 3 5% 2.2 ab [1, 2]"
    assert render('{% macro m() %}**%d** of %.1f{% endmacro %}{{ m() % (3, 2.5) }}') == "**3** of 2.5"


#: A team's template writing references by hand around values (cites-1): the text begins a GitHub
#: convenience, the value (data from the journal) would complete it.
HAND_WRITTEN = ('- step failed [#{{ n }}], see GH-{{ n }}, owner/repo#{{ n }} and #{{ n }}; IC @{{ x }}\n'
                '- {{ "[#" }}{{ n }}] {% for s in [n, n] %}[#{{ s }}]{% endfor %} https:{{ u }}\n')


@settings(max_examples=EXAMPLES, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**6), x=st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True))
def test_a_reference_written_by_hand_around_a_value_links_nothing(n: int, x: str) -> None:
    """A value never completes a GitHub reference, mention or link the template's text began; the
    draft still reads as written (the zero-width space is not seen)."""
    drawn = render(HAND_WRITTEN, n=n, x=x, u="//evil.example/x")
    tokens = MD.parse(drawn)
    assert github_acts(tokens) == [], drawn
    assert text_of(tokens) == (f"step failed [#{n}], see GH-{n}, owner/repo#{n} and #{n}; IC @{x} "
                               f"[#{n}] [#{n}][#{n}] https://evil.example/x"), drawn


def test_a_hand_written_reference_in_code_is_left_as_written() -> None:
    """GitHub links nothing in code: there the value is printed as it is (no entity to show raw)."""
    assert render("- run `#{{ n }}` then\n\n```\n#{{ n }} @{{ x }}\n```\n", n=5, x="bob") \
        == "- run `#5` then\n\n```\n#5 @bob\n```\n"
    assert render("- #{{ n }} and {{ n }}: x#{{ 'y' }}\n", n=5) == "- #&#8203;5 and 5: x#y\n"
    # a link the template means: its destination is the template's
    assert render("- [part {{ n }}](https://wiki.example/pir#{{ n }}) <mailto:ic@{{ x }}>\n", n=5, x="corp.example") \
        == "- [part 5](https://wiki.example/pir#5) <mailto:ic@corp.example>\n"


def test_the_html_only_filters_are_not_offered() -> None:
    """``urlize`` and ``xmlattr`` write raw HTML from their input: a template cannot use them."""
    import jinja2

    for name in ("urlize", "xmlattr"):
        with pytest.raises(jinja2.TemplateAssertionError):
            environment().from_string("{{ x|%s }}" % name)


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=TEXT)
@example(text="```\nnot closed\n````x")
@example(text="a\n\n\n```\n\n\nb")
def test_a_fenced_block_holds_any_lines_as_written(text: str) -> None:
    drawn = tidy_markdown(render("before\n\n{{ x|fence }}\n\nafter\n", x=text))   # as render_pir does
    tokens = MD.parse(drawn)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close", "fence",
                                        "paragraph_open", "inline", "paragraph_close"], drawn
    fenced = next(t for t in tokens if t.type == "fence")
    body = safe_text(text)
    assert fenced.content == (body + "\n" if text else ""), drawn


def test_ordinary_text_is_written_as_it_was() -> None:
    """Escaping only where a character could act: the words the goldens hold are unchanged."""
    for text in ("failure_rate 1.1% → 1.4% (+5m00s); quota 95.5% → 92% (+5m00s)", "[root-cause] A retry loop",
                 "needs < 10% for 2m", "Incident declared [DRILL]: Model API quota exhausted (P3)",
                 "ENABLE_CIRCUIT_BREAKER=true", "alice@bastion-1", "P3 -> P2: three repos failing",
                 "5 * 3 and a ~ b", "R&D team", "C# code", "bob@bastion-2: 3 repos"):
        assert md_text.prose(text) == text


# --- pasted into a GitHub issue: pings nobody, links nothing, strikes nothing (P26-2) ------------

#: GitHub's conveniences as published, applied to the text a reader of the markdown gets (GitHub
#: runs its mention and reference filters on the rendered text, outside code and links): the mention
#: pattern of html-pipeline's MentionFilter (widened: any name start after a non-word character), the
#: references of "Writing on GitHub" (#26, GH-26, user#26, user/repo#26), the GFM spec's autolink
#: extension (www., http://, https://, ftp://, mailto:, xmpp:, e-mail addresses).
GITHUB_ACTS = {
    "mention": re.compile(r"(?:^|(?<=[^A-Za-z0-9_]))@[A-Za-z0-9]"),
    "issue reference": re.compile(r"#[0-9]|(?<![A-Za-z0-9])GH-[0-9]", re.IGNORECASE),
    "url autolink": re.compile(r"(?:https?|ftp)://|(?:mailto|xmpp):[A-Za-z0-9]", re.IGNORECASE),
    "www autolink": re.compile(r"(?:^|(?<=[\s*_~(]))www\.", re.IGNORECASE),
    "e-mail autolink": re.compile(r"[A-Za-z0-9.+_-]@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+"),
}
GITHUB_ATTACKS = [
    "@alice", "cc @alice and @org/team", "(@bob)", "é@bob", "ping @Bob-2.", "#12", "see #12.", "GH-26", "gh-7",
    "owner/repo#26", "jlord#26", "https://evil.example/x", "HTTPS://E.X", "1https://evil.example", "ftp://f.x",
    "www.evil.example", "(www.evil.example)", "mailto:a@b.example", "xmpp:a@b.example", "a.b+c@d-e.example",
    "alice@bastion-1", "~x~", "~~gone~~", "a ~b~ c", "**@alice**", "_#12_", "[#12]", "`#12` and #12", "&#8203;",
]
GITHUB_TEXT = st.one_of(
    st.sampled_from(GITHUB_ATTACKS),
    st.lists(st.sampled_from(GITHUB_ATTACKS + ATTACKS), min_size=2, max_size=3).map(" ".join),
    st.text(alphabet=st.sampled_from(list("@#:/.~wWhtpsGH-_ a1(*`\\")), max_size=24),
)


def github_acts(tokens: list[Token]) -> list[str]:
    """What GitHub would do to the text a reader gets: every match of :data:`GITHUB_ACTS` in a
    text run (code spans and fenced blocks are left alone by GitHub), and every strikethrough."""
    found = []
    for t in tokens:
        for k in t.children or []:
            if k.type == "s_open":
                found.append("strikethrough")
            if k.type == "text":
                found += [f"{name}: {m.group()!r}" for name, pattern in GITHUB_ACTS.items()
                          for m in pattern.finditer(k.content)]
    return found


def single_tildes(markdown: str) -> list[int]:
    """Where GitHub's strikethrough could start or end with one ``~`` (its extension takes one or
    two): a tilde not escaped and not between two spaces is left- or right-flanking."""
    spots = []
    for m in re.finditer(r"(?<!\\)~", markdown):
        before = markdown[m.start() - 1] if m.start() else " "
        after = markdown[m.end()] if m.end() < len(markdown) else " "
        if not (before.isspace() and after.isspace()):
            spots.append(m.start())
    return spots


@pytest.mark.parametrize("place", sorted(set(PLACES) - {"code span", "code span in a cell"}))
@settings(max_examples=EXAMPLES, deadline=None)
@given(text=GITHUB_TEXT)
@example(text="cc @alice: see #12 and https://evil.example")
@example(text="a.b@c.example")
def test_pasted_into_github_what_people_typed_pings_nobody_and_links_nothing(place: str, text: str) -> None:
    assume(literal(text))
    source, around = PLACES[place]
    drawn = render(source, x=text)
    tokens = MD.parse(drawn)
    # nothing beyond what the template's own text does (its "[#3]" cite: FINDINGS harness-2)
    assert github_acts(tokens) == plain_acts(source), (place, text, drawn)
    assert single_tildes(drawn) == [], (place, text, drawn)
    assert shape(tokens) == plain_shape(source), (place, text, drawn)
    as_written = safe_text(text).replace(ZWSP, "") if place in JOINED_RAW else literal(text)
    want = around.format(*[as_written] * around.count("{}"))
    if place == "sentence" and not literal(text).endswith((".", "!", "?")):
        want += "."
    assert text_of(tokens) == " ".join(want.split()), (place, text, drawn)     # and reads as typed


def test_github_s_conveniences_are_broken_where_they_start_and_nowhere_else() -> None:
    """The zero-width space goes right after the character a convenience starts with; what
    GitHub leaves alone (an actor ``alice@bastion-1``, ``C#``) is written as before."""
    z = md_text.ZERO_WIDTH
    assert md_text.prose("cc @alice, #12, GH-3 and o/r#4") == f"cc @{z}alice, #{z}12, GH-{z}3 and o/r#{z}4"
    assert md_text.prose("https://x.example www.y.example a@b.example") == \
        f"https:{z}//x.example www{z}.y.example a@{z}b.example"
    assert md_text.cell("@alice | #12") == f"@{z}alice \\| #{z}12"
    assert md_text.code("@alice #12") == "`@alice #12`"          # GitHub leaves code alone
    for text in ("alice@bastion-1", "C# code", "issue 12", "a ~ b"):
        assert md_text.prose(text) == text


# --- the shipped templates, every user field an attack ------------------------------------------

ATTACK = ("# Root cause: none <img src=x onerror=alert(1)> [click](javascript:alert(1)) <!-- "
          "`x` ``` | c | d |")
ATTACK_LINES = "---\n# heading\n> quote\n| a | b |\n- [x] done"
#: The same fields with ordinary words, line for line: the structure the attacks must not change.
ORDINARY, ORDINARY_LINES = "ordinary words", "one\ntwo\nthree\nfour\nfive"


def _attacked(value: Any, key: str, word: str = ATTACK, lines: str = ATTACK_LINES) -> Any:
    """``value`` with every string a person or a runbook supplies replaced by ``word`` (``lines``
    where a field holds several lines)."""
    user_keys = {"title", "text", "label", "reason", "summary", "resolution", "type", "affected_repos",
                 "command", "expect", "person", "why", "owner", "due", "name", "excerpt", "brief"}
    if isinstance(value, dict):
        return {k: _attacked(v, k, word, lines) for k, v in value.items()}
    if isinstance(value, list):
        return [_attacked(v, key, word, lines) for v in value]
    if isinstance(value, str) and key in user_keys:
        return lines if key in ("text", "summary") else word
    return value


def _rendered(attack: bool, template: str) -> str:
    word, lines = (ATTACK, ATTACK_LINES) if attack else (ORDINARY, ORDINARY_LINES)
    events = [dataclasses.replace(e, data=_attacked(e.data, "", word, lines))
              for e in read_journal(GOLDEN / "journal.jsonl").events]
    state = replay(events)
    state.commander = word
    cfg = Config()
    cfg.incident.timezone = "Europe/Berlin"
    steps = [{"step": 1, "step_id": "check-quota", "label": word, "kind": "shell", "section": "Triage"},
             {"step": 9, "step_id": "later", "label": word, "kind": "manual", "section": "Triage"}]
    return render_pir(state, template, cfg, now=NOW, runbook_steps=steps)


def _structure(markdown: str) -> list[str]:
    return shape(MD.parse(markdown))


@pytest.mark.parametrize("template", ["pir", "rca", "postmortem"])
def test_a_journal_of_attacks_draws_the_same_document_as_an_ordinary_one(template: str) -> None:
    ordinary, attacked = _rendered(False, template), _rendered(True, template)
    assert ATTACK.split()[0] in attacked           # the attack did reach the draft
    assert _structure(attacked) == _structure(ordinary), attacked
    seen = text_of(MD.parse(attacked))
    for word in ("<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "<!--", "| c | d |"):
        assert word in seen, word
    assert not re.search(r"<(img|script|a )", MD.render(attacked))
