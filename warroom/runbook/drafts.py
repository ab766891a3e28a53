"""What the token walk records before steps exist: an entry (a would-be step) and a list item.

Both the walk (:mod:`warroom.runbook.builder`) and the assembly (:mod:`warroom.runbook.assemble`)
read these, so they live in neither; nothing outside the parser should.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from warroom.runbook.inline import _label_from_command, _label_from_text, _squash
from warroom.runbook.model import Section


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
    # The item's first paragraph as plain text, computed on first use (most items are never
    # shown as a label, and parsing inline markup is most of a runbook's parse time).
    plain_source: Callable[[], str] | None = None
    plain_value: str | None = None
    codes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    got_paragraph: bool = False
    fence_entry: _Entry | None = None
    # Further steps of a checklist item (a split fence, a second inline command).
    extra_entries: list[_Entry] = field(default_factory=list)
    slot: int = -1

    @property
    def plain(self) -> str:
        if self.plain_value is None:
            self.plain_value = self.plain_source() if self.plain_source else ""
        return self.plain_value


def inline_entry(cmd: str, plain: str, line: int, depth: int, section: Section,
                 section_text: str = "", checked: bool = False) -> _Entry:
    """The step an inline command of a paragraph or list item makes, labelled by the sentence
    around it (the sentence itself when it needs its command to make sense)."""
    at = plain.find(cmd)
    before = plain[:at].strip(" :.-–—,;") if at >= 0 else ""
    after = plain[at + len(cmd):].strip(" :.-–—,;?!)(") if at >= 0 else ""
    tail = plain[at + len(cmd):].strip() if at >= 0 else ""
    if before and (after or tail.startswith("?")) and not re.match(r"^[:.;]", tail):
        # "Does `curl ...` respond?": the sentence needs its command to make sense
        rest = plain
    else:
        rest = _squash(plain.replace(cmd, " "))
        rest = re.sub(r"\s+([?.,:;!)])", r"\1", rest).strip(" :.-–—,;")
        rest = re.sub(r"\(\s*\)", "", rest).strip()
    label = _label_from_text(rest) if len(rest) > 3 else _label_from_command(cmd)
    return _Entry(kind="shell", label=label, line=line, section=section, command=cmd,
                  text=section_text, depth=depth, checked=checked, lang="inline")
