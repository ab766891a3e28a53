"""What the one data-age rule costs (fresh-5): a look with ages beside the same look without.

    python -m bench.data_age            # medians of 15 repeats (about 1 minute)
    python -m bench.data_age --quick    # 5 repeats
    python -m bench.data_age --json     # raw measurements

Set-up as ``bench.sources``: a real Prometheus holding the drill's rate-limit scenario, behind a
proxy adding 50 ms to every request (a server across a WAN: round trips are what a look costs).
Each figure is the real code path, run in the same loop two ways:

* ``together`` (as shipped): a Go/No-Go look judges each criterion's data age (DECIDE-2), a
  verify gate's look its instants' ages, a history read each pane's stale points (fresh-3), each
  value and its age asked at once (``query_aged``/``range_aged``: one round trip);
* ``after``: the same, the age asked after the value (``staleness``/``stale_ages``): the way
  DECIDE-2 and fresh-3 first landed;
* ``blind``: the same source with every age method hidden: the pre-DECIDE-2 way (values only).

Looks: a Go/No-Go decision whose five criteria read the five default panes' queries
(``decisions.evaluate_all``); a verify gate on each pane's query judging one minute of instants
(``VerifyRun.check``); the five panes' history over an hour (``metric_sync.read_histories``,
what every ``keep_up`` reads).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.config import Config, PrometheusConfig, default_slos
from warroom.sources import prometheus as prometheus_module
from warroom.sources.prometheus import PrometheusSource

#: The methods that answer a value with its data age in one round trip (fresh-5).
TOGETHER = ("query_aged", "range_aged")
#: Every data-age method (hidden from the blind source).
AGE_METHODS = (*TOGETHER, "staleness", "stale_ages")


class Hiding:
    """``source`` with the methods ``hidden`` hidden: its readers then take the way they took
    before those methods existed (``TOGETHER`` hidden: the value, then its age, one round trip
    each; ``AGE_METHODS`` hidden: values only, the pre-DECIDE-2 way)."""

    def __init__(self, source: Any, hidden: tuple[str, ...]) -> None:
        self._source = source
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        if name in self._hidden:
            raise AttributeError(name)
        return getattr(self._source, name)


def _runbook(slos: list[Any]) -> Any:
    from warroom.runbook.parser import parse_runbook

    crits = "".join(f'\n[[go]]\ntext = "{s.id} fine"\nquery = """{s.query}"""\nop = "<"\nvalue = 1e9\n'
                    for s in slos)
    text = (f'+++\nid = "RB-BENCH-AGE"\ntitle = "bench"\nseverity = "P2"\n+++\n\n# Bench\n\n```decision\n'
            f'id = "go"\nquestion = "Go?"\ndeadline = "15m"\ngo_when = "all"\n{crits}```\n')
    return parse_runbook(text)


NAMES = {"criteria": "Go/No-Go look, 5 criteria", "gates": "5 verify gate looks (1 min)",
         "history": "history read, 5 panes x 1 h"}
WAYS = ("together", "after", "blind")


@contextmanager
def _unguarded(on: bool) -> Iterator[None]:
    """The age expression asked at every instant, as first landed (``freshness.stale_guard``
    off): what the guard saves Prometheus."""
    if not on:
        yield
        return
    saved = prometheus_module.stale_guard
    prometheus_module.stale_guard = lambda *_args: None
    try:
        yield
    finally:
        prometheus_module.stale_guard = saved


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(quick: bool = False) -> dict[str, Any]:
    from bench.sources import DELAY, Prometheus, ProxyProcess
    from warroom.incident import decisions as dec
    from warroom.incident.metric_sync import Window, read_histories
    from warroom.incident.store import IncidentStore
    from warroom.sources.verify import VerifyRun, parse_verify

    repeat = 5 if quick else 15
    slos = default_slos()
    m: dict[str, Any] = {"repeat": repeat, "delay_ms": DELAY * 1000, "panes": len(slos)}
    for key in NAMES:
        for way in WAYS:
            m[f"{key}_{way}_s"] = []
    with tempfile.TemporaryDirectory(prefix="warroom-bench-age-") as tmp:
        prom = Prometheus(Path(tmp))
        try:
            proxy = ProxyProcess(prom.port)
            try:
                aged = PrometheusSource(PrometheusConfig(url=proxy.url, timeout=10.0, window=0.0))
                ways = {"together": aged, "after": Hiding(aged, TOGETHER), "blind": Hiding(aged, AGE_METHODS)}
                at = prom.at
                cfg = Config()
                cfg.incident.state_dir = str(Path(tmp) / "state")
                cfg.slo = slos
                inc = IncidentStore(Path(tmp) / "state", cfg).create(title="bench", severity="P2", runbook=None)
                books = [_runbook(slos)]
                now = datetime.fromtimestamp(at, UTC)
                gates = [parse_verify(f"{s.query} < 1e9 within 10m") for s in slos]
                window = Window(at - 3600.0, at, 15.0)

                def criteria(src: Any) -> None:
                    [view] = dec.evaluate_all(inc, inc.state, books, src, now)
                    assert all(c.state != dec.UNKNOWN or "stale" in str(c.evidence) for c in view.criteria), \
                        [(c.text, c.evidence) for c in view.criteria]

                def gate_looks(src: Any) -> None:
                    for g in gates:
                        VerifyRun(g, src, started_at=at - 60.0).check(now=at)

                def history(src: Any) -> None:
                    got, errors = read_histories(src, slos, window)
                    assert not errors and len(got) == len(slos), errors

                for look in (criteria, gate_looks, history):    # warm: connections up, blocks paged in
                    look(aged)
                for _ in range(repeat):
                    for key, look in (("criteria", criteria), ("gates", gate_looks), ("history", history)):
                        for way, src in ways.items():
                            with _unguarded(way == "after"):
                                m[f"{key}_{way}_s"].append(_timed(lambda: look(src)))
                aged.close()
            finally:
                proxy.close()
        finally:
            prom.stop()
    return m


def _med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def figures(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``'s table: each look as shipped beside the same look without
    data age, and beside it with the age asked after the value."""
    m = measure(quick)
    note = f"+{m['delay_ms']:.0f} ms per request, x{m['repeat']}"
    rows = []
    for k, name in NAMES.items():
        rows.append({"name": f"data age: {name}", "unit": "s", "value": _med(m[f"{k}_together_s"]),
                     "baseline": _med(m[f"{k}_blind_s"]), "baseline_name": "same look, no data age", "note": note})
        rows.append({"name": f"data age: {name}, age after value", "unit": "s", "value": _med(m[f"{k}_after_s"]),
                     "baseline": _med(m[f"{k}_blind_s"]), "baseline_name": "same look, no data age",
                     "note": "as first landed"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.data_age", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 repeats")
    parser.add_argument("--json", action="store_true", help="print the raw measurements as JSON")
    args = parser.parse_args(argv)
    m = measure(args.quick)
    if args.json:
        print(json.dumps(m, indent=2))
        return 0
    print(f"Prometheus behind a proxy adding {m['delay_ms']:.0f} ms per request; {m['repeat']} repeats, medians")
    print(f"  {'':30} {'together':>10} {'after':>10} {'no age':>10}   together/no age  after/no age")
    for k, name in NAMES.items():
        t, a, b = (_med(m[f"{k}_{way}_s"]) or 0.0 for way in WAYS)
        print(f"  {name:<30} {t * 1000:8.1f}ms {a * 1000:8.1f}ms {b * 1000:8.1f}ms   {t / b:14.2f}x {a / b:12.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
