"""A value shown beside a threshold never reads as that threshold when it is not (redteam-1).

``format_value`` writes three significant digits, so a pane's failure rate of 1.0019% read "1%":
the timeline said "SLO breached: Flow failure rate 1% past its critical threshold 1%" (seen in the
timeout drill at x10, the first breach), resolve's concerns "still critical (1%, threshold 1%)",
the PIR "worst 1%" beside "threshold 1%". One rule in the one formatter: given the thresholds it
stands beside (``against``), a different value gets the digits that tell it from them, and reads
on its own side of them; with no clash nothing changes.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from warroom.config import Config, SloConfig
from warroom.incident.store import IncidentStore
from warroom.units import UNITS, format_value

FAILURES = SloConfig(id="failure_rate", title="Flow failure rate", unit="percent", warn=0.5, crit=1.0,
                     direction="above", query="100 * sum(rate(f[1h])) / sum(rate(e[1h]))")
DECLARED = 1_790_000_010.0           # a fixed past instant (never wall time)
RESOLVED = DECLARED + 600.0
JUST_OVER = 1.0019642137448406       # the timeout drill's first breach, as journaled


def _read(text: str) -> float:
    """The number a person reads in ``text`` (every form ``format_value`` writes for a finite value)."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("-")
    for pattern, scale in ((r"(\d+)d(\d+)h", (86400, 3600)), (r"(\d+)h(\d+)m", (3600, 60)), (r"(\d+)m(\d+)s", (60, 1))):
        m = re.fullmatch(pattern, body)
        if m:
            return sign * (int(m.group(1)) * scale[0] + int(m.group(2)) * scale[1])
    m = re.fullmatch(r"([0-9.]+(?:e[+-]\d+)?)(%|s| B| kB| MB| GB| TB| PB)?", body)
    assert m, text
    factor = {" kB": 1e3, " MB": 1e6, " GB": 1e9, " TB": 1e12, " PB": 1e15}.get(m.group(2) or "", 1.0)
    return sign * float(m.group(1)) * factor


_THRESHOLDS = st.sampled_from([0.5, 1.0, 2.0, 5.0, 10.0, 70.0, 80.0, 90.0, 99.9, 120.0, 300.0, 900.0,
                               3600.0, 0.1, 0.001, 1000.0, 1e6, 1.5e6, 1e-4, 7.0, 250.0, 2.5]) | st.floats(1e-3, 1e6)
_OFFSETS = st.floats(1e-9, 5e-3) | st.floats(-5e-3, -1e-9)


@given(_THRESHOLDS, _OFFSETS, st.sampled_from(UNITS))
@example(0.001, -3.692329074592e-4, "ratio")       # 0.00099963 and 0.001 take different forms
@example(1000.0, 2.8442817987644033e-08, "count")  # an integer threshold is "1000", not "1000.0"
@example(1.0, 0.0019642137448406, "percent")       # the timeout drill's first breach
def test_a_value_beside_a_threshold_reads_on_its_own_side(threshold: float, offset: float, unit: str) -> None:
    value = threshold * (1.0 + offset)
    if value == threshold or _read(format_value(threshold, unit)) != threshold:
        return      # a threshold its own short form does not write exactly (10.75 as "10.8%") is not drawn as it is
    shown, line = format_value(value, unit, against=(threshold,)), format_value(threshold, unit)
    assert shown != line or _read(shown) != _read(line), (value, threshold, unit, shown)
    # and on its side: a value past the line reads past it
    assert (_read(shown) > _read(line)) == (value > threshold), (value, threshold, unit, shown, line)


@given(st.floats(-1e9, 1e9), st.lists(st.floats(-1e9, 1e9), max_size=2), st.sampled_from(UNITS))
def test_no_clash_no_change(value: float, thresholds: list[float], unit: str) -> None:
    """``against`` adds digits only where the short form would read as a threshold."""
    plain = format_value(value, unit)
    if all(format_value(t, unit) != plain or t == value for t in thresholds):
        assert format_value(value, unit, against=thresholds) == plain


def test_the_same_value_and_non_finite_ones_read_as_before() -> None:
    assert format_value(1.0, "percent", against=(1.0,)) == "1%"
    assert format_value(math.inf, "percent", against=(1.0,)) == "+Inf"
    assert format_value(None, "percent", against=(1.0,)) == "—"
    assert format_value(JUST_OVER, "percent", against=(0.5, 1.0)) == "1.002%"
    assert format_value(JUST_OVER, "percent") == "1%"            # alone (a pane cell, a count) as before


class _JustOver:
    """A Prometheus whose failure rate is 0.4% until the breach, then 1.0019% (past crit by a hair)."""

    name = "prometheus"

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        return [({}, [(t, JUST_OVER if t >= DECLARED + 300.0 else 0.4) for t in times])]


def test_the_timeline_the_concerns_and_the_pir_tell_the_breach_from_its_threshold(tmp_path: Path) -> None:
    cfg = Config()
    clock = [DECLARED]
    store = IncidentStore(tmp_path, cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC))
    inc = store.create(title="flows failing", severity="P2", runbook=None, source={})
    clock[0] = RESOLVED
    inc.resolve("retried the flows")
    inc.sync_metrics(_JustOver(), [FAILURES], summary=True, now=RESOLVED)

    [line] = [t.text for t in inc.state.timeline if t.text.startswith("SLO breached")]
    assert line == "SLO breached: Flow failure rate 1.002% past its critical threshold 1%", line

    from warroom.incident.pir import render_pir
    from warroom.incident.review.metrics import evidence

    [row] = [r for r in evidence(inc.state)[0] if r.slo_id == "failure_rate"]
    assert (row.threshold, row.worst) == ("1%", "1.002%")
    pir = render_pir(inc.state, "pir", cfg, now=datetime.fromtimestamp(RESOLVED, UTC))
    assert "1% past its critical threshold 1%" not in pir
    assert "worst 1.002%" in pir

    from warroom.incident.metric_history import PaneHistory, fold
    from warroom.incident.metric_sync import resolve_concerns

    [(_labels, points)] = _JustOver().query_range("", DECLARED, RESOLVED, 15.0)
    history = PaneHistory(FAILURES, tuple(fold([({}, points)], "above")), 15.0)
    said = resolve_concerns(inc.state, {"failure_rate": history})
    assert "Flow failure rate is still critical (1.002%, threshold 1%)" in said, said


def test_warroom_status_writes_a_reading_one_way_in_its_table_and_its_json(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The table said "1.002%" (b0f61dd) while ``--json``'s value_text, "as the pane says it", said
    "1%": both now come from units.format_reading, the one rule for a pane's reading."""
    import argparse

    from warroom.cli.status import _print, reading_json
    from warroom.sources.model import SloReading

    monkeypatch.setenv("COLUMNS", "200")
    cfg = Config()
    slo = next(s for s in cfg.slo if s.unit == "percent" and s.crit == 1.0)
    reading = SloReading(slo=slo, state="crit", value=JUST_OVER)
    assert reading_json(reading)["value_text"] == "1.002%"
    _print(argparse.Namespace(json=False), cfg.prometheus.url, [reading], 1_800_000_000.0, 3)
    row = next(line for line in capsys.readouterr().out.splitlines() if slo.id in line)
    assert "1.002%" in row.split(), row
