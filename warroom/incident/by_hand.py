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
``expect``, or a command the stand-ins do not answer: ``| grep -wF … && echo "schema is back"``) cannot be judged from the record (it
holds no output): "typed by hand at +34m13s (drill shell), not checked", never counted done (the schema
check was credited from a read that showed the bad schema). A filter that only formats or selects what the read printed,
downstream of it in its one pipeline (``| jq -r '.events[].message'``, ``| grep ERROR | sort | head``: ``_formats``),
is no such command: the read is judged from its own record, as without it; a ``grep`` last (its exit code is the
verdict), a ``| sh``, ``| xargs …``, ``| tee f`` or a list (``&&``) still is. A change is judged by the action it
recorded; a step with a verify gate is judged by its gate, which only a run through warroom opens: typed, it is "not verified", never
done (attack42 A18: a routine restart was credited "Restart FlowEngine to load the fixed schema", whose gate runs out).
"""

from __future__ import annotations

import functools
import json
import math
import re
import shlex
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from warroom.drill.actions import ACTIONS_FILE, CALLS_FILE
from warroom.drill import STANDINS
from warroom.durations import format_duration
from warroom.errors import WarroomError
from warroom.incident.formatting import FILTERS
from warroom.syntax.shell import scan

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook, Step

NAMED = re.compile(r"(?<![\w.-])(" + "|".join(STANDINS) + r")(?![\w.-])")      # a stand-in's name as a word
BY_HAND = "done by hand at "      # a path state that starts so: the step was typed in the drill shell
TYPED = "typed by hand at "       # … its calls typed there, but what it checks cannot be judged: not done
#: how the credit of a gated change typed by hand ends: it acted, but only its gate, opened by a run through warroom,
#: judges it (attack42 A18)
NOT_VERIFIED = "not verified: its gate opens when the step runs in warroom"
#: the checklist states (``marks.checklist_state``) in which a step takes the credit of its command typed in the drill
#: shell, as one never begun through warroom does: ``pending``, and every way a run through warroom ends without doing
#: the step: ``failed`` (attack52 F5: after a failed run of the restore, the restore typed by hand was credited
#: nowhere, neither on the checklist nor as the containment's lift, until the next run through warroom), ``timed_out``,
#: ``interrupted``, ``cancelled``, ``refused``, ``dry_run`` (attack53 A3: the same false relapse after each). A run that
#: timed out or was interrupted may have acted in part: that is the run's, in the record; what is credited here is the
#: typed command, which did act. The run stays as it ended in the record (the journal, the timeline, the PIR's
#: commands); its row shows the typing "done by hand", never the ✔ of a run. The calls of the run's own process stay
#: the run's (``owner_of``). A step the commander skipped, ticked or said not needed keeps the commander's word.
TAKES_TYPING = frozenset({"pending", "failed", "timed_out", "interrupted", "cancelled", "refused", "dry_run"})
#: where a runbook path's state (the drill report's) says, after the typing's credit, how the step's own run through
#: warroom ended (before or after the typing), when it had one that did not do it (``TAKES_TYPING`` but ``pending``):
#: the path tells both (attack53 A6: "[done by hand at +5m00s …] Bring FlowEngine back", no word of the failed run the
#: journal, timeline and PIR keep). The credit is what precedes it (``typing_of``): what the checklist and the PIR say
#: the typing was.
AFTER_RUN = " — its run through warroom: "


def after_run(credit: str, ended: str, run: Any) -> str:
    """A runbook path's state for a step whose command was typed by hand (``credit``, the typing's) after its run
    through warroom ended without doing it (``ended``: its checklist state, one of ``TAKES_TYPING`` but ``pending``;
    ``run``: that run, None for a refusal, which ran nothing): ``done by hand at +5m00s (drill shell) — its run
    through warroom: failed (exit 1) at 14:05:50 UTC``. The typing may have come before the run (their moments say
    which): the words claim no order."""
    from warroom.incident.marks import state_word

    code = f" (exit {run.exit_code})" if run is not None and getattr(run, "exit_code", None) is not None else ""
    at = f" at {run.started_at:%H:%M:%S} UTC" if run is not None and getattr(run, "started_at", None) else ""
    return f"{credit}{AFTER_RUN}{state_word(ended)}{code}{at}"


def typing_of(state: str) -> str:
    """The typing's credit of a runbook path's state (``after_run``'s ``credit``; any other state as it is)."""
    return state.partition(AFTER_RUN)[0]


def ended_before(state: str) -> str | None:
    """The checklist state of the run through warroom a path's state says ended before the typing (``after_run``),
    else None."""
    from warroom.incident.marks import state_word

    _, said, rest = state.partition(AFTER_RUN)
    return next((k for k in sorted(TAKES_TYPING - {"pending"}) if rest.startswith(state_word(k))), None) \
        if said else None


SLACK = 0.5      # seconds: an action is stamped by the stand-in's process, a run by the journal's
K = TypeVar("K", bound=Hashable)


class Act(Protocol):
    """An action a stand-in recorded, as the drill report's rows hold it (``drill_report.rows.ActionRow``)."""

    @property
    def at(self) -> float: ...       # unix time
    @property
    def t(self) -> float: ...        # drill seconds
    @property
    def command(self) -> str: ...    # the command line (``shlex.join``)
    @property
    def tag(self) -> str: ...        # the step run whose process recorded it ("" typed in a shell)
    @property
    def action(self) -> str: ...     # its kind: an operation (``scale_to``) or what one meant (``flowengine_start``)


def owner_of(at: float, tag: str, windows: Mapping[K, Sequence[tuple[float, float, str]]]) -> K | None:
    """The run (windows: start, end: unix, and its ``tag``) an action recorded at ``at`` by a process
    of the run tagged ``tag`` belongs to. A tagged action is that run's, exactly; an untagged one
    was done outside every tagged run (a shell, another tool): never theirs, however close in time
    (a command typed the moment a step ended was credited to the step). Untagged runs (journaled
    without one) keep the time rule: the window that holds it, else the nearest within ``SLACK``
    (the two clocks' stamps); one owner, so a step started right after another is never given the
    other's action too; None when none is near."""
    best: tuple[float, K] | None = None
    for key, spans in windows.items():
        for lo, hi, run_tag in spans:
            if tag or run_tag:
                if tag == run_tag:
                    return key
                continue
            d = 0.0 if lo <= at <= hi else min(abs(at - lo), abs(at - hi))
            if d <= SLACK and (best is None or d < best[0]):
                best = (d, key)
    return None if best is None else best[1]


def run_windows(state: Any) -> dict[tuple[str, str], list[tuple[float, float, str]]]:
    """Each step's runs as (start, end: unix, inf while running, its tag), by (runbook id, step id): a read-only
    seat's too (``observed``), whose calls are its run's, never typed by hand in the drill shell."""
    windows: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
    for key, st in (state.steps.items() if state is not None else ()):
        for run in (*st.runs, *st.observed):
            end = run.ended_at.timestamp() if run.ended_at is not None else math.inf
            windows.setdefault(key, []).append((run.started_at.timestamp(), end, run.tag or _in_process(run)))
    return windows


#: the tag of a run made in warroom's own process (a PromQL read): no action carries it
IN_PROCESS = "in-process"
#: the step kinds run in warroom's own process (``StepRunning.NATIVE_KINDS``; not imported: it imports this)
NATIVE_KINDS = ("promql", "k8s")


def _in_process(run: Any) -> str:
    """``IN_PROCESS`` for a run of a native step (``promql`` / ``k8s``: no shell, no process, so no stand-in call is
    its), else '': redteam51 R2, a retry typed in the drill shell 0.35 s before a PromQL step was that read's by the
    time rule ("Validation: Flow failure rate … -> failed flows retried") and lost from the PIR's typed retries. With
    a tag only the tag rule applies: an untagged action is never its."""
    return IN_PROCESS if run.kind in NATIVE_KINDS else ""

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
    # every action the stand-ins recorded (``actions.jsonl``), when the ``rows`` a credit is asked with are fewer (the
    # drill report's: those that move a curve): a change is judged by its own record (redteam47 F5: ``blocks test-flow
    # --model auto`` typed word for word, its ``test_flow`` recorded, "not done")
    acts: tuple[Act, ...] = ()
    # (resolved, reopened) spans (unix) the incident stood resolved before a reopening: nothing typed then is the
    # response, as nothing typed after the last resolve is (attack47 Y5: typed while resolved, credited on reopening)
    paused: tuple[tuple[float, float], ...] = ()
    # the drill's scenario and every action its stand-ins recorded (``Drill.actions``), from which a typed change's
    # meaning and the step's are read (``Meaning``); None (a unit's record alone): a change is judged by its record
    world: tuple[Any, tuple[Any, ...]] | None = None

    def counts(self, at: float) -> bool:
        """Whether something typed at ``at`` (unix) may be the response: by ``until``, not while resolved."""
        return at <= self.until and not any(lo < at < hi for lo, hi in self.paused)


def read_calls(drill_dir: Path) -> tuple[Call, ...]:
    """Every recorded call but a read-only seat's (its drill shell's ``--read-only`` stand-ins mark theirs: an
    observer's typing is not the response's, as its step runs are not, ``observer_seat``). A line that is no whole
    record is passed over: this record only ever credits a step, so one lost can leave a step "not done" as before it
    existed, never credit one (unlike ``actions.jsonl``, from which the world is rebuilt)."""
    try:
        raw = (drill_dir / CALLS_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ()
    out = []
    for line in raw.splitlines():
        try:
            d = json.loads(line)
            if d["detail"].get("seat") == "observer":
                continue
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
    """(``standin_calls``, whether ``command`` runs anything else too: ``grep``, ``jq``, ``echo``; not a command whose
    output fills a place of a stand-in call, ``_substituted``: the call as recorded holds it)."""
    result = scan(command)
    if not result.complete:
        return None
    out: list[tuple[str, ...]] = []
    quiet = len(_QUIET.findall(command))    # a read's redirections may only quiet its errors
    filled: list[tuple[int, int]] = []      # the words of stand-in calls with a ``$(…)`` in them, where they stand
    others: list[int] = []                  # where each other command starts
    for cmd in result.commands:
        words = cmd.words
        if words and words[0].value in STANDINS:
            quiet -= len(cmd.redirects)
            if any(r != (">", "/dev/null") for r in cmd.redirects) or quiet < 0 or cmd.heredocs:
                return None     # only `2>/dev/null` (the scan keeps no fd: counted in the text, ``_QUIET``)
            argv = tuple(_substituted(w.raw, len(out), k) if w.has_expansion else w.value for k, w in enumerate(words))
            if None in argv:
                return None
            out.append(tuple(str(w) for w in argv))
            filled += [(w.start, w.end) for w in words if w.has_expansion]
        elif any(NAMED.search(w.value) for w in words) and not (words[0].value in FILTERS and not any(
                w.has_expansion for w in words)):
            return None       # `xargs kubectl`, `NS=x kubectl`, `echo $(kubectl …)`, a stand-in in a quoted script
            #                   (a formatting filter runs no program: `grep -i aws` greps for the word, attack49 F1)
        else:
            others.append(words[0].start if words else -1)
    more = any(not any(lo <= at < hi for lo, hi in filled) for at in others)
    if more and _formats([cmd for cmd in result.commands
                          if not any(lo <= (cmd.words[0].start if cmd.words else -1) < hi for lo, hi in filled)]):
        more = False
    return (out, more) if out else None


#: a read's only allowed redirection: ``2>/dev/null``, the commonest way to quiet a read; what it prints and its exit
#: code are the call's, as the stand-in recorded them (attack49 F1: it had no credit at all)
_QUIET = re.compile(r"(?:^|(?<=[\s;|&(]))2>\s*/dev/null(?![\w/.-])")


def _formats(commands: Sequence[Any]) -> bool:
    """Whether ``commands`` (a step's, outside the ``$(…)`` filling a call's word) are one pipeline of stand-in reads
    followed only by formatting filters (``formatting.reshapes``: each given only options known to reshape standard
    output): ``aws logs … | jq -r '.events[].message'``, ``kubectl logs … | grep ERROR | sort | uniq -c | head``. Such a
    read's outcome is its calls' exit codes, which the stand-ins' record holds, so it is judged from its own record
    (fix47credit: a ``| jq`` left the read "typed by hand, not checked"): downstream of the read in its one pipeline, a
    filter cannot make a failed read succeed (its call exited 0 or credits nothing). Not one pipeline (``&&``, ``;``, a
    subshell, a loop), a filter upstream of a read (it feeds the read), a filter with a redirection, an expansion or
    anything ``reshapes`` does not list (``sort -c``, ``sort -o F``, ``uniq - F``, ``tail -f``, ``jq 'halt_error'``:
    attack48 Z2), or a ``grep`` last (its exit code is the step's verdict: no match fails the step) is not
    formatting."""
    from warroom.incident.formatting import TESTS, reshapes

    seen_filter = False
    before: list[str] = []
    for n, cmd in enumerate(commands):
        words = [w.value for w in cmd.words]
        if not words or cmd.joined_by != ("" if n == 0 else "|"):
            return False
        if words[0] in STANDINS:
            if seen_filter:
                return False
        else:
            seen_filter = True
            if cmd.redirects or cmd.heredocs or any(w.has_expansion for w in cmd.words) or not reshapes(words, before):
                return False
        before = words
    return seen_filter and commands[-1].words[0].value not in TESTS


_OUTPUT = "WARROOMOUTPUT{}X{}X{}X"     # a ``$(…)``'s output in a stand-in call's word: its call, word, number


def _substituted(raw: str, call: int, word: int) -> str | None:
    """A word of a stand-in call (``raw``, as written) whose expansions are all command substitutions inside one pair
    of double quotes (``"$(date -d '15 minutes ago' +%s)000"``: RB-CORE-004's step 2), with each ``$(…)`` a place
    (``_OUTPUT``) its output fills in the call as recorded: the shell makes it one argument, and the stand-in records
    that argument as it read it (redteam47 F8: "not done" typed word for word). None for any other expansion: ``$NS``,
    backquotes, ``$((…))``, an unquoted ``$(…)`` (split into words, or none, by its output)."""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        return None
    body, out, i, n = raw[1:-1], [], 0, 0
    while i < len(body):
        if body.startswith("$(", i) and not body.startswith("$((", i):
            end = _closing(body, i + 2)
            if end is None:
                return None
            out.append(_OUTPUT.format(call, word, n))
            n, i = n + 1, end + 1
        elif body[i] in '$`\\"':
            return None
        else:
            out.append(body[i])
            i += 1
    return "".join(out) if n else None


def _closing(text: str, i: int) -> int | None:
    """The index of the ``)`` that closes a ``$(`` whose text starts at ``i`` (quotes inside it kept whole)."""
    depth, quote = 1, ""
    for j in range(i, len(text)):
        ch = text[j]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


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


_TOKEN = "WARROOMPARAM{}X"     # a parameter's place in a step's command, a word of the safe alphabet anywhere


@dataclass(frozen=True)
class Shape:
    """A step's command with each parameter a place any value may fill: a parameter is the IC's to choose (``kubectl
    patch hpa … minReplicas: 12`` is RB-CORE-002's step 9, whose ``replicas`` defaults to 8; ``blocks flow retry
    tsk_… --enable-pruning`` is step 8, whose ``task_id`` has no default), so a call typed with another value is that
    step (redteam44 T3: compared with the defaults put in, such a step read "not done" and its call "outside the
    runbook's steps"). A value must fill its place alike in every call of the step, and match its ``pattern``."""

    command: str                                  # substituted with the places (``_TOKEN``)
    calls: tuple[list[tuple[str, ...]], bool]     # ``_read`` of it
    places: dict[str, str]                        # a place's token -> its parameter's key
    names: dict[str, str]                         # a parameter's key -> its name as written
    patterns: dict[str, str]                      # a parameter's key -> the pattern its value must match
    optional: frozenset[str]                      # keys that may be empty

    @classmethod
    def of(cls, runbook: Runbook, step: Step) -> Shape | None:
        """The step's shape; None when it cannot be read off its text (``_read``)."""
        from warroom.incident.runbook_ref import substitute
        from warroom.runbook.params import find_params

        declared = tuple(k for k, p in runbook.params.items() if p.declared)
        keys = list(dict.fromkeys(r.key for r in find_params(str(step.command), declared, step.kind)))
        places = {_TOKEN.format(n): k for n, k in enumerate(keys)}
        try:
            command = substitute(str(step.command), {k: t for t, k in places.items()}, kind=step.kind,
                                 declared=declared, wide=tuple(k for k, p in runbook.params.items() if p.pattern))
        except WarroomError:
            return None
        read = _read(command)
        if read is None:
            return None
        params = runbook.params
        # a ``$(…)``'s output: a place any value fills, said with no credit (no parameter of the IC's)
        places |= {m: m for argv in read[0] for w in argv for m in re.findall(_OUTPUT.format(*[r"\d+"] * 3), w)}
        return cls(command, read, places, {k: params[k].name if k in params else k for k in keys},
                   {k: str(params[k].pattern) for k in keys if k in params and params[k].pattern},
                   frozenset(k for k in keys if k in params and params[k].optional))

    def chose(self, bound: Mapping[str, str], values: Mapping[str, str]) -> str:
        """The parameters' values typed (``bound``) where the runbook's (``values``) differ or it has none, as a credit
        says them (``replicas=5``); what a ``$(…)`` gave is no parameter's, and not said."""
        return ", ".join(f"{self.names[k]}={v}" for k, v in bound.items() if k in self.names and values.get(k) != v)

    def match(self, wanted: tuple[str, ...], call: tuple[str, ...], bound: Mapping[str, str],
              values: Mapping[str, str] | None = None) -> dict[str, str] | None:
        """``bound`` with the values ``call`` typed in the places of ``wanted`` (one of ``calls``), or None when it is
        another command: a word without a place equal, word for word, each as the tool reads it (``spelled``); a place
        filled alike wherever it is, and never with an option where it starts its word (``blocks flow retry
        --enable-pruning`` is no task id). With the incident's ``values``, a place in a word naming what a kubectl
        call acts on (``deployment/{{ deployment }}``, ``-n {{ namespace }}``: ``_names_object``) holds its
        parameter's value there, when it has one (one it may be, when doubted: ``may_fill``): the workload the step
        names is no value to choose (redteam49 F11: ``scale deployment/audit-shipper`` was RB-CORE-005's "Bring
        FlowEngine back", "with deployment=audit-shipper"); an amount, a task id, an image or an env value stays the
        IC's."""
        wanted, call = spelled(wanted), spelled(call)
        if len(wanted) != len(call):
            return None
        got = dict(bound)
        for n, (want, word) in enumerate(zip(wanted, call, strict=True)):
            if not any(t in want for t in self.places):
                if want != word:
                    return None
                continue
            parts = re.split("(" + "|".join(map(re.escape, self.places)) + ")", want)
            found = re.fullmatch("".join(f"({'.*' if self.places[p] in self.optional else '.+'}?)" if p in self.places
                                         else re.escape(p) for p in parts), word, re.DOTALL)
            if found is None or not parts[0] and word.startswith("-"):
                return None
            pinned = values is not None and _names_object(wanted, n)
            for key, value in zip((self.places[p] for p in parts if p in self.places), found.groups(), strict=True):
                if got.setdefault(key, value) != value or (
                        key in self.patterns and re.fullmatch(self.patterns[key], value) is None) or (
                        pinned and values is not None and not may_fill(values, key, value)):
                    return None
        return got


def _names_object(argv: tuple[str, ...], n: int) -> bool:
    """Whether word ``n`` of a spelled call (``spelled``) names what a kubectl call acts on: a ``KIND/NAME`` before
    its options (``deployments/flowengine``, ``hpa/flowengine``) or its namespace."""
    from warroom.drill.standins.kubeobj import KINDS

    word = argv[n]
    if argv[0] != "kubectl" or n < 2:
        return False
    kind, slash, _ = word.partition("/")
    return word.startswith("--namespace=") or bool(slash) and not word.startswith("-") and kind in KINDS.values()


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
               after: float = -math.inf, before: float = math.inf, first: float | None = -math.inf
               ) -> Credit | None:
        """The step's credit when it was typed by hand (the module docstring's rule), its calls then taken; else
        None. ``unowned``: per row, whether no step run owns it; ``outside_runs(at, tag)``: whether a call then, of
        that tag, was made outside every run; ``after`` (unix): no call before it counts (the change it checks
        began then; ``math.inf``: never began); ``before`` (unix): none after it (its runbook was closed then: a
        closed runbook takes no more credit, as it takes no tick, attack47 Y10); ``first`` (unix): the response's first
        change (``validation.first_change``; None: none yet), before which a Validation step validates nothing."""
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
        mine: list[int] = []
        bound: dict[str, str] = {}          # the parameters' values as typed: one value each, in every call
        parts: dict[int, tuple[str, ...]] = {}      # a call several steps share: this step's part of it (``share``)
        for argv in wanted:
            # each call judged by the answers given before it was typed (``Answers.at``): nothing journaled later
            # (a dry run, a run, its end) re-judges a typing (attack55 F5)
            match = [(i, got, part, then) for i, c in enumerate(typed.calls) if i not in self.taken and i not in mine
                     and c.argv and c.code == 0 and after <= c.at and counts(c.at) and outside_runs(c.at, c.tag)
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
        was first done through warroom, unix: its first ok run's end, inf while none ended ok) that was typed by hand
        before then, from the calls ``steps`` left (asked after it, so no credit the checklist draws moves): the typed
        fix a run through warroom then repeated (attack51 A7, A8), or one still running. The checklist shows such a
        step by its record; a gate's "before" and a containment's lift read the typed moment."""
        return self._steps(runbook, {sid: min(before, at) for sid, at in runs.items()}, values, rows, windows, state)

    def _steps(self, runbook: Runbook, asked: Mapping[str, float], values: Mapping[str, str], rows: Sequence[Act],
               windows: Mapping[tuple[str, str], Sequence[tuple[float, float, str]]], state: Any) -> dict[str, Credit]:
        """``steps``' rule for the steps ``asked`` (step id -> the moment after which nothing typed is its)."""
        from warroom.incident import validation

        unowned = [owner_of(a.at, a.tag, windows) is None for a in rows]
        began = {key[1]: min(lo for lo, _, _ in spans) for key, spans in windows.items() if key[0] == runbook.id}
        first = validation.first_change(state, (a.at for a in rows)) if state is not None else -math.inf
        out: dict[str, Credit] = {}
        for st in (st for sec in runbook.sections for st in sec.steps):
            if st.id not in asked:
                continue
            before = asked[st.id]
            checks = checked_by(runbook, st)
            after = -math.inf if checks is None else began.get(checks.id, math.inf)
            hand = None
            if validation.validates(st) and first is not None and first > after:    # a typing after the fix first
                hand = self.credit(runbook, st, values, rows, unowned,
                                   lambda at, tag: owner_of(at, tag, windows) is None, after=first, before=before)
            hand = hand or self.credit(runbook, st, values, rows, unowned,
                                       lambda at, tag: owner_of(at, tag, windows) is None, after=after,
                                       before=before, first=first)
            if hand is not None:
                out[st.id] = self.credited[(runbook.id, st.id)] = hand
                began.setdefault(st.id, hand.at)
        return out


class Meaning:
    """What a typed change did to the drill's world, against what its step means (``Hands.means``): the general rule
    behind redteam49 F11. A change of the estate (kubectl ``scale``, ``patch``, ``set env``/``image``, ``rollout
    undo``/``restart``; ``blocks config set``) means what ``Cluster.apply`` says its operation means on the world
    before it: the canonical actions (``flowengine_start``, ``scale_down``, ``fallback_routing``, ``rollback``, …)
    its stand-in recorded ``via`` it. The step means what its own command, with the incident's values, records on
    the runbook's path: the scenario's estate with every earlier change of the runbook on the same thing
    (``touches``) made first (RB-CORE-005's "Bring FlowEngine back" after its halt: ``flowengine_start``). A typing
    credits the step only when it meant something of it (a scale-down is no restore, a rollout undo onto the bad
    release no rollback) and nothing else but what the step's own command would also have meant there and then (an
    undo onto an older revision drops the env set since: a throttle lifted beside the rollback), or, meaning nothing,
    when what the step means holds then (already in force): each of its kinds was recorded before (its path happened:
    FlowEngine halted, then brought back) and the step's own command would have meant none of it there (the breaker
    typed again once on; zero replicas typed again while halted is no restore; a scale to 5 while FlowEngine ran 5,
    never halted, brought nothing back: attack50 A1). Other stand-in records (a retry, a test flow,
    a page, an aws call) are named by their words, which the step's shape already matched."""

    def __init__(self, scenario: Any, actions: Sequence[Any], calls: Sequence[Call] = ()) -> None:
        self.scenario = scenario
        self.actions = actions
        self.calls = calls          # every stand-in call, so a call's own records end where its command is typed again
        self.paths: dict[tuple[Any, ...], frozenset[str] | None] = {}

    def does(self, runbook: Runbook, step: Step, shape: Shape, wanted: tuple[str, ...], call: Call,
             values: Mapping[str, str], part: tuple[str, ...] | None = None) -> bool:
        """Whether ``call`` did what ``wanted`` (the step's call, its places filled with ``values``) means; ``part``:
        the step's part of a call several steps share (``share``), judged by what it alone meant there and then."""
        from warroom.drill.cluster import build_cluster

        argv = _filled(wanted, shape, values)
        step_op = None if argv is None else _operation(argv)
        own = self._own(call)
        if step_op is None or not own:
            return part is None
        meant = self.meant(runbook, step, shape, wanted, values)
        if meant is None:
            return part is None
        did = {a.action for a in own if "via" in a.detail} if part is None else set(self.part_meant(call, part) or ())
        if did <= meant and (did or not meant):
            return True
        if did and not did & meant:
            return False            # none of what the step means: a scale-down for a restore
        # the step's own command there and then: what else it would have done too (an undo onto an older revision
        # drops the env set since: a throttle lifted, manual review ended), or nothing the step means left to do
        if not did:
            return self.holds(step_op, meant, own[0].ts, own[0].t)
        there = _meaning(build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]),
                         replace(step_op, t=own[0].t))
        return there is None or did <= meant | set(there)

    def part_meant(self, call: Call, part: tuple[str, ...]) -> list[str] | None:
        """What ``part`` (a spelled call: one step's share of ``call``, ``share``) means on the estate as ``call``
        found it, as if typed alone then; None when ``call`` recorded nothing or the part is no change."""
        from warroom.drill.cluster import build_cluster

        own, op = self._own(call), _operation(part)
        if not own or op is None:
            return None
        return _meaning(build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]),
                        replace(op, t=own[0].t))

    def went_to(self, call: Call, said: tuple[str, ...]) -> int | None:
        """The revision number a ``rollout undo`` (``said``: spelled, naming no revision) went back to, as the
        estate stood when ``call`` acted (its own record's moment); None when it recorded nothing (refused, a skip)."""
        from warroom.drill.cluster import build_cluster, undo_target

        own = self._own(call)
        kind, _, name = (said[3] if len(said) > 3 else "").partition("/")
        if not own or kind != "deployments":
            return None
        dep = build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]).deployments.get(name)
        target = None if dep is None else undo_target(dep)
        return None if target is None else target.number

    def kept(self, call: Call, said: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[str, ...] | None:
        """A ``set env`` call (``said``: spelled) with each assignment the step's call (``wanted``: spelled, its places
        unfilled) makes and the call leaves out, where the env it changed already read that value (as FlowEngine reads
        it, ``cluster.UNREAD`` for a key not set): the env after it is the step's (redteam51 R7: the breaker turned on
        with its threshold left at FlowEngine's 85 was "outside the runbook's steps"); None when it leaves out none
        such, or recorded nothing (refused)."""
        from warroom.drill.cluster import UNREAD, build_cluster

        mine = {w.split("=", 1)[0] if "=" in w else w[:-1] for w in said[4:] if not w.startswith("--")}
        missing = [w for w in wanted[4:] if "=" in w and not w.startswith("--") and _TOKEN[:12] not in w
                   and w.split("=", 1)[0] not in mine]
        own = self._own(call)
        kind, _, name = said[3].partition("/") if len(said) > 3 else ("", "", "")
        if not missing or not own or kind != "deployments":
            return None
        dep = build_cluster(self.scenario, [a for a in self.actions if a.ts < own[0].ts]).deployments.get(name)
        env = {} if dep is None else {**UNREAD, **dep.current.env}
        if any(_read_as(said[3], f"{key}={env[key]}") != w if key in env else True
               for w in missing for key in [w.split("=", 1)[0]]):
            return None
        options = [w for w in said[4:] if w.startswith("--")]
        return (*said[:4], *_env_set(said[3], [w for w in said[4:] if not w.startswith("--")] + missing), *options)

    def holds(self, step_op: Any, meant: frozenset[str], ts: float, t: float) -> bool:
        """Whether what a step means on its path (``meant``, its own operation ``step_op``) holds at ``ts`` (unix; ``t``
        drill seconds), so a typing then that changed nothing is that step "already in force": it happened before
        (each kind of ``meant`` recorded by some change: FlowEngine halted, then brought back) and the step's own
        command there would mean none of it again (it still stands: zero replicas typed again while halted after a
        restore is none). A step whose path has not happened yet means nothing there either: no credit (attack50 A1:
        a scale to 5 typed while FlowEngine ran 5, never halted, was "Bring FlowEngine back"; an unset of what was
        never set was "Put the provider back")."""
        from warroom.drill.cluster import build_cluster

        before = [a for a in self.actions if a.ts < ts]
        if not meant <= {a.action for a in before if "via" in a.detail}:
            return False
        there = _meaning(build_cluster(self.scenario, before), replace(step_op, t=t))
        return there is None or not meant & set(there)

    def changed(self, row: Act) -> bool:
        """Whether the change ``row`` records (its command's operation, ``_operation``) changed the estate it was made
        on: a deployment's replicas or pod template, the config, an HPA or a ConfigMap (unknown: True). A scale to the
        count running, an unset of what is not set, changes none."""
        import copy

        from warroom.drill.cluster import build_cluster

        op = _operation(tuple(shlex.split(row.command)))
        if op is None:
            return True
        world = build_cluster(self.scenario, [a for a in self.actions if a.ts < row.at])

        def estate() -> Any:
            return ({n: (d.replicas, d.current.template) for n, d in world.deployments.items()},
                    copy.deepcopy((world.config, world.hpa, world.configmaps)))
        was = estate()
        return _meaning(world, replace(op, t=row.t)) is None or estate() != was

    def _own(self, call: Call) -> list[Any]:
        """The actions ``call`` recorded: its command's, from its start until that command is typed again (``rollout
        undo`` onto the revision it is on records nothing: the next typing's are not its), at the first moment one
        was stamped."""
        line = (call.tool, *call.argv)
        until = min((c.at for c in self.calls if c.at > call.at and (c.tool, *c.argv) == line), default=math.inf)
        mine = [a for a in self.actions if call.at <= a.ts < until and (a.tool, *a.argv) == line]
        return [a for a in mine if a.ts == mine[0].ts] if mine else []

    def meant(self, runbook: Runbook, step: Step, shape: Shape, wanted: tuple[str, ...],
               values: Mapping[str, str]) -> frozenset[str] | None:
        """What the step's call ``wanted`` means on the runbook's path (the class docstring); None: not read."""
        from warroom.drill.cluster import initial_cluster
        from warroom.execute.safety import classify_mutating

        key = (runbook.id, step.id, wanted, tuple(sorted(values.items())))
        if key in self.paths:
            return self.paths[key]
        argv = _filled(wanted, shape, values)
        mine = None if argv is None else _operation(argv)
        out: frozenset[str] | None = None
        if mine is not None:
            world = initial_cluster(self.scenario)
            for n, st in enumerate(s for s in runbook.steps if s.number < step.number and s.kind == "shell"
                                   and not _alternatives(runbook, s, step)):
                changes = st.command and (st.mutating or classify_mutating(st.command, st.kind) is not False)
                earlier = Shape.of(runbook, st) if changes else None
                for w in earlier.calls[0] if earlier is not None else ():
                    filled = _filled(w, earlier, values)
                    op = None if filled is None else _operation(filled)
                    if op is not None and overlap(touches(op), touches(mine)):
                        _meaning(world, replace(op, t=float(n)))
            said = _meaning(world, replace(mine, t=float(len(runbook.steps))))
            out = None if said is None else frozenset(said)
        self.paths[key] = out
        return out


def _meaning(world: Any, op: Any) -> list[str] | None:
    """What ``op`` means on ``world`` (``Cluster.apply``, which makes it there); None when the world cannot take it
    (a runbook's patch whose bounds are no numbers: the stand-in would have refused it)."""
    try:
        return world.apply(op)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _alternatives(runbook: Runbook, earlier: Step, step: Step) -> bool:
    """Whether ``earlier`` is in a subsection beside ``step``'s own, under a heading they share: one of the cases the
    runbook offers instead (RB-LAUNCH-005's Mitigation: "Rate limit exhaustion" throttles to 5, "Database connection
    pool exhaustion" from 50 to 20), so no part of the path to ``step``. A step in a top-level section (a phase:
    Mitigation's halt before Recovery's "Bring FlowEngine back"), in ``step``'s own or in one enclosing it, or in a
    case under another heading (the provider taken out, before Recovery puts it back) is on the path."""
    chain: list[Any] = []           # the sections enclosing the one being read, itself last (not the title's)
    enclosing: dict[str, list[Any]] = {}
    for sec in (sec for sec in runbook.sections if sec.level > 1):
        while chain and chain[-1].level >= sec.level:
            chain.pop()
        chain.append(sec)
        enclosing.setdefault(sec.title, list(chain))
    mine, theirs = enclosing.get(step.section, []), enclosing.get(earlier.section, [])
    if len(theirs) < 2 or theirs[-1] in mine:
        return False
    return theirs[-2] in mine           # its parent encloses ``step`` too: a case beside the one ``step`` is in


def _filled(wanted: tuple[str, ...], shape: Shape, values: Mapping[str, str]) -> tuple[str, ...] | None:
    """A call of a step's ``shape`` with each place filled by ``values`` (by parameter key); None if one has none."""
    out = []
    for word in wanted:
        for token, key in shape.places.items():
            if token in word:
                if key not in values:
                    return None
                word = word.replace(token, values[key])
        out.append(word)
    return tuple(out)


def _operation(argv: tuple[str, ...]) -> Any | None:
    """The operation (an ``Action`` of ``cluster.OPERATIONS``, at drill second 0) a stand-in records for a change of
    the estate, read off a call's words by the stand-in's own reading (kubectl: ``kubectl.operation``, which its verbs
    record through); None for any other call (a read, a retry, a page, an aws call: what they record is named by their
    words) or one it would refuse."""
    from warroom.drill.actions import Action
    from warroom.drill.standins.kubectl import operation

    if argv[:3] == ("blocks", "config", "set") and len(argv) == 5:
        return Action("config_set", 0.0, detail={"key": argv[3], "value": argv[4]})
    asked = operation(argv[1:]) if argv[:1] == ("kubectl",) else None
    return None if asked is None else Action(asked[0], 0.0, detail=asked[1])


def share(shape: Shape, wanted: tuple[str, ...], argv: tuple[str, ...], values: Mapping[str, str],
          steps: Sequence[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The step's part of a call that does several steps' changes at once: a ``set env`` (``argv``) whose assignments
    are those of the step's call ``wanted`` with those of other ``set env`` steps of its runbook (``steps``: filled
    with ``values``, spelled), each whole, on the same deployment and namespace: the call spelled with the step's
    assignments alone (its values as typed). One command line that both turns the breaker on and routes to the
    secondary is each step, as if typed alone (redteam51 R7: it credited neither, one call one step); an assignment
    no such step makes, or one of theirs in part, leaves it one call of its own (None)."""
    said, filled = spelled(argv), _filled(wanted, shape, values)
    want = None if filled is None else spelled(filled)
    if want is None or said[1:3] != ("set", "env") or want[1:3] != ("set", "env") or said[3:4] != want[3:4]:
        return None
    options = [w for w in said[4:] if w.startswith("--")]
    if options != [w for w in want[4:] if w.startswith("--")]:
        return None
    mine, keys = [w for w in said[4:] if not w.startswith("--")], _env_keys(want)
    rest = {w for w in mine if _env_keys(("", "", "", "", w)).isdisjoint(keys)}
    if not rest or not keys <= _env_keys(said):
        return None
    others = [{w for w in s[4:] if not w.startswith("--")} for s in steps if s[3:4] == said[3:4]
              and [w for w in s[4:] if w.startswith("--")] == options and not keys & _env_keys(s)]
    for other in sorted(others, key=len, reverse=True):     # covered whole by other steps' assignments, none in part
        if other and other <= rest:
            rest -= other
    ours = [w for w in mine if not _env_keys(("", "", "", "", w)).isdisjoint(keys)]
    return None if rest or not ours else (*said[:4], *ours, *options)


def _env_keys(said: tuple[str, ...]) -> set[str]:
    """The env keys a spelled ``set env`` call sets or unsets."""
    return {w.split("=", 1)[0] if "=" in w else w.removesuffix("-") for w in said[4:] if not w.startswith("--")}


def _recorded_by(calls: Sequence[Call], k: int, row: Act) -> bool:
    """Whether ``row`` is what call ``k`` recorded: its command, stamped from the call's start until that command is
    typed again (a change is stamped when it applies, after its call began)."""
    call = calls[k]
    line = (call.tool, *call.argv)
    if tuple(shlex.split(row.command)) != line or row.at < call.at:
        return False
    return not any(c.at > call.at and c.at <= row.at and (c.tool, *c.argv) == line for c in calls)


def first_typed(typed: Typed, after: float) -> Call | None:
    """The first stand-in call typed in the drill shell (no step run's tag) at or after ``after`` (unix), by
    ``typed.until``: work the journal never sees, so no milestone counts it (``shell_unjournaled``)."""
    return min((c for c in typed.calls if not c.tag and after <= c.at <= typed.until), key=lambda c: c.at,
               default=None)


def shell_unjournaled(typed: Typed, state: Any, incident_dir: Path | None) -> str:
    """What the drill report says beside Time to mobilise when the team worked in the drill shell before any journaled
    action (or with none): the milestone counts what the journal holds (the PIR's and ``incident show``'s rule, which
    the report agrees with), the first typed call is named, and the command that marks it (redteam44 T2: "Time to
    mobilise: 4h37m46s … missed" beside the same report's retry at +16m07s and a fix "bent the curves at +1h48m");
    "" otherwise."""
    from warroom.paths import command, store_option

    declared = getattr(state, "declared_at", None)
    if declared is None:
        return ""
    mobilised = (getattr(state, "phases", None) or {}).get("mobilised")
    call = first_typed(typed, -math.inf)     # before the declaration too: at work before declaring (attack44 A20)
    if call is None or mobilised is not None and mobilised.timestamp() <= max(call.at, declared.timestamp()):
        return ""
    at = datetime.fromtimestamp(call.at, UTC)
    early = at < declared
    clock = "" if typed.t_zero is None else \
        f"{'+' if call.t >= typed.t_zero else '-'}{format_duration(abs(call.t - typed.t_zero))} drill time, "
    # to the millisecond: cut to the second, the mark moved the milestone up to a drill minute at x60 off the moment
    # this line quotes (attack44 A7: "+1m13s" offered, "1m06s" recorded); typed before the declaration, the team was
    # mobilised as it declared
    stamp = (declared if early else at).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    mark = command("incident", "mark", str(state.id), "mobilised", "--at", stamp,
                   *store_option(incident_dir if incident_dir is not None and incident_dir.is_dir() else None))
    return (f"Time to mobilise counts what the journal holds (a step run, tick, note…): the first command typed in"
            f" the drill shell, at {clock}{at:%H:%M:%S} UTC{', before the declaration' if early else ''}"
            f" ({shlex.join((call.tool, *call.argv))}), counts towards no milestone; `{mark}` records it"
            + (" (mobilised as it was declared)" if early else ""))


@functools.lru_cache(maxsize=4096)
def spelled(argv: tuple[str, ...]) -> tuple[str, ...]:
    """A stand-in call (the tool first) in one spelling of what the tool reads from it, so a step typed in another
    spelling of the same request is that step (attack44 A5: ``--namespace=production --patch='{"spec":{…}}'`` was
    "outside the runbook's steps" beside the runbook's ``-n production -p '{"spec": {…} }'``). For kubectl, read with
    its stand-in's own option table: the verb first (options may come before it), options after the other words in
    one order and form (``--namespace=production`` for ``-n production``), a kind by its name (``deployments/x`` for
    ``deploy/x``), a JSON patch without the spaces between its tokens; the words after ``--`` as typed. Any other
    tool's call, or one kubectl would refuse, as typed."""
    if len(argv) < 2 or argv[0] != "kubectl":
        return argv
    from warroom.drill.fleet import NAMESPACE
    from warroom.drill.standins.base import ToolError, parse_args
    from warroom.drill.standins.kubectl import FLAGS, LOGS_FLAGS, VERBS, WORDS
    from warroom.drill.standins.kubeobj import KINDS

    words = list(argv[1:])
    first = next((i for i, a in enumerate(words) if a in VERBS), None) if words[0].startswith("-") else 0
    if first is None:
        return argv
    try:
        args = parse_args(words[:first] + words[first + 1:], LOGS_FLAGS if words[first] == "logs" else FLAGS,
                          words=WORDS)
    except ToolError:
        return argv
    pos = [f"{KINDS[kind.lower()]}/{name}" if slash and kind.lower() in KINDS else w
           for w in args.pos for kind, slash, name in [w.partition("/")]]
    # TYPE NAME is TYPE/NAME (``scale deploy flowengine``: attack44 A17), after a subcommand too (``set env deployment
    # flowengine K=V``, ``rollout undo deployment flowengine``: attack50 A8), as the stand-in reads it
    at = 1 if words[first] in ("set", "rollout") and pos and pos[0] in ("env", "image", "undo", "restart",
                                                                      "history", "status") else 0
    if len(pos) > at and pos[at].lower() in KINDS and (at == 0 or pos[at] in KINDS):
        kind = KINDS[pos[at].lower()]
        pos = [*pos[:at], f"{kind}/{pos[at + 1]}", *pos[at + 2:]] if len(pos) > at + 1 and not {"/", "="} & set(
            pos[at + 1]) else [*pos[:at], kind, *pos[at + 1:]]
    options = dict(args.opts)
    if words[first] == "set" and pos[:1] == ["env"] and options.get("env"):      # ``-e K=V``: after the positional
        pos = [*pos, *options.pop("env")]                                      # ones, as ``set_env`` reads them
    if pos[:1] == ["env"] and len(pos) > 1:         # an env value as FlowEngine reads it (``_read_as``)
        pos = [*pos[:2], *_env_set(pos[1], pos[2:])]
    options.pop("current_replicas", None)       # a precondition: the call that ran (exit 0) met it, the same change
    if "namespace" not in options and not options.get("all_namespaces"):     # the drill's default namespace
        options["namespace"] = NAMESPACE
    opts = sorted((key, v) for key, value in options.items() for v in (value if isinstance(value, list) else [value])
                  if key != "type" or not _as_strategic(str(v), str(args.opts.get("patch", ""))))
    return ("kubectl", words[first], *pos,
            *(f"--{key}" if v is True else f"--{key}={_tight(str(v)) if key == 'patch' else v}" for key, v in opts),
            *(("--", *args.rest) if args.rest else ()))


def _env_set(target: str, words: list[str]) -> list[str]:
    """A ``set env``'s assignments as the change they make (``kubectl.env_changes``: a later one of a key wins), each
    value as FlowEngine reads it (``_read_as``), in one order: the keys set, then those unset, each by name. The same
    request in any word order is one (redteam51 R7: the breaker's two pairs swapped were "outside the runbook's
    steps"); words the stand-in refuses, as typed."""
    if any("=" not in w and not w.endswith("-") for w in words):
        return words
    sets: dict[str, str] = {}
    for w in words:
        if "=" in w:
            sets[w.split("=", 1)[0]] = _read_as(target, w)
    unset = sorted({w for w in words if "=" not in w})
    return [*(sets[k] for k in sorted(sets)), *unset]


def _read_as(target: str, word: str) -> str:
    """An env assignment of a ``set env`` on ``target`` (``deployments/flowengine``) as FlowEngine reads its value
    (``cluster``: ``DISABLE_PROVIDERS``' names in any case, spaces ignored; a switch ``true`` for any of ``1 yes on``,
    else ``false``), so two spellings the world reads alike are one (attack50 A8: ``DISABLE_PROVIDERS=Anthropic`` was
    no "Take the failed provider out"); a value holding a step's place, another key or deployment, as typed."""
    from warroom.drill.cluster import SWITCHES, disabled, switched_on
    from warroom.drill.fleet import DEPLOYMENT

    key, eq, value = word.partition("=")
    if not eq or target != f"deployments/{DEPLOYMENT}" or "WARROOM" in value:
        return word
    if key == "DISABLE_PROVIDERS":
        return f"{key}={','.join(sorted(disabled({key: value})))}"
    return f"{key}={str(switched_on({key: value}, key)).lower()}" if key in SWITCHES else word


def _as_strategic(how: str, patch: str) -> bool:
    """Whether ``kubectl patch --type HOW`` makes the change the default (a strategic merge patch) makes: a JSON merge
    patch (RFC 7386) differs from it only on lists (replaced, not merged by key) and ``$patch`` directives, so one
    without either is the same request (attack44 A5b: ``--type merge -p '{"spec":{"minReplicas":12}}'`` was "outside
    the runbook's steps")."""
    if how != "merge":
        return how == "strategic"
    import yaml         # kubectl reads a patch as YAML or JSON alike (YAML reads both): its value, not its characters

    try:
        value = yaml.safe_load(patch)
    except yaml.YAMLError:
        return False

    def plain(node: object) -> bool:    # no list, no ``$`` directive anywhere (attack45 X3: a YAML block list, a "$5")
        if isinstance(node, list):
            return False
        return not isinstance(node, dict) or all(not str(k).startswith("$") and plain(v) for k, v in node.items())
    return isinstance(value, dict) and plain(value)


def _tight(text: str) -> str:
    """A JSON text without the whitespace between its tokens (strings as they are); a YAML mapping or list (kubectl
    reads a patch as either) as that JSON; any other text as it is."""
    if not text.lstrip().startswith(("{", "[")):
        import yaml

        try:
            read = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        return json.dumps(read, separators=(",", ":")) if isinstance(read, (dict, list)) else text
    out: list[str] = []
    quoted = escaped = False
    for ch in text:
        if quoted:
            escaped, quoted = not escaped and ch == "\\", quoted and (escaped or ch != '"')
        elif ch == '"':
            quoted = True
        elif ch.isspace():
            continue
        out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Recorded:
    """An action as ``actions.jsonl`` holds it, for ``Hands`` outside the drill report (no world integrated)."""

    at: float
    t: float
    command: str
    tag: str
    action: str = ""


def recorded(drill_dir: Path, actions: Iterable[Any] | None = None) -> tuple[Recorded, ...]:
    """Every action the stand-ins recorded in the drill at ``drill_dir`` (``actions``: as read already), each with its
    command line."""
    from warroom.drill.actions import read_actions

    return tuple(Recorded(a.ts, a.t, shlex.join((a.tool, *a.argv)) if a.tool else shlex.join(a.argv), a.tag,
                              a.action)
                 for a in (read_actions(drill_dir) if actions is None else actions))


class Given(NamedTuple):
    """One answer of the runbook's parameters the journal holds: a run through warroom's, or a dry run's."""

    seq: int                    # its line in the journal: the later answer wins
    at: float                   # unix: when it was given (a run's start, a dry run's line)
    known: float                # unix: from when it is known to be the incident's (an ok run's end); inf: never
    params: tuple[tuple[str, str], ...]


class Answers(dict[str, str]):
    """The runbook's parameters as the incident is known to have answered them, else their defaults (``param_values``):
    what a step's command reads. ``doubted``: a parameter whose last answer only a run that did not end ok (or a dry
    run) gave, to the values its place in a typing that names a workload may hold (``may_fill``): the value beneath it
    (an earlier ok run's, the default) and each such answer's. Such a key is not in the mapping itself, so a typing's
    own value fills the command it is judged by (``Hands.means``) and is said with the credit (``Shape.chose``): which
    one was typed. The mapping is what the whole journal answered; ``at(moment)`` is what had been answered by then,
    which a typing is judged by (attack55 F5)."""

    def __init__(self, known: Mapping[str, str], doubted: Mapping[str, frozenset[str]],
                 defaults: Mapping[str, str] | None = None, given: Sequence[Given] = ()) -> None:
        super().__init__({k: v for k, v in known.items() if k not in doubted})
        self.doubted: dict[str, frozenset[str]] = dict(doubted)
        self._defaults = dict(defaults or {})
        self._given = tuple(given)
        self._moments: dict[tuple[int, int], Answers] = {}

    def at(self, moment: float) -> Answers:
        """The answers given by ``moment`` (unix), each as known then: a run started by then that had not ended ok by
        then (still running, or it never did) is doubted, however it ends later. What a typing then is judged by, so
        nothing journaled after it (a dry run, a run, its end) re-judges a typing that was credited (and may have
        lifted a containment): the credit, once given, is the typing's for good."""
        if not self._given:
            return self
        key = (sum(g.at <= moment for g in self._given), sum(g.known <= moment for g in self._given))
        if (hit := self._moments.get(key)) is None:
            hit = self._moments[key] = _answers(self._defaults, self._given, moment)
        return hit


def moment_of(values: Mapping[str, str], at: float) -> Mapping[str, str]:
    """``values`` as answered by ``at`` (unix), when they say (``Answers.at``); else as they are."""
    return values.at(at) if isinstance(values, Answers) else values


def may_fill(values: Mapping[str, str], key: str, value: str) -> bool:
    """Whether ``value`` may fill ``key``'s place in a word that names what a kubectl call acts on (``_names_object``):
    the incident's value, else, when it is doubted (``Answers``), one of the values it may be; any when it has none."""
    if isinstance(values, Answers) and key in values.doubted:
        return value in values.doubted[key]
    return values.get(key, value) == value


def param_values(runbook: Runbook, state: Any) -> Answers:
    """The runbook's parameters as the incident answered them, else their defaults: what a step's command reads, and
    what a typing's places that name a workload must keep (``_names_object``); ``Answers.at`` as answered by a moment,
    which a typing is judged by. A value only runs that did not end ok (or dry runs) gave is not known to be the
    incident's (``answered``): that place takes the value beneath it (an earlier ok run's, the default) or one of those
    answers', never any other (attack55 F8: after a run with the typo ``flowengin`` failed, ``scale
    deployment/audit-shipper`` was "Bring FlowEngine back"), the one typed said with the credit; with no value beneath,
    any value, as before those runs."""
    defaults = {k: str(p.default) for k, p in runbook.params.items() if p.default is not None}
    given = answers_given(state)
    if given is None:       # a state without step records: the answers a prompt offers, none doubted
        return Answers(defaults | dict(getattr(state, "param_answers", None) or {}), {})
    return _answers(defaults, given, math.inf)


def _answers(defaults: Mapping[str, str], given: Sequence[Given], moment: float) -> Answers:
    """``param_values`` as answered by ``moment`` (unix)."""
    kept, doubted = answered(given, moment)
    values = {**defaults, **kept}
    return Answers(values, {k: frozenset({values[k], *v}) for k, v in doubted.items()
                            if k in values and v != {values[k]}}, defaults, given)


def answers_given(state: Any) -> tuple[Given, ...] | None:
    """Every answer of the parameters the incident's journal holds (``Given``), in its order: each run's through
    warroom, known to be the incident's once it ended ok; each dry run's, never known (a dry run runs nothing: nothing
    says its values were the incident's, attack55 F5). An observer's (a read-only seat's) is no answer of the
    incident's. None for a state without step records."""
    steps = getattr(state, "steps", None)
    if not isinstance(steps, Mapping):
        return None
    out = [Given(run.seq, run.started_at.timestamp(),
                 run.ended_at.timestamp() if run.status == "ok" and run.ended_at is not None else math.inf,
                 tuple((str(k), str(v)) for k, v in run.params.items() if v is not None))
           for st in steps.values() for run in st.runs]
    out += [Given(int(dry.get("seq") or 0), dry["at"].timestamp() if isinstance(dry.get("at"), datetime) else -math.inf,
                  math.inf, tuple((str(k), str(v)) for k, v in (dry.get("params") or {}).items() if v is not None))
            for st in steps.values() for dry in st.dry_runs if not dry.get("seat")]
    return tuple(sorted(out, key=lambda g: g.seq))


def answered(given: Sequence[Given], moment: float = math.inf) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(the parameters' values the answers ``given`` by ``moment`` (unix) that were known then to be the incident's
    gave, the later winning; per parameter, the values the others gave after any known answer of it). Known: a run
    through warroom that had ended ok by then. A restore run with ``namespace=staging`` that failed (exit 1: no
    FlowEngine there) made the production restore then typed by hand "not this step", its halt's gate read flows
    finishing again as the mitigation's relapse, until a later run with the production value re-judged the same typing
    as the step (attack53 A9). A failed run's value may be why it failed, or not (a transient error): the incident's
    value is not known from it. The same holds of every run that did not end ``ok``: ``timed_out``, ``interrupted`` and
    ``cancelled`` (the IC who saw ``staging`` in the run's output and cancelled it, then typed the production restore,
    attack55 F4), one still running then (its outcome not known yet), and a dry run, which runs nothing (a preview
    given staging, before or after the production restore typed by hand, made that typing "not the step", attack55
    F5). An answer given after ``moment`` is none of it: a typing is judged by what was answered before it."""
    kept: dict[str, str] = {}
    doubted: dict[str, set[str]] = {}
    for g in given:
        if g.at > moment:
            continue
        for k, v in g.params:
            if g.known <= moment:
                kept[k] = v
                doubted.pop(k, None)
            else:
                doubted.setdefault(k, set()).add(v)
    return kept, doubted


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
        runs = {sid: min((r.ended_at.timestamp() for r in st.runs if r.status == "ok" and r.ended_at is not None),
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
    # gated fix's typing (``verified`` False) alone: a lift reads each moment a step was done (``relapse._lift``)
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
        that run reads its "before" at (``gates.before_at``, attack51 A7)."""
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


def paused_spans(state: Any) -> tuple[tuple[float, float], ...]:
    """``Typed.paused`` of ``state``: each span (unix) it stood resolved before a reopening."""
    from warroom.incident.escalation import resolved_spans

    return () if state is None else tuple((lo.timestamp(), hi.timestamp()) for lo, hi in resolved_spans(state))


def closed_at(state: Any, runbook_id: str) -> float:
    """When ``runbook_id`` was closed and not opened again (unix, ``closing.closure_of``), else ``math.inf``: the
    moment after which nothing typed in the drill shell is its step (attack47 Y10: typed after the close, credited
    on its path beside "2 of 19 steps done when closed")."""
    from warroom.incident.closing import closure_of

    shut = closure_of(state, runbook_id) if state is not None and runbook_id else None
    return math.inf if shut is None else shut.at.timestamp()


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


def touches(op: Any) -> set[tuple[str, str]]:
    """What an operation sets, as (where, what) pairs, ``*`` for all of it: an env change its keys, a scale its
    replicas, an image its image, a restart nothing that stands, any other its whole object. Here, below the drill
    report, so a typing's meaning (``Meaning``) and the report's weighing of a change typed again read one rule."""
    d = op.detail
    where = str(d.get("deployment") or (f"node {d['node']}" if d.get("node") else f"config {d['key']}" if d.get("key")
                                        else f"{d.get('kind') or d.get('user')}/{d.get('name') or d.get('policy')}"))
    if op.action == "set_env":
        return {(where, str(k)) for k in (*(d.get("set") or {}), *(d.get("unset") or ()))}
    return {"rollout_restart": set(), "scale_to": {(where, "replicas")}, "set_image": {(where, "image")}}.get(
        op.action, {(where, "*")})


def overlap(one: set[tuple[str, str]], other: set[tuple[str, str]]) -> bool:
    """Whether two operations' ``touches`` share something (all of an object shares each of its parts)."""
    return any(a == b or a[0] == b[0] and "*" in (a[1], b[1]) for a in one for b in other)
