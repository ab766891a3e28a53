"""What a step expects of its output, and whether the output gave it: met, NOT met, or not checked.

Runbooks write expectations two ways. A literal (``expect="rolled out"``, ``# Expected: "patched"``,
``/regex/``) is searched for in the output. Prose (``# Expected: below 1, the flow failure SLO``,
``0 rows``, ``none``, ``less than 5%``, ``5 or more confirms a mass failure``) is read here: when its
leading clause is a comparison with a number, the number the output holds is compared with it.

The rule that keeps a mark honest: a verdict is *met* or *not met* only when the output decided
it. Output with no number, or several numbers where the prose does not say which one it means,
gives *not checked* with the reason, never a quiet ✔. So is prose that is not a comparison
("the revision list; …"), and a comparison with a condition nothing can check from one run
("below 300 and falling", "below 80 within 10 minutes").

This is the core (no Textual): the supervisor and the in-process PromQL/Kubernetes runner compute
the verdict when a step ends and journal it on ``step.finished`` (``expect_verdict``,
``expect_reason``); the dashboard, ``warroom incident show`` and the PIR read it back through
:func:`verdict_of`, so all three say the same thing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

VerdictState = Literal["met", "unmet", "unchecked"]

ROW_WORDS = frozenset({"row", "rows", "result", "results", "line", "lines", "entry", "entries", "item",
                       "items", "record", "records", "series", "match", "matches"})
_OPS: dict[str, Any] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12),
}
_OP_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "==": ""}
# Longest phrases first so "no more than" is not read as "more than".
_PHRASES: list[tuple[str, str]] = sorted([
    ("below", "<"), ("under", "<"), ("less than", "<"), ("lower than", "<"), ("fewer than", "<"),
    ("smaller than", "<"), ("<", "<"), ("at most", "<="), ("no more than", "<="), ("not more than", "<="),
    ("up to", "<="), ("no higher than", "<="), ("<=", "<="), ("≤", "<="), ("above", ">"), ("over", ">"),
    ("more than", ">"), ("greater than", ">"), ("higher than", ">"), ("bigger than", ">"), (">", ">"),
    ("at least", ">="), ("no less than", ">="), ("not less than", ">="), ("no fewer than", ">="),
    (">=", ">="), ("≥", ">="), ("exactly", "=="), ("equal to", "=="), ("equals", "=="), ("=", "=="),
    ("==", "=="),
], key=lambda p: -len(p[0]))
_AFTER = {"or more": ">=", "or higher": ">=", "or above": ">=", "or greater": ">=", "or over": ">=",
          "or less": "<=", "or fewer": "<=", "or lower": "<=", "or below": "<=", "or under": "<=",
          "and above": ">=", "and up": ">=", "and below": "<=", "and under": "<="}
_NUMBER = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)"
_UNIT = r"(?:%|percent|ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?|kb|mb|gb|k)"
_SECONDS = {"ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001, "s": 1.0, "sec": 1.0, "secs": 1.0,
            "second": 1.0, "seconds": 1.0, "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0,
            "minutes": 60.0, "h": 3600.0, "hour": 3600.0, "hours": 3600.0}
# Where the expectation proper ends and the runbook's guidance begins.
_CLAUSE_END = re.compile(r"\s*(?:[;,]|\.(?:\s|$)|\s[-—–]\s|\s(?:confirms?|means?|is|so|then|if|when|"
                         r"otherwise|else|indicates?|points?|shows?)\b)")
_NONE_WORDS = re.compile(r"^(?:none|nothing|no output|empty|empty output|no rows?|no results?|no series|"
                         r"no lines?|no entries|no matches|zero rows|0 rows?|no result \(.*\)|empty or 0|"
                         r"0 or empty|none or 0)$")
_CONNECTORS = frozenset({"and", "or", "but", "for", "within", "in", "after", "before", "until", "while", "by",
                         "at", "over", "during", "then", "still", "on", "per", "across", "from", "since"})
_NULL_OUTPUT = {"none", "null", "nil", "[]", "{}", "(no series)", "no resources found", "0"}


@dataclass(frozen=True)
class Verdict:
    """How the output measured up. ``reason`` says why in words a commander can check."""

    state: VerdictState
    reason: str = ""
    # literal / numeric / prose: a *numeric* expectation the output could not decide is not a
    # success (the step is shown "ran, expectation not checked", never ✔); prose never could be.
    kind: str = ""

    @property
    def met(self) -> bool | None:
        """The journal's historical ``expect_met``: True / False, None when not checked."""
        return None if self.state == "unchecked" else self.state == "met"


@dataclass(frozen=True)
class Comparison:
    """A numeric expectation: ``op`` against ``number`` (in seconds when ``seconds``), of the one
    number in the output, or of its row count when ``rows``."""

    op: str
    number: float
    rows: bool = False
    seconds: bool = False
    percent: bool = False
    zero_means_empty: bool = False    # "none", "empty or 0": an empty output also meets it
    time_unit: str = ""               # the unit the expectation was written in ("m", "seconds")
    written: str = ""                 # the clause as the runbook wrote it ("below 1", "none")

    def describe(self) -> str:
        if self.written:
            return self.written
        num = f"{self.number:g}" + ("%" if self.percent else "s" if self.seconds else "")
        what = " rows" if self.rows else ""
        word = _OP_WORDS[self.op]
        return f"{word} {num}{what}".strip() if word else f"{num}{what}"


def parse_comparison(prose: str | None) -> Comparison | None:
    """The comparison the leading clause of prose states, or None when it states none.

    ``below 1, the flow failure SLO`` → ``< 1``; ``5 or more confirms …`` → ``>= 5``;
    ``0 rows`` / ``no rows`` / ``none`` → ``rows == 0``; ``less than 5%`` → ``< 5``;
    ``between 2 and 4`` is not supported (None), and so is anything with a condition after the
    number that one run cannot check (``below 300 and falling``).
    """
    if not prose:
        return None
    text = " ".join(prose.strip().lower().split())
    text = text.strip("\"'` ")
    m = _CLAUSE_END.search(text)
    clause = (text[:m.start()] if m else text).strip().rstrip(".:!")
    if not clause:
        return None
    clause = re.sub(r"^(?:normally|usually|typically|ideally|expected to be|should be|must be)\s+", "", clause)
    if _NONE_WORDS.match(clause):
        return Comparison("==", 0.0, rows=True, zero_means_empty=True, written=clause)
    op = "=="
    rest = clause
    for phrase, sym in _PHRASES:
        if rest.startswith(phrase) and (not phrase[-1].isalpha() or rest[len(phrase):len(phrase) + 1] in ("", " ")):
            op, rest = sym, rest[len(phrase):].strip()
            break
    nm = re.match(rf"({_NUMBER})\s*({_UNIT})?(?![\w.])\s*(?:\(\s*({_UNIT})\s*\))?", rest)
    if not nm:
        return None
    number = float(nm.group(1))
    unit = (nm.group(2) or nm.group(3) or "").lower()
    tail = rest[nm.end():].strip()
    if op == "==":
        for words, sym in _AFTER.items():
            if tail.startswith(words):
                op, tail = sym, tail[len(words):].strip()
                break
    rows = False
    if tail:
        words = tail.split()
        if words[-1] in ROW_WORDS and len(words) <= 3:
            rows = True               # "0 rows", "0 active rows", "3 matching lines"
        elif (len(words) <= 2 and all(w.isalpha() for w in words) and number == int(number)
              and words[0] not in _CONNECTORS):
            pass                      # "0 active flows", "fewer than 10 errors": a count of a named thing
        else:
            return None               # a condition we cannot check from the output
    seconds = unit in _SECONDS
    if seconds:
        number *= _SECONDS[unit]
    return Comparison(op, number, rows=rows, seconds=seconds, percent=unit in ("%", "percent"),
                      zero_means_empty=rows and op == "==" and number == 0,
                      time_unit=("s" if _SECONDS.get(unit) == 1.0 else unit) if seconds else "",
                      written=clause)


# ---------------------------------------------------------------------------------- the output

_PSQL_FOOTER = re.compile(r"^\((\d+) rows?\)$")
_TABLE_RULE = re.compile(r"^[-+=|: ]+$")
_LABELS = re.compile(r"\{[^{}]*\}")
_OUT_NUMBER = re.compile(rf"(?<![\w.:/-])({_NUMBER}(?:[eE][-+]?\d+)?)\s?({_UNIT})?(?![\w.:/-])", re.I)


@dataclass(frozen=True)
class OutputFacts:
    """What an output holds that a numeric expectation can be checked against."""

    numbers: tuple[tuple[float, str], ...]   # (value, unit as printed) in order
    rows: int | None                         # a row count the output states or plainly has
    empty: bool
    null_word: bool                          # the whole output is "none", "null", "(no series)", ...
    lines: int


def output_facts(text: str) -> OutputFacts:
    """Read plain stdout text: psql footers give the row count, table rules and PromQL label sets
    are not numbers, an empty output or ``(no series)`` has no rows."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    rows: int | None = None
    numbers: list[tuple[float, str]] = []
    kept: list[str] = []
    for ln in lines:
        m = _PSQL_FOOTER.match(ln)
        if m:
            rows = int(m.group(1))
            continue
        if _TABLE_RULE.match(ln):
            continue
        kept.append(ln)
        for nm in _OUT_NUMBER.finditer(_LABELS.sub(" ", ln)):
            try:
                value = float(nm.group(1))
            except ValueError:
                continue
            if math.isfinite(value):
                numbers.append((value, (nm.group(2) or "").lower()))
    whole = " ".join(kept).strip().lower().rstrip(".")
    null_word = whole in _NULL_OUTPUT or whole.startswith("no resources found")
    if rows is None and (not kept or whole == "(no series)"):
        rows = 0
    return OutputFacts(tuple(numbers), rows, not kept, null_word, len(kept))


def check_comparison(cmp: Comparison, text: str, *, truncated: bool = False) -> Verdict:
    """The verdict of ``cmp`` against plain stdout ``text`` (see the module doc)."""
    facts = output_facts(text)
    want = cmp.describe()
    if cmp.rows:
        if facts.empty:
            ok = _OPS[cmp.op](0.0, cmp.number)
            return Verdict("met" if ok else "unmet", f"the output is empty (wanted {want})")
        if facts.rows is not None:
            ok = _OPS[cmp.op](float(facts.rows), cmp.number)
            return Verdict("met" if ok else "unmet", f"{_plural(facts.rows, 'row')} (wanted {want})")
        if cmp.zero_means_empty and facts.null_word:
            return Verdict("met", f"the output says {' '.join(text.split())[:40]!r} (wanted {want})")
        if cmp.zero_means_empty:
            if len(facts.numbers) == 1 and facts.lines == 1:
                value = facts.numbers[0][0]
                return Verdict("met" if value == 0 else "unmet", f"the output holds {value:g} (wanted {want})")
            return Verdict("unmet", f"the output is not empty: {_plural(facts.lines, 'line')} (wanted {want})")
    if truncated:
        return Verdict("unchecked", f"the output was too long to find the one number (wanted {want})")
    if not facts.numbers:
        if cmp.op == "==" and cmp.number == 0 and facts.empty:
            return Verdict("met", f"the output is empty (wanted {want})")
        return Verdict("unchecked", f"the output holds no number (wanted {want})")
    if len(facts.numbers) > 1:
        return Verdict("unchecked", f"the output holds {len(facts.numbers)} numbers, not one (wanted {want})")
    value, unit = facts.numbers[0]
    shown = f"{value:g}{unit if unit in ('%', 's', 'ms', 'm', 'h') else ''}"
    if cmp.seconds and unit in _SECONDS:
        value *= _SECONDS[unit]
    elif cmp.seconds and cmp.time_unit not in ("", "s") and not unit:
        # "under 2m" against a bare "90": minutes or seconds? The output does not say.
        return Verdict("unchecked", f"the output holds {shown} without a unit (wanted {want})")
    ok = _OPS[cmp.op](value, cmp.number)
    return Verdict("met" if ok else "unmet", f"the output holds {shown} (wanted {want})")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ------------------------------------------------------------------------ literal expectations

class LiteralMatcher:
    """A literal (case-insensitive, whole words at its edges: ``OK`` is not found in ``BROKEN``,
    ``0 active`` not in ``10 active``) or a ``/regex/flags`` against the output, fed batch by
    batch with the end of the previous batch carried so a match across a read is found."""

    CARRY = 4096

    def __init__(self, expect: str) -> None:
        self.expect = expect
        self.met = False
        self._carry = ""
        e = expect.strip()
        self._regex: re.Pattern[str] | None = None
        m = re.fullmatch(r"/(.*)/([imsx]*)", e, re.DOTALL)
        if m and m.group(1):
            flags = 0
            for ch in m.group(2):
                flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[ch]
            try:
                self._regex = re.compile(m.group(1), flags | re.M)
            except re.error:
                self._regex = None
        self._needle = e.lower()
        if self._regex is None:
            if not self._needle:
                self.met = True
            else:
                head = r"(?<!\w)" if self._needle[0].isalnum() or self._needle[0] == "_" else ""
                tail = r"(?![\w])" if self._needle[-1].isalnum() or self._needle[-1] == "_" else ""
                self._regex = re.compile(head + re.escape(self._needle) + tail, re.I)

    def feed(self, text: str) -> None:
        if self.met or not text:
            return
        window = self._carry + text
        assert self._regex is not None
        self.met = self._regex.search(window) is not None
        self._carry = window[-max(len(self._needle) + 1, self.CARRY):]

    def verdict(self) -> Verdict:
        return Verdict("met", f"found {self.expect!r}") if self.met else Verdict(
            "unmet", f"{self.expect!r} is not in the output")


class OutputExpectation:
    """Everything a step expects, checked as its output streams in (plain stdout text).

    ``literal``: the step's checkable literal (fence ``expect=`` or a quoted ``# Expected:``);
    ``prose``: the ``# Expected:`` text as written. A literal decides when there is one; else a
    numeric prose is checked against the output's one number; else the verdict is not checked.
    """

    KEEP = 64 * 1024     # stdout kept for a numeric check; a longer output is "too long"

    def __init__(self, literal: str | None, prose: str | None) -> None:
        self.literal = literal or None
        self.prose = prose or None
        self.text = literal or prose or ""
        self._lit = LiteralMatcher(literal) if literal else None
        self._cmp = None if literal else parse_comparison(prose)
        self._kept: list[str] = []
        self._size = 0
        self.truncated = False

    def feed(self, text: str, stdout: str | None = None) -> None:
        """``text``: the plain output of both streams (a literal may be printed on stderr, as
        git and curl -v do); ``stdout``: the answer alone, where a number is looked for (default
        ``text``)."""
        if self._lit is not None:
            self._lit.feed(text)
            return
        text = text if stdout is None else stdout
        if self._cmp is not None and not self.truncated:
            if self._size + len(text) > self.KEEP:
                self.truncated = True
                self._kept = []
                return
            self._kept.append(text)
            self._size += len(text)

    def verdict(self) -> Verdict:
        if self._lit is not None:
            v = self._lit.verdict()
            return Verdict(v.state, v.reason, "literal")
        if self._cmp is not None:
            v = check_comparison(self._cmp, "".join(self._kept), truncated=self.truncated)
            return Verdict(v.state, v.reason, "numeric")
        return Verdict("unchecked", "written as prose", "prose")

    @property
    def met(self) -> bool | None:
        return self.verdict().met

    def event_data(self) -> dict[str, Any]:
        """The ``step.finished`` fields: ``expect`` as written, the verdict and its reason."""
        v = self.verdict()
        return {"expect": self.text or None, "expect_met": v.met, "expect_verdict": v.state,
                "expect_reason": v.reason, "expect_kind": v.kind}


def check_text(literal: str | None, prose: str | None, stdout: str) -> Verdict | None:
    """One-shot check of a whole stdout (native steps); None when the step expects nothing."""
    if not literal and not prose:
        return None
    exp = OutputExpectation(literal, prose)
    exp.feed(stdout)
    return exp.verdict()


def verdict_of(data: Any) -> Verdict | None:
    """The verdict a journaled run records (a ``step.finished`` data dict or a ``StepRun``).

    Journals from before verdicts were written have only ``expect_met``: True / False is met /
    not met, and an expectation with no result is *not checked*. None: nothing was expected.
    """
    get = data.get if isinstance(data, dict) else lambda k, d=None: getattr(data, k, d)
    state = get("expect_verdict")
    if state in ("met", "unmet", "unchecked"):
        return Verdict(state, str(get("expect_reason") or ""), str(get("expect_kind") or ""))
    met = get("expect_met")
    if isinstance(met, bool):
        return Verdict("met" if met else "unmet", "")
    if get("expect") or get("expect_text"):
        return Verdict("unchecked", "")
    return None
