"""A small, forgiving scanner for POSIX/bash command text.

Runbooks hold shell written for humans, often incomplete or slightly wrong, so this is not a
full bash parser; it answers the three questions warroom needs, and never raises:

* is a piece of text a *complete* command (no open quote, heredoc, ``\\`` continuation, open
  ``if/for/while/case/{/(`` block or trailing ``|``/``&&``)? The runbook parser uses it to keep
  multi-line commands whole while splitting a block into steps;
* in which quoting context does each character sit (unquoted, single/double quotes, heredoc
  body, comment)? Parameter substitution uses it to quote a value so it stays one literal word;
* which simple commands does it run (including those inside ``$(...)``, backticks, heredoc
  bodies attached to them)? The read-only/mutating classifier inspects each of them.

The result types are :mod:`warroom.syntax.shell_result`; scanning inside one word (quotes and
expansions) :mod:`warroom.syntax.shell_words`.
"""

from __future__ import annotations

import functools

from warroom.syntax.shell_result import (
    ANSI as ANSI,
    COMMENT,
    DOUBLE as DOUBLE,
    HEREDOC,
    HEREDOC_LITERAL,
    PLAIN,
    SINGLE as SINGLE,
    ScanResult,
    SimpleCommand,
    Word as Word,
)
from warroom.syntax.shell_words import _BLANK, _OPERATOR_START, _WordScanner

_OPENERS = {"if": "if", "case": "case", "do": "do", "{": "{"}
_CLOSERS = {"fi": "if", "esac": "case", "done": "do", "}": "{"}
# After these words the next word is again in command position.
_CMD_PREFIX_WORDS = {"then", "do", "else", "elif", "if", "while", "until", "{", "!", "time"}


class _Scanner(_WordScanner):
    """One pass over the text: commands, operators, heredocs and blocks (words: the mixin)."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.ctx = [PLAIN] * self.n
        self.commands: list[SimpleCommand] = []
        self.open_quote: str | None = None
        self.open_heredoc: str | None = None
        self.trailing_backslash = False
        self.backticks = 0  # how many backtick substitutions enclose the current position

    def mark(self, a: int, b: int, ctx: int) -> None:
        for k in range(max(a, 0), min(b, self.n)):
            self.ctx[k] = ctx

    # -- scripts -----------------------------------------------------------------------------
    def script(self, i: int, term: str | None, depth: int) -> tuple[int, list[str], str | None]:
        """Scan commands from ``i`` until ``term`` (``)`` or a backtick) or end of text.

        Returns (index after the terminator, open blocks, trailing operator).
        """
        s, n = self.s, self.n
        stack: list[str] = []
        cur = SimpleCommand()
        cmd_pos = True
        last_op: str | None = None
        pending: list[tuple[str, bool, bool, SimpleCommand]] = []  # heredocs awaiting a body
        heredoc_op: str | None = None
        redirect_op: str | None = None
        skip_words: str | None = None  # "for": skip `NAME in WORDS`; "case": skip up to `in`

        def finish(op: str) -> None:
            nonlocal cur
            if cur.words or cur.redirects:
                self.commands.append(cur)
            cur = SimpleCommand(joined_by=op)

        while i < n:
            c = s[i]
            if term == "`" and c == "`":
                finish("")
                return i + 1, stack, None
            if c in _BLANK:
                i += 1
                continue
            if c == "\\":
                if i + 1 < n and s[i + 1] == "\n":
                    i += 2
                    continue
                if i + 1 >= n:
                    self.trailing_backslash = True
                    i += 1
                    continue
            if c == "\n":
                finish("\n")
                skip_words = None if skip_words == "for" else skip_words
                i += 1
                if pending:
                    i = self.heredoc_bodies(i, pending)
                    pending = []
                if last_op not in ("|", "&&", "||", "|&"):
                    last_op = None
                cmd_pos = True
                continue
            if c == "#":
                j = s.find("\n", i)
                j = n if j < 0 else j
                self.mark(i, j, COMMENT)
                i = j
                continue
            if c in _OPERATOR_START and not (c in "<>" and i + 1 < n and s[i + 1] == "("):
                op = self.operator(i)
                i += len(op)
                if op in ("<<", "<<-"):
                    heredoc_op = op
                    continue
                if op[-1] in "<>" or op in ("<&", ">&", "&>", "&>>", ">|", "<>", "<<<"):
                    redirect_op = op
                    continue
                if op == ")":
                    if stack and stack[-1] == "(":
                        stack.pop()
                    elif stack and stack[-1] == "case":
                        cur.words.clear()  # a case pattern, not a command
                        finish(op)
                        cmd_pos = True
                        continue
                    elif term == ")":
                        finish("")
                        return i, stack, last_op if last_op in ("|", "&&", "||", "|&") else None
                    finish(op)
                    cmd_pos = True
                    continue
                if op == "(":
                    stack.append("(")
                    finish(op)
                    cmd_pos = True
                    continue
                # Control operators end the simple command.
                finish(op)
                last_op = op
                cmd_pos = True
                if skip_words == "for":
                    skip_words = None
                continue
            if c == "`" and self.backticks and term != "`":
                # Closes an enclosing backtick substitution: `$( ... ` ends here, unclosed.
                finish("")
                self.open_quote = self.open_quote or "$( ... )"
                return i, stack, None
            start = i
            word, i = self.word(i, depth)
            if i == start:  # never loop without progress, whatever the input
                i += 1
                continue
            if heredoc_op is not None:
                pending.append((word.value, word.quoted, heredoc_op == "<<-", cur))
                cur.redirects.append((heredoc_op, word.value))
                heredoc_op = None
                continue
            if redirect_op is not None:
                cur.redirects.append((redirect_op, word.value))
                redirect_op = None
                continue
            last_op = None
            if word.raw.isdigit() and i < n and s[i] in "<>":
                continue  # an fd number: 2>&1, 2>/dev/null
            if skip_words == "for":
                continue
            if skip_words == "case":
                if word.raw == "in":
                    skip_words = None
                    cmd_pos = True
                continue
            if cmd_pos and not word.quoted:
                w = word.raw
                if w in _OPENERS:
                    finish(";")
                    stack.append(_OPENERS[w])
                    if w == "case":
                        skip_words = "case"
                        cmd_pos = False
                    continue
                if w in _CLOSERS:
                    if stack and stack[-1] == _CLOSERS[w]:
                        stack.pop()
                    finish(";")
                    cmd_pos = False
                    continue
                if w in _CMD_PREFIX_WORDS or w in ("while", "until"):
                    finish(";")
                    continue
                if w in ("for", "select"):
                    finish(";")
                    skip_words = "for"
                    continue
                if w == "function":
                    finish(";")
                    cmd_pos = False
                    continue
            cur.words.append(word)
            # An assignment keeps command position (FOO=1 cmd ...).
            cmd_pos = _is_assignment(word.raw) and not cur.words[0:1] == [] and all(
                _is_assignment(x.raw) for x in cur.words)
        finish("")
        if pending:
            self.open_heredoc = pending[0][0]
        if term == ")":
            self.open_quote = self.open_quote or "$( ... )"
        elif term == "`":
            self.open_quote = self.open_quote or "backtick"
        trailing = last_op if last_op in ("|", "&&", "||", "|&") else None
        return i, stack, trailing

    def operator(self, i: int) -> str:
        s = self.s
        for op in ("&>>", "<<<", "<<-", "&&", "||", ";;", "|&", "<<", ">>", "<&", ">&", "&>",
                   ">|", "<>"):
            if s.startswith(op, i):
                return op
        return s[i]

    def heredoc_bodies(self, i: int, pending: list[tuple[str, bool, bool, SimpleCommand]]) -> int:
        s, n = self.s, self.n
        for delim, literal, strip_tabs, owner in pending:
            body_start = i
            found = False
            while i < n:
                j = s.find("\n", i)
                end = n if j < 0 else j
                line = s[i:end]
                check = line.lstrip("\t") if strip_tabs else line
                if check.strip() == delim:
                    owner.heredocs.append(s[body_start:i])
                    i = end + 1 if j >= 0 else n
                    found = True
                    break
                self.mark(i, end + 1, HEREDOC_LITERAL if literal else HEREDOC)
                i = end + 1 if j >= 0 else n
            if not found:
                owner.heredocs.append(s[body_start:n])
                self.open_heredoc = delim
                return n
        return i


def _is_assignment(raw: str) -> bool:
    eq = raw.find("=")
    if eq <= 0:
        return False
    name = raw[:eq].rstrip("+")
    return name.replace("_", "a").isalnum() and not name[0].isdigit() and "[" not in name


@functools.lru_cache(maxsize=4096)
def scan(text: str) -> ScanResult:
    """Scan shell text; never raises. Cached: the parser, parameters and classifier all ask
    about the same commands (treat the result as read-only)."""
    sc = _Scanner(text)
    _, stack, trailing = sc.script(0, None, 0)
    return ScanResult(
        commands=sc.commands, contexts=sc.ctx, open_quote=sc.open_quote,
        open_heredoc=sc.open_heredoc, open_blocks=stack, trailing_operator=trailing,
        trailing_backslash=sc.trailing_backslash,
    )


def is_complete(text: str) -> bool:
    return scan(text).complete


def is_assignment(word: str) -> bool:
    return _is_assignment(word)
