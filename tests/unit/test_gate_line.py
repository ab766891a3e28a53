"""The header's verify-gate line (issue 10, item 6): the value now with its unit, the hold's
progress and the time left come before the gate's text, so a narrow terminal cuts the text and
never the countdown; the countdown keeps moving between probes in the gate's own clock."""

from __future__ import annotations

from panes.header import gate_text
from tui.view import gate_view
from warroom.config import SloConfig

QUOTA = SloConfig(id="quota", title="Model API quota used", query="q", unit="percent", warn=70, crit=80)


def test_pending_gate_shows_value_hold_and_time_left_first() -> None:
    g = gate_view(6, "quota < 75 for 2m within 10m", "pending", 83.44, 540.0, None, hold=120.0,
                  slos=[QUOTA], now=1000.0)
    text = gate_text(g, 1000.0).plain
    assert text == (" VERIFY  step 6 · Model API quota used 83.4% · needs < 75% for 2m · held 00:00/02:00 · 09:00 left"
                    " · window ends 00:25:40 UTC")      # the pane's words; the window's end on the gate's clock
    # one probe, then the line keeps counting down on every tick
    assert "08:50 left" in gate_text(g, 1010.0).plain


def test_a_hold_in_progress_counts_up_in_scenario_time() -> None:
    g = gate_view(6, "quota < 75 for 2m within 10m", "pending", 74.0, 30.0, "holding 20s of 2m00s",
                  held=2.0, hold=12.0, slos=[QUOTA], speed=10.0, now=0.0)
    assert g.hold == 120.0 and g.remaining == 300.0         # a drill at ×10: scenario seconds
    line = gate_text(g, 3.0).plain
    assert "held 00:50/02:00" in line and "04:30 left" in line


def test_outcomes() -> None:
    ok = gate_view(6, "quota < 75 within 10m", "passed", 74.1, 0.0, None, slos=[QUOTA])
    assert gate_text(ok, 0).plain.startswith(" VERIFY  step 6 ✔ passed at 74.1%")
    bad = gate_view(6, "quota < 75 within 10m", "failed", 83.0, 0.0,
                    "window of 10m00s ran out: still 83% (wanted < 75%)", slos=[QUOTA])
    assert "✖ FAILED: window of 10m00s ran out" in gate_text(bad, 0).plain


def test_a_failed_gate_keeps_what_it_read_and_wanted_at_80_columns() -> None:
    """At 80 columns the header read "✖ FAILED: window of 10m00s drill time ran out: still 99.8% (w…": what the
    gate wanted was cut (redteam47 F13). The leanest form says what it read and wanted first, why it stopped after."""
    bad = gate_view(6, "quota < 10 within 10m", "failed", 99.8, 0.0,
                    "window of 10m00s drill time ran out: still 99.8% (wanted < 10%)", slos=[QUOTA])
    assert gate_text(bad, 0, 120).plain.startswith(" VERIFY  step 6 ✖ FAILED: window of 10m00s drill time ran out:")
    lean = gate_text(bad, 0, 80)
    assert lean.plain == (" VERIFY  step 6 ✖ FAILED: still 99.8% (wanted < 10%) · window of 10m00s drill time"
                          " ran out"), lean.plain
    assert "(wanted < 10%)" in lean.plain[:79]          # the ellipsis cuts the end, never what it wanted


def test_a_gate_on_a_bare_promql_expression() -> None:
    g = gate_view(3, "sum(rate(errors_total[5m])) < 0.5 within 5m", "pending", 1.25, 200.0, None)
    line = gate_text(g, 0).plain
    assert "now 1.25 · needs < 0.5 · 03:20 left" in line
    assert line.endswith(" · sum(rate(errors_total[5m])) < 0.5 within 5m")      # as written, last: the ellipsis may cut it


def test_a_gate_of_an_earlier_runbook_names_it_in_the_header() -> None:
    """After a GO attaches RB-LAUNCH-002, the failed gate of RB-LAUNCH-005's step 22 must not
    read as RB-LAUNCH-002's step 22 (a different step)."""
    from tui.view import header_gate

    bad = gate_view(22, "quota < 75 within 10m", "failed", 83.0, 0.0, "ran out", slos=[QUOTA], now=5.0)
    gates = {("RB-LAUNCH-005", "route-around-provider"): bad}
    shown = header_gate(gates, {"RB-LAUNCH-005"}, 10.0)          # the core names its runbook
    assert shown is not None
    assert gate_text(shown, 10.0).plain.startswith(" VERIFY  RB-LAUNCH-005 step 22 ✖ FAILED")
    same = header_gate(gates, set(), 10.0)      # the core does not name it: the number alone
    assert same is not None and gate_text(same, 10.0).plain.startswith(" VERIFY  step 22 ✖ FAILED")
    pending = gate_view(3, "quota < 75 within 10m", "pending", 80.0, 60.0, None, slos=[QUOTA], now=5.0)
    both = {**gates, ("RB-LAUNCH-002", "three"): pending}
    assert header_gate(both, {"RB-LAUNCH-005"}, 10.0) == pending      # an open gate comes first
    assert header_gate({}, {"RB-LAUNCH-005"}, 10.0) is None
