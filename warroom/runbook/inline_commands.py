"""Commands written outside fences: inline code in list items and paragraphs.

Teams write "Attempt to restart the service: `sudo systemctl restart foo`" as often as they fence
a command. Such a span is a command when its first word is a program (a known tool, a path such
as ``./bin/tool``, or a name found on ``PATH``) and the rest reads like arguments; a lone word
(`kubectl`), a setting (`status=failed`), a file name or a sentence stays prose.

The spans are found with a CommonMark-faithful scan of the raw paragraph (runs of backticks of
equal length), so deciding needs no full inline parse (the parser only parses inline markup for
paragraphs whose text it shows); :func:`code_spans` is tested against markdown-it's own result.
"""

from __future__ import annotations

import functools
import re
import shlex
import shutil

from warroom.syntax import shell
from warroom.runbook.line_kinds import KNOWN_COMMANDS, looks_like_output

# Program names that are also everyday English words: a span starting with one of them is a
# command only when what follows reads like arguments, not like words (`tail latency`).
_ENGLISH = frozenset("""
time date host file more less watch sort join read head tail service history which make set test
true false find kill top free who last paste cut fold sync route mount source exit alias stat go
node bundle rake mc ab hey dig w id tr ln nl comm expr seq wc cat tee yes sleep apt patch diff
split install link unlink users shred column print echo env touch
""".split())

# Words that are never a program to run from prose, whatever PATH holds.
_NOT_PROGRAMS = frozenset("""
a an the and or of to in on at by for with from is are be was it this that if then else done
fi do not no yes ok up down on off null none nil error warning info debug
""".split())

_BACKTICKS = re.compile(r"`+")
_NAME = re.compile(r"^[a-z][a-z0-9._+-]*$")


def code_spans(raw: str) -> list[str]:
    """Contents of the inline code spans of a paragraph's raw markdown, in order.

    CommonMark: a span opens with a run of N backticks not preceded by a backslash and closes at
    the next run of exactly N; line endings become spaces and one space is stripped from each
    side when both sides have one and the content is not all spaces.
    """
    if "`" not in raw:
        return []
    out: list[str] = []
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(raw)]
    i = 0
    while i < len(runs):
        start, end = runs[i]
        # A backslash-escaped backtick starts no span (the run after it still may).
        escaped = start > 0 and raw[start - 1] == "\\" and _odd_backslashes(raw, start)
        n = end - start - (1 if escaped else 0)
        if n <= 0:
            i += 1
            continue
        j = i + 1
        while j < len(runs) and runs[j][1] - runs[j][0] != n:
            j += 1
        if j == len(runs):
            i += 1
            continue
        text = raw[end:runs[j][0]].replace("\n", " ")
        if len(text) >= 2 and text[0] == " " and text[-1] == " " and text.strip():
            text = text[1:-1]
        out.append(text)
        i = j + 1
    return out


def _odd_backslashes(raw: str, pos: int) -> bool:
    k = pos - 1
    count = 0
    while k >= 0 and raw[k] == "\\":
        count += 1
        k -= 1
    return count % 2 == 1


@functools.lru_cache(maxsize=2048)
def on_path(name: str) -> bool:
    """A program of that name is installed here (cached: asked for every code span)."""
    if not _NAME.match(name) or name in _NOT_PROGRAMS or len(name) < 2:
        return False
    try:
        return shutil.which(name) is not None
    except (OSError, ValueError):
        return False


def _argument_like(word: str) -> bool:
    """Reads as a command argument rather than an English word."""
    return bool(re.search(r"[-/=.:$@{}<>\[\]\"'*|;&0-9~]", word)) or word in KNOWN_COMMANDS


def command_text(code: str) -> str:
    """The command an inline span holds: a shell prompt written in it (`$ df -h`) is not part
    of the command."""
    text = code.strip()
    if text.startswith("$ "):
        text = text[2:].strip()
    return text


def is_inline_command(code: str) -> bool:
    """Is this inline code span a command someone would run?"""
    text = command_text(code)
    if not text or "\n" in text or len(text) > 2000:
        return False
    words = text.split()
    if len(words) < 2:
        return False  # a lone word (`toolbox`, `k-ctl`) names a tool more often than runs it
    head = words[0]
    if head.startswith("-") or looks_like_output(text):
        return False
    if shell.is_assignment(head):
        # `FOO=1 cmd args` runs cmd; `status=failed` alone is a setting
        rest = [w for w in words if not shell.is_assignment(w)]
        return bool(rest) and is_inline_command(" ".join(rest)) if len(rest) >= 2 else False
    path_like = head.startswith(("./", "../", "~/")) or (head.startswith("/") and
                                                          head.count("/") >= 2)
    if path_like:
        return True
    if reads_stdin_only(text):
        return False
    second = words[1]
    if head in KNOWN_COMMANDS:
        if head in _ENGLISH:
            return _argument_like(second) or len(words) >= 3 and any(
                _argument_like(w) for w in words[1:])
        return True
    if on_path(head):
        return _argument_like(second) or any(_argument_like(w) for w in words[2:3])
    return False


# Filters that read standard input unless given a file: written alone in prose (`grep ERROR`,
# `wc -l`) they are a fragment of a pipeline the text describes, and run as a step they would wait
# on an empty stdin. Value: how many operands (words not options) the program needs before one
# of them is a file — a pattern or program comes first for grep/awk/sed/jq.
_FILTERS = {
    **dict.fromkeys("grep egrep fgrep zgrep awk gawk sed jq yq".split(), 2),
    **dict.fromkeys("sort uniq wc head tail cut column tac nl fold base64 xxd od sha256sum md5sum "
                    "cat".split(), 1),
    **dict.fromkeys("tr xargs tee".split(), 10**6),  # always read stdin
}
_NO_STDIN_FLAGS = frozenset({"-r", "-R", "--recursive", "-n", "--null-input", "--help",
                             "--version", "-i"})


def reads_stdin_only(text: str) -> bool:
    """A filter with no file to read and no ``<`` redirection: a pipeline fragment.

    ``-i`` (sed in place) and ``-n`` (jq's null input) are only counted for the programs where
    they mean "no stdin"; a program that cannot be split into words is never called a fragment.
    """
    try:
        words = shlex.split(text, comments=False)
    except ValueError:
        return False
    if not words:
        return False
    need = _FILTERS.get(words[0])
    if need is None:
        return False
    operands = 0
    skip = False
    for word in words[1:]:
        if skip:
            skip = False
            continue
        if word in (">", ">>", "2>", "2>>"):
            skip = True  # the file after it is where output goes, not input
            continue
        if word in ("|", "||", "&&", ";") or word.startswith("|"):
            break
        if word.startswith("<"):
            return False  # its input is a file after all
        if word.startswith(">") or word == "-":
            continue  # output redirection; `-` is stdin itself
        if word in _NO_STDIN_FLAGS:
            if word in ("-r", "-R", "--recursive") and words[0] in ("grep", "egrep", "fgrep"):
                return False
            if word in ("-n", "--null-input") and words[0] in ("jq", "yq"):
                return False
            if word == "-i" and words[0] == "sed":
                continue
            if word in ("--help", "--version"):
                return False
            continue
        if word.startswith("-") or re.fullmatch(r"\d+", word):
            continue
        operands += 1
    return operands < need


_IMPERATIVE_BEFORE = re.compile(
    r"(?:^|[.!?;:]\s+|\d+[.)]\s*)(?:then\s+|now\s+|first\s+|also\s+)?"
    r"(?:run|check|verify|confirm|execute|ensure|make sure|type|enter)(?:\s+that)?\s*$", re.I)

# A clause that forbids what follows: "Do **not** run `x`", "Never restart it with `x`",
# "If it fails, don't use `x`". Judged from the start of the clause the span is in.
_FORBID_CLAUSE = re.compile(
    r"^(?:please\s+|and\s+|but\s+|so\s+|also\s+|again,?\s+)?(?:do not|don'?t|never|avoid|"
    r"(?:you\s+|we\s+)?(?:must|should|shall|may)\s+not|(?:you\s+|we\s+)?(?:mustn'?t|"
    r"shouldn'?t)|under no circumstances|not)\b(?!\s+(?:hesitate|wait|forget)\b)", re.I)
_CLAUSE_BREAK = re.compile(r"(?:[.!?;:]\s|,\s|\n|—|–|\s-\s|^\s*\d+[.)]\s)")


def forbidden(before: str) -> bool:
    """The clause before a span tells the reader *not* to run it."""
    text = re.sub(r"[*_~]+", "", before)
    if text.rstrip().endswith(":"):
        # "This must never be run: `x`": the sentence the colon ends forbids it
        lead = _CLAUSE_BREAK.split(text.rstrip()[:-1])[-1].strip()
        return bool(_FORBID_ANYWHERE.search(lead)) and not re.match(r"(?i)(?:if|when|unless)\b",
                                                                   lead)
    clause = _CLAUSE_BREAK.split(text)[-1].strip() if text.strip() else ""
    return bool(clause) and bool(_FORBID_CLAUSE.match(clause))


_FORBID_ANYWHERE = re.compile(r"(?i)\b(?:never|must not|mustn'?t|do not|don'?t|should not|"
                              r"shouldn'?t)\b(?!\s+(?:hesitate|wait|forget)\b)")


_MENTION_BEFORE = re.compile(
    r"(?:\b(?:above|below|like|the|a|an|called|named|e\.g\.|i\.e\.|such as|than|unlike|"
    r"instead of|whereas|mechanism|wrapper)\s*)$", re.I)
_MENTION_AFTER = re.compile(
    r"^\s*(?:command|commands|wrapper|script|tool|binary|output|flag|option|syntax|is|are|was|"
    r"were|does|doesn't|will|would|works|returns|prints|shows|call|calls)\b", re.I)


def mentioned_only(raw: str, code: str) -> bool:
    """The span names a command rather than asks to run it: "the `kubectl drain` command",
    "for the tunnel above `ssh -L ...`", "`x y` is a wrapper". Judged from the words around the
    first occurrence of the span in the paragraph's raw text."""
    at = raw.find(code)
    if at < 0:
        return False
    before = raw[:at].rstrip("` ")
    after = raw[at + len(code):].lstrip("`")
    if forbidden(before[-200:]):
        return True  # "Never run `rm -rf ...`": named so it is not run
    if _IMPERATIVE_BEFORE.search(before[-60:]):
        # "Check `curl ...` returns 200": the sentence tells the reader to run it
        return False
    return bool(_MENTION_BEFORE.search(before[-40:] + " ") if before else False) or bool(
        _MENTION_AFTER.match(after))


def table_like(raw: str) -> bool:
    """A paragraph that is a pipe table (with its delimiter row): no step comes from its cells."""
    lines = raw.split("\n", 2)
    if len(lines) < 2:
        return raw.lstrip().startswith("|") and raw.rstrip().endswith("|")
    return bool(re.match(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$", lines[1])) or (
        raw.lstrip().startswith("|") and lines[0].rstrip().endswith("|"))
