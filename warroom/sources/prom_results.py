"""Reading the query API's answers: instant vectors and scalars, range matrices, the sparkline pick.

The API's JSON is loose (a scalar is a bare pair, values are strings, NaN and Inf are words);
turning it into typed series, or into a QueryError a pane can show, is kept separate from the
connection handling in :mod:`warroom.sources.prometheus`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class QueryError(Exception):
    """A query that failed; ``str()`` is the sentence a pane shows, ``kind`` which kind of
    failure (unauthorized / slow / refused / down / error, see ``httpjson.SourceError``)."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


_Ranged = list[tuple[dict[str, str], list[tuple[float, float]]]]


@dataclass(frozen=True)
class _Series:
    labels: dict[str, str]
    value: float
    time: float


def format_labels(labels: dict[str, str]) -> str:
    """``{code="500", pod="a"}`` the way PromQL writes a selector (``__name__`` in front)."""
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}" if rest or not name else name


def _num(text: Any) -> float:
    return float(text)  # Prometheus sends "NaN", "+Inf", "-Inf" as strings; float() reads them


def _moment(text: Any) -> float | None:
    """A sample's time as a unix time, None when it is no moment: NaN or ±Inf (``"-Inf"``, a JSON
    ``-1e999``) is what no server stamps a sample with. Read as a number it made a pane's age infinite
    (``format_duration`` refuses it: judging the refresh raised) or NaN (a made-up "0s old")."""
    t = float(text)
    return t if math.isfinite(t) else None


def _timed(ts: Any) -> float:
    """``_moment`` for an instant answer, whose one time is every value's: none refuses the answer."""
    t = _moment(ts)
    if t is None:
        raise QueryError(f"unexpected answer: a sample time that is no moment ({ts!r})")
    return t


def _parse_instant(data: Any) -> list[_Series]:
    """The instant query's ``result``: a vector, or a bare scalar ``[time, "value"]``."""
    if not isinstance(data, list):
        raise QueryError("unexpected answer: no result list")
    if len(data) == 2 and not isinstance(data[0], dict):
        try:
            value, ts = _num(data[1]), float(data[0])
        except (TypeError, ValueError):
            raise QueryError("query returned a string, not a number") from None
        return [_Series({}, value, _timed(ts))]
    out: list[_Series] = []
    for item in data:
        if not isinstance(item, dict):
            raise QueryError("unexpected answer: result items are not series")
        if "values" in item and "value" not in item:
            raise QueryError("query returns a range vector; wrap it in a function such as rate() or last_over_time()")
        try:
            ts, raw = item["value"]
            value, at = _num(raw), float(ts)
        except (KeyError, TypeError, ValueError):
            raise QueryError("unexpected answer: a series without a value") from None
        out.append(_Series({str(k): str(v) for k, v in (item.get("metric") or {}).items()}, value, _timed(at)))
    return out


def _parse_range(data: Any) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    if not isinstance(data, list):
        raise QueryError("unexpected answer: no result list")
    if len(data) == 2 and not isinstance(data[0], dict):
        data = [{"metric": {}, "values": [data]}]
    out = []
    for item in data:
        if not isinstance(item, dict):
            raise QueryError("unexpected answer: result items are not series")
        points: list[tuple[float, float]] = []
        for pair in item.get("values") or []:
            try:
                t, v = _moment(pair[0]), _num(pair[1])
            except (TypeError, ValueError, IndexError):
                continue
            # ±Inf is a reading (past the top bucket: the pane's CRIT "+Inf"); NaN none; a point with no moment none
            if t is not None and not math.isnan(v):
                points.append((t, v))
        out.append(({str(k): str(v) for k, v in (item.get("metric") or {}).items()}, points))
    return out


def _pick_range(series: list[tuple[dict[str, str], list[tuple[float, float]]]],
                labels: dict[str, str] | None, direction: str) -> list[tuple[float, float]]:
    """The sparkline of the series the value came from, else the worst by its last point."""
    if not series:
        return []
    if labels is not None:
        for lab, points in series:
            if lab == labels:
                return points
    with_points = [(lab, pts) for lab, pts in series if pts]
    if not with_points:
        return []
    pick = max if direction == "above" else min
    return pick(with_points, key=lambda lp: lp[1][-1][1])[1]
