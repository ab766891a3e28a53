"""Following a step hands back the word its end is shown with (``marks.run_word``), so the
dashboard's output pane closes with "ran", not "ok", on a run whose output missed what the
runbook expected.

Found in the mass-failure drill (attack14, A14-7): step 3 printed 90.7 against "99 or more"; the
checklist marked it ≠ and the timeline said "Step 3 ran", while the output pane's border said
"ok · 1 lines" (the follower passed on the raw status alone).
"""

from __future__ import annotations

import threading
from pathlib import Path

from tests.unit.test_run_line_says_ran import RUNBOOK
from warroom.config import Config
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore


def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    book = tmp_path / "rb.md"
    book.write_text(RUNBOOK, encoding="utf-8")
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    return IncidentStore(tmp_path / "state", cfg).create(title="t", severity="P3", runbook=str(book), source={}), cfg


def test_the_follower_says_ran_for_a_run_that_missed_its_expectation(tmp_path: Path) -> None:
    inc, _cfg = _incident(tmp_path)
    live = LiveIncident(inc, None)
    words = {}
    for number in (1, 2):                        # 1: echo 90.7, wants 99 or more; 2: echo 21, wants 5 or more
        key = live.key_of(str(number))
        live.run(live.prepare(key), confirmed=True)
        followed = live.follow(key, threading.Event(), lambda _lines: None)
        words[number] = (followed.status, followed.word)
    live.close()
    assert words == {1: ("ok", "ran"), 2: ("ok", "ok")}


def test_a_run_ended_before_anyone_followed_it_has_its_word_too(tmp_path: Path) -> None:
    inc, cfg = _incident(tmp_path)
    live = LiveIncident(inc, None)
    key = live.key_of("1")
    live.run(live.prepare(key), confirmed=True).wait(timeout=60)
    live.close()
    later = LiveIncident(IncidentStore(tmp_path / "state", cfg).open(inc.id), None)
    followed = later.follow(key, threading.Event(), lambda _lines: None)
    later.close()
    assert (followed.status, followed.word) == ("ok", "ran")
