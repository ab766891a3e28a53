"""Why a parameter value can never become code: a small alphabet, and wider values only where a
parser proves the position is a plain argument.

Quoting harder does not make a value safe: a value can land in arithmetic (``$(( {{n}} + 1 ))``
evaluates ``a[$(cmd)]``), in text a second shell parses (``sh -c '…{{p}}…'``, ``ssh host "…"``,
``su -c``, ``xargs sh -c``, a heredoc fed to ``bash``, ``eval``), in an awk program, in SQL, or
in an option position (``--output={{p}}``, ``-o{{p}}``). So values are checked *before* they
are placed, against what the placeholder's position allows:

* **anywhere** (the default): letters, digits and ``_ . : / @ % +`` and ``-`` — no shell, SQL,
  awk or option metacharacter (no blank, quote, ``$``, backtick, backslash, ``;|&<>(){}[]*?!~#``,
  ``=``, ``,``), never a leading ``-``, never ``--``. Such a value is one literal word fragment in
  every quoting context and at every nesting depth — there is nothing for any parser to act on;
* **a plain argument** — the placeholder is (part of) an argument word of a simple command whose
  program only takes data there (``kubectl get pod {{p}}``, ``-l app={{app}}``), as
  :mod:`warroom.execute.shparse` proves — additionally ``=`` and ``,``;
* **arithmetic** (``$(( ))``, ``(( ))``, ``$[ ]``, ``let``, ``[[ … -eq … ]]``, an array index):
  digits only — bash evaluates a *name* there recursively;
* **a command name** (``{{p}} --version``): refused whatever the value — a value never chooses
  the program.

A parameter that declares a ``pattern`` may take values outside the alphabet (spaces, quotes...)
that match it, but only where every one of its placeholders is a plain argument; there the value
is ``shlex``-quoted into exactly one word. Error messages name the parameter and the rule; they
never print the value (it may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from warroom.errors import WarroomError


class ParamError(WarroomError):
    """A missing or invalid parameter value; the message names the parameter.

    Defined here, below :mod:`warroom.runbook.params` (which re-exports it), because the checks in
    this module raise it and ``params`` calls them: defined in ``params`` it was an import cycle.
    """

    exit_code = 2


ANYWHERE = re.compile(r"[A-Za-z0-9_.:/@%+-]*\Z")
PLAIN = re.compile(r"[A-Za-z0-9_.:/@%+=,-]*\Z")
DIGITS = re.compile(r"[0-9]+\Z")

#: Programs whose argument words are data (not a program, script, SQL or remote command).
DATA_PROGRAMS = frozenset("""
kubectl oc kubecolor helm aws gcloud az curl wget grep egrep fgrep zgrep echo printf cat head
tail wc ls stat du df dig host nslookup ping ping6 traceroute systemctl journalctl service
docker podman crictl redis-cli etcdctl git date id getent which openssl nc ss ip ps pgrep
sort uniq cut tr column base64 sha256sum md5sum file tree blocks promtool amtool gitlab-ctl
patronictl consul test [ true false basename dirname realpath readlink
""".split())
#: Options whose value is code for the program (SQL, a script, a filter...).
CODE_OPTIONS = {"psql": {"-c", "--command"}, "mysql": {"-e", "--execute"},
                "kubectl": {"--template", "-p", "--patch"}, "oc": {"--template", "-p", "--patch"},
                "curl": {"-K", "--config", "-w", "--write-out"}, "helm": {"--template"},
                "docker": {"-f", "--format"}, "podman": {"-f", "--format"},
                "git": {"--format", "--pretty", "-c"}}


@dataclass(frozen=True)
class Slot:
    """What one placeholder's position allows."""

    where: str  # "command" | "arithmetic" | "plain" | "embedded"
    what: str   # the position in words, for messages


def slots(command: str, spans: Sequence[tuple[int, int]]) -> list[Slot]:
    """The position of each placeholder span ``(start, end)`` in a shell ``command``."""
    marks = [f"WRXPARAM{i}QZ" for i in range(len(spans))]
    text = command
    for (a, b), m in sorted(zip(spans, marks, strict=True), key=lambda t: -t[0][0]):
        text = text[:a] + m + text[b:]
    arith = _arith_spans(text)
    first_tick = text.find("`")
    out: list[Slot] = []
    structure = _words(text, marks)
    for m in marks:
        k = text.find(m)
        if any(a <= k < b for a, b in arith):
            out.append(Slot("arithmetic", "inside arithmetic"))
            continue
        slot = structure.get(m, Slot("embedded", "inside text a program or another shell "
                                     "parses (a script, SQL, an awk program, a heredoc, a "
                                     "remote command) or an assignment"))
        if slot.where == "plain" and 0 <= first_tick < k:
            # The shell finds a backtick substitution's end before it reads any quote inside it,
            # so no quoting keeps a value's own backtick from closing it early. Telling exactly
            # which text a backtick encloses needs the shell's whole quoting state (nested "…",
            # $(…), heredocs); anything after the first backtick is treated as inside one
            # instead: only the safe alphabet (no backtick, backslash or $) may sit there.
            slot = Slot("embedded", "after a backtick (possibly inside a backtick command "
                        "substitution, where quoting cannot hide a backtick)")
        out.append(slot)
    return out


def _words(text: str, marks: list[str]) -> dict[str, Slot]:
    from warroom.execute.shparse import Unprovable, parse

    try:
        parsed = parse(text)
    except Unprovable:
        return {}
    found: dict[str, Slot] = {}
    upstream: list[str] = []  # markers in the commands piped into the current one
    for cmd in parsed.commands:
        here = [m for m in marks if any(m in w.text for w in cmd.words)
                or any(m in v.text for _, v in cmd.assigns)
                or any(m in r.target.text for r in cmd.redirects)]
        if not cmd.stdin_piped:
            upstream = []
        prog0 = ((cmd.words[0].value or "") if cmd.words else "").rsplit("/", 1)[-1]
        if cmd.stdin_piped and upstream and _runs_its_input(prog0, cmd):
            for m in upstream:
                found[m] = Slot("command", f"in text piped into {prog0}, which runs its input as "
                                           "code or commands")
        if prog0 in _SHELLS | {"ssh", "su"} and cmd.heredocs:
            for body in cmd.heredocs:
                for m, slot in _words(body, marks).items():
                    if slot.where == "command":
                        found[m] = Slot("command", f"where a heredoc fed to {prog0} takes a "
                                        "command")
        upstream = upstream + here
        if cmd.keyword:
            continue
        for name, val in cmd.assigns:
            for m in marks:
                if m in name:
                    found[m] = Slot("command", "in a variable name")
        words = cmd.words
        if not words:
            continue
        w0 = words[0]
        for m in marks:
            if m in w0.text:
                found[m] = Slot("command", "where the command name goes")
        prog = (w0.value or "").rsplit("/", 1)[-1]
        for nested in _nested_scripts(prog, words):
            for m, slot in _words(nested, marks).items():
                if slot.where == "command":
                    found[m] = Slot("command", f"where a shell run by {prog} takes a command")
        runs = _command_word(prog, words)
        if runs is not None:
            for m in marks:
                if m in words[runs].text and words[runs].text.find(m) == _lead(words[runs].text):
                    found[m] = Slot("command", f"where {prog} takes the command it runs")
        data = prog in DATA_PROGRAMS
        code_opts = CODE_OPTIONS.get(prog, set())
        after_dd = False
        for k, w in enumerate(words[1:], start=1):
            if w.value == "--":
                after_dd = True
            hits = [m for m in marks if m in w.text and m not in found]
            if not hits:
                continue
            prev = words[k - 1].value or ""
            opt = (w.value or w.prefix).split("=", 1)[0]
            is_code = (prev in code_opts or opt in code_opts
                       or (prog in ("kubectl", "oc") and after_dd)
                       or (prog in ("kubectl", "oc") and any(x.value == "exec" for x in words)))
            for m in hits:
                if data and not is_code:
                    found[m] = Slot("plain", f"an argument of {prog}")
                elif m not in found:
                    found[m] = Slot("embedded", f"an argument {prog} interprets as code or a "
                                    "command")
    return found


_WRAPPERS = {"sudo", "doas", "env", "nice", "ionice", "timeout", "stdbuf", "xargs", "watch",
             "strace", "ltrace", "time", "exec", "command", "builtin", "nohup", "chrt", "taskset",
             "setsid", "flock", "unbuffer", "su", "runuser", "chroot", "nsenter", "eval",
             "sh", "bash", "dash", "zsh", "ksh", "ash", "ssh"}


_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "ash"}


def _runs_its_input(prog: str, cmd: object) -> bool:
    """Whether a command reads its standard input as code (a shell without -c, an SQL client
    without -c/-e, ``ssh host`` without a command, ``xargs``...)."""
    vals = [w.value for w in getattr(cmd, "words", [])[1:]]
    if prog in _SHELLS:
        return not any(v is not None and v.startswith("-") and "c" in v.lstrip("-")
                       and not v.startswith("--") for v in vals)
    if prog in ("psql", "gitlab-psql"):
        return not any(v in ("-c", "--command") or (v or "").startswith(("-c", "--command="))
                       for v in vals)
    if prog in ("mysql", "mariadb"):
        return not any(v in ("-e", "--execute") or (v or "").startswith("--execute=")
                       for v in vals)
    if prog in ("ssh",):
        return sum(1 for v in vals if v is not None and not v.startswith("-")) <= 1
    if prog in ("redis-cli",):
        return sum(1 for v in vals if v is not None and not v.startswith("-")) == 0
    return prog in ("xargs", "python", "python3", "perl", "ruby", "node", "php", "at", "batch",
                    "crontab", "sqlite3", "su")


def _nested_scripts(prog: str, words: list) -> list[str]:  # type: ignore[type-arg]
    """Text another shell will parse: ``sh -c TEXT``, ``su -c TEXT``, ``eval ARGS``, ``watch
    ARGS``, ``ssh host ARGS`` (when the words are literal, so the placeholders are in them)."""
    vals = [w.value for w in words[1:]]
    if prog in ("sh", "bash", "dash", "zsh", "ksh", "ash", "su"):
        for k, v in enumerate(vals):
            if v in ("-c", "--command") and k + 1 < len(vals) and vals[k + 1] is not None:
                return [vals[k + 1] or ""]
        return []
    if prog in ("eval", "watch"):
        return [" ".join(v for v in vals if v is not None and not v.startswith("-"))]
    if prog == "ssh":
        rest = [v for v in vals if v is not None]
        k = next((i for i, v in enumerate(rest) if not v.startswith("-")), None)
        return [" ".join(rest[k + 1:])] if k is not None else []
    return []


def _lead(text: str) -> int:
    """Where a word's text starts once its opening quotes are skipped."""
    k = 0
    while k < len(text) and text[k] in "'\"":
        k += 1
    return k


def _command_word(prog: str, words: list) -> int | None:  # type: ignore[type-arg]
    """Index of the word a wrapper runs as a program (``sudo X``, ``ssh host X``, ``sh -c X``,
    ``kubectl exec POD -- X``), approximately: the first word that is not an option of it."""
    if prog in ("kubectl", "oc"):
        if not any(w.value == "exec" for w in words):
            return None
        k = next((i for i, w in enumerate(words) if w.value == "--"), None)
        return k + 1 if k is not None and k + 1 < len(words) else None
    if prog not in _WRAPPERS:
        return None
    seen_host = False
    k = 1
    while k < len(words):
        v = words[k].value if words[k].value is not None else words[k].prefix
        if prog in ("sh", "bash", "dash", "zsh", "ksh", "ash", "su") and v in ("-c",
                                                                              "--command"):
            return k + 1 if k + 1 < len(words) else None
        if v.startswith("-") and v not in ("-", "--"):
            k += 1
            continue
        if v == "--":
            k += 1
            continue
        if prog == "env" and "=" in v:
            k += 1
            continue
        if prog == "timeout" and re.fullmatch(r"[0-9.]+[smhd]?", v):
            k += 1
            continue
        if prog == "ssh" and not seen_host:
            seen_host = True
            k += 1
            continue
        return k
    return None


def arithmetic_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that bash evaluates as arithmetic."""
    return _arith_spans(text)


def _arith_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges bash evaluates as arithmetic (textually, wherever they are nested)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    match: dict[int, int] = {}  # "(" position -> its ")" (one linear pass)
    stack: list[int] = []
    for j, ch in enumerate(text):
        if ch == "(":
            stack.append(j)
        elif ch == ")" and stack:
            match[stack.pop()] = j
    for m in re.finditer(r"\(\(", text):
        spans.append((m.start(), match.get(m.start(), n - 1) + 1))
    for m in re.finditer(r"\$\[", text):
        j = text.find("]", m.end())
        spans.append((m.start(), n if j < 0 else j + 1))
    for m in re.finditer(r"(?:^|[;&|(\s])let\s", text):
        j = re.search(r"[;\n&|]", text[m.end():])
        spans.append((m.start(), n if j is None else m.end() + j.start()))
    for m in re.finditer(r"\[\[", text):
        j = text.find("]]", m.end())
        body = text[m.end(): n if j < 0 else j]
        if re.search(r"-(eq|ne|lt|le|gt|ge)\b", body):
            spans.append((m.start(), n if j < 0 else j + 2))
    for m in re.finditer(r"\$\{[A-Za-z_]\w*(\[|:[^-=?+])", text):
        j = text.find("}", m.end())
        spans.append((m.start(), n if j < 0 else j + 1))
    for m in re.finditer(r"\b(?:declare|typeset|local)\s+-\w*i", text):
        j = re.search(r"[;\n&|]", text[m.end():])
        spans.append((m.start(), n if j is None else m.end() + j.start()))
    return spans


def _describe(value: str, allowed: re.Pattern[str], secret: bool) -> str:
    if value.startswith("-"):
        return "starts with '-' (it would be read as an option)"
    if "--" in value and allowed is ANYWHERE:
        return "contains '--' (an SQL comment)"
    bad = next((c for c in value if not allowed.match(c)), "")
    if secret or not bad:
        return "has a character outside the allowed set"
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return",
             "'": "a quote (')", '"': 'a quote (")', "`": "a backtick", "\\": "a backslash"}
    return f"contains {names.get(bad, repr(bad))}"


def check(name: str, value: str, slot: Slot, *, wide: bool, secret: bool) -> None:
    """Raise :class:`ParamError` unless ``value`` may sit in ``slot``."""
    if slot.where == "command":
        raise ParamError(f"parameter {name!r} sits {slot.what}: a parameter value may never choose "
                         "the program that runs")
    if "\x00" in value:
        raise ParamError(f"the value for parameter {name!r} contains a NUL byte")
    if slot.where == "arithmetic":
        if not DIGITS.match(value):
            raise ParamError(f"parameter {name!r} sits inside shell arithmetic, where only digits "
                             "are allowed (bash evaluates a name there, which can run code); the "
                             "value is not a plain number")
        return
    if ANYWHERE.match(value) and not value.startswith("-") and "--" not in value:
        return
    if slot.where == "plain":
        if PLAIN.match(value) and not value.startswith("-"):
            return
        if wide and not value.startswith("-") and "\n" not in value and "\r" not in value:
            return
    rule = ("letters, digits and _ . : / @ % + - (and = , in a plain argument), not starting "
            "with '-'")
    if slot.where == "plain":
        hint = ("; declare a pattern for this parameter to allow other characters here" if not
                wide else "")
    else:
        hint = (f"; it sits {slot.what}, where only that set is ever allowed (a declared pattern "
                "widens values only for plain arguments)")
    raise ParamError(f"the value for parameter {name!r} {_describe(value, ANYWHERE if slot.where != 'plain' else PLAIN, secret)}: "
                     f"values may hold {rule}{hint}")


def check_all(command: str, refs: Sequence[object], values: Mapping[str, str],
              wide: Mapping[str, bool], secret: Mapping[str, bool]) -> list[Slot]:
    """Check every placeholder of a shell command; returns the slots (same order as refs)."""
    spans = [(getattr(r, "start"), getattr(r, "end")) for r in refs]
    got = slots(command, spans)
    for r, slot in zip(refs, got, strict=True):
        key = getattr(r, "key")
        check(getattr(r, "name"), values[key], slot, wide=bool(wide.get(key)),
              secret=bool(secret.get(key)))
    return got
