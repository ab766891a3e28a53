"""Golden files: a recorded journal (checked in, deterministic times) renders to exact drafts.

Regenerate after an intended template change with ``WARROOM_UPDATE_GOLDEN=1 pytest this_file``
and review the diff like any other change.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO
from warroom.config import Config
from warroom.journal import events as ev
from warroom.journal.log import Journal, format_ts, read_journal, verify_journal
from warroom.incident.pir import render_pir
from warroom.incident.fold import replay

GOLDEN = REPO / "tests" / "golden" / "incident"
JOURNAL = GOLDEN / "journal.jsonl"
T0 = datetime(2026, 11, 22, 13, 58, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)
UPDATE = os.environ.get("WARROOM_UPDATE_GOLDEN") == "1"

RUNBOOK_STEPS = [
    {"step": 1, "step_id": "check-quota", "label": "Check quota usage", "kind": "shell", "section": "Triage"},
    {"step": 2, "step_id": "recent-429s", "label": "Count recent 429 responses", "kind": "shell", "section": "Triage"},
    {"step": 3, "step_id": "enable-breaker", "label": "Enable the circuit breaker", "kind": "shell",
     "section": "Mitigation"},
    {"step": 4, "step_id": "page-tl", "label": "Page the tech lead", "kind": "manual", "section": "Mitigation"},
    {"step": 5, "step_id": "request-quota", "label": "Request a quota increase", "kind": "manual",
     "section": "Mitigation"},
    {"step": 6, "step_id": "verify-quota", "label": "Quota back under 70%", "kind": "promql", "section": "Validation"},
    {"step": 7, "step_id": "notify", "label": "Tell the stakeholders", "kind": "manual", "section": "Communicate"},
]


def _record(path: Path) -> None:
    """The scenario behind the fixture: a rate-limit incident, start to PIR."""
    path.unlink(missing_ok=True)
    path.with_name("journal.head").unlink(missing_ok=True)
    from warroom.journal.seal import Witness

    Witness(path).path.unlink(missing_ok=True)   # re-recording on purpose, not a cut journal
    ic = Journal(path, actor="alice@bastion-1")
    sre = Journal(path, actor="bob@bastion-1")

    def at(minutes: float) -> datetime:
        return T0 + timedelta(minutes=minutes)

    rb = {"id": "RB-CORE-003", "title": "Rate limit exhaustion", "path": "/opt/runbooks/rate-limit.md",
          "sha256": "ab" * 32, "snapshot": "runbook.md"}
    ic.append(ev.ALERT_SEEN, {"name": "ModelQuotaHigh", "severity": "warning", "runbook": "RB-CORE-003",
                              "since": format_ts(at(-3)), "labels": {"team": "sre"}, "annotations": {},
                              "source": "alertmanager"}, ts=at(0))
    ic.append(ev.DECLARED, {"id": "INC-20261122-1", "title": "Model API quota exhausted", "severity": "P3",
                            "runbook": rb, "source": {"kind": "pane", "ref": "quota", "value": 86.5,
                                                      "unit": "percent", "state": "crit"},
                            "drill": None, "commander": "alice@bastion-1"}, ts=at(1))
    sre.append(ev.STEP_STARTED, {"step": 1, "step_id": "check-quota", "label": "Check quota usage",
                                 "kind": "shell", "command": "flowctl quota show --provider anthropic",
                                 "params": {"provider": "anthropic"}, "mutating": False, "confirmed": False,
                                 "target": {}, "timeout": 300, "output": "outputs/0001-check-quota.log"}, ts=at(3))
    sre.append(ev.STEP_FINISHED, {"step": 1, "step_id": "check-quota", "status": "ok", "exit_code": 0,
                                  "signal": None, "started_at": format_ts(at(3)),
                                  "ended_at": format_ts(at(3) + timedelta(seconds=2.4)), "duration": 2.4,
                                  "expect": "usage", "expect_met": True, "excerpt": ["usage: 91%"],
                                  "output": "outputs/0001-check-quota.log", "lines": 4, "bytes": 120}, ts=at(3.05))
    sre.append(ev.STEP_STARTED, {"step": 2, "step_id": "recent-429s", "label": "Count recent 429 responses",
                                 "kind": "shell",
                                 "command": "kubectl logs deploy/flowengine -n production --since=1h | grep -c 429",
                                 "params": {"namespace": "production"}, "mutating": False, "confirmed": False,
                                 "target": {"context": "prod-eu", "namespace": "production"}, "timeout": 300,
                                 "output": "outputs/0002-recent-429s.log"}, ts=at(4))
    sre.append(ev.STEP_FINISHED, {"step": 2, "step_id": "recent-429s", "status": "failed", "exit_code": 1,
                                  "duration": 8.0, "expect": "a count above zero", "expect_met": False,
                                  "output": "outputs/0002-recent-429s.log"}, ts=at(4.2))
    # impact start, marked by hand from what the IC learned (the deploy went out at -5)
    ic.append(ev.PHASE_MARKED, {"phase": "started", "at": format_ts(at(-6)), "reason": "first failed flows"},
              ts=at(4.5))
    ic.append(ev.SEVERITY_CHANGED, {"from": "P3", "to": "P2", "reason": "three repos failing"}, ts=at(5))
    ic.append(ev.ROLE_ASSIGNED, {"role": "comms", "person": "carol"}, ts=at(5.5))
    ic.append(ev.NOTE, {"tag": "root-cause", "text": "A retry loop in the review flow multiplied calls, "
                                                     "exhausting the provider quota | rate limits hit."}, ts=at(9))
    ic.append(ev.STEP_DRY_RUN, {"step": 3, "step_id": "enable-breaker", "label": "Enable the circuit breaker",
                                "command": "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true",
                                "params": {}, "mutating": True, "target": {}}, ts=at(10))
    # two-person approval of the breaker: alice asks, bob (another login, another host) approves
    alice = {"login": "alice", "uid": 1001, "host": "bastion-1", "actor": "alice@bastion-1"}
    bob = {"login": "bob", "uid": 1002, "host": "bastion-2", "actor": "bob@bastion-1"}
    asked = ic.append(ev.APPROVAL_REQUESTED, {
        "step": 3, "step_id": "enable-breaker", "runbook_id": "RB-CORE-003", "label": "Enable the circuit breaker",
        "kind": "shell", "command": "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true",
        "command_sha256": "cd" * 32, "params": {}, "target": {"context": "prod-eu", "namespace": "production"},
        "mutating": True, "reasons": ["it changes things and the incident is P2 ([approval] severities = P1, P2)"],
        "dry_run": None, "verify": "quota < 80 within 10m", "requester": alice, "expires_after": 900},
        ts=at(10.2))
    sre.append(ev.APPROVAL_GRANTED, {"request": f"R{asked.seq}", "command_sha256": "cd" * 32, "approver": bob,
                                     "expires_at": format_ts(at(25.5))}, ts=at(10.5))
    ic.append(ev.APPROVAL_USED, {"request": f"R{asked.seq}", "step": 3, "step_id": "enable-breaker",
                                 "runbook_id": "RB-CORE-003", "command_sha256": "cd" * 32, "by": alice}, ts=at(10.95))
    ic.append(ev.EVIDENCE, {"step": 3, "step_id": "enable-breaker", "when": "before", "offset": 0.0,
                            "at": format_ts(at(10.9)),
                            "values": {"quota": {"value": 95.5, "unit": "percent", "state": "crit"},
                                       "failure_rate": {"value": 1.1, "unit": "percent", "state": "crit"}}},
              ts=at(10.9))
    ic.append(ev.STEP_STARTED, {"step": 3, "step_id": "enable-breaker", "label": "Enable the circuit breaker",
                                "kind": "shell",
                                "command": "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true",
                                "params": {}, "mutating": True, "confirmed": True,
                                "target": {"context": "prod-eu", "namespace": "production"}, "timeout": 60,
                                "output": "outputs/0003-enable-breaker.log"}, ts=at(11))
    finished = ic.append(ev.STEP_FINISHED, {"step": 3, "step_id": "enable-breaker", "status": "ok", "exit_code": 0,
                                 "duration": 3.1, "expect": "env updated", "expect_met": True,
                                 "output": "outputs/0003-enable-breaker.log"}, ts=at(11.1))
    ic.append(ev.EVIDENCE, {"step": 3, "step_id": "enable-breaker", "when": "after", "offset": 300,
                            "finished_seq": finished.seq,
                            "values": {"quota": {"value": 92.0, "unit": "percent", "state": "crit"},
                                       "failure_rate": {"value": 1.4, "unit": "percent", "state": "crit"}}},
              ts=at(12))
    ic.append(ev.STEP_TICKED, {"step": 4, "step_id": "page-tl", "label": "Page the tech lead"}, ts=at(13))
    handoff = ic.append(ev.ROLE_ASSIGNED, {"role": "commander", "person": "bob", "reason": "alice off shift",
                                           "brief": {"sections": [["What happened", ["breaker on at 14:11"]]]}},
                        ts=at(13.5))
    sre.append(ev.HANDOFF_ACKNOWLEDGED, {"handoff_seq": handoff.seq, "person": bob}, ts=at(13.8))
    ic.append(ev.STEP_SKIPPED, {"step": 5, "step_id": "request-quota", "label": "Request a quota increase",
                                "reason": "breaker was enough; no increase needed"}, ts=at(14))
    ic.append(ev.STATUS_UPDATE, {"text": "Mitigating: breaker on, quota falling", "channels": ["clipboard"],
                                 "webhook": None}, ts=at(15))
    sre.append(ev.STATUS_UPDATE, {"text": "Conditions: quota 71%\nActions: breaker on\nNeeds: nothing",
                                  "channels": ["webhook"], "webhook": {"kind": "slack", "ok": True, "status": 200},
                                  "delivery": "posted"}, ts=at(15.5))
    entry = ic.append(ev.TIMELINE_ENTRY, {"at": format_ts(at(-5)), "text": "Deploy 2.3.1 with new retry policy"},
                      ts=at(16))
    ic.append(ev.CORRECTION, {"seq": entry.seq, "text": "Deploy 2.3.1 rolled out with the new retry policy"},
              ts=at(16.5))
    sre.append(ev.NOTE, {"tag": "went-well", "text": "The runbook's breaker step worked first time"}, ts=at(18))
    sre.append(ev.NOTE, {"tag": "went-wrong", "text": "The 429 count step failed: grep found nothing"}, ts=at(19))
    ic.append(ev.NOTE, {"tag": "action", "text": "Alert at 75% quota, before the breaker threshold",
                        "owner": "sre-team", "due": "2026-12-01"}, ts=at(20))
    ic.append(ev.NOTE, {"tag": "action", "text": "Cap retries in the review flow"}, ts=at(20.5))
    ic.append(ev.NOTE, {"tag": "lesson", "text": "Retry policies need a budget,\nnot just a count"}, ts=at(21))
    ic.append(ev.NOTE, {"tag": "impact", "text": "3 repos saw failed review flows for about 20 minutes"},
              ts=at(21.5))
    ic.append(ev.EVIDENCE, {"when": "sample", "values": {"quota": {"value": 58.0, "unit": "percent", "state": "ok"},
                                                         "failure_rate": {"value": 0.2, "unit": "percent",
                                                                          "state": "ok"}}}, ts=at(24))
    # the metric history: quota breached before the declaration, recovered, the failure rate
    # breached a second time after the breaker, then recovered
    for kind, slo_id, title, minute, value, threshold, seen in (
            (ev.SLO_BREACHED, "quota", "Model API quota used", -4, 81.2, 80.0, 0.2),
            (ev.SLO_RECOVERED, "quota", "Model API quota used", 17, 66.0, 70.0, 17.2),
            (ev.SLO_BREACHED, "failure_rate", "Flow failure rate", 18, 1.3, 1.0, 18.2),
            (ev.SLO_RECOVERED, "failure_rate", "Flow failure rate", 23, 0.3, 0.5, 23.2)):
        ic.append(kind, {"slo_id": slo_id, "title": title, "at": format_ts(at(minute)), "value": value,
                         "threshold": threshold, "unit": "percent", "direction": "above", "query": "q"},
                  ts=at(seen))
    ic.append(ev.RESOLVED, {"summary": "Quota usage back under 60% with the circuit breaker on",
                            "resolution": "Circuit breaker enabled, retries capped, retry change rolled back",
                            "rollback": True, "type": "Rate limit exhaustion",
                            "affected_repos": "review-bot, docs-site, infra-live"}, ts=at(25))
    t = at(0).timestamp()
    ic.append(ev.METRICS_SUMMARISED, {
        "source": "prometheus", "window": {"start": t - 3600, "end": t + 25 * 60, "step": 15.0},
        "marks": {"started": t - 360, "detected": t + 60, "resolved": t + 1500}, "errors": [],
        "slos": {
            "quota": {"title": "Model API quota used", "unit": "percent", "direction": "above", "warn": 70.0,
                      "crit": 80.0, "query": "100 * max(flowengine_model_quota_used_ratio)", "points": 340,
                      "at_start": {"at": t - 360, "value": 74.1}, "at_detection": {"at": t + 60, "value": 86.5},
                      "worst": {"at": t + 600, "value": 95.9}, "at_resolution": {"at": t + 1500, "value": 58.0},
                      "last": {"at": t + 1500, "value": 58.0}, "breach_seconds": 1260.0,
                      "breaches": [[t - 240, t + 1020]], "worsening": False, "breached": True},
            "failure_rate": {"title": "Flow failure rate", "unit": "percent", "direction": "above", "warn": 0.5,
                             "crit": 1.0, "query": "failures / executions", "points": 340,
                             "at_start": {"at": t - 360, "value": 0.4}, "at_detection": {"at": t + 60, "value": 1.1},
                             "worst": {"at": t + 1140, "value": 1.6}, "at_resolution": {"at": t + 1500, "value": 0.2},
                             "last": {"at": t + 1500, "value": 0.2}, "breach_seconds": 480.0,
                             "breaches": [[t + 30, t + 200], [t + 1080, t + 1380]], "worsening": False,
                             "breached": True,
                             "impact_count": {"label": "failed flows", "value": 412.0,
                                              "query": "sum(increase(flowengine_flow_failures_total[1860s]))"}},
            "p95_latency": {"title": "P95 flow latency", "unit": "seconds", "direction": "above", "warn": 90.0,
                            "crit": 120.0, "query": "p95", "points": 340, "at_start": {"at": t - 360, "value": 40.0},
                            "at_detection": {"at": t + 60, "value": 41.0}, "worst": {"at": t + 60, "value": 44.0},
                            "at_resolution": {"at": t + 1500, "value": 39.0}, "last": None, "breach_seconds": 0.0,
                            "breaches": [], "worsening": False, "breached": False}}}, ts=at(25.1))


@pytest.fixture(scope="module")
def state():  # type: ignore[no-untyped-def]
    if UPDATE:
        _record(JOURNAL)
    assert verify_journal(JOURNAL).ok
    read = read_journal(JOURNAL)
    return replay(read.events)


@pytest.mark.parametrize("template", ["pir", "rca", "postmortem"])
def test_recorded_journal_renders_exactly(state, template: str) -> None:  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.incident.timezone = "Europe/Berlin"
    text = render_pir(state, template, cfg, now=NOW, runbook_steps=RUNBOOK_STEPS)
    golden = GOLDEN / f"{template}.md"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_golden_pir_has_every_step_note_and_response_time(state) -> None:  # type: ignore[no-untyped-def]
    text = (GOLDEN / "pir.md").read_text(encoding="utf-8")
    for needle in ("Check quota usage", "Count recent 429 responses", "Enable the circuit breaker",
                   "Page the tech lead", "Request a quota increase", "breaker was enough",
                   "Quota back under 70%", "Tell the stakeholders", "retry loop",
                   "The runbook's breaker step worked", "grep found nothing", "Alert at 75% quota",
                   "Owner: sre-team", "Due: 2026-12-01", "Retry policies need a budget, not just a count",
                   "Time to detect", "Time to mobilise", "Time to root cause", "Time to mitigate",
                   "Time to resolve", "Europe/Berlin", "86.5%", "95.9%", "58%",
                   "Deploy 2.3.1 rolled out with the new retry policy", "quota 95.5% → 92%"):
        assert needle in text, needle


@pytest.mark.parametrize("template", ["pir", "rca", "postmortem"])
def test_every_template_states_the_facts_an_ic_sends(state, template: str) -> None:  # type: ignore[no-untyped-def]
    """Duration from impact start (with detected/declared beside it), resolution, rollback,
    type, affected services, commander handoff, roles, the failed expectation, both breaches."""
    text = (GOLDEN / f"{template}.md").read_text(encoding="utf-8")
    for needle in ("31m00s: 13:52:00 – 14:23:00 UTC, impact start to resolution",
                   "13:59:00 UTC (7m00s after impact start)",
                   "Circuit breaker enabled, retries capped, retry change rolled back",
                   "Rollback: yes" if template != "pir" else "| **Rollback** | yes",
                   "Rate limit exhaustion `[#", "review-bot, docs-site, infra-live",
                   "commander handoff alice@bastion-1 → bob: alice off shift", "comms: carol",
                   "P3 → P2 at 14:03:00", "expectation NOT met",
                   "SLO breached: Model API quota used", "SLO breached: Flow failure rate",
                   "failed flows during the impact window: 412", "95.9% at 14:08:00",
                   f"Generated from journal events `#1–#{state.last_seq}` of INC-20261122-1"):
        assert needle in text, (template, needle)
    assert "to fill in" not in text
    # no table wider than seven columns: it must paste into Confluence / Google Docs
    for line in text.splitlines():
        if line.startswith("|---"):
            assert line.count("|") - 1 <= 7, line
    # every citation names an event of this journal
    seqs = {e.seq for e in read_journal(JOURNAL).events}
    import re

    for ref in re.findall(r"#(\d+)\b", text):
        assert int(ref) in seqs, ref
