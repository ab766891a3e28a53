"""The circuit breaker says what it does, and its figures are the world's (lead29-5, issue 13 item 5).

It said "Circuit breaker activated: pausing new flows above 85% quota" (log), "OPEN (pausing new flows …)"
(`blocks circuit-breaker status`), "new flows pause above 85%" (RB-CORE-003, RB-LAUNCH-004/005), while the
world's flows kept starting at the full rate and their calls took Anthropic's quota from 97% to 100% by
9,089 s: the breaker only holds back the retries of throttled calls (fewer requests, so less quota counted; the
provider still refuses the calls it has no room for, redteam49 F8). Now every place that speaks for it says that, and:

- the flows run as they would without it (the executions counter is the same) while it reads OPEN;
- at every look its quota is the quota pane's and `blocks quota show`'s, and the runbook's 429 gate reads
  under its line (its 5-minute window past the breaker's start) while the quota lasts, the provider still refusing
  the first attempts it has no room for (an eighth at full throttle: not 0, F8), and once it is used up: then
  the OPEN breaker sends no call to Anthropic (redteam47 F10), so no 429 is counted there;
- the README's figures of how long it buys are the world's.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill import fleet
from warroom.drill.directory import Drill
from warroom.drill.model import quota_reset
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary
from warroom.units import format_stated

ON = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85 -n production"
PAUSE = re.compile(r"paus\w* (?:new )?flows|new flows pause|stops? admitting", re.I)


def drill(on: float | None) -> Drill:
    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=10.0, start=START, name="breaker")
    if on is not None:
        assert run_one(d, ON.split(), on)[0] == 0
    return d


def runs_out(d: Drill) -> float:
    """The scenario second Anthropic's quota is all used (to the second), by halving."""
    s, lo, hi = d.simulator.signals, 0.0, quota_reset(0.0)
    while hi - lo > 1.0:
        lo, hi = (lo, (lo + hi) / 2) if s.quota(fleet.PRIMARY_PROVIDER, (lo + hi) / 2) >= 1.0 else ((lo + hi) / 2, hi)
    return hi


def test_the_breaker_holds_retries_not_new_flows_and_its_figures_agree() -> None:
    with_it, without = drill(600.0), drill(None)
    armed = 600.0 + with_it.simulator.signals.cluster.flowengine.rollout_seconds
    book = RunbookLibrary([shipped_runbooks_dir()]).get("RB-CORE-003")
    gate = book.queries["share_429"].promql
    line = float(next(s.verify for s in book.steps if s.verify).split("<")[1].split()[0])    # "share_429 < 15 for …"
    end = runs_out(with_it)
    seen = set()
    for t in (armed + 30.0, armed + 600.0, 5000.0, end + 600.0):
        status = run_one(with_it, "blocks circuit-breaker status".split(), t)[1]
        seen.add(state := status.split()[1])
        assert state in ("OPEN", "HALF_OPEN") and not PAUSE.search(status), (t, status)
        execs = [sum(d.simulator.refresh().value(("exec", r.name), t) for r in fleet.REPOS) for d in (with_it, without)]
        assert execs[0] == pytest.approx(execs[1], rel=1e-12), t          # not one flow paused
        said = float(status.split("highest quota use: ")[1].split("%")[0])
        shown = float(re.search(r"\(([\d.]+)%\)", run_one(with_it, "blocks quota show".split(), t)[1]).group(1))
        pane = with_it.simulator.pane("quota", t)
        assert said == shown and abs(said - pane) <= 0.5 + 1e-9, (t, said, shown, pane)
        share = with_it.simulator.evaluate(gate, t)[0].value
        assert share < line or t < armed + 300.0, (t, share)
        assert share > 12.0 or t > end, (t, share)          # the first attempts it has no room for: 0.5 ** 3
    assert seen == {"OPEN", "HALF_OPEN"}
    logs = run_one(with_it, "kubectl logs deployment/flowengine -n production --since=5m".split(), armed + 60.0)[1]
    said = [line for line in logs.splitlines() if "Circuit breaker activated" in line or "CircuitBreaker: OPEN" in line]
    assert said and all("holding retries" in line and not PAUSE.search(line) for line in said), said


def test_what_the_readme_says_the_breaker_buys_is_the_world_s_whatever_second_it_goes_on() -> None:
    """README step 4: on at 88% (four and a half drill minutes in) the quota runs out 7h30m-7h50m into the drill, on at
    98% (ten to twelve and a half minutes in) 2h55m-3h10m, without it at 1h26m, before the reset eight hours in;
    nothing says it pauses. Checked at seconds the quota pane reads that share (and at ×60's fractions of one), not at one point: the
    breaker acted from the next 15 s scrape after its arming, so on at 300 s ran out at 7h19m and at 301 s at 7h04m
    (redteam37 F5); now a second later costs about a minute while the batch job's burst lasts, as the retries it holds
    burn it, and a second or two after it (world40: the quota follows the requests the world makes)."""
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert ("on at 88% (four and a half drill minutes in) it runs out between 7h30m and 7h50m into the drill, on at "
            "98% (the pane reads 97.9% ten minutes in, 98% from 12m30s) between 2h55m and 3h10m, without it at "
            "1h26m") in readme
    assert "until the daily reset (eight drill hours in)" in readme and quota_reset(0.0) == 8 * 3600.0
    alone = drill(None)
    assert 1 + 26 / 60 <= runs_out(alone) / 3600.0 < 1 + 27 / 60
    # what the quota pane shows then (fix51c: "98% about ten minutes in" was 97.9% on the pane, 98% from 12m30s)
    assert [format_stated(alone.simulator.pane("quota", t), "percent") for t in (255.0, 270.0, 600.0, 735.0, 750.0)] \
        == ["87.5%", "88.2%", "97.9%", "97.9%", "98%"]
    for used, ons, (lo, hi) in ((88, [*range(270, 286, 3), 272.4, 280.6], (7.5, 7 + 50 / 60)),
                                (98, range(560, 720, 20), (2 + 55 / 60, 3 + 10 / 60))):
        seen = {}
        for on in map(float, ons):
            d = drill(on)
            if round(100 * d.simulator.signals.quota(fleet.PRIMARY_PROVIDER, on)) == used:
                seen[on] = runs_out(d) / 3600.0
        assert len(seen) >= 6 and all(lo <= h <= hi for h in seen.values()), (used, seen)
        times = sorted(seen)
        for a, b in zip(times, times[1:]):      # later is sooner, by about a minute a second: no cliff at a scrape
            assert 0.0 <= seen[a] - seen[b] <= 2.0 / 60 * max(1.0, b - a), (a, b, seen[a], seen[b])
    for text in (readme, *(p.read_text(encoding="utf-8") for p in shipped_runbooks_dir().glob("*.md"))):
        assert not PAUSE.search(text), PAUSE.search(text)
