"""Markdown runbook -> :class:`Runbook`, following DESIGN.md §3.

The document is tokenised with markdown-it-py (CommonMark); steps come from the token stream,
never from regular expressions over the whole text:

* headings open sections, mapped to incident phases (:mod:`warroom.runbook.phases`);
* shell fences are split into steps (:mod:`warroom.runbook.blocks`), ``promql`` fences become
  PromQL steps, ``warroom`` fences native k8s steps (:mod:`warroom.runbook.k8s`);
* ``- [ ]`` / ``* [ ]`` / ``1. [ ]`` items are manual steps; one holding exactly one inline-code
  command, or with a runnable fence indented under it, runs that command;
* a runnable fence indented under an ordinary list item is *one* step labelled by the item
  (the author grouped those commands under one instruction).

Nothing here raises on bad input: problems become :class:`Finding` objects on the runbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.durations import parse_duration
from warroom.execute.classify import classify
from warroom.runbook import blocks, fence, k8s, meta, params
from warroom.runbook.frontmatter import FrontMatter, split_front_matter
from warroom.runbook.model import Finding, Param, Runbook, Section, Step
from warroom.runbook.phases import phase_for

MAX_BYTES = 4 * 1024 * 1024  # a runbook is prose; anything bigger is not one



# --------------------------------------------------------------------------------------------
# Loading

def load_runbook(path: str | Path) -> Runbook:
    """Read and parse one file. Unreadable, binary, non-UTF-8 or empty files give findings."""
    p = Path(path)
    name = str(p)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            return _empty(p, Finding(name, 1, "error", f"file is {size // 1024} KiB, too large "
                                     f"for a runbook (limit {MAX_BYTES // 1024 // 1024} MiB); "
                                     "skipped"))
        data = p.read_bytes()
    except IsADirectoryError:
        return _empty(p, Finding(name, 1, "error", "is a directory, not a runbook file"))
    except OSError as exc:
        return _empty(p, Finding(name, 1, "error", f"cannot read: {exc.strerror or exc}"))
    return parse_bytes(data, p)


def parse_bytes(data: bytes, path: Path | None = None) -> Runbook:
    """Parse raw bytes: detects binary and non-UTF-8 content instead of failing on it."""
    name = str(path) if path else "<text>"
    if not data.strip():
        return _empty(path, Finding(name, 1, "error", "file is empty"))
    if b"\x00" in data[:8192] or _mostly_binary(data[:8192]):
        return _empty(path, Finding(name, 1, "error",
                                    "not a text file (binary content); skipped"))
    try:
        text = data.decode("utf-8")
        bad: Finding | None = None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        bad = Finding(name, line, "error",
                      f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                      "read with replacement characters")
        text = data.decode("utf-8", errors="replace")
    rb = parse_runbook(text, path)
    if bad is not None:
        rb.findings.insert(0, bad)
    return rb


def _mostly_binary(chunk: bytes) -> bool:
    if not chunk:
        return False
    control = sum(1 for b in chunk if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(chunk) > 0.10


def _empty(path: Path | None, finding: Finding) -> Runbook:
    rid = path.stem if path else "untitled"
    return Runbook(id=rid, title=rid, path=path, findings=[finding])


# --------------------------------------------------------------------------------------------
# Parsing

def parse_runbook(text: str, path: Path | None = None) -> Runbook:
    """Parse markdown text into a runbook; never raises on any input."""
    # One newline convention and no byte-order mark, so lines and headings read the same
    # whatever editor wrote the file (markdown-it normalises the same way).
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    b = _Builder(text, path)
    try:
        b.run()
    except RecursionError:
        b.finding(1, "error", "document nests too deeply to parse")
    return b.finish()


@dataclass
class _Entry:
    kind: str
    label: str | None
    line: int
    section: Section
    command: str | None = None
    expect: str | None = None
    text: str = ""
    lang: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    depth: int = 0
    checked: bool = False
    example_output: str | None = None
    label_from_command: bool = False
    fence_line: int = 0  # the opening fence, where attribute problems are reported
    # A manual checklist item's inline code that may be a command of a tool only this runbook
    # uses (`blocks flow retry ...`): decided once every fence is known.
    maybe_command: str | None = None
    item_plain: str = ""


@dataclass
class _Item:
    line: int
    depth: int
    section: Section
    checkbox: str | None = None  # None: not a checklist item; " " or "x"
    text: str = ""
    plain: str = ""
    codes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    got_paragraph: bool = False
    fence_entry: _Entry | None = None
    slot: int = -1


_CHECKBOX = re.compile(r"^\[( |x|X)\](?:\s+|$)")


class _Builder:
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

    # -- result ---------------------------------------------------------------------------
    def finish(self) -> Runbook:
        fm = self.fm
        data = fm.data if isinstance(fm.data, dict) else {}
        stem = self.path.stem if self.path else None
        rb = Runbook(id="", title="", path=self.path, front_matter=fm.kind,
                     declared_keys=[str(k) for k in data])
        if fm.kind == "toml":
            meta.read_toml_meta(self.fm, data, rb, self.finding)
        elif fm.kind == "yaml":
            title = data.get("title")
            if isinstance(title, str) and title.strip():
                rb.title = title.strip()
            rb.meta = {k: meta.jsonable(v) for k, v in data.items() if k != "title"}
        if not rb.title:
            rb.title = self.first_h1 or self.first_heading or stem or "untitled"
        if not rb.id:
            rb.id = stem or _slug(rb.title) or "untitled"
        for sec in self.sections:
            if sec.level == 0 and not sec.title:
                sec.title = rb.title
        self.section_texts()
        rb.sections = self.sections
        declared = [k for k, p in rb.params.items() if p.declared]
        self.promote_inline_commands()
        self.build_steps(rb, declared)
        self.check_params(rb, fm)
        rb.findings = sorted(self.findings, key=lambda f: f.line)
        rb.code_blocks = self.block_stats
        return rb

    def section_texts(self) -> None:
        for n, sec in enumerate(self.sections):
            start = self.section_lines[n] + (0 if sec.level == 0 else 1)
            end = self.section_lines[n + 1] if n + 1 < len(self.sections) else len(self.lines)
            sec.text = "\n".join(self.lines[start:end]).strip("\n")

    def build_steps(self, rb: Runbook, declared: list[str]) -> None:
        used_ids: set[str] = set()
        next_suffix: dict[str, int] = {}
        names: dict[str, int] = {}  # name= -> the fence that gave it
        per_fence: dict[int, int] = {}
        for entry in self.entries:
            if isinstance(entry, _Entry) and entry.fence_line:
                per_fence[entry.fence_line] = per_fence.get(entry.fence_line, 0) + 1
        fence_attrs = {e.fence_line: e.attrs for e in reversed(self.entries)
                       if isinstance(e, _Entry) and e.fence_line}
        for line, count in per_fence.items():
            attrs = fence_attrs[line]
            shared = [k for k in ("name", "expect", "verify", "label") if k in attrs]
            if count > 1 and shared:
                self.finding(line, "warning", f"fence attributes {', '.join(shared)} apply to "
                             f"each of the {count} steps of this block; give each command its "
                             "own block")
        number = 0
        for entry in self.entries:
            if not isinstance(entry, _Entry):
                continue
            number += 1
            step = Step(number=number, id="", kind=entry.kind, label=entry.label or "",  # type: ignore[arg-type]
                        section=entry.section.title, line=entry.line, command=entry.command,
                        expect=entry.expect, text=entry.text, depth=entry.depth,
                        attrs=dict(entry.attrs), example_output=entry.example_output,
                        lang=entry.lang, checked=entry.checked)
            a = entry.attrs
            step.check = a.get("expect") or checkable(step.expect)
            if a.get("expect"):
                step.expect = step.expect or a["expect"]
            if a.get("verify"):
                step.verify = a["verify"]
            if a.get("timeout"):
                try:
                    step.timeout = parse_duration(a["timeout"])
                except ValueError as exc:
                    self.finding(entry.fence_line or entry.line, "error",
                                 f"fence attribute timeout: {exc}")
            if step.command is not None:
                if entry.kind == "k8s":
                    try:
                        k8s.parse_action(step.command, allow_placeholders=True)
                    except k8s.K8sSyntaxError as exc:
                        self.finding(entry.line, "error", f"native k8s step: {exc}")
                cls = classify(_neutralised(step.command, declared, entry.kind), entry.kind)
                step.mutating, step.reason = cls.mutating, cls.reason
                override = a.get("mutating")
                if override is not None and entry.kind == "shell":
                    val = fence.parse_bool(override)
                    if val is None:
                        self.finding(entry.fence_line or entry.line, "error",
                                     f"fence attribute mutating must be true or false, "
                                     f"got {override!r}")
                    elif val != step.mutating:
                        step.mutating = val
                        step.reason = ("the runbook marks this step as mutating" if val else
                                       "the runbook marks this step as read-only")
                step.params = params.param_keys(step.command, declared, entry.kind)
            else:
                step.reason = "a manual step: nothing is run"
            conf = a.get("confirm")
            if conf is not None:
                val = fence.parse_bool(conf)
                if val is None:
                    self.finding(entry.fence_line or entry.line, "error",
                                 f"fence attribute confirm must be true or false, got {conf!r}")
                step.confirm = bool(val) or step.mutating
            else:
                step.confirm = step.mutating
            base = _slug(a.get("name", "")) if a.get("name") else _slug(step.label)
            if a.get("name"):
                first = names.setdefault(a["name"], entry.fence_line)
                if first != entry.fence_line:
                    self.finding(entry.fence_line or entry.line, "warning",
                                 f"step name {a['name']!r} is already used by the block on "
                                 f"line {first}")
            if not base or base.isdigit():
                base = f"step-{number}" if not base else f"step-{base}"
            sid = base
            n = next_suffix.get(base, 2)
            while sid in used_ids:
                sid = f"{base}-{n}"
                n += 1
            next_suffix[base] = n
            used_ids.add(sid)
            step.id = sid
            if entry.label_from_command and self.fm.kind == "toml" \
                    and entry.fence_line not in self.unclosed_fences:
                self.finding(entry.line, "warning", f"step {number} has no label (add a "
                             "comment line above the command)")
            entry.section.steps.append(step)

    def check_params(self, rb: Runbook, fm: FrontMatter) -> None:
        strict = fm.kind == "toml" or (isinstance(fm.data, dict) and "params" in fm.data)
        used: set[str] = set()
        for step in rb.steps:
            if step.command is None:
                continue
            for ref in params.find_params(step.command, [k for k, p in rb.params.items()
                                                         if p.declared], step.kind):
                used.add(ref.key)
                if ref.key not in rb.params:
                    rb.params[ref.key] = Param(name=ref.name, declared=False)
                    if strict:
                        self.finding(step.line, "warning",
                                     f"parameter {ref.text} is not declared in the front matter "
                                     f"(add [params.{ref.key}])")
        if strict:
            for key, p in rb.params.items():
                if p.declared and key not in used:
                    self.finding(fm.line_of(f"params.{p.name}"), "warning",
                                 f"parameter {p.name!r} is declared but no step uses it")


# --------------------------------------------------------------------------------------------
# Small helpers

def _plain(inline: Any) -> str:
    """Plain text of an inline token (code spans keep their content, markup dropped)."""
    out: list[str] = []
    for c in inline.children or []:
        if c.type in ("text", "code_inline"):
            out.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif c.type == "image":
            out.append(c.content or "")
    return "".join(out) if inline.children is not None else inline.content


def _neutralised(command: str, declared: list[str], kind: str) -> str:
    """The command with every placeholder replaced by a plain word, for classification.

    ``oc logs <pod>`` must be judged as ``oc logs PARAM``, not as a redirection from a file.
    """
    out = command
    for ref in reversed(params.find_params(command, declared, kind)):
        out = out[:ref.start] + "PARAM" + out[ref.end:]
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _label_from_text(text: str) -> str:
    t = _squash(text).rstrip(" :.;,")
    if len(t) > 120:
        cut = t[:117].rsplit(" ", 1)[0]
        t = cut.rstrip(" :.;,") + "…"
    return t


def _label_from_command(command: str | None) -> str:
    first = (command or "").strip().splitlines()[0] if (command or "").strip() else "step"
    return first if len(first) <= 80 else first[:77] + "…"


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    if len(s) > 48:
        s = s[:48].rsplit("-", 1)[0]
    return s


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip()]
    if not indents:
        return lines
    cut = min(indents)
    return [ln[cut:] if ln.strip() else "" for ln in lines]


def _inline_command(code: str) -> bool:
    """Is an inline code span in a checklist item a command to run?"""
    text = code.strip()
    if not text or "\n" in text:
        return False
    if not blocks.is_strong_command(text):
        return False
    # A lone word (`toolbox`, `k-ctl`) is more often a name than an instruction to run it.
    return len(text.split()) > 1


_QUOTED_EXPECT = re.compile(r"""^(["'`])(.+)\1\s*(\(.*\))?\.?$""")


def checkable(prose: str | None) -> str | None:
    """The literal a written ``# Expected:`` pins down, or None when it is prose.

    Checked: a quoted string, optionally followed by a parenthetical
    (``"successfully rolled out" (within 45s)`` checks ``successfully rolled out``), or a single
    word (``PONG``, ``OK``). Anything else ("Retry succeeds in <60s") is shown, never matched:
    a sentence searched for verbatim in the output would report a working step as failed.
    """
    if not prose:
        return None
    text = prose.strip()
    m = _QUOTED_EXPECT.match(text)
    if m:
        return m.group(2)
    if text and not any(ch.isspace() for ch in text):
        return text.rstrip(".")
    return None
