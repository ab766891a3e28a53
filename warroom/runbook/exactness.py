"""How exactly the parser finds the commands a person would run: exact, mangled, missed, false.

The expected commands of a runbook are listed by hand (``tests/fixtures/runbooks_expected``).
Each is matched to a distinct runnable step:

* **exact**: the step's command is the expected command (comments, blank lines and the
  indentation of each line aside: they change nothing that runs);
* **mangled**: a step holds part of it or more than it (merged with another command, cut short);
* **missed**: no step overlaps it.

A runnable step that matches no expected command at all is **false**. Several expected commands
sharing one step count one "mangled" each; several steps cut from one command count one mangled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from warroom.syntax import shell


def normalise(command: str) -> tuple[str, ...]:
    """The lines that run: comments and blank lines dropped, each line stripped."""
    ctx = shell.scan(command).contexts
    kept = "".join(ch for ch, c in zip(command, ctx) if c != shell.COMMENT) if ctx else command
    return tuple(ln.strip() for ln in kept.split("\n") if ln.strip())


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return False
    sa, sb = set(a), set(b)
    if sa & sb:
        return True
    ja, jb = " ".join(a), " ".join(b)
    return (len(ja) >= 8 and ja in jb) or (len(jb) >= 8 and jb in ja)


@dataclass
class Score:
    expected: int = 0
    found: int = 0  # runnable steps
    exact: int = 0
    mangled: int = 0
    missed: int = 0
    false: int = 0
    details: list[tuple[str, str]] = field(default_factory=list)  # (verdict, command)

    def add(self, other: Score) -> None:
        for name in ("expected", "found", "exact", "mangled", "missed", "false"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.details.extend(other.details)


def score(expected: Sequence[str], found: Iterable[str]) -> Score:
    steps = [normalise(c) for c in found]
    steps = [s for s in steps if s]
    out = Score(expected=len(expected), found=len(steps))
    used = [False] * len(steps)
    exp = [normalise(c) for c in expected]
    verdicts: list[str | None] = [None] * len(exp)
    for i, e in enumerate(exp):  # exact matches first, each step used once
        for j, s in enumerate(steps):
            if not used[j] and s == e:
                used[j] = True
                verdicts[i] = "exact"
                break
    touched = list(used)
    for i, e in enumerate(exp):
        if verdicts[i] is not None:
            continue
        hit = [j for j, s in enumerate(steps) if not used[j] and _overlaps(e, s)]
        if hit:
            verdicts[i] = "mangled"
            for j in hit:
                touched[j] = True
        else:
            verdicts[i] = "missed"
    for i, v in enumerate(verdicts):
        setattr(out, v or "missed", getattr(out, v or "missed") + 1)
        out.details.append((v or "missed", expected[i]))
    for j, s in enumerate(steps):
        if not touched[j]:
            out.false += 1
            out.details.append(("false", "\n".join(s)))
    return out
