"""Against REAL servers: Prometheus with ``external_labels`` evaluating rules with every severity
spelling and sending them to a REAL Alertmanager (each alert reaches warroom twice, once per
server, and must count once); an exporter killed with SIGKILL (its panes go STALE, the audit-gap
pane goes CRIT because its series vanishing is the incident).

Loops are bounded; nothing asserts on how fast wall time passes.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from panes.sources import alerts_line
from tests.conftest import REPO, subprocess_env
from tests.integration.sources_servers import AlertmanagerServer, PromServer
from warroom.config import AlertsConfig, PrometheusConfig, SloConfig, default_slos
from warroom.sources.alerts import AlertSource
from warroom.sources.evaluate import SloTracker
from warroom.sources.prometheus import PrometheusSource
from warroom.sources.model import SloReading
from warroom.sources.severity import rank

pytestmark = pytest.mark.integration

# alertname → (severity label as teams write it, the P-level warroom must map it to)
SPELLINGS = {
    "DiskCritical": ("critical", "P1"), "WakeSomeone": ("page", "P1"), "GitlabS1": ("s1", "P1"),
    "GitlabS2": ("s2", "P2"), "GitlabS3": ("s3", "P3"), "GitlabS4": ("s4", "P4"),
    "PriorityTwo": ("P2", "P2"), "IncidentIoSev1": ("SEV-1", "P1"), "PagerDutySev3": ("sev3", "P3"),
    "LatencyWarning": ("warning", "P3"), "JustInfo": ("info", "P4"),
}


def _rules(path: Path) -> None:
    lines = ["groups:", "  - name: spellings", "    interval: 1s", "    rules:"]
    for name, (sev, _) in SPELLINGS.items():
        lines += [f"      - alert: {name}", "        expr: vector(1)", "        labels:",
                  f"          severity: {sev!r}", "        annotations:",
                  f"          summary: {name} summary"]
        if name == "GitlabS1":
            lines.append("          title: 'GitLab-style title for S1'")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_alerts_once_each_with_external_labels_and_every_severity_spelling(tmp_path: Path) -> None:
    with AlertmanagerServer(tmp_path / "am") as am:
        # Alerts sent before Prometheus has found its Alertmanager are dropped and re-sent after
        # the resend delay (1 min by default): make that 1 s.
        prom = PromServer(tmp_path / "prom", args=["--rules.alert.resend-delay=1s"])
        _rules(prom.dir / "rules.yml")
        prom.config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "  external_labels:\n    cluster: prod-eu-1\n    replica: a\n"
            f"rule_files:\n  - {prom.dir / 'rules.yml'}\n"
            "alerting:\n  alertmanagers:\n    - static_configs:\n"
            f"        - targets: ['127.0.0.1:{am.port}']\n", encoding="utf-8")
        with prom:
            src = AlertSource(AlertsConfig(alertmanager_url=am.url, timeout=5.0),
                              PrometheusConfig(url=prom.url, timeout=5.0))
            try:
                deadline = time.monotonic() + 90
                while True:
                    result = src.fetch()
                    am_names = {a.name for a in result.alerts if a.source == "alertmanager"}
                    if am_names == set(SPELLINGS) or time.monotonic() > deadline:
                        break
                    time.sleep(0.3)
            finally:
                src.close()
    assert result.ok, result.errors
    names = [a.name for a in result.alerts]
    # Each alert once: Alertmanager's copy carries cluster/replica, Prometheus' does not.
    assert sorted(names) == sorted(SPELLINGS), names
    assert all(a.source == "alertmanager" and a.labels.get("cluster") == "prod-eu-1" for a in result.alerts)
    for a in result.alerts:
        assert a.priority == SPELLINGS[a.name][1], (a.name, a.severity, a.priority)
        assert a.since is not None and a.since <= time.time()
    # Most severe first; within a severity the longest firing first.
    keys = [(rank(a.priority), a.since) for a in result.alerts]
    assert keys == sorted(keys)
    assert next(a for a in result.alerts if a.name == "GitlabS1").title == "GitLab-style title for S1"
    line = alerts_line(result).plain
    assert line.startswith(f"alerts ✖ {len(SPELLINGS)} firing (4×P1 2×P2 3×P3 2×P4)"), line
    assert "none firing" not in line


PANES = [s for s in default_slos() if s.id in ("failure_rate", "quota", "audit_gap")]


def _exporter() -> tuple[subprocess.Popen[str], int]:
    """The exporter in its own process on a port it binds itself (port 0), and that port, which it
    prints once it serves (no port handed to it that another test could have bound meanwhile). At x10: the
    simulator's counters move on a 5 drill-second grid, so at x1 the 1 s scrapes read the same counters for ~14 s
    and the failure-rate pane read NaN (0/0) that long before every pane was fresh (the test took 30 s, 16 s now);
    the panes read what they read at x1 (failure rate OK, quota WARN, audit gap OK)."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.drill_exporter", "rate-limit", "--port", "0",
                             "--speed", "10"],
                            cwd=REPO, env=subprocess_env(), stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()      # bounded: the process prints it or exits (EOF)
    found = re.search(r"at http://127\.0\.0\.1:(\d+)/metrics", line)
    if found is None:
        proc.kill()
        proc.wait(timeout=10)
        raise AssertionError(f"the exporter did not say where it serves: {line!r} (exit {proc.poll()})")
    return proc, int(found.group(1))


def _fresh(reading: SloReading, stale_after: float) -> bool:
    """A pane judged on a value that is there, a number, and younger than ``stale_after``."""
    return (reading.state not in ("stale", "error", "nodata") and reading.value is not None
            and not math.isnan(reading.value) and reading.age is not None and reading.age < stale_after)


def _said(readings: dict[str, SloReading]) -> str:
    """Each pane's state, value, age and note: a failure says which pane and why (a reading's repr is cut)."""
    return "; ".join(f"{k}: {r.state} {r.value!r} age {r.age!r} {r.note or r.error or ''}" for k, r in readings.items())


def test_killed_exporter_makes_its_panes_stale_and_the_audit_gap_crit(tmp_path: Path) -> None:
    exporter, port = _exporter()
    try:
        prom = PromServer(tmp_path / "prom")
        prom.config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
            f"  - job_name: flowengine\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n",
            encoding="utf-8")
        stale_after = 8.0
        with prom:
            src = PrometheusSource(PrometheusConfig(url=prom.url, timeout=5.0, window=120.0,
                                                    stale_after=stale_after))
            tracker = SloTracker(PANES, stale_after=stale_after)
            try:
                # Until every pane reads a fresh value: the rates need two scrapes, and on a loaded machine a
                # scrape that misses its 1 s timeout (Prometheus then marks the series stale) or a query past
                # its 5 s makes a pane STALE with its last value for a moment. The loop used to stop at the first
                # value of every pane, stale or not, and assert it fresh (ci46b: a pane read STALE, once, under
                # load); it waits for the condition itself now, bounded.
                deadline = time.monotonic() + 120
                while True:
                    readings = {r.slo.id: r for r in tracker.update(src.fetch(PANES))}
                    if all(_fresh(r, stale_after) for r in readings.values()) or time.monotonic() > deadline:
                        break
                    time.sleep(0.3)
                assert all(r.state not in ("stale", "error", "nodata") for r in readings.values()), _said(readings)
                assert all(r.age is not None and r.age < stale_after for r in readings.values()), _said(readings)
                assert readings["audit_gap"].state != "crit", _said(readings)   # CRIT below is the series gone

                exporter.kill()   # SIGKILL: no goodbye
                exporter.wait(timeout=10)
                deadline = time.monotonic() + 120
                while True:
                    readings = {r.slo.id: r for r in tracker.update(src.fetch(PANES))}
                    done = (readings["failure_rate"].state == "stale" and readings["quota"].state == "stale"
                            and readings["audit_gap"].state == "crit")
                    if done or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
            finally:
                src.close()
    finally:
        if exporter.poll() is None:
            exporter.kill()
            exporter.wait(timeout=10)
    rate, quota, audit = readings["failure_rate"], readings["quota"], readings["audit_gap"]
    # rate(...[1h]) still answers after the kill: only the samples' own age shows it is dead.
    assert rate.state == "stale" and rate.value is not None and rate.age is not None, _said(readings)
    assert rate.age > stale_after
    assert quota.state == "stale" and quota.value is not None, _said(readings)     # the last good value, marked
    assert "stopped" in (quota.note or "") or quota.age > stale_after
    # The audit exporter's series vanishing is the P1 itself: CRIT, naming its runbook.
    assert audit.state == "crit" and audit.breached and audit.slo.runbook == "RB-CORE-005", _said(readings)
