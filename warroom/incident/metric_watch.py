"""An incident's watch on its metric history: the breaches and recoveries it journals from what
the panes' source says over the incident's window, and the PIR's numbers (``metrics.summarised``).

Every watcher of an incident does this (the dashboard's poll, each CLI command, on several hosts
of a shared incident), so each breach or recovery line is appended on condition that the journal
still ends where it was judged (``append(..., after=seq)``): a watcher that lost the race judges
again on the journal that now holds the other's line. The panes' answers are kept with the
incident (``history_memo``), so a command asks the source only for times it has not answered
and its cost does not grow with the incident's age. What the source no longer answers, the PIR
reads from the history saved at resolve (``metrics.json``).

The judgement itself is :mod:`warroom.incident.metric_sync`; this module is the loop around it,
taking from the incident only its directory, configuration, lock and journal calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.durations import parse_duration
from warroom.journal import events as ev
from warroom.journal.log import Event, JournalLocked

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.state import IncidentState

#: ``append(type, data, after=seq)``: the incident's single write path; ``after`` makes the
#: append conditional on the journal still ending at ``seq`` (``HeadMoved`` otherwise).
Append = Callable[..., Event]


@dataclass
class SyncResult:
    """What ``MetricWatch.sync`` (``Incident.sync_metrics``) read and journaled."""

    histories: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    summary: Event | None = None


class ReadNotJournaled(JournalLocked):
    """``MetricWatch.look_gates`` read the gates, then could not journal what they said: another process held the
    journal's lock longer than an append waits. ``gates`` are the readings, dated as a seat that journals nothing
    dates them, for a caller that says what was read rather than "not looked at" (attack53 A7: a relapse the list had
    read became "NOT CHECKED … its gates were not looked at"). A ``JournalLocked`` to every other caller."""

    def __init__(self, message: str, gates: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.gates = gates


class MetricWatch:
    """One incident's metric watch. ``refresh``: the incident's state, folded up to date;
    ``readable``: whether its journal reads clean (nothing is judged on a damaged one);
    ``append``: its write path; ``tries``: how many lost races before giving up until the next
    look (``Incident.ONCE_TRIES``); ``writes()``: False in a read-only seat, whose watch reads the
    histories and journals nothing (``warroom.incident.observer_seat``)."""

    def __init__(self, incident_dir: Path, config: Config, lock: threading.RLock, *,
                 refresh: Callable[[], IncidentState], readable: Callable[[], bool],
                 append: Append, tries: int, writes: Callable[[], bool] = lambda: True) -> None:
        self.dir = Path(incident_dir)
        self.config = config
        self._lock = lock
        self._refresh = refresh
        self._readable = readable
        self._append = append
        self._tries = tries
        self._writes = writes

    @cached_property
    def memo(self) -> Any:
        """The panes' answers kept with the incident (``warroom.incident.history_memo``): a command
        asks the metric source only for the grid times it has not answered, so its cost does not
        grow with the incident's age."""
        from warroom.incident.history_memo import MEMO_FILE, HistoryMemo

        return HistoryMemo(self.dir / MEMO_FILE)

    def sync(self, source: Any, slos: list[Any] | None = None, *, speed: float = 1.0,
             now: float | None = None, summary: bool = False) -> SyncResult:
        """Journal breaches/recoveries from the metric history (and, with ``summary``, the PIR's
        numbers as ``metrics.summarised``); returns the histories read and what was journaled."""
        from warroom.incident import metric_sync as ms

        slos = list(slos if slos is not None else self.config.slo)
        now = ms.now_unix() if now is None else now
        result = SyncResult()
        if source is None or not self._readable():
            return result
        st = self._refresh()
        window = ms.incident_window(st, now, self.config.incident.breach_lookback, speed)
        if window is None:
            return result
        # the PIR's numbers may fall back to the saved history, checked against this incident's panes
        saved = (lambda: self.saved_history(st, slos)) if summary else None
        memo = self.memo
        histories, errors = ms.read_histories(source, slos, window, saved, memo)
        result.histories, result.errors = histories, errors
        if self._writes():
            with self._lock:
                result.events = self.breaches_once(ms, histories)
            result.events += self.gates_once(source, slos, now, speed=speed)
        if summary and self._writes():
            result.summary = self._summarise(ms, source, slos, window, saved, result, speed=speed, now=now)
        memo.save()
        return result

    def _summarise(self, ms: Any, source: Any, slos: list[Any], window: Any, saved: Any, result: SyncResult, *,
                   speed: float, now: float) -> Event:
        """The ``metrics.summarised`` line, judged on a copy of the state outside the incident's lock and appended
        on condition that the journal still ends where it was judged (else judged again; the last try under the
        lock, as every try was). A drill's summary simulates what each step did (``run_effects``): tens of
        seconds for a long drill with many actions, during which every view's snapshot waited on the lock and the
        dashboard's panes and clock stood still after a resolve (redteam43 R13)."""
        from warroom.journal.encoding import HeadMoved

        def judged(st: IncidentState, histories: dict[str, Any], errors: list[str], window: Any) -> dict[str, Any]:
            offsets = sorted(parse_duration(v) for v in self.config.execute.evidence_after) or [300.0]
            data = ms.summary_data(st, histories, window, source, str(getattr(source, "name", "metrics")),
                                   errors, speed=speed, after=offsets[0])
            drill = _drill_of(source)
            if drill is not None:   # a drill knows what each action changed: the PIR credits that
                from warroom.incident.drill_report.actions import run_effects
                from warroom.incident.drill_report.harm import harm_total

                data["drill_effects"] = run_effects(drill, st, slos, min(now, window.end))
                if harm := harm_total(drill, drill.scenario_time(min(now, window.end))):   # the scenario's harm
                    data["drill_harm"] = harm
            return data

        def read(st: IncidentState) -> tuple[dict[str, Any], list[str], Any]:
            """The histories over the window of ``st`` (its impact start may have moved since they were read)."""
            moved = ms.incident_window(st, now, self.config.incident.breach_lookback, speed) or window
            if moved == window and not result.events:
                return result.histories, result.errors, window
            histories, errors = ms.read_histories(source, slos, moved, saved, self.memo)
            result.histories, result.errors = histories, errors
            return histories, errors, moved

        for _ in range(min(self._tries - 1, OUTSIDE_TRIES)):
            with self._lock:
                st = self._refresh().copy()
            histories, errors, at = read(st)
            data = judged(st, histories, errors, at)
            try:
                return self._append(ev.METRICS_SUMMARISED, data, after=st.last_seq)
            except HeadMoved:
                continue
        with self._lock:        # lost every race: judged where nothing can move under it
            st = self._refresh()
            histories, errors, at = read(st)
            return self._append(ev.METRICS_SUMMARISED, judged(st, histories, errors, at))

    def breaches_once(self, ms: Any, histories: dict[str, Any]) -> list[Event]:
        """Breaches and recoveries from the metric history (``ms.sync_breaches``), each journaled
        once however many watchers read the same history: every append is conditional on the
        journal ending where the judgement was made, and a watcher that lost the race judges again
        on the state that now holds the other's marks."""
        from warroom.journal.encoding import HeadMoved

        done: list[Event] = []
        for _ in range(self._tries):
            st = self._refresh()
            head = [st.last_seq]

            def append(type_: str, data: dict[str, Any]) -> Event:
                event = self._append(type_, data, after=head[0])
                head[0] = event.seq
                done.append(event)
                return event

            try:
                ms.sync_breaches(append, st, histories)
                return done
            except HeadMoved:
                continue
        return done

    def gates_once(self, source: Any, slos: list[Any], now: float, *, speed: float = 1.0) -> list[Event]:
        """What :meth:`look_gates` journaled."""
        return self.look_gates(source, slos, now, speed=speed)[1]

    def look_gates(self, source: Any, slos: list[Any], now: float, *,
                   speed: float = 1.0) -> tuple[tuple[Any, ...], list[Event], tuple[Any, ...]]:
        """(each counted gate's measure read at ``now``, unix: the panes' instant; what was journaled; the history reads
        the source's asker declined for what was journaled, ``gate_relapse.NotRead``): a relapse or its end journaled
        when the journal does not say it yet (``gate_relapse.due``), dated when the measure crossed
        its line (``gate_relapse.crossings``: the gate's history, read only for a line due; ``speed``: the drill's),
        the look beside: once however many watchers read it, every append conditional on the journal ending where it
        was judged (the readings are made once, outside the lock; a watcher that lost the race judges them again on
        the journal that now holds the other's line, where a reading no later than that line's look changes nothing:
        ``gate_relapse.due``, attack52 F3). Nothing is read while nothing is mitigated or once resolved, or while no
        gate counts; nothing is journaled in a seat that writes nothing (``incident list`` reads it there too, the
        readings dated by the same history: ``gate_relapse.dated``). A line whose history the source's asker declined
        (``gate_relapse.NotRead``: the list's budget, a source too slow for history) is journaled all the same,
        dated at the look (attack56 A1/A7: what a look read is never lost, a slow source never starves the journal);
        the declined reads are returned for the caller to say."""
        from datetime import UTC, datetime

        from warroom.incident import gate_relapse
        from warroom.incident.gate_reading import counted_gates, read_gates
        from warroom.journal.encoding import HeadMoved

        st = self._refresh()
        at = datetime.fromtimestamp(now, UTC)
        counted = counted_gates(st, at) if not st.resolved and st.phases.get("mitigated") is not None else []
        if not counted:
            return (), [], ()
        gates = read_gates(st, source, slos, at, at=now)
        done: list[Event] = []
        crossed = gate_relapse.crossings(st, gates, counted, source, slos, speed)
        declined = [c for c in crossed.values() if isinstance(c, gate_relapse.NotRead)]
        if not self._writes():          # a seat that writes nothing reads the same history (attack53 A4)
            return gate_relapse.dated(gates, crossed), done, ()
        lines = gate_relapse.due(st, gates, crossed)       # what came before a relapse, read outside the lock too
        before: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        for seq, flapped in (gate_relapse.earlier(st, lines, counted, source, slos, speed) if lines else {}).items():
            if isinstance(flapped, gate_relapse.NotRead):   # the relapse journaled all the same, its flaps unsaid
                declined.append(flapped)
            else:
                before[seq] = flapped
        with self._lock:
            for _ in range(self._tries):
                st = self._refresh()
                try:
                    for type_, data in gate_relapse.due(st, gates, crossed):   # a relapse after what came before (A1)
                        for said in (*before.get(data["passed_seq"], ()), (type_, data)) \
                                if type_ == ev.GATE_RELAPSED else ((type_, data),):
                            done.append(self._append(*said, after=st.last_seq))
                            st = self._refresh()
                    break
                except HeadMoved:
                    continue
                except JournalLocked as exc:
                    raise ReadNotJournaled(str(exc), gate_relapse.dated(gates, crossed)) from exc
        stale, unread = self._stale(done, at, counted, source, slos, speed)
        return gates, done + stale, (*declined, *unread)

    def _stale(self, done: list[Event], read_at: Any, counted: Any, source: Any, slos: list[Any],
               speed: float) -> tuple[list[Event], list[Any]]:
        """(what was journaled, the ``gate_relapse.NotRead`` of the reads declined): a relapse ``done`` journaled from
        readings made at ``read_at`` that the world left behind before the append (``gate_relapse.back_since``:
        attack53 A11), closed at once by its recovery, dated when it came back; read only when the readings are older
        than a grid step, outside the lock, appended while the relapse is still the journal's last line about its
        pass. A read the source's asker declined closes nothing (no relapse is closed on a history not read); the
        relapse the look read stays journaled, and the next look that reads the measure within its line closes it."""
        from warroom import scenario_time as stime
        from warroom.incident import gate_relapse
        from warroom.journal.encoding import HeadMoved
        from warroom.sources.verify import GRID

        until = stime.now()
        if until - read_at.timestamp() <= stime.wall_seconds(GRID, speed if speed > 0 else 1.0):
            return [], []
        out: list[Event] = []
        unread: list[Any] = []
        for e in (e for e in done if e.type == ev.GATE_RELAPSED):
            try:
                back = gate_relapse.back_since(self._refresh(), e.data, read_at, counted, source, slos, until, speed)
            except gate_relapse.NotAsked as exc:
                unread.append(gate_relapse.NotRead.of(exc, "whether the relapse read ended since (left open)"))
                continue
            with self._lock:
                st = self._refresh()
                if back is None or gate_relapse.last_said(st).get(e.data["passed_seq"], {}).get("seq") != e.seq:
                    continue
                try:
                    out.append(self._append(ev.GATE_RECOVERED, back, after=st.last_seq))
                except HeadMoved:
                    continue            # another line landed: the next look judges on it
        return out, unread

    def saved_history(self, state: IncidentState, slos: list[Any]) -> Any:
        """The metric history saved at resolve (``metrics.json``), or None when there is none;
        the PIR's numbers fall back to it where the live source no longer answers. A damaged one,
        or one whose runbook or panes are not this incident's (``slos``: its world's), raises
        ``WarroomError`` naming the file and why (said among the PIR's metric errors)."""
        from warroom.errors import NotFoundError
        from warroom.incident.history import load_history

        try:
            return load_history(self.dir, state=state, panes=[s.id for s in slos])
        except NotFoundError:
            return None


#: Summaries judged outside the lock before one is judged under it: each may take seconds, a head that keeps moving
#: (a watcher's evidence lines) must not make it run ONCE_TRIES times
OUTSIDE_TRIES = 2


def summary_stale(state: IncidentState) -> bool:
    """The PIR's numbers need reading (again): none yet, the incident still open, or the last
    summary was made for another resolution time (reopened and resolved again)."""
    summ = state.metric_summary
    if summ is None or state.resolved_at is None:
        return True
    resolved = (summ.get("marks") or {}).get("resolved")
    return resolved is None or abs(float(resolved) - state.resolved_at.timestamp()) > 1.0


def _drill_of(source: Any) -> Any:
    """The drill a drill world's panes are read from (``DrillSource``), else None: a real source
    (or a replay of one) knows values, never causes."""
    from warroom.drill.directory import DrillSource

    return source.drill if isinstance(source, DrillSource) else None
