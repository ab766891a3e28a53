"""Turning a runbook's inline text into what a step shows and checks: labels, slugs, the literal an
``# Expected:`` pins down, and whether an inline code span is a command.

These are pure string functions with no document state, so they sit apart from the token walk in
:mod:`warroom.runbook.builder` and can be read (and tested) on their own.
"""

from __future__ import annotations

import re
from typing import Any

from warroom.runbook import blocks, params


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

    ``oc logs <pod>`` must be judged as ``oc logs PARAM``, not as a redirection from a file. In
    shell arithmetic a value can only ever be digits (:mod:`warroom.runbook.param_safety`), so
    there the placeholder stands in as ``1``.
    """
    from warroom.runbook.param_safety import arithmetic_spans

    refs = params.find_params(command, declared, kind)
    arith = arithmetic_spans(command) if kind == "shell" and refs else []
    out = command
    for ref in reversed(refs):
        word = "1" if any(a <= ref.start < b for a, b in arith) else "PARAM"
        out = out[:ref.start] + word + out[ref.end:]
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
        word = text.rstrip(".")
        if re.fullmatch(r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)[%a-zA-Z]*", word):
            # "0", "99.9%", "120s": a number to compare (warroom.execute.expectation), not a
            # string to find ("0" is in "120").
            return None
        return word
    return None
