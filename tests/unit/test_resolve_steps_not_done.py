"""The resolve dialog's count of steps left is the one count's, and its words say what it counts (redteam48 F9).

"29 runbook step(s) not done, skipped or ticked" counted the never begun alone, read as if ticked steps were among
them, and left out a step that failed. Now ``progress.not_done`` (owed and not done, by ``progress.count``) is the
number, and the words say ticked and skipped steps are done.
"""

from __future__ import annotations

from tui.screens.modals.forms import ResolveScreen
from warroom.incident import progress


def test_the_count_left_is_the_one_counts_and_the_words_say_ticked_is_done() -> None:
    states = ["ok", "ticked", "skipped", "pending", "failed", "running", "not_needed", "manual", "done_by_hand"]
    left = progress.not_done(states)
    got = progress.count(states)
    assert left == 4 == (got.owed or 0) - got.done          # pending, failed, running, manual: never ticked/skipped
    said = str(ResolveScreen("t", left).steps_text())
    assert said == "4 runbook step(s) not done, listed in the PIR (a ticked or skipped step counts as done).", said
    assert "not done, skipped or ticked" not in said
