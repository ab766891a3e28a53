"""Counters and histogram buckets of the drill world, as Prometheus would scrape them.

The signals in ``model`` are rates and shares; a scrape sees cumulative counters, so ``Series``
integrates the rates on a fixed 5 s grid (trapezoids anchored at a fixed scenario time: the numbers
never depend on when or how often anyone looks), from the totals of three days of healthy running. The flows are
counted as the tasks are: whole flows begun, and each repo's failure count raised flow by flow (``Series.steps``).
"""

from __future__ import annotations

import bisect
import functools
import math
import sys
from array import array
from collections import OrderedDict
from collections.abc import Callable

from warroom.drill import actions, fleet
from warroom.drill.model import Signals, call_law, durations, lognormal_cdf
from warroom.drill.queue import Slots

GRID = 5.0                  # integration step, scenario seconds
#: the request counter's provider label for a call to a model no provider serves: FlowEngine's client labels a call by
#: the provider its model resolves to, and an exporter writes "unknown" for a label it cannot resolve
NOWHERE = "unknown"
HISTORY = actions.HISTORY   # history kept before the drill starts (1 h windows + 30 min sparkline)
UPTIME = 3 * 86400.0        # counters look like a process that has run for three days
DERIVED = ("exec", "fail", "bucket", "count", "sum")     # the counters the slots hold once a cap acts (``schedule``)

Key = tuple[str, ...]

# ``le`` values in the canonical float form client libraries use ("5.0", "+Inf").
BUCKET_LABELS: tuple[str, ...] = tuple(repr(float(b)) for b in fleet.LATENCY_BUCKETS) + ("+Inf",)
BOUNDS: tuple[float, ...] = tuple(float(b) for b in fleet.LATENCY_BUCKETS) + (math.inf,)


class Series:
    """Cumulative counters for one scenario + action set, integrated lazily up to any time.

    Rows (one per grid point, ``width`` counters each) are held in hour chunks, the ``KEEP`` most recently used
    (``HELD`` bytes: days of rows, so panes scanning a long drill integrate each row once); every chunk's first row
    and rates are kept, so a dropped hour is re-integrated bit for bit. Not thread-safe: ``Simulator`` serialises.
    """

    CHUNK = 720                 # rows per chunk: an hour of scenario time
    HELD = 32 << 20             # bytes of chunks held in memory (``KEEP``); the cache file takes the 4 last used

    def __init__(self, signals: Signals, t0: float = -HISTORY) -> None:
        self.signals = signals
        self.t0 = math.floor(t0 / GRID) * GRID
        self.codes: tuple[str, ...] = ("200", "429", *sorted(signals.scenario.codes_5xx))
        self.repos = repos = signals.repos      # the estate's and the story's onboarded ones (``Signals.repos``)
        self.keys: list[Key] = [*(("exec", r.name) for r in repos), *(("fail", r.name) for r in repos),
                                *(("req", p.name, c) for p in fleet.PROVIDERS for c in self.codes),
                                *((("req", NOWHERE, "404"),) if signals.sends_nowhere else ()),
                                *(("bucket", b) for b in BUCKET_LABELS), ("count",), ("sum",),
                                *(("arr", r.name) for r in repos)]      # flows asked for; ``exec``: started
        self.width = len(self.keys)
        self.KEEP = max(4, self.HELD // (8 * self.CHUNK * self.width))   # chunks held in memory
        self.index: dict[Key, int] = {k: i for i, k in enumerate(self.keys)}
        self._hist = self.index[("bucket", BUCKET_LABELS[0])]        # the histogram's columns, then count and sum
        self._repos = {r.name: i for i, r in enumerate(repos)}
        self._cols = [(self.index[("arr", r.name)], self.index[("fail", r.name)]) for r in repos]   # each repo's two
        self._laws = [[j for j, r in enumerate(repos) if (r.name in signals._since) == new]    # the repos of each law
                      for new in sorted({r.name in signals._since for r in repos})]          # (``rates``)
        self.rows = 0                                                # rows integrated so far
        self._starts: list[tuple[array[float], list[float]]] = []    # each chunk's first row, its rates
        self._chunks: OrderedDict[int, array[float]] = OrderedDict()  # held chunks, least recent first
        # the newest row and its rates: integrating on from a row needs its rates, and a read past the rows (each
        # stand-in, each poll) worked them out again, as dear as a row
        self._tail: tuple[int, list[float]] = (-1, [])
        self._columns: dict[tuple[int, int], tuple[array[float], int, array[float]]] = {}     # ``_column``
        self._spans: dict[int, tuple[float, float]] = {}        # ``span`` of each grid step FlowEngine's gate cuts
        self._asked = (*range(len(repos)), *range(self.width - len(repos), self.width))   # flows asked for: arr, exec
        self._donor: Callable[[int, int], Series | None] | None = None   # ``donate``: who holds its first rows
        self._donated = 0                                           # and how many of them it may take

    def rates(self, t: float) -> list[float]:
        """Per-second increments of every counter at ``t``, in ``keys`` order: every flow as it is asked for (once a cap
        acts, ``columns`` reads the flows started and failed and their durations off FlowEngine's slots instead)."""
        s = self.signals
        execs = [s.exec_rate(r, t) for r in self.repos]
        shares = [s.fails(r, t) if rate else (0.0, 0.0) for r, rate in zip(self.repos, execs, strict=True)]
        fails = [rate * f for rate, (f, _) in zip(execs, shares)]
        out = execs + fails
        for p in fleet.PROVIDERS:
            total, codes = s.request_rate(p, t), s.code_shares(p, t)
            out += [total * codes.get(c, 0.0) for c in self.codes]
        if s.sends_nowhere:
            out.append(sum(execs) * s.nowhere(t))
        held = s.reviewing(t)       # a flow held for review does not complete
        hist = [0.0] * (len(BOUNDS) + 2)
        # by each repo's own law (an onboarded repo's flows carry their faults: ``latency_median(t, repo)``), summed
        # over the repos that share one (redteam44 T1: one law for all hid whose flows were slow)
        for mine in self._laws:
            killed = sum([execs[j] * shares[j][1] for j in mine])
            done = 0.0 if held else sum([execs[j] for j in mine]) - sum([fails[j] for j in mine])
            law = durations(s.latency_median(t, self.repos[mine[0]]), BOUNDS, done,
                            sum([fails[j] for j in mine]) - killed, killed,
                            tuple((sum([execs[j] for j in mine]) * share, floor) for share, floor in s.waited(t)))
            hist = [a + b for a, b in zip(hist, law, strict=True)]
        return out + hist + execs

    @functools.cached_property
    def releases(self) -> dict[int, list[float]]:
        """The duration histogram's increase (each bucket, count, sum) at the row where manual review's held flows run
        on (``Signals.holds``), by row: what ``rates`` left out while it held them (``done`` 0), each with the time it
        waited from its start to the release, as the tasks table ends them ("succeeded" then, ``Activity._flow``).
        redteam47 F3 / redteam49 F10: ~250 flows held 5-56 minutes ended at the release and the histogram never saw
        them, so the P95 pane read 73 s OK. Worked out once a world, from the same rates at the same grid points
        (the trapezoid ``_integrate`` takes), so the held flows are counted as the rows would have counted them."""
        out: dict[int, list[float]] = {}
        s = self.signals
        for first, release in s.holds():
            lump = [0.0] * (len(BOUNDS) + 2)
            j0, i = max(1, math.ceil((first - self.t0) / GRID)), math.ceil((release - self.t0) / GRID)
            held = [self._held_rate(self.t0 + j * GRID) for j in range(j0 - 1, i + 1)]
            for j in range(j0, i + 1):      # the step from row j - 1 to row j, at its middle
                n = (held[j - j0] + held[j - j0 + 1]) * GRID / 2.0
                waited = release - (self.t0 + (j - 0.5) * GRID)
                if n <= 0.0:
                    continue
                for b, bound in enumerate(BOUNDS):
                    lump[b] += n if waited <= bound else 0.0
                lump[-2] += n
                lump[-1] += n * max(waited, 0.0)
            if lump[-2] > 0.0:
                prev = out.get(i, [0.0] * len(lump))
                out[i] = [a + b for a, b in zip(prev, lump, strict=True)]
        return out

    def _released(self, h: int, t0: float, t: float) -> float:
        """Histogram column ``h``'s part of the held flows released after ``t0`` by ``t``, as the rows hold it (each
        release's lump taken up over the grid step that ends at its row, ``_stored``'s line between rows)."""
        def up(i: int, at: float) -> float:
            return min(1.0, max(0.0, (at - self.t0) / GRID - (i - 1)))
        return sum(lump[h] * (up(i, t) - up(i, t0)) for i, lump in self.releases.items())

    def _held_rate(self, t: float) -> float:
        """The flows a second that begin at ``t`` and wait for review (``rates``' ``done`` while it holds them)."""
        s = self.signals
        if not s.reviewing(t):
            return 0.0
        return sum(rate * (1.0 - s.fails(r, t)[0]) for r in self.repos if (rate := s.exec_rate(r, t)))

    def _initial(self) -> list[float]:
        """The counters at ``t0``: three days of the undisturbed estate (noise-free)."""
        rates = [r.rate if r in fleet.REPOS else 0.0 for r in self.repos]     # an onboarded repo: no flow before
        healthy = rates + [rate * fleet.BASE_FAILURE for rate in rates]
        sent = call_law(fleet.BASE_5XX + fleet.BASE_429, fleet.MAX_ATTEMPTS)[1]     # requests a call makes
        for p in fleet.PROVIDERS:
            for c in self.codes:
                share = {"200": 1 - fleet.BASE_5XX - fleet.BASE_429, "429": fleet.BASE_429}.get(
                    c, fleet.BASE_5XX * self.signals.scenario.codes_5xx.get(c, 0.0))
                healthy.append(p.requests_per_second * sent * share)
        healthy += [0.0] * self.signals.sends_nowhere       # the 404s of a model no provider serves: none before
        flows, killed = fleet.ESTATE_RATE, 1.0 - lognormal_cdf(fleet.HARD_TIMEOUT, fleet.LATENCY_MEDIAN)
        healthy += durations(fleet.LATENCY_MEDIAN, BOUNDS, flows * (1.0 - fleet.BASE_FAILURE), flows * (fleet.BASE_FAILURE - killed),
                             flows * killed)
        return [v * UPTIME for v in healthy + rates]

    def span(self, j: int) -> tuple[float, float]:
        """(from, seconds) of grid step ``j`` in which FlowEngine admits flows, when its gate (``Signals.admitting``)
        changes inside the step: the flows asked for in it come there alone (redteam49 F7: the step's count, linear
        across it, started a flow 1.2 s after the scale to zero, up to 5 s before a restart); else the whole step."""
        t, edges = self.t0 + j * GRID, self.signals.admission_edges
        if not edges or (k := bisect.bisect_right(edges, t)) == len(edges) or edges[k] >= t + GRID:
            return t, GRID
        if (held := self._spans.get(j)) is None:
            cuts = [t, *(w for w in edges[k:] if w < t + GRID), t + GRID]
            gate = self.signals.admitting
            open_ = [(a, b) for a, b in zip(cuts, cuts[1:]) if gate(a)] or [(t, t)]
            held = self._spans[j] = (open_[0][0], open_[-1][1] - open_[0][0])
        return held

    def _admitted(self, j: int, new: list[float], row: list[float], a: list[float], b: list[float]) -> None:
        """Grid step ``j``'s flows asked for (``new`` on from ``row``; ``a``, ``b`` the rates at its ends) where
        FlowEngine admits them: at the rate of the admitting end over its ``span``, and none in a step it admits none
        of (a rate that is 0 at the step's start stays so until a gate's edge: the trapezoid put flows before it)."""
        t, (lo, width) = self.t0 + j * GRID, self.span(j)
        for c in self._asked:
            if (lo, width) != (t, GRID):
                new[c] = row[c] + (a[c] if lo == t else b[c]) * width
            elif a[c] == 0.0:
                new[c] = row[c]

    def _integrate(self, first: int, last: int, row: list[float], rates: list[float]) -> None:
        """Integrate rows ``first .. last`` on from ``row`` (row ``first - 1``) and its ``rates``, into
        their chunks; a row that begins a chunk also starts it."""
        n, arr = len(self.repos), self.width - len(self.repos)
        for i in range(first, last + 1):
            r = self.rates(self.t0 + i * GRID)
            new = [x + (a + b) * GRID / 2.0 for x, a, b in zip(row, rates, r, strict=True)]
            if self.signals.admission_edges or 0.0 in rates[arr:]:
                self._admitted(i - 1, new, row, rates, r)
            for j in range(n):          # each repo's failure count: raised flow by flow (``steps``), not integrated
                a, b, c = row[arr + j], new[arr + j], row[n + j]
                new[n + j] = self.steps(j, i - 1, a, b, c)[-1][2] if b >= math.floor(a) + 1 else c
            if (lump := self.releases.get(i)) is not None:     # the flows manual review held, run on at last
                h = self._hist
                new[h:h + len(lump)] = [x + y for x, y in zip(new[h:h + len(lump)], lump, strict=True)]
            row, rates = new, r
            c, k = divmod(i, self.CHUNK)
            if k == 0:
                self._starts.append((array("d", row), r))
                self._chunks[c] = array("d")
                self._evict(newest=c)
            self._chunks[c].extend(row)
            if i >= self.rows:          # a new row, not a dropped chunk's read back
                self._tail = (i, r)
            self.rows = max(self.rows, i + 1)      # a dropped chunk read back while integrating on is whole

    def _rates_of(self, i: int) -> list[float]:
        """Row ``i``'s rates: kept if it is the newest, else worked out again (the same numbers)."""
        return self._tail[1] if self._tail[0] == i else self.rates(self.t0 + i * GRID)

    def donate(self, donor: Callable[[int, int], Series | None], before: float) -> None:
        """Take this world's rows strictly before ``before`` (its first action: the rows before it are a world's with
        none, the same to the bit, as ``adopt`` takes them) from ``donor(row)`` as they are asked for: a world of the
        same scenario, with no action, integrated up to that row at least (None: it has none to give now, this one
        integrates its own; it is told how many rows this one holds already, a cache file's, so it never integrates
        from row 0 what this one goes on from). Each test and each fresh simulator integrated the two hours before
        any action again."""
        self._donor, self._donated = donor, max(0, math.floor((before - self.t0) / GRID)) if before < math.inf \
            else sys.maxsize

    def _take_donated(self, need: int) -> None:
        """The donor's rows up to ``need`` (before the first action), if it gives them: no more, so the world holds as
        many rows as integrating them made (its cache file the same)."""
        if self._donor is None or self.rows >= self._donated:
            self._donor = None
            return
        src = self._donor(upto := min(need, self._donated - 1), self.rows)
        if src is not None and src.t0 == self.t0 and src.keys == self.keys and src.rows > upto >= self.rows:
            self._hold(src._starts, src._chunks, upto + 1, src._tail)     # as many rows as integrating them made
            if "capacity" in src.signals.__dict__:      # and the autoscaler's loop they ran, as ``Simulator`` keeps it
                self.signals.capacity.adopt(src.signals.capacity, self.t0 + (upto + 1) * GRID)

    def _extend(self, need: int) -> None:
        if need >= self.rows and self._donor is not None:
            self._take_donated(need)
        if self.rows == 0:
            self._starts = [(array("d", self._initial()), self.rates(self.t0))]
            self._chunks = OrderedDict({0: array("d", self._starts[0][0])})
            self._tail = (0, self._starts[0][1])
            self.rows = 1
        if need >= self.rows:
            last = self.rows - 1
            self._integrate(self.rows, need, list(self._chunk(last // self.CHUNK)[-self.width:]), self._rates_of(last))
            self.rows = need + 1

    def _evict(self, newest: int) -> None:
        while len(self._chunks) > self.KEEP:
            del self._chunks[next(c for c in self._chunks if c != newest)]
            self._columns.clear()

    def _chunk(self, c: int) -> array[float]:
        """Chunk ``c``'s rows, re-integrated from its first row if it was dropped."""
        if c not in self._chunks:
            row, r = self._starts[c]
            self._chunks[c] = array("d", row)
            self._integrate(c * self.CHUNK + 1, min((c + 1) * self.CHUNK, self.rows) - 1, list(row), r)
            self._evict(newest=(self.rows - 1) // self.CHUNK)
        self._chunks.move_to_end(c)
        return self._chunks[c]

    def _take(self, starts: list[tuple[array[float], list[float]]], chunks: dict[int, array[float]], rows: int,
              valid_before: float | None, tail: tuple[int, list[float]] = (-1, [])) -> None:
        """Hold a copy of an integration of ``rows`` rows: all, or those strictly before ``valid_before``
        (actions change the world only from the time they were taken: the past before a new one is exact), and the
        rates of its newest row if kept (``tail``: a row's rates are of its moment, as past as the row)."""
        keep = rows if valid_before is None else max(0, min(rows, math.floor((valid_before - self.t0) / GRID)))
        self._hold(starts, chunks, keep, tail)

    def _hold(self, starts: list[tuple[array[float], list[float]]], chunks: dict[int, array[float]], keep: int,
              tail: tuple[int, list[float]]) -> None:
        """Hold a copy of the first ``keep`` rows of an integration (``_take``): each chunk copied, its first rows and
        rates shared (never written: a row integrated on from one is a new list)."""
        n, w = self.CHUNK, self.width
        self._starts = starts[:math.ceil(keep / n)]                 # chunks that start before ``keep``
        self._chunks = OrderedDict((c, ch[: (keep - c * n) * w]) for c, ch in chunks.items() if c * n < keep)
        self._tail = tail if tail[0] < keep else (-1, [])
        self.rows = keep

    def adopt(self, other: Series, valid_before: float) -> None:
        if other.t0 == self.t0 and other.keys == self.keys:
            self._take(other._starts, other._chunks, other.rows, valid_before, other._tail)

    def dump(self) -> bytes:
        """The integration as raw doubles for the simulator's cache file: the number of held
        chunks, every chunk's first row and rates, then each held chunk (index, rows, rows...)."""
        flat = array("d", [len(held := list(self._chunks.items())[-4:])])
        for row, r in self._starts:
            flat.extend([*row, *r])
        for c, chunk in held:
            flat.extend([c, len(chunk) // self.width])
            flat.extend(chunk)
        return flat.tobytes()

    def load(self, data: bytes, rows: int, valid_before: float | None = None) -> None:
        """Adopt ``dump()`` output of ``rows`` rows: all, or those strictly before ``valid_before``;
        a file that does not add up is ignored (the rows are integrated again)."""
        w, flat = self.width, array("d")
        pos = 1 + 2 * w * math.ceil(rows / self.CHUNK)
        try:
            flat.frombytes(data)
            starts = [(flat[p:p + w], list(flat[p + w:p + 2 * w])) for p in range(1, pos, 2 * w)]
            chunks: OrderedDict[int, array[float]] = OrderedDict()
            for _ in range(int(flat[0])):
                c, held = int(flat[pos]), int(flat[pos + 1])
                chunks[c] = flat[pos + 2:pos + 2 + held * w]
                pos += 2 + held * w
        except (ValueError, IndexError):
            return
        n = self.CHUNK
        if pos == len(flat) and rows > 0 and all(  # every slice whole, every chunk one of ``rows``' and as long
                0 <= c < len(starts) and len(ch) == w * min(n, rows - c * n) for c, ch in chunks.items()):
            self._take(starts, chunks, rows, valid_before)

    def value(self, key: Key, t: float) -> float:
        """The counter ``key`` at scenario time ``t`` (linear between grid points): ``columns`` for one."""
        return self.columns([self.index[key]], [t])[0][0]

    def queued(self, t: float) -> float:
        """The tasks asked for and not started at ``t`` (waiting in the queue), as ``Activity`` lists them: flow k of a
        repo is asked for once its count passes k and starts once its execution counter does."""
        n, cols = len(self.repos), [self.index[(kind, r.name)] for kind in ("arr", "exec") for r in self.repos]
        values = [math.floor(v[0]) for v in self.columns(cols, [t])]
        return float(sum(max(0, a - e) for a, e in zip(values[:n], values[n:], strict=True)))

    def counter(self, key: Key, t: float) -> float:
        """FlowEngine's counter ``key`` at ``t``, as exported: the flows' own (``value``, whose steps
        ``Activity`` walks flow by flow) plus the runs the retries added (``Signals.retried``)."""
        return self.value(key, t) + self.signals.retried(key, t)

    def columns(self, cols: list[int], times: list[float]) -> list[list[float]]:
        """The counters in columns ``cols`` at every time in ``times`` (one list per column): a repo's flows begun are
        whole (redteam46 R3: 69.636 beside 69 rows), its failures the count ``steps`` raises, whose whole part is the
        failed tasks'; once a cap acted, those and the duration histogram are the slots' (``schedule``)."""
        (out, grid), q = self._read(cols, times), self.schedule
        if not times or not any(self.keys[c][0] in (DERIVED if q else DERIVED[:2]) for c in cols):
            return out
        if q is not None:
            q.advance(max(times))
        asked = self._stored([self.index[("arr", r.name)] for r in self.repos], times)
        for col, values in zip(cols, out, strict=True):
            kind, h = self.keys[col][0], col - self._hist
            if kind not in DERIVED or (q is None and kind not in DERIVED[:2]):    # the histogram, no cap: as stored
                continue
            i = self._repos.get(self.keys[col][-1], 0)
            for j, (t, a) in enumerate(zip(times, asked[i], strict=True)):
                done = q.started(i, t) if q is not None and t >= q.t0 else -1
                if kind == "exec":           # a whole flow more once it began
                    values[j] = float(math.floor(a) if done < 0 else min(math.floor(a), q.firsts[i] + done - 1))
                elif kind == "fail":         # its whole part: the failed flows begun
                    # on a row (every scrape PromQL reads) ``_count`` is that row's count, which ``_read`` gave: its
                    # flows asked for are the row's, so no flow began since (a quarter of a range query's CPU)
                    if done >= 0:
                        values[j] = q.fails[i][done - 1] if done else q.fails0[i]
                    elif grid[j][1] > 1e-9:
                        values[j] = self._count(i, t, a)
                elif done >= 0:     # the slots' flows, and the held ones they never begin again (``releases``)
                    m = bisect.bisect_right(q.order, t)
                    values[j] = (q.hist[m - 1][h] if m else q.hist0[h]) + self._released(h, q.t0, t)
        return out

    def steps(self, i: int, j: int, a: float, b: float, count: float) -> list[tuple[int, float, float]]:
        """Repo ``i``'s flows begun in grid step ``j`` (flows asked for: ``a`` at its start, ``b`` at its end), no cap
        acting: each (k, start, the failure count after it) from ``count``. Flow k begins as its count passes k, raises
        the count by its own failing share then and fails if it passes a whole number (the slots' rule too); the rows
        hold the count, so a read resumes from the row before it whatever the incident's age. redteam46 R5: a flow
        begun under a total fault fails, whatever share the minutes before a halt carried."""
        out, repo, (t, width) = [], self.repos[i], self.span(j)
        for k in range(math.floor(a) + 1, math.floor(b) + 1):
            start = t + width * (k - a) / (b - a)
            count += self.signals.fails(repo, start)[0]
            out.append((k, start, count))
        return out

    def _flow(self, i: int, j: int, k: int) -> tuple[float, float, float]:
        """(start, failure count before, after) of repo ``i``'s flow ``k``, begun in grid step ``j`` (``steps``): the
        rows' counts if it is the step's one flow (nearly every one: no failing share asked again)."""
        arr, fail = self._cols[i]
        a, b, before = self._at(j, arr), self._at(j + 1, arr), self._at(j, fail)
        if math.floor(a) + 1 == k == math.floor(b):
            t, width = self.span(j)
            return t + width * (k - a) / (b - a), before, self._at(j + 1, fail)
        for m, start, after in self.steps(i, j, a, b, before):
            if m == k:
                return start, before, after
            before = after
        raise AssertionError((i, j, k))     # not begun in that step

    def _count(self, i: int, t: float, a: float) -> float:
        """Repo ``i``'s failure count at ``t`` (its flows asked for ``a`` then): the row before's, or after its newest
        flow if one began since."""
        j, (arr, fail) = math.floor((max(t, self.t0) - self.t0) / GRID), self._cols[i]
        if math.floor(a) > self._at(j, arr):
            return self._flow(i, j, math.floor(a))[2]
        return self._at(j, fail)

    def begun(self, i: int, k: int, lo: float, hi: float) -> tuple[float, bool]:
        """(start, failed) of repo ``i``'s flow ``k``, asked for in [lo, hi], no cap acting (``steps``)."""
        if (j := self._row_before(self._cols[i][0], k, lo, hi)) is None:
            raise ValueError(f"flow {k} of {self.repos[i].name} is not asked for by {hi}")
        start, before, after = self._flow(i, j, k)
        return start, math.floor(after) > math.floor(before)

    @functools.cached_property
    def schedule(self) -> Slots | None:
        """The slots flow by flow (``queue.Slots``) once a cap acts or from ``Signals.slots_from`` (None: neither, and
        every flow begins as it is asked for): seeded with the counters then and the runs in flight (each began as it
        was asked for, failed or not as ``begun`` says)."""
        s = self.signals
        t0 = min(s.queue.first, s.slots_from)
        if t0 == math.inf:
            return None
        arr = [self.index[("arr", r.name)] for r in self.repos]
        at0 = [v[0] for v in self._stored(arr + list(range(self._hist, self._hist + len(BOUNDS) + 2)), [t0])]
        firsts, ends, last = [math.floor(a) + 1 for a in at0[:len(arr)]], [], [t0] * len(arr)

        def run(i: int, k: int, t: float, failed: bool) -> tuple[float, bool]:
            """(seconds, cut short by FlowEngine's pods stopping) of flow ``k`` of repo ``i`` begun at ``t``."""
            seconds, stop = s.run(self.repos[i], k, t, s.cause(self.repos[i], k, t) if failed else None)
            return seconds, stop is not None
        for i in range(len(self.repos)):         # the runs in flight at t0
            start = t0 - fleet.HARD_TIMEOUT - 60.0
            for k in range(max(1, math.ceil(self._stored([arr[i]], [start])[0][0])), firsts[i]):
                start, failed = self.begun(i, k, start, t0)
                ends.append(start + run(i, k, start, failed)[0])

        def came(i: int, k: int, upto: float) -> float | None:
            key = ("arr", self.repos[i].name)
            if self._stored([self.index[key]], [upto])[0][0] < k:
                return None
            last[i] = self.time_of(key, k, last[i], upto)
            return last[i]

        def law(i: int, t: float, wait: float) -> list[float]:
            """What a flow asked for at ``t`` adds to the histogram after its ``wait``: the law ``rates`` integrates
            while no cap acts (``durations`` with its repo's failing and killed shares)."""
            fail, killed = s.fails(self.repos[i], t)
            done = 0.0 if s.reviewing(t + wait) else 1.0 - fail      # held for review as its run began: no completion
            out = durations(s.latency_median(t, self.repos[i]), tuple(b - wait for b in BOUNDS), done, fail - killed,
                            killed, s.waited(t))
            return [*out[:-1], out[-1] + wait]

        fails0 = [self._count(i, t0, a) for i, a in enumerate(at0[:len(arr)])]
        return Slots(t0, firsts, came, lambda i, t: s.fails(self.repos[i], t)[0], run, law, s.slots, s.slot_changes(),
                     [e for e in ends if e > t0], fails0, BOUNDS, at0[len(arr):], fleet.HARD_TIMEOUT)

    def _stored(self, cols: list[int], times: list[float]) -> list[list[float]]:
        return self._read(cols, times)[0]

    def _read(self, cols: list[int], times: list[float]) -> tuple[list[list[float]], list[tuple[int, float]]]:
        """The rows' values of columns ``cols`` at ``times`` (linear between rows), and each time's (row, fraction on
        to the next), which ``columns`` reads again."""
        pos = [(max(t, self.t0) - self.t0) / GRID for t in times]      # each time's row and its fraction on to the next
        grid = [(math.floor(p), p - math.floor(p)) for p in pos]
        if grid:
            self._extend(max(i + (1 if f > 1e-9 else 0) for i, f in grid))
        n, w = self.CHUNK, self.width
        out: list[list[float]] = [[] for _ in cols]
        pairs = list(zip(cols, out, strict=True))
        # the panes read thousands of (time, column) values a poll: the branch on a grid point taken once a time, a
        # chunk asked again at once taken as it was (the one just asked is the newest held: ``_chunk`` would give it)
        last, chunk, j, m = -1, array("d"), 0, len(grid)
        while j < m:
            i, frac = grid[j]
            if (c := i // n) != last:
                last, chunk = c, self._chunk(c)
            lo, at = chunk, i % n * w
            if frac <= 1e-9:
                # a run of rows evenly spaced in this chunk (a range query's scrapes: every third row) is one slice a
                # column, the same values read at C speed (a range read was a third of the golden test's CPU)
                k, step = j + 1, grid[j + 1][0] - i if j + 1 < m else 0
                while k < m and step > 0 and grid[k][1] <= 1e-9 and grid[k][0] - grid[k - 1][0] == step \
                        and grid[k][0] // n == c:
                    k += 1
                stop, stride = at + (k - j - 1) * step * w + 1, max(step, 1) * w
                for col, values in pairs:
                    values.extend(lo[at + col:stop + col:stride])
                j = k
                continue
            j += 1
            if (c := (i + 1) // n) != last:
                last, chunk = c, self._chunk(c)
            hi, hi_at = chunk, (i + 1) % n * w
            cut = frac
            if self.signals.admission_edges and (span := self.span(i))[1] < GRID:    # its flows come in its span
                cut = min(max((self.t0 + (i + frac) * GRID - span[0]) / span[1], 0.0), 1.0) if span[1] else 0.0
            for col, values in pairs:
                a = lo[at + col]
                values.append(a + (hi[hi_at + col] - a) * (cut if cut != frac and col in self._asked else frac))
        return out, grid

    def _column(self, c: int, col: int) -> array[float]:
        """Column ``col`` of chunk ``c``'s rows, sliced once while the chunk stays as it is (``begun`` bisects it)."""
        chunk = self._chunk(c)
        held = self._columns.get((c, col))
        if held is None or held[0] is not chunk or held[1] != len(chunk):
            held = self._columns[(c, col)] = (chunk, len(chunk), chunk[col::self.width])
        return held[2]

    def _at(self, i: int, col: int) -> float:
        return self._chunk(i // self.CHUNK)[i % self.CHUNK * self.width + col]

    def time_of(self, key: Key, target: float, lo: float, hi: float) -> float:
        """The first time in [lo, hi] at which counter ``key`` (which never falls) reaches ``target`` (``hi``: not by
        then), linear between the rows (``_row_before``)."""
        col, lo = self.index[key], max(lo, self.t0)
        if (i0 := self._row_before(col, target, lo, hi)) is None:
            return hi
        (a, b), (t, width) = (self._at(i0, col), self._at(i0 + 1, col)), self.span(i0)
        return min(max(t + (width * (target - a) / (b - a) if b > a else 0.0), lo), hi)

    def _row_before(self, col: int, target: float, lo: float, hi: float) -> int | None:
        """The row after which column ``col`` (never falling) reaches ``target`` (None: not by ``hi``'s; row 0 if before
        it): the last row under it, one bisection of a chunk's column from ``lo``'s on (``_column``), at C speed (a walk
        of the flows galloped row by row through ``_at``: most of its CPU)."""
        i0 = max(0, math.floor((max(lo, self.t0) - self.t0) / GRID))
        self._extend(i1 := max(math.ceil((hi - self.t0) / GRID), i0 + 1))
        if self._at(i1, col) < target:
            return None
        n, c = self.CHUNK, i0 // self.CHUNK
        while True:
            p = bisect.bisect_left(values := self._column(c, col), target)
            if p == 0 and c > 0:        # every row of the chunk at or past it: the row is before the chunk
                if self._column(c - 1, col)[-1] < target:
                    return c * n - 1
                c -= 1
            elif p < len(values):
                return max(0, c * n + p - 1)
            else:
                c += 1
