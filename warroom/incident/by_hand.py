"""Runbook steps done by hand: a step nobody ran through warroom whose command was typed in the drill
(``warroom drill shell``, which the tool offers for triage), read from the stand-ins' record of every
invocation, read-only ones too (``CALLS_FILE``). Without it the report listed the triage that found the
cause as "not done" (redteam39 F3): the stand-ins recorded only what changed the drill's world.

"The same command" is decided conservatively, so a step is never credited with what was not typed:
the step's command, each parameter a place any value may fill alike wherever it stands (``Shape``: a parameter is
the IC's to choose; the value typed is said with the credit; so is a ``$(…)`` whose output fills one argument,
``_substituted``; the workload a kubectl call names keeps the incident's value, ``_names_object``), is split
into its simple commands by the shell scanner
the step classifier uses (``warroom.syntax.shell``: at ``|``, ``&&``, ``;``, line ends, ``$(…)``); each
one run by a stand-in (its first word ``kubectl``, ``psql``, ``aws``, ``curl`` or ``blocks``) must equal,
word for word as the shell hands them over but for those places (a kubectl call as kubectl reads it: ``spelled``),
a call of that stand-in which exited 0, outside
every step run, by the end; the others (``grep``, ``jq``, ``head``) are the typist's own business. A command whose
stand-in calls cannot be read off its text is never credited: one with another expansion (``$NS``), a
redirection but ``2>/dev/null``, a heredoc or a variable set in front, a stand-in named anywhere but in a command's
first word (``xargs kubectl``; a formatting filter's pattern ``grep -i aws`` runs nothing), or no stand-in call at
all. A step that changes things (the runbook's
``mutating``, else the classifier; unclassifiable counts) is credited only if the stand-in's own action
record shows one of its calls acted (whether or not that moved a curve: a test flow, a Slack post), never on the
typed words alone, and a change of the estate only if what it meant is what the step means (``Meaning``: a
scale-down is no restore, redteam49 F11). The same command typed again, with any value, doing what the step means,
is that step again (``drill_report.path.typed_again``):
one call credits one step, yet "repeat for each task id from triage" is the runbook's.

One call is one step's (redteam42 R3: one read credited Triage's step 6 and Recovery's step 22, the check
after putting the provider back "done" 50 drill minutes before it): the steps take the calls in the runbook's
order (``Hands``), each the earliest one not yet taken (of those typed with the incident's values, if any), so a
second step with the same command needs a second call; a ``set env`` doing several steps' changes at once is each
step's part of it (``share``). A read that checks a change (a step that changes nothing,
after one that does in its own section: ``checked_by``) counts only from a call after that change began: typed
before it, it is no check of it. A read-only step whose outcome is more than its calls' exit codes (a checkable
``expect``, or a command the stand-ins do not answer: ``| grep -wF … && echo "schema is back"``) cannot be judged
from the record (it holds no output): "typed by hand at +34m13s (drill shell), not checked", never counted done (the
schema check was credited from a read that showed the bad schema). A filter that only formats or selects what the read
printed, downstream of it in its one pipeline (``| jq -r '.events[].message'``, ``| grep ERROR | sort | head``:
``_formats``), is no such command: the read is judged from its own record, as without it; a ``grep`` last (its exit
code is the verdict), a ``| sh``, ``| xargs …``, ``| tee f`` or a list (``&&``) still is. A change is judged by the
action it recorded; a step with a verify gate is judged by its gate, which only a run through warroom opens: typed, it
is "not verified", never done (attack42 A18: a routine restart was credited "Restart FlowEngine to load the fixed
schema", whose gate runs out).

Here the rule itself (``Hands``) and what reads it (``typed_steps``, ``steps_done``); its parts, each in the module
named for it: what the drill shell recorded and whose it is (``shell_record``), the stand-in calls a command makes
and each as its tool reads it (``standin_calls``), a step's command with its places (``step_shape``), what a typed
change meant to the world (``typed_meaning``), the parameters as answered at a moment (``param_answers``), and how a
credit is said (``hand_states``). The names the views import are importable from here too (``__all__``).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from warroom.drill.actions import ACTIONS_FILE
from warroom.durations import format_duration
from warroom.errors import WarroomError
from warroom.incident.hand_states import BY_HAND, NOT_VERIFIED, TAKES_TYPING, TYPED, after_run, ended_before, typing_of
from warroom.incident.param_answers import moment_of, param_values
from warroom.incident.shell_record import (Act, Call, NATIVE_KINDS, Recorded, SLACK, Typed, _recorded_by, closed_at,
                                           owner_of, paused_spans, read_calls, recorded, run_windows, shell_unjournaled)
from warroom.incident.standin_calls import spelled, standin_calls
from warroom.incident.step_shape import Shape, _env_keys, _filled, share
from warroom.incident.typed_meaning import Meaning, _operation, overlap, touches

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook, Step

#: its own names, and those of the modules it judges with that the views, the drill report and the tests read
#: from here (one place to ask for a typing's credit and how it is said)
__all__ = ["after_run", "BY_HAND", "Call", "checked_by", "closed_at", "Credit", "Done", "drill_typed", "ended_before",
           "Hands", "HandsDone", "NATIVE_KINDS", "NOT_VERIFIED", "overlap", "owner_of", "param_values",
           "paused_spans", "read_calls", "recorded", "run_windows", "Shape", "shell_unjournaled", "SLACK", "spelled",
           "standin_calls", "steps_done", "StepsDone", "TAKES_TYPING", "touches", "TYPED", "Typed", "typed_steps",
           "typing_of", "when_typed"]


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
    when: str               # that moment as the state says it: ``+6m03s`` on the incident clock, else ``09:22:34 UTC``
    chose: str = ""         # the values typed where the runbook's differ or it has none: ``replicas=5``
    # the rows the same command(s) recorded when typed again (outside every run, by the end): the step's, not outside
    # it, yet not this credit's: each typing is a moment of its own (attack46 X12: an on/off/on read "enabled once")
    again: tuple[int, ...] = ()
    # the step's parameters as this typing filled them (the incident's values, then those typed): the target it acted
    # on, which a lift compares with the gated run's (``relapse``: bringing back another deployment ends nothing)
    values: tuple[tuple[str, str], ...] = ()
    # a change its calls made (a row, or an action that moves no curve), not a read: what a gated step's "typed, not
    # verified" needs to be its fix, typed (``Done.verified``: the gate's "before" is read then, attack51 A7)
    changed: bool = False

    def typed_again(self, rows: Sequence[Act], t_zero: float | None) -> list[tuple[str, float, list[int]]]:
        """Each typing of ``again`` (its rows: one call's, the same moment and command) as (its state, ``typed again
        by hand at +20m00s (drill shell)``; unix when; the rows), in time order: what the PIR's timeline lists beside
        the credit, which is the first typing's alone."""
        calls: dict[tuple[float, str], list[int]] = {}
        for i in sorted(self.again, key=lambda i: rows[i].at):
            calls.setdefault((rows[i].at, rows[i].command), []).append(i)
        return [(f"typed again by hand at {when_typed(at, rows[mine[0]].t, t_zero)} (drill shell)", at, mine)
                for (at, _), mine in calls.items()]


def when_typed(at: float, t: float, t_zero: float | None) -> str:
    """A typed moment as a credit says it: on the incident clock (``+6m03s``; ``t``: drill seconds), else its wall
    time (``09:22:34 UTC``) when there is no declaration (``t_zero`` None)."""
    if t_zero is None:
        return f"{datetime.fromtimestamp(at, UTC):%H:%M:%S} UTC"
    clock = t - t_zero
    return f"{'+' if clock >= 0 else '-'}{format_duration(abs(clock))}"


class Hands:
    """The calls typed in one drill, taken by its runbooks' steps in their order (one call, one step): ask
    ``credit`` for each step in the runbook's order, the report's runbook before those a GO opened."""

    def __init__(self, typed: Typed) -> None:
        self.typed = typed
        self.taken: set[int] = set()       # indexes of ``typed.calls`` a step has taken
        self.shared: dict[int, set[str]] = {}       # of a call several steps share (``share``): the env keys taken
        self.credited: dict[tuple[str, str], Credit] = {}      # every credit ``steps`` gave, by (runbook id, step id)
        self.meaning: Meaning | None = None                    # read from ``typed.world`` when first asked
        self._envs: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str, ...]]] = {}     # ``_env_steps``

    def credit(self, runbook: Runbook, step: Step, values: Mapping[str, str], rows: Sequence[Act],
               unowned: Sequence[bool], outside_runs: Callable[[float, str], bool],
               after: float = -math.inf, before: float = math.inf, first: float | None = -math.inf,
               done: Sequence[tuple[float, float]] = ()) -> Credit | None:
        """The step's credit when it was typed by hand (the module docstring's rule), its calls then taken; else
        None. ``unowned``: per row, whether no step run owns it; ``outside_runs(at, tag)``: whether a call then, of
        that tag, was made outside every run; ``after`` (unix): no call before it counts (the change it checks
        began then; ``math.inf``: never began); ``before`` (unix): none after it (its runbook was closed then: a
        closed runbook takes no more credit, as it takes no tick, attack47 Y10); ``first`` (unix): the response's first
        change (``validation.first_change``; None: none yet), before which a Validation step validates nothing;
        ``done``: the spans (unix, from, until) in which the step's checklist showed it done by its own record
        (``done_spans``), whose calls are not its, whatever its record says later."""
        from warroom.execute.safety import classify_mutating
        from warroom.incident import validation

        if step.kind != "shell" or not step.command:
            return None
        shape = Shape.of(runbook, step)
        if shape is None:
            return None
        wanted, more = shape.calls
        typed = self.typed
        until = min(typed.until, before)

        def counts(at: float) -> bool:
            return at <= until and typed.counts(at)

        def free(at: float) -> bool:        # not typed while the checklist showed the step done
            return not any(lo <= at < hi for lo, hi in done)
        mine: list[int] = []
        bound: dict[str, str] = {}          # the parameters' values as typed: one value each, in every call
        parts: dict[int, tuple[str, ...]] = {}      # a call several steps share: this step's part of it (``share``)
        for argv in wanted:
            # each call judged by the answers given before it was typed (``Answers.at``): nothing journaled later
            # (a dry run, a run, its end) re-judges a typing (attack55 F5)
            match = [(i, got, part, then) for i, c in enumerate(typed.calls) if i not in self.taken and i not in mine
                     and c.argv and c.code == 0 and after <= c.at and counts(c.at) and free(c.at)
                     and outside_runs(c.at, c.tag)
                     for then in (moment_of(values, c.at),)
                     for part in self._readings(runbook, shape, argv, c, then, self.shared.get(i, set()))
                     if (got := self._match(shape, argv, c if part is None else replace(c, argv=part[1:]), bound,
                                            then)) is not None
                     and self.means(runbook, step, shape, argv, i, {**got, **then}, part)]
            if not match:
                return None
            # the earliest typed with the incident's own values (redteam45 R10: DISABLE_PROVIDERS=openai, the healthy
            # provider, typed first took step 9 from the call that took the failed one out); else the earliest
            i, got, part, _ = min(match, key=lambda m: (any(m[3].get(k, v) != v for k, v in m[1].items()),
                                                        typed.calls[m[0]].at))
            mine.append(i)
            bound = got
            if part is not None:
                parts[i] = part
        at, t = max((typed.calls[i].at, typed.calls[i].t) for i in mine)      # when the last of its calls was typed
        values = moment_of(values, at)          # the answers it is judged by, said with its credit
        acted: list[int] = []
        again: tuple[int, ...] = ()
        changes = step.mutating or classify_mutating(shape.command, step.kind) is not False
        if changes:
            made = {(typed.calls[i].tool, *typed.calls[i].argv) for i in mine}
            acted = [i for i, a in enumerate(rows) if unowned[i] and counts(a.at)
                     and tuple(shlex.split(a.command)) in made]
            if acted:
                # this typing's own rows (each of its calls' up to the next typing of that call), else, when none is
                # (a record stamped before its call), every one as before; the rest are the same command typed again
                own = [i for i in acted if any(_recorded_by(typed.calls, k, rows[i]) for k in mine)] or acted
                # the rest, each typed again only where it fits the step there and then (``fits``: a scale to 5
                # before any halt is no "Bring FlowEngine back" again, attack50 A1), else left outside
                acted, again = own, tuple(i for i in acted if i not in own and self._again(runbook, step, shape,
                                                                                          values, rows[i]))
                if parts:       # of a call several steps share, the rows of what this step's part meant (one row
                    meant = self._part_meant(mine, parts)       # for the whole command: the steps share it)
                    acted = [i for i in acted if rows[i].action not in meant[1] or rows[i].action in meant[0]] or acted
                at, t = rows[acted[0]].at, rows[acted[0]].t      # when it acted
            else:       # an action no row holds (it moves no curve: a test flow, a Slack post), the same rule
                done = [a for a in typed.acts if outside_runs(a.at, a.tag) and counts(a.at)
                        and tuple(shlex.split(a.command)) in made]
                own = [a for a in done if any(_recorded_by(typed.calls, k, a) for k in mine)] or done
                if not own:
                    return None
                at, t = own[0].at, own[0].t
        self.taken.update(i for i in mine if i not in parts)
        for i, part in parts.items():
            self.shared.setdefault(i, set()).update(_env_keys(part))
        # the values typed where the runbook's differ or it has none: what the IC chose, said with the credit
        chose = shape.chose(bound, values)
        filled = tuple(sorted((k, v) for k, v in {**values, **bound}.items() if k in shape.names))
        where = f"(drill shell{f', with {chose}' if chose else ''})"
        when = when_typed(at, t, typed.t_zero)
        if not changes and validation.too_early(step, at, first):     # before anything changed (redteam48 F3)
            return Credit(f"{TYPED}{when} {where}, {validation.EARLY}", acted, at, when, chose, values=filled)
        if not changes and (more or step.check):    # its outcome is more than exit codes the record holds
            return Credit(f"{TYPED}{when} {where}, not checked", acted, at, when, chose, values=filled)
        if step.verify:     # a fix judged by its metrics: typed, its gate never opened (attack42 A18)
            return Credit(f"{TYPED}{when} {where}, {NOT_VERIFIED}", acted, at, when, chose, again, filled, changes)
        return Credit(f"{BY_HAND}{when} {where}", acted, at, when, chose, again, filled, changes)

    def _match(self, shape: Shape, wanted: tuple[str, ...], call: Call, bound: Mapping[str, str],
               values: Mapping[str, str]) -> dict[str, str] | None:
        """``Shape.match`` of ``call``, else of the operation it made as the stand-in took it: a ``rollout undo``
        with no revision went to the one before the current (``cluster.undo_target``), ``--to-revision`` of it
        (attack50 A8: the plain undo from rev 7 to 6 was no "Roll FlowEngine back to revision 6")."""
        got = shape.match(wanted, (call.tool, *call.argv), bound, values)
        if got is not None or self.typed.world is None:
            return got
        said = spelled((call.tool, *call.argv))
        if said[1:3] == ("set", "env"):
            if self.meaning is None:
                self.meaning = Meaning(*self.typed.world, self.typed.calls)
            kept = self.meaning.kept(call, said, spelled(wanted))
            return None if kept is None else shape.match(wanted, kept, bound, values)
        if said[:3] != ("kubectl", "rollout", "undo") or any(w.startswith("--to_revision=") for w in said):
            return None
        if self.meaning is None:
            self.meaning = Meaning(*self.typed.world, self.typed.calls)
        went = self.meaning.went_to(call, said)
        return None if went is None else shape.match(wanted, (*said, f"--to-revision={went}"), bound, values)

    def means(self, runbook: Runbook, step: Step, shape: Shape, wanted: tuple[str, ...], k: int,
              values: Mapping[str, str], part: tuple[str, ...] | None = None) -> bool:
        """Whether call ``k`` (typed as ``wanted``, one of the step's calls, with ``values``: the incident's, then those
        typed) did what the step means to the drill's world (``Meaning``): a change a stand-in records is judged by
        what it meant (``flowengine_start``, ``scale_down``, …), not by its words, which a value fills (redteam49 F11:
        ``scale --replicas=4`` while FlowEngine ran 5 was "Bring FlowEngine back"). True without the drill's world
        (``Typed.world``), or for a call whose operation is no change of the estate (a retry, a page, an aws call: its
        record's kind is its words' own)."""
        if self.typed.world is None:
            return True
        if self.meaning is None:
            self.meaning = Meaning(*self.typed.world, self.typed.calls)
        return self.meaning.does(runbook, step, shape, wanted, self.typed.calls[k], values, part)

    def _readings(self, runbook: Runbook, shape: Shape, wanted: tuple[str, ...], call: Call,
                  values: Mapping[str, str], taken: set[str]) -> list[tuple[str, ...] | None]:
        """How ``call`` may be read as the step's call ``wanted``: whole (None), unless another step took part of
        it, and as its part for the step (``share``) when it does several steps' changes at once."""
        part = share(shape, wanted, (call.tool, *call.argv), values, self._env_steps(runbook, values)) \
            if "env" in call.argv and "env" in wanted else None
        return [*([None] if not taken else []), *([part] if part is not None and not taken & _env_keys(part) else [])]

    def _env_steps(self, runbook: Runbook, values: Mapping[str, str]) -> list[tuple[str, ...]]:
        """Every ``set env`` call of ``runbook``'s steps, filled with ``values`` and spelled (``share`` reads them)."""
        key = (runbook.id, tuple(sorted(values.items())))
        if (hit := self._envs.get(key)) is None:
            hit = self._envs[key] = [spelled(f) for st in runbook.steps if st.kind == "shell" and st.command
                                     and (sh := Shape.of(runbook, st)) is not None for w in sh.calls[0]
                                     if (f := _filled(w, sh, values)) is not None and spelled(f)[1:3] == ("set", "env")]
        return hit

    def _part_meant(self, mine: Sequence[int], parts: Mapping[int, tuple[str, ...]]) -> tuple[set[str], set[str]]:
        """(what the parts of shared calls in ``mine`` meant, what their whole calls meant): the rows a part takes."""
        if self.meaning is None and self.typed.world is not None:
            self.meaning = Meaning(*self.typed.world, self.typed.calls)
        own: set[str] = set()
        whole: set[str] = set()
        for i, part in parts.items():
            if self.meaning is not None:
                own |= set(self.meaning.part_meant(self.typed.calls[i], part) or ())
                whole |= {a.action for a in self.meaning._own(self.typed.calls[i]) if "via" in a.detail}
        return own, whole

    def _again(self, runbook: Runbook, step: Step, shape: Shape, values: Mapping[str, str], row: Act) -> bool:
        """Whether ``row`` (the step's command typed at another moment) ``fits`` the step, by one of its calls, with
        the answers given by then (``Answers.at``)."""
        argv = tuple(shlex.split(row.command))
        values = moment_of(values, row.at)
        return any((got := shape.match(w, argv, {}, values)) is not None
                   and self.fits(runbook, step, shape, w, {**got, **values}, row.action, row) for w in shape.calls[0])

    def fits(self, runbook: Runbook, step: Step, shape: Shape, wanted: tuple[str, ...], values: Mapping[str, str],
             kind: str, row: Act | None = None) -> bool:
        """Whether a row of ``kind`` (an ``ActionRow.action``) its call ``wanted`` made may be the step's, typed again
        (``drill_report.path.typed_again``): a meaning the step's command does not mean on the runbook's path
        (``Meaning``) is not (a scale-down after the restore is no "Bring FlowEngine back" again); an operation's own
        row (a change that meant nothing) by its words, as before (another pilot repository typed: the IC's value),
        but one that changed nothing only while what the step means holds at ``row``'s moment (``Meaning.holds``: a
        scale to 5 while FlowEngine ran 5, never halted, is no "Bring FlowEngine back", attack50 A1); a restart row
        the report weighs for any rollout (``actions.RESTARTS``: an env change's rollout too) by its words."""
        from warroom.drill.cluster import OPERATIONS

        if self.typed.world is None or kind in ("restart", "audit_restart") or kind in OPERATIONS and row is None:
            return True
        if self.meaning is None:
            self.meaning = Meaning(*self.typed.world, self.typed.calls)
        meant = self.meaning.meant(runbook, step, shape, wanted, values)
        if meant is None or kind not in OPERATIONS:
            return meant is None or kind in meant
        argv = _filled(wanted, shape, values)
        step_op = None if argv is None else _operation(argv)
        return step_op is None or not meant or self.meaning.changed(row) or \
            self.meaning.holds(step_op, meant, row.at, row.t)

    def acts(self, runbook: Runbook, step: Step, values: Mapping[str, str], rows: Sequence[Act],
             windows: Mapping[tuple[str, str], Sequence[tuple[float, float, str]]]) -> list[float]:
        """Every moment (unix) ``step``'s command was typed in the drill shell, outside every run, and did what a
        credit needs, whichever step's credit took those calls or whether a run took the step: what a NO-GO on the
        step weighs (attack44 A24: FlowEngine brought back by hand 6 s after a NO-GO was said against nothing once a
        later run of the step held it, "one call, one step" giving the typed act no credit)."""
        return sorted({c.at for c in self.typings(runbook, step, values, rows, windows)})

    def typings(self, runbook: Runbook, step: Step, values: Mapping[str, str], rows: Sequence[Act],
                windows: Mapping[tuple[str, str], Sequence[tuple[float, float, str]]]) -> list[Credit]:
        """Each typing of ``step`` that ``acts`` counts, as its credit (the rows its calls recorded, the values
        typed): those rows are that step's, wherever the report says them (redteam46 R12: a restore typed under a
        NO-GO was "Step 29 … typed by hand" and "done outside the runbook's steps", one call told twice)."""
        unowned = [owner_of(a.at, a.tag, windows) is None for a in rows]
        fresh, out = Hands(self.typed), []
        for _ in self.typed.calls:          # each round takes the calls of one more typing, or ends
            hand = fresh.credit(runbook, step, values, rows, unowned,
                                lambda at, tag: owner_of(at, tag, windows) is None)
            if hand is None:
                break
            out.append(hand)
        return out

    def steps(self, runbook: Runbook, pending: Callable[[str], bool], values: Mapping[str, str],
              rows: Sequence[Act], windows: Mapping[tuple[str, str], Sequence[tuple[float, float, str]]],
              before: float = math.inf, state: Any = None) -> dict[str, Credit]:
        """The credit of each step of ``runbook`` typed by hand (by step id), asked in the runbook's order: a
        step still ``pending`` (never begun through warroom); ``windows``: every step run (``run_windows``),
        whose actions are theirs, and the moment each step began, which a check counts from; ``before`` (unix):
        when the runbook was closed (``closed_at``), after which nothing typed is its. ``state``: the incident's,
        whose first change (``validation.first_change``, with the world's first recorded change) a Validation step
        typed before validates nothing: a typing after it is credited first, else the early one is said so."""
        return self._steps(runbook, {st.id: before for sec in runbook.sections for st in sec.steps if pending(st.id)},
                           values, rows, windows, state)

    def before_runs(self, runbook: Runbook, runs: Mapping[str, float], values: Mapping[str, str], rows: Sequence[Act],
                    windows: Mapping[tuple[str, str], Sequence[tuple[float, float, str]]], before: float = math.inf,
                    state: Any = None) -> dict[str, Credit]:
        """The credit of each step of ``runbook`` the checklist shows by its own record (``runs``: step id -> when it
        was first done through warroom, unix: its first ok run's end as journaled, ``StepRun.known_at``; inf while
        none ended ok) that was typed by hand before then, from the calls ``steps`` left (asked after it, so no credit
        the checklist draws moves): the typed fix a run through warroom then repeated (attack51 A7, A8), or one still
        running. The checklist shows such a step by its record; a gate's "before" and a containment's lift read the
        typed moment."""
        return self._steps(runbook, {sid: min(before, at) for sid, at in runs.items()}, values, rows, windows, state)

    def _steps(self, runbook: Runbook, asked: Mapping[str, float], values: Mapping[str, str], rows: Sequence[Act],
               windows: Mapping[tuple[str, str], Sequence[tuple[float, float, str]]], state: Any) -> dict[str, Credit]:
        """``steps``' rule for the steps ``asked`` (step id -> the moment after which nothing typed is its)."""
        from warroom.incident import validation

        unowned = [owner_of(a.at, a.tag, windows) is None for a in rows]
        began = {key[1]: min(lo for lo, _, _ in spans) for key, spans in windows.items() if key[0] == runbook.id}
        records = getattr(state, "steps", None) or {}
        first = validation.first_change(state, (a.at for a in rows)) if state is not None else -math.inf
        typed: dict[str, float] = {}        # a change the checklist shows by its record: when first typed
        out: dict[str, Credit] = {}
        for st in (st for sec in runbook.sections for st in sec.steps):
            if st.id not in asked:
                continue
            before = asked[st.id]
            checks = checked_by(runbook, st)
            if checks is not None and checks.id not in asked and checks.id not in typed:
                # typed before its run (or skip), the change began when typed: a check typed between them stays a
                # check once the run is journaled (stop 56: it went "pending", re-judged by a later run)
                typed[checks.id] = min(self.acts(runbook, checks, values, rows, windows), default=math.inf)
            after = -math.inf if checks is None else min(began.get(checks.id, math.inf),
                                                           typed.get(checks.id, math.inf))
            hand = None
            done = done_spans(records.get((runbook.id, st.id)))
            if validation.validates(st) and first is not None and first > after:    # a typing after the fix first
                hand = self.credit(runbook, st, values, rows, unowned,
                                   lambda at, tag: owner_of(at, tag, windows) is None, after=first, before=before,
                                   done=done)
            hand = hand or self.credit(runbook, st, values, rows, unowned,
                                       lambda at, tag: owner_of(at, tag, windows) is None, after=after,
                                       before=before, first=first, done=done)
            if hand is not None:
                out[st.id] = self.credited[(runbook.id, st.id)] = hand
                began.setdefault(st.id, hand.at)
        return out


def done_spans(record: Any) -> tuple[tuple[float, float], ...]:
    """The spans (unix, from, until) in which a step's checklist row showed it done by its own record: from the end
    of a run whose state takes no typing (``run_state`` not in ``TAKES_TYPING``: an ok run), as journaled
    (``StepRun.known_at``: an end journaled late showed running until its line, attack56 A6), to the start of the next
    run (inf: none). A call typed then is no typing of the step, whatever its record says later: RB-CORE-004's step 6
    "Ask FlowEngine how it sees each provider", run ok, took the check typed for step 22 "Check FlowEngine's view of
    the providers" once a later re-run of step 6 failed, the credit given taken away and step 6 said "done by hand"
    at a moment it showed ✔ (attack56 A2). A typing is given to a step by what the checklist showed when it was
    typed. ``record``: a ``StepState``, None for a step nobody ran."""
    from warroom.incident.marks import run_state

    runs = sorted(getattr(record, "runs", None) or (), key=lambda r: r.started_at)
    return tuple((run.known_at.timestamp(), nxt.started_at.timestamp() if nxt is not None else math.inf)
                 for run, nxt in zip(runs, [*runs[1:], None][:len(runs)], strict=True)
                 if run.known_at is not None and run.status != "running" and run_state(run) not in TAKES_TYPING)


def typed_steps(drill: Any, state: Any, runbooks: Iterable[Runbook], at: datetime) -> dict[tuple[str, str], Credit]:
    """The steps of ``runbooks`` (in that order: the incident's first) typed by hand in ``drill``'s shell by
    ``at`` (by the resolution, once resolved: the report's ``until``), by (runbook id, step id): the drill report's
    rule, for what the Go/No-Go says of a step it counts (redteam42 R1: "none of its steps has run yet" beside a report
    crediting one) and for every view that counts a runbook's steps (``progress.of_runbook``'s ``typed``: attack47
    Y4, the report's path "3 of 40 steps done" beside ``incident show``'s 2). A step never begun through warroom (its
    checklist state ``pending``, the path's rule); a runbook closed takes nothing typed after its close
    (``closed_at``). Read from the stand-ins' records alone; empty when nothing was typed there."""
    return _typed(drill, state, runbooks, at)[0]


def _typed(drill: Any, state: Any, runbooks: Iterable[Runbook], at: datetime, before_runs: bool = False
           ) -> tuple[dict[tuple[str, str], Credit], tuple[Recorded, ...], tuple[Any, ...]]:
    """``typed_steps``, the rows its credits' indexes (``acted``, ``again``) name and the recorded actions they are
    (one each, in order); ``before_runs``: with the steps begun through warroom typed before their first run, from
    the calls left (``Hands.before_runs``)."""
    from warroom.incident.marks import checklist_state

    calls = read_calls(drill.path)
    if not any(c.tag == "" and c.code == 0 for c in calls):
        return {}, (), ()
    acts = tuple(drill.actions())
    rows = recorded(drill.path, acts)
    phases = getattr(state, "phases", None) or {}
    detected = phases.get("detected")      # the incident clock's zero, as the report's
    until = min(at, phases.get("resolved") or at).timestamp()
    hands = Hands(Typed(calls, None if detected is None else drill.scenario_time(detected.timestamp()), until,
                        paused=paused_spans(state), world=(drill.scenario, acts)))
    windows = run_windows(state)
    steps = getattr(state, "steps", None) or {}
    out: dict[tuple[str, str], Credit] = {}
    books = list(runbooks)
    for book in books:
        out |= {(book.id, sid): c for sid, c in hands.steps(
            book, lambda sid, b=book.id: checklist_state(steps.get((b, sid)), None) in TAKES_TYPING,
            param_values(book, state), rows, windows, before=closed_at(state, book.id), state=state).items()}
    for book in books if before_runs else ():
        # every step the checklist shows by its own record (its run ok or still running, skipped, ticked: the
        # checklist's rule above did not ask it), typed by hand before it was first done through warroom (its first
        # ok run's end; none yet: any time). A failed run before that acted on nothing, and the fix typed after it,
        # then run again, was credited nowhere (attack52 F4, F5: the gate held before, a no-op run's lift); a run
        # started after the typing, while it runs, or a skip after it, is no reason the typing did not happen
        # (stop 56: the restore typed, then run through warroom: the halt's lift was gone, RELAPSED, while it ran)
        runs = {sid: min((r.known_at.timestamp() for r in st.runs if r.status == "ok" and r.known_at is not None),
                         default=math.inf)
                for (rb, sid), st in steps.items() if rb == book.id and (rb, sid) not in out
                and checklist_state(st, None) not in TAKES_TYPING}
        out |= {(book.id, sid): c for sid, c in hands.before_runs(
            book, runs, param_values(book, state), rows, windows, before=closed_at(state, book.id),
            state=state).items()}
    return out, rows, acts


class Done(NamedTuple):
    """A step done by hand, as a containment's lift reads it (``relapse``): the credit the checklist draws; or a gated
    fix typed by hand, not verified (``verified`` False), as a gate's "before" reads it (``HandsDone.typed``)."""

    at: float                       # unix: when it acted (each typing of it, the first the credit's)
    step: str                       # ``step 30 (Bring FlowEngine back, done by hand)``
    values: Mapping[str, str]       # its parameters as typed there (``Credit.values``)
    verified: bool = True           # False: typed, not verified (its gate opens when the step runs in warroom)
    # unix: when something recorded since first undid what this typing made (``Reversals.typing_undone``), inf while
    # it stands: a gate's "before" is read at a typed moment only while it stood at the run (attack52 F1). Read for a
    # gated fix's typing (``verified`` False) alone: a lift reads each moment a step was done (``gate_reading._lift``)
    until: float = math.inf


#: ``steps_done``'s answer: each step's typings, by (runbook id, step id)
StepsDone = dict[tuple[str, str], tuple[Done, ...]]


def steps_done(drill: Any, state: Any, runbooks: Iterable[Runbook], at: datetime,
               until: Callable[[Sequence[Any], Sequence[Any]], float] | None = None
               ) -> dict[tuple[str, str], tuple[Done, ...]]:
    """The steps ``typed_steps`` credits done by hand (``BY_HAND``; "typed …, not checked" is not done), by
    (runbook id, step id), each with every moment it was typed and did what it means: the credit's and each typing
    again (``Credit.typed_again``: the same command, fitting the step there and then). With them, a gated change
    typed by hand (``NOT_VERIFIED``: ``Done.verified`` False), and both kinds for a step begun through warroom after
    it was typed (``Hands.before_runs``: the checklist shows its run, but the typing came first; attack51 A7, A8).
    ``until(own, actions)``: when something recorded since first undid a typing (``own``: the actions its calls
    recorded, among every recorded one), each gated typing's ``Done.until`` (``reversals.typed_until``, passed in by
    the session: the decisions' reader sits above this module); None: not read, every typing stands."""
    books = list(runbooks)
    credits, rows, acts = _typed(drill, state, books, at, before_runs=True)
    out: dict[tuple[str, str], tuple[Done, ...]] = {}
    for (rb_id, sid), c in credits.items():
        book = next((b for b in books if b.id == rb_id), None)
        st = book.step(sid) if book is not None else None
        done = c.state.startswith(BY_HAND)
        if st is None or not done and not (c.changed and c.state.endswith(NOT_VERIFIED)):
            continue
        said = f"step {st.number} ({st.label + ', ' if st.label else ''}{'done' if done else 'typed'} by hand)"
        typings = {c.at: c.acted, **{when: mine for _, when, mine in c.typed_again(rows, None)}}
        out[(rb_id, sid)] = tuple(
            Done(when, said, dict(c.values), done, math.inf if done or until is None
                 else until([acts[i] for i in typings[when]], acts)) for when in sorted(typings))
    return out


class HandsDone:
    """``IncidentState.hands`` of a drill incident: ``steps_done`` of its drill, asked by the state (a lift that no
    run journaled, ``relapse``). Read again only when the journal or the drill shell's record moved (the journal's last
    seq, the size of ``calls.jsonl``); a copy of the state shares it (``deepcopy`` keeps this one)."""

    def __init__(self, steps: Callable[[Any], dict[tuple[str, str], tuple[Done, ...]]], calls: Path,
                 back: Callable[[datetime], datetime | None] | None = None) -> None:
        self._steps, self._calls, self._back = steps, calls, back
        self._memo: tuple[tuple[Any, ...], StepsDone, StepsDone] | None = None
        self._backs: dict[tuple[datetime, int], datetime | None] = {}

    def back(self, lift: datetime) -> datetime | None:
        """When the drill's world took work again after a lift at ``lift`` (FlowEngine admitting flows: its first pod
        ready after the restore), ``lift`` itself when it took work then; None when it has not, or nothing tells
        (``relapse``: a lift's grace counts from here, redteam51 R3). Read again only when the world's record moved
        (the size of ``actions.jsonl``, beside ``calls.jsonl``)."""
        if self._back is None:
            return lift
        try:
            size = (self._calls.parent / ACTIONS_FILE).stat().st_size
        except OSError:
            size = -1
        if (lift, size) not in self._backs:
            if len(self._backs) > 64:
                self._backs.clear()
            self._backs[(lift, size)] = self._back(lift)
        return self._backs[(lift, size)]

    def __deepcopy__(self, memo: dict[int, Any]) -> HandsDone:
        return self

    def __call__(self, state: Any) -> dict[tuple[str, str], tuple[Done, ...]]:
        """The steps done by hand (``Done.verified``): what a containment's lift reads."""
        return self._read(state)[1]

    def typed(self, state: Any) -> dict[tuple[str, str], tuple[Done, ...]]:
        """Every step whose action was typed by hand and credited, done or a gated fix typed but not verified (its gate
        is judged only by a run through warroom): when the step's action first took effect, which a gate opened by
        that run reads its "before" at (``gate_evidence.before_at``, attack51 A7)."""
        return self._read(state)[0]

    def _read(self, state: Any) -> tuple[StepsDone, StepsDone]:
        """(every credit ``steps_done`` gives, those done), read again only when the journal or the record moved."""
        try:
            size = self._calls.stat().st_size
        except OSError:
            size = -1
        key = (state.last_seq, size)
        memo = self._memo
        if memo is None or memo[0] != key:
            read = self._steps(state)
            done = {k: kept for k, ds in read.items() if (kept := tuple(d for d in ds if d.verified))}
            memo = self._memo = (key, read, done)
        return memo[1], memo[2]


def drill_typed(state: Any, opener: Callable[[], Any] | None, runbooks: Iterable[Runbook | None], now: datetime,
                read: Callable[..., dict[tuple[str, str], Any]] | None = None) -> dict[tuple[str, str], Any]:
    """``typed_steps`` of a drill incident's drill (``opener``: ``Incident.open_drill``), for a view that has the
    incident but not its drill: {} for an incident that is no drill, a replay, or one whose drill shell holds no
    typed call (the drill is then not opened), or whose drill cannot be read (its steps are then counted as the
    journal has them, as before the drill shell was read). ``read``: another reading of it (``steps_done``)."""
    info = getattr(state, "drill", None) or {}
    if not info.get("dir") or info.get("replay") or opener is None:
        return {}
    try:
        # a second responder's seat may not read the drill the first one made (another user's files: ci47b's
        # two-terminal drill, `incident show` died on calls.jsonl's PermissionError): counted as the journal has it
        if not any(c.tag == "" and c.code == 0 for c in read_calls(Path(info["dir"]))):
            return {}
        return (read or typed_steps)(opener(), state, [rb for rb in runbooks if rb is not None], now)
    except (WarroomError, OSError):
        return {}
