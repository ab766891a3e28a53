"""One command line that does two steps' changes credits both, each as typed by hand (redteam51 R7).

RB-CORE-003's breaker (step 6) and its routing to the secondary (step 10) are two ``kubectl set env`` steps; typed as
one call with both steps' assignments, the world took both changes, yet "one call, one step" credited neither.
``by_hand.share``: a ``set env`` whose assignments are the step's with other steps' of its runbook, each whole, is each
step's part, judged by what that part alone meant, its rows its own. An assignment no step makes (a cap of 0, another
model) leaves the call no step's, as before; two calls (``a && b``) were always two typings.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import typed_drill_incident
from tests.unit.standins_corpus import typed_in_shell
from warroom.incident.by_hand import NOT_VERIFIED, typed_steps

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
SET = "kubectl set env deployment/flowengine {} -n production"
BREAKER, ROUTE = "ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85", "FALLBACK_MODEL=gpt-4-turbo"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


@pytest.mark.parametrize(("lines", "credited"), [
    ([SET.format(f"{BREAKER} {ROUTE}")], {"enable-circuit-breaker", "route-to-secondary"}),
    ([SET.format(f"{ROUTE} {BREAKER}")], {"enable-circuit-breaker", "route-to-secondary"}),
    ([SET.format(BREAKER), SET.format(ROUTE)], {"enable-circuit-breaker", "route-to-secondary"}),    # a && b
    ([SET.format(f"{BREAKER} {ROUTE} MAX_CONCURRENT_FLOWS=0")], set()),     # and a change no step makes
    ([SET.format(f"{BREAKER} FALLBACK_MODEL=gpt-3")], set()),              # another model: not the routing
], ids=["one-call", "one-call-swapped", "two-calls", "and-a-cap", "other-model"])
def test_one_call_doing_two_steps_credits_each(tmp_path: Path, lines: list[str], credited: set[str]) -> None:
    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOKS / "RB-CORE-003-rate-limit-exhaustion.md",
                                         title="Quota", severity="P3")
    book = inc.runbook()
    for line in lines:
        assert typed_in_shell(d, shlex.split(line), 150.0) == 0, line
    clock.t = d.wall_time(200.0)
    credits = {sid: c for (rb, sid), c in typed_steps(d, inc.state, [book], clock()).items()
               if sid in ("enable-circuit-breaker", "route-to-secondary")}
    assert set(credits) == credited, credits
    kinds = {a.action for a in d.actions()}
    assert {"circuit_breaker", "fallback_routing"} <= kinds or not credited, kinds
    for sid, c in credits.items():          # each as typed alone: gated, so typed and not verified; its own rows
        assert c.state == f"typed by hand at +50s (drill shell), {NOT_VERIFIED}", (sid, c.state)
        said = {d.actions()[i].action for i in c.acted}
        assert said & {"circuit_breaker", "fallback_routing"} == {
            "enable-circuit-breaker": {"circuit_breaker"}, "route-to-secondary": {"fallback_routing"}}[sid], (sid, said)


def test_the_report_says_the_one_line_on_both_steps_and_nothing_outside(tmp_path: Path) -> None:
    """The drill report's path: both steps typed by hand, the command's one row said on each, none outside them."""
    from warroom.incident.drill_report import drill_report

    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOKS / "RB-CORE-003-rate-limit-exhaustion.md",
                                         title="Quota", severity="P3")
    assert typed_in_shell(d, shlex.split(SET.format(f"{BREAKER} {ROUTE}")), 150.0) == 0
    report = drill_report(d, inc.refresh(), at=d.wall_time(300.0), runbook=inc.runbook())
    lines = {label: (state, rows) for _, label, state, rows in report.runbook_path}
    for label in ("Turn on the circuit breaker so throttled calls wait instead of retrying above 85% quota",
                  "Send Claude's calls to the secondary provider"):
        state, rows = lines[label]
        assert state.startswith("typed by hand at +50s") and "FALLBACK_MODEL=gpt-4-turbo" in rows, (label, state, rows)
    assert report.outside == (), report.outside
