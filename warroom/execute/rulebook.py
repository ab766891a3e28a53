"""The registry of tool rules and the :class:`Call` a rule receives.

Kept apart from :mod:`warroom.execute.prove` so that the ``rules_*`` modules can register
themselves without importing the prover that imports them. A rule that must judge a command its
command runs (``sudo CMD``, ``sh -c TEXT``) goes back to the prover through the two functions the
prover hands to every :class:`Call` — never by importing it, which was a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from warroom.execute.shparse import PCmd, PWord, Unprovable


@dataclass
class Call:
    """One simple command being judged: the program, its arguments and where it sits."""

    prog: str
    args: list[PWord]
    cmd: PCmd
    depth: int
    #: The prover's ``prove(text, depth, what)``: judges a shell script.
    prove_script: Callable[[str, int, str], str]
    #: The prover's ``simple(cmd, depth, wrapped=...)``: judges one simple command.
    prove_simple: Callable[..., str]

    def script(self, text: str, what: str) -> str:
        """Judge ``text`` as a shell script run by this command (``sh -c``, ``ssh host ...``)."""
        try:
            return self.prove_script(text, self.depth + 1, what)
        except Unprovable as exc:
            raise Unprovable(f"{what}: {exc}") from None

    def argv(self, words: list[PWord], what: str, *, stdin_from: PCmd | None = None) -> str:
        """Judge ``words`` as a command this one runs directly (``sudo CMD``, ``xargs CMD``)."""
        if not words:
            raise Unprovable(f"{what} has no command to run")
        inner = replace(self.cmd, words=list(words), assigns=[], redirects=[],
                        heredocs=list((stdin_from or self.cmd).heredocs))
        try:
            return self.prove_simple(inner, self.depth + 1, wrapped=what)
        except Unprovable as exc:
            raise Unprovable(f"{what}: {exc}") from None


Rule = Callable[[Call], str]
RULES: dict[str, Rule] = {}


def rule(*names: str) -> Callable[[Rule], Rule]:
    def deco(fn: Rule) -> Rule:
        for n in names:
            RULES[n] = fn
        return fn
    return deco


