"""Reading ``metrics.json`` (an incident's saved metric history) as untrusted input.

An incident directory is copied around, edited by hand, truncated by a full disk, replaced by a
symlink: whatever is there, reading it gives the history ``record_history`` wrote or one error
naming the file and where it is wrong (a line and column for bytes that are not JSON, a key
path such as ``$.panes[2].points[3] (pane 'quota')`` for JSON that is not a history) and what was
expected. Nothing is guessed: a file warroom could not have written (points out of time order,
a time given two values, a key it never writes) is refused, not tidied up, because the replay,
the worst value and the PIR's quotes would each pick an answer nobody saw on screen. Reading
never changes the file: it is opened read-only, and a damaged one stays for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from warroom import scenario_time as stime
from warroom.config import Direction, Severity, Unit
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.metric_history import MAX_POINTS
from warroom.incident.metric_sync import BASE_STEP
from warroom.input_files import Unreadable, read_bounded

MAX_BYTES = 16 * 2**20   # a saved window is at most MAX_POINTS points per pane: well under this

Moment = Annotated[float, msgspec.Meta(ge=0, lt=1e11)]   # a unix time a date can show (1970 to 5138)
#: A pane's value: a number, or ±Inf in its Prometheus form (``warroom.journal.numbers``; JSON has
#: no infinity). NaN is never recorded: the pane shows NO DATA for it, the history has no point.
Value = float | Literal["+Inf", "-Inf"]


class _Pane(msgspec.Struct, forbid_unknown_fields=True):
    """One pane as ``record_history`` writes it (``error``: why it could not be read). A key it
    never writes is refused: a misspelt ``warm`` would otherwise drop the pane's threshold unsaid."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")]   # a config pane id
    points: list[tuple[Moment, Value]]
    readings: list[tuple[Moment, Value]] = msgspec.field(default_factory=list)   # at the marks, exactly
    #: (time, value, data age): grid points whose data was stale (``PaneHistory.stale``)
    stale: list[tuple[Moment, Value, Annotated[float, msgspec.Meta(ge=0)]]] = msgspec.field(default_factory=list)
    title: str = ""
    query: str = ""
    unit: Unit = "count"
    warn: float | None = None
    crit: float | None = None
    direction: Direction = "above"
    runbook: str | None = None
    severity: Severity | None = None
    error: str | None = None


class _Query(msgspec.Struct, forbid_unknown_fields=True):
    """One series of a query the runbooks' decisions and gates read beyond the panes (``history._judged``), or the
    query's ``error`` when it could not be read at resolve."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")]   # the runbook's name for it
    query: str
    points: list[tuple[Moment, Value]]
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    title: str = ""
    unit: Unit = "count"
    error: str | None = None


class Saved(msgspec.Struct, forbid_unknown_fields=True):
    """``metrics.json``: every key typed, so a wrong one is an error naming it (``$.panes[2].warn``)."""

    version: Literal[1]
    incident: str
    start: Moment
    end: Moment
    step: Annotated[float, msgspec.Meta(ge=1e-3)]
    panes: list[_Pane]
    title: str = ""
    severity: Severity | Literal[""] = ""
    runbook: str | None = None
    time_scale: Annotated[float, msgspec.Meta(gt=0, le=stime.MAX_SPEED)] = 1.0
    queries: list[_Query] = msgspec.field(default_factory=list)


class _Named(msgspec.Struct):
    """Just the panes' ids, to name the pane a key path is in (read only when reporting an error)."""

    panes: list[dict[str, msgspec.Raw]]     # raw: a value too large for a float is no matter here


def read_saved(path: Path) -> Saved:
    """The history saved at ``path``, every key and value as ``record_history`` writes them.

    Raises ``NotFoundError`` when there is no file, else ``WarroomError`` naming the file, the
    place (line and column, or key path) and what was expected. At most ``MAX_BYTES`` are read:
    a larger file is refused from its size, and a FIFO, a device (``/dev/zero``), a socket or a
    directory is refused from its type before a byte is read, so no reader can hang on it."""
    data = _read(path)
    try:
        doc = msgspec.json.decode(data, type=Saved)
    except msgspec.ValidationError as exc:
        raise _unreadable(path, _at_key(data, str(exc))) from None
    except msgspec.DecodeError as exc:
        raise _unreadable(path, _at_line(data, str(exc))) from None
    panes = (_pane_problem(doc, i) for i in range(len(doc.panes)))
    queries = (_query_problem(doc, i) for i in range(len(doc.queries)))
    why = _twice_keyed(data) or _window_problem(doc) or next(filter(None, panes), None) or next(
        filter(None, queries), None)
    if why:
        raise _unreadable(path, why)
    return doc


def _unreadable(path: Path, why: str) -> WarroomError:
    return WarroomError(f"{path}: the saved metric history cannot be read: {why}")


def _read(path: Path) -> bytes:
    """The file's bytes, bounded; every refusal named (see ``read_saved``)."""
    try:
        data = read_bounded(path, MAX_BYTES, pipes=False)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no saved metrics (they are saved when the incident is resolved, or"
                            " exported after, while its metric source answers)") from None
    except Unreadable as exc:
        if exc.kind == "too_large":
            raise _unreadable(path, f"{exc.size} bytes, larger than the {MAX_BYTES // 2**20} MiB a saved"
                                    f" incident window can take ({MAX_POINTS} points per pane); not read") from None
        kind = {"directory": "a directory", "fifo": "a FIFO", "device": "a device", "socket": "a socket"}
        raise _unreadable(path, f"it is {kind.get(exc.kind, 'no regular file')}, not a file warroom wrote"
                                " (a FIFO or a device could block or never end); not read") from None
    except (OSError, ValueError) as exc:
        raise _unreadable(path, str(getattr(exc, "strerror", None) or exc)) from None
    if not data.strip():
        raise _unreadable(path, f"the file is empty ({len(data)} bytes): expected the JSON object"
                                " warroom writes at resolve")
    return data


def _at_line(data: bytes, message: str) -> str:
    """msgspec's syntax error at a byte offset, said as a line and column (1-based)."""
    found = re.search(r"\(byte (\d+)\)", message)
    what = re.sub(r"^JSON is malformed: |\s*\(byte \d+\)", "", message)
    if found is None and "truncated" not in message:
        return f"not JSON ({what})"
    offset = int(found.group(1)) if found is not None else len(data.rstrip())
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1     # characters, as an editor counts
    at = f"line {line}, column {column}"
    if found is None:
        return f"{at}: the JSON stops there, before it is complete (the file is cut short): expected the rest"
    return f"{at}: not JSON ({what})"


def _at_key(data: bytes, message: str) -> str:
    """msgspec's ``Expected … - at `$.panes[2].warn``` said as the key path, its pane's id and
    what was expected."""
    what, _, where = message.rpartition(" - at ")
    if not what:
        what, where = message, "`$`"
    path = where.strip("`")
    if path == "$.version":
        what = f"{what}: expected 1, the only format this warroom reads (a newer warroom wrote it?)"
    what = what.replace("Number out of range", "a number too large for a float (±Inf is saved as"
                        ' "+Inf"/"-Inf")').replace("Object contains unknown field",
                                                   "a key warroom never writes:")
    return f"{path}{_pane_of(data, path)}: {what[:1].lower()}{what[1:]}"


def _pane_of(data: bytes, path: str) -> str:
    """`` (pane 'quota')`` when ``path`` is inside ``$.panes[i]`` and that pane names its id."""
    found = re.match(r"\$\.panes\[(\d+)\]", path)
    if found is None:
        return ""
    try:
        panes = msgspec.json.decode(data, type=_Named).panes
    except msgspec.DecodeError:
        return ""
    i = int(found.group(1))
    raw = panes[i].get("id") if i < len(panes) else None
    try:
        name = msgspec.json.decode(raw) if raw is not None else None
    except msgspec.DecodeError:
        name = None
    return f" (pane {name!r})" if isinstance(name, str) and name else ""


def _twice_keyed(data: bytes) -> str | None:
    """A key given twice in one object (JSON allows it; ``record_history`` never writes it): read,
    the second silently replaced the first, and what it held was lost."""
    twice: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen = Counter(k for k, _ in items)
        if not twice and (dup := next((k for k, n in seen.items() if n > 1), None)) is not None:
            named = next((v for k, v in items if k == "id" and isinstance(v, str)), None)
            twice.append(f"key {dup!r} appears twice in one object" + (f" (pane {named!r})" if named else "")
                         + ": expected each key once, as warroom writes them")
        return dict(items)

    try:
        json.loads(data, object_pairs_hook=pairs)
    except ValueError:    # msgspec's typed read took it; stdlib json disagreeing is no duplicate key
        return None
    return twice[0] if twice else None


def _window_problem(doc: Saved) -> str | None:
    span = doc.end - doc.start
    if span < 0:
        return f"$.start ({doc.start:g}) is after $.end ({doc.end:g}): expected the window's start first"
    if not doc.panes:
        return "$.panes is empty: expected one entry per SLO pane"
    if doc.step > max(span, stime.of_scenario(doc, BASE_STEP).wall_seconds):
        return f"$.step ({doc.step:g} s) is longer than the window ({span:g} s)"
    return None


def _pane_problem(doc: Saved, i: int) -> str | None:
    """What makes pane ``i`` one ``record_history`` could not have written, or None."""
    p, span = doc.panes[i], doc.end - doc.start
    at = f"$.panes[{i}] (pane {p.id!r})"
    if p.id in [q.id for q in doc.panes[:i]]:
        return f"{at}: a second pane {p.id!r}: expected each pane once"
    for key, times in (("points", [t for t, _ in p.points]), ("readings", [t for t, _ in p.readings]),
                       ("stale", [t for t, _, _ in p.stale])):
        # warroom writes each list in time order, one value per time (``fold`` and the readings
        # are keyed by time): anything else was edited or spliced, and sorting it would pick one
        k = next((k for k in range(1, len(times)) if times[k] <= times[k - 1]), None)
        if k is not None:
            return (f"$.panes[{i}].{key}[{k}] (pane {p.id!r}): time {times[k]!r} is not after the one before it"
                    f" ({times[k - 1]!r}): expected one value per time, in time order, as warroom writes them")
    shared = sorted({t for t, _ in p.points} & {t for t, _, _ in p.stale})
    if shared:
        return f"{at}: two values at {shared[0]!r} (in points and in stale): expected one value per time"
    # the window's grid (``grid_step``): at most MAX_POINTS steps, from a step before the start
    off = sum(not doc.start - doc.step - 1e-3 <= t <= doc.end + 1e-3
              for t in (*(t for t, _ in (*p.points, *p.readings)), *(t for t, _, _ in p.stale)))
    if off:
        return f"{at}: {off} points outside the window ({doc.start!r} to {doc.end!r})"   # %g printed both ends alike
    if len(p.readings) > 3:
        return f"{at}: {len(p.readings)} readings, more than the incident's 3 marks"
    if len(p.points) + len(p.stale) > min(span / doc.step, MAX_POINTS) + 2:
        return f"{at}: {len(p.points)} points, more than a window of {span:g} s every {doc.step:g} s holds"
    return None


def _query_problem(doc: Saved, i: int) -> str | None:
    """What makes judged query ``i`` one ``record_history`` could not have written (the panes' rules: one value
    per time, in time order, inside the window, at most its grid's points), or None."""
    q, span = doc.queries[i], doc.end - doc.start
    times = [t for t, _ in q.points]
    if (k := next((k for k in range(1, len(times)) if times[k] <= times[k - 1]), None)) is not None:
        return (f"$.queries[{i}].points[{k}] (query {q.id!r}): time {times[k]!r} is not after the one before it"
                f" ({times[k - 1]!r}): expected one value per time, in time order, as warroom writes them")
    if any(not doc.start - doc.step - 1e-3 <= t <= doc.end + 1e-3 for t in times):
        return f"$.queries[{i}] (query {q.id!r}): points outside the window ({doc.start!r} to {doc.end!r})"
    if len(times) > min(span / doc.step, MAX_POINTS) + 2:
        return f"$.queries[{i}] (query {q.id!r}): {len(times)} points, more than a window of {span:g} s every" \
               f" {doc.step:g} s holds"
    return None
