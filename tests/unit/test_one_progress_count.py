"""One count of a runbook's steps (``warroom.incident.progress``), read by every surface that counts or names them.

fix46r4b made a checklist item the journal fulfils (``fulfilled_by``) done on the checklist, the report's path and
the handoff brief, but a GO's progress (``go_opened``, what resolving journals and the PIR's Rollback line says)
still counted the checklist state alone, and the handoff brief judged an update-cadence item with the default
``Config()``'s cadence, not the incident's. One incident state here holds, in the runbook a GO opened beside, a
ticked step, two items the journal fulfilled (a root-cause note; the updates, on a cadence that is not the
default's), a step of a branch that did not apply and one not done: every surface gives the same numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.incident import branches
from warroom.incident import decisions as dec
from warroom.incident.decisions.model import NOT_MET, CriterionVerdict
from warroom.incident.store import IncidentStore
from warroom.runbook import library as library_module

FRONT = '+++\nid = "{id}"\ntitle = "{title}"\nseverity = "P2"\n+++\n\n# {title}\n\n'
MAIN = FRONT.format(id="RB-TEST-001", title="Main") + '''## Triage

- [ ] Look at the panes

```decision
id = "roll"
question = "Roll back?"
deadline = "15m"
on_go = "RB-TEST-002"

[[go]]
text = "it is bad"
```
'''
BESIDE = FRONT.format(id="RB-TEST-002", title="Beside") + '''## Work

- [ ] Tick this one
- [ ] Write the root cause down
  ```fulfilled_by
  note = "root-cause"
  ```
- [ ] Send a stakeholder update every hour
  ```fulfilled_by
  update = "cadence"
  ```
- [ ] Left undone

### Rare case

```applies_when
text = "Every provider failing: failure rate above 90%"
query = "failure_rate"
op = ">"
value = 90
```

- [ ] Only in the rare case
'''
CADENCE = "Send a stakeholder update every hour"


def _worked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The incident 40 minutes in: GO opened RB-TEST-002 beside, its step 1 ticked, a root-cause note, one update
    at +5m (on an hourly P2 cadence: none fell due unsent; the default's 15 minutes would owe two), its branch
    judged not met. The library is the two runbooks alone (the shipped ones cost a second to parse)."""
    monkeypatch.setattr(library_module, "shipped_runbooks_dir", lambda: tmp_path / "none")
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "RB-TEST-001.md").write_text(MAIN, encoding="utf-8")
    (books / "RB-TEST-002.md").write_text(BESIDE, encoding="utf-8")
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    cfg.runbooks.dirs = [str(books)]
    cfg.incident.status_update_cadence = {"P2": "60m"}
    t0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    at = [t0]
    inc = IncidentStore(tmp_path / "state", cfg, clock=lambda: at[0]).create(
        title="flows failing", severity="P2", runbook=books / "RB-TEST-001.md", source={})
    at[0] = t0 + timedelta(minutes=2)
    (rb, d), = dec.decisions_of([inc.runbook()])
    view = dec.evaluate(d, rb, inc.state, at[0], query=None, step_output=lambda _s: None)
    assert dec.record(inc, view, "GO", by="dana", why="it is bad").opened == "RB-TEST-002"
    beside = inc.runbook("RB-TEST-002")
    (branch,) = beside.branches
    branches.note_judged(inc, [("RB-TEST-002", branch, CriterionVerdict(
        side="go", text=branch.condition.text, state=NOT_MET, evidence="failure rate 12%", kind="metric"))], at[0])
    inc.tick(1, "RB-TEST-002")
    at[0] = t0 + timedelta(minutes=5)
    inc.record_status_update("Investigating; next update within the hour")
    at[0] = t0 + timedelta(minutes=10)
    inc.note("root-cause", "a bad deploy")
    at[0] = t0 + timedelta(minutes=40)
    return inc, beside, at


def test_every_surface_counts_the_steps_a_go_opened_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from panes.runbook import progress_text
    from tui.view import open_beside
    from warroom.cli.incident_show import render_show
    from warroom.incident.drill_report.path import runbook_path
    from warroom.incident.drill_report.summary import _path_line
    from warroom.incident.gates import gate_states
    from warroom.incident.handoff import catch_up_brief
    from warroom.incident.live import LiveIncident
    from warroom.incident.review.facts import rollback_text

    inc, beside, at = _worked(tmp_path, monkeypatch)
    st = inc.refresh()
    now = at[0]
    # the dashboard's checklist heading of the runbook open beside
    with LiveIncident(inc) as live:
        snap = live.snapshot()
        (rb,) = open_beside(snap, snap.state, gate_states(snap.state, now), now, inc.config)
    assert progress_text(beside, rb.steps) == "3/4 done, 1 not needed"
    # a GO's progress: what resolving shows and journals
    (opened,) = inc.go_opened()
    assert opened.progress() == "3 of 4 steps done, 1 not needed"
    assert (opened.done, opened.failed, opened.total, opened.not_needed) == (3, 0, 5, 1)
    # the drill report's path of that runbook
    path = runbook_path(beside, st, [], now, None, inc.config)["runbook_path"]
    assert _path_line("RB-TEST-002", path).startswith(
        "Runbook RB-TEST-002 path: 3 of 4 steps done (of 5: 1 not needed, their branch did not apply); done by the"
        " journal: Write the root cause down (Work): root-cause note at"), _path_line("RB-TEST-002", path)
    # the handoff brief: the one step owed and not done, the cadence item not among them (the incident's cadence)
    brief = dict(catch_up_brief(st, now, update_every=inc.update_every_of, config=inc.config,
                                runbooks=inc.open_runbooks()).sections)
    owed = [line for line in brief["Steps running and not done"] if line.startswith("RB-TEST-002 ")]
    assert owed == ["RB-TEST-002 step 4 (Left undone): pending"], owed
    # incident show: the rows of the runbook beside, by their marks
    text = "\n".join(render_show(inc, st, now))
    rows = text.split("Open beside it: RB-TEST-002")[1].splitlines()[1:6]
    assert [row.split()[1] for row in rows] == ["[x]", "[journal]", "[journal]", "[", "[n/a]"], rows
    # the PIR's Rollback line (``review.facts``' words for it): the GO's progress as resolving journaled it
    inc.resolve("rolled back", rollback=True, concerns=None)
    st = inc.refresh()
    line = rollback_text(st.resolution or {}, st.decisions)
    assert line.startswith("yes, as the commander said at resolve (GO on \"Roll back?\" by dana at 09:02:00 UTC"
                           " opened RB-TEST-002 (Beside): 3 of 4 steps done, 1 not needed)"), line


def test_the_handoff_brief_judges_a_cadence_item_by_the_incidents_cadence(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """One update at +5m, the brief at +40m: on the incident's hourly cadence none fell due unsent (done, not owed);
    on the default 15 minutes one would have (the brief said it owed, the checklist said it done)."""
    from warroom.incident.handoff import catch_up_brief

    inc, _beside, at = _worked(tmp_path, monkeypatch)
    st = inc.refresh()

    def owed(config: Config) -> list[str]:
        brief = dict(catch_up_brief(st, at[0], update_every=inc.update_every_of, config=config,
                                    runbooks=inc.open_runbooks()).sections)
        return [line for line in brief["Steps running and not done"] if CADENCE in line]

    assert owed(inc.config) == []
    (line,) = owed(Config())
    assert line.startswith(f"RB-TEST-002 step 3 ({CADENCE}): pending (1 stakeholder update sent while open; "), line


def test_no_surface_counts_done_steps_itself() -> None:
    """By construction: only ``marks`` (the vocabulary) and ``progress`` (the one count) read the set of done states;
    every other view asks ``progress`` (a copy of the count is how a GO's progress came to differ)."""
    root = Path(__file__).resolve().parents[2]
    allowed = {root / "warroom" / "incident" / "marks.py", root / "warroom" / "incident" / "progress.py"}
    readers = [str(p.relative_to(root)) for d in ("warroom", "tui", "panes") for p in sorted((root / d).rglob("*.py"))
               if p not in allowed and "DONE_MARKS" in p.read_text(encoding="utf-8")]
    assert readers == []
