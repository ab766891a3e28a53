"""``IncidentPresenter.look_now``: the dashboard prods it once per thing due (a Go/No-Go deadline, a
tier); it pulls the incident's next look forward, at most one such look every ``LOOK_NOW_EVERY``
seconds. A prod that comes sooner is deferred, never dropped: the dashboard does not prod again
for the same thing, so a dropped prod left tier 2 (due a moment after tier 1's look) to the regular
look ``EVIDENCE_EVERY`` seconds later — fifteen drill minutes at x60.

The presenter's monotonic clock is replaced by a hand-moved one and the looks are the workers it
starts (recorded, not run): no wall time is read or waited for."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import tui.presenter as presenter_module
from tui.presenter import EVIDENCE_EVERY, LOOK_NOW_EVERY, IncidentPresenter


class _Monotonic:
    def __init__(self) -> None:
        self.at = 100.0

    def monotonic(self) -> float:
        return self.at


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> tuple[IncidentPresenter, _Monotonic, list[float]]:
    clock = _Monotonic()
    monkeypatch.setattr(presenter_module, "time", clock)
    started: list[float] = []

    def run_worker(fn: Any, **kw: Any) -> None:
        assert kw["group"] == "evidence"
        started.append(clock.at)

    presenter = IncidentPresenter(SimpleNamespace(ctx=SimpleNamespace(), run_worker=run_worker),  # type: ignore[arg-type]
                                  lambda message: None)
    presenter.live = SimpleNamespace()  # type: ignore[assignment]   # an incident is open: looks run
    return presenter, clock, started


def _beat(presenter: IncidentPresenter, clock: _Monotonic, at: float, *, prod: bool = False) -> None:
    """One dashboard beat at ``at``: maybe a prod, then the look if one is due."""
    clock.at = at
    if prod:
        presenter.look_now()
    presenter.evidence_due_async()


def test_a_prod_soon_after_a_pulled_forward_look_is_deferred_not_dropped(looks) -> None:  # type: ignore[no-untyped-def]
    presenter, clock, started = looks
    _beat(presenter, clock, 100.0)                          # the first look
    _beat(presenter, clock, 101.0, prod=True)               # tier 1 due: a look at once
    _beat(presenter, clock, 101.5, prod=True)               # tier 2 due half a second later: deferred...
    for t in (101.6, 102.0, 102.9):
        _beat(presenter, clock, t)
    _beat(presenter, clock, 101.0 + LOOK_NOW_EVERY)         # ...to LOOK_NOW_EVERY after the last pulled look
    for t in (103.5, 110.0, 117.9):
        _beat(presenter, clock, t)
    _beat(presenter, clock, 103.0 + EVIDENCE_EVERY)         # then the regular cadence again
    assert started == [100.0, 101.0, 101.0 + LOOK_NOW_EVERY, 103.0 + EVIDENCE_EVERY]


def test_prods_while_a_look_is_due_or_pending_add_no_look(looks) -> None:  # type: ignore[no-untyped-def]
    presenter, clock, started = looks
    _beat(presenter, clock, 100.0, prod=True)               # a look is due anyway: it sees the prod
    _beat(presenter, clock, 100.1, prod=True)               # something new due: pulled forward, at once
    _beat(presenter, clock, 100.2, prod=True)               # deferred to LOOK_NOW_EVERY after 100.1
    for t in (101.0, 102.0):
        _beat(presenter, clock, t, prod=True)               # pending: no second deferred look
    _beat(presenter, clock, 100.1 + LOOK_NOW_EVERY + 0.5)   # the deferred look, once
    for t in (104.0, 106.0):
        _beat(presenter, clock, t)
    assert started == [100.0, 100.1, 100.1 + LOOK_NOW_EVERY + 0.5]


def test_a_prod_just_before_the_regular_look_leaves_it_where_it_was(looks) -> None:  # type: ignore[no-untyped-def]
    presenter, clock, started = looks
    _beat(presenter, clock, 100.0)
    _beat(presenter, clock, 114.0, prod=True)               # pulled forward: at once
    _beat(presenter, clock, 114.5, prod=True)               # deferred to 116
    _beat(presenter, clock, 116.0)
    _beat(presenter, clock, 129.5, prod=True)               # pulled forward (the regular one was due at 131)
    _beat(presenter, clock, 130.0, prod=True)               # the next pulled look (131.5) is not sooner
    _beat(presenter, clock, 131.0)                          # than the regular one due at 144.5: deferred
    _beat(presenter, clock, 131.5)
    assert started == [100.0, 114.0, 116.0, 129.5, 131.5]


def test_a_pane_crossing_the_journal_has_not_got_is_due() -> None:
    """redteam41 T1: a pane past critical with no open breach journaled (a relapse), or back to ok with one
    open (a recovery), is due a look now, not at the next 15 s one (fifteen drill minutes at x60). Warn, an
    error, no data, or a state the journal already has is not; nor anything once resolved or with no incident."""
    from panes.view import HeaderInfo
    from tui.view import breaches_unjournaled

    header = HeaderInfo(incident_id="INC-1", status="mitigated", breached=("p95",))
    states = {"p95": "crit", "failure": "crit", "quota": "warn", "gap": "ok", "five": "error"}
    assert breaches_unjournaled(header, states) == ("pane failure crit",)
    assert breaches_unjournaled(header, {"p95": "ok"}) == ("pane p95 ok",)
    assert breaches_unjournaled(header, {"p95": "warn", "gap": "stale"}) == ()
    assert breaches_unjournaled(HeaderInfo(incident_id="INC-1", resolved_at=1.0), {"failure": "crit"}) == ()
    assert breaches_unjournaled(HeaderInfo(), {"failure": "crit"}) == ()
