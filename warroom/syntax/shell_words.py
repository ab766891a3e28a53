"""Scanning one shell word: quotes, ``$'...'``, ``"..."``, ``$( )``/backtick/``${ }`` expansions.

A word is where quoting contexts nest (a substitution inside double quotes inside a word), and
where the scanner recurses into :meth:`script` for a command substitution; that depth-first part
reads best on its own, apart from the command-level loop in :mod:`warroom.syntax.shell`.
"""

from __future__ import annotations

from warroom.syntax.shell_result import ANSI, DOUBLE, SINGLE, Word

_OPERATOR_START = set("|&;()<>")
_BLANK = " \t"
_MAX_DEPTH = 40


class _WordScanner:
    """The word-level half of :class:`warroom.syntax.shell._Scanner`, which supplies the state
    below and ``mark`` (record a context) and ``script`` (recurse into a substitution)."""

    s: str
    n: int
    ctx: list[int]
    open_quote: str | None
    backticks: int

    def word(self, i: int, depth: int) -> tuple[Word, int]:
        s, n = self.s, self.n
        start = i
        value: list[str] = []
        quoted = False
        expansion = False
        while i < n:
            c = s[i]
            if c in _BLANK or c == "\n" or (c == "`" and self.backticks):
                break
            if c in _OPERATOR_START:
                if c in "<>" and i + 1 < n and s[i + 1] == "(":
                    # Process substitution <( ... ): part of the word.
                    expansion = True
                    i = self.subshell(i + 2, ")", depth)
                    continue
                break
            if c == "\\":
                if i + 1 < n:
                    if s[i + 1] != "\n":
                        value.append(s[i + 1])
                    i += 2
                else:
                    self.trailing_backslash = True
                    i += 1
                quoted = True
                continue
            if c == "'":
                quoted = True
                j = s.find("'", i + 1)
                if j < 0:
                    self.mark(i + 1, n, SINGLE)
                    value.append(s[i + 1:])
                    self.open_quote = "single quote"
                    return Word(s[start:n], start, n, "".join(value), quoted, expansion), n
                self.mark(i + 1, j, SINGLE)
                value.append(s[i + 1:j])
                i = j + 1
                continue
            if c == "$" and i + 1 < n and s[i + 1] == "'":
                quoted = True
                i, text = self.ansi(i + 2)
                value.append(text)
                continue
            if c == '"':
                quoted = True
                i, text, exp = self.double(i + 1, depth)
                value.append(text)
                expansion = expansion or exp
                continue
            if c == "$" or c == "`":
                expansion = True
                j = self.expansion(i, depth)
                value.append(s[i:j])
                i = j
                continue
            value.append(c)
            i += 1
        return Word(s[start:i], start, i, "".join(value), quoted, expansion), i

    def ansi(self, i: int) -> tuple[int, str]:
        s, n = self.s, self.n
        start = i
        while i < n:
            if s[i] == "\\" and i + 1 < n:
                i += 2
                continue
            if s[i] == "'":
                self.mark(start, i, ANSI)
                return i + 1, s[start:i]
            i += 1
        self.mark(start, n, ANSI)
        self.open_quote = "$'...' quote"
        return n, s[start:]

    def double(self, i: int, depth: int) -> tuple[int, str, bool]:
        s, n = self.s, self.n
        out: list[str] = []
        expansion = False
        while i < n:
            c = s[i]
            if c == '"':
                return i + 1, "".join(out), expansion
            if c == "\\" and i + 1 < n:
                self.ctx[i] = DOUBLE
                self.ctx[i + 1] = DOUBLE
                nxt = s[i + 1]
                if nxt in '"\\$`':
                    out.append(nxt)
                elif nxt != "\n":
                    out.append(c + nxt)
                i += 2
                continue
            if c == "`" and self.backticks:
                break
            if c == "$" or c == "`":
                j = self.expansion(i, depth, in_double=True)
                if j > i + 1 or c == "`":
                    expansion = True
                    out.append(s[i:j])
                    i = j
                    continue
            self.ctx[i] = DOUBLE
            out.append(c)
            i += 1
        self.open_quote = "double quote"
        return n, "".join(out), expansion

    def expansion(self, i: int, depth: int, in_double: bool = False) -> int:
        """Skip one ``$...`` or backtick expansion starting at ``i``; returns the index after it."""
        s, n = self.s, self.n
        c = s[i]
        if c == "`":
            return self.subshell(i + 1, "`", depth)
        # c == "$"
        if i + 1 >= n:
            if in_double:
                self.ctx[i] = DOUBLE
            return i + 1
        nxt = s[i + 1]
        if nxt == "(":
            if i + 2 < n and s[i + 2] == "(":
                # Arithmetic $(( ... )): balanced parentheses, no commands.
                level = 0
                j = i + 1
                while j < n:
                    if s[j] == "(":
                        level += 1
                    elif s[j] == ")":
                        level -= 1
                        if level == 0:
                            return j + 1
                    j += 1
                self.open_quote = "$(( ... ))"
                return n
            return self.subshell(i + 2, ")", depth)
        if nxt == "{":
            level = 0
            j = i + 1
            while j < n:
                ch = s[j]
                if ch == "\\":
                    j += 2
                    continue
                if ch == "{":
                    level += 1
                elif ch == "}":
                    level -= 1
                    if level == 0:
                        if in_double:
                            self.mark(i, j + 1, DOUBLE)
                        return j + 1
                elif ch == "'" and not in_double:
                    k = s.find("'", j + 1)
                    j = n if k < 0 else k
                elif ch == '"':
                    k = s.find('"', j + 1)
                    j = n if k < 0 else k
                j += 1
            self.open_quote = "${ ... }"
            return n
        j = i + 1
        if nxt.isalpha() or nxt == "_":
            while j < n and (s[j].isalnum() or s[j] == "_"):
                j += 1
        elif nxt.isdigit() or nxt in "@*#?$!-":
            j += 1
        if in_double:
            self.mark(i, j, DOUBLE)
        return j

    def subshell(self, i: int, term: str, depth: int) -> int:
        if depth >= _MAX_DEPTH:
            # Absurd nesting: give up structure, skip to the end (never recurse without bound).
            return self.n
        if term == "`":
            self.backticks += 1
        try:
            j, _stack, _ = self.script(i, term, depth + 1)
        finally:
            if term == "`":
                self.backticks -= 1
        return j
