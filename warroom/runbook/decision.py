"""Go/No-Go decisions written in a runbook: a question, GO and NO-GO criteria, a deadline.

A decision is not a checklist: ticking "record the decision" records nothing. A runbook states it
in a fenced ``decision`` block (TOML), so the tool can evaluate each criterion from what it knows
and the commander records GO or NO-GO with who and why::

    ```decision
    id = "rollback-to-pilot"      # the same id in two runbooks is the same decision
    question = "Roll back to the pilot (RB-LAUNCH-002)?"
    deadline = "15m"              # required: after detection (after it arises, with applies_when); a reminder when it passes
    on_go = "RB-LAUNCH-002"       # opened beside this runbook on GO
    go_when = "any"               # any (default) | all of the GO criteria
    no_go_when = "all"            # all (default) | any of the NO-GO criteria

    [applies_when]                # optional: the decision only arises while this holds (its deadline counts from then)
    text = "Every provider is failing"
    query = '100 * sum(rate(errors[5m])) / sum(rate(requests[5m]))'
    op = ">"
    value = 90

    [[go]]
    text = "5 or more repositories failing"
    query = "repos_failing"       # a [queries.NAME] of the runbook (its title and unit shown), or PromQL
    op = ">="
    value = 5

    [[go]]
    text = "Root cause still unknown after 15 minutes"
    no_note = "root-cause"        # met when no root-cause note exists ...
    after = "15m"                 # ... this long after detection

    [[no_go]]
    text = "Fix lands within 30 minutes"   # nothing to measure: the commander judges
    ```

A criterion measures exactly one thing: ``query`` + ``op`` + ``value`` (a metric: a query the
runbook names in ``[queries]``, shown in its title and unit, else PromQL; ``value = "5%"`` on a
query in percent; ``warroom.runbook.criterion_query``), ``step`` +
``pattern`` + ``op`` + ``value`` (the last number the pattern's first group captures in a step's
output, e.g. the failing-repo count; the step must exist in the runbook), ``note`` / ``no_note``
(a tagged note exists / does not; ``no_note`` may wait ``after``), ``after`` alone (time since
detection), ``ran`` (a list of the runbook's command steps: met once one of them ran ok — exit 0,
its expectation met, its verify gate not failed —, else unknown: a mitigation done outside the
runbook is the commander's to judge), ``not_ran`` (the same list: met while none of them has run
ok, not met once one did — a GO that needs a recovery step first, such as turning PII redaction
back on before flows run, says NO-GO until it ran; its text says the step "has not run", the most
the tool knows: a change made by hand outside the runbook is not seen, and the commander may
record a verdict against the suggestion), or nothing (judged by the commander: shown as unknown).
A step that ran ok shows a mitigation was attempted, never that it worked or which cause it
fixed, so a ``ran`` criterion's text must say "ran" (attack39 G1: the wrong scenario's fix read
as "the fix lands"). Any measured criterion may add ``unless_ran`` (steps, as ``ran``): once one
of them ran ok it reads unknown — for a step that makes the measure itself moot, never to say a
fix found the cause (the tool cannot know the step was the right one).
A key that would be ignored is an error, never silently dropped. Errors name the file line
of the offending key.

``applies_when`` (optional; one criterion of the same kinds, read by the same code, but it must
measure something: a commander's judgement would leave the decision "not needed" for ever) says
when the decision arises at all: a runbook section for a rare case ("all providers down") states
a decision the ordinary case never faces. While the condition is not met, or cannot be judged
and was never seen to hold, the decision is "not needed now": no overdue reminder, no miss in the
PIR (``warroom.incident.decisions`` has the rule). The commander can record a verdict any time,
but one recorded before the decision arose does not answer it (``decisions.model.before_it_arose``),
and a decision that arises again after its condition lapsed is asked again: a verdict answers the
arisal it was recorded in (``decisions.model.answered_arisal``). Its deadline runs from the first arisal
of the run no verdict answered (``decisions.runs``): a condition that flaps keeps the deadline it had.

Only fences the markdown parser sees as fences count (``warroom.runbook.builder`` hands them
over, ``warroom.runbook.parser.find_decisions`` reads them from text): a ``decision`` example
quoted inside another fence is text, not a decision.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from warroom.durations import parse_duration
from warroom.runbook.gate import NamedQuery

OPS = (">=", "<=", ">", "<", "==", "!=")
WHEN = ("any", "all")
_TOP = ("id", "question", "deadline", "on_go", "go_when", "no_go_when", "applies_when", "go", "no_go")
_CRIT = ("text", "query", "step", "pattern", "op", "value", "note", "no_note", "after", "ran", "not_ran",
         "unless_ran")
_MEASURES = ("query", "step", "note", "no_note", "ran", "not_ran")
_STEP_LISTS = ("ran", "not_ran", "unless_ran")
_PERCENT = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*%\s*", re.ASCII)   # value = "5%"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")   # a decision's id, a runbook's id (never a path)


def _note_tags() -> tuple[str, ...]:
    from warroom.journal.events import NOTE_TAGS

    return tuple(NOTE_TAGS)


def rule_words(side: str, when: str, *, these: bool = True) -> str:
    """A side's rule as every view says it, the verb agreeing with its word: "GO when any of these
    holds", "GO when all of these hold" (``these=False``: "NO-GO when all hold")."""
    verb = "holds" if when == "any" else "hold"
    return f"{'GO' if side == 'go' else 'NO-GO'} when {when}{' of these' if these else ''} {verb}"


class DecisionError(ValueError):
    """A decision block that cannot be read; ``line`` is the file line of the offending key."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class DecisionErrors(ValueError):
    """Every fault of one decision block, in line order."""

    def __init__(self, errors: list[DecisionError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


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
    line: int = field(default=0, compare=False)   # the file line of its [[go]] / [[no_go]]
    percent: bool = False               # value written with % ("5%"): only a percent query takes it
    query_line: int = field(default=0, compare=False)   # file lines of 'query' and 'value' (lint)
    value_line: int = field(default=0, compare=False)
    measure: NamedQuery | None = None   # the [queries.NAME] its query names (criterion_query.name_queries)
    refused: bool = False               # its query names one [queries] refused: never read as PromQL
    ran: tuple[str, ...] = ()           # met once one of these steps ran ok (a mitigation under way)
    unless_ran: tuple[str, ...] = ()    # unknown once one of these steps ran ok (its measure no longer tells)
    not_ran: tuple[str, ...] = ()       # met while none of these steps has run ok (a step still to come)

    @property
    def promql(self) -> str | None:
        """What a metric criterion queries: its named query's PromQL, else the PromQL written."""
        return self.measure.promql if self.measure is not None else self.query

    @property
    def kind(self) -> str:
        if self.query:
            return "metric"
        if self.step:
            return "step"
        if self.note or self.no_note:
            return "note"
        if self.ran:
            return "ran"
        if self.not_ran:
            return "not_ran"
        if self.after is not None:
            return "time"
        return "judgement"

    def to_json(self) -> dict[str, Any]:
        """The criterion as written (``query``: the name or the PromQL), and for a named query
        what it reads in the words every surface shows (title, unit) and its PromQL."""
        written = ("text", "query", "step", "pattern", "op", "value", "note", "no_note", "after")
        out = {k: getattr(self, k) for k in written if getattr(self, k) is not None} | {"kind": self.kind}
        out |= {k: list(getattr(self, k)) for k in _STEP_LISTS if getattr(self, k)}
        if self.percent:
            out["percent"] = True
        if self.measure is not None:
            out |= {"title": self.measure.title, "unit": self.measure.unit, "promql": self.measure.promql}
        if self.refused:
            out["refused"] = True
        return out


@dataclass(frozen=True)
class Decision:
    id: str
    question: str
    line: int
    deadline: float | None = None       # seconds after detection, or after it arises (required in a runbook)
    on_go: str | None = None
    go: tuple[Criterion, ...] = field(default_factory=tuple)
    no_go: tuple[Criterion, ...] = field(default_factory=tuple)
    go_when: str = "any"
    no_go_when: str = "all"
    named: bool = True                  # the id was written (shared across runbooks), not numbered
    applies_when: Criterion | None = None   # the decision arises only while this holds
    on_go_line: int = field(default=0, compare=False)   # file line of 'on_go' (lint names it)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "line": self.line, "deadline": self.deadline,
                "on_go": self.on_go, "go_when": self.go_when, "no_go_when": self.no_go_when,
                "applies_when": self.applies_when.to_json() if self.applies_when else None,
                "go": [c.to_json() for c in self.go], "no_go": [c.to_json() for c in self.no_go]}


class _Lines:
    """File lines of a block's keys, for messages: tomllib gives values, not positions."""

    def __init__(self, body: str, fence_line: int) -> None:
        self.lines = body.split("\n")
        self.first = fence_line + 1          # file line of the body's first line
        self.fence = fence_line

    def _key_at(self, key: str, start: int) -> int | None:
        rx = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
        for i in range(start, len(self.lines)):
            if i > start and self.lines[i].lstrip().startswith("["):
                return None
            if rx.match(self.lines[i]):
                return i
        return None

    def table(self, side: str, n: int) -> int | None:
        """0-based body index of the ``n``-th (1-based) ``[[side]]`` (or ``[side]``) header."""
        rx = re.compile(rf"^\s*\[\[?\s*{re.escape(side)}\s*\]\]?")
        hits = [i for i, ln in enumerate(self.lines) if rx.match(ln)]
        return hits[n - 1] if len(hits) >= n else None

    def of(self, key: str | None = None, side: str | None = None, n: int = 0) -> int:
        if side is None:
            top = next((i for i, ln in enumerate(self.lines) if ln.lstrip().startswith("[")), len(self.lines))
            i = self._key_at(key, 0) if key else None
            return self.first + i if i is not None and i < top else self.fence
        head = self.table(side, n)
        if head is None:
            return self._of_top(side)
        i = self._key_at(key, head + 1) if key else None
        return self.first + (i if i is not None else head)

    def _of_top(self, key: str) -> int:
        i = self._key_at(key, 0)
        return self.first + i if i is not None else self.fence


def parse_fence(body: str, fence_line: int, ordinal: int = 1) -> Decision:
    """One ``decision`` fence's TOML body; ``fence_line``: the file line of its opening fence.
    Raises :class:`DecisionErrors` with every fault of the block, each naming the file line of
    its key (a runbook author fixes them all in one pass, as ``runbooks lint`` promises)."""
    at = _Lines(body, fence_line)
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        line = at.first + int(m.group(1)) - 1 if m else fence_line
        raise DecisionErrors([DecisionError(f"decision block: not valid TOML: {exc}", line)]) from None
    except RecursionError:
        raise DecisionErrors([DecisionError("decision block: nests too deeply", fence_line)]) from None
    errors: list[DecisionError] = []

    def check(fn: Any) -> Any:
        try:
            return fn()
        except DecisionError as exc:
            errors.append(exc)
            return None

    where = "decision block"
    for key in sorted(set(data) - set(_TOP)):
        errors.append(DecisionError(f"{where}: unknown key {key!r} (known: {', '.join(_TOP)})", at.of(key)))
    question = check(lambda: _text(data, "question", where, at.of("question"), required=True))
    did = check(lambda: _text(data, "id", where, at.of("id"))) or f"decision-{ordinal}"
    if not _ID.fullmatch(did):
        errors.append(DecisionError(f"{where}: id {did!r}: use letters, digits, '.', '_' or '-'", at.of("id")))
    deadline = None
    if "deadline" not in data:
        errors.append(DecisionError(f"{where}: 'deadline' is required (how long after detection, or after it"
                                    " arises with [applies_when], the decision is due, e.g. \"15m\"): a decision"
                                    " nobody times is not taken",
                                    fence_line))
    else:
        deadline = check(lambda: _duration(data, "deadline", where, at.of("deadline")))
        if deadline is not None and not deadline:
            errors.append(DecisionError(f"{where}: 'deadline' must be after detection, not {data['deadline']!r}",
                                        at.of("deadline")))
    when = {}
    for key, default in (("go_when", "any"), ("no_go_when", "all")):
        value = data.get(key, default)
        if value not in WHEN:
            errors.append(DecisionError(f"{where}: {key!r} is 'any' or 'all', not {value!r}", at.of(key)))
        when[key] = value
    sides: dict[str, tuple[Criterion, ...]] = {}
    for side in ("go", "no_go"):
        items = data.get(side, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            errors.append(DecisionError(f"{where}: {side!r} must be a list of tables ([[{side}]])", at.of(side)))
            items = []
        sides[side] = tuple(c for n, item in enumerate(items, 1)
                            if (c := check(lambda item=item, n=n, side=side: _criterion(item, side, n, at))))
    applies = None
    if "applies_when" in data:
        item = data["applies_when"]
        if not isinstance(item, dict):
            errors.append(DecisionError(f"{where}: 'applies_when' must be a table ([applies_when]) holding one "
                                        "criterion", at.of("applies_when")))
        else:
            applies = check(lambda: _criterion(item, "applies_when", 1, at))
            if applies is not None and applies.kind == "judgement":
                errors.append(DecisionError(f"{where}: [applies_when] must measure something ('query', 'step', "
                                            "'note', 'no_note' or 'after'): a condition only the commander can "
                                            "judge would leave the decision 'not needed' for ever", applies.line))
                applies = None
    if "go" not in data and "no_go" not in data:
        errors.append(DecisionError(f"{where}: needs [[go]] or [[no_go]] criteria", fence_line))
    on_go = check(lambda: _text(data, "on_go", where, at.of("on_go")))
    if on_go is not None and not _ID.fullmatch(on_go):
        errors.append(DecisionError(f"{where}: 'on_go' names a runbook by its id (like RB-LAUNCH-002), not "
                                    f"{on_go!r}: a path would open whatever file it names", at.of("on_go")))
    if errors:
        raise DecisionErrors(sorted(errors, key=lambda e: e.line))
    return Decision(id=did, question=str(question), line=fence_line, deadline=deadline,
                    on_go=on_go, go=sides["go"], no_go=sides["no_go"], named="id" in data,
                    applies_when=applies, on_go_line=at.of("on_go") if on_go else 0, **when)


def parse_fences(fences: list[tuple[int, str, bool]]) -> tuple[list[Decision], list[tuple[int, str]]]:
    """The decisions of a runbook from its ``decision`` fences (file line, body, closed?), and
    the (line, message) problems."""
    out: list[Decision] = []
    problems: list[tuple[int, str]] = []
    for line, body, closed in fences:
        if not closed:
            problems.append((line, "decision block is never closed"))
            continue
        try:
            out.append(parse_fence(body, line, len(out) + 1))
        except DecisionErrors as exc:
            problems.extend((e.line, str(e)) for e in exc.errors)
    seen: set[str] = set()
    for d in out:
        if d.id in seen:
            problems.append((d.line, f"decision id {d.id!r} is used twice"))
        seen.add(d.id)
    return out, problems


def step_problems(decisions: list[Decision], steps: dict[str, bool]) -> list[tuple[int, str]]:
    """A ``step`` criterion must name a step of the same runbook (by id or number; ``steps``:
    each ref -> whether that step runs a command): one that does not exist would read "has not
    run" for ever, and a checklist item has no output to read a number from."""
    out = []
    for d in decisions:
        for c in (*d.go, *d.no_go, *((d.applies_when,) if d.applies_when else ())):
            for key, ref in [(k, r) for k in _STEP_LISTS for r in getattr(c, k)]:
                if ref not in steps or not steps[ref]:
                    out.append((c.line, f"decision {d.id!r}: criterion {c.text!r}: {key} names step {ref!r}, "
                                        + ("which this runbook does not have (use a step's name or number)"
                                           if ref not in steps else "a checklist item with no command: it never runs")))
            if c.step and c.step not in steps:
                out.append((c.line, f"decision {d.id!r}: criterion {c.text!r} reads step {c.step!r}, which "
                                    "this runbook does not have (use a step's name or number)"))
            elif c.step and not steps[c.step]:
                out.append((c.line, f"decision {d.id!r}: criterion {c.text!r} reads step {c.step!r}, a "
                                    "checklist item with no command: it has no output to read a number from"))
    return out


def _steps(data: dict[str, Any], key: str, where: str, line: int) -> tuple[str, ...]:
    """``ran`` / ``not_ran`` / ``unless_ran``: a list of step references (names or numbers), or one string."""
    value = data.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise DecisionError(f"{where}: {key!r} names the runbook's steps: a non-empty list of step names or "
                            "numbers as strings", line)
    return tuple(dict.fromkeys(i.strip() for i in items))


def _text(data: dict[str, Any], key: str, where: str, line: int, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise DecisionError(f"{where}: {key!r} is required", line)
        return None
    if not isinstance(value, str) or not value.strip():
        raise DecisionError(f"{where}: {key!r} must be a non-empty string", line)
    return value.strip()


def _duration(data: dict[str, Any], key: str, where: str, line: int) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except (TypeError, ValueError) as exc:
        raise DecisionError(f"{where}: {key!r}: {exc}", line) from None
    if not (0 <= seconds < 366 * 86400):
        raise DecisionError(f"{where}: {key!r}: {value!r} is out of range", line)
    return seconds


def _criterion(item: dict[str, Any], side: str, n: int, at: _Lines, where: str | None = None) -> Criterion:
    """One criterion's table read, every fault a :class:`DecisionError` at its key's line; ``where`` names the
    block in messages (a runbook branch's ``applies_when`` fence says its own, ``warroom.runbook.branch``)."""
    where = where or (f"decision block: [[{side}]] #{n}" if side != "applies_when"
                      else "decision block: [applies_when]")

    def line(key: str | None = None) -> int:
        return at.of(key, side, n)

    extra = sorted(set(item) - set(_CRIT))
    if extra:
        raise DecisionError(f"{where}: unknown key {extra[0]!r} (a criterion has: {', '.join(_CRIT)})",
                            line(extra[0]))
    text = _text(item, "text", where, line("text"), required=True)
    measures = [k for k in _MEASURES if k in item]
    if len(measures) > 1:
        raise DecisionError(f"{where}: a criterion measures one thing, not both {measures[0]!r} and "
                            f"{measures[1]!r} (write two criteria)", line(measures[1]))
    kind = measures[0] if measures else None
    query, step, pattern, note, no_note = (_text(item, k, where, line(k))
                                           for k in ("query", "step", "pattern", "note", "no_note"))
    op, value = item.get("op"), item.get("value")
    percent = kind == "query" and isinstance(value, str) and _PERCENT.fullmatch(value) is not None
    if percent:
        value = float(value.strip().rstrip("%"))
    if kind in ("query", "step"):
        if op not in OPS:
            raise DecisionError(f"{where}: 'op' must be one of {' '.join(OPS)}"
                                + (f", not {op!r}" if op is not None else " (missing)"), line("op" if "op" in item else kind))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DecisionError(f"{where}: 'value' must be a finite number"
                                + (" (or, for a query in percent, a string like \"5%\")" if kind == "query" else "")
                                + (f", not {value!r}" if value is not None else " (missing)"),
                                line("value" if "value" in item else kind))
    else:
        for key in ("op", "value"):
            if key in item:
                raise DecisionError(f"{where}: {key!r} only applies to a 'query' or 'step' criterion "
                                    "(it would be ignored here)", line(key))
    if kind == "step":
        if not pattern:
            raise DecisionError(f"{where}: 'step' needs a 'pattern' whose first group captures the number",
                                line("step"))
        from warroom.execute.redact_user import UserPatternError, compile_user_pattern

        try:
            groups = compile_user_pattern(pattern).groups
        except UserPatternError as exc:
            raise DecisionError(f"{where}: 'pattern' is not a usable regular expression: {exc}",
                                line("pattern")) from None
        if groups < 1:
            raise DecisionError(f"{where}: 'pattern' needs a (group) capturing the number", line("pattern"))
    elif "pattern" in item:
        raise DecisionError(f"{where}: 'pattern' only applies to a 'step' criterion", line("pattern"))
    for key in ("note", "no_note"):
        tag = item.get(key)
        if key in item and tag not in _note_tags():
            raise DecisionError(f"{where}: {key!r}: {tag!r} is not a note tag (one of {', '.join(_note_tags())})",
                                line(key))
    ran, not_ran, unless_ran = (_steps(item, k, where, line(k)) for k in _STEP_LISTS)
    if unless_ran and (kind in ("ran", "not_ran") or (kind is None and "after" not in item) or side == "applies_when"):
        raise DecisionError(f"{where}: 'unless_ran' applies to a criterion that measures something ('query', "
                            "'step', 'note', 'no_note' or 'after'), never to "
                            + ("[applies_when] (a condition that arose stays arisen)" if side == "applies_when"
                               else f"a {kind or 'judgement'!r} one (it says what those steps did already)" if kind
                               else "a judgement one (it is unknown anyway)"), line("unless_ran"))
    if ran and not re.search(r"\bran\b", str(text)):
        raise DecisionError(f"{where}: a 'ran' criterion is met by a step having run ok, which shows a mitigation "
                            "was attempted, not that it worked: its text must say so (e.g. \"A mitigation step of "
                            "this runbook ran ok\"), not claim a fix landed", line("ran"))
    if not_ran and side == "applies_when":
        raise DecisionError(f"{where}: 'not_ran' cannot say when a decision arises (it would hold from the start "
                            "and lapse when the step runs): measure the condition itself", line("not_ran"))
    if not_ran and not re.search(r"\bnot\b.*\b(?:run|ran)\b", str(text)):
        raise DecisionError(f"{where}: a 'not_ran' criterion holds while the runbook's step has not run ok, which is "
                            "all the tool sees (a change made by hand is not): its text must say so (e.g. \"The step "
                            "that turns PII redaction on has not run\"), not claim the state itself", line("not_ran"))
    if "after" in item and kind not in (None, "no_note"):
        raise DecisionError(f"{where}: 'after' applies to a 'no_note' criterion or stands alone "
                            f"(time since detection), not to {kind!r}", line("after"))
    after = _duration(item, "after", where, line("after"))
    return Criterion(text=str(text), query=query, step=step, pattern=pattern, op=op,
                     value=float(value) if kind in ("query", "step") else None, note=note,
                     no_note=no_note, after=after, line=line(), percent=percent, ran=ran, unless_ran=unless_ran,
                     not_ran=not_ran,
                     query_line=line("query") if query else 0, value_line=line("value") if "value" in item else 0)
