"""A manual checklist item that states what in the journal fulfils it (``fulfilled_by``) is shown done by that, never
"not done (runbook step with no journal event)" beside the PIR's own quote of it (redteam46 R4).

Timeout drill x10: a root-cause note and two stakeholder updates were journaled; the drill report and the PIR listed
"Record the root cause and the bundle sizes seen" and "Send a stakeholder update every 30 minutes …" as not done
with no journal event, while the same PIR's Root Cause and Stakeholder Updates sections cited those events.
RB-CORE-002 now says a root-cause note fulfils the first and the update cadence the second; the cadence item is done
only when no update fell due unsent (``cadence.missed_updates``), and says how many were sent otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import drill_incident
from warroom.incident.drill_report import drill_report, report_lines
from warroom.runbook.parser import parse_runbook

ROOT_CAUSE = "Record the root cause and the bundle sizes seen"
UPDATES = ("Send a stakeholder update every 30 minutes (the P3 update cadence the header counts down) while flows"
           " are slow")


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _worked(tmp_path: Path, *, tag: str = "root-cause", updates: tuple[float, ...] = (60.0, 300.0),
            end: float = 330.0, after: float | None = None):  # type: ignore[no-untyped-def]
    """The R4 repro: timeout x10 on RB-CORE-002, stakeholder updates at ``updates`` (wall seconds after the
    declaration: 10 and 50 drill minutes, the second 20 minutes after the first was due), a ``tag`` note with the
    root cause and the bundle sizes at +150 s, resolved at ``end`` (and an update ``after`` it). Returns (report,
    its text, the PIR, the incident)."""
    d, inc, clock, _breach = drill_incident(tmp_path, "timeout", 10.0, title="Flows slow", severity="P3",
                                            pane="p95_latency", runbook="RB-CORE-002")
    t0 = clock.t
    moments = sorted([(u, "update") for u in updates] + [(150.0, "note")])
    for at, what in moments:
        clock.t = t0 + at
        if what == "note":
            inc.note(tag, "Repos onboarded this week ship 600-880 KB context bundles; pruning was off")
        else:
            inc.record_status_update(f"Flows slow, update at +{at:.0f}s wall")
    clock.t = t0 + end
    inc.resolve("pruning on", rollback=False, concerns=None)
    if after is not None:
        clock.t = t0 + after
        inc.record_status_update("Resolved: pruning on")
    state = inc.refresh()
    report = drill_report(d, state, at=clock.t, slos=inc.config.slo, runbook=inc.runbook(),
                          runbook_of=lambda rb: inc.runbook(rb), config=inc.config)
    return report, "\n".join(report_lines(report)), inc.render(now=datetime.fromtimestamp(clock.t, UTC)), inc


def _failed(pir: str) -> str:
    return pir.split("## Steps Skipped or Failed")[1].split("\n## ")[0]


def test_a_root_cause_note_and_updates_on_time_do_the_items_by_what_did_them(tmp_path: Path) -> None:
    """The R4 repro (updates at +10m and +38m20s, each before the next fell due; resolved at +55m)."""
    report, text, pir, inc = _worked(tmp_path, updates=(60.0, 230.0))
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-002 path:")]
    note, sent = inc.state.notes[0].seq, [u.seq for u in inc.state.status_updates]
    did = (f"2 stakeholder updates sent while open, none fell due unsent (one due every 30m00s drill time of a P3)")
    assert line.startswith(f"Runbook RB-CORE-002 path: 2 of 21 steps done; done by the journal: {UPDATES}"
                           f" (Communication and escalation): {did} [#{sent[0]}, #{sent[1]}]; {ROOT_CAUSE}"
                           f" (Post-incident): root-cause note at +25m00s [#{note}]; not done: "), line
    assert f"[done: root-cause note at +25m00s [#{note}]] Post-incident: {ROOT_CAUSE}" in text, text
    assert f"[done: {did} [#{sent[0]}, #{sent[1]}]] Communication and escalation: {UPDATES}" in text
    assert "[not done] Post-incident: Record the root cause" not in text
    from warroom.incident import fulfilment

    failed = _failed(pir)
    assert f"({ROOT_CAUSE}) done by the journal: root-cause note at +25m00s `[#{note}]`" in failed, failed
    assert f"({UPDATES}) done by the journal: {did} `[#{sent[0]}, #{sent[1]}]`" in failed
    assert "runbook step with no journal event" in failed                 # an item with nothing to read stays so
    assert f"({ROOT_CAUSE}) not done" not in failed and f"({UPDATES}) not done" not in failed
    rb = inc.runbook()
    assert fulfilment.step_shown("manual", fulfilment.of_steps(inc.state, rb, inc.config)[rb.step(UPDATES).id]) \
        == "fulfilled"


def test_a_wrong_tag_an_update_after_resolve_and_a_missed_one_do_not_do_the_items(tmp_path: Path) -> None:
    """A note tagged info (not root-cause); one update at +10m, the next due at +40m never sent, resolved at +50m,
    then an update after the resolution: neither item is done, and the last update counts for nothing."""
    report, text, pir, inc = _worked(tmp_path, tag="info", updates=(60.0,), end=300.0, after=330.0)
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-002 path:")]
    assert "done by the journal" not in line, line
    assert f"[not done: no root cause note was journaled while open] Post-incident: {ROOT_CAUSE}" in text
    assert f"({ROOT_CAUSE}) not done: no root cause note was journaled while open\n" in _failed(pir)
    first, late = inc.state.status_updates
    assert "[not done: 1 stakeholder update sent while open; 1 stakeholder update fell due and was never sent (one" \
           f" due every 30m00s drill time of a P3) [#{first.seq}]] Communication and" in text
    from warroom.incident import fulfilment

    rb = inc.runbook()
    cadence = fulfilment.of_steps(inc.state, rb, inc.config)[rb.step(UPDATES).id]
    assert not cadence.done and fulfilment.step_shown("manual", cadence) == "manual"
    assert fulfilment.step_shown("ticked", cadence) == "ticked"           # a person's tick stays a tick
    sent = replace(rb.fulfils[0], kind="update", value="sent")
    assert fulfilment.judge(inc.state, sent).text.startswith("stakeholder update at +10m00s [#")
    inc.state.status_updates = [late]                                    # only the one sent after the resolution
    assert fulfilment.judge(inc.state, sent).shown == "not done: no stakeholder update was sent while open"


BOOK = """# Test
## Steps
- [ ] Record the root cause.
  ```fulfilled_by
  {body}
  ```
"""


@pytest.mark.parametrize(("body", "line", "said"), [
    ('note = "rootcause"', 5, "fulfilled_by block: 'note': 'rootcause' is not one of root-cause"),
    ('nota = "root-cause"', 5, "fulfilled_by block: unknown key 'nota' (one of: note, update, role, severity, phase)"),
    ('note = "root-cause"\n  role = "ops"', 6, "fulfilled_by block: one key says what fulfils the item"),
    ('update = "often"', 5, "fulfilled_by block: 'update': 'often' is not one of sent, cadence"),
    ('phase = "fixed"', 5, "fulfilled_by block: 'phase': 'fixed' is not one of started, detected"),
    ("note = ", 4, "fulfilled_by block: not valid TOML"),
])
def test_a_malformed_marker_is_an_error_at_its_key(body: str, line: int, said: str, tmp_path: Path) -> None:
    from warroom.config import Config
    from warroom.runbook.lint import lint_paths

    path = tmp_path / "RB-TEST-001-test.md"
    path.write_text(BOOK.format(body=body))
    rb = parse_runbook(path.read_text(), path)
    assert [(f.line, f.level) for f in rb.findings if said in f.message] == [(line, "error")], rb.findings
    found = lint_paths([path], Config())
    assert any(str(f).startswith(f"{path}:{line}: error: ") and said in f.message for f in found), found


def test_a_marker_under_a_command_or_under_no_item_is_an_error() -> None:
    rb = parse_runbook("# T\n## S\n- [ ] Run `kubectl get pods`\n  ```fulfilled_by\n  note = \"root-cause\"\n  ```\n")
    assert [f.line for f in rb.findings if "runs a command" in f.message] == [4], rb.findings
    rb = parse_runbook("# T\n## S\n- [ ] A\n## U\n```fulfilled_by\nnote = \"root-cause\"\n```\n")
    assert [f.line for f in rb.findings if "right under the checklist item" in f.message] == [5], rb.findings
    rb = parse_runbook("# T\n## S\n- [ ] A\n  ```fulfilled_by\n  note = \"root-cause\"\n  ```\n"
                       "  ```fulfilled_by\n  note = \"action\"\n  ```\n")
    assert [f.line for f in rb.findings if "already has one at line 4" in f.message] == [7], rb.findings
    ok = parse_runbook("# T\n## S\n- [ ] A\n  ```fulfilled_by\n  role = \"comms\"\n  ```\n- [ ] B\n")
    assert not ok.findings and [(f.step, f.kind, f.value, f.line) for f in ok.fulfils] == [("a", "role", "comms", 5)]
    assert [s.label for s in ok.steps] == ["A", "B"]
