"""The PIR says a GO opened its runbook when the attachment names that GO (redteam34).

Recording a GO and opening its runbook are two appends; another host's verdict on another decision
can land between them (two responders deciding at once). The PIR took "opened by this verdict" to
mean "attached before the next decision of any kind", so it said "RB-LAUNCH-002 was NOT opened (it
could not be attached)" of a runbook open beside, its checklist on screen. The attachment journals
the verdict that opened it (``opened_by.seq``): that is what the PIR now reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_runbook_beside import _go, _mass_failure


def test_a_go_whose_runbook_lands_after_another_hosts_verdict_still_opened_it(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    inc, _ = _mass_failure(tmp_path)
    attach = inc.attach_runbook_once

    def another_host_first(ref: Any, *, opened_by: dict[str, Any] | None = None) -> Any:
        inc.record_decision({"id": "page-legal", "runbook_id": "RB-LAUNCH-005", "question": "Page legal?",
                             "verdict": "NO-GO", "by": "lee", "why": "no customer data involved"})
        return attach(ref, opened_by=opened_by)

    monkeypatch.setattr(inc, "attach_runbook_once", another_host_first)
    done = _go(inc)
    assert done.opened == "RB-LAUNCH-002" and inc.refresh().open_runbook_ids() == ["RB-LAUNCH-005", "RB-LAUNCH-002"]
    [go, other] = inc.state.decisions
    assert go["verdict"] == "GO" and other["id"] == "page-legal"
    inc.resolve("rolled back", rollback=True)
    pir = inc.render("pir")
    assert "NOT opened" not in pir, pir
    assert "RB-LAUNCH-002 was opened beside the runbook." in pir, pir


def test_a_second_go_does_not_take_the_runbook_the_first_opened(tmp_path: Path) -> None:
    """GO, NO-GO, GO again: the runbook was opened by the first GO (once); the second finds it open."""
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    _go(inc, "NO-GO")
    _go(inc)
    inc.resolve("rolled back", rollback=True)
    said = [ln for ln in inc.render("pir").splitlines() if "RB-LAUNCH-002 was" in ln]
    assert len(said) == 2 and "was opened beside the runbook." in said[0] and "was already open." in said[1], said
