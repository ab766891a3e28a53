"""Runbook steps done by hand: a step nobody ran through warroom whose command was typed in the drill
(``warroom drill shell``, which the tool offers for triage), read from the stand-ins' record of every
invocation, read-only ones too (``CALLS_FILE``). Without it the report listed the triage that found the
cause as "not done" (redteam39 F3): the stand-ins recorded only what changed the drill's world.

"The same command" is decided conservatively, so a step is never credited with what was not typed:
the step's command after parameter substitution is split into its simple commands by the shell scanner
the step classifier uses (``warroom.syntax.shell``: at ``|``, ``&&``, ``;``, line ends, ``$(…)``); each
one run by a stand-in (its first word ``kubectl``, ``psql``, ``aws``, ``curl`` or ``blocks``) must equal,
word for word as the shell hands them over, a call of that stand-in which exited 0, outside every step
run, by the end; the others (``grep``, ``jq``, ``head``) are the typist's own business. A command whose
stand-in calls cannot be read off its text is never credited: one with an expansion (``$NS``), a
redirection, a heredoc or a variable set in front, a stand-in named anywhere but in a command's first
word (``xargs kubectl``), or no stand-in call at all. A step that changes things (the runbook's
``mutating``, else the classifier; unclassifiable counts) is credited only if the stand-in's own action
record shows one of its calls acted, never on the typed words alone.

One call is one step's (redteam42 R3: one read credited Triage's step 6 and Recovery's step 22, the check
after putting the provider back "done" 50 drill minutes before it): the steps take the calls in the runbook's
order (``Hands``), each the earliest one not yet taken, so a second step with the same command needs a second
call. A read that checks a change (a step that changes nothing, after one that does in its own section:
``checked_by``) counts only from a call after that change began: typed before it, it is no check of it. A
read-only step whose outcome is more than its calls' exit codes (a checkable ``expect``, or a command the
stand-ins do not answer: ``| grep -wF … && echo "schema is back"``) cannot be judged from the record (it
holds no output): "typed by hand at +34m13s (drill shell), not checked", never counted done (the schema
check was credited from a read that showed the bad schema). A change is judged by the action it recorded.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from warroom.drill.actions import CALLS_FILE
from warroom.drill.directory import STANDINS
from warroom.durations import format_duration
from warroom.errors import WarroomError
from warroom.incident.drill_report.rows import BY_HAND, TYPED, ActionRow
from warroom.syntax.shell import scan

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook, Step

NAMED = re.compile(r"(?<![\w.-])(" + "|".join(STANDINS) + r")(?![\w.-])")      # a stand-in's name as a word

@dataclass(frozen=True)
class Call:
    """One stand-in invocation as ``standins.base.main`` recorded it."""

    at: float                   # unix time it began
    t: float                    # drill seconds it began
    tool: str
    argv: tuple[str, ...]
    code: int                   # its exit code
    tag: str                    # the step run whose process made it ("" typed in a shell)


@dataclass(frozen=True)
class Typed:
    """What was typed in the drill, for ``runbook_path``: every stand-in call, the incident clock's zero
    (drill seconds of the detection; None: no declaration, the wall time is said) and the moment after which
    no call counts (unix: the resolution, else the report's moment), so a finished drill's report never moves."""

    calls: tuple[Call, ...]
    t_zero: float | None
    until: float


def read_calls(drill_dir: Path) -> tuple[Call, ...]:
    """Every recorded call. A line that is no whole record is passed over: this record only ever credits a step,
    so one lost can leave a step "not done" as before it existed, never credit one (unlike ``actions.jsonl``,
    from which the world is rebuilt)."""
    try:
        raw = (drill_dir / CALLS_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ()
    out = []
    for line in raw.splitlines():
        try:
            d = json.loads(line)
            out.append(Call(float(d["ts"]), float(d["t"]), str(d["tool"]), tuple(str(a) for a in d["argv"]),
                            int(d["detail"]["code"]), str(d.get("tag") or "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return tuple(out)


def standin_calls(command: str) -> list[tuple[str, ...]] | None:
    """The stand-in calls ``command`` makes, each as its argv (the tool first); None when they cannot be read
    off the text or it makes none (the module docstring's rule)."""
    read = _read(command)
    return None if read is None else read[0]


def _read(command: str) -> tuple[list[tuple[str, ...]], bool] | None:
    """(``standin_calls``, whether ``command`` runs anything else too: ``grep``, ``jq``, ``echo``)."""
    result = scan(command)
    if not result.complete:
        return None
    out, more = [], False
    for cmd in result.commands:
        words = cmd.words
        if words and words[0].value in STANDINS:
            if cmd.redirects or cmd.heredocs or any(w.has_expansion for w in words):
                return None
            out.append(tuple(w.value for w in words))
        elif any(NAMED.search(w.value) for w in words):
            return None       # `xargs kubectl`, `NS=x kubectl`, `echo $(kubectl …)`, a stand-in in a quoted script
        else:
            more = True
    return (out, more) if out else None


def checked_by(runbook: Runbook, step: Step) -> Step | None:
    """The change ``step`` checks: for a step that changes nothing, the nearest one before it in its own section
    that does (Recovery's "Check FlowEngine's view of the providers" after "Put the provider back"); None."""
    if step.mutating:
        return None
    for sec in runbook.sections:
        if any(s is step for s in sec.steps):
            changes = [s for s in sec.steps if s.number < step.number and s.mutating]
            return changes[-1] if changes else None
    return None


class Credit(NamedTuple):
    state: str              # the path state: ``done by hand at +6m03s (drill shell)``, or ``typed … not checked``
    acted: list[int]        # the indexes of the ``rows`` its calls recorded
    at: float               # unix: when it was typed (a change: when it acted)


class Hands:
    """The calls typed in one drill, taken by its runbooks' steps in their order (one call, one step): ask
    ``credit`` for each step in the runbook's order, the report's runbook before those a GO opened."""

    def __init__(self, typed: Typed) -> None:
        self.typed = typed
        self.taken: set[int] = set()       # indexes of ``typed.calls`` a step has taken

    def credit(self, runbook: Runbook, step: Step, values: Mapping[str, str], rows: Sequence[ActionRow],
               unowned: Sequence[bool], outside_runs: Callable[[float, str], bool],
               after: float = -math.inf) -> Credit | None:
        """The step's credit when it was typed by hand (the module docstring's rule), its calls then taken; else
        None. ``unowned``: per row, whether no step run owns it; ``outside_runs(at, tag)``: whether a call then, of
        that tag, was made outside every run; ``after`` (unix): no call before it counts (the change it checks
        began then; ``math.inf``: never began)."""
        from warroom.execute.safety import classify_mutating
        from warroom.incident.runbook_ref import substitute

        if step.kind != "shell" or not step.command:
            return None
        try:
            command = substitute(step.command, dict(values), kind=step.kind,
                                 declared=tuple(k for k, p in runbook.params.items() if p.declared),
                                 wide=tuple(k for k, p in runbook.params.items() if p.pattern))
        except WarroomError:                # a parameter with no value the report can know: not comparable
            return None
        read = _read(command)
        if read is None:
            return None
        wanted, more = read
        typed = self.typed
        mine: list[int] = []
        for argv in wanted:
            match = [i for i, c in enumerate(typed.calls) if i not in self.taken and i not in mine and c.argv
                     and (c.tool, *c.argv) == argv and c.code == 0 and after <= c.at <= typed.until
                     and outside_runs(c.at, c.tag)]
            if not match:
                return None
            mine.append(min(match, key=lambda i: typed.calls[i].at))
        at, t = max((typed.calls[i].at, typed.calls[i].t) for i in mine)      # when the last of its calls was typed
        acted: list[int] = []
        changes = step.mutating or classify_mutating(command, step.kind) is not False
        if changes:
            acted = [i for i, a in enumerate(rows) if unowned[i] and a.at <= typed.until
                     and tuple(shlex.split(a.command)) in wanted]
            if not acted:
                return None
            at, t = rows[acted[0]].at, rows[acted[0]].t      # when it acted
        self.taken.update(mine)
        if typed.t_zero is None:
            from datetime import UTC, datetime

            when = f"{datetime.fromtimestamp(at, UTC):%H:%M:%S} UTC"
        else:
            clock = t - typed.t_zero
            when = f"{'+' if clock >= 0 else '-'}{format_duration(abs(clock))}"
        if not changes and (more or step.check):    # its outcome is more than exit codes the record holds
            return Credit(f"{TYPED}{when} (drill shell), not checked", acted, at)
        return Credit(f"{BY_HAND}{when} (drill shell)", acted, at)
