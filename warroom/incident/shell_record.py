"""What the drill shell recorded and whose it is: every stand-in call (``Call``, ``read_calls``: ``calls.jsonl``) and
action (``Recorded``, ``recorded``), what was typed for a report (``Typed``), each step run's window and tag
(``run_windows``) and the run an action belongs to (``owner_of``: by its tag, else by time for a run journaled
without one), the spans the incident stood resolved (``paused_spans``) and a runbook's close (``closed_at``), after
which nothing typed is its step. ``by_hand`` judges a typing from these; none of them judges a step."""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from warroom.drill.actions import CALLS_FILE
from warroom.durations import format_duration


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
#: the step kinds run in warroom's own process (``NativeStepRunning.NATIVE_KINDS``; not imported: it imports this)
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
