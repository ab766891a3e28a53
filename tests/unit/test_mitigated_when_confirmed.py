"""Time to mitigate counts to when the metrics confirmed the fix, not to when someone looked.

Found by attack13e: a rate-limit drill at x60 (`incident run ID 6 --yes --no-wait`, the breaker's
gate `quota < 75 for 2m within 10m`) was confirmed by the metric history 6 drill minutes after
detection, but the gate is settled only after its window, by the next command; the journal's
``verify.passed`` line (written then) was taken as the "mitigated" milestone: `incident show`,
the PIR and the drill report said 15.3 minutes. The same holds on a real incident: a gate opened
with ``--no-wait`` made "time to mitigate" at least the gate's whole window. The clock is
injected: no wall time is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.config import Config, SloConfig
from warroom.incident.store import IncidentStore
from warroom.sources.evidence import iso
from warroom.sources.verify import settle_open

QUOTA = SloConfig(id="quota", title="quota", query="qquota", unit="percent", warn=70, crit=80)
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


class _Quota:
    """quota at 90% until T0+2m, then 60%: the fix took at minute 2."""

    name = "scripted"

    def fetch(self, slos, at=None):  # type: ignore[no-untyped-def]
        from warroom.sources.model import SloSample

        t = float(at)
        v = 90.0 if t < (T0 + timedelta(minutes=2)).timestamp() else 60.0
        return [SloSample(s.id, v, sample_time=t, fetched_at=t) for s in slos]

    def close(self) -> None:
        pass


def test_a_gate_settled_after_its_window_dates_the_mitigation_when_the_metrics_confirmed_it(tmp_path: Path) -> None:
    now = [T0]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota climbing", severity="P3",
                                                                     source={})
    now[0] = T0 + timedelta(minutes=1)
    inc.append("verify.started", {"step": 6, "step_id": "enable-circuit-breaker", "expr": "quota < 75 within 10m",
                                  "window": 600.0, "deadline": iso((T0 + timedelta(minutes=11)).timestamp())})
    now[0] = T0 + timedelta(minutes=15)          # nobody looked until after the window: settled from the history
    [(_, check)] = settle_open(inc, inc.read().events, _Quota(), [QUOTA],
                               now=now[0].timestamp(), step=10.0)
    assert check.status == "passed"
    st = inc.refresh()
    assert st.status == "mitigated"
    assert st.phases["mitigated"] == T0 + timedelta(minutes=2)
    mitigate = next(r for r in st.response_times() if r.key == "mitigated")
    assert mitigate.minutes is not None and round(mitigate.minutes, 6) == 2.0     # not 15
    pir = inc.render("pir")
    row = next(line for line in pir.splitlines() if line.startswith("| Time to mitigate"))
    assert "| 10:02:00 |" in row and "2m00s" in row, row


def test_a_confirmation_in_the_future_of_its_own_line_is_not_believed(tmp_path: Path) -> None:
    """A hand-edited ``confirmed_at`` after the line was written cannot move the milestone later."""
    now = [T0 + timedelta(minutes=5)]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota climbing", severity="P3",
                                                                     source={})
    inc.append("verify.passed", {"step": 6, "step_id": "x", "expr": "quota < 75", "value": 60.0,
                                 "confirmed_at": iso((T0 + timedelta(hours=3)).timestamp())})
    assert inc.refresh().phases["mitigated"] == T0 + timedelta(minutes=5)


def test_the_pass_is_told_at_the_instant_the_milestone_counts(tmp_path: Path) -> None:
    """redteam42 R7: one PIR, two clocks for one event: the Key Moments' "Verification passed" stood at the line's
    writing (09:25:53, +25m56s at x60), Time to mitigate at the confirmation (09:25:52, 24m42s)."""
    now = [T0 + timedelta(minutes=15)]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota climbing", severity="P3",
                                                                     source={})
    inc.append("verify.passed", {"step": 6, "step_id": "x", "expr": "quota < 75", "value": 60.0,
                                 "confirmed_at": iso((T0 + timedelta(minutes=2)).timestamp())})
    st = inc.refresh()
    [line] = [t for t in st.timeline if t.text.startswith("Verification passed")]
    assert line.at == st.phases["mitigated"] == T0 + timedelta(minutes=2)
    said = [ln for ln in inc.render("pir").splitlines() if "Verification passed" in ln]
    assert said and all(" 10:02" in ln and "10:15" not in ln for ln in said), said


def test_a_gate_settled_late_is_dated_at_the_instant_its_verdict_is_about(tmp_path: Path) -> None:
    """redteam42 R11: a gate nobody watched, settled by a resolve 26 drill minutes after its window ran out,
    was dated in the PIR at the settling ("+42m19s Verification failed" for a window that ended at
    +15m58s). The outcome carries its instant (a failure: the window's end; a pass: the confirming
    instant, ``confirmed_at``) and the timeline dates it there."""
    now = [T0]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota climbing", severity="P3",
                                                                     source={})
    now[0] = T0 + timedelta(minutes=1)
    for step, expr in ((6, "quota < 50 within 10m"), (7, "quota < 75 within 10m")):   # never met / met at 10:02
        inc.append("verify.started", {"step": step, "step_id": f"s{step}", "expr": expr, "window": 600.0,
                                      "deadline": iso((T0 + timedelta(minutes=11)).timestamp())})
    now[0] = T0 + timedelta(minutes=42)           # settled by a later command
    checks = settle_open(inc, inc.read().events, _Quota(), [QUOTA], now=now[0].timestamp(), step=10.0)
    assert [c.status for _g, c in checks] == ["failed", "passed"]
    failed = next(e for e in inc.read().events if e.type == "verify.failed")
    assert failed.data["ended_at"] == iso((T0 + timedelta(minutes=11)).timestamp())
    lines = {t.kind: t.at for t in inc.refresh().timeline if t.kind in ("verify.failed", "verify.passed")}
    assert lines == {"verify.failed": T0 + timedelta(minutes=11), "verify.passed": T0 + timedelta(minutes=2)}
    pir = inc.render("pir")
    said = [line for line in pir.splitlines() if "Verification failed" in line or "Verification passed" in line]
    assert said and not any("10:42" in line for line in said), said
    assert any("10:11:00" in line and "failed" in line for line in said), said
