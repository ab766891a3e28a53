"""The drill's PromQL reads each scrape of a world once (``Catalog.samples``): a pane polled again, or its sparkline
moved on, asks the world only for the scrapes it has not read, and answers to the bit as a catalogue reading
everything afresh; letting go of what it holds (``SCRAPED``) changes no answer either."""

from __future__ import annotations

import struct

import pytest

from tests.unit.standins_corpus import warm_simulator
from warroom.config import default_slos
from warroom.drill.actions import Action
from warroom.drill.promql import Catalog, evaluate_many
from warroom.drill.promql import catalog as catalog_module
from warroom.drill.promql.catalog import MetricSeries
from warroom.drill.promql.walk import SCRAPE

QUERIES = [s.query for s in default_slos()]


def unix(t: float) -> float:
    return 1_800_000_000.0 + 60.0 * t      # a drill at x60: the gap pane's three walks read one set of samples


def bits(catalog: Catalog, times: list[float]) -> list[object]:
    """Every default pane's answer at ``times``, each float as its bytes."""
    def b(x: float | None) -> bytes | None:
        return None if x is None else struct.pack("<d", x)
    out: list[object] = []
    for q in QUERIES:
        many = evaluate_many(catalog, q, times)
        out.append([b(x) for x in many.scalar] if many.scalar is not None else
                   [(lab, [b(x) for x in col]) for lab, col in many.vector or ()])
    return out


def counting(catalog: Catalog, values_read: list[int] | None = None) -> list[set[int]]:
    """The scrapes each read of ``catalog`` asks its world for, as they are asked (and how many values each)."""
    asked: list[set[int]] = []
    values = catalog.values

    def spy(series: list[MetricSeries], times: list[float]) -> list[list[float]]:
        asked.append({round(t / SCRAPE) for t in times})
        if values_read is not None:
            values_read.append(len(series) * len(times))
        return values(series, times)
    catalog.values = spy  # type: ignore[method-assign]
    return asked


def sparkline(t: float) -> list[float]:
    return [t, *(t - 1800.0 + i * 1800.0 / 59 for i in range(60))]


@pytest.fixture(scope="module")
def sim():   # type: ignore[no-untyped-def]
    return warm_simulator("rate-limit", lambda: [Action("circuit_breaker", 900.0)], unix)


def test_a_pane_polled_again_reads_only_the_scrapes_it_has_not_read(sim) -> None:  # type: ignore[no-untyped-def]
    series = sim.refresh()
    catalog, fresh = Catalog(series, unix), Catalog(series, unix)
    asked = counting(catalog)
    first = bits(catalog, sparkline(1800.0))
    seen = set().union(*asked)
    assert first == bits(fresh, sparkline(1800.0))
    asked.clear()
    assert bits(catalog, sparkline(1800.0)) == first and not asked      # the same poll: nothing read again
    later = bits(catalog, sparkline(1830.5))                              # the sparkline one step on
    assert later == bits(Catalog(series, unix), sparkline(1830.5))
    new = set().union(*asked)       # the scrapes since, and a few an instant point moved onto: not the windows again
    assert max(new) == round(1830.0 / SCRAPE) and 0 < len(new) < len(seen) // 8


def test_letting_go_of_what_it_holds_changes_no_answer(sim, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    series = sim.refresh()
    times = [[900.0 + 47.0 * i, 1500.0 - 13.0 * i] for i in range(6)]
    want = [bits(Catalog(series, unix), ts) for ts in times]
    monkeypatch.setattr(catalog_module, "SCRAPED", 3_000)
    catalog = Catalog(series, unix)
    sizes: list[int] = []
    asked = counting(catalog, sizes)
    assert [bits(catalog, ts) for ts in times] == want
    assert sum(map(len, asked)) > len(set().union(*asked))     # let go of, then read again
    assert catalog._held <= 3_000 + max(sizes)                  # what it holds stays bounded
