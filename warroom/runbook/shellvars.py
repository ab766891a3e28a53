"""Shell variables a step sets and uses, so state can flow from one step to the next.

Each step runs in a shell of its own, yet runbooks are written as one session:
``SUSPECT_REVISION=$(...)`` in one block, ``kubectl rollout undo --to-revision=$SUSPECT_REVISION``
in the next. The runbook model records, per step, the variables it assigns or exports and the ones
it reads without setting them first; the incident layer carries the values between the steps of
one incident, and lint reports a variable read before any step sets it.

Read from the scanner's quoting contexts: ``$X`` inside single quotes (awk's ``$1``, jq) or a
quoted heredoc is not the shell's, nor is one in a comment.
"""

from __future__ import annotations

import functools
import re

from warroom.syntax import shell

# Set by the shell or the login environment: never "used before set".
ENVIRONMENT = frozenset("""
HOME PATH USER LOGNAME PWD OLDPWD SHELL HOSTNAME HOSTTYPE OSTYPE RANDOM LANG LC_ALL TERM UID EUID
PPID IFS SECONDS LINENO BASHPID BASH BASH_VERSION BASH_SOURCE FUNCNAME PIPESTATUS REPLY OPTARG
OPTIND TMPDIR EDITOR PAGER KUBECONFIG DISPLAY SSH_AUTH_SOCK XDG_RUNTIME_DIR XDG_CONFIG_HOME
""".split())

_USE = re.compile(r"\$(?:\{[#!]?([A-Za-z_]\w*)(:?[-=+])?|([A-Za-z_]\w*))")
_ASSIGN_WORDS = ("export", "declare", "typeset", "local", "readonly")
_FOR = re.compile(r"(?:^|[;&|\n(]\s*|\bdo\s+|\bthen\s+)(?:for|select)\s+([A-Za-z_]\w*)\s+in\b")
_READ = re.compile(r"\bread(?:[ \t]+-[a-zA-Z]+)*[ \t]+((?:[A-Za-z_]\w*[ \t]*)+)")
_NAME = re.compile(r"^[A-Za-z_]\w*$")


def assigned(command: str) -> list[str]:
    return list(_assigned(command))


@functools.lru_cache(maxsize=4096)
def _assigned(command: str) -> tuple[str, ...]:
    """Variables the command sets for later commands: ``X=1`` alone, ``export X=1`` / ``export X``,
    ``declare``/``readonly``, ``read X``, ``for X in``, in order of first appearance."""
    out: dict[str, int] = {}  # name -> where it is first set

    def found(name: str, at: int) -> None:
        out[name] = min(out.get(name, at), at)

    command = _neutral(command)
    result = shell.scan(command)
    for c in result.commands:
        raws = [w.raw for w in c.words]
        if not raws:
            continue
        at = c.words[0].start
        if all(shell.is_assignment(r) for r in raws):
            for r in raws:
                found(r.split("=", 1)[0].rstrip("+"), at)
        elif raws[0] == "read":
            for name in _read_names(raws[1:]):
                found(name, at)
        elif raws[0] in _ASSIGN_WORDS:
            for r in raws[1:]:
                if r.startswith("-"):
                    continue
                name = r.split("=", 1)[0].rstrip("+")
                if _NAME.match(name):
                    found(name, at)
    ctx = result.contexts
    for rx in (_FOR, _READ):
        for m in rx.finditer(command):
            if ctx and m.start(1) < len(ctx) and ctx[m.start(1)] not in (shell.PLAIN,):
                continue
            for name in m.group(1).split():
                if _NAME.match(name):
                    found(name, m.start(1))
    return tuple(sorted(out, key=out.__getitem__))


# `read` options that take an argument (`-p "Prompt: "`); `-a NAME` names the array it sets.
_READ_ARG_OPTS = frozenset("pdtnNui")


def _read_names(args: list[str]) -> list[str]:
    """The variables ``read [options] NAME...`` sets (options and their arguments skipped)."""
    names: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            names.extend(a for a in args[i + 1:] if _NAME.match(a))
            break
        if word.startswith("-") and len(word) > 1:
            letters = word[1:]
            for k, ch in enumerate(letters):
                if ch == "a" or ch in _READ_ARG_OPTS:
                    if k == len(letters) - 1 and i + 1 < len(args):
                        i += 1
                        if ch == "a" and _NAME.match(args[i]):
                            names.append(args[i])
                    break  # the rest of this word is the option's argument
            i += 1
            continue
        if _NAME.match(word):
            names.append(word)
        i += 1
    return names


# Commands after which the step's shell holds variables no text of the runbook shows.
_SOURCING = frozenset({"source", ".", "eval"})


def used(command: str) -> list[str]:
    """Variables the command reads that it has not set itself before (environment excluded)."""
    command = _neutral(command)
    result = shell.scan(command)
    ctx = result.contexts
    own = set(assigned(command))
    out: dict[str, None] = {}
    # `${X:-default}`, `${X=dflt}`, `${X:+--zone $X}`: written to work when X is unset, so X is
    # never "used before set" anywhere in that command.
    defaulted = {m.group(1) for m in _USE.finditer(command) if m.group(2)}
    # After `source FILE`, `. FILE` or `eval ...`, any variable may have been set by it.
    sourced_from = min((c.words[0].start for c in result.commands
                        if c.words and c.words[0].raw in _SOURCING), default=len(command))
    for m in _USE.finditer(command):
        if m.start() > 0 and command[m.start() - 1] == "\\":
            continue
        if ctx and ctx[m.start()] not in (shell.PLAIN, shell.DOUBLE, shell.HEREDOC):
            continue
        name = m.group(1) or m.group(3)
        if m.start() > sourced_from:
            break
        if name in ENVIRONMENT or name in own or name in defaulted:
            continue
        out.setdefault(name, None)
    return list(out)


def _neutral(command: str) -> str:
    """Placeholders as plain words: in ``X=<pod name>`` the ``<`` is no redirection."""
    from warroom.runbook.params import find_params

    for ref in reversed(find_params(command)):
        command = command[:ref.start] + "PARAM" + command[ref.end:]
    return command
