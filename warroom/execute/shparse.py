"""A strict parser for the bash subset the read-only prover accepts.

:mod:`warroom.syntax.shell` is forgiving on purpose (it splits runbook text into steps and must
never fail). Proving a command read-only needs the opposite: every character must be accounted
for, so this parser raises :class:`Unprovable` on anything it does not fully understand — a
``case``, a function definition, an array assignment, ``${!x}``, arithmetic on a variable, an
unterminated quote. The prover then calls the command mutating.

What it returns is flat: every simple command the text can run, wherever it sits (pipelines,
lists, ``if``/``for``/``while`` bodies, subshells, ``$( )``, backticks, process substitution,
``${x:-$(…)}``, unquoted heredoc bodies), each with its words, prefix assignments and
redirections. Control structure does not matter to the verdict: the step is read-only only when
each of them is.

A word's value is known when it has no expansion; otherwise the word says what the expansion can
do to it: ``may_dash`` (it could start with ``-``, so become an option) and ``may_split`` (it could
become several words, or none: unquoted expansions, globs, brace expansion, ``"$@"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.execute.safe_env import safe_variable

_MAX_DEPTH = 25
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPS = ("&>>", "<<<", "<<-", "&&", "||", ";;", "|&", "<<", ">>", "<&", ">&", "&>", ">|", "<>")
_META = set("|&;()<> \t\n")
#: Arithmetic may hold digits, blanks and operators only: a name (or ``$x``) in arithmetic is
#: evaluated recursively, so a value like ``a[$(cmd)]`` held in a variable would run ``cmd``.
_ARITH_OK = re.compile(r"[0-9\s+\-*/%<>=!&|^~?:,()]*\Z")


class Unprovable(Exception):
    """The text holds something the prover cannot account for; the message says what."""


@dataclass
class PWord:
    """One shell word. ``value`` is None when an expansion makes it unknown."""

    text: str
    value: str | None
    may_dash: bool = False
    may_split: bool = False
    quoted: bool = False
    prefix: str = ""  # the literal text before the first expansion (the whole value if known)

    @property
    def literal(self) -> bool:
        return self.value is not None

    def show(self) -> str:
        return self.value if self.value is not None else self.text


@dataclass
class Redirect:
    op: str
    fd: str
    target: PWord


@dataclass
class PCmd:
    """A simple command: prefix assignments, words, redirections and heredoc bodies."""

    assigns: list[tuple[str, PWord]] = field(default_factory=list)
    words: list[PWord] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    heredocs: list[str] = field(default_factory=list)
    keyword: str = ""  # "for", "[[", "((" for the pseudo-commands of those constructs
    stdin_piped: bool = False  # joined to the previous command by | or |&


@dataclass
class Parsed:
    commands: list[PCmd] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)  # every redirection, compound ones too


_RESERVED_OPEN = {"if": "fi", "while": "done", "until": "done", "{": "}"}
_REJECT_WORDS = {"case": "a case statement", "select": "a select loop", "function":
                 "a function definition", "coproc": "a coprocess", "esac": "a case statement"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.out = Parsed()

    # -- scripts -----------------------------------------------------------------------------
    def script(self, i: int, term: str | None, depth: int) -> int:
        """Parse commands from ``i`` to ``term`` (``)`` or end of text); returns the index after."""
        if depth > _MAX_DEPTH:
            raise Unprovable("the command nests too deeply to check")
        s, n = self.s, self.n
        stack: list[str] = []
        cur = PCmd()
        cmd_pos = True
        expect_cmd = False  # after | && || ! a command must follow
        pending: list[tuple[PWord, bool, PCmd]] = []
        piped = False
        for_state = ""  # "name" -> expecting loop variable, "in" -> `in` or separator, "words"

        def finish() -> None:
            nonlocal cur
            if cur.words or cur.assigns or cur.redirects or cur.keyword:
                cur.stdin_piped = piped
                self.out.commands.append(cur)
            cur = PCmd()

        while True:
            if i >= n:
                if term is not None:
                    raise Unprovable("an unterminated $( ... ) or ( ... )")
                break
            c = s[i]
            if c in " \t":
                i += 1
                continue
            if c == "\\" and i + 1 < n and s[i + 1] == "\n":
                i += 2
                continue
            if c == "#" and (i == 0 or s[i - 1] in " \t\n;&|()"):
                j = s.find("\n", i)
                i = n if j < 0 else j
                continue
            if c == "\n" or c == ";" or c == "&" or c == "|":
                op = self._op(i) if c != "\n" else "\n"
                if op in (";;",):
                    raise Unprovable("a case statement")
                if op not in ("\n", ";", "&", "&&", "||", "|", "|&"):
                    # a redirection operator starting with & (&> &>>)
                    i = self._redirect(i, cur, op, "", depth, pending)
                    continue
                if op in ("&&", "||", "|", "|&") and not (cur.words or cur.assigns or cur.redirects
                                                          or cur.keyword):
                    if not self.out.commands or expect_cmd:
                        raise Unprovable(f"{op!r} without a command before it")
                finish()
                piped = op in ("|", "|&")
                i += len(op)
                if for_state == "words":
                    for_state = ""
                if for_state in ("name", "in"):
                    raise Unprovable("a malformed for loop")
                if op == "\n" and pending:
                    i = self._heredoc_bodies(i, pending, depth)
                    pending = []
                expect_cmd = op in ("&&", "||", "|", "|&")
                cmd_pos = True
                continue
            if c == ")":
                if stack and stack[-1] == ")":
                    finish()
                    stack.pop()
                    i += 1
                    cmd_pos = False
                    continue
                if term == ")":
                    finish()
                    if pending:
                        raise Unprovable("a heredoc inside $( ... ) without its body")
                    if stack:
                        raise Unprovable(f"an unclosed {stack[-1]!r} block")
                    if expect_cmd:
                        raise Unprovable("a command list that ends with an operator")
                    return i + 1
                raise Unprovable("an unbalanced ')'")
            if c == "(":
                if s.startswith("((", i) and cmd_pos and not cur.words and not cur.assigns:
                    j = self._arith_end(i + 2)
                    self._arith(s[i + 2:j - 2], depth)
                    finish()
                    self.out.commands.append(PCmd(keyword="(("))
                    i = j
                    cmd_pos = False
                    continue
                if not cmd_pos or cur.words or cur.assigns:
                    raise Unprovable("a function definition or a misplaced '('")
                stack.append(")")
                i += 1
                continue
            if c in "<>" and not (i + 1 < n and s[i + 1] == "("):
                op = self._op(i)
                i = self._redirect(i, cur, op, "", depth, pending)
                continue
            # a word (possibly an fd number before a redirection)
            start = i
            word, i = self._word(i, depth)
            if i < n and s[i] in "<>" and re.fullmatch(r"[0-9]+", word.text) and not (
                    i + 1 < n and s[i + 1] == "("):
                op = self._op(i)
                i = self._redirect(i, cur, op, word.text, depth, pending)
                continue
            if i < n and s[i] in "<>" and re.fullmatch(r"\{[A-Za-z_]\w*\}", word.text):
                raise Unprovable("a redirection to a named file descriptor")
            expect_cmd = False
            raw = s[start:i]
            if for_state == "name":
                if not _IDENT.match(raw):
                    raise Unprovable(f"a for loop over an invalid name {raw!r}")
                cur.keyword = "for"
                cur.assigns.append((raw, PWord(raw, None, True, True)))
                for_state = "in"
                continue
            if for_state == "in":
                if raw == "in":
                    for_state = "words"
                    continue
                if raw == "do":
                    finish()
                    for_state = ""
                    cmd_pos = True
                    continue
                raise Unprovable("a malformed for loop")
            if for_state == "words":
                cur.words.append(word)
                continue
            if cmd_pos and not cur.words and not cur.assigns and raw == word.value:
                if raw in _REJECT_WORDS:
                    raise Unprovable(f"{_REJECT_WORDS[raw]} (not supported by the read-only check)")
                if raw in _RESERVED_OPEN:
                    stack.append(_RESERVED_OPEN[raw])
                    continue
                if raw in ("then", "else", "elif", "do"):
                    if raw == "do" and (not stack or stack[-1] != "done"):
                        raise Unprovable("'do' outside a loop")
                    if raw != "do" and (not stack or stack[-1] != "fi"):
                        raise Unprovable(f"{raw!r} outside an if")
                    continue
                if raw in ("fi", "done", "}"):
                    if not stack or stack[-1] != raw:
                        raise Unprovable(f"an unexpected {raw!r}")
                    stack.pop()
                    cmd_pos = False
                    continue
                if raw in ("!", "time"):
                    continue
                if raw == "for":
                    for_state = "name"
                    stack.append("done")
                    continue
                if raw == "[[":
                    i = self._double_bracket(i, depth)
                    cmd_pos = False
                    continue
                if raw == "]]":
                    raise Unprovable("an unexpected ']]'")
            if cmd_pos and not cur.words and _assignment(word, raw):
                name = raw.split("=", 1)[0].rstrip("+")
                if i < n and s[i] == "(" and raw.endswith("="):
                    raise Unprovable(f"an array assignment to {name}")
                cur.assigns.append((name, _assigned_value(word, raw)))
                continue
            if cmd_pos and not cur.words and i < n and s[i:i + 1] == "(":
                raise Unprovable(f"a function definition ({raw})")
            if not cur.words and i < n and s.startswith("()", i):
                raise Unprovable(f"a function definition ({raw})")
            cur.words.append(word)
            cmd_pos = False
        finish()
        if pending:
            raise Unprovable(f"a heredoc without its closing {pending[0][0].show()!r} line")
        if stack:
            raise Unprovable(f"an unclosed block (missing {stack[-1]!r})")
        if for_state:
            raise Unprovable("an unfinished for loop")
        if expect_cmd:
            raise Unprovable("a command list that ends with an operator")
        return i

    def _op(self, i: int) -> str:
        for op in _OPS:
            if self.s.startswith(op, i):
                return op
        return self.s[i]

    def _redirect(self, i: int, cur: PCmd, op: str, fd: str, depth: int,
                  pending: list[tuple[PWord, bool, PCmd]]) -> int:
        i += len(op)
        while i < self.n and self.s[i] in " \t":
            i += 1
        if i >= self.n or self.s[i] in "\n;|&()<>":
            raise Unprovable(f"a redirection {op!r} without a target")
        target, i = self._word(i, depth)
        r = Redirect(op, fd, target)
        if op in ("<<", "<<-"):
            if target.text != target.value and not target.quoted:
                raise Unprovable("a heredoc delimiter with an expansion")
            pending.append((target, op == "<<-", cur))
        cur.redirects.append(r)
        self.out.redirects.append(r)
        return i

    def _heredoc_bodies(self, i: int, pending: list[tuple[PWord, bool, PCmd]], depth: int) -> int:
        s, n = self.s, self.n
        for delim_word, strip, owner in pending:
            delim = delim_word.value or ""
            lines: list[str] = []
            while True:
                if i >= n:
                    raise Unprovable(f"a heredoc without its closing {delim!r} line")
                j = s.find("\n", i)
                end = n if j < 0 else j
                line = s[i:end]
                i = end + 1 if j >= 0 else n
                check = line.lstrip("\t") if strip else line
                if check == delim:
                    break
                lines.append(check if strip else line)
            body = "\n".join(lines) + ("\n" if lines else "")
            if not delim_word.quoted:
                # An unquoted delimiter: the body is expanded like a double-quoted string.
                sub = _Parser(body)
                sub.out = self.out
                sub._dq_text(0, len(body), depth + 1)
            owner.heredocs.append(body)
        return i

    def _double_bracket(self, i: int, depth: int) -> int:
        cmd = PCmd(keyword="[[")
        s, n = self.s, self.n
        while True:
            while i < n and s[i] in " \t\\\n":
                i += 2 if s[i] == "\\" else 1
            if i >= n:
                raise Unprovable("an unclosed [[ ... ]]")
            if s.startswith("]]", i) and (i + 2 >= n or s[i + 2] in " \t\n;&|)"):
                i += 2
                break
            if s[i] in "()!":
                i += 1
                continue
            if s.startswith("&&", i) or s.startswith("||", i):
                i += 2
                continue
            if s[i] in "<>":
                i += 1
                continue
            w, i = self._word(i, depth)
            cmd.words.append(w)
        self.out.commands.append(cmd)
        return i

    # -- words -------------------------------------------------------------------------------
    def _word(self, i: int, depth: int) -> tuple[PWord, int]:
        s, n = self.s, self.n
        start = i
        value: list[str] = []
        known = True
        quoted = False
        dash_unknown = False  # the first character comes from an expansion
        split = False
        prefix: str | None = None  # literal text before the first expansion
        started = False  # some literal text is already in value
        while i < n:
            c = s[i]
            if c in _META:
                if c in "<>" and i + 1 < n and s[i + 1] == "(":
                    # process substitution: a /dev/fd path
                    j = self.script(i + 2, ")", depth + 1)
                    if prefix is None:
                        prefix = "".join(value)
                    known = False
                    i = j
                    continue
                break
            at_start = known and not started
            if c == "\\":
                if i + 1 >= n:
                    raise Unprovable("a command that ends with a backslash")
                if s[i + 1] != "\n":
                    value.append(s[i + 1])
                    started = started or bool(value[-1])
                quoted = True
                i += 2
                continue
            if c == "'":
                j = s.find("'", i + 1)
                if j < 0:
                    raise Unprovable("an unterminated single quote")
                value.append(s[i + 1:j])
                started = started or bool(value[-1])
                quoted = True
                i = j + 1
                continue
            if c == "$" and i + 1 < n and s[i + 1] == "'":
                j, text = _ansi_c(s, i + 2)
                value.append(text)
                started = started or bool(value[-1])
                quoted = True
                i = j
                continue
            if c == '"' or (c == "$" and i + 1 < n and s[i + 1] == '"'):
                if c == "$":
                    i += 1
                j, text, exp, at_split, before = self._double(i + 1, depth)
                quoted = True
                if exp and prefix is None:
                    prefix = "".join(value) + before
                if exp:
                    if at_start and s[i + 1:i + 2] in ("$", "`"):
                        dash_unknown = True
                    known = False
                    split = split or at_split
                value.append(text)
                started = started or bool(value[-1])
                i = j
                continue
            if c == "$" or c == "`":
                j, at_split = self._expansion(i, depth, in_double=False)
                if j == i + 1 and c == "$":  # a lone $ is literal
                    value.append("$")
                    started = started or bool(value[-1])
                    i = j
                    continue
                # An unquoted expansion is split and globbed: any piece may start with '-'.
                if prefix is None:
                    prefix = "".join(value)
                dash_unknown = True
                known = False
                split = True
                i = j
                continue
            value.append(c)
            started = started or bool(value[-1])
            i += 1
        text = s[start:i]
        val = "".join(value)
        gi = _glob_index(text)
        if gi >= 0:
            # Globs and brace expansion make several words; each keeps the literal prefix.
            pre = ""
            if gi > 0:
                pw, _ = _Parser(text[:gi])._word(0, depth)
                pre = pw.value if pw.value is not None else ""
                if pw.value is None:
                    dash_unknown = True
            if not pre:
                dash_unknown = True
            elif pre.startswith("-"):
                if known and "=" in pre:
                    return PWord(text, val, False, True, quoted, val), i
                dash_unknown = True
            split = True
            known = False
            prefix = pre if prefix is None else min(prefix, pre, key=len)
        if text.startswith("~"):
            known = False
            prefix = ""
        if not known:
            return PWord(text, None, dash_unknown, split, quoted, prefix or ""), i
        return PWord(text, val, False, False, quoted, val), i

    def _double(self, i: int, depth: int) -> tuple[int, str, bool, bool, str]:
        """Inside "...": returns (index after the closing quote, literal text, had expansion,
        may split ("$@"), literal text before the first expansion)."""
        s, n = self.s, self.n
        out: list[str] = []
        exp = False
        split = False
        before: str | None = None
        while i < n:
            c = s[i]
            if c == '"':
                return i + 1, "".join(out), exp, split, "".join(out) if before is None else before
            if c == "\\" and i + 1 < n:
                if s[i + 1] in '"\\$`':
                    out.append(s[i + 1])
                elif s[i + 1] != "\n":
                    out.append(c + s[i + 1])
                i += 2
                continue
            if c in "$`":
                if s.startswith("$@", i) or s.startswith("${@", i) or re.match(r"\$\{\w+\[@\]", s[i:]):
                    split = True
                j, _ = self._expansion(i, depth, in_double=True)
                if j == i + 1 and c == "$":
                    out.append("$")
                    i = j
                    continue
                if before is None:
                    before = "".join(out)
                exp = True
                i = j
                continue
            out.append(c)
            i += 1
        raise Unprovable("an unterminated double quote")

    def _dq_text(self, i: int, end: int, depth: int) -> None:
        """Expansions in a heredoc body (expanded like double quotes, but quotes are literal)."""
        s = self.s
        while i < end:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c in "$`":
                j, _ = self._expansion(i, depth, in_double=True)
                i = max(j, i + 1)
                continue
            i += 1

    def _expansion(self, i: int, depth: int, in_double: bool) -> tuple[int, bool]:
        """Parse one ``$…`` or backtick expansion at ``i``; returns (index after, may split)."""
        s, n = self.s, self.n
        if s[i] == "`":
            return self._backtick(i + 1, depth, in_double), False
        k = i + 1
        while s.startswith("\\\n", k):
            k += 2
        if k != i + 1 and k < n:
            # bash removes a backslash-newline before it sees "$(", "${", "$((": `$\<nl>(cmd)`
            # is a command substitution (position k-1 stands in for the "$")
            return self._expansion(k - 1, depth, in_double)
        if i + 1 >= n:
            return i + 1, False
        nxt = s[i + 1]
        if nxt == "(":
            if s.startswith("((", i + 1):
                j = self._arith_end(i + 3)
                self._arith(s[i + 3:j - 2], depth)
                return j, False
            return self.script(i + 2, ")", depth + 1), False
        if nxt == "[":
            raise Unprovable("an old-style $[ ] arithmetic expansion")
        if nxt == "{":
            return self._brace_param(i + 2, depth, in_double), False
        if nxt.isalpha() or nxt == "_":
            j = i + 1
            while j < n and (s[j].isalnum() or s[j] == "_"):
                j += 1
            return j, False
        if nxt.isdigit() or nxt in "*#?$!-0":
            return i + 2, nxt == "*"
        if nxt == "@":
            return i + 2, True
        return i + 1, False  # a lone $

    def _backtick(self, i: int, depth: int, in_double: bool) -> int:
        s, n = self.s, self.n
        inner: list[str] = []
        while i < n:
            c = s[i]
            if c == "\\" and i + 1 < n:
                nx = s[i + 1]
                if nx in "$`\\" or (in_double and nx == '"'):
                    inner.append(nx)
                else:
                    inner.append(c + nx)
                i += 2
                continue
            if c == "`":
                sub = _Parser("".join(inner))
                sub.out = self.out
                sub.script(0, None, depth + 1)
                return i + 1
            inner.append(c)
            i += 1
        raise Unprovable("an unterminated backtick")

    def _brace_param(self, i: int, depth: int, in_double: bool = False) -> int:
        """``${...}`` after the ``${``. Only plain names with the usual operators are accepted;
        the operator's word is parsed for substitutions."""
        s, n = self.s, self.n
        m = re.match(r"#?([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])", s[i:])
        if not m:
            raise Unprovable("a parameter expansion the check does not understand (${" +
                             s[i:i + 12] + "…)")
        j = i + m.end()
        if j >= n:
            raise Unprovable("an unterminated ${ ... }")
        if s[j] == "}":
            return j + 1
        if m.group(0).startswith("#"):
            raise Unprovable("a parameter expansion the check does not understand")
        op_m = re.match(r":[-=?+]|[-=?+]|##|#|%%|%|//|/#|/%|/|\^\^|\^|,,|,", s[j:])
        if not op_m:
            if s[j] == ":":
                k = s.find("}", j)
                if k > 0 and re.fullmatch(r":\s*-?[0-9]+(\s*:\s*-?[0-9]+)?\s*", s[j:k]):
                    return k + 1
                raise Unprovable("a substring expansion with a computed offset")
            raise Unprovable(f"a parameter expansion operator {s[j:j + 2]!r} the check does not "
                             "accept (indirect, array or transform expansions can run code)")
        if op_m.group(0) in ("=", ":="):
            name = m.group(1)
            if not _IDENT.match(name) or not safe_variable(name):
                raise Unprovable(f"${{{name}:=…}} assigns to {name}, which changes how later "
                                 "commands run")
        j += op_m.end()
        # the word: up to the matching }, with quotes and nested expansions
        while j < n:
            c = s[j]
            if c == "}":
                return j + 1
            if c == "\\":
                j += 2
                continue
            if c == "'" and not in_double:
                # (inside "...", a single quote in ${x:-word} is literal: $( ) in it still runs)
                k = s.find("'", j + 1)
                if k < 0:
                    raise Unprovable("an unterminated single quote")
                j = k + 1
                continue
            if c == '"':
                j, _, _, _, _ = self._double(j + 1, depth)
                continue
            if c in "$`":
                k, _ = self._expansion(j, depth, in_double=True)
                j = max(k, j + 1)
                continue
            j += 1
        raise Unprovable("an unterminated ${ ... }")

    def _arith_end(self, i: int) -> int:
        """Index after the ``))`` closing an arithmetic expression whose body starts at ``i``."""
        s, n = self.s, self.n
        level = 0
        j = i
        while j < n:
            if s[j] == "(":
                level += 1
            elif s[j] == ")":
                if level == 0:
                    if j + 1 < n and s[j + 1] == ")":
                        return j + 2
                    raise Unprovable("an arithmetic expression the check cannot delimit")
                level -= 1
            j += 1
        raise Unprovable("an unterminated arithmetic expression")

    def _arith(self, body: str, depth: int) -> None:
        if not _ARITH_OK.match(body):
            raise Unprovable("arithmetic on a name, $ or command output (bash evaluates a "
                             "variable's value in arithmetic, which can run code held in it)")


def _ansi_c(s: str, i: int) -> tuple[int, str]:
    out: list[str] = []
    n = len(s)
    simple = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
              "e": "\x1b", "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?"}
    while i < n:
        c = s[i]
        if c == "'":
            return i + 1, "".join(out)
        if c == "\\" and i + 1 < n:
            nx = s[i + 1]
            if nx in simple:
                out.append(simple[nx])
                i += 2
                continue
            m = re.match(r"x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3})",
                         s[i + 1:])
            if m:
                code = int(next(g for g in m.groups() if g), 16 if not m.group(4) else 8)
                try:
                    out.append(chr(code))
                except (ValueError, OverflowError):
                    raise Unprovable("an invalid escape in $'...'") from None
                i += 1 + m.end()
                continue
            if nx == "c" and i + 2 < n:
                out.append(chr(ord(s[i + 2]) & 0x1F))
                i += 3
                continue
            out.append(c + nx)
            i += 2
            continue
        out.append(c)
        i += 1
    raise Unprovable("an unterminated $'...' quote")


def _glob_index(text: str) -> int:
    """Index in a word's source of its first unquoted glob or brace-expansion character, or -1."""
    unq: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            unq.append("\0")
            i += 2
            continue
        if c == "'":
            k = text.find("'", i + 1)
            unq.append("\0")
            i = n if k < 0 else k + 1
            continue
        if c == '"':
            k = i + 1
            while k < n and text[k] != '"':
                k += 2 if text[k] == "\\" else 1
            unq.append("\0")
            i = k + 1
            continue
        if c == "$" and i + 1 < n and text[i + 1] in "({":
            # skip a balanced expansion
            depth = 0
            k = i + 1
            while k < n:
                if text[k] in "({":
                    depth += 1
                elif text[k] in ")}":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            unq.append("\0")
            i = k + 1
            continue
        unq.append(c)
        i += 1
    u = "".join(unq)
    found = [k for k in (u.find("*"), u.find("?")) if k >= 0]
    b = u.find("[")
    if b >= 0 and "]" in u[b + 1:]:
        found.append(b)
    b = u.find("{")
    while b >= 0:
        e = u.find("}", b)
        if e > b and ("," in u[b:e] or ".." in u[b:e]):
            found.append(b)
            break
        b = u.find("{", b + 1)
    if not found:
        return -1
    # map the index in `u` (one slot per quoted run) back to the source text
    k = min(found)
    return _source_index(text, k)


def _source_index(text: str, k: int) -> int:
    i, n, slot = 0, len(text), 0
    while i < n:
        if slot == k:
            return i
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "'":
            j = text.find("'", i + 1)
            i = n if j < 0 else j + 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif c == "$" and i + 1 < n and text[i + 1] in "({":
            depth = 0
            j = i + 1
            while j < n:
                if text[j] in "({":
                    depth += 1
                elif text[j] in ")}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            i = j + 1
        else:
            i += 1
        slot += 1
    return n


def _assignment(word: PWord, raw: str) -> bool:
    eq = raw.find("=")
    if eq <= 0:
        return False
    name = raw[:eq]
    if name.endswith("+"):
        name = name[:-1]
    if "[" in name and re.match(r"[A-Za-z_]\w*\[", name):
        raise Unprovable(f"an assignment to an array element ({name}) evaluates its index as "
                         "arithmetic")
    return bool(_IDENT.match(name))


def _assigned_value(word: PWord, raw: str) -> PWord:
    rhs = raw.split("=", 1)[1]
    if word.value is not None:
        return PWord(rhs, word.value.split("=", 1)[1])
    return PWord(rhs, None, False, False)


def parse(text: str) -> Parsed:
    """Parse ``text`` strictly; raises :class:`Unprovable` naming what it could not account for."""
    if "\x00" in text:
        raise Unprovable("a NUL byte in the command")
    p = _Parser(text)
    p.script(0, None, 0)
    return p.out
