"""A tick withdrawn stays on the PIR's record (redteam46 R1).

Timeout drill: step 11 ("Route slow calls to the faster fallback model") ticked, then unticked 15 s later as never
run. The PIR's Full Timeline kept "Step 11 done" and dropped the untick, so the review read that a mitigation was
done; "Steps Skipped or Failed" said the same step had "no journal event" while it had two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock, install_fake_runbook
from warroom.config import Config
from warroom.incident.store import IncidentStore


def test_the_untick_is_on_the_timeline_and_the_step_says_what_the_journal_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="Quota", severity="P3", runbook="RB-TEST-001")
    ticked = inc.tick(4)
    unticked = inc.untick(4)
    inc.tick(5)
    inc.resolve("back to normal")
    text = inc.render("pir", now=datetime(2026, 12, 4, 19, 0, tzinfo=UTC))
    timeline = text.split("## Full Timeline", 1)[1].split("## Appendix", 1)[0]
    rows = [line for line in timeline.splitlines() if "Step 4" in line]
    assert len(rows) == 2, timeline                 # the tick, and its withdrawal after it
    assert "Step 4 done" in rows[0] and f"#{ticked.seq}" in rows[0]
    assert "Step 4 unticked" in rows[1] and f"#{unticked.seq}" in rows[1]
    skipped = text.split("## Steps Skipped or Failed", 1)[1].split("\n## ", 1)[0]
    (four,) = [line for line in skipped.splitlines() if line.startswith("- Step 4 ")]
    assert "not done (ticked done, then unticked" in four and f"#{ticked.seq}" in four and f"#{unticked.seq}" in four
    assert "no journal event" not in four
    assert not [line for line in skipped.splitlines() if line.startswith("- Step 5 ")]     # ticked: done
    assert sum("not done (runbook step with no journal event)" in line for line in skipped.splitlines()) == 3


def test_a_dry_run_is_said_and_a_tick_again_is_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="Quota", severity="P3", runbook="RB-TEST-001")
    dry = inc.run_step(inc.prepare_step(2, {"task_id": "t-42"}), dry_run=True)
    inc.tick(3)
    inc.untick(3)
    inc.tick(3)                                      # ticked again: done, whatever came before
    inc.resolve("back to normal")
    text = inc.render("pir", now=datetime(2026, 12, 4, 19, 0, tzinfo=UTC))
    skipped = text.split("## Steps Skipped or Failed", 1)[1].split("\n## ", 1)[0]
    (two,) = [line for line in skipped.splitlines() if line.startswith("- Step 2 ")]
    assert f"not done (dry run only [#{dry.event.seq}])" in two.replace("`", ""), two
    assert not [line for line in skipped.splitlines() if line.startswith("- Step 3 ")]


def test_key_moments_never_show_a_tick_without_what_became_of_it(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """attack46 X5: Key Moments (10-15 rows, weight-20 ticks filled earliest first) cut between a tick and its
    untick and said "Step 5 done" of a step not done; with tick, untick, tick again it showed the withdrawn one."""
    install_fake_runbook(monkeypatch, tmp_path)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="Quota", severity="P3", runbook="RB-TEST-001")
    for n in (1, 2, 3, 5):
        inc.tick(n)
        inc.untick(n)
    inc.tick(4)
    inc.untick(4)
    inc.tick(4)
    for i in range(7):          # weighed above a tick: with the declaration and the resolution, one tick's room left
        inc.note("contributing", f"factor {i}")
    inc.resolve("back to normal")
    text = inc.render("pir", now=datetime(2026, 12, 4, 19, 0, tzinfo=UTC))
    moments = text.split("## Key Moments", 1)[1].split("\n## ", 1)[0].splitlines()
    for i, line in enumerate(moments):
        if " done: " in line and (step := line.split(" done: ")[0].rsplit("Step ", 1)[1]) != "4":
            assert any(f"Step {step} unticked" in later for later in moments[i + 1:]), moments
    fours = [line for line in moments if "Step 4 " in line]
    assert not fours or "Step 4 done" in fours[-1], moments      # the tick that stands is its last word
