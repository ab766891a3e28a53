"""What each pane's query answered at each grid time, kept with the incident, so a command asks
the metric source only for what it has not answered yet.

Every CLI command (``show``, ``tick``, ``run``, ``export`` …) and the dashboard's poll read every
pane over the whole incident window (breaches, recoveries, the PIR's numbers:
``warroom.incident.metric_sync``). For a drill each point costs the simulator an integration
that grows with the drill's age: five hours into a x60 drill, 16 of the 17 seconds ``incident
show`` took were re-reading the past. A drill's answer at a time never changes unless the world it
was computed on changes, and the source says exactly when that is: ``world()`` stamps the answers,
``unchanged_until(old, new)`` is the unix time before which answers given on ``old`` are still
``new``'s. So the memo keeps, per query and direction, the folded point at each grid time asked
(or that there was none), forgets every point the world's change can reach, and asks the source
only for the rest, on the very grid it would have read (``walls``). What a caller gets is, float
for float, what reading the whole window again gives (``tests/unit/test_history_memo.py``
compares the two after actions, across grid changes and after a kill).

Only a source that can say so is memoised (the drill's); a Prometheus' past changes (late
scrapes, backfills), and a query whose answer depends on the batch or on now (``@ start()``,
``offset``) is always read whole. The file is a cache: one that cannot be read is started afresh.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warroom.incident.files import write_private_file
from warroom.journal import numbers
from warroom.journal.encoding import JournalError

MEMO_FILE = "panes.cache"
#: 2: a drill's points are read at their exact instants (``DrillSource.walls``/``query_at``); a
#: version-1 file may hold the scrape before, at times the new grid still hits: never served.
VERSION = 2
#: A query whose points depend on the other points asked (``@ start()``/``@ end()``) or may
#: read past their own time up to now (a negative ``offset``): never memoised.
_BATCH_BOUND = re.compile(r"@|\boffset\b", re.IGNORECASE)

Fold = Callable[[Any, str], list[tuple[float, float]]]


def serves(source: Any, expr: str) -> bool:
    """This source's answers to ``expr`` can be kept (see the module docstring)."""
    return all(callable(getattr(source, name, None)) for name in ("walls", "query_at", "world", "unchanged_until")) \
        and not _BATCH_BOUND.search(expr)


class HistoryMemo:
    """The points kept for one incident (``path``: its ``panes.cache``; None keeps them in memory
    only). Thread-safe: the dashboard reads the history from worker threads."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._world: dict[str, Any] | None = None
        self._points: dict[str, dict[float, float | None]] = {}
        self._loaded = path is None
        self._dirty = False
        self.asked = 0          # points asked of the source by this memo (what tests and benches count)

    def read(self, source: Any, expr: str, direction: str, start: float, end: float, step: float,
             fold: Fold) -> list[tuple[float, float]]:
        """``fold(source.query_range(expr, start, end, step), direction)``, asking the source only
        for the grid times not answered on a world still valid. Raises what the source raises."""
        with self._lock:
            self._load()
            self._follow(source)
            walls = source.walls(start, end, step)
            known = self._points.setdefault(f"{direction} {expr}", {})
            missing = [w for w in walls if w not in known]
            if missing:
                got: dict[float, float] = {}
                for batch in _batches(missing, float(getattr(source, "batch_span", math.inf))):
                    got.update(fold(source.query_at(expr, batch), direction))
                known.update((w, got.get(round(w, 3))) for w in missing)
                self.asked += len(missing)
                self._dirty = True
            if len(known) > 2 * len(walls) + 16:      # the grid changed (the window doubled its step)
                kept = {w: known[w] for w in walls}
                known.clear()
                known.update(kept)
                self._dirty = True
            return sorted((round(w, 3), v) for w in walls if (v := known[w]) is not None)

    def _follow(self, source: Any) -> None:
        """Forget what the world's change since the points were read can reach."""
        world = source.world()
        if self._world is not None and world != self._world:
            until = source.unchanged_until(self._world, world)
            for known in self._points.values():
                for w in [w for w in known if not w < until]:
                    del known[w]
            self._dirty = True
        self._world = world

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        assert self.path is not None
        try:
            doc = json.loads(self.path.read_bytes())
            if doc.get("version") != VERSION or not isinstance(doc.get("world"), dict):
                return
            points = {str(key): {float(w): _kept(v) for w, v in pts} for key, pts in doc["points"].items()}
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return          # a cache that cannot be read is made again: every point is asked afresh
        self._world, self._points = doc["world"], points

    def save(self) -> None:
        """Write the points if they changed (atomically, private: it sits beside the journal)."""
        with self._lock:
            if self.path is None or not self._dirty or self._world is None:
                return
            doc = {"version": VERSION, "world": self._world,
                   "points": {k: [[w, v if v is None else numbers.encode(v)] for w, v in sorted(pts.items())]
                              for k, pts in self._points.items()}}
            try:
                write_private_file(self.path, json.dumps(doc).encode("utf-8"))
            except JournalError:        # write_private_file's: the directory cannot take it
                return      # a cache: unwritten, the next command asks the source again (and this one's
                            # points stay in memory, dirty, for this process's next save)
            self._dirty = False


def _batches(walls: list[float], span: float) -> list[list[float]]:
    """``walls`` (ascending) in runs no longer than ``span`` seconds: the source's hint of how much
    of its past one question should cover (a drill re-integrates what it no longer holds, and
    one question over days read every hour of it once per operand; an hour at a time reads each
    once)."""
    out: list[list[float]] = []
    for w in walls:
        if out and w - out[-1][0] < span:
            out[-1].append(w)
        else:
            out.append([w])
    return out


def _kept(v: Any) -> float | None:
    """A kept value: a float (±Inf in its string form, ``warroom.journal.numbers``), or None (the
    source had no point there)."""
    if v is None:
        return None
    f = numbers.decode(v)
    if f is None or math.isnan(f):
        raise ValueError("a kept point is not a number")
    return f
