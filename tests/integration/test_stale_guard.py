"""fresh-5 against a REAL Prometheus: the cheap stale guard never changes a data age, and spares
Prometheus the age expression where nothing can be stale.

``range_aged`` (a gate's look, a pane's history read) asks ``freshness.stale_guard`` first: range
selectors only, answering nothing at an instant where every series had a sample within
``stale_after``. The age expression (``timestamp()`` per series per instant: 15-30 times the
pane's own query over an hour, ``bench/data_age.py``) is asked only when the guard answers. The
ages must be exactly those the age expression gives on its own, for every kind of series: fresh,
frozen, a frozen sibling beside a live one, scraped every stale_after exactly, scraped less often
than stale_after, vanished past the look-back behind a fallback.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import PrometheusConfig
from warroom.sources import prometheus as prometheus_module
from warroom.sources.freshness import age_query
from warroom.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

QUERIES = ("max(fresh_a)", "max(frozen_b)", "max(sib)", "sum(rate(sparse90[5m]))", "max(sparse60)",
           "(max(gone) or vector(0))", "max(fresh_a) / max(sparse90)", "max(sib) + max(frozen_b)")


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("stale_guard")
    now = int(time.time())
    at = now - 1800 - now % 60
    first = at - 2400

    def gauge(name: str, times: range, labels: str = "") -> list[str]:
        return [f"{name}{labels} 1 {t}" for t in times]

    series = {
        "fresh_a": gauge("fresh_a", range(first, at + 1, 15)),
        "frozen_b": gauge("frozen_b", range(first, at - 400 + 1, 15)),
        "sib": gauge("sib", range(first, at + 1, 15), '{i="1"}') + gauge("sib", range(first, at - 200 + 1, 15), '{i="2"}'),
        "sparse60": gauge("sparse60", range(first, at + 1, 60)),
        "sparse90": gauge("sparse90", range(first, at + 1, 90)),
        "gone": gauge("gone", range(first, at - 900 + 1, 15)),
    }
    om = "".join(f"# TYPE {name} gauge\n" + "\n".join(sorted(rows, key=lambda r: (r.split(" ")[0], int(r.split(" ")[2]))))
                 + "\n" for name, rows in series.items()) + "# EOF\n"
    server = PromServer(work / "prom")
    backfill(om, server.tsdb, work)
    with server:
        src = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0, window=0.0, stale_after=60.0))
        try:
            yield src, float(at)
        finally:
            src.close()


def _unguarded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prometheus_module, "stale_guard", lambda *_args: None)


@pytest.mark.parametrize("expr", QUERIES)
def test_the_guard_never_changes_an_age(prom, monkeypatch: pytest.MonkeyPatch, expr: str) -> None:  # type: ignore[no-untyped-def]
    src, at = prom
    for first, step in ((at - 1200, 15.0), (at - 1190, 10.0), (at - 600, 5.0)):
        walls = [first + k * step for k in range(int((at - first) / step) + 1)]
        series, guarded = src.range_aged(expr, walls, step)
        with monkeypatch.context() as m:
            _unguarded(m)
            same, full = src.range_aged(expr, walls, step)
        assert guarded == full, (expr, first, step)
        assert series == same


def test_every_kind_of_stale_is_seen(prom) -> None:  # type: ignore[no-untyped-def]
    """The premise of the differential: these series are stale somewhere, and fresh_a never."""
    src, at = prom
    walls = [at - 1200 + k * 15.0 for k in range(81)]
    ages = {expr: src.range_aged(expr, walls, 15.0)[1] for expr in QUERIES}
    assert all(a is None for a in ages["max(fresh_a)"])
    for expr in ("max(frozen_b)", "max(sib)", "sum(rate(sparse90[5m]))", "(max(gone) or vector(0))"):
        assert any(a is not None for a in ages[expr]), expr
    assert all(a is None for a in ages["max(sparse60)"]), "a sample every stale_after is never past it"


def test_fresh_data_is_not_asked_its_age_expression(prom, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Where every series is fresh, the age expression (timestamp() per series per instant) is
    never sent: the guard alone settles it."""
    src, at = prom
    sent: list[str] = []
    start = src._start_range

    def record(expr: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(expr)
        return start(expr, *args, **kwargs)

    monkeypatch.setattr(src, "_start_range", record)
    walls = [at - 2100 + k * 15.0 for k in range(141)]     # 35 minutes, all after the series began
    _series, ages = src.range_aged("max(fresh_a)", walls, 15.0)
    assert ages == [None] * len(walls)
    assert age_query("max(fresh_a)") not in sent and "max(fresh_a)" in sent, sent


def _rounds(src: PrometheusSource, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request started ("s") and collected ("c") by ``src``, in order: each "c" followed
    by an "s" is one more wait for the server."""
    events: list[str] = []
    start, collect = src._start, prometheus_module._Pending.collect

    def started(*args, **kwargs):  # type: ignore[no-untyped-def]
        events.append("s")
        return start(*args, **kwargs)

    def collected(self, source, deadline):  # type: ignore[no-untyped-def]
        events.append("c")
        return collect(self, source, deadline)

    monkeypatch.setattr(src, "_start", started)
    monkeypatch.setattr(prometheus_module._Pending, "collect", collected)
    return events


def _waits(events: list[str]) -> int:
    return "".join(events).count("cs") + 1 if events else 0


def test_a_value_and_its_age_are_one_wait(prom, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A criterion, a gate's look and a pane's history each ask the value and its age at once:
    asked one after the other (DECIDE-2, fresh-3 as first landed) each look waited twice."""
    from datetime import UTC, datetime

    from warroom.config import Config, SloConfig
    from warroom.incident import decisions as dec
    from warroom.incident.metric_history import pane_history
    from warroom.incident.store import IncidentStore
    from warroom.runbook.parser import parse_runbook
    from warroom.sources.verify import VerifyRun, parse_verify

    src, at = prom
    events = _rounds(src, monkeypatch)
    rb = parse_runbook('+++\nid = "RB-T"\ntitle = "t"\nseverity = "P2"\n+++\n\n# T\n\n```decision\nid = "go"\n'
                       'question = "Go?"\ndeadline = "15m"\ngo_when = "all"\n\n[[go]]\ntext = "fresh"\n'
                       'query = "max(fresh_a)"\nop = "<"\nvalue = 5\n```\n')
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    inc = IncidentStore(tmp_path / "state", cfg).create(title="t", severity="P2", runbook=None)
    [view] = dec.evaluate_all(inc, inc.state, [rb], src, datetime.fromtimestamp(at, UTC))
    assert [c.state for c in view.criteria] == [dec.MET] and _waits(events) == 1, events
    events.clear()
    run = VerifyRun(parse_verify("max(fresh_a) < 5 for 1m within 3m"), src, started_at=at - 90)
    assert run.check(now=at - 60).status == "pending"     # its opening instant, then its grid: two reads
    events.clear()
    check = run.check(now=at)                               # a later look: one read of the instants since
    assert check.status == "passed" and _waits(events) == 1, events
    events.clear()
    slo = SloConfig(id="a", title="A", query="max(fresh_a)", unit="count", warn=3.0, crit=4.0)
    hist = pane_history(src, slo, at - 1800, at, 15.0)
    assert hist.points and not hist.stale and _waits(events) == 1, events
