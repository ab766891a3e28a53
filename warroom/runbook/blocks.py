"""Turning the text of one code block into step drafts.

Shell blocks are split into one draft per blank-line-separated command; a comment line after a
complete command also starts the next one, and a read-only check is kept apart from the change
that follows it (``_gates``). The comment lines right above a command label it;
``# Expected: ...`` after it (even across a blank line) is its expectation; ``# Output:``
starts example output; a ``NAME  READY  STATUS`` column header and its rows are skipped. Prompts (``$ ``, ``user@host:~$ ``, and ``# `` root prompts in console
blocks) are stripped, and in a prompted block the unprompted lines after a command are its
example output. A command whose text is not complete yet (open quote, heredoc, ``\\``
continuation, ``if/for/while/case`` or ``{``/``(`` block, trailing ``|``/``&&``) swallows the
following lines, blank ones included, so it always stays whole. A block starting with ``#!``
is one script.

The heuristics deciding whether a line "looks like a command" (used for blocks without a
language and for lines in a prompted block) are :mod:`warroom.runbook.line_kinds`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from warroom.syntax import shell
from warroom.runbook.line_kinds import (
    KNOWN_COMMANDS as KNOWN_COMMANDS,
    SHELL_KEYWORDS as SHELL_KEYWORDS,
    _EXPECT,
    _OUTPUT,
    first_word as first_word,
    holds_commands as holds_commands,
    is_strong_command,
    looks_like_output,
    looks_like_table_header,
    looks_like_promql as looks_like_promql,
    looks_like_prose as looks_like_prose,
    strip_prompt,
)


@dataclass
class Draft:
    """A step as found in a block, before numbering and classification."""

    command_lines: list[str] = field(default_factory=list)
    label: str | None = None
    expect: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    line: int = 0  # 0-based index in the block of the first command line
    prompt: str | None = None
    open: bool = False
    # Where the command last stopped being complete, and what it waits for there.
    _segment: int = 0
    # Whether the lines so far only read (None: not decided yet); see ``_gates``.
    pure: bool | None = None
    _heredoc: str | None = None
    _quote: str | None = None

    @property
    def command(self) -> str:
        lines = list(self.command_lines)
        while lines and lines[-1].lstrip().startswith("#") and not self.open:
            lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines)

    @property
    def example_output(self) -> str | None:
        out = "\n".join(self.output).strip("\n")
        return out or None

    def add(self, text: str) -> None:
        """Append a line and track whether the command is complete yet, in linear time.

        Only the part since the command was last complete is scanned again (what came before
        carries nothing over); inside a heredoc or an open quote, lines that cannot end them are
        not scanned at all. There is no size limit: a heredoc of any length stays whole.
        """
        self.command_lines.append(text)
        n = len(self.command_lines)
        if not self.open:
            self._segment = n - 1
        elif self._heredoc is not None:
            body = text.lstrip("\t").strip()
            if body != self._heredoc:
                return
        elif self._quote is not None and self._quote not in text:
            return
        segment = "\n".join(self.command_lines[self._segment:])
        result = shell.scan(segment)
        self.open = not result.complete
        m = _TRAILING_EXPECT.search(text)
        if m and result.contexts:
            # `redis-cli ping  # Expected: PONG`: a comment (not quoted text) on the line
            at = len(segment) - len(text) + m.start(1)
            if 0 <= at < len(result.contexts) and result.contexts[at] in (shell.PLAIN,
                                                                          shell.COMMENT):
                self.expect.append(m.group(2).strip())
        self._heredoc = result.open_heredoc if self.open else None
        self._quote = _QUOTE_CLOSERS.get(result.open_quote or "") if (
            self.open and not result.open_heredoc and not result.open_blocks
            and not result.trailing_operator) else None


_TRAILING_EXPECT = re.compile(r"\s(#)\s*(?:expected(?: output| result)?|expect)\s*:\s*(\S.*)$",
                              re.I)

_QUOTE_CLOSERS = {"'": "'", '"': '"', "single quote": "'", "double quote": '"',
                  "backtick": "`", "$( ... )": ")"}


def _comment_text(line: str) -> str:
    return line.strip().lstrip("#").strip()


def split_shell(lines: list[str], lang: str) -> list[Draft]:
    """Split a shell block (already dedented) into drafts; never raises."""
    lines = [ln.rstrip() for ln in lines]
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        return []
    if lines[first].startswith("#!"):
        d = Draft(command_lines=lines[first:], line=first)
        return [d]
    prompted_lines = [strip_prompt(ln, False) for ln in lines]
    console = lang in ("console", "shell-session", "shellsession", "terminal", "sh-session",
                       "bash-session", "")
    prompt_mode = any(p is not None for p in prompted_lines)
    root_prompts = prompt_mode or console
    if not prompt_mode and console:
        prompt_mode = any(strip_prompt(ln, True) for ln in lines)
    drafts: list[Draft] = []
    cur: Draft | None = None
    pending: list[str] = []
    output_mode = False
    in_table = False  # inside a column table of sample output (skipped up to a blank line)
    # After a bare `# Expected:` header: the draft whose expected output the following lines are
    # (commented or not), up to a blank line. They are never commands.
    expect_into: Draft | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.command.strip():
            drafts.append(cur)
        cur = None

    def start(idx: int, prompt: str | None = None) -> Draft:
        nonlocal pending
        d = Draft(line=idx, prompt=prompt)
        label = " ".join(p for p in pending if p).strip()
        d.label = label or None
        pending = []
        return d

    for idx, line in enumerate(lines):
        if cur is not None and cur.open:
            text = line
            if prompt_mode and line.lstrip().startswith("> "):
                text = line.lstrip()[2:]
            cur.add(text)
            continue
        stripped = line.strip()
        if not stripped:
            close()
            pending = []
            output_mode = in_table = False
            expect_into = None
            continue
        if expect_into is not None and not (not stripped.startswith("#") and " " in stripped
                                            and is_strong_command(stripped)):
            text = _comment_text(stripped) if stripped.startswith("#") else stripped
            if text:
                expect_into.expect.append(text)
            continue
        if expect_into is not None:
            # a command after the expected output: the next step, not more expectation
            expect_into = None
            close()
        if in_table:
            continue
        prompted = strip_prompt(line, root_prompts) if prompt_mode or console else None
        if stripped.startswith("#") and prompted is None:
            body = _comment_text(stripped)
            m = _EXPECT.match(body)
            # `# Expected:` belongs to the command above it, even across a blank line.
            target = cur if cur is not None else (drafts[-1] if drafts and not pending else None)
            if m and target is not None:
                if m.group(1).strip():
                    target.expect.append(m.group(1).strip())
                else:
                    expect_into = target
                continue
            m = _OUTPUT.match(body)
            if m and cur is not None:
                output_mode = True
                if m.group(1).strip():
                    cur.output.append(m.group(1).strip())
                continue
            if cur is not None and output_mode:
                # After "# Output:", commented lines are the example output itself.
                cur.output.append(re.sub(r"^\s*# ?", "", line))
                continue
            if cur is not None and cur.output:
                cur.output.append(line)
                pending.append(body)
                continue
            if cur is not None and not prompt_mode:
                # A comment after a complete command introduces the next one.
                close()
                pending.append(body)
                continue
            if stripped.startswith("#!"):
                continue
            pending.append(body)
            continue
        if output_mode and cur is not None:
            cur.output.append(line)
            continue
        if prompt_mode:
            if prompted is not None:
                kind, cmd = prompted
                if not cmd:
                    continue
                if cur is not None and (cur.output or pending or cur.prompt != kind
                                        or _gates(cur, cmd) or (
                                            kind == "$" and not cur.open
                                            and not _keeps_session(cur.command))):
                    # A new prompt after output, after a comment, or of another kind (`$` then
                    # `#` inside a debug shell) starts a new step.
                    if cur.output and pending:
                        # the comments were read as output; they label this command instead
                        del cur.output[-len(pending):]
                    close()
                if cur is None:
                    cur = start(idx, kind)
                cur.add(cmd)
                continue
            if cur is None:
                if is_strong_command(stripped):
                    cur = start(idx, "")
                    cur.add(line)
                continue
            if pending and cur.prompt and is_strong_command(stripped):
                if cur.output:
                    del cur.output[-len(pending):]
                close()
                cur = start(idx, "")
                cur.add(line)
                continue
            if cur.prompt == "":
                # unprompted commands before any prompt: keep collecting
                if looks_like_output(stripped):
                    cur.output.append(line)
                else:
                    cur.add(line)
                continue
            cur.output.append(line)
            pending = []
            continue
        # Plain (unprompted) block.
        if looks_like_table_header(stripped):
            # `NAME  READY  STATUS` and the rows under it: sample output, whatever the fence says.
            if cur is not None:
                cur.output.append(line)
                output_mode = True
            else:
                in_table = True
                pending = []
            continue
        if cur is None:
            if looks_like_output(stripped):
                pending = []
                continue
            cur = start(idx)
            cur.add(line)
            continue
        if cur.output or looks_like_output(stripped):
            cur.output.append(line)
            continue
        if _gates(cur, stripped):
            close()
            cur = start(idx)
        cur.add(line)
    close()
    drafts = _join_assignments(drafts)
    for d in drafts:
        if d.label is None:
            d.label = _trailing_comment_label(d.command)
    return drafts


# Commands whose effect later lines depend on and that no step-to-step carrying restores: the
# working directory, shell options, aliases. (Variables are carried between an incident's steps.)
_STATE_WORDS = frozenset({"cd", "pushd", "popd", "source", ".", "set", "alias", "shopt", "umask",
                          "ulimit"})
# Programs that open a session the next prompted lines are typed into (a remote or debug shell).
_SESSION_WORDS = frozenset({"ssh", "chroot", "toolbox", "su", "bash", "sh", "zsh", "psql", "mysql",
                            "redis-cli", "mongo", "mongosh", "gitlab-rails", "rails", "nsenter",
                            "screen", "tmux", "python", "python3", "sqlite3", "exit", "logout"})


def _keeps_session(command: str) -> bool:
    """Later prompted lines depend on this one: it changes directory/options or opens a shell."""
    result = shell.scan(_neutral(command))
    if all(all(shell.is_assignment(w.raw) for w in c.words) for c in result.commands):
        return True  # `NODE=<name>` alone: it sets up the command typed next
    for c in result.commands:
        words = [w.raw for w in c.words if not shell.is_assignment(w.raw)]
        if not words:
            continue
        if words[0] in _STATE_WORDS or words[0] in _SESSION_WORDS:
            return True
        if words[0] == "sudo" and any(w in ("-i", "-s", "su", "bash", "sh") for w in words[1:3]):
            return True
        if "ssh" in words[1:5] or "debug" in words[1:5] or (
                "exec" in words[1:3] and any(w.startswith("-") and "t" in w and "i" in w
                                             for w in words)):
            return True
    return False


def classification(command: str, kind: str = "shell") -> object:
    """The read-only prover's verdict, cached: the splitter asks about a block's lines and the
    assembly about the finished step, mostly the same text (the verdict is immutable)."""
    return _classification(command, kind)


@functools.lru_cache(maxsize=8192)
def _classification(command: str, kind: str) -> object:
    from warroom.execute.classify import classify

    return classify(command, kind)


@functools.lru_cache(maxsize=4096)
def _pure_check(command: str) -> bool:
    """Read-only and changes no shell state a later line could depend on (no cd, export...)."""
    result = shell.scan(command)
    for c in result.commands:
        words = [w.raw for w in c.words]
        if not words:
            continue
        if shell.is_assignment(words[0]) and all(shell.is_assignment(w) for w in words):
            continue  # X=$(read-only): the value is carried to the next step
        if words[0] in _STATE_WORDS or words[0] in ("export", "declare", "typeset", "local",
                                                     "read", "unset"):
            if words[0] in _STATE_WORDS:
                return False
            continue
        if shell.is_assignment(words[0]):
            return False
    return not classification(command, "shell").mutating  # type: ignore[attr-defined]


def _gates(cur: Draft, line: str) -> bool:
    """``line`` is a change that the read-only check collected so far in ``cur`` gates.

    ``kubectl get deploy x`` followed by ``kubectl rollout undo deploy/x``: two decisions, two
    steps (the check runs without a confirmation, the rollback with one). Only decided for a
    complete check followed by a strong command; cached per draft so a long read-only block is
    classified once per line.
    """
    if cur.open or cur.output or cur.pure is False or not is_strong_command(line):
        return False
    if first_word(line) in SHELL_KEYWORDS or not shell.scan(line).complete:
        return False  # a loop or block is the script's own logic, not a separate change
    if cur.pure is None:
        cur.pure = _pure_check(cur.command)
        if not cur.pure:
            return False
    if _pure_check(line):
        return False
    if classification(line, "shell").mutating:  # type: ignore[attr-defined]
        return True
    cur.pure = False  # a state change (cd, export...): later lines may depend on it
    return False


def _neutral(command: str) -> str:
    """The command with each placeholder a plain word (`<pod name>` is no redirection)."""
    from warroom.runbook.params import find_params

    for ref in reversed(find_params(command)):
        command = command[:ref.start] + "PARAM" + command[ref.end:]
    return command


def _only_assignments(command: str) -> bool:
    result = shell.scan(_neutral(command))
    if not result.commands or not result.complete:
        return False
    return all(c.words and all(shell.is_assignment(w.raw) for w in c.words) and not c.redirects
               for c in result.commands)


def _join_assignments(drafts: list[Draft]) -> list[Draft]:
    """A chunk that only sets shell variables does nothing on its own (each step runs in its
    own shell), so it is joined to the command right after it in the same block."""
    out: list[Draft] = []
    carry: Draft | None = None
    for d in drafts:
        if carry is not None:
            d.command_lines = carry.command_lines + d.command_lines
            d.line = carry.line
            d.label = d.label or carry.label
            d.output = carry.output + d.output
            carry = None
        if _only_assignments(d.command) and d is not drafts[-1]:
            carry = d
            continue
        out.append(d)
    return out


def _trailing_comment_label(command: str) -> str | None:
    """Use ``cmd  # what it does`` as the label of a one-line command without one."""
    if "\n" in command:
        return None
    ctx = shell.scan(command).contexts
    for i, ch in enumerate(command):
        if ch == "#" and ctx[i] == shell.COMMENT:
            text = command[i:].lstrip("#").strip()
            return text or None
    return None


def split_plain(lines: list[str], comment_prefixes: tuple[str, ...] = ("#", "//")) -> list[Draft]:
    """Split a PromQL or native block: blank lines separate entries, comments above label them."""
    drafts: list[Draft] = []
    cur: Draft | None = None
    pending: list[str] = []
    for idx, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            if cur is not None:
                drafts.append(cur)
                cur = None
            pending = []
            continue
        if stripped.startswith(comment_prefixes):
            body = stripped.lstrip("#/").strip()
            m = _EXPECT.match(body)
            if m and cur is not None:
                cur.expect.append(m.group(1).strip())
                continue
            if cur is None:
                pending.append(body)
            continue
        if cur is None:
            cur = Draft(line=idx, label=" ".join(pending).strip() or None)
            pending = []
        cur.command_lines.append(line)
    if cur is not None:
        drafts.append(cur)
    return drafts


def split_native(lines: list[str]) -> list[Draft]:
    """Native k8s blocks: one action per line; comment lines above label it."""
    drafts: list[Draft] = []
    pending: list[str] = []
    for idx, raw in enumerate(lines):
        stripped = raw.strip()
        if not stripped:
            pending = []
            continue
        if stripped.startswith("#"):
            body = _comment_text(stripped)
            m = _EXPECT.match(body)
            if m and drafts and not pending:
                drafts[-1].expect.append(m.group(1).strip())
                continue
            pending.append(body)
            continue
        drafts.append(Draft(command_lines=[stripped], line=idx,
                            label=" ".join(pending).strip() or None))
        pending = []
    return drafts
