"""A conditional decision that arose, lapsed and arises again is a new question (attack39 G2).

RB-CORE-005's "Bring FlowEngine back?" arises with the halt (the no-active-flows check counts 0).
attack39 halted, checked (0: it arose), restored, checked (4: it lapsed), recorded GO "flows are back
already", halted again and checked (0): 46 drill minutes into the second halt `decide` said "recorded:
GO … flows are back already", not overdue, no deadline. Each arisal is journaled now (``decision.lapsed``,
then a new ``decision.arose``); a verdict answers the arisal it was recorded in, never a later one.

In-process on the core (the views' own functions), the clock pinned (``FixedClock``): no CLI, no drill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.incident_fixtures import FixedClock
from warroom.config import Config
from warroom.incident import decisions as dec
from warroom.incident.decisions.model import answered_arisal
from warroom.incident.state import IncidentState
from warroom.runbook.library import RunbookLibrary

DECISION = "bring-flowengine-back"


def _book(cfg: Config, runbook: str = "RB-CORE-005") -> Any:
    return RunbookLibrary.from_config(cfg).get(runbook)


@cache
def _book_path(runbook: str) -> Any:
    """The shipped runbook's file, the library read once (0.6 s a read: a property makes many incidents)."""
    return _book(Config(), runbook).path


class _Halts:
    """An RB-CORE-005 incident whose no-active-flows check is what the test says it counted, and a look
    that judges the decision and journals what watchers journal (``remind_overdue``), as the CLI does."""

    def __init__(self, tmp_path: Path, runbook: str = "RB-CORE-005", decision: str = DECISION) -> None:
        from warroom.incident.store import IncidentStore

        self.cfg = Config()
        self.cfg.incident.state_dir = str(tmp_path)
        self.clock = FixedClock()
        self.t0 = self.clock.now
        self.inc = IncidentStore(tmp_path, self.cfg, clock=self.clock).create(
            title="audit gap", severity="P1", runbook=_book_path(runbook), source={})
        self.run: dec.StepOutput | None = None
        self.decision = decision
        self.value = 0.0          # what every metric query reads (RB-CORE-004: providers down)

    def at(self, minute: float) -> datetime:
        return self.t0 + timedelta(minutes=minute)

    def check(self, minute: float, active: int) -> None:
        self.run = dec.StepOutput(f"{active} active flows\n", "ok", int(100 + minute), 0, self.at(minute))

    def look(self, minute: float, journal: bool = True) -> dec.DecisionView:
        """The decision judged at ``minute``; ``journal=False``: a look that journals nothing (the
        Go/No-Go dialog's re-judging, ``presenter.judge_again``)."""
        self.clock.now = self.at(minute)
        (rb, d), = [(rb, d) for rb, d in dec.decisions_of([self.inc.runbook()]) if d.id == self.decision]
        if journal:
            dec.remind_overdue(self.inc, [self._judge(d, rb)])
        self.inc.refresh()
        return self._judge(d, rb)

    def _judge(self, d: Any, rb: str) -> dec.DecisionView:
        return dec.evaluate(d, rb, self.inc.state, self.clock.now, query=lambda _q: [self.value],
                            step_output=lambda _s: self.run)


def test_a_go_on_the_first_halt_does_not_answer_the_second(tmp_path: Path) -> None:
    """attack39's headless sequence (audit-gap at x60 there; minutes of a pinned clock here)."""
    from tui.view import decision_rows
    from warroom.cli.incident_decide import render
    from warroom.incident.cadence import draft_update
    from warroom.incident.drill_report.decisions import decision_lines
    from warroom.incident.review.decisions import decisions as pir_lines

    h = _Halts(tmp_path)
    h.check(2, 0)
    first = h.look(2)
    assert first.needed and first.arisals == (h.at(2),) and first.due_at == h.at(32)
    h.check(6, 4)                                  # FlowEngine restored, no verdict: the arisal lapses
    lapsed = h.look(7)
    assert [e["seq"] for e in h.inc.state.decisions_lapsed] and lapsed.lapsed_at == h.at(6)
    assert lapsed.needed and lapsed.due_at == h.at(32)    # attack38 F8: its question still stands
    (arises,) = [ln for ln in render(lapsed) if ln.startswith("arises when:")]
    assert "needed since" not in arises, arises            # "✗ not met … (needed since …)" told two things
    assert arises.endswith("(it arose at 14:02:00 UTC, no longer holds since 14:06:00 UTC; still needed:"
                           " no verdict answered it)"), arises

    h.clock.now = h.at(10)
    done = dec.record(h.inc, h.look(10), "GO", by="root", why="flows are back already")
    assert done.unanswered is None                 # it answers the first halt's question
    assert h.look(11).recorded is not None

    h.check(14, 0)                                 # halted again: asked again
    again = h.look(15)
    assert len(h.inc.state.decisions_arose) == 2
    assert again.needed and again.recorded is None and again.arisals == (h.at(2), h.at(14))
    assert again.due_at == h.at(44) and again.due_text and "after it arose again" in again.due_text
    assert (again.early or {}).get("why") == "flows are back already"

    late = h.look(60)                              # 46 minutes into the second halt
    assert late.overdue and late.recorded is None
    said = late.to_json()
    assert said["overdue"] and said["recorded"] is None and said["arisal"] == 2
    assert said["answered_before_it_arose_again"]["why"] == "flows are back already"
    assert said["recorded_before_it_arose"] is None
    (overdue,) = h.inc.state.decisions_overdue     # reminded of the second arisal, once
    assert overdue["arose_at"] == h.at(14).isoformat() and overdue["due_at"] == h.at(44).isoformat()
    h.look(61)
    assert len(h.inc.state.decisions_overdue) == 1

    text = "\n".join(render(late))
    assert "recorded: GO" not in text, text
    assert "(needed again since 14:14:00 UTC; it first arose at 14:02:00 UTC)" in text, text
    assert ("GO by root (#" in text and "answered it before it arose again at 14:14:00 UTC: it does not answer it"
            " now" in text), text
    show = "\n".join(dec.standing_lines(h.inc.runbook(), h.inc.state, h.clock.now))
    assert "OVERDUE (deadline 30m00s after it arose again, 14:44:00 UTC); needed again since 14:14:00 UTC" in show
    assert "GO by root (answered it before it arose again): flows are back already" in show, show
    (row,) = decision_rows(h.inc.runbook(), h.inc.state, h.clock.now)
    assert row.verdict is None and row.overdue and row.early == "GO by root answered it before it arose again:" \
        " no answer now", row

    pir = [ln.text for ln in pir_lines(h.inc.state)]
    assert any("It answered it as it arose at 14:02:00 UTC; it arose again at 14:14:00 UTC, a new question this"
               " verdict does not answer." in ln for ln in pir), pir
    assert any(ln.endswith("deadline 14:44:00 UTC passed with no verdict") for ln in pir), pir   # not "decided later"
    report = decision_lines(h.inc.state, [h.inc.runbook()], lambda t: (t - h.t0).total_seconds(), h.clock.now)
    assert any("on its arisal at +2m00s drill time (it arose again at +14m00s drill time" in ln for ln in report)
    assert any("no verdict by its deadline (+44m00s drill time) on its arisal at +14m00s" in ln for ln in report)
    update = draft_update(h.inc.state, h.clock.now, 600.0)
    assert "The question arose again at 14:14 UTC: this decision does not answer it." in update, update
    timeline = [t.text for t in h.inc.state.sorted_timeline()]
    assert any(t.startswith("Decision no longer arises:") for t in timeline)
    assert any(t.startswith("Decision needed again:") for t in timeline)

    h.clock.now = h.at(62)                         # a NO-GO now answers the second halt, late
    dec.record(h.inc, h.look(62), "NO-GO", by="root", why="root cause unknown")
    now = h.look(63)
    assert now.recorded is not None and now.recorded["verdict"] == "NO-GO" and not now.overdue
    assert any(ln.endswith("passed with no verdict (decided later)") for ln in (x.text for x in pir_lines(h.inc.state)))
    assert not any(" confirms " in ln or " reverses " in ln for ln in (x.text for x in pir_lines(h.inc.state)))


def test_an_old_journal_with_one_arisal_reads_as_before(tmp_path: Path) -> None:
    """A journal from before lapses were journaled: one ``decision.arose``, a GO after it. A later
    look that sees the condition not hold, then hold, finds no lapse in it: the GO still answers."""
    h = _Halts(tmp_path)
    h.check(2, 0)
    h.look(2)
    h.clock.now = h.at(10)
    dec.record(h.inc, h.look(10), "GO", by="root", why="contained")
    h.check(12, 0)                                # a later run that holds: the same arisal, never lapsed
    view = h.look(60)
    assert view.recorded is not None and not view.overdue and view.arisals == (h.at(2),)
    assert len(h.inc.state.decisions_arose) == 1 and not h.inc.state.decisions_lapsed


def test_a_verdict_on_an_arisal_only_the_dialog_has_seen_answers_it(tmp_path: Path) -> None:
    """A metric condition seen to hold again by a look that journals nothing (the dialog re-judging):
    the verdict taken on that view journals the arisal first, at the view's moment; the dashboard's
    next look, after the verdict, would have journaled it later than the verdict, which then answered
    the arisal before and left this one undecided."""
    h = _Halts(tmp_path, "RB-CORE-004", "rollback-to-pilot")
    h.value = 3.0
    assert h.look(2).needed
    h.value = 1.0
    assert not h.look(5).needed and h.inc.state.decisions_lapsed
    h.value = 3.0
    seen = h.look(8, journal=False)
    assert seen.needed and len(seen.arisals) == 2 and len(h.inc.state.decisions_arose) == 1
    h.clock.now = h.at(9)
    assert dec.record(h.inc, seen, "NO-GO", by="dana", why="one provider is back").unanswered is None
    after = h.look(10)
    assert after.recorded is not None and after.recorded["why"] == "one provider is back", after.early
    assert after.arisals == (h.at(2), h.at(8))


@cache
def _decision() -> Any:
    (d,) = [d for d in _book(Config()).decisions if d.id == DECISION]
    return d


_T0 = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["arise", "lapse", "go", "go-early"]), max_size=12),
       st.lists(st.integers(min_value=1, max_value=5), min_size=12, max_size=12))
def test_a_verdict_never_answers_an_arisal_that_began_after_it(events: list[str], gaps: list[int]) -> None:
    """Any order of arisals, lapses and verdicts (recorded while needed or not): the verdict a view
    calls the answer was recorded in its current arisal (or, decide39's rule, while needed before the
    first); a verdict never answers an arisal that began after it."""
    state = IncidentState()
    t, seq, arisen, lapsed = _T0, 0, False, False
    for kind, gap in zip(events, gaps, strict=False):
        t, seq = t + timedelta(minutes=gap), seq + 1
        base = {"id": DECISION, "named": True, "runbook_id": "RB-CORE-005", "seq": seq, "at": t,
                "judged_at": t.isoformat()}
        if kind == "arise" and (not arisen or lapsed):
            state.decisions_arose.append(base)
            arisen, lapsed = True, False
        elif kind == "lapse" and arisen and not lapsed:
            state.decisions_lapsed.append(base)
            lapsed = True
        elif kind.startswith("go"):
            state.decisions.append(base | {"verdict": "GO", "by": "x", "why": "y",
                                           "not_needed": "not halted" if kind == "go-early" else None})
    view = dec.evaluate(_decision(), "RB-CORE-005", state, t + timedelta(minutes=1), query=None,
                        step_output=lambda _s: None)
    starts = view.arisals
    assert list(starts) == [a["at"] for a in state.decisions_arose]
    for d in state.decisions:
        i = answered_arisal(d, starts) if starts else None
        if i is not None:
            assert all(s > d["at"] for s in starts[i + 1:])          # none later began before it
            assert starts[i] <= d["at"] or (i == 0 and not d["not_needed"])
    if view.recorded is not None and starts:
        assert view.recorded["at"] >= starts[-1] or (len(starts) == 1 and not view.recorded["not_needed"])
    if view.early is not None:
        assert not view.answered_by(view.early)
