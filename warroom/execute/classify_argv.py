"""The verdict type and the argv-reading helpers every tool rule shares.

They live apart from the rules so that a rule module can depend on them without depending on the
dispatcher in :mod:`warroom.execute.classify` (which in turn depends on every rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warroom.runbook import shell


@dataclass(frozen=True)
class Classification:
    """A verdict with the words that justify it: the user confirms against ``reason``."""

    mutating: bool
    reason: str

    def __bool__(self) -> bool:  # pragma: no cover - convenience only
        return self.mutating


#: A tool's rule: (argv, the simple command it came from, nesting depth) -> verdict.
Handler = Callable[[list[str], shell.SimpleCommand, int], Classification]

# Redirect targets and file arguments that are not files anyone keeps.
_REDIRECT_OK = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "-", "&1", "&2", "1", "2"}


def _ro(reason: str) -> Classification:
    return Classification(False, reason)


def _rw(reason: str) -> Classification:
    return Classification(True, reason)


def _prog(word: str) -> str:
    return word.rsplit("/", 1)[-1] if word else word


def _is_expansion(word: str) -> bool:
    return word.startswith("$")


def _positional(args: list[str], with_value: set[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a.startswith("-"):
            if a in with_value:
                i += 2
                continue
            i += 1
            continue
        out.append(a)
        i += 1
    return out


def _has_flag(argv: list[str], flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in argv)


def _after_double_dash(argv: list[str]) -> list[str] | None:
    if "--" in argv:
        return argv[argv.index("--") + 1:]
    return None


def _interactive_shell(inner: list[str]) -> bool:
    if not inner:
        return True
    prog = _prog(inner[0])
    return prog in ("sh", "bash", "zsh", "ash", "dash", "psql", "mysql", "redis-cli", "python",
                    "python3", "irb", "rails") and len(inner) == 1


def _subcommand(ro: dict[str, set[str] | None], flags_with_value: set[str] | frozenset[str] = frozenset(),
                what: str = "state") -> Handler:
    """Handler for tools whose first positional word decides (``systemctl status``...).

    ``ro`` maps a read-only subcommand to None (any arguments) or a set of allowed second words.
    """
    def handler(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
        prog = _prog(argv[0])
        words = _positional(argv[1:], set(flags_with_value))
        if not words:
            if "" in ro:
                return _ro(f"{prog} only reads")
            return _rw(f"{prog} without a subcommand cannot be checked")
        sub = words[0]
        if sub in ro:
            allowed = ro[sub]
            if allowed is None or (len(words) > 1 and words[1] in allowed):
                return _ro(f"{prog} {sub} only reads")
        return _rw(f"{prog} {sub} changes {what}")
    return handler
