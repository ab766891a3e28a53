"""What resolving leaves open, read at one moment: the words the commander is shown at the resolve
gate, confirms, and the journal records as acknowledged.

The rule, for the dashboard's Resolve dialog and for ``incident resolve`` alike:

* the concerns are read by one function (:func:`read_concerns`) at one stamped moment: the metric
  history up to it, each pane's value at exactly it, a long-window pane's own query over the last
  five minutes (``metric_sync.read_recent``), each passed verify gate's own measure at it (past its
  line, the mitigation did not hold: ``gate_reading.read_gates``), and the journal's failed checks, gates
  and running steps. A pane that could not be read is a concern of its own ("… was not read …: its value now is
  not known"): a source that is down or slow never reads as an all-clear; and stakeholder updates that fell
  due unsent since the last one (``cadence.missed_updates``: redteam41 G7, a P1 resolved after four hours with
  none sent was resolved with no word of it);
* what is shown is what is journaled: the resolution carries the confirmed reading's words,
  ``concerns_acknowledged``, and the moment they were read (``concerns_read_at``) when it is not the
  resolution's own. The resolution is stamped when the commander confirms; the panes are read
  again then, and any concern of that fresh reading the commander was not shown (a pane gone
  critical, a step failed since — not the same concern with a moved number) is journaled beside
  (``concerns_unseen``) and said, never folded into what was acknowledged (attack39 C2: the
  journal recorded "…, though the last 5m00s counted no flow failures …" as acknowledged under a
  dialog that showed "still critical (13.7%)").
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.errors import WarroomError
from warroom.incident.gate_reading import read_gates
from warroom.incident.metric_history import HistoryError, readings_at
from warroom.incident.metric_sync import Recent, read_recent, resolve_concerns

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

#: An ``Incident`` (``warroom.incident.session``, which imports this module: named, not imported)
Incident = Any


@dataclass(frozen=True)
class ConcernReading:
    """The concerns as read at ``at``, in the words shown and journaled."""

    at: datetime
    concerns: tuple[str, ...]


def said_at(at: datetime) -> str:
    return f"{at.astimezone(UTC):%H:%M:%S} UTC"


def read_concerns(inc: Incident, source: Any, at: datetime, *, speed: float = 1.0) -> ConcernReading:
    """The concerns at ``at`` (blocking: metric queries; a dialog calls it off the event loop).
    ``source`` None: no metric source is configured, so there are no panes to read."""
    return with_updates(inc.state, inc.config, _read(inc, source, at, speed))


def with_updates(state: IncidentState, config: Any, reading: ConcernReading) -> ConcernReading:
    """``reading`` and, last, the stakeholder updates that fell due unsent since the last one by its moment."""
    from warroom.incident.cadence import missed_updates

    missed = missed_updates(state, config, reading.at) if config is not None else None
    said = missed.concern(state) if missed is not None else ""
    return ConcernReading(reading.at, (*reading.concerns, said)) if said else reading


def _read(inc: Incident, source: Any, at: datetime, speed: float) -> ConcernReading:
    """:func:`read_concerns` but the updates."""
    state = inc.state
    if source is None:
        return ConcernReading(at, tuple(resolve_concerns(state, {}, at=at)))
    end = at.timestamp()
    try:
        synced = inc.sync_metrics(source, speed=speed, now=end)
    except (WarroomError, OSError) as exc:
        return unread_reading(state, at, str(exc))
    exact, recent, unread = {}, {}, set()
    for key, hist in synced.histories.items():
        try:
            readings = readings_at(source, hist.slo, [end], hist.step)
        except HistoryError:
            readings = {}
        if not readings:
            unread.add(key)        # no value at that moment: its last one is not quoted as now (attack39 C4)
        exact[key] = hist.with_readings(readings)
        lately: Recent | None = read_recent(source, hist.slo, end)
        if lately is not None:
            recent[key] = lately
    # a passed gate's own measure at the same moment: past its line, the mitigation did not hold (relapse)
    gates = read_gates(state, source, inc.config.slo, at, at=end)
    return ConcernReading(at, tuple(_not_read([s.title for s in inc.config.slo if s.id not in synced.histories],
                                              at, synced.errors)
                                    + resolve_concerns(state, exact, recent, unread, gates=gates, at=at)))


def _not_read(titles: list[str], at: datetime, errors: list[str]) -> list[str]:
    """One line naming the panes that were not read (the first error says why): a pane not read is
    not known to be fine."""
    if not titles:
        return []
    one = len(titles) == 1
    names = titles[0] if one else ", ".join(titles[:-1]) + " and " + titles[-1]
    why = f" ({errors[0]})" if errors else ""
    return [f"{names} {'was' if one else 'were'} not read at {said_at(at)}, so"
            f" {'its value' if one else 'their values'} now {'is' if one else 'are'} not known{why}"]


#: Wall seconds a reading may take before it is given up as "no answer" (a slow or dead source; each of
#: its queries also has the source's own timeout)
READ_DEADLINE = 10.0


def read_within(inc: Incident, source: Any, at: datetime, *, speed: float = 1.0,
                deadline: float = READ_DEADLINE) -> ConcernReading:
    """``read_concerns`` in at most ``deadline`` wall seconds: a source that errs or gives no answer in
    time gives the journal's own concerns under a line that says the panes could not be read (a
    dialog opened or a resolution confirmed is never held up by a slow Prometheus, nor told all is
    clear by it). The read given up on ends in its thread under its queries' own timeouts."""
    box: list[ConcernReading] = []

    def work() -> None:
        try:
            box.append(read_concerns(inc, source, at, speed=speed))
        except (WarroomError, OSError) as exc:
            box.append(unread_reading(inc.state, at, str(exc), inc.config))

    worker = threading.Thread(target=work, name="warroom-concerns", daemon=True)
    worker.start()
    worker.join(deadline)
    return box[0] if box else unread_reading(inc.state, at, f"no answer within {deadline:g}s", inc.config)


def unread_reading(state: IncidentState, at: datetime, why: str, config: Any = None) -> ConcernReading:
    """The concerns when the panes could not be read at all at ``at`` (``why``): the journal's own,
    under a line that says no pane's value now is known (``config``: the updates' cadence, :func:`with_updates`)."""
    line = f"the panes could not be read at {said_at(at)} ({why}): no pane's value now is known"
    return with_updates(state, config, ConcernReading(at, (line, *resolve_concerns(state, {}, at=at))))


_MOVING = re.compile(r"\([^()]*\)|[-+]?\d[\d.,:]*(?:e[-+]?\d+)?%?")


#: a step named in a concern (``step 8 (Check the breaker)``, ``RB-LAUNCH-002 step 4 (…)``: ``state.step_name``
#: and its label): who the concern is about, kept whole, never a figure that moved
_STEP = re.compile(r"(?:\bRB-[\w-]+ )?\b[Ss]tep [\w.-]+(?: \([^()]*\))?")


def concern_key(line: str) -> str:
    """What a concern is about, its figures and parentheses aside: "still critical (13.7%…)" and
    "still critical (13.9%…)" are one concern read twice, "still in warning" another. A step it names
    stays whole: "step 8 (…): expectation not met" and "step 12 (…): expectation not met" are two
    concerns (attack40 A5: both read "step : expectation not met", and a failure that came while the
    commander read the prompt was taken for the one shown: neither said nor journaled as unseen)."""
    parts = _STEP.split(line)
    named = _STEP.findall(line)
    kept = [_MOVING.sub(" ", part) + (named[i] if i < len(named) else "") for i, part in enumerate(parts)]
    return " ".join("".join(kept).split())


def unseen(confirmed: ConcernReading, fresh: ConcernReading) -> list[str]:
    """The concerns of ``fresh`` that the commander, shown ``confirmed``, was not shown."""
    known = {concern_key(c) for c in confirmed.concerns}
    return [c for c in fresh.concerns if concern_key(c) not in known]
