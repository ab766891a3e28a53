"""The walk over markdown-it's token stream that collects a runbook's sections and step drafts.

The builder is stateful (open list items, the current heading, fences waiting for a label), which
is why it is a class of its own; :mod:`warroom.runbook.parser` only decodes the file and hands
the text over, :mod:`warroom.runbook.code_blocks` reads what each code block holds (given what it
needs of the walk, block by block), and :mod:`warroom.runbook.assemble` turns what the walk
collected into steps (given that, not the builder).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from warroom.runbook import inline_commands
from warroom.runbook.assemble import Collected, assemble
from warroom.runbook.code_blocks import CodeBlocks
from warroom.runbook.drafts import _Entry, _Item, inline_entry
from warroom.runbook.frontmatter import FrontMatter, split_front_matter
from warroom.runbook.inline import (
    _label_from_text,
    _plain,
    _squash,
)
from warroom.runbook.model import Finding, Runbook, Section
from warroom.runbook.phases import phase_for

_CHECKBOX = re.compile(r"^\[( |x|X)\](?:\s+|$)")
# Inline markup worth a real inline parse; text without any of these is its own plain text.
_MARKUP = re.compile(r"[`*_\[\]<>&\\!]")
# markdown-it stops descending past this many nested blocks; deeper content is reported.
MAX_NESTING = 100


class _Builder:
    """The walk's state and the walk; code blocks are read by ``self.blocks`` (a ``CodeBlocks``)
    and the runbook is put together by ``assemble`` once the walk is over."""

    def __init__(self, text: str, path: Path | None) -> None:
        self.text = text
        self.path = path
        self.file = str(path) if path else "<text>"
        self.findings: list[Finding] = []
        self.sections: list[Section] = []
        self.section_lines: list[int] = []
        self.heading_stack: list[tuple[int, str | None]] = []
        self.entries: list[_Entry | _Item] = []
        self.items: list[_Item] = []
        self.list_depth = 0
        self.last_paragraph: str | None = None
        self.first_h1: str | None = None
        self.first_heading: str | None = None
        self.fm = FrontMatter()
        self.lines: list[str] = []
        self.blocks = CodeBlocks(self.lines, self.finding)      # replaced once the body's lines are known
        self.md: Any = None
        self.env: dict[str, Any] = {}
        # The paragraph right above the current block, parsed to plain text on first use.
        self.last_paragraph_tok: Any = None
        self._plain_cache: dict[int, str] = {}
        # True while nothing but the heading precedes the current block in its section.
        self.after_heading = False
        # The step the last code block made (an "Expected: ..." paragraph right after it is its
        # expectation), and the step whose expected output the next plain fence is.
        self.fence_last: _Entry | None = None
        self.expect_fence: _Entry | None = None

    def finish(self) -> Runbook:
        """The runbook the walk describes, with every finding reported on the way, in line order."""
        rb = assemble(Collected(self.path, self.fm, self.sections, self.section_lines, self.lines, self.entries,
                                self.first_h1, self.first_heading, self.blocks.unclosed), self.finding)
        rb.findings = sorted(self.findings, key=lambda f: f.line)
        rb.code_blocks = self.blocks.stats
        return rb

    def finding(self, line: int, level: str, message: str) -> None:
        self.findings.append(Finding(self.file, max(int(line), 1), level, message))  # type: ignore[arg-type]

    # -- walking --------------------------------------------------------------------------
    def run(self) -> None:
        from markdown_it import MarkdownIt

        self.fm, body = split_front_matter(self.text, self.file)
        self.findings.extend(self.fm.findings)
        self.lines = body.split("\n")
        self.blocks = CodeBlocks(self.lines, self.finding)
        # Tables are read as paragraphs (their cells never hold steps) and inline markup is parsed
        # only for the text warroom shows: both are most of markdown-it's time on big files.
        md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
        md.core.ruler.disable("inline")
        self.md = md
        self.env = {}
        tokens = self.parse_blocks(md, body)
        for i, tok in enumerate(tokens):
            t = tok.type
            if t.endswith("_open") and t != "heading_open" or t in ("fence", "code_block",
                                                                    "html_block", "hr"):
                after_heading, self.after_heading = self.after_heading, False
            else:
                after_heading = self.after_heading
            if t.endswith(("_open", "_close")) and t not in ("paragraph_open", "paragraph_close"):
                self.fence_last = self.expect_fence = None
            if t == "heading_open":
                self.heading(tok, tokens[i + 1] if i + 1 < len(tokens) else None)
            elif t in ("bullet_list_open", "ordered_list_open"):
                self.list_depth += 1
                self.last_paragraph = None
            elif t in ("bullet_list_close", "ordered_list_close"):
                self.list_depth = max(self.list_depth - 1, 0)
                self.last_paragraph = None
            elif t == "list_item_open":
                self.item_open(tok)
            elif t == "list_item_close":
                self.item_close()
            elif t == "inline" and i > 0 and tokens[i - 1].type == "paragraph_open":
                self.paragraph(tok)
            elif t in ("fence", "code_block"):
                pending, self.expect_fence = self.expect_fence, None
                self.fence_last = self.blocks.read(
                    tok, after_heading=after_heading, pending=pending, item=self.items[-1] if self.items else None,
                    section=self.current_section, context=lambda: self.last_paragraph, entries=self.entries)
                self.last_paragraph = None
            elif t in ("html_block", "table_open", "hr", "blockquote_open"):
                self.last_paragraph = None

    def parse_blocks(self, md: Any, body: str) -> list[Any]:
        """markdown-it's block tokens for the whole body, even past over-deep nesting.

        Past ``maxNesting`` markdown-it skips *everything* to the end of the input, not just what
        is deeper. So the deep part is reported with the lines really left unread, and parsing
        resumes at the next line that starts a top-level block (column 0 after a blank line, or a
        heading/fence); its token maps are shifted back to lines of the whole body.
        """
        lines = body.split("\n")
        out: list[Any] = []
        start = 0
        # Each resumption parses the rest of the file again up to its next deep part: bounded so a
        # file of hundreds of deep lists stays linear (past the budget the rest is reported).
        budget = 4 * len(body) + 4096
        offsets: list[int] | None = None  # where each line starts, once a deep part is found
        while True:
            text = body if start == 0 else "\n".join(lines[start:])
            budget -= len(text)
            tokens = md.parse(text, self.env)
            if start:
                for tok in tokens:
                    if tok.map:
                        tok.map = [tok.map[0] + start, tok.map[1] + start]
            out.extend(tokens)
            if max((tok.level for tok in tokens), default=0) < MAX_NESTING - 2:
                return out
            deep_at = max((tok.map[0] for tok in tokens if tok.map), default=start)
            resume = _top_level_resume(lines, deep_at + 1)
            last = (resume if resume is not None else len(lines))
            self.finding(deep_at + 1, "error",
                         f"content nests more than {MAX_NESTING // 2} levels deep here; lines "
                         f"{deep_at + 1}-{last} are not read (flatten the lists or quotes)")
            if resume is None:
                return out
            if offsets is None:
                offsets = list(itertools.accumulate((len(x) + 1 for x in lines), initial=0))
            if budget < len(body) - offsets[resume]:
                self.finding(resume + 1, "error",
                             f"too many over-deep parts: lines {resume + 1}-{len(lines)} are not "
                             "read (flatten the lists or quotes above)")
                return out
            start = resume

    # -- inline text --------------------------------------------------------------------
    def plain(self, inline: Any) -> str:
        """Plain text of an inline token, parsing its markup only when it has any."""
        key = id(inline)
        got = self._plain_cache.get(key)
        if got is not None:
            return got
        content = inline.content or ""
        if not _MARKUP.search(content):
            text = content.replace("\n", " ")
        else:
            # The block pass leaves children empty (the core inline rule is off): parse now.
            children: list[Any] = []
            self.md.inline.parse(content, self.md, self.env, children)
            inline.children = children
            text = _plain(inline)
        self._plain_cache[key] = text
        return text

    @property
    def last_paragraph(self) -> str | None:
        tok = self.last_paragraph_tok
        if tok is None:
            return None
        if isinstance(tok, str):
            return tok
        return _squash(self.plain(tok))

    @last_paragraph.setter
    def last_paragraph(self, value: Any) -> None:
        self.last_paragraph_tok = value

    def current_section(self) -> Section:
        if not self.sections:
            sec = Section(title="", level=0, line=1, phase=None)
            self.sections.append(sec)
            self.section_lines.append(0)
        return self.sections[-1]

    def heading(self, tok: Any, inline: Any) -> None:
        title = self.plain(inline) if inline is not None and inline.type == "inline" else ""
        level = int(tok.tag[1]) if tok.tag[1:].isdigit() else 1
        line = tok.map[0] + 1 if tok.map else 1
        is_title = level == 1 and self.first_h1 is None and self.first_heading is None
        if level == 1 and self.first_h1 is None:
            self.first_h1 = title
        if self.first_heading is None:
            self.first_heading = title
        while self.heading_stack and self.heading_stack[-1][0] >= level:
            self.heading_stack.pop()
        inherited = next((p for _lvl, p in reversed(self.heading_stack) if p), None)
        # The document title names the runbook ("Timeout recovery"), not a phase of it; a
        # sub-heading overrides its section's phase only when it opens with a phase word.
        own = None if is_title else phase_for(title, leading_only=inherited is not None)
        phase = own or inherited
        self.heading_stack.append((level, phase))
        # A heading inside a list item is rare; it still opens a section.
        self.sections.append(Section(title=title, level=level, line=line, phase=phase))  # type: ignore[arg-type]
        self.section_lines.append(line - 1)
        self.last_paragraph = None
        self.after_heading = True

    def item_open(self, tok: Any) -> None:
        line = tok.map[0] + 1 if tok.map else 1
        item = _Item(line=line, depth=max(self.list_depth - 1, 0), section=self.current_section())
        item.slot = len(self.entries)
        self.entries.append(item)
        self.items.append(item)

    def item_close(self) -> None:
        if not self.items:
            return
        item = self.items.pop()
        if item.checkbox is None and self.in_checklist() and item.plain:
            # A plain bullet under a checklist item is part of that item's text.
            self.items[-1].details.append(item.plain)
            self.items[-1].details.extend(item.details)
        self.entries[item.slot] = self.resolve_item(item)  # type: ignore[assignment]
        self.last_paragraph = None

    def paragraph(self, inline: Any) -> None:
        raw = inline.content or ""
        line = inline.map[0] + 1 if inline.map else 1
        prev, self.fence_last, self.expect_fence = self.fence_last, None, None
        m = _EXPECT_PARA.match(raw.strip()) if prev is not None else None
        if m and prev is not None and prev.expect is None:
            said = m.group(1).strip()
            if said:
                # "Expected: `active`" under the fence: the step's expectation, as `# Expected:`
                prev.expect = said[1:-1] if re.fullmatch(r"`[^`]+`", said) else said
            else:
                self.expect_fence = prev  # "Expected output:" and the output in the next fence
            return
        if inline_commands.table_like(raw):
            # A pipe table (read as a paragraph): neither a label nor a source of steps.
            if self.items and not self.items[-1].got_paragraph:
                self.items[-1].got_paragraph = True
            self.last_paragraph = None
            return
        if self.items and not self.items[-1].got_paragraph:
            item = self.items[-1]
            item.got_paragraph = True
            content = raw
            m = _CHECKBOX.match(content)
            if m:
                item.checkbox = m.group(1).lower()
                content = content[m.end():]

            def item_plain(tok: Any = inline, checkbox: bool = m is not None) -> str:
                text = self.plain(tok)
                return _squash(_CHECKBOX.sub("", text, count=1) if checkbox else text)

            item.text = content.strip()
            item.plain_source = item_plain
            item.codes = inline_commands.code_spans(content)
            self.last_paragraph = inline
            if item.checkbox is None:
                self.inline_steps(item.codes, inline, line, item.depth, item.section)
            return
        codes = inline_commands.code_spans(raw)
        if self.items:
            if self.in_checklist():
                self.items[-1].details.append(_squash(self.plain(inline)))
            self.inline_steps(codes, inline, line, self.items[-1].depth, self.items[-1].section)
        else:
            self.inline_steps(codes, inline, line, 0, self.current_section())
        self.last_paragraph = inline

    def in_checklist(self) -> bool:
        """Some open list item is a checklist item (its text collects what is nested in it)."""
        return any(i.checkbox is not None for i in self.items)

    def inline_steps(self, codes: list[str], inline: Any, line: int, depth: int,
                     section: Section) -> None:
        """Each command in inline code of a paragraph or plain list item is a step."""
        raw = inline.content or ""
        commands = [inline_commands.command_text(c) for c in codes
                    if inline_commands.is_inline_command(c)
                    and not inline_commands.mentioned_only(raw, c)]
        if not commands:
            return
        plain = _squash(self.plain(inline))
        for cmd in commands:
            self.entries.append(inline_entry(cmd, plain, line, depth, section, section_text=plain))

    # -- list items -----------------------------------------------------------------------
    def resolve_item(self, item: _Item) -> _Entry | list[_Entry] | None:
        if item.checkbox is None:
            return None
        first = self.resolve_checklist_item(item)
        if item.extra_entries:
            return [first, *item.extra_entries]
        return first

    def resolve_checklist_item(self, item: _Item) -> _Entry:
        label = _label_from_text(item.plain) or "(empty checklist item)"
        text = item.text
        if item.details:
            text = text + "\n" + "\n".join(f"- {d}" for d in item.details)
        if item.fence_entry is not None:
            e = item.fence_entry
            e.label = _label_from_text(item.plain) or e.label
            e.text = text
            e.line = item.line
            e.depth = item.depth
            e.checked = item.checkbox == "x"
            return e
        raw = item.text or ""
        # "- [ ] Do not run `x` yet": the item forbids the command, it does not run it
        codes = [c for c in item.codes
                 if not inline_commands.forbidden(raw[:max(raw.find(c), 0)][-200:])]
        commands = [inline_commands.command_text(c) for c in codes
                    if inline_commands.is_inline_command(c)]
        if commands:
            # The first command is the checklist item; any further one is a step of its own.
            entries = [inline_entry(cmd, item.plain, item.line, item.depth, item.section,
                                    section_text=text, checked=item.checkbox == "x")
                       for cmd in commands]
            item.extra_entries[:0] = entries[1:]
            return entries[0]
        maybe = [c.strip() for c in codes if len(c.split()) >= 2 and "\n" not in c]
        return _Entry(kind="manual", label=label, line=item.line, section=item.section,
                      text=text, depth=item.depth, checked=item.checkbox == "x",
                      maybe_command=maybe[0] if len(maybe) == 1 else None,
                      item_plain=item.plain)


# A paragraph that is the expectation of the command fenced right above it.
_EXPECT_PARA = re.compile(r"^(?:expected|expected output|expected result)\s*:\s*(.*)$", re.I | re.S)


def _top_level_resume(lines: list[str], after: int) -> int | None:
    """The first line at or after ``after`` that starts a top-level block (0-based), if any."""
    for i in range(max(after, 1), len(lines)):
        line = lines[i]
        if not line.strip() or line[0] in " \t>":
            continue
        if not lines[i - 1].strip() or line.startswith(("#", "```", "~~~")):
            return i
    return None
