"""Front matter: one optional TOML (``+++``) or YAML (``---``) block at the top of a runbook.

Problems never raise: they come back as findings with the line they are on, and the document
is still parsed as if the block were not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from warroom.runbook.model import Finding

_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass
class FrontMatter:
    kind: Literal["toml", "yaml"] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # 1-based line of the opening and closing markers (0 when there is no front matter).
    start: int = 0
    end: int = 0
    findings: list[Finding] = field(default_factory=list)
    # 1-based line where each top-level key / [params.NAME] table is written (best effort).
    key_lines: dict[str, int] = field(default_factory=dict)
    # The file's text up to the block's closing marker: where a value is written (a query's PromQL error).
    source: str = ""

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.start or 1)


def split_front_matter(text: str, file: str = "<text>") -> tuple[FrontMatter, str]:
    """Return the front matter and the body with the front matter lines blanked out.

    Blanking (rather than cutting) keeps every line of the body at its original line number,
    so findings and step source lines point at the right place in the file.
    """
    lines = text.split("\n")
    first = lines[0].lstrip("\ufeff").rstrip() if lines else ""
    if first not in ("+++", "---"):
        return FrontMatter(), text
    kind: Literal["toml", "yaml"] = "toml" if first == "+++" else "yaml"
    closers = ("+++",) if kind == "toml" else ("---", "...")
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in closers), None)
    if close is None:
        if kind == "yaml":
            # A leading `---` with no closing line is as likely a thematic break as a broken
            # block; only call it front matter when the next line looks like `key: value`.
            if len(lines) < 2 or not re.match(r"^[A-Za-z_][\w-]*\s*:", lines[1]):
                return FrontMatter(), text
        fm = FrontMatter(kind=kind, start=1, end=0)
        fm.findings.append(Finding(file, 1, "error",
                                   f"{kind.upper()} front matter opened with {first!r} on line 1 "
                                   f"is never closed"))
        return fm, text
    block = "\n".join(lines[1:close])
    fm = FrontMatter(kind=kind, start=1, end=close + 1)
    if kind == "toml":
        _parse_toml(block, fm, file)
    else:
        _parse_yaml(block, fm, file)
    fm.key_lines = _key_lines(lines[1:close], kind, offset=2)
    fm.source = "\n".join(lines[:close + 1])
    body = "\n".join([""] * (close + 1) + lines[close + 1:])
    return fm, body


def _parse_toml(block: str, fm: FrontMatter, file: str) -> None:
    import tomllib

    try:
        data = tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_LINE.search(msg)
        line = fm.start + int(m.group(1)) if m else fm.start
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        if "Illegal character '\\n'" in reason or "Unterminated string" in reason:
            reason = "a string is not closed on its line (missing closing quote?)"
        fm.findings.append(Finding(file, line, "error", f"malformed TOML front matter: {reason}"))
        return
    except RecursionError:
        fm.findings.append(Finding(file, fm.start, "error", "malformed TOML front matter: arrays or tables"
                                                           " nest too deeply"))
        return
    fm.data = data


def _parse_yaml(block: str, fm: FrontMatter, file: str) -> None:
    import yaml

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        problem_mark = getattr(exc, "problem_mark", None)
        context_mark = getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        mark = context_mark or problem_mark
        line = fm.start + 1 + mark.line if mark is not None else fm.start
        message = f"{context}: {problem}" if context else problem
        if context_mark is not None and problem_mark is not None \
                and problem_mark.line != context_mark.line:
            message += f" (on line {fm.start + 1 + problem_mark.line})"
        fm.findings.append(Finding(file, line, "error", f"malformed YAML front matter: {message}"))
        return
    except (ValueError, RecursionError, OverflowError) as exc:  # odd scalars, absurd nesting
        fm.findings.append(Finding(file, fm.start, "error",
                                   f"malformed YAML front matter: {exc.__class__.__name__}"))
        return
    if data is None:
        return
    if not isinstance(data, dict):
        fm.findings.append(Finding(file, fm.start + 1, "error",
                                   "YAML front matter must be a mapping of keys to values, "
                                   f"not a {type(data).__name__}"))
        return
    fm.data = {str(k): v for k, v in data.items()}


def _key_lines(lines: list[str], kind: str, offset: int) -> dict[str, int]:
    out: dict[str, int] = {}
    if kind == "toml":
        key_re = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
        table_re = re.compile(r"^\s*\[\s*params\s*\.\s*\"?([^\]\"]+)\"?\s*\]")
        table: str | None = None
        for i, line in enumerate(lines):
            t = table_re.match(line)
            if t:
                table = f"params.{t.group(1).strip()}"
                out.setdefault(table, i + offset)
                out.setdefault("params", i + offset)
                continue
            if line.lstrip().startswith("["):
                name = line.strip().strip("[]").strip()
                table = name
                out.setdefault(name, i + offset)      # "[queries.share_429]": that table's own line
                out.setdefault(name.split(".")[0].strip(), i + offset)
                continue
            k = key_re.match(line)
            if k:
                out.setdefault(f"{table}.{k.group(1)}" if table else k.group(1), i + offset)
    else:
        key_re = re.compile(r"^([A-Za-z0-9_-]+)\s*:")
        for i, line in enumerate(lines):
            k = key_re.match(line)
            if k:
                out.setdefault(k.group(1), i + offset)
    return out
