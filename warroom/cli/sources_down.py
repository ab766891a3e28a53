"""What one ``incident list`` knows of the sources its looks ask: which it found down, and how long it has looked.

The list looks at every mitigated incident's gates, each through its own source; they share one config, so one dead
Prometheus is every incident's. ``SourcesDown`` remembers, for the length of one list, which source (by URL or drill
directory, ``where_of``) is down, and ``AskedOnce`` wraps each incident's source so that a source found down answers
at once with why, instead of being asked again (attack53 A2: eight incidents on one dead Prometheus, eight timeouts).

Down means the source itself, never one query's answer (attack54 F6: one incident's late answer left a healthy
Prometheus unasked for every other incident). The rule, by what a failure says of the source:

- not reached (``NOT_REACHED``: the connection refused, not made within the timeout, the name not found): down at
  once. Nothing there serves; the next incident would wait or fail the same way.
- reached but no whole answer (``LATE``: none within its timeout, or one cut off: a body cut mid-way, an answer that
  is not HTTP, a reset after the connection was made; attack55 F3): that may be the query's (one incident's heavy
  gate, a GC pause, a proxy dropping one long request). The source is asked the cheapest query there is (``PROBE``)
  once: no whole answer to that either and it answers nothing: down. An answer, however bad, says it serves: it is
  asked for the others.
- an answer, however bad (an HTTP error, a query refused, credentials): that query's; the next incident's is asked.

A list also reads within a budget (``LIST_BUDGET``, on ``list_clock`` from the list's start), by construction: each
request of a look (a gate's query, a relapse's history, the ``PROBE``) is given its source's timeout or what is left
of the budget, whichever is shorter (``deadline.capped``), so the list's reading ends within the budget (attack55
F2: 15 s and two 10 s timeouts, 30.5 s). A request the budget ended is the list's, not its source's: the source is
not marked, not probed. Once the budget is spent no source is asked again, and the incidents left say NOT CHECKED and
why (one warning for them all). A history read the list declines (its budget spent, or the source found too slow for
history looking at another incident) raises ``gate_relapse.NotAsked``: the line the look read is journaled all the
same, dated at the look, and the list says which incidents' history it did not read and why (attack56 A1/A7: held
back "for the next look", a relapse shown was lost when the measure came back first, and a slow source declined the
same read on every list, so no list journaled anything).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from warroom import scenario_time as stime
from warroom.incident.gate_relapse import NotAsked
from warroom.paths import command
from warroom.sources.deadline import capped

NOT_REACHED = ("refused", "down")
"""Failures (``httpjson.SourceError.kind``) that say the source was not reached (refused, no connection made, the
name not found): nothing there serves queries now, so the list asks it no more."""

LATE = "slow"
"""The failure that says the source was reached and gave no whole answer (none within its timeout, or one cut off):
the query's, or the source's; ``PROBE`` tells which."""

PROBE = "vector(1)"
"""What a source that was late is asked: no series to read, nothing to compute; a Prometheus that does not answer it
within its timeout answers nothing."""

LIST_BUDGET = 15.0
"""Wall seconds one list spends asking sources for its incidents' gates: every request it makes ends within them
(``SourcesDown.left``), none starts after (``SourcesDown.spent``)."""

list_clock: Callable[[], float] = time.monotonic
"""The clock a list's budget is read on (a test's is counted, never the wall)."""


def _kind(exc: BaseException) -> str | None:
    """The failure kind of a query's error (``httpjson.SourceError.kind``, or a bare ``OSError``'s), else None."""
    kind = getattr(exc, "kind", None)
    if kind is None and isinstance(exc, OSError):
        kind = LATE if isinstance(exc, TimeoutError) else "refused" if isinstance(exc, ConnectionRefusedError) \
            else "down" if isinstance(exc, ConnectionError) else None
    return kind


def where_of(source: Any) -> str | None:
    """What identifies ``source`` among a list's incidents (they share one config): the Prometheus and its URL, a
    drill's world and its directory; None for a source that names neither (not known to be another's)."""
    url = getattr(source, "url", None)
    if isinstance(url, str) and url:
        return f"{getattr(source, 'name', 'source')} at {url}"
    path = getattr(getattr(source, "drill", None), "path", None)
    return f"the drill world at {path}" if path is not None else None


class SourcesDown:
    """The sources one ``incident list`` found down (see the module's rule), by what identifies them (``where_of``),
    the incidents each left NOT CHECKED or journaled without their history, and the list's budget (``LIST_BUDGET`` on
    ``list_clock``, from its start). N mitigated incidents on one dead Prometheus cost one timeout (two when it was
    reached: the query and ``PROBE``), and the list says it once, naming the source (``warnings``)."""

    BUDGET = "the list's budget"                                 # ``left``'s key for the incidents the budget left

    def __init__(self, budget: float | None = None, clock: Callable[[], float] | None = None) -> None:
        self.budget = LIST_BUDGET if budget is None else budget
        self._clock = clock if clock is not None else list_clock
        self._ends = self._clock() + self.budget
        self._ran_out = False                                    # a request was ended by the budget
        # (where, whether only its history): (why, its kind, the incident it was met in)
        self.down: dict[tuple[str, bool], tuple[str, str | None, str]] = {}
        self.left: dict[str, list[str]] = {}                     # where (or BUDGET) -> the incidents it left
        self.unread: dict[str, list[str]] = {}                   # where (or BUDGET) -> incidents journaled undated
        self.unread_what: dict[str, list[str]] = {}              # where (or BUDGET) -> what their looks did not read
        self.folded: set[tuple[str, str]] = set()                # (incident id, why): said by ``warnings``

    def remaining(self) -> float:
        """Seconds left of the list's budget (0 once spent): the longest any request of the list may still take."""
        return 0.0 if self._ran_out else max(0.0, self._ends - self._clock())

    def ran_out(self) -> None:
        """A request was ended by the budget (``deadline.capped``): spent, whatever the list's clock says."""
        self._ran_out = True

    def spent(self, incident_id: str) -> str | None:
        """Why no source is asked for ``incident_id`` (the list's budget is spent), else None; also the why of a
        request the budget ended."""
        if self.remaining() > 0:
            return None
        return (f"not read: this list's {self.budget:g}s for reading gates ran out"
                f" (`{command('incident', 'show', incident_id)}` looks at it alone)")

    def why(self, where: str, incident_id: str, *, history: bool = False) -> str | None:
        """Why ``where`` is not asked for ``incident_id``'s gates (found down by an earlier look), else None;
        ``history``: for a range read (a relapse's crossing), which a source too slow to give one is not asked."""
        if (found := self.down.get((where, False)) or (self.down.get((where, True)) if history else None)) is None:
            return None
        why, _kind, met = found
        return why if met == incident_id else f"{why} (found so looking at {met}'s gates: not asked again)"

    def kind(self, where: str, *, history: bool = False) -> str:
        """The kind of failure ``where`` was found down with."""
        found = (self.down.get((where, False)) or self.down.get((where, True))) if history else \
            self.down.get((where, False))
        return (found[1] if found is not None else None) or "down"

    def failed(self, where: str, why: str, kind: str | None, incident_id: str, probe: Callable[[], bool | None], *,
               history: bool = False) -> str:
        """A query for ``incident_id`` to ``where`` failed (``why``, ``kind``): what its gate says. Not reached: down.
        Late: down when ``probe`` (``PROBE`` asked of the source: whether it answered, None when the list's budget
        ended it first) says it answers nothing, else the query's own (said with why the others are asked). A range
        read (``history``) late leaves the source asked for its instant reads, which answer sooner. Anything else is
        the query's."""
        if kind in NOT_REACHED:
            return self._found(where, why, kind, incident_id)
        if kind != LATE:
            return why
        if history:
            return self._found(where, why, kind, incident_id, history=True)
        answered = probe()
        if answered is None:
            return (f"{why} (this list's {self.budget:g}s for reading gates ran out before {where} answered"
                    f" `{PROBE}`: whether it serves was not read)")
        if not answered:
            return self._found(where, f"{why}, and none to `{PROBE}` either: it answers nothing", kind, incident_id)
        return f"{why} ({where} answered `{PROBE}`: it serves, this query alone failed)"

    def _found(self, where: str, why: str, kind: str, incident_id: str, *, history: bool = False) -> str:
        self.down.setdefault((where, history), (f"{where}: {'its history: ' if history else ''}{why}", kind,
                                                incident_id))
        return self.why(where, incident_id, history=history) or why

    def left_unchecked(self, where: str, incident_id: str, whys: list[str]) -> None:
        """``incident_id``'s ``whys`` (its gates not read) are ``where``'s being down (or ``BUDGET``'s being spent):
        said once, by ``warnings``."""
        if incident_id not in (left := self.left.setdefault(where, [])):
            left.append(incident_id)
        self.folded.update((incident_id, w) for w in whys)

    def undated(self, whose: str, incident_id: str, what: str) -> bool:
        """``incident_id``'s look journaled what its gates read dated at the look, for want of a history read the list
        declined (``whose``: a source it found down or slow for history, or ``BUDGET``): said once, by ``warnings``;
        False when ``whose`` is none of this list's (the caller says it)."""
        if whose != self.BUDGET and (whose, True) not in self.down and (whose, False) not in self.down:
            return False
        if incident_id not in (ids := self.unread.setdefault(whose, [])):
            ids.append(incident_id)
        if what not in (whats := self.unread_what.setdefault(whose, [])):
            whats.append(what)
        return True

    def _said(self, where: str) -> str:
        if where == self.BUDGET:
            return f"this list's {self.budget:g}s for reading gates was spent"
        return (self.down.get((where, False)) or self.down[(where, True)])[0]

    def warnings(self) -> list[str]:
        """One line per source found down, and one for the budget: what happened, and which mitigated incidents it
        left NOT CHECKED, or journaled without reading their history."""
        out = []
        for where, ids in self.left.items():
            many = f"{len(ids)} mitigated incidents" if len(ids) > 1 else "1 mitigated incident"
            out.append(f"{self._said(where)}: {many} NOT CHECKED ({', '.join(ids)}):"
                       f" {'their status is' if len(ids) > 1 else 'its status is'} the journal's, not checked now")
        for whose, ids in self.unread.items():
            many = f"{len(ids)} mitigated incidents" if len(ids) > 1 else "1 mitigated incident"
            out.append(f"{self._said(whose)}: {many} read and journaled without all of"
                       f" {'their' if len(ids) > 1 else 'its'} history ({', '.join(ids)}): not read:"
                       f" {'; '.join(self.unread_what[whose])}")
        return out


class AskedOnce:
    """``source`` as one list's look asks it (``SourcesDown``): a query it fails for want of the source (the module's
    rule) marks it down, its problem named with the source; asked again once down, or once the list's budget is spent,
    it answers why at once, without asking (a history read: ``NotAsked``). Every request it makes ends within what is
    left of the list's budget (``deadline.capped``). Everything else is the source's own."""

    _RAISES = frozenset({"query", "query_range", "range_aged"})     # raise when the source cannot answer
    _HISTORY = frozenset({"query_range", "range_aged"})             # range reads: a relapse's crossing
    _SAMPLES = frozenset({"fetch", "instant"})                      # a sample (or samples) that says why instead

    def __init__(self, source: Any, where: str, down: SourcesDown, incident_id: str) -> None:
        self._source, self._where, self._down, self._incident = source, where, down, incident_id

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._source, name)
        if name in self._RAISES and callable(found):
            return self._raising(found, history=name in self._HISTORY)
        if name in self._SAMPLES and callable(found):
            return self._sampled(name, found)
        return found

    def _not_asked(self, *, history: bool = False) -> tuple[str, str, str] | None:
        """(why, kind, whose: ``where`` or ``BUDGET``) the source is not asked now (found down, or the budget spent),
        else None."""
        if (why := self._down.why(self._where, self._incident, history=history)) is not None:
            return why, self._down.kind(self._where, history=history), self._where
        if (why := self._down.spent(self._incident)) is not None:
            return why, LATE, self._down.BUDGET
        return None

    def _answers(self) -> bool | None:
        """Whether the source gives a whole answer to ``PROBE`` within its timeout or what is left of the list's
        budget, whichever is shorter (any answer: it serves); None when the budget ended it first (not known)."""
        from warroom.sources.prom_results import QueryError

        if self._down.remaining() <= 0:
            return None
        query = getattr(self._source, "query", None)
        with capped(self._down.remaining()) as cap:
            if callable(query):
                try:
                    query(PROBE)
                    answered = True
                except (QueryError, OSError) as exc:
                    answered = _kind(exc) not in (*NOT_REACHED, LATE)
            else:
                answered = self._source.instant(PROBE).error_kind not in (*NOT_REACHED, LATE)
        if cap.cut:
            self._down.ran_out()
            return None
        return answered

    def _raising(self, call: Any, *, history: bool) -> Any:
        from warroom.sources.prom_results import QueryError

        def asked(*args: Any, **kwargs: Any) -> Any:
            if (not_asked := self._not_asked(history=history)) is not None:
                if history:
                    raise NotAsked(not_asked[0], not_asked[2])
                raise QueryError(not_asked[0], kind=not_asked[1])
            with capped(self._down.remaining()) as cap:
                try:
                    return call(*args, **kwargs)
                except (QueryError, OSError) as exc:
                    failed = exc
            if cap.cut:                          # the list's budget ended it: the list's, not the source's
                self._down.ran_out()
                spent = self._down.spent(self._incident) or str(failed)
                if history:
                    raise NotAsked(spent, self._down.BUDGET) from failed
                raise QueryError(spent, kind=LATE) from failed
            if (kind := _kind(failed)) not in (*NOT_REACHED, LATE):
                raise failed
            said = self._down.failed(self._where, str(failed), kind, self._incident, self._answers, history=history)
            raise QueryError(said, kind=kind or "down") from failed
        return asked

    def _sampled(self, name: str, call: Any) -> Any:
        from dataclasses import replace
        from functools import cache

        from warroom.sources.model import SloSample

        def asked(*args: Any, **kwargs: Any) -> Any:
            if (not_asked := self._not_asked()) is not None:
                ids = [s.id for s in args[0]] if name == "fetch" else ["expr"]
                out = [SloSample(i, None, fetched_at=stime.now(), error=not_asked[0], error_kind=not_asked[1])
                       for i in ids]
                return out if name == "fetch" else out[0]
            with capped(self._down.remaining()) as cap:
                got = call(*args, **kwargs)
            samples = got if name == "fetch" else [got]
            if cap.cut:                          # the list's budget ended its late ones: the list's, not the source's
                self._down.ran_out()
                spent = self._down.spent(self._incident)
                said = [replace(s, error=spent) if s.error_kind == LATE else s for s in samples]
            else:
                probe = cache(self._answers)                   # one probe for the samples of one fetch
                said = [replace(s, error=self._down.failed(self._where, s.error or "", s.error_kind, self._incident,
                                                           probe))
                        if s.error_kind in (*NOT_REACHED, LATE) else s for s in samples]
            return said if name == "fetch" else said[0]
        return asked
