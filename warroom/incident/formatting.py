"""Which filters after a stand-in read only reshape what it printed (``by_hand._formats``): decided from what each
filter is given, never from its name alone (attack48 Z2: ``| sort -c`` and ``| jq 'halt_error'`` made the exit code a
verdict, ``| sort --out=F``, ``| uniq - F`` and ``| less -o F`` wrote a file, ``| head -n1 /etc/passwd`` read
another, ``| tail -f`` never ended, each credited "done by hand" from the read's record).

A filter is formatting only when every option it is given is one of its own known to reshape standard output
(``Filter``: short, long, and those that take a value), its operands are the words it reads as no file (grep's
pattern, jq's program, tr's sets) and at most ``-`` (standard input); anything else (an option not listed, GNU's
abbreviation of a long one, a file operand) leaves the read "typed, not checked". jq also needs JSON from the
command before it (``json_from``: ``kubectl … -o json``, ``aws`` but ``s3``, ``curl`` of a ``.json``, a jq that
printed JSON: a table into jq is a parse error, exit 2) and a program of paths and pure builtins only
(``pure_program``: no ``halt_error``, ``error``, ``input``, ``env``/``$ENV``, ``debug``, no loop that need not end).
What it cannot rule out: a path of that program failing on the read's own output ("Cannot iterate over null"), which
the same program does alike run through warroom or typed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Filter:
    """The options a formatting filter may be given (each known to reshape standard output only), the values those
    that take one accept, and the words it reads as no file (``words``: at least, at most)."""

    flags: str = ""                                 # short options without a value
    takes: Mapping[str, str] = field(default_factory=dict)     # short and long options with one: the value's form
    long: frozenset[str] = frozenset()              # long options without a value
    words: tuple[int, int] = (0, 0)                 # operands that are no file: grep's pattern, jq's program
    digits: bool = False                            # ``-20``: head's and tail's old count
    given: str = ""                                 # an option that gives the words itself (grep's ``-e``)
    need: str = ""                                  # one of these must be given (cut's ``-b``/``-c``/``-f``)


#: the forms of the values options take: a value the filter refuses ("invalid number of lines") fails it, and the
#: last filter's exit code is the step's
_VALUE = {"N": r"\d+", "S": r"(?s).*", "C": r"(?s).", "I": r"[0-7]", "+N": r"[+-]?\d+", "L": r"(?=.*\d)[\d,-]+",
          "K": r"\d+(\.\d+)?[bdfgiMhnRrV]*(,\d+(\.\d+)?[bdfgiMhnRrV]*)?"}


def _f(flags: str = "", takes: str = "", long: str = "", words: tuple[int, int] = (0, 0), digits: bool = False,
       given: str = "", need: str = "") -> Filter:
    """A ``Filter`` from words: ``takes`` as ``n:+N lines:+N`` (an option, the form of its value in ``_VALUE``)."""
    return Filter(flags, {k: _VALUE[v] for k, v in (w.split(":") for w in takes.split())}, frozenset(long.split()),
                  words, digits, given, need)


_HEAD = _f("qvz", "n:+N c:+N lines:+N bytes:+N", "quiet silent verbose zero-terminated", digits=True)
_GREP = _f("EFGPivwxcnhHoaIsyUz", "e:S A:N B:N C:N m:N regexp:S after-context:N before-context:N context:N "
           "max-count:N", "extended-regexp fixed-strings basic-regexp perl-regexp ignore-case invert-match "
           "word-regexp line-regexp count line-number no-filename with-filename only-matching text no-messages "
           "null-data", words=(1, 1), given="e regexp")

#: every filter that may only format or select what a read printed, with what it may be given: none writes a file,
#: runs a program, reads another input, waits for more (``tail -f``) or makes its exit code a verdict (``sort -c``,
#: ``jq -e``, ``grep -q``: a ``grep`` last is one anyway, ``TESTS``)
FILTERS: dict[str, Filter] = {
    "head": _HEAD, "tail": _HEAD,
    "sort": _f("bdfgiMhnRrVsuz", "k:K t:C key:K field-separator:C", "ignore-leading-blanks dictionary-order "
               "ignore-case general-numeric-sort ignore-nonprinting month-sort human-numeric-sort numeric-sort "
               "random-sort reverse version-sort stable unique zero-terminated"),
    "uniq": _f("cdDuiz", "f:N s:N w:N skip-fields:N skip-chars:N check-chars:N",
               "count repeated unique ignore-case zero-terminated"),
    "wc": _f("lwcmL", "", "lines words bytes chars max-line-length"),
    "cut": _f("sz", "b:L c:L f:L d:C bytes:L characters:L fields:L delimiter:C output-delimiter:S",
              "complement only-delimited zero-terminated", need="b c f bytes characters fields"),
    "column": _f("tx", "c:N o:S s:S output-width:N output-separator:S separator:S", "table fillrows"),
    "less": _f("FiINRrSX"), "more": _f(),
    "cat": _f("AbeEnstTuv", "", "show-all number-nonblank show-ends number squeeze-blank show-tabs "
              "show-nonprinting"),
    "fold": _f("bs", "w:N width:N", "bytes spaces"),
    "rev": _f(),
    "grep": _GREP, "egrep": _GREP, "fgrep": _GREP,
    "jq": _f("acCjMrsS", "indent:I", "ascii-output color-output compact-output join-output monochrome-output "
             "raw-output slurp sort-keys tab seq", words=(1, 1)),
}
#: a filter whose exit code says whether the output held something (``grep``: 1 on no match): last in the pipeline it
#: is the step's outcome, which the stand-in's record does not hold
TESTS = frozenset({"grep", "egrep", "fgrep"})
#: jq's options that make its output no JSON (the next jq would fail on it)
_RAW = frozenset({"-r", "--raw-output", "-j", "--join-output", "--seq"})


def reshapes(words: Sequence[str], before: Sequence[str]) -> bool:
    """Whether the filter ``words`` (its name first), piped from the command ``before``, is given only what
    ``FILTERS`` lists for it: its options with values of their forms, the operands it reads as no file, at most a
    ``-`` (standard input; uniq's second operand is its output file); a jq also JSON from ``before`` (``json_from``)
    and a pure program (``pure_program``)."""
    spec = FILTERS.get(words[0]) if words else None
    parsed = _parse(spec, words) if spec is not None else None
    if spec is None or parsed is None:
        return False
    options, operands = parsed
    low, high = (0, 0) if options & set(spec.given.split()) else spec.words
    named, files = operands[:high], operands[high:]
    if len(named) < low or len(files) > (words[0] not in _NO_FILE) or any(f != "-" for f in files) or (
            spec.need and not options & set(spec.need.split())) or words[0] == "cut" and options & {"d", "delimiter"} \
            and not options & {"f", "fields"}:
        return False                    # cut: a delimiter only with fields ("only when operating on fields")
    return words[0] != "jq" or json_from(before) and pure_program(named[0])


_NO_FILE = frozenset({"jq", "column", "less", "more", "rev"})     # given no file operand at all here


def _parse(spec: Filter, words: Sequence[str]) -> tuple[set[str], list[str]] | None:
    """(the options ``words`` gives, its operands), each option one ``spec`` lists with a value of its form; None for
    any other (or a value missing)."""
    options: set[str] = set()
    operands: list[str] = []
    i, ended = 1, False

    def value(name: str, attached: str | None) -> bool:
        nonlocal i
        if attached is None:
            if i >= len(words):
                return False
            attached, i = words[i], i + 1
        options.add(name)
        return re.fullmatch(spec.takes[name], attached) is not None
    while i < len(words):
        w = words[i]
        i += 1
        if ended or w == "-" or not w.startswith("-"):
            operands.append(w)
        elif w == "--":
            ended = True
        elif w.startswith("--"):
            name, eq, rest = w[2:].partition("=")
            if name in spec.takes:
                if not value(name, rest if eq else None):
                    return None
            elif eq or name not in spec.long:
                return None
            options.add(name)
        elif not (spec.digits and w[1:].isdigit()):
            for k, ch in enumerate(w[1:], 1):
                if ch in spec.takes:
                    if not value(ch, w[k + 1:] or None):
                        return None
                    break
                if ch not in spec.flags:
                    return None
                options.add(ch)
    return options, operands


def json_from(words: Sequence[str]) -> bool:
    """Whether the command ``words`` prints JSON for a jq after it: a kubectl read asked ``-o json``, an ``aws`` call
    (the stand-in prints only its JSON, but ``s3``'s listings), a ``curl`` of a ``.json`` URL, a jq not asked for raw
    text."""
    tool, rest = (words[0], list(words[1:])) if words else ("", [])
    if tool == "kubectl":
        return any(w in ("-ojson", "-o=json", "--output=json") or w in ("-o", "--output") and i + 1 < len(rest)
                   and rest[i + 1] == "json" for i, w in enumerate(rest))
    if tool == "aws":
        return "s3" not in rest
    if tool == "curl":
        return any(re.match(r"https?://[^?#]*\.json(?:[?#]|$)", w) for w in rest)
    return tool == "jq" and not any(w in _RAW or re.fullmatch(r"-[a-zA-Z]*[rj][a-zA-Z]*", w) for w in rest)


#: what a jq program may name: keywords and builtins that only compute from their input (none that fails on purpose,
#: halts, reads another input or the environment, prints to stderr, or loops until told)
JQ_NAMES = frozenset(
    "if then elif else end and or not try select map map_values length utf8bytelength keys keys_unsorted values has "
    "in inside contains startswith endswith ltrimstr rtrimstr ascii_downcase ascii_upcase tostring tojson type sort "
    "sort_by group_by unique unique_by min max min_by max_by reverse add any all flatten first last nth limit empty "
    "null true false to_entries from_entries with_entries join split test match capture sub gsub scan splits index "
    "rindex indices paths leaf_paths strings numbers arrays objects iterables booleans nulls scalars tonumber floor "
    "ceil round sqrt fabs todate fromdate todateiso8601 fromdateiso8601 now strftime mktime gmtime date range "
    "implode explode ascii getpath del".split())
_FORMATS = frozenset("text json csv tsv html uri sh base64".split())
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def pure_program(program: str) -> bool:
    """Whether a jq ``program`` names only ``JQ_NAMES`` (besides fields ``.name``, object keys ``{name: …}`` and
    ``@csv``-like formats): no variable (``$ENV``, ``$__loc__``), no string interpolation, comment or module."""
    stack: list[str] = []
    prev, i = "", 0
    while i < len(program):
        ch = program[i]
        if ch == '"':
            j = i + 1
            while j < len(program) and program[j] != '"':
                if program[j] == "\\":
                    if program[j + 1:j + 2] == "(":
                        return False        # "\(…)": code inside a string
                    j += 1
                j += 1
            if j >= len(program):
                return False
            prev, i = '"', j + 1
            continue
        if ch in "$#" or program.startswith("::", i):
            return False
        if ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            if not stack:
                return False
            stack.pop()
        m = _NAME.match(program, i) if ch.isalpha() or ch == "_" else None
        if m is None:
            if not ch.isspace():
                prev = ch
            i += 1
            continue
        name, i = m.group(), m.end()
        after = program[i:].lstrip()[:1]
        key = bool(stack) and stack[-1] == "{" and prev in ("{", ",") and after in (":", ",", "}")
        if not (prev == "." or prev == "@" and name in _FORMATS or key or name in JQ_NAMES):
            return False
        prev = "a"
    return not stack
