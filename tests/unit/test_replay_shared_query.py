"""Two recorded panes with one query: a rehearsal reads each pane's own recording.

A pane folds its query's series into the worst per time in its own direction (the highest for a
pane bad above, the lowest for one bad below: ``metric_history.fold``), so two panes over one
multi-series query (``rate(requests_total[5m])`` watched for a spike and for a drop) recorded two
different curves. The replay answered a range query for that query with the first pane's points
alone, so a rehearsal's history and PIR read the drop pane from the spike pane's curve: the drop the
screen showed breaching was quoted as never breached. The replay now answers with every recorded
pane of that query as its own series, and the reader's fold in its direction gives back its own.
"""

from __future__ import annotations

from warroom.config import SloConfig
from warroom.incident.history import History
from warroom.incident.metric_history import PaneHistory, pane_history
from warroom.incident.replay import ReplaySource

QUERY = "rate(requests_total[5m])"
START, STEP, N = 1_800_000_000.0, 15.0, 40


def _history() -> History:
    spike = SloConfig(id="spike", title="Requests spike", query=QUERY, unit="count", warn=900, crit=1000,
                      direction="above")
    drop = SloConfig(id="drop", title="Requests drop", query=f"  {QUERY} ", unit="count", warn=200, crit=100,
                     direction="below")
    # two instances: one climbs, the other falls to nothing; each pane recorded its own worst
    high = tuple((START + i * STEP, 500.0 + 20 * i) for i in range(N))
    low = tuple((START + i * STEP, max(0.0, 400.0 - 20 * i)) for i in range(N))
    return History(incident_id="INC-20261203-9", start=START, end=START + (N - 1) * STEP, step=STEP,
                   panes=(PaneHistory(spike, high, STEP), PaneHistory(drop, low, STEP)))


def test_a_rehearsal_reads_each_pane_of_one_query_from_its_own_recording() -> None:
    history = _history()
    src = ReplaySource(history, speed=1.0, start=START)       # replayed from the recording's start, x1
    for pane in history.panes:
        read = pane_history(src, pane.slo, START, history.end, STEP)
        assert read.points == pane.points, pane.slo.id
    drop = history.pane("drop")
    assert drop is not None
    assert pane_history(src, drop.slo, START, history.end, STEP).breach_runs(), "the drop breached"


def test_an_instant_look_at_a_shared_query_reads_every_pane_of_it_not_the_first() -> None:
    """R27-replay-2: a criterion, a gate and a PromQL step look at an instant with ``query``. For a
    query two panes recorded, the replay answered the first pane's value alone, so a criterion
    "every instance above 300" read the spike pane's 700 as met while the drop pane (the lowest
    instance, the one that decides) read 0. Each pane is now a series: the one-series rule takes
    the worst, as it would of the live query's instances."""
    from datetime import datetime, timezone

    from warroom.incident.decisions.criteria import judge
    from warroom.runbook.decision import Criterion
    from warroom.sources.verify import VerifyGate, _probe

    history = _history()
    src = ReplaySource(history, speed=1.0, start=START)
    at = START + 10 * STEP                       # spike 700, drop 200
    got = sorted(src.query(QUERY, at), key=lambda s: s[1])
    assert got == [({"pane": "drop"}, 200.0), ({"pane": "spike"}, 700.0)]
    assert src.query("drop", at) == [({}, 200.0)], "a pane named by id is that pane alone"

    now = datetime.fromtimestamp(at, timezone.utc)
    for op, value, state, shown in ((">", 300.0, "not met", "200"), ("<", 600.0, "not met", "700"),
                                    (">", 100.0, "met", "200"), ("<", 800.0, "met", "700")):
        crit = Criterion(f"requests {op} {value}", query=QUERY, op=op, value=value)
        verdict = judge(crit, "go", None, now, lambda e: [v for _l, v in src.query(e, at)], lambda _s: None)
        assert verdict.state == state, (op, value, verdict.evidence)
        assert verdict.evidence.startswith(shown) and "the worst of 2 series" in verdict.evidence

    gate = VerifyGate(f"{QUERY} > 300", QUERY, ">", 300.0, 60.0)
    assert _probe(gate, src, at) == (200.0, None), "the gate waits on the lowest instance"

    sample = src.instant(QUERY, at)
    assert sample.value == 700.0 and sample.note and 'pane="spike"' in sample.note, sample
    assert src.instant("drop", at).value == 200.0
