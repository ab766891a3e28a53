"""Property: for any journal, the PIR states nothing the journal does not hold, and every citation
``[#N]`` names an event that exists.

Every piece of free text in a generated journal is made of marker words (``w123``) drawn for this
example only, so a marker in the rendered draft that no event carries would be an invented
statement; and every numeric ``#N`` citation must be a seq of the journal.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_pir_markdown_injection import MD, github_acts
from warroom.config import Config
from warroom.journal import events as ev
from warroom.journal.log import Event, format_ts
from warroom.incident.pir import render_pir
from warroom.incident.fold import replay

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
WORD = st.integers(min_value=100, max_value=999).map(lambda n: f"w{n}")
TEXT = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
MINUTE = st.floats(min_value=-30, max_value=90, allow_nan=False)
SLOS = st.sampled_from([("quota", "Model API quota used", 80.0, 70.0), ("failure_rate", "Flow failure rate", 1.0, 0.5)])


def _step(n: int, label: str) -> dict[str, Any]:
    return {"step": n, "step_id": f"s{n}", "label": label}


@st.composite
def actions(draw: Any) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["note", "severity", "role", "run", "breach", "recover", "entry", "update",
                                 "mark", "skip", "verify", "summary", "correct"]))
    if kind == "note":
        data: dict[str, Any] = {"tag": draw(st.sampled_from(ev.NOTE_TAGS)), "text": draw(TEXT)}
        if data["tag"] == "action" and draw(st.booleans()):
            data["owner"] = draw(WORD)
        return ev.NOTE, data
    if kind == "severity":
        return ev.SEVERITY_CHANGED, {"from": "P3", "to": draw(st.sampled_from(ev.SEVERITIES)), "reason": draw(TEXT)}
    if kind == "role":
        return ev.ROLE_ASSIGNED, {"role": draw(st.sampled_from(["commander", "comms", "ops"])), "person": draw(WORD)}
    if kind == "run":
        n = draw(st.integers(1, 4))
        return "run", {**_step(n, draw(TEXT)), "mutating": draw(st.booleans()), "command": draw(TEXT),
                       "status": draw(st.sampled_from(ev.STEP_END_STATES[:4])),
                       "expect_met": draw(st.sampled_from([True, False, None])), "expect": draw(TEXT)}
    if kind in ("breach", "recover"):
        slo_id, title, crit, warn = draw(SLOS)
        value = draw(st.floats(min_value=0, max_value=200, allow_nan=False))
        return (ev.SLO_BREACHED if kind == "breach" else ev.SLO_RECOVERED,
                {"slo_id": slo_id, "title": title, "at": format_ts(T0 + timedelta(minutes=draw(MINUTE))),
                 "value": value, "threshold": crit if kind == "breach" else warn, "unit": "percent"})
    if kind == "entry":
        return ev.TIMELINE_ENTRY, {"at": format_ts(T0 + timedelta(minutes=draw(MINUTE))), "text": draw(TEXT)}
    if kind == "update":
        return ev.STATUS_UPDATE, {"text": draw(TEXT) + "\n" + draw(TEXT), "channels": ["clipboard"], "webhook": None}
    if kind == "mark":
        return ev.PHASE_MARKED, {"phase": draw(st.sampled_from(ev.PHASES[:5])),
                                 "at": format_ts(T0 + timedelta(minutes=draw(MINUTE))), "reason": draw(TEXT)}
    if kind == "skip":
        return ev.STEP_SKIPPED, {**_step(draw(st.integers(1, 4)), draw(TEXT)), "reason": draw(TEXT)}
    if kind == "verify":
        return (draw(st.sampled_from([ev.VERIFY_PASSED, ev.VERIFY_FAILED])),
                {**_step(draw(st.integers(1, 4)), draw(TEXT)), "expr": "quota < 70", "value": 60.0,
                 "reason": draw(TEXT)})
    if kind == "correct":
        return ev.CORRECTION, {"seq": draw(st.integers(1, 40)), "text": draw(TEXT)}
    slo_id, title, crit, warn = draw(SLOS)
    t = T0.timestamp()
    worst = draw(st.floats(min_value=0, max_value=200, allow_nan=False))
    breached = worst > crit
    return ev.METRICS_SUMMARISED, {
        "source": "prometheus", "window": {"start": t - 3600, "end": t + 3600, "step": 15.0},
        "marks": {"started": None, "detected": t, "resolved": None}, "errors": [],
        "slos": {slo_id: {"title": title, "unit": "percent", "direction": "above", "warn": warn, "crit": crit,
                          "query": "q", "points": 10, "at_start": None, "at_detection": {"at": t, "value": worst / 2},
                          "worst": {"at": t + 60, "value": worst}, "at_resolution": None, "last": None,
                          "breach_seconds": 60.0 if breached else 0.0,
                          "breaches": [[t + 60, None]] if breached else [], "worsening": False,
                          "breached": breached}}}


def _journal(acts: list[tuple[str, dict[str, Any]]], resolve: bool, summary: str) -> list[Event]:
    evs: list[Event] = []

    def add(minute: float, type_: str, data: dict[str, Any]) -> None:
        evs.append(Event(seq=len(evs) + 1, ts=T0 + timedelta(minutes=minute), actor="ic@host", type=type_,
                         data=data, prev="", h=f"h{len(evs) + 1}"))

    add(0, ev.DECLARED, {"id": "INC-20261122-1", "title": "w001 w002", "severity": "P3", "runbook": None,
                         "source": {"kind": "manual"}, "drill": None, "commander": "w003"})
    for i, (type_, data) in enumerate(acts, start=1):
        if type_ == "run":
            start = {k: data[k] for k in ("step", "step_id", "label", "mutating", "command")}
            add(i, ev.STEP_STARTED, {**start, "output": f"outputs/{i}.log"})
            add(i + 0.5, ev.STEP_FINISHED, {"step": data["step"], "step_id": data["step_id"], "status": data["status"],
                                            "exit_code": 0 if data["status"] == "ok" else 1, "duration": 3.0,
                                            "expect": data["expect"], "expect_met": data["expect_met"],
                                            "output": f"outputs/{i}.log"})
        else:
            add(i, type_, data)
    if resolve:
        add(len(acts) + 2, ev.RESOLVED, {"summary": summary, "resolution": summary, "rollback": False})
    return evs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(acts=st.lists(actions(), max_size=14), resolve=st.booleans(), summary=TEXT,
       template=st.sampled_from(["pir", "rca", "postmortem"]))
def test_the_pir_states_only_what_the_journal_holds(acts: list[tuple[str, dict[str, Any]]], resolve: bool,
                                                     summary: str, template: str) -> None:
    events = _journal(acts, resolve, summary)
    state = replay(events)
    text = render_pir(state, template, Config(), now=T0 + timedelta(hours=3))
    seqs = {e.seq for e in events}
    # every citation names an event of this journal
    for group in re.findall(r"\[(#\d+(?:, #\d+)*)\]", text):
        for ref in group.split(", "):
            assert int(ref[1:]) in seqs, (ref, group)
    # no free-text marker the journal does not hold
    held = set(re.findall(r"w\d{3}", json.dumps([e.data for e in events])))
    stated = set(re.findall(r"\bw\d{3}\b", text))
    assert stated <= held, stated - held
    # every key moment and every full-timeline row carries its citation
    in_moments = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_moments = line in ("## Key Moments", "## Timeline", "## Timeline (all times in UTC)")
        elif in_moments and line.startswith("- ") and "Needs a human" not in line:
            assert re.search(r"\[#\d+", line), line
        if re.match(r"\| \d\d:\d\d:\d\d \|", line):
            assert re.search(r"\[#\d+", line), line
    # a section with nothing in the journal asks a person instead of inventing
    if not any(t == ev.NOTE and d["tag"] == "root-cause" for t, d in acts):
        assert "Needs a human:_ no note is tagged `root-cause`" in text
    assert f"Generated from journal events `#1–#{events[-1].seq}` of" in text
    # pasted into a GitHub issue, nothing links an issue or pings anyone: warroom's own references
    # are code spans, people's text is made inert (FINDINGS harness-2, P26-2)
    assert github_acts(MD.parse(text)) == [], text
