"""A shipped runbook that says how often to send a stakeholder update says what the header's
countdown uses for its severity (issue 13, D6). The configured cadence
(``incident.status_update_cadence``) is the one source: it drives the countdown and the
overdue journal; the runbook text is checked against it here. Found by attack13e: RB-CORE-002
(P3) said "every 15 minutes" while its incident's countdown ran on 30."""

from __future__ import annotations

import re
from pathlib import Path

from warroom.config import Config
from warroom.incident.cadence import update_every
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary

EVERY = re.compile(r"(?i)\bevery (\d+) minutes?\b")
UPDATE = re.compile(r"(?i)\bupdat(e|es|ed|ing)\b")


def stated_cadences(text: str) -> list[tuple[int, int]]:
    """(line, minutes) of each line that asks for updates every N minutes."""
    return [(n, int(m.group(1))) for n, line in enumerate(text.splitlines(), 1)
            if UPDATE.search(line) for m in EVERY.finditer(line)]


def test_the_detector_reads_the_wordings_the_runbooks_use() -> None:
    assert stated_cadences("- [ ] Send a stakeholder update every 15 minutes while flows are slow.") == [(1, 15)]
    assert stated_cadences("- [ ] Every 10 minutes, post an update in #incidents") == [(1, 10)]
    assert stated_cadences("Keep the TL updated every 30 minutes.") == [(1, 30)]
    assert stated_cadences("Give the change 15 minutes to show, then check.") == []


def test_every_shipped_runbooks_stated_update_cadence_is_the_configured_one_for_its_severity() -> None:
    config = Config()
    library = RunbookLibrary(shipped=True)
    checked, wrong = [], []
    for rb in library:
        assert rb.path is not None
        want = update_every(config, rb.severity)
        for line, minutes in stated_cadences(Path(rb.path).read_text(encoding="utf-8")):
            checked.append(rb.id)
            if minutes * 60 != round(want):
                wrong.append(f"{rb.id} ({rb.severity}) line {line}: every {minutes} minutes, "
                             f"the countdown uses {round(want) // 60}")
    assert not wrong, "\n".join(wrong)
    assert "RB-CORE-002" in checked                  # the runbook the finding was about is read
    assert Path(shipped_runbooks_dir()).is_dir()
