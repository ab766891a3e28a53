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


def test_a_root_cause_note_does_the_item_and_a_late_update_leaves_the_cadence_not_done(tmp_path: Path) -> None:
    report, text, pir, inc = _worked(tmp_path)
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-002 path:")]
    note, sent = inc.state.notes[0].seq, [u.seq for u in inc.state.status_updates]
    assert line.startswith("Runbook RB-CORE-002 path: 1 of 21 steps done; done by the journal: "
                           f"{ROOT_CAUSE} (Post-incident): root-cause note at +25m00s [#{note}]; not done: "), line
    assert f"[done: root-cause note at +25m00s [#{note}]] Post-incident: {ROOT_CAUSE}" in text, text
    # the cadence item: two sent, one of them late: never "done", and said with the cadence's own count
    assert f"[not done: 2 stakeholder updates sent while open; 1 stakeholder update was sent late (due " in text
    assert f"(one due every 30m00s drill time of a P3) [#{sent[0]}, #{sent[1]}]] Communication and escalation: " \
           f"{UPDATES}" in text
    assert "[not done] Post-incident: Record the root cause" not in text
    failed = _failed(pir)
    assert f"({ROOT_CAUSE}) done by the journal: root-cause note at +" in failed and f"`[#{note}]`" in failed, failed
    assert f"({ROOT_CAUSE}) not done" not in failed
    assert f"({UPDATES}) not done: 2 stakeholder updates sent while open; 1 stakeholder update was sent late" in failed
    assert f"`[#{sent[0]}, #{sent[1]}]`" in failed
    assert f"({UPDATES}) not done (runbook step with no journal event)" not in failed
    assert "not done (runbook step with no journal event)" in failed        # an item with nothing to read stays so


def test_a_note_of_another_tag_does_not_do_it_and_an_update_after_resolve_does_not_count(tmp_path: Path) -> None:
    report, text, pir, inc = _worked(tmp_path, tag="info", updates=(60.0,), end=170.0, after=200.0)
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-002 path:")]
    assert f"[not done: no root cause note was journaled while open] Post-incident: {ROOT_CAUSE}" in text
    assert f"({ROOT_CAUSE}) not done: no root cause note was journaled while open\n" in _failed(pir)
    # on time while open (one sent at +10m, the next due at +40m, resolved at +28m): done; the one after resolve
    # is not counted
    assert f"done by the journal: {UPDATES} (Communication and escalation): 1 stakeholder update sent while open," \
           " none fell due unsent (one due every 30m00s drill time of a P3)" \
           f" [#{inc.state.status_updates[0].seq}]" in line
    assert len(inc.state.status_updates) == 2
    from warroom.incident import fulfilment

    rb = inc.runbook()
    sent = fulfilment.judge(inc.state, replace(rb.fulfils[0], kind="update", value="sent"))
    assert sent.text.startswith("stakeholder update at +10m00s") and sent.cites == (inc.state.status_updates[0].seq,)


def test_a_cadence_with_one_update_never_sent_is_not_done(tmp_path: Path) -> None:
    report, text, pir, inc = _worked(tmp_path, updates=(60.0,), end=300.0)
    (line,) = [s for s in report.summary if s.startswith("Runbook RB-CORE-002 path:")]
    assert "done by the journal: Send" not in line, line
    assert "[not done: 1 stakeholder update sent while open; 1 stakeholder update fell due and was never sent (one" \
           f" due every 30m00s drill time of a P3) [#{inc.state.status_updates[0].seq}]] Communication and" in text
    from warroom.incident import fulfilment

    rb = inc.runbook()
    f = fulfilment.of_steps(inc.state, rb, inc.config)[rb.step(UPDATES).id]
    assert not f.done and fulfilment.step_shown("manual", f) == "manual"
    assert fulfilment.step_shown("ticked", f) == "ticked"


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
