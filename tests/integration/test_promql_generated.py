"""Generated PromQL against the real Prometheus: the drill's evaluator beyond the queries it ships.

``tests/integration/promql_gen.py`` builds well-typed expressions at random (a fixed seed: the same
queries every run) over everything the evaluator claims, on the drill's series and on series of
this test's own that the drill world never makes (NaN, +Inf and -Inf samples, counters that reset),
backfilled into a real Prometheus. For each: one range query and instants between scrapes, the
drill's answer must equal Prometheus' (same label sets, values within a relative 1e-6: exact data,
so only float association differs); where the drill refuses, Prometheus must refuse too or the
drill must name what it does not evaluate ("not supported in drills"); where Prometheus refuses,
the drill must not answer. A failure prints the query and both answers.
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Callable

import pytest

from tests.drill_backfill import scenario_catalog
from tests.drill_openmetrics import render_lines
from tests.integration.promql_gen import Gen
from tests.integration.sources_servers import PromServer, backfill
from tests.integration.test_promql_differential import PLANS, as_map, as_maps, drill_map, prom_query, same
from warroom.drill.promql import Catalog, PromQLError, evaluate_many
from warroom.drill.promql.catalog import MetricSeries

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

STEP, START, END = 15.0, -3900.0, 1800.0
QUERIES = int(os.environ.get("WARROOM_PROMQL_GENERATED", "400"))    # a few seconds against one Prometheus


def _odd(kind: str) -> Callable[[float], float]:
    """The test's own gauges: values the drill world never holds, at scrape ``k``."""
    cycle = {"nan": [math.nan], "inf": [1.0, math.inf, 2.0], "neginf": [-math.inf, -1.0],
             "mixed": [1.0, math.nan, math.inf, -math.inf, 2.5, 0.0]}[kind]
    return lambda t: cycle[round(t / STEP) % len(cycle)]


def _resets(kind: str) -> Callable[[float], float]:
    """The test's own counters: a saw tooth back to 0 every 10 minutes, or a drop to a smaller value."""
    if kind == "saw":
        return lambda t: 3.0 * (round(t / STEP) % 40)
    return lambda t: 7.0 * (round(t / STEP) % 25) + 100.0 * (round(t / STEP) // 25 % 2)


EXTRA: dict[str, list[tuple[dict[str, str], Callable[[float], float]]]] = {
    "warroom_test_odd": [({"kind": k}, _odd(k)) for k in ("nan", "inf", "neginf", "mixed")],
    "warroom_test_resets_total": [({"kind": k}, _resets(k)) for k in ("saw", "drop")],
}


def _num(v: float) -> str:
    return "NaN" if math.isnan(v) else "+Inf" if v == math.inf else "-Inf" if v == -math.inf else repr(v)


def world(base: float) -> tuple[str, Catalog]:
    """The rate-limit drill (with its plan, so curves bend) plus the test's own series: the
    OpenMetrics backfill and the catalogue the drill evaluates, from the same functions."""
    catalog = scenario_catalog("rate-limit", base, PLANS["rate-limit"])
    times = [START + i * STEP for i in range(int((END - START) / STEP) + 1)]
    lines = [ln for ln in render_lines(catalog, times, timestamps=True) if ln != "# EOF"]
    for name, members in EXTRA.items():
        lines += [f"# HELP {name} test series", f"# TYPE {name} gauge"]
        for labels, get in members:
            text = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
            lines += [f"{text} {_num(get(t))} {catalog.unix(t):.3f}" for t in times]
            catalog.metrics.setdefault(name, []).append(
                MetricSeries(tuple(sorted({"__name__": name, **labels}.items())), name, None, get))
    return "\n".join([*lines, "# EOF"]) + "\n", catalog


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("generated")
    base = math.floor((time.time() - END - 600) / STEP) * STEP
    text, catalog = world(base)
    server = PromServer(work / "server")
    server.config.write_text("global:\n  evaluation_interval: 1m\n")    # Prometheus' default: a subquery's step
    backfill(text, server.tsdb, work)
    with server:
        yield server, base, catalog


def disagreement(server: PromServer, base: float, catalog: Catalog, expr: str) -> str | None:
    """What the drill and Prometheus disagree on for ``expr`` (None: nothing): one range query, then instants."""
    grid = [600.0 + i * 120.0 for i in range(10)]
    # topk/bottomk ties in a Prometheus range query fall in a Go map's order (random): held to its instants
    ties = "topk" in expr or "bottomk" in expr
    pairs = []
    for t in ["range", 1785.0, 1111.1, 1800.0]:
        kind, result = prom_query(server.url, expr, base + grid[0], base + grid[-1], 120.0) if t == "range" \
            else prom_query(server.url, expr, base + t)
        try:
            mine = evaluate_many(catalog, expr, grid if t == "range" else [t], now=END)
        except PromQLError as exc:
            if kind == "error" or "not supported in drills" in str(exc):
                continue
            return f"at {t} the drill refused ({exc}) what Prometheus answered: {str(result)[:300]}"
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:      # a crash is a finding, not a stop
            return f"the drill crashed: {type(exc).__name__}: {exc}"
        if kind == "error":
            return f"Prometheus refused ({result}) at {t}, the drill answered {mine.at(0)!r}"[:400]
        if t != "range":
            pairs.append((str(t), as_map(kind, result), drill_map(mine.at(0))))
        elif not ties:
            pairs += [(f"{g} (range)", want, drill_map(mine.at(j))) for j, (g, want) in
                      enumerate(zip(grid, as_maps(result, base + grid[0], 120.0, len(grid)), strict=True))]
    out = []
    for at, want, got in pairs:
        if set(want) != set(got):
            out.append(f"t={at}: labels: prometheus {sorted(want)[:2]} drill {sorted(got)[:2]}")
        else:
            out += [f"t={at} {dict(lab)}: prometheus {w!r} drill {got[lab]!r}"
                    for lab, w in want.items() if not same(w, got[lab])]
    return "; ".join(out[:3]) or None


def test_generated_queries_answer_as_prometheus_does(prometheus) -> None:
    server, base, catalog = prometheus
    problems = []
    for seed in range(QUERIES):
        expr = Gen(seed).vector(3)
        if (why := disagreement(server, base, catalog, expr)) is not None:
            problems.append(f"seed {seed}: {expr}\n    {why}")
    assert not problems, f"{len(problems)} of {QUERIES} generated queries disagree:\n" + "\n".join(problems[:20])
