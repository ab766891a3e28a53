"""Go/No-Go decisions written in a runbook: a question, GO and NO-GO criteria, a deadline.

A decision is not a checklist: ticking "record the decision" records nothing. A runbook states it
in a fenced ``decision`` block (TOML), so the tool can evaluate each criterion from what it knows
and the commander records GO or NO-GO with who and why::

    ```decision
    id = "rollback-to-pilot"
    question = "Roll back to the pilot (RB-LAUNCH-002)?"
    deadline = "15m"              # after detection; a reminder when it passes
    on_go = "RB-LAUNCH-002"       # opened beside this runbook on GO

    [[go]]                        # GO when any of these holds
    text = "5 or more repositories failing"
    query = 'count(... > 0.5)'    # PromQL on the incident's metric source
    op = ">="
    value = 5

    [[go]]
    text = "Root cause still unknown after 15 minutes"
    no_note = "root-cause"        # met when no root-cause note exists ...
    after = "15m"                 # ... this long after detection

    [[no_go]]                     # NO-GO when all of these hold
    text = "Fix lands within 30 minutes"   # nothing to measure: the commander judges
    ```

Criterion kinds: ``query`` + ``op`` + ``value`` (a metric), ``step`` + ``pattern`` + ``op`` +
``value`` (a number captured from a step's output, e.g. the failing-repo count), ``note`` /
``no_note`` (a tagged note exists / does not), ``after`` alone (time since detection), or none
(judged by the commander: shown as unknown). Errors name the runbook line and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from warroom.durations import parse_duration

OPS = (">=", "<=", ">", "<", "==", "!=")
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<mark>`{3,}|~{3,})\s*decision\b[^\n]*$", re.M)


class DecisionError(ValueError):
    """A decision block that cannot be read; the message names the line and the key."""


@dataclass(frozen=True)
class Criterion:
    text: str
    query: str | None = None
    step: str | None = None
    pattern: str | None = None
    op: str | None = None
    value: float | None = None
    note: str | None = None
    no_note: str | None = None
    after: float | None = None          # seconds since detection

    @property
    def kind(self) -> str:
        if self.query:
            return "metric"
        if self.step:
            return "step"
        if self.note or self.no_note:
            return "note"
        if self.after is not None:
            return "time"
        return "judgement"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None} | {"kind": self.kind}


@dataclass(frozen=True)
class Decision:
    id: str
    question: str
    line: int
    deadline: float | None = None       # seconds after detection
    on_go: str | None = None
    go: tuple[Criterion, ...] = field(default_factory=tuple)
    no_go: tuple[Criterion, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "line": self.line, "deadline": self.deadline,
                "on_go": self.on_go, "go": [c.to_json() for c in self.go],
                "no_go": [c.to_json() for c in self.no_go]}


def find_decisions(text: str) -> tuple[list[Decision], list[tuple[int, str]]]:
    """Every ``decision`` fence in ``text``: the decisions, and (line, message) problems."""
    out: list[Decision] = []
    problems: list[tuple[int, str]] = []
    lines = text.split("\n")
    for m in _FENCE.finditer(text):
        start = text.count("\n", 0, m.start()) + 1          # 1-based line of the opening fence
        mark = m.group("mark")
        body: list[str] = []
        closed = False
        for ln in lines[start:]:
            if ln.strip().startswith(mark[0] * len(mark)) and set(ln.strip()) <= {mark[0]}:
                closed = True
                break
            body.append(ln)
        if not closed:
            problems.append((start, "decision block is never closed"))
            continue
        try:
            out.append(parse_decision("\n".join(body), start, len(out) + 1))
        except DecisionError as exc:
            problems.append((start, str(exc)))
    ids = [d.id for d in out]
    for d in out:
        if ids.count(d.id) > 1:
            problems.append((d.line, f"decision id {d.id!r} is used twice"))
    return out, problems


def parse_decision(body: str, line: int, ordinal: int = 1) -> Decision:
    """One decision block's TOML body (``line``: the opening fence's line, for messages)."""
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise DecisionError(f"decision block: not valid TOML: {exc}") from None
    except RecursionError:
        raise DecisionError("decision block: nests too deeply") from None
    known = {"id", "question", "deadline", "on_go", "go", "no_go"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DecisionError(f"decision block: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    question = _text(data, "question", required=True)
    did = _text(data, "id") or f"decision-{ordinal}"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", did):
        raise DecisionError(f"decision block: id {did!r}: use letters, digits, '.', '_' or '-'")
    deadline = _duration(data, "deadline", "decision block")
    go = tuple(_criteria(data, "go"))
    no_go = tuple(_criteria(data, "no_go"))
    if not go and not no_go:
        raise DecisionError("decision block: needs [[go]] or [[no_go]] criteria")
    return Decision(id=did, question=question, line=line, deadline=deadline,
                    on_go=_text(data, "on_go"), go=go, no_go=no_go)


def _text(data: dict[str, Any], key: str, *, required: bool = False, where: str = "decision block") -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise DecisionError(f"{where}: {key!r} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise DecisionError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def _duration(data: dict[str, Any], key: str, where: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except (TypeError, ValueError) as exc:
        raise DecisionError(f"{where}: {key!r}: {exc}") from None
    if not (0 <= seconds < 366 * 86400):
        raise DecisionError(f"{where}: {key!r}: {value!r} is out of range")
    return seconds


def _criteria(data: dict[str, Any], key: str) -> list[Criterion]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DecisionError(f"decision block: {key!r} must be a list of tables ([[{key}]])")
    out = []
    for n, item in enumerate(items, 1):
        where = f"decision block: [[{key}]] #{n}"
        allowed = {"text", "query", "step", "pattern", "op", "value", "note", "no_note", "after"}
        extra = sorted(set(item) - allowed)
        if extra:
            raise DecisionError(f"{where}: unknown key {extra[0]!r} (known: {', '.join(sorted(allowed))})")
        text = _text(item, "text", required=True, where=where)
        query, step, pattern = (_text(item, k, where=where) for k in ("query", "step", "pattern"))
        op = _text(item, "op", where=where)
        value = item.get("value")
        if (query or step) and (op not in OPS or not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise DecisionError(f"{where}: a measured criterion needs op (one of {' '.join(OPS)}) and a number value")
        if step and not pattern:
            raise DecisionError(f"{where}: 'step' needs a 'pattern' whose first group captures the number")
        if pattern:
            try:
                if re.compile(pattern).groups < 1:
                    raise DecisionError(f"{where}: 'pattern' needs a (group) capturing the number")
            except re.error as exc:
                raise DecisionError(f"{where}: 'pattern' is not a valid regular expression: {exc}") from None
        out.append(Criterion(text=str(text), query=query, step=step, pattern=pattern, op=op,
                             value=float(value) if isinstance(value, (int, float)) else None,
                             note=_text(item, "note", where=where), no_note=_text(item, "no_note", where=where),
                             after=_duration(item, "after", where)))
    return out
