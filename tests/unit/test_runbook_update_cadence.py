"""A shipped runbook that says how often to send a stakeholder update says what the header's
countdown uses for its severity (issue 13, D6). The configured cadence
(``incident.status_update_cadence``) is the one source: it drives the countdown and the
overdue journal; the runbook text is checked against it by ``warroom runbooks lint``
(``warroom.runbook.update_cadence``), here for the shipped library under the built-in
configuration. Found by attack13e: RB-CORE-002 (P3) said "every 15 minutes" while its incident's
countdown ran on 30."""

from __future__ import annotations

from pathlib import Path

from warroom.config import Config
from warroom.incident.cadence import update_every
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.update_cadence import cadence_findings


def test_the_countdown_and_lint_read_one_cadence_rule() -> None:
    config = Config()
    for severity in ("P1", "P2", "P3", "P4", "", "P9"):
        assert update_every(config, severity, None) == config.incident.update_cadence(severity)[0]
    assert config.incident.update_cadence("p1") == (600.0, "incident.status_update_cadence.P1")
    assert config.incident.update_cadence("") == (900.0, "incident.status_update_every")


def test_every_shipped_runbooks_stated_update_cadence_is_the_configured_one_for_its_severity() -> None:
    config = Config()
    library = RunbookLibrary(shipped=True)
    checked, wrong = [], []
    for rb in library:
        assert rb.path is not None
        if rb.update_cadences:
            checked.append(rb.id)
        wrong.extend(str(f) for f in cadence_findings(rb, config))
    assert not wrong, "\n".join(wrong)
    assert "RB-CORE-002" in checked                  # the runbook the finding was about is read
    assert Path(shipped_runbooks_dir()).is_dir()
