"""A measured figure beside its baseline, and the one table every bench prints.

Every figure is the median of repeated runs, shown with its range, next to a baseline measured in
the same run of the bench on the same machine: absolute numbers drift with load, ratios much less.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Sample:
    """Repeated measurements of one quantity."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float | None) -> None:
        if value is not None:
            self.values.append(float(value))

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def low(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def high(self) -> float | None:
        return max(self.values) if self.values else None


@dataclass
class Figure:
    """One row of the table.

    ``target`` is a ratio bound: ``"<= 1.3"`` or ``">= 0.25"`` applied to ``value / baseline``,
    or ``None`` for a figure shown for information. ``note`` says why a figure is missing or what
    it was measured against.
    """

    name: str
    unit: str
    value: float | None
    baseline: float | None
    target: str | None = None
    value_range: tuple[float, float] | None = None
    baseline_range: tuple[float, float] | None = None
    baseline_name: str = ""
    runs: int = 0
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def met(self) -> bool | None:
        ratio = self.ratio
        if self.target is None or ratio is None:
            return None
        op, bound = self.target.split()
        return ratio <= float(bound) if op == "<=" else ratio >= float(bound)

    @classmethod
    def from_samples(
        cls, name: str, unit: str, value: Sample, baseline: Sample | None, target: str | None, **kw: object
    ) -> Figure:
        return cls(
            name=name,
            unit=unit,
            value=value.median,
            baseline=baseline.median if baseline else None,
            target=target,
            value_range=(value.low, value.high) if value.values else None,  # type: ignore[arg-type]
            baseline_range=(baseline.low, baseline.high) if baseline and baseline.values else None,  # type: ignore[arg-type]
            runs=len(value.values),
            **kw,  # type: ignore[arg-type]
        )

    def summary(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": _round(self.value),
            "unit": self.unit,
            "baseline": _round(self.baseline),
            "ratio": _round(self.ratio, 3),
            "target": self.target,
            "met": self.met,
            "value_range": [_round(v) for v in self.value_range] if self.value_range else None,
            "baseline_range": [_round(v) for v in self.baseline_range] if self.baseline_range else None,
            "baseline_name": self.baseline_name,
            "runs": self.runs,
            "note": self.note,
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None:
        return None
    return float(f"{value:.{digits}g}") if abs(value) < 1 else round(value, 2)


def _fmt(value: float | None, rng: tuple[float, float] | None = None) -> str:
    if value is None:
        return "—"
    text = _num(value)
    if rng and rng[0] != rng[1]:
        text += f" [{_num(rng[0])}–{_num(rng[1])}]"
    return text


def _num(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if abs(v) >= 0.1 else f"{v:.3g}"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table (no colour: it is read in CI logs and over SSH)."""
    head = ["figure", "unit", "warroom (median [range])", "baseline (median [range])", "ratio", "target", "met"]
    rows = [head]
    for f in figures:
        met = {True: "yes", False: "NO", None: "—"}[f.met]
        baseline = _fmt(f.baseline, f.baseline_range)
        if f.baseline_name and f.baseline is not None:
            baseline += f" ({f.baseline_name})"
        rows.append(
            [
                f.name,
                f.unit,
                _fmt(f.value, f.value_range),
                baseline,
                f"{f.ratio:.2f}×" if f.ratio is not None else "—",
                f.target or "—",
                met,
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def write_raw(name: str, data: object) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    return path


def write_summary(figures: Iterable[Figure], meta: dict[str, object]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "summary.json"
    path.write_text(json.dumps({"meta": meta, "figures": [f.summary() for f in figures]}, indent=2) + "\n")
    return path


def _jsonable(obj: object) -> object:
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)  # type: ignore[arg-type]
    return str(obj)
