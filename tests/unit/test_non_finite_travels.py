"""A pane that read +Inf is +Inf everywhere after: the journal, metrics.json, the PIR, the replay.

``histogram_quantile`` past its top bucket (or a division by zero) answers +Inf: the pane is CRIT
"+Inf" (``evaluate.judge``). The metric history dropped every non-finite value
(``metric_history.fold``), so no breach was journaled, the PIR read the pane's worst as the last
finite value and metrics.json as "no data": a PIR line that contradicts what the pane showed.
Standard JSON has no infinity, so the journal and metrics.json carry Prometheus' own string
forms through one codec (``warroom.journal.numbers``) that every writer and reader goes through.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from warroom.config import Config, SloConfig
from warroom.incident.history import load_history, record_history
from warroom.incident.replay import ReplaySource
from warroom.incident.store import IncidentStore
from warroom.journal import numbers
from warroom.sources.evaluate import judge
from warroom.sources.model import SloSample

P95 = SloConfig(id="p95", title="P95 flow latency", unit="seconds", warn=60.0, crit=120.0, direction="above",
                query="histogram_quantile(0.95, sum by (le) (rate(flow_seconds_bucket[5m])))")
DECLARED = 1_790_000_010.0          # a fixed past instant on the 15 s grid's neighbourhood (never wall time)
RESOLVED = DECLARED + 600.0
INF_FROM, INF_TO = DECLARED + 300.0, DECLARED + 450.0    # +Inf for 150 s of the 600 s window


def _strict(text: str) -> object:
    """JSON as every other reader reads it: a bare Infinity/NaN is an error, not a float."""
    def refuse(word: str) -> object:
        raise ValueError(f"non-standard JSON constant {word}")
    return json.loads(text, parse_constant=refuse)


class _PastTopBucket:
    """A Prometheus whose quantile is 0.5 s, and +Inf (past the top bucket) from INF_FROM to INF_TO."""

    name = "prometheus"

    def _value(self, t: float) -> float:
        return math.inf if INF_FROM <= t < INF_TO else 0.5

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        return [({}, [(t, self._value(t)) for t in times])]

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        return SloSample(expr, None, error="not asked")


def _incident(tmp_path: Path):
    cfg = Config()
    clock = [DECLARED]
    store = IncidentStore(tmp_path, cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC))
    inc = store.create(title="flows slow", severity="P2", runbook=None, source={})
    clock[0] = RESOLVED
    inc.resolve("scaled the workers")
    inc.sync_metrics(_PastTopBucket(), [P95], summary=True, now=RESOLVED)
    return cfg, store, inc


def test_a_pane_at_plus_inf_is_journaled_summarised_recorded_and_replayed_as_inf(tmp_path: Path) -> None:
    cfg, store, inc = _incident(tmp_path)
    assert judge(P95, math.inf) == "crit"                      # what the pane showed live
    # the breach is journaled, dated at the first +Inf point, with its value
    breached = [b for b in inc.state.breaches if b["kind"] == "breached"]
    assert [b["value"] for b in breached] == [math.inf]
    assert INF_FROM <= breached[0]["at"].timestamp() < INF_FROM + 15
    assert any(b["kind"] == "recovered" for b in inc.state.breaches)
    # the summary's worst is +Inf, not the last finite value, and 150 s were past critical, no gap
    summ = inc.state.metric_summary["slos"]["p95"]
    assert summ["worst"]["value"] == math.inf
    assert summ["breached"] and len(summ["breaches"]) == 1
    assert 135 <= summ["breach_seconds"] <= 165 and summ["gap_seconds"] == 0
    # on disk: every journal line is standard JSON, holding the Prometheus form
    lines = (inc.dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        _strict(line)
    assert any('"value":"+Inf"' in line for line in lines)
    # read back from disk by a new store: the same state
    again = IncidentStore(tmp_path, cfg).open(inc.id, work=False)
    assert again.state.metric_summary["slos"]["p95"]["worst"]["value"] == math.inf
    assert [b["value"] for b in again.state.breaches if b["kind"] == "breached"] == [math.inf]
    # the PIR quotes the worst as the pane read it
    from warroom.incident.pir import render_pir
    from warroom.incident.review.metrics import evidence

    [row] = [r for r in evidence(again.state)[0] if r.slo_id == "p95"]
    assert row.worst == "+Inf (a division by zero?)"      # decide-6: what it is, as the pane's note says
    pir = render_pir(again.state, "pir", cfg, now=datetime.fromtimestamp(RESOLVED, UTC))
    assert "SLO breached: P95 flow latency +Inf (a division by zero?) past its critical threshold" in pir
    assert not re.search(r"\+Inf(?! \(a division by zero\?\))", pir.replace('"+Inf"', "")), \
        "every +Inf the PIR states in words says what it likely is"
    # the catch-up brief quotes the breach at the value the pane read
    from warroom.incident.handoff import catch_up_brief
    from warroom.incident.jsonview import state_to_json

    brief = catch_up_brief(again.state, datetime.fromtimestamp(RESOLVED, UTC), update_every=1800.0, config=again.config)
    said = [line for _title, lines in brief.sections for line in lines if "+Inf" in line]
    assert said and all("+Inf (a division by zero?)" in line for line in said), said
    _strict(json.dumps(state_to_json(again.state, datetime.fromtimestamp(RESOLVED, UTC)), allow_nan=False))
    # metrics.json: standard JSON, +Inf kept; the replay shows +Inf there, judged CRIT
    path = record_history(inc.dir, inc.state, [P95], _PastTopBucket(), now=RESOLVED)
    doc = _strict(path.read_text(encoding="utf-8"))
    assert any(v == "+Inf" for _t, v in doc["panes"][0]["points"])  # type: ignore[index]
    history = load_history(inc.dir)
    pane = history.pane("p95")
    assert pane is not None and pane.worst() is not None and pane.worst().value == math.inf
    src = ReplaySource(history, speed=1.0, start=history.start)
    shown = src.instant("p95", at=INF_FROM + 60.0).value
    assert shown == math.inf and judge(P95, shown) == "crit"
    assert src.instant("p95", at=INF_TO + 60.0).value == 0.5


def test_old_journals_and_recordings_with_plain_numbers_read_as_before(tmp_path: Path) -> None:
    """No string form on disk (every journal and metrics.json written before): nothing changes."""
    assert numbers.decode_values({"worst": {"at": 1.0, "value": 2.5}, "title": "NaN"}) == \
        {"worst": {"at": 1.0, "value": 2.5}, "title": "NaN"}          # text that reads "NaN" stays text
    assert numbers.decode(3) == 3.0 and numbers.decode(True) is None and numbers.decode("1.5") is None


_FLOATS = st.floats(allow_nan=True, allow_infinity=True)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@given(_FLOATS)
def test_the_codec_round_trips_every_float(value: float) -> None:
    back = numbers.decode(_strict(json.dumps(numbers.encode(value), allow_nan=False)))
    assert back is not None and _same(back, value)


_TREES = st.recursive(
    st.fixed_dictionaries({"value": _FLOATS, "threshold": _FLOATS, "at": st.floats(0, 1e10)}),
    lambda inner: st.dictionaries(st.sampled_from(["slos", "steps", "worst", "p95"]), inner, max_size=3)
    | st.lists(inner, max_size=3),
    max_leaves=8,
)


@given(_TREES)
def test_a_metric_tree_written_by_the_codec_is_standard_json_and_reads_back_the_same(tree: object) -> None:
    text = json.dumps(numbers.encode_tree(tree), allow_nan=False)
    assert _same(numbers.decode_values(_strict(text)), tree)


@given(_FLOATS)
def test_a_journal_line_never_fails_on_a_non_finite_value_and_reads_back(value: float) -> None:
    from warroom.journal.encoding import GENESIS, _check_line, encode_line

    raw = encode_line(1, datetime(2026, 12, 3, tzinfo=UTC), "ic", "slo.breached", {"value": value}, GENESIS)
    _strict(raw.decode())
    event, problem = _check_line(raw.rstrip(b"\n"), 1)
    assert problem is None and event is not None
    assert _same(numbers.decode(event.data["value"]), value)


def test_a_prometheus_range_answer_keeps_inf_and_the_history_breaches_on_it() -> None:
    """Prometheus writes a sample past the top bucket as "+Inf" in a range answer too: the history
    (and a verify gate's range read) keeps it, as the instant pane does; "NaN" is no point."""
    from warroom.incident.metric_history import PaneHistory, fold
    from warroom.sources.prom_results import _parse_range

    t0 = DECLARED
    answer = [{"metric": {"le": "x"}, "values": [[t0, "0.5"], [t0 + 15, "+Inf"], [t0 + 30, "NaN"], [t0 + 45, "0.5"]]}]
    [(_labels, points)] = _parse_range(answer)
    assert points == [(t0, 0.5), (t0 + 15, math.inf), (t0 + 45, 0.5)]
    history = PaneHistory(P95, tuple(fold([({}, points)], "above")), 15.0)
    assert history.breach_runs() == [(t0 + 15, t0 + 45)]
    assert history.worst() is not None and history.worst().value == math.inf


def test_a_gate_that_passed_after_plus_inf_journals_that_it_left_its_line() -> None:
    """A pass after the measure was +Inf (past any line) is a recovery, not a pass on a measure that
    held since before its step: ``outside`` must be journaled for ``gate_evidence.held_before`` to see it."""
    from warroom.incident.gate_evidence import held_before
    from warroom.sources.verify import VerifyCheck, VerifyGate, journal_outcome

    class _Journal:
        def __init__(self) -> None:
            self.events: list[tuple[str, dict]] = []

        def append(self, type_: str, data: dict) -> None:
            self.events.append((type_, data))

    gate = VerifyGate("p95 < 120 within 10m", "p95", "<", 120.0, 600.0)
    journal = _Journal()
    data = journal_outcome(journal, 3, "scale", gate, VerifyCheck("passed", 0.5, 0.0, outside=math.inf))
    assert data["outside"]["value"] == math.inf and data["outside"]["value_text"] == gate.show(math.inf)
    started = {"before": {"holds": True, "value": 0.5}}
    assert held_before(started, data) is None       # it went past the line and came back: a recovery


def test_a_drill_range_answers_plus_inf_where_its_instant_does(tmp_path: Path) -> None:
    """The drill's range query (what its history, PIR and gates read) kept finite points only, while
    its instant query (the pane) answered +Inf: the same division by zero read two ways."""
    from warroom.drill.directory import create_drill

    drill = create_drill(tmp_path / "drills", "rate-limit", 60.0)
    source = drill.source(Config().slo)
    end = drill.start                               # its first instant: never in the future, whatever the clock
    for expr, value in (("vector(1) / 0", math.inf), ("vector(-1) / 0", -math.inf)):
        assert source.instant(expr, at=end).value == value
        [(_labels, points)] = source.query_range(expr, end - 60.0, end, 15.0)
        assert points and all(v == value for _t, v in points), expr
    [(_labels, points)] = source.query_range("vector(0) / 0", end - 60.0, end, 15.0)
    assert points == []                             # NaN (0/0) is no point, as the pane shows NO DATA


def test_the_drill_reports_json_holds_a_worst_of_plus_inf_as_standard_json() -> None:
    """``warroom drill-report --json`` wrote a pane's worst of +Inf as ``Infinity`` (json.dumps'
    default), which no standard JSON reader takes: it is written in the journal's form."""
    from warroom.incident.drill_report.rows import DrillReport, PaneOutcome

    pane = PaneOutcome("p95", P95.title, P95.crit, 0.5, math.inf, 0.5, True, "seconds", worst_at=INF_FROM)
    report = DrillReport(drill="d", scenario="timeout", title="t", runbook="RB", speed=60.0, incident=None,
                         breach_at=INF_FROM, generated_at=RESOLVED, declared_before_breach=False, responses=(),
                         actions=(), resolution_done=(), resolution_missing=(), panes=(pane,), recovered=True,
                         summary=())
    doc = _strict(json.dumps(report.to_dict(), indent=2, default=str))
    assert doc["panes"][0]["worst"] == "+Inf" and numbers.decode(doc["panes"][0]["worst"]) == math.inf  # type: ignore[index]


def test_a_steps_evidence_of_a_pane_at_plus_inf_is_journaled_and_read_as_plus_inf(tmp_path: Path) -> None:
    """A step run while the pane read CRIT +Inf: its "before" evidence said "?" (capture kept finite
    values only), and a "+Inf" on disk read by the evidence views as text would break their sums."""
    from warroom.incident.fold import replay
    from warroom.journal.log import Journal, read_journal
    from warroom.sources.evidence import collect, format_evidence, iso, record_before, record_due

    class _Source:
        name = "scripted"

        def fetch(self, slos, at=None):
            t = DECLARED if at is None else at
            return [SloSample(s.id, math.inf if t < INF_TO else 0.5, sample_time=t, fetched_at=t) for s in slos]

    j = Journal(tmp_path / "journal.jsonl")
    t0 = INF_FROM + 30.0
    at = datetime.fromtimestamp(t0, UTC)
    j.append("incident.declared", {"title": "flows slow", "severity": "P2", "commander": "ic"}, ts=at)
    before = record_before(j, 2, "scale", _Source(), [P95], at=t0, stale_after=60.0)
    assert before["values"]["p95"]["value"] == math.inf and before["values"]["p95"]["state"] == "crit"
    j.append("step.started", {"step": 2, "step_id": "scale", "label": "scale workers", "command": "scale",
                              "kind": "k8s", "mutating": True,
                              "evidence_before": {k: v["value"] for k, v in before["values"].items()}}, ts=at)
    j.append("step.finished", {"step": 2, "step_id": "scale", "status": "ok", "exit_code": 0,
                               "started_at": iso(t0), "ended_at": iso(t0 + 60), "duration": 60},
             ts=datetime.fromtimestamp(t0 + 60, UTC))
    record_due(j, read_journal(tmp_path / "journal.jsonl").events, _Source(), [P95], [300.0], now=t0 + 3600)
    events = read_journal(tmp_path / "journal.jsonl").events
    for line in (tmp_path / "journal.jsonl").read_text(encoding="utf-8").splitlines():
        _strict(line)
    [ev] = collect(events)
    assert ev.before["p95"]["value"] == math.inf
    assert "+Inf (a division by zero?) → " in format_evidence(ev, [P95])
    state = replay(events)
    [run] = state.steps["scale"].runs
    assert run.evidence_before["p95"]["value"] == math.inf
    assert [x.value for x in state.evidence if x.when == "before"] == [math.inf]


def test_the_kept_panes_cache_keeps_plus_inf_across_processes(tmp_path: Path) -> None:
    """``panes.cache`` (``history_memo``) wrote +Inf as a bare Infinity, and its reader refused any
    non-finite value: the whole cache was thrown away and every point asked again, each command."""
    from warroom.incident.history_memo import MEMO_FILE, HistoryMemo
    from warroom.incident.metric_history import fold

    class _Memoisable:
        """A source that can say its answers stand (as the drill's does), +Inf from INF_FROM to INF_TO."""

        def walls(self, start: float, end: float, step: float) -> list[float]:
            return [start + i * step for i in range(int((end - start) // step) + 1)]

        def query_at(self, expr: str, walls: list[float]) -> list:
            return [({}, [(w, math.inf if INF_FROM <= w < INF_TO else 0.5) for w in walls])]

        def world(self) -> dict:
            return {"code": "one"}

        def unchanged_until(self, old: dict, new: dict) -> float:
            return math.inf

    path = tmp_path / MEMO_FILE
    first = HistoryMemo(path)
    points = first.read(_Memoisable(), P95.query, "above", DECLARED, RESOLVED, 15.0, fold)
    assert math.inf in [v for _t, v in points] and first.asked == len(points)
    first.save()
    _strict(path.read_text(encoding="utf-8"))
    again = HistoryMemo(path)                                   # the next command: a new process
    assert again.read(_Memoisable(), P95.query, "above", DECLARED, RESOLVED, 15.0, fold) == points
    assert again.asked == 0


def test_a_pane_bad_below_at_minus_inf_breaches_and_reads_minus_inf(tmp_path: Path) -> None:
    """The mirror: a pane bad below (headroom) whose query answers -Inf is CRIT "-Inf" and so is its
    history: the breach, the worst (the lowest), the PIR."""
    headroom = SloConfig(id="headroom", title="Worker headroom", query="100 * (1 - busy / capacity)",
                         unit="percent", warn=20.0, crit=10.0, direction="below")

    class _Source(_PastTopBucket):
        def _value(self, t: float) -> float:
            return -math.inf if INF_FROM <= t < INF_TO else 50.0

    cfg = Config()
    clock = [DECLARED]
    inc = IncidentStore(tmp_path, cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC)).create(
        title="no headroom", severity="P2", runbook=None, source={})
    clock[0] = RESOLVED
    inc.resolve("capacity back")
    inc.sync_metrics(_Source(), [headroom], summary=True, now=RESOLVED)
    assert judge(headroom, -math.inf) == "crit"
    assert [b["value"] for b in inc.state.breaches if b["kind"] == "breached"] == [-math.inf]
    assert inc.state.metric_summary["slos"]["headroom"]["worst"]["value"] == -math.inf
    from warroom.incident.pir import render_pir

    pir = render_pir(inc.state, "pir", cfg, now=datetime.fromtimestamp(RESOLVED, UTC))
    assert "SLO breached: Worker headroom -Inf (a division by zero?) past its critical threshold 10%" in pir
