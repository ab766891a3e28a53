"""Which filters after a stand-in read only reshape what it printed (``by_hand._formats``): decided from what each
filter is given, never from its name alone (attack48 Z2: ``| sort -c`` and ``| jq 'halt_error'`` made the exit code a
verdict, ``| sort --out=F``, ``| uniq - F`` and ``| less -o F`` wrote a file, ``| head -n1 /etc/passwd`` read
another, ``| tail -f`` never ended, each credited "done by hand" from the read's record).

A filter is formatting only when every option it is given is one of its own known to reshape standard output
(``Filter``: short, long, and those that take a value), its operands are the words it reads as no file (grep's
pattern, jq's program, tr's sets) and at most ``-`` (standard input); anything else (an option not listed, GNU's
abbreviation of a long one, a file operand, a value the filter refuses: ``sort -k0``, ``cut -f3-1``) leaves the read
"typed, not checked". jq also needs JSON from the command before it, by what that command prints as its own options
decide, the last one winning (``json_from``: ``kubectl`` whose last ``-o`` is ``json``, ``aws`` but ``s3`` and
``help``, ``curl`` of a ``.json`` without headers or ``-w``, a jq printing neither raw text nor colour: a table into
jq is a parse error, exit 2) and a program of paths and pure builtins only (``pure_program``: no ``halt_error``,
``error``, ``input``, ``env``/``$ENV``, ``debug``, ``tonumber``, no constant fed to a filter, no loop that need not
end; interpolation and bound ``$vars`` are code it checks too). What it cannot rule out: a path of that program failing
on the read's own output ("Cannot iterate over null"), which the same program does alike run through warroom or
typed."""

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
#: last filter's exit code is the step's. So a form is the values the filter accepts, not their shape (attack49 F1:
#: ``sort -k0``, ``cut -f0``, ``cut -f3-1``, ``fold -w0``, ``head -n`` past 2^63 each fail): a count at most 18
#: digits, a width (W) or field (``sort -k``) from 1, a ``cut`` list of increasing ranges from 1 (``_cut_list``)
_NUM, _POS = r"\d{1,18}", r"0*[1-9]\d{0,17}"
_VALUE = {"N": _NUM, "W": _POS, "S": r"(?s).*", "C": r"(?s).", "I": r"[0-7]", "+N": r"[+-]?" + _NUM, "L": "L",
          "K": rf"{_POS}(\.{_POS})?[bdfgiMhnRrV]*(,{_POS}(\.{_NUM})?[bdfgiMhnRrV]*)?"}


def _cut_list(text: str) -> bool:
    """Whether ``text`` is a list ``cut`` accepts: ranges ``N``, ``N-``, ``-M``, ``N-M``, comma-separated, numbered
    from 1, none decreasing ("fields are numbered from 1", "invalid decreasing range")."""
    for part in text.split(","):
        lo, dash, hi = part.partition("-")
        if not re.fullmatch(f"({_POS})?", lo) or not re.fullmatch(f"({_POS})?", hi) or not (lo or hi) or (
                lo and hi and int(lo) > int(hi)) or (dash and not lo and not hi):
            return False
    return True


def _accepts(form: str, text: str) -> bool:
    """Whether an option's value ``text`` is one of ``form``'s (a ``_VALUE``)."""
    return _cut_list(text) if form == "L" else re.fullmatch(form, text) is not None


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
    "column": _f("tx", "c:W o:S s:S output-width:W output-separator:S separator:S", "table fillrows"),
    "less": _f("FiINRrSX"), "more": _f(),
    "cat": _f("AbeEnstTuv", "", "show-all number-nonblank show-ends number squeeze-blank show-tabs "
              "show-nonprinting"),
    "fold": _f("bs", "w:W width:W", "bytes spaces"),
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
        return _accepts(spec.takes[name], attached)
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
    """Whether the command ``words`` PRINTS JSON for a jq after it, decided by its own options, the last one winning
    (attack49 F1: ``-o json -o wide`` prints a table, ``curl -i`` headers first): a kubectl read whose last ``-o`` is
    ``json``, an ``aws`` call (the stand-in prints only its JSON) but ``s3``'s listings, ``help`` and a last
    ``--output`` not ``json``, a ``curl`` of a ``.json`` URL asked for no headers (``-i``, ``-I``, ``-D``) and no
    ``-w`` text after the body, a jq asked for neither raw text (``-r``, ``-j``, ``--seq``) nor colour (``-C`` after
    the last ``-M``)."""
    tool, rest = (words[0], list(words[1:])) if words else ("", [])
    if tool == "kubectl":
        return _last_value(rest, "o", "output") == "json"
    if tool == "aws":
        return "s3" not in rest and "help" not in rest and _last_value(rest, "", "output") in (None, "json")
    if tool == "curl":
        return any(re.match(r"https?://[^?#]*\.json(?:[?#]|$)", w) for w in rest) and not any(
            w in ("--include", "--head", "--dump-header", "--write-out") or w.startswith(("--dump-header=",
                                                                                        "--write-out="))
            or re.fullmatch(r"-[a-zA-Z]*[iIDw][^ ]*", w) for w in rest)
    if tool != "jq":
        return False
    colour = False
    for w in rest:
        if w in _RAW or re.fullmatch(r"-[a-zA-Z]*[rj][a-zA-Z]*", w):
            return False
        if w == "--color-output" or re.fullmatch(r"-[a-zA-Z]*C[a-zA-Z]*", w):
            colour = not re.fullmatch(r"-[a-zA-Z]*C[a-zA-Z]*M[a-zA-Z]*", w)
        elif w == "--monochrome-output" or re.fullmatch(r"-[a-zA-Z]*M[a-zA-Z]*", w):
            colour = False
    return not colour


def _last_value(words: Sequence[str], short: str, long: str) -> str | None:
    """The value the last ``-S V``/``-SV``/``-S=V``/``--LONG V``/``--LONG=V`` of ``words`` gives (None: none)."""
    got = None
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w == f"--{long}" or short and w == f"-{short}":
            got = nxt
        elif w.startswith(f"--{long}="):
            got = w.partition("=")[2]
        elif short and w.startswith(f"-{short}") and not w.startswith("--"):
            got = w[2:].removeprefix("=")
    return got


#: what a jq program may name: keywords and builtins that only compute from their input (none that fails on purpose,
#: halts, reads another input or the environment, prints to stderr, or loops until told; not ``tonumber``, whose use
#: is to fail on text: ``"verdict"|tonumber`` is an exit-code verdict, attack49 F1); ``range`` only of small constants
JQ_NAMES = frozenset(
    "if then elif else end and or not try select map map_values length utf8bytelength keys keys_unsorted values has "
    "in inside contains startswith endswith ltrimstr rtrimstr ascii_downcase ascii_upcase tostring tojson type sort "
    "sort_by group_by unique unique_by min max min_by max_by reverse add any all flatten first last nth limit empty "
    "null true false to_entries from_entries with_entries join split test match capture sub gsub scan splits index "
    "rindex indices paths leaf_paths strings numbers arrays objects iterables booleans nulls scalars floor "
    "ceil round sqrt fabs todate fromdate todateiso8601 fromdateiso8601 now strftime mktime gmtime date range "
    "implode explode ascii getpath del as reduce foreach".split())
_FORMATS = frozenset("text json csv tsv html uri sh base64".split())
_ROWS = frozenset({"csv", "tsv"})     # a row of scalars only: after an array built in the program (``[…] | @csv``)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RANGE = re.compile(r"range\s*\(\s*\d{1,5}\s*(;\s*\d{1,5}\s*)?\)")      # range(N) / range(N; M): N, M < 10^5
_BOUND = re.compile(r"\bas\s*(\$\w+|\[[^\]]*\]|\{[^}]*\})")     # ``… as $x``, ``as [$a, $b]``, ``as {k: $v}``
_CONSTANT = re.compile(r'(?:(?<![\w.$])(?:null|true|false)|"(?:[^"\\]|\\[^(])*"|(?<![\w.$])\d+(?:\.\d+)?|'
                       r"(?<![\w.\])?])(?:\{\s*}|\[\s*]))\s*(?:\||\.(?![\w\s])|\[)")


def pure_program(program: str) -> bool:
    """Whether a jq ``program`` names only ``JQ_NAMES`` (besides fields ``.name``, object keys ``{name: …}`` and
    ``@csv``-like formats, ``@csv``/``@tsv`` only of an array it builds) and the variables it binds (``as $x``): no
    ``$ENV``/``$__loc__``, comment or module, code in a string only as its interpolation (``"\\(.name)"``, itself
    checked), no constant fed to a filter (``"x"|tonumber``, ``null|keys``, ``{}|.[0]`` fail whatever the read
    printed) and ``range`` of small constants only (``range(1e11)`` never ends)."""
    bound = {m for b in _BOUND.findall(program) for m in re.findall(r"\$(\w+)", b)} - {"ENV", "__loc__"}
    if _CONSTANT.search(program):
        return False
    stack: list[str] = []       # "(", "[", "{" and "\\(": an interpolation, whose ")" goes back into its string
    prev, i = "", 0
    in_string = False
    while i < len(program):
        ch = program[i]
        if in_string:
            if ch == "\\" and program[i + 1:i + 2] == "(":
                stack.append("\\(")
                in_string, prev, i = False, "(", i + 2
            elif ch == "\\":
                i += 2
            else:
                in_string, i = ch != '"', i + 1
                prev = '"' if ch == '"' else prev
            continue
        if ch == '"':
            in_string, i = True, i + 1
            continue
        if ch == "#" or program.startswith("::", i):
            return False
        if ch == "$":
            m = _NAME.match(program, i + 1)
            if m is None or m.group() not in bound:
                return False
            prev, i = "a", m.end()
            continue
        if ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            if not stack:
                return False
            if stack.pop() == "\\(":
                in_string, prev, i = True, '"', i + 1
                continue
        m = _NAME.match(program, i) if ch.isalpha() or ch == "_" else None
        if m is None:
            if not ch.isspace():
                prev = ch
            i += 1
            continue
        name = m.group()
        if name == "range" and prev != "." and not _RANGE.match(program, i):
            return False
        if prev == "@" and name in _ROWS and not _built_array(program[:i]):
            return False
        i = m.end()
        after = program[i:].lstrip()[:1]
        key = bool(stack) and stack[-1] == "{" and prev in ("{", ",") and after in (":", ",", "}")
        if not (prev == "." or prev == "@" and name in _FORMATS or key or name in JQ_NAMES):
            return False
        prev = "a"
    return not stack and not in_string


def _built_array(head: str) -> bool:
    """Whether ``head`` (a program up to a ``@csv``'s name) ends ``[…] | @``: an array the program builds, not
    ``.items[] | @`` (the read's objects: "object is not valid in a csv row", exit 5)."""
    m = re.search(r"]\s*\|\s*@$", head)
    depth, j = 0, m.start() if m else -1
    while j >= 0:
        depth += {"]": 1, "[": -1}.get(head[j], 0)
        if depth == 0:
            return not re.search(r"[\w.\])?]\s*$", head[:j])
        j -= 1
    return False
