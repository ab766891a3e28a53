"""A sample's time in a query answer is a moment, or the answer is damaged (redteam34).

``format_duration`` raises on a span that is no number (NaN, ±Inf: 9a6ad78). A Prometheus answer whose
sample time was ``"-Inf"`` (or a JSON ``-1e999``) made every pane's age infinite, so judging the refresh
raised ``ValueError: not a span: inf`` out of the tracker; ``"NaN"`` made the age a made-up ``0s`` (a
reading called fresh that has no time at all). The query API's parser now refuses such an answer with the
pane's sentence (a QueryError, what every other malformed answer is), and a range point without a moment
is skipped as an unreadable pair is.
"""

from __future__ import annotations

import json

import pytest

from warroom.sources.prom_results import QueryError, _parse_instant, _parse_range

NOW = 1_800_000_000.0
NOT_MOMENTS = ['"NaN"', '"-Inf"', '"+Inf"', "-1e999", "1e999", "NaN", "-Infinity"]


@pytest.mark.parametrize("ts", NOT_MOMENTS)
def test_an_instant_answer_whose_sample_time_is_no_moment_is_refused(ts: str) -> None:
    vector = json.loads(f'[{{"metric": {{"job": "x"}}, "value": [{ts}, "0.5"]}}]')
    with pytest.raises(QueryError, match="time"):
        _parse_instant(vector)
    with pytest.raises(QueryError, match="time"):
        _parse_instant(json.loads(f'[{ts}, "0.5"]'))          # a bare scalar


@pytest.mark.parametrize("ts", NOT_MOMENTS)
def test_a_range_point_whose_time_is_no_moment_is_skipped(ts: str) -> None:
    [(_labels, points)] = _parse_range(json.loads(f'[{{"metric": {{}}, "values": [[{NOW}, "1"], [{ts}, "2"]]}}]'))
    assert points == [(NOW, 1.0)]


@pytest.mark.parametrize("bad", [float("nan"), float("-inf"), float("inf")])
def test_a_sample_from_any_source_with_a_time_that_is_no_moment_is_aged_from_its_fetch(bad: float) -> None:
    """The tracker's own rule, whatever made the sample (a replay, another source): a data or value
    time that is no moment is not known, so the age is the fetch's; never a raise, never a made-up 0s."""
    from warroom.config import default_slos
    from warroom.sources.evaluate import evaluate
    from warroom.sources.model import SloSample

    slo = default_slos()[0]
    fetched = NOW - 90.0
    for sample in (SloSample(slo.id, 1.0, sample_time=bad, fetched_at=fetched),
                   SloSample(slo.id, 1.0, sample_time=fetched, data_time=bad, fetched_at=fetched)):
        [reading] = evaluate([slo], [sample], now=NOW, stale_after=60.0)
        assert reading.age == 90.0 and reading.state == "stale", reading
    # no series now, and the time it stopped is no moment: no data, not "stale, newest sample 0s old"
    [reading] = evaluate([slo], [SloSample(slo.id, None, data_time=bad, fetched_at=fetched)], now=NOW)
    assert reading.state == "nodata" and reading.age is None and "0s old" not in (reading.note or ""), reading
