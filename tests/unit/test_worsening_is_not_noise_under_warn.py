"""A pane well under its warn line was called worsening on noise (found by redteam36: a timeout drill
at x60 resolved with P95 at 82.9s, warn 90s, crit 120s; its last four points rose 81.36 -> 82.87,
1.51s against a 1.5s trend threshold, so the PIR said "Resolved although: P95 flow latency is
worsening (82.9s and rising the bad way)", the drill report "still getting worse" and its screen
"▲ not recovered, rising", beside the journal's "SLO recovered" a minute earlier). Under warn, a rise
is worsening only when, at its pace, it would cross warn within another trend window."""

from __future__ import annotations

from warroom.config import SloConfig
from warroom.incident.metric_history import PaneHistory

P95 = SloConfig(id="p95_latency", title="P95 flow latency", query="q", unit="seconds", warn=90.0, crit=120.0)
AUDIT = SloConfig(id="audit_gap", title="Audit-log gap", query="q", unit="seconds", warn=120.0, crit=300.0)


def _history(slo: SloConfig, values: list[float]) -> PaneHistory:
    return PaneHistory(slo, tuple((float(i), v) for i, v in enumerate(values)), 1.0)


def test_noise_far_under_warn_is_not_worsening() -> None:
    # the drill's last five grid points, as recorded in the incident's metrics.json
    assert not _history(P95, [81.21, 81.04, 81.09, 81.36, 81.76, 82.18, 82.55, 82.87]).worsening()


def test_a_climb_that_reaches_warn_within_a_window_is_worsening() -> None:
    assert _history(P95, [70.0, 74.0, 78.0, 82.0, 86.0]).worsening()     # 16s in four points, 4s left
    assert _history(P95, [85.0, 86.0, 87.0, 88.0, 90.0]).worsening()     # at warn itself


def test_past_warn_or_crit_any_rise_past_the_threshold_is_worsening() -> None:
    assert _history(P95, [92.0, 92.5, 93.0, 93.5, 94.0]).worsening()     # in warning: unchanged rule
    assert _history(P95, [130.0, 130.5, 131.0, 131.5, 132.0]).worsening()
    assert not _history(P95, [94.0, 93.5, 93.0, 92.5, 92.0]).worsening()


def test_a_recovery_is_found_when_the_pane_settles_under_warn() -> None:
    h = _history(AUDIT, [400.0, 420.0, 30.0, 5.0, 8.0, 3.0, 9.0, 4.0])
    assert [kind for kind, _, _ in h.transitions()] == ["breached", "recovered"]


FAILURES = SloConfig(id="failure_rate", title="Flow failure rate", query="q", unit="percent", warn=0.5, crit=1.0)


def test_jitter_far_past_critical_is_not_worsening_but_a_climb_is() -> None:
    """redteam48 F1: after the rollback worked, the 1h failure rate sat at 22% with a sample jitter of ±0.07 points,
    more than 5% of its 0.5-point warn-to-crit span, so the open report said "still getting worse". Far past critical
    a move must also be 1% of the pane's own value (``NOISE_SHARE``) to be a trend."""
    assert not _history(FAILURES, [22.04, 22.11, 22.04, 22.04, 22.11]).worsening()
    assert not _history(FAILURES, [22.04, 22.04, 22.04, 22.04, 22.20]).worsening()
    assert _history(FAILURES, [22.0, 22.5, 23.0, 23.5, 24.0]).worsening()
    assert _history(FAILURES, [0.9, 0.95, 1.0, 1.05, 1.1]).worsening()      # near its thresholds: the span rules


def test_the_noise_floor_is_only_far_past_critical() -> None:
    """attack48 Z5: the 1% floor applied from 50% up on the quota pane (warn 70, crit 80), so a quota just past
    critical and climbing ~1.2 points a minute read flat in the report at 170 s. Only twice past critical does it."""
    quota = SloConfig(id="quota", title="Model API quota used", query="q", unit="percent", warn=70.0, crit=80.0)
    assert _history(quota, [80.102, 80.102, 80.394, 80.685, 80.973]).worsening()


def test_far_past_critical_is_on_the_panes_own_side_for_a_pane_bad_below() -> None:
    """The floor's "twice past critical" read 2 x crit for a pane bad below too, so every value of a success rate
    (crit 99%) was "far" and a fall of 0.8 points in four points read flat; below, far is under crit / 2."""
    success = SloConfig(id="ok", title="Flow success rate", query="q", unit="percent", warn=99.5, crit=99.0,
                        direction="below")
    assert _history(success, [99.4, 99.2, 99.0, 98.8, 98.6]).worsening()
    assert not _history(success, [40.0, 40.2, 39.9, 40.1, 39.9]).worsening()      # far below: jitter is no trend
