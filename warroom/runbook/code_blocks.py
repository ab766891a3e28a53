"""What a code block of a runbook becomes: one step or several (shell, PromQL, Kubernetes), the
expected output of the step above it, a Go/No-Go decision left to :mod:`warroom.runbook.decision`,
or text shown as is — and the fence left open that swallows the rest of the file.

A small object of its own (``CodeBlocks``): it keeps what only code blocks produce (their stats,
the fences left open, the decision fences) and is handed, per block, what it needs from the walk
(the step waiting for its expected output, the open list item, the section and the paragraph
above, the entries to add to); the walk itself, over headings, list items and paragraphs, is
:mod:`warroom.runbook.builder`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from warroom.runbook import blocks, fence
from warroom.runbook.drafts import _Entry, _Item
from warroom.runbook.inline import _dedent, _label_from_command, _label_from_text
from warroom.runbook.model import Section


def _info_is_command(info: str) -> bool:
    """A fence info string that is a shell command, not a language (``REDIS=1 redis-cli x``)."""
    words = info.split()
    if len(words) < 2 or "{" in words[0] or (
            "=" not in words[0] and fence._is_known_lang(words[0].lower())):
        return False
    first = words[0]
    if first in blocks.KNOWN_COMMANDS or first.startswith(("./", "/")):
        return True
    return "=" in first and blocks.is_strong_command(info)


#: the fences that are runbook data, not steps, and the list of ``CodeBlocks`` each goes to
_SIDE = {"decision": "decisions", "applies_when": "branches", "fulfilled_by": "fulfils"}


class CodeBlocks:
    """The code blocks of one runbook: what each became, and what they leave for the assembly
    (``stats`` per block, ``unclosed`` fence lines, ``decisions``: (file line, body, closed?))."""

    def __init__(self, lines: list[str], report: Callable[[int, str, str], None]) -> None:
        self.lines = lines            # the body's lines (a fence's closing line is read from them)
        self.report = report          # a finding: (line, level, message)
        self.stats: list[dict[str, Any]] = []
        self.unclosed: set[int] = set()
        self.decisions: list[tuple[int, str, bool]] = []
        self.branches: list[tuple[int, str, bool]] = []     # ``applies_when`` fences (warroom.runbook.branch)
        self.fulfils: list[tuple[int, str, bool]] = []      # ``fulfilled_by`` fences (warroom.runbook.fulfil)

    def read(self, tok: Any, *, after_heading: bool, pending: _Entry | None, item: _Item | None,
             section: Callable[[], Section], context: Callable[[], str | None],
             entries: list[_Entry | _Item]) -> _Entry | None:
        """Read one code block: its steps go to ``entries`` (or to ``item``, a checklist item's own
        command); ``pending`` is the step whose "Expected output:" this block may be; ``section``
        and ``context`` (the paragraph above) are asked for only when a step is made. Returns the
        shell step an "Expected: ..." paragraph right below would belong to, or None."""
        start = tok.map[0] if tok.map else 0
        end = tok.map[1] if tok.map else start + 1
        indented = tok.type == "code_block"
        if indented:
            # Indented code: steps when it holds commands (by the same test as a fence without
            # a language), shown as is when it is quoted text, output or config.
            info = fence.parse_info("")
        else:
            info = fence.parse_info(tok.info or "")
            for message, level in info.problems:
                self.report(start + 1, level, message)
            self.check_closed(tok, start, end)
            if info.lang in _SIDE:     # a Go/No-Go, a branch's condition, what fulfils an item: never steps
                getattr(self, _SIDE[info.lang]).append((start + 1, tok.content, start + 1 not in self.unclosed))
                self.stats.append({"line": start + 1, "lang": info.lang, "kind": "display",
                                   "steps": 0, "indented": False})
                return None
        content = tok.content
        if pending is not None and not any(" " in ln.strip() and blocks.is_strong_command(ln)
                                           for ln in content.split("\n")):
            # whatever the fence says: what "Expected output:" introduces is output, unless it
            # holds a command line (then the author fenced a command, read below as usual)
            shown = content.strip("\n")
            pending.example_output = pending.example_output or shown or None
            if shown and "\n" not in shown.strip():
                pending.expect = shown.strip()
            self.stats.append({"line": start + 1, "lang": info.lang, "kind": "display",
                               "steps": 0, "indented": indented})
            return None
        info_command = not indented and _info_is_command(tok.info or "")
        if info_command:
            # "```kubectl get pods" on one line: the author put the command where the language
            # goes. It is the block's first command (what follows is typed into it, or output).
            self.report(start + 1, "warning", "the command is written on the fence line itself "
                        "(read as the block's first line): put it on the line below the ```")
            content = (tok.info or "").strip() + "\n" + content
            info = fence.parse_info("")
            start -= 1  # its first line is the fence line
        raw_lines = content.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        lines = _dedent(raw_lines)
        first_line = start + (1 if indented else 2)  # 1-based line of the first content line
        lang = info.lang
        kind = "shell" if info_command else block_kind(lang, "\n".join(lines))
        if indented and kind == "display":
            kind = "indented"
        stat = {"line": start + 1, "lang": lang, "kind": kind, "steps": 0,
                "indented": indented}
        self.stats.append(stat)
        if kind in ("display", "indented"):
            return None
        run = info.attrs.get("run")
        if run is not None and fence.parse_bool(run) is False:
            stat["kind"] = "display"
            return None
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
            return None
        sec = section()
        if item is not None and len(drafts) == 1:
            entry = merged_entry(drafts, step_kind, lang, info, item, first_line, sec, context())
            stat["steps"] = 1
            if item.checkbox is not None and item.fence_entry is None:
                item.fence_entry = entry
            else:
                entries.append(entry)
            return entry if step_kind == "shell" else None
        # Several commands: one step each, inside a list item as at top level (a check and the
        # change it gates are two decisions, two confirmations).
        above = context()
        if above is None and item is not None:
            above = item.plain
        last: _Entry | None = None
        for n, d in enumerate(drafts):
            label = _label_from_text(d.label or "") or info.label or info.attrs.get("label")
            from_cmd = False
            if not label and above and n == 0:
                label = _label_from_text(above)
            if not label and n == 0 and after_heading and sec.title:
                # Good enough to show; lint still asks warroom's own runbooks for a real label.
                label = _label_from_text(sec.title)
                from_cmd = True
            if not label:
                label = _label_from_command(d.command)
                from_cmd = True
            entry = _Entry(kind=step_kind, label=label, line=first_line + d.line, section=sec,
                           command=d.command, expect=" ".join(d.expect) or None,
                           text=above or "", lang=lang, attrs=dict(info.attrs),
                           example_output=d.example_output, label_from_command=from_cmd,
                           fence_line=first_line - 1, depth=item.depth if item else 0)
            if item is not None and n == 0 and item.checkbox is not None \
                    and item.fence_entry is None:
                item.fence_entry = entry
            elif item is not None and item.checkbox is not None and item.fence_entry is not None \
                    and item.slot >= 0 and entries[item.slot] is item:
                item.extra_entries.append(entry)
            else:
                entries.append(entry)
            last = entry if step_kind == "shell" else None
        stat["steps"] = len(drafts)
        return last

    def check_closed(self, tok: Any, start: int, end: int) -> None:
        """Report a fence never closed (markdown-it reads the rest of the file into it)."""
        markup = tok.markup or "```"
        last = self.lines[end - 1] if 0 < end <= len(self.lines) else ""
        # Inside a blockquote the closing line carries the quote markers (`> ````).
        closing = re.sub(r"^(?:\s*>)+", "", last).strip() if tok.level or last.lstrip(
        ).startswith(">") else last.strip()
        ok = end - 1 > start and closing.startswith(markup[0] * len(markup)) and set(
            closing) <= {markup[0]}
        if not ok:
            self.unclosed.add(start + 1)
            self.report(start + 1, "error",
                        f"code fence {markup} opened on line {start + 1} is never closed "
                        "(everything after it is read as code)")


def merged_entry(drafts: list[blocks.Draft], step_kind: str, lang: str, info: fence.FenceInfo, item: _Item,
                 first_line: int, section: Section, above: str | None) -> _Entry:
    """The one step a code block inside a list item makes (its commands joined, each under its
    own comment label): labelled by the fence, else the paragraph ``above`` it in the item."""
    parts: list[str] = []
    for d in drafts:
        if len(drafts) > 1 and d.label and step_kind == "shell":
            parts.append("# " + d.label + "\n" + d.command)
        else:
            parts.append(d.command)
    command = "\n\n".join(parts) if step_kind == "shell" else drafts[0].command
    # The paragraph right above the fence inside the item (the item's own text for the
    # first fence, a later paragraph for a second one) names what the commands do.
    context = above or item.plain
    label = info.attrs.get("label") or info.label or _label_from_text(context) or (
        drafts[0].label) or _label_from_command(drafts[0].command)
    expects = [e for d in drafts for e in d.expect]
    outputs = [d.example_output for d in drafts if d.example_output]
    return _Entry(kind=step_kind, label=label, line=first_line + drafts[0].line,
                  section=section, command=command, expect=" ".join(expects) or None,
                  text=item.text, lang=lang, attrs=dict(info.attrs), depth=item.depth,
                  example_output="\n".join(outputs) or None, fence_line=first_line - 1)

def block_kind(lang: str, content: str) -> str:
    """What a block with this language holds: ``k8s``, ``promql``, ``shell`` or ``display``."""
    if lang in fence.NATIVE_LANGS:
        return "k8s"
    if lang in fence.PROMQL_LANGS:
        body = [ln.strip() for ln in content.splitlines() if ln.strip()]
        if body and all(ln.startswith(("|", "+-", "+=")) for ln in body):
            return "display"  # a result table pasted into a promql fence
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
