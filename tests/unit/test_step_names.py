"""One rule names a step everywhere (``IncidentState.step_name``): the runbook is named when the
step is not the current runbook's, or when another runbook is open beside it (both have a step
2: a bare "step 2" would leave the IC to guess). The timeline, ``incident show`` (text and
--json), ``incident tick/skip``, the PIR, the incoming commander's brief, the approvals view and
resolve's concerns all say the same words for the same step; before the GO, with one runbook
open, a step is plain "Step 2"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.incident.approval_desk import describe
from warroom.incident.handoff import catch_up_brief
from warroom.incident.metric_sync import resolve_concerns
from warroom.journal import events as ev

BESIDE, MAIN = "RB-LAUNCH-002", "RB-LAUNCH-005"


def _bare(text: str, number: int, label: str) -> list[str]:
    """Places where step ``number`` (``label``) is said without a runbook in front of it."""
    return re.findall(rf"(?<![A-Z0-9]{{3}} )\b[Ss]tep {number}\b[^\n]{{0,12}}{re.escape(label[:25])}", text)


def test_every_screen_names_a_step_the_same_way(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inc, _ = _mass_failure(tmp_path)
    cli = Cli(tmp_path, capsys)
    main_1 = inc.step(1)
    code, said, _ = cli("tick", inc.id, "1")
    assert code == 0 and said.strip() == f"ticked step 1 ({main_1.label})"      # one runbook: plain
    assert inc.refresh().timeline[-1].text == f"Step 1 done: {main_1.label}"

    assert _go(inc).opened == BESIDE
    b2, b3, b5, m2 = inc.step(2, BESIDE), inc.step(3, BESIDE), inc.step(5, BESIDE), inc.step(2)
    code, said, _ = cli("skip", inc.id, "2", "--runbook", BESIDE, "--reason", "replica count is in the ticket")
    assert code == 0 and said.strip() == f"skipped {BESIDE} step 2 ({b2.label}): replica count is in the ticket"
    code, said, _ = cli("skip", inc.id, "2", "--reason", "the dashboard shows it")
    assert code == 0 and said.strip() == f"skipped {MAIN} step 2 ({m2.label}): the dashboard shows it"
    inc._append(ev.STEP_STARTED, {"step": 3, "step_id": b3.id, "label": b3.label, "runbook_id": BESIDE,
                                  "command": b3.command or "true", "mutating": False})
    inc._append(ev.APPROVAL_REQUESTED, {"step": 5, "step_id": b5.id, "label": b5.label, "runbook_id": BESIDE,
                                       "command": "kubectl apply", "command_sha256": "0" * 64, "mutating": True})
    inc._append(ev.VERIFY_STARTED, {"step": 3, "step_id": b3.id, "runbook_id": BESIDE, "expr": "quota < 75 within 10m"})
    inc._append(ev.VERIFY_FAILED, {"step": 3, "step_id": b3.id, "runbook_id": BESIDE, "expr": "quota < 75 within 10m",
                                   "reason": "still 91%"})
    st = inc.refresh()

    timeline = "\n".join(t.text for t in st.timeline)
    assert f"{BESIDE} step 2 skipped ({b2.label}): replica count is in the ticket" in timeline
    assert f"{MAIN} step 2 skipped ({m2.label}): the dashboard shows it" in timeline
    assert f"{BESIDE} step 3 started ({b3.label})" in timeline
    assert f"for {BESIDE} step 5 ({b5.label})" in timeline
    assert f"Verification failed ({BESIDE} step 3): quota < 75 within 10m" in timeline

    code, shown, _ = cli("show", inc.id)
    assert code == 0
    assert f"{BESIDE} step 2 skipped ({b2.label})" in shown and f"{MAIN} step 2 skipped ({m2.label})" in shown
    assert f"{BESIDE} step 5 ({b5.label})" in shown                      # the approval waiting
    code, as_json, _ = cli("show", inc.id, "--json")
    texts = "\n".join(str(t.get("text")) for t in json.loads(as_json)["timeline"])
    assert f"{BESIDE} step 2 skipped ({b2.label})" in texts

    brief = catch_up_brief(st, inc.clock(), update_every=inc.update_every(),
                           config=inc.config, runbooks=inc.open_runbooks())
    brief_text = brief.text()
    assert f"RUNNING {BESIDE} step 3 ({b3.label})" in brief_text
    assert f"{BESIDE} step 4 (" in brief_text and f"{MAIN} step 3 (" in brief_text   # pending, both named
    assert f"{BESIDE} step 5 ({b5.label}) requested by" in brief_text

    (req,) = st.approvals.values()
    assert describe(req, "pending", st)[0].split("  ", 2)[2] == f"{BESIDE} step 5 ({b5.label})"

    concerns = "\n".join(resolve_concerns(st, {}))
    assert f"verify gate of {BESIDE} step 3 failed: still 91%" in concerns
    assert f"{BESIDE} step 3 ({b3.label}) is still running" in concerns

    inc._append(ev.STEP_FINISHED, {"step": 3, "step_id": b3.id, "label": b3.label, "runbook_id": BESIDE,
                                   "status": "failed", "exit_code": 3, "duration": 0.5})
    inc.resolve("hotfix", rollback=True)
    pir = inc.render("pir")
    assert f"- {BESIDE} step 2 ({b2.label}) **skipped**: replica count is in the ticket" in pir
    assert f"- {MAIN} step 2 ({m2.label}) **skipped**: the dashboard shows it" in pir
    assert f"- {BESIDE} step 3 ({b3.label}) **failed** (exit 3)" in pir
    assert f"{BESIDE} step 3 ({b3.label}, read-only): failed" in pir          # key moments
    assert f"**1. {BESIDE} step 3 {b3.label}**" in pir                         # appendix
    assert f"| 1 | {BESIDE} step 3 {b3.label} " in pir                        # commands table
    assert f"{BESIDE} step 5 ({b5.label})" in pir                              # approvals
    for text in (timeline, shown, texts, brief_text, pir):
        for number, label in ((2, b2.label), (3, b3.label), (5, b5.label), (2, m2.label)):
            assert not _bare(text, number, label), (number, label, _bare(text, number, label))


def test_the_rule_itself() -> None:
    from warroom.incident.state import IncidentState

    s = IncidentState(id="INC-1")
    assert s.step_name("", 4, start=True) == "Step 4"                 # no runbook at all
    s.runbook = {"id": MAIN}
    s.runbooks = [{"id": MAIN}]
    assert s.step_name(MAIN, 4, start=True) == "Step 4" and s.step_name(MAIN, 4) == "step 4"
    assert s.step_name("RB-OLD", 4, start=True) == "RB-OLD step 4"  # a replaced runbook's step
    s.beside = [{"id": BESIDE}]
    s.runbooks.append({"id": BESIDE})
    assert s.step_name(MAIN, 4, start=True) == f"{MAIN} step 4"     # two open: both named
    assert s.step_name(BESIDE, 4) == f"{BESIDE} step 4"
    assert s.named_runbooks() == frozenset({MAIN, BESIDE})
