"""The walk over markdown-it's token stream that collects a runbook's sections and step drafts.

The builder is stateful (open list items, the current heading, fences waiting for a label), which
is why it is a class of its own; :mod:`warroom.runbook.parser` only decodes the file and hands
the text over, and :mod:`warroom.runbook.assemble` turns the collected drafts into steps.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from warroom.runbook import blocks, fence
from warroom.runbook.assemble import _Assembly
from warroom.runbook.drafts import _Entry, _Item
from warroom.runbook.frontmatter import FrontMatter, split_front_matter
from warroom.runbook.inline import (
    _dedent,
    _inline_command,
    _label_from_command,
    _label_from_text,
    _plain,
    _squash,
)
from warroom.runbook.model import Finding, Section
from warroom.runbook.phases import phase_for

_CHECKBOX = re.compile(r"^\[( |x|X)\](?:\s+|$)")


class _Builder(_Assembly):
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
        self.block_stats: list[dict[str, Any]] = []
        self.unclosed_fences: set[int] = set()
        # True while nothing but the heading precedes the current block in its section.
        self.after_heading = False

    def finding(self, line: int, level: str, message: str) -> None:
        self.findings.append(Finding(self.file, max(int(line), 1), level, message))  # type: ignore[arg-type]

    # -- walking --------------------------------------------------------------------------
    def run(self) -> None:
        from markdown_it import MarkdownIt

        self.fm, body = split_front_matter(self.text, self.file)
        self.findings.extend(self.fm.findings)
        self.lines = body.split("\n")
        md = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table")
        tokens = md.parse(body)
        for i, tok in enumerate(tokens):
            t = tok.type
            if t.endswith("_open") and t != "heading_open" or t in ("fence", "code_block",
                                                                    "html_block", "hr"):
                after_heading, self.after_heading = self.after_heading, False
            else:
                after_heading = self.after_heading
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
                self.code(tok, after_heading)
                self.last_paragraph = None
            elif t in ("html_block", "table_open", "hr", "blockquote_open"):
                self.last_paragraph = None

    def current_section(self) -> Section:
        if not self.sections:
            sec = Section(title="", level=0, line=1, phase=None)
            self.sections.append(sec)
            self.section_lines.append(0)
        return self.sections[-1]

    def heading(self, tok: Any, inline: Any) -> None:
        title = _plain(inline) if inline is not None and inline.type == "inline" else ""
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
        if item.checkbox is None and self.items and item.plain:
            # A plain bullet under a checklist item is part of that item's text.
            self.items[-1].details.append(item.plain)
            self.items[-1].details.extend(item.details)
        self.entries[item.slot] = self.resolve_item(item)  # type: ignore[assignment]
        self.last_paragraph = None

    def paragraph(self, inline: Any) -> None:
        plain = _plain(inline)
        if self.items and not self.items[-1].got_paragraph:
            item = self.items[-1]
            item.got_paragraph = True
            content = inline.content
            m = _CHECKBOX.match(content)
            if m:
                item.checkbox = m.group(1).lower()
                content = content[m.end():]
                plain = _CHECKBOX.sub("", plain, count=1)
            item.text = content.strip()
            item.plain = _squash(plain)
            item.codes = [c.content for c in (inline.children or []) if c.type == "code_inline"]
            self.last_paragraph = item.plain
            return
        if self.items:
            self.items[-1].details.append(_squash(plain))
        self.last_paragraph = _squash(plain)

    # -- code blocks ----------------------------------------------------------------------
    def code(self, tok: Any, after_heading: bool = False) -> None:
        start = tok.map[0] if tok.map else 0
        end = tok.map[1] if tok.map else start + 1
        if tok.type == "code_block":
            # Indented code: shown as is, never run (it is as often quoted text as commands).
            self.block_stats.append({"line": start + 1, "lang": "", "kind": "indented",
                                     "steps": 0})
            return
        info = fence.parse_info(tok.info or "")
        for message, level in info.problems:
            self.finding(start + 1, level, message)
        self.check_closed(tok, start, end)
        content = tok.content
        raw_lines = content.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        lines = _dedent(raw_lines)
        first_line = start + 2  # 1-based line of the first content line
        lang = info.lang
        kind = self.block_kind(lang, "\n".join(lines))
        stat = {"line": start + 1, "lang": lang, "kind": kind, "steps": 0}
        self.block_stats.append(stat)
        if kind == "display":
            return
        run = info.attrs.get("run")
        if run is not None and fence.parse_bool(run) is False:
            stat["kind"] = "display"
            return
        if kind == "shell":
            drafts = blocks.split_shell(lines, lang)
            step_kind = "shell"
        elif kind == "promql":
            drafts = blocks.split_plain(lines)
            step_kind = "promql"
        else:
            drafts = blocks.split_native(lines)
            step_kind = "k8s"
        if not drafts:
            return
        item = self.items[-1] if self.items else None
        section = self.current_section()
        if item is not None:
            entry = self.merged_entry(drafts, step_kind, lang, info, item, first_line, section)
            stat["steps"] = 1
            if item.checkbox is not None and item.fence_entry is None:
                item.fence_entry = entry
            else:
                self.entries.append(entry)
            return
        context = self.last_paragraph
        for n, d in enumerate(drafts):
            label = _label_from_text(d.label or "") or info.label or info.attrs.get("label")
            from_cmd = False
            if not label and context and n == 0:
                label = _label_from_text(context)
            if not label and n == 0 and after_heading and section.title:
                # Good enough to show; lint still asks warroom's own runbooks for a real label.
                label = _label_from_text(section.title)
                from_cmd = True
            if not label:
                label = _label_from_command(d.command)
                from_cmd = True
            entry = _Entry(kind=step_kind, label=label, line=first_line + d.line, section=section,
                           command=d.command, expect=" ".join(d.expect) or None,
                           text=context or "", lang=lang, attrs=dict(info.attrs),
                           example_output=d.example_output, label_from_command=from_cmd,
                           fence_line=first_line - 1)
            self.entries.append(entry)
        stat["steps"] = len(drafts)

    def merged_entry(self, drafts: list[blocks.Draft], step_kind: str, lang: str,
                     info: fence.FenceInfo, item: _Item, first_line: int,
                     section: Section) -> _Entry:
        parts: list[str] = []
        for d in drafts:
            if len(drafts) > 1 and d.label and step_kind == "shell":
                parts.append("# " + d.label + "\n" + d.command)
            else:
                parts.append(d.command)
        command = "\n\n".join(parts) if step_kind == "shell" else drafts[0].command
        # The paragraph right above the fence inside the item (the item's own text for the
        # first fence, a later paragraph for a second one) names what the commands do.
        context = self.last_paragraph or item.plain
        label = info.attrs.get("label") or info.label or _label_from_text(context) or (
            drafts[0].label) or _label_from_command(drafts[0].command)
        expects = [e for d in drafts for e in d.expect]
        outputs = [d.example_output for d in drafts if d.example_output]
        return _Entry(kind=step_kind, label=label, line=first_line + drafts[0].line,
                      section=section, command=command, expect=" ".join(expects) or None,
                      text=item.text, lang=lang, attrs=dict(info.attrs), depth=item.depth,
                      example_output="\n".join(outputs) or None, fence_line=first_line - 1)

    def block_kind(self, lang: str, content: str) -> str:
        if lang in fence.NATIVE_LANGS:
            return "k8s"
        if lang in fence.PROMQL_LANGS:
            return "promql"
        if lang in fence.SHELL_LANGS:
            if blocks.looks_like_promql(content):
                return "promql"
            return "shell"
        if lang == "":
            if blocks.looks_like_promql(content):
                return "promql"
            if blocks.holds_commands(content):
                return "shell"
        return "display"

    def check_closed(self, tok: Any, start: int, end: int) -> None:
        markup = tok.markup or "```"
        last = self.lines[end - 1] if 0 < end <= len(self.lines) else ""
        closing = last.strip()
        ok = end - 1 > start and closing.startswith(markup[0] * len(markup)) and set(
            closing) <= {markup[0]}
        if not ok:
            self.unclosed_fences.add(start + 1)
            self.finding(start + 1, "error",
                         f"code fence {markup} opened on line {start + 1} is never closed "
                         "(everything after it is read as code)")

    # -- list items -----------------------------------------------------------------------
    def resolve_item(self, item: _Item) -> _Entry | None:
        if item.checkbox is None:
            return None
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
        commands = [c for c in item.codes if _inline_command(c)]
        if len(commands) == 1:
            cmd = commands[0].strip()
            rest = _squash(item.plain.replace(cmd, " ")).strip(" :.-–—,;")
            label = _label_from_text(rest) if rest else _label_from_command(cmd)
            return _Entry(kind="shell", label=label, line=item.line, section=item.section,
                          command=cmd, text=text, depth=item.depth,
                          checked=item.checkbox == "x", lang="inline")
        maybe = [c.strip() for c in item.codes if len(c.split()) >= 2 and "\n" not in c]
        return _Entry(kind="manual", label=label, line=item.line, section=item.section,
                      text=text, depth=item.depth, checked=item.checkbox == "x",
                      maybe_command=maybe[0] if len(maybe) == 1 else None,
                      item_plain=item.plain)

    def promote_inline_commands(self) -> None:
        """A checklist item whose only multi-word code span starts with a program this runbook
        runs in its shell blocks (``blocks flow retry {{ task_id }}``) runs that command."""
        vocab = {blocks.first_word(e.command) for e in self.entries
                 if isinstance(e, _Entry) and e.kind == "shell" and e.command}
        vocab.discard("")
        for e in self.entries:
            if not isinstance(e, _Entry) or e.kind != "manual" or not e.maybe_command:
                continue
            cmd = e.maybe_command
            if blocks.first_word(cmd) not in vocab or blocks.looks_like_output(cmd):
                continue
            rest = _squash(e.item_plain.replace(cmd, " ")).strip(" :.-–—,;")
            e.kind, e.command, e.lang = "shell", cmd, "inline"
            e.label = _label_from_text(rest) if rest else _label_from_command(cmd)
