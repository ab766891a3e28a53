"""The sources one ``incident list`` found unreachable, so that it asks each no more (attack53 A2).

The list looks at every mitigated incident's gates, each through its own source; they share one config, so one dead
Prometheus is every incident's. ``SourcesDown`` remembers, for the length of one list, which source (by URL or drill
directory, ``where_of``) failed to connect or to answer within its timeout, and ``AskedOnce`` wraps each incident's
source so that a source found down answers at once with why, instead of being asked again.
"""

from __future__ import annotations

from typing import Any

from warroom import scenario_time as stime

UNREACHABLE = ("slow", "refused", "down")
"""The failures after which a list asks the source no more (``httpjson.SourceError.kind``): nothing listened, or no
whole answer came within its timeout. Asked again for the next incident it would cost the same timeout to say the
same (attack53 A2: eight mitigated incidents on one dead Prometheus, eight timeouts in series). An answer it gave,
however bad (an HTTP error, a query it refused, credentials), was about that query: the next incident's is asked."""


def _unreachable(exc: BaseException) -> str | None:
    """The kind of an error that says the source was not reached (one of ``UNREACHABLE``), else None."""
    kind = getattr(exc, "kind", None)
    if kind is None and isinstance(exc, OSError):
        kind = "slow" if isinstance(exc, TimeoutError) else "refused" if isinstance(exc, ConnectionRefusedError) \
            else "down" if isinstance(exc, ConnectionError) else None
    return kind if kind in UNREACHABLE else None


def where_of(source: Any) -> str | None:
    """What identifies ``source`` among a list's incidents (they share one config): the Prometheus and its URL, a
    drill's world and its directory; None for a source that names neither (not known to be another's)."""
    url = getattr(source, "url", None)
    if isinstance(url, str) and url:
        return f"{getattr(source, 'name', 'source')} at {url}"
    path = getattr(getattr(source, "drill", None), "path", None)
    return f"the drill world at {path}" if path is not None else None


class SourcesDown:
    """The sources one ``incident list`` found unreachable (``UNREACHABLE``), by what identifies them (``where_of``),
    and the incidents each left NOT CHECKED. A source is asked until it once fails to connect or to answer within
    its timeout, then not again in this list: N mitigated incidents on one dead Prometheus cost one timeout, not N,
    and the list says it once, naming the source (``warnings``), where it said it N times, once per incident."""

    def __init__(self) -> None:
        # (where, whether only its history): (why, its kind, the incident it was met in)
        self.down: dict[tuple[str, bool], tuple[str, str | None, str]] = {}
        self.left: dict[str, list[str]] = {}                     # where -> the incidents it left not checked
        self.folded: set[tuple[str, str]] = set()                # (incident id, why): said by ``warnings``

    def why(self, where: str, incident_id: str, *, history: bool = False) -> str | None:
        """Why ``where`` is not asked for ``incident_id``'s gates (found unreachable by an earlier look), else None;
        ``history``: for a range read (a relapse's crossing), which a source too slow to give one is not asked."""
        if (found := self.down.get((where, False)) or (self.down.get((where, True)) if history else None)) is None:
            return None
        why, _kind, met = found
        return why if met == incident_id else f"{why} (found so looking at {met}'s gates: not asked again)"

    def kind(self, where: str, *, history: bool = False) -> str:
        """The kind of failure ``where`` was found down with (``UNREACHABLE``)."""
        found = (self.down.get((where, False)) or self.down.get((where, True))) if history else \
            self.down.get((where, False))
        return (found[1] if found is not None else None) or "down"

    def found(self, where: str, why: str, kind: str, incident_id: str, *, history: bool = False) -> str:
        """``where`` did not answer (``why``, ``kind``) a query for ``incident_id``: the problem its gates say. A range
        read (``history``) with no answer in time leaves the source asked for its instant reads, which answer sooner:
        only a connection not made stops those."""
        only = history and kind == "slow"
        self.down.setdefault((where, only), (f"{where}: {'its history: ' if only else ''}{why}", kind, incident_id))
        return self.why(where, incident_id, history=history) or why

    def left_unchecked(self, where: str, incident_id: str, whys: list[str]) -> None:
        """``incident_id``'s ``whys`` (its gates not read) are ``where``'s being down: said once, by ``warnings``."""
        if incident_id not in (left := self.left.setdefault(where, [])):
            left.append(incident_id)
        self.folded.update((incident_id, w) for w in whys)

    def warnings(self) -> list[str]:
        """One line per source found down: what it did, and which mitigated incidents it left NOT CHECKED."""
        out = []
        for where, ids in self.left.items():
            many = f"{len(ids)} mitigated incidents" if len(ids) > 1 else "1 mitigated incident"
            out.append(f"{self.down[(where, False)][0]}: asked once, {many} NOT CHECKED ({', '.join(ids)}):"
                       f" {'their status is' if len(ids) > 1 else 'its status is'} the journal's, not checked now")
        return out


class AskedOnce:
    """``source`` as one list's look asks it (``SourcesDown``): a query it fails to answer for want of a connection or
    of an answer within its timeout marks it down, its problem named with the source; asked again once down, it
    answers that at once, without asking. Everything else is the source's own."""

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

    def _raising(self, call: Any, *, history: bool) -> Any:
        from warroom.sources.prom_results import QueryError

        def asked(*args: Any, **kwargs: Any) -> Any:
            if (why := self._down.why(self._where, self._incident, history=history)) is not None:
                raise QueryError(why, kind=self._down.kind(self._where, history=history))
            try:
                return call(*args, **kwargs)
            except (QueryError, OSError) as exc:
                if (kind := _unreachable(exc)) is None:
                    raise
                said = self._down.found(self._where, str(exc), kind, self._incident, history=history)
                raise QueryError(said, kind=kind) from exc
        return asked

    def _sampled(self, name: str, call: Any) -> Any:
        from dataclasses import replace

        from warroom.sources.model import SloSample

        def asked(*args: Any, **kwargs: Any) -> Any:
            if (why := self._down.why(self._where, self._incident)) is not None:
                kind = self._down.kind(self._where)
                ids = [s.id for s in args[0]] if name == "fetch" else ["expr"]
                out = [SloSample(i, None, fetched_at=stime.now(), error=why, error_kind=kind) for i in ids]
                return out if name == "fetch" else out[0]
            got = call(*args, **kwargs)
            samples = got if name == "fetch" else [got]
            said = [replace(s, error=self._down.found(self._where, s.error or "", s.error_kind, self._incident))
                    if s.error_kind is not None and s.error_kind in UNREACHABLE else s for s in samples]
            return said if name == "fetch" else said[0]
        return asked
