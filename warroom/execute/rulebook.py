"""The registry of tool rules and the :class:`Call` a rule receives.

Kept apart from :mod:`warroom.execute.prove` so that the ``rules_*`` modules can register
themselves without importing the prover that imports them.
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

    def script(self, text: str, what: str) -> str:
        """Judge ``text`` as a shell script run by this command (``sh -c``, ``ssh host ...``)."""
        from warroom.execute.prove import prove

        try:
            return prove(text, self.depth + 1, what)
        except Unprovable as exc:
            raise Unprovable(f"{what}: {exc}") from None

    def argv(self, words: list[PWord], what: str, *, stdin_from: PCmd | None = None) -> str:
        """Judge ``words`` as a command this one runs directly (``sudo CMD``, ``xargs CMD``)."""
        if not words:
            raise Unprovable(f"{what} has no command to run")
        from warroom.execute.prove import simple

        inner = replace(self.cmd, words=list(words), assigns=[], redirects=[],
                        heredocs=list((stdin_from or self.cmd).heredocs))
        try:
            return simple(inner, self.depth + 1, wrapped=what)
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


