"""The simulator: the drill world for one scenario, following the recorded actions.

``Simulator`` integrates the series (``warroom.drill.series``) for the actions recorded so far,
keeps the integration on disk for the short-lived stand-ins (``series.cache``), and answers
PromQL over it. ``warroom.drill.directory`` (the drill on disk, its clock) makes it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import operator
import os
import re
import stat
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from warroom import paths
from warroom.config import default_slos
from warroom.drill import activity
from warroom.drill.actions import Action
from warroom.drill.model import Signals
from warroom.drill.promql import Catalog, Many, Sample, evaluate, evaluate_many, shown
from warroom.drill.scenarios import Scenario
from warroom.drill.series import GRID, Series

SERIES_CACHE = "series.cache"
SEEDS = "drill-worlds"
"""Under the user's cache dir (``paths.user_cache_dir``): per scenario, the world before any action as a new drill's
warm-up integrated it (``Simulator.save_seed``): the cache file each later new drill of the scenario starts with
(``plant_seed``), in every state dir. Safe to delete: a drill without one integrates the same rows itself."""
_CACHE_VERSION = 5        # v5: the autoscaler's loop in the header (Capacity.dump); v4: held chunk count,
                          # every chunk's first row and rates, the held chunks (Series.dump)


@functools.cache
def _code_fingerprint() -> str:
    """What the cached integration depends on besides the actions: the simulator's own code (the
    estate, the signals, the scenarios, the rates, the integration) and the float maths of this machine."""
    from warroom.drill import autoscale, cluster, fleet, model, queue, scenarios, series

    crc = 0
    files = [Path(m.__file__ or "") for m in (autoscale, cluster, fleet, model, queue, scenarios, series)]
    for path in files + sorted(scenarios.HERE.glob("*.toml")):
        crc = zlib.crc32(path.read_bytes(), crc)
    return f"{crc:08x} py{sys.version_info[0]}.{sys.version_info[1]} {os.uname().machine}"


def seed_file(scenario: str) -> Path:
    """Where a new drill of ``scenario`` finds its seed (``SEEDS``)."""
    return paths.user_cache_dir() / SEEDS / f"{scenario}.cache"


def plant_seed(cache: Path, scenario: str) -> bool:
    """Give a new drill (``cache``: its cache file, not there yet) its scenario's seed: its warm-up child is then not
    started (``tui.drill_warmup``), and its first poll and its stand-ins read the two hours before any action from the
    file instead of integrating them again, 0.7-0.85 s CPU for every new drill. The rows of a world are the same
    whatever the drill's ids, speed or start (scenario seconds only: ``test_drill_seed``). Planted only from a seed
    this very code wrote for this scenario with no action recorded, whole (its digest: a damaged row would be drawn,
    attack54 F3), that the drill will read (``_seed_rows``), in a regular file of this user's that nobody else may
    write (its numbers are what the drill will draw); else nothing is planted and the drill starts as without one
    (its warm-up child then writes the seed anew: ``Simulator.save_seed``). True when planted."""
    from warroom.drill.scenarios import get_scenario

    data = _read_own(seed_file(scenario))
    if data is None or _seed_rows(data, get_scenario(scenario)) is None:
        return False
    return _write(cache, data)


def _seed_rows(data: bytes, scenario: Scenario) -> int | None:
    """The rows ``data`` gives a new drill of ``scenario``, or None when it is not a seed to plant: another
    warroom's or scenario's, made with actions, not whole (its digest), or one the drill would not read
    (``Simulator._load_cache``: its grid's start and width, rows that add up, judged by the same ``Series.load``; a
    count of rows its body cannot hold is refused before, as it would make the load walk that many chunks)."""
    # A planted seed that did not read left the drill's cache file there, so its warm-up child never started and its
    # dashboard integrated the two hours in-process, and so did every later drill of the scenario (attack54 F5).
    head, _, body = data.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        return None
    made = {"v": _CACHE_VERSION, "code": _code_fingerprint(), "scenario": scenario.name, "actions": []}
    if not isinstance(header, dict) or any(header.get(k) != v for k, v in made.items()):
        return None
    if header.get("digest") != seed_digest(header, body):
        return None
    series = Series(Signals(scenario, ()))     # the rows' layout is the scenario's (~1 ms)
    if any(header.get(k) != v for k, v in _stamp(scenario.name, series).items()):
        return None
    try:
        rows = int(header["rows"])
        if not 0 < 16 * series.width * math.ceil(rows / series.CHUNK) < len(body):   # each chunk's first row, rates
            return None
        series.load(body, rows)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return rows if rows > 0 and series.rows == rows else None


def seed_digest(header: Mapping[str, object], body: bytes) -> str:
    """A seed's digest: of its header (every key but the digest, as JSON with sorted keys) and its rows. The header is
    drawn too — its autoscaler's loop (``capacity``) sets the ready pods a drill reads — so a seed with only its header
    changed is not planted either (attack55 F7: 3 ready pods for 5 drew P95 112.6 s for 103.2, in every new drill of
    the scenario, for good)."""
    said = json.loads(json.dumps({k: v for k, v in header.items() if k != "digest"}))   # as a reader parses it
    h = hashlib.blake2b(json.dumps(said, sort_keys=True).encode(), digest_size=16)
    h.update(b"\n")
    h.update(body)
    return h.hexdigest()


def _read_own(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of this user's that nobody else may write; None otherwise, at
    once (a FIFO is never waited on, a symlink never followed, a directory never read: attack54 F4)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> bool:
    """``data`` into ``path`` whole or not at all (a reader never meets half a file), only this user may read it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with open(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


#: The modules whose code and module-level values a world's rows are made of (``_code_fingerprint``'s, and those they
#: import from): the in-process worlds before any action (``_before``) are lent only while each is as imported.
LENT_UNTIL = 6 * 3600.0
"""Scenario time up to which a world takes its rows from the world before any action (``_Before``): its history and
the drill's first hours, where every test reads (one such world of 8 hours: 2-3 MB a scenario, for good)."""
_WORLD_CODE = ("actions", "autoscale", "cluster", "fleet", "model", "queue", "scenarios", "series")
_CACHES = frozenset({"_searches", "_searches_lock"})    # module-level memos the worlds write as they run (by identity)


def _namespaces() -> list[Mapping[str, object]]:
    """The namespaces a world's rows are made of: every module of ``_WORLD_CODE`` and each class it defines."""
    import importlib

    out: list[Mapping[str, object]] = []
    for name in _WORLD_CODE:
        module = importlib.import_module(f"warroom.drill.{name}")
        out.append(vars(module))
        out += [vars(v) for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]
    return out


def _contents(container: object) -> object:
    """A copy of a dict's items, a list's or a set's elements: compared by value (a ``setitem`` swaps no identity)."""
    return list(container.items()) if isinstance(container, dict) else list(container)     # type: ignore[call-overload]


def _containers(namespace: Mapping[str, object]) -> list[tuple[object, object]]:
    """A namespace's dicts, lists and sets but its memos (``_CACHES``), each with a copy of what it holds."""
    return [(v, _contents(v)) for k, v in namespace.items()
            if isinstance(v, (dict, list, set)) and k not in _CACHES and not k.startswith("__")]


# As imported, before any caller in this process could patch it: each namespace, its names, its values (held: an
# original a patch swapped out stays alive, so no other object takes its id), its containers' contents.
_SHIPPED = [(ns, list(ns), list(ns.values()), _containers(ns)) for ns in _namespaces()]


def _as_shipped() -> bool:
    """Whether the worlds' code is as this process imported it: in every namespace of ``_WORLD_CODE`` the same names
    bound to the same objects (by identity: a test's ``monkeypatch.setattr``), the same contents in its dicts, lists
    and sets (a ``setitem``)."""
    return all(len(ns) == len(values) and all(map(operator.is_, ns.values(), values)) and list(ns) == names
               and all(_contents(c) == held for c, held in containers) for ns, names, values, containers in _SHIPPED)


class _Before:
    """Per scenario, this process's world before any action, lent to every world of the scenario for its rows before
    its first action (``Series.donate``): each test, each fresh ``Simulator`` (a stand-in's, a drill report's
    what-if of another drill) integrated those hours again (perf56: 45 % of the rows a drill test integrated were a
    world before any action some earlier world of the same process had integrated the same). Its own world, never a
    caller's: no caller's instance (a signal patched on it, an ``on_release`` view) ever becomes one, and it is lent
    only while the worlds' code is as imported (``_as_shipped``; a test that patches the model gets its patched
    world, and writes none here), for the scenario it was made for (equal, as a frozen ``Scenario`` compares)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()       # the simulators of one process share it (the dashboard's threads)
        self._worlds: dict[str, tuple[Scenario, Series]] = {}

    def lend(self, scenario: Scenario, row: int, have: int = 0) -> Series | None:
        """The world before any action of ``scenario``, integrated up to ``row`` at least; None when the code is not
        as imported, or when the borrower, holding ``have`` rows already (a cache file's), is further on than this
        process's world: it integrates on from its own rows, not this one from row 0 (a stand-in or a CLI command
        one row past its drill's cache integrated the whole world again)."""
        with self._lock:
            if not _as_shipped():
                return None
            held = self._worlds.get(scenario.name)
            if (held is None or held[0] != scenario) and have > 0:
                return None
            if held is None or held[0] != scenario:
                held = self._worlds[scenario.name] = (scenario, Series(Signals(scenario, ())))
            world = held[1]
            if world.rows < have:
                return None
            world._extend(row)
            return world


_before = _Before()


#: Actions the world never reads (no signal, rate, pod or flow follows them; the drill report and the journal do): a
#: world that differs from another only by these is that world, and takes up all of it (``Simulator._world``). Each
#: ``blocks test-flow`` re-ran a breaker world's six hours of quota from its moment (perf49).
RECORDS = frozenset({"test_flow", "notify", "page", "status_page"})


def _worldly(actions: Sequence[Action]) -> list[Action]:
    return [a for a in actions if a.action not in RECORDS]


def _kinds(actions: Sequence[Action]) -> list[tuple[str, float]]:
    return [(a.action, a.t) for a in actions]


def changed_from(old: Sequence[tuple[str, float]], new: Sequence[tuple[str, float]]) -> float | None:
    """Scenario time of the earliest action in which two records ((action, t) each) differ; None when
    the world is the same (actions change it only from the moment they are taken)."""
    same = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    return min((t for _, t in (*old[same:], *new[same:])), default=None)


def _stamp(scenario: str, series: Series) -> dict[str, object]:
    """What a cache file must have been made with to be read: format, code, scenario, grid."""
    return {"v": _CACHE_VERSION, "code": _code_fingerprint(), "scenario": scenario, "t0": series.t0,
            "width": series.width}


class Simulator:
    """The drill world for one scenario: ``actions`` is called before every question; when the list changed, the series
    are rebuilt but the integration before the earliest new action is kept (the past cannot change). Thread-safe: the
    dashboard fetches from worker threads."""

    def __init__(self, scenario: Scenario, actions: Callable[[], list[Action]] | None = None,
                 unix: Callable[[float], float] | None = None, cache: Path | None = None,
                 now: Callable[[], float] | None = None, ids: str | None = None) -> None:
        self.scenario = scenario
        self.ids = ids                # the seed of its flows' task ids (``Drill.ids``; None: the scenario's name)
        self._actions_fn = actions or (lambda: [])
        self.unix = unix or (lambda t: t)
        self.now = now            # the drill's clock (scenario seconds): PromQL reads no sample after it
        self.cache = cache
        self._lock = threading.RLock()
        self._catalog: Catalog | None = None      # the PromQL catalogue over ``_series``
        self._series: Series | None = None
        self._actions: tuple[Action, ...] = ()    # the actions ``_series`` follows, as recorded
        self._loaded_rows = 0                     # rows the cache file held when read or written
        self._loaded_samples = 0                  # and samples of the autoscaler's loop
        self.slots_from = math.inf                # ``Signals.slots_from`` of every world it builds (``what_if``)

    def _world(self) -> Catalog:
        """The catalogue for the actions recorded now: the series are rebuilt from the first
        changed action on (the first time, read from the cache file as far as it is valid)."""
        with self._lock:
            current = tuple(self._actions_fn())
            if self._series is None and self.cache is not None and (cached := self._load_cache(current)):
                self._series, self._actions, self._catalog = cached, current, Catalog(cached, self.unix)
                self._lend(cached, current)
            if self._catalog is None or current != self._actions:
                old, was, now = self._series, _worldly(self._actions), _worldly(current)
                drawn = changed_from(*([(a, a.t) for a in x] for x in (was, now)))     # whole records
                drawn = math.inf if drawn is None else drawn
                series = Series(Signals(self.scenario, current, ids=self.ids,
                                        follows=None if old is None else (old.signals, drawn)))
                series.signals.slots_from = self.slots_from
                if old is not None:
                    since = changed_from(_kinds(was), _kinds(now))
                    series.adopt(old, old.t0 + GRID * old.rows if since is None else since)
                    activity.adopt(old.signals, series.signals, drawn)
                    if "capacity" in old.signals.__dict__:        # the autoscaler's loop is kept the same way
                        series.signals.capacity.adopt(old.signals.capacity, since)
                self._series, self._actions, self._catalog = series, current, Catalog(series, self.unix)
                self._lend(series, current)
            return self._catalog

    def _lend(self, series: Series, actions: Sequence[Action]) -> None:
        """Let ``series`` take its rows before its first action from this process's world before any (``_Before``)."""
        scenario, first = self.scenario, min((a.t for a in _worldly(actions)), default=math.inf)
        series.donate(lambda row, have: _before.lend(scenario, row, have), min(first, LENT_UNTIL))

    def refresh(self) -> Series:
        """The series for the actions recorded now. Reading it integrates (and evicts) rows, and its
        ``signals.capacity`` runs the autoscaler's loop lazily: in a process where other threads ask
        this simulator (the dashboard's polls), read it only inside :meth:`holding`."""
        return self._world().series

    @contextmanager
    def holding(self) -> Iterator[Series]:
        """The series for the actions recorded now, with every other thread kept out until the block ends. ``evaluate``
        and friends take the same (re-entrant) lock, so a reader that works on the series or its signals directly (the
        end-of-drill report counting flows while the dashboard polls) never integrates or evicts rows under another
        thread's feet: that race raised ``IndexError: array index out of range`` from the report under load."""
        with self._lock:
            yield self._world().series

    def what_if(self, actions: Sequence[Action]) -> Simulator:
        """This world had ``actions`` been recorded instead (no cache file, no clock: the drill report's "without
        it"): a simulator of its own that starts from this one's integration before the first action that differs,
        as ``_world`` keeps it when the record changes (the past an action cannot change is the same to the bit).
        Built from scratch, each action the report weighs integrated the drill's two hours of history again."""
        other = Simulator(self.scenario, lambda: list(actions), self.unix, ids=self.ids)
        with self.holding() as series:   # this world's rows are read under its lock, then never shared
            other._series, other._actions = self._series, self._actions
            # counted as this one counts: flow by flow from when a cap first acted here, so the difference between the
            # two is what the actions changed, not one world's counters stepping flow by flow beside the other's curve
            other.slots_from = min(series.signals.queue.first, series.signals.slots_from)
            other._world()
        return other

    def start_from(self, before: Simulator) -> bool:
        """Answer from ``before``'s world until this simulator's first action, instead of reading or integrating one
        of its own: ``before`` is a simulator of the same scenario and task-id seed with no action recorded, and this
        one has read no world yet and has no action recorded either. The world before any action depends on nothing
        else, so its answers are a fresh simulator's to the bit (its own clock, ``unix`` and cache file still apply);
        a process that makes many fresh simulators of one scenario (a fuzz's drills) reads that world once.

        Neither writes what the other answers from: this one's first action builds it a world of its own from the
        shared one's rows before it (``_world``: the rows, the quota burnt and the flows drawn are copied, never
        written, as when a record changes), and ``before`` goes on with the world it had. Until then both read one
        ``Series`` (integrating a row later is the same row whichever asks, but a ``Series`` is not thread-safe),
        so from here on this one takes ``before``'s lock: call it before any other thread asks this simulator.

        True when this simulator now starts from ``before``'s world; False, nothing changed, when it has a world or
        an action already (its own world stands). ``ValueError`` when ``before`` is of another scenario or seed or
        has an action recorded."""
        if before.scenario != self.scenario or before.ids != self.ids:
            raise ValueError(f"{before.scenario.name} ({before.ids}) is not {self.scenario.name} ({self.ids})")
        with self._lock:
            if self._series is not None or self._actions_fn():
                return False
        with before.holding() as series:
            if series.signals.actions:
                raise ValueError(f"{self.scenario.name}: the world to start from has actions recorded")
            self._lock = before._lock
            self._series, self._actions, self._catalog = series, (), Catalog(series, self.unix)
        return True

    @property
    def signals(self) -> Signals:
        return self.refresh().signals

    def _stamp(self, series: Series) -> dict[str, object]:
        return _stamp(self.scenario.name, series)

    def _load_cache(self, current: tuple[Action, ...]) -> Series | None:
        """The cache file's integration, up to the first action that differs from ``current``: a
        stand-in lives for one command, and integrating from scratch would cost each a tenth of a
        second or more (the file: a JSON header naming the actions it was made with, raw doubles)."""
        assert self.cache is not None
        try:        # read before the world is built: a drill with no file yet (its first read) built two, one unused
            head, _, body = self.cache.read_bytes().partition(b"\n")
            header = json.loads(head)
            cached = [(str(a), float(t)) for a, t in header["actions"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        series = Series(Signals(self.scenario, current, ids=self.ids))
        try:
            if any(header.get(k) != v for k, v in self._stamp(series).items()):
                return None           # another format, or made by other simulator code: its rows may differ
            since = changed_from(cached, _kinds(series.signals.actions))
            series.load(body, int(header["rows"]), since)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if "capacity" in header:
            series.signals.capacity.load(header["capacity"], since)
            self._loaded_samples = series.signals.capacity.samples
        self._loaded_rows = series.rows
        return series

    def save_cache(self, new_rows: int = 1) -> None:
        """Write the integration (and the autoscaler's loop) to the cache file if this process extended
        either by ``new_rows`` rows (5 s samples) or more."""
        with self._lock:
            series = self._series
            loop = None if series is None else series.signals.__dict__.get("capacity")
            samples = 0 if loop is None else loop.samples
            if self.cache is None or series is None or (series.rows - self._loaded_rows < new_rows and
                                                        samples - self._loaded_samples < new_rows):
                return
            if _write(self.cache, self._file(series)):
                self._loaded_rows, self._loaded_samples = series.rows, samples

    def _file(self, series: Series, digest: bool = False) -> bytes:
        """The cache file of ``series`` (and of its autoscaler's loop, when it ran): a JSON header, raw doubles; with
        ``digest``, the digest of the header and the doubles in the header (a seed's: ``plant_seed``)."""
        header: dict[str, object] = {**self._stamp(series), "rows": series.rows,
                                     "actions": _kinds(series.signals.actions)}
        if (loop := series.signals.__dict__.get("capacity")) is not None:
            header["capacity"] = loop.dump()
        body = series.dump()
        if digest:
            header["digest"] = seed_digest(header, body)
        return json.dumps(header).encode() + b"\n" + body

    def save_seed(self) -> None:
        """Keep this world as its scenario's seed (``plant_seed``) when no action is recorded in it and it holds more
        rows than the seed, or the seed is not one a drill is given (``_seed_rows``: one that would not be planted is
        written over, never kept because its header says enough rows). Called by the warm-up child alone
        (``tui.drill_warmup``): a process that runs warroom's code as it is on disk, so a seed is the shipped world's,
        never one an in-process caller changed (a test's patch) — that seed would hand its rows to every later drill of
        the scenario."""
        with self._lock:
            series, seed = self._series, seed_file(self.scenario.name)
            if series is None or series.signals.actions:
                return
            old = _read_own(seed)
            if old is not None and (rows := _seed_rows(old, self.scenario)) is not None and rows >= series.rows:
                return
            try:
                seed.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError:
                return
            _write(seed, self._file(series, digest=True))

    def pane(self, pane_id: str, t: float, window: str | None = None) -> float | None:
        """A default SLO pane (``failure_rate``, ``quota`` ...) at scenario time ``t``, exactly as
        the drill's dashboard shows it: the pane's own query on the evaluator (over ``window``, a
        PromQL range such as ``48h``, in place of the query's own, when given)."""
        return self.panes(pane_id, [t], window)[0]

    def panes(self, pane_id: str, times: list[float], window: str | None = None) -> list[float | None]:
        query = {s.id: s.query for s in default_slos()}[pane_id]          # KeyError: no such pane
        many = self.evaluate_many(re.sub(r"\[[^\]]+\]", f"[{window}]", query) if window else query, times)
        return [shown(many.at(j))[0] for j in range(len(times))]

    def evaluate(self, expr: str, t: float) -> float | list[Sample]:
        """Evaluate PromQL at scenario time ``t``; raises ``PromQLError``."""
        with self._lock:
            return evaluate(self._world(), expr, t, self.now() if self.now else None)

    def evaluate_many(self, expr: str, times: list[float], lenient: bool = False) -> Many:
        with self._lock:
            return evaluate_many(self._world(), expr, times, self.now() if self.now else None, lenient)

    def first_crossing(self, pane_id: str, threshold: float, start: float, end: float,
                       step: float = 5.0) -> tuple[float, float] | None:
        """(scenario time, value) of the first point in [start, end] (every ``step`` s) past ``threshold``
        (strictly, as a breach is judged); read an hour at a time: neither one huge query nor slow."""
        n = int(max(0.0, end - start) // step) + 1
        batch = max(1, int(3600.0 // step))
        for first in range(0, n, batch):
            times = [start + i * step for i in range(first, min(n, first + batch))]
            hit = next(((t, v) for t, v in zip(times, self.panes(pane_id, times), strict=True)
                        if v is not None and v > threshold), None)
            if hit is not None:
                return hit
        return None
