"""The drill's Prometheus reads ``time``, ``start``, ``end`` and ``step`` as Prometheus 2.42 does (attack43 A1/A2).

``time=inf`` or ``1e20`` was a Python traceback (``utc_said`` of year 33658), ``nan`` answered "cannot convert float
NaN to integer" and ``time=%201790000000`` was read. Every answer below was Debian's prometheus 2.42 / promtool's
(amd64) on the same request: Go's ``strconv.ParseFloat`` and ``time.Parse`` decide what is a time, and its int64
overflow where a huge or non-finite one is evaluated (the drill's now is 1790000060, so those past stay exact).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill

API = "http://localhost:9090/api/v1"
BAD = "invalid parameter \"time\": Invalid time value for 'time': cannot parse "
INSTANT = {      # time= -> Prometheus' answer to query=1 (a scalar's stamp) or its error
    "inf": -9223372036.854, "-Infinity": -9223372036.854, "NaN": -9223372036.854, "1e20": 0, "-1e20": 0,
    "1_000": 1000, "0x1p30": 1073741824, "-1.5": -1.5, "0.0025": 0.003, "1e18": -6930898827.444,
    "2026-09-21T2:00:00,5Z": 1789956000.5, "2026-09-21T14:00:00%2B99:99": 1789636860, "0000-01-01T00:00:00Z":
    -6826986978.871, "292277025-08-18T07:12:54.999999999Z": -6795364579.679,
    "%201790000000": BAD + '" 1790000000" to a valid timestamp', "%2Bnan": BAD + '"+nan" to a valid timestamp',
    "1e400": BAD + '"1e400" to a valid timestamp', "%D9%A1%D9%A2": BAD + '"١٢" to a valid timestamp',
    "%09": BAD + '"\\t" to a valid timestamp',
    "2023-02-29T00:00:00Z": BAD + '"2023-02-29T00:00:00Z" to a valid timestamp',
}
RANGE = {        # start, end, step -> (HTTP status, the stamps of query=1, or the error)
    ("nan", "inf", "1"): (200, [-9223372036.854]),
    ("0", "1e20", "1"): (400, 'invalid parameter "end": end timestamp must not be before start time'),
    ("0", "1", "nan"): (400, 'invalid parameter "step": zero or negative query resolution step widths are not '
                             "accepted. Try a positive integer"),
    ("0", "1", "inf"): (400, 'invalid parameter "step": cannot parse "inf" to a valid duration. It overflows '
                             "int64"),
    ("0", "1", "1.5m"): (400, 'invalid parameter "step": cannot parse "1.5m" to a valid duration'),
    ("0", "1", "0.0001"): (422, "unexpected error: runtime error: integer divide by zero"),
    ("0.0004", "0.0019", "0.0011"): (200, [0, 0.001, 0.002]),
    ("1e10", "1.001e10", "1d1h"): (200, None),          # 112 stamps from -8446744073.709 (Go's wrap)
}


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> object:
    return create_drill(Path(tmp_path_factory.mktemp("d")), "provider-outage", speed=SPEED, start=START, name="t")


def curl(drill: object, url: str) -> tuple[int, dict]:
    out = run_one(drill, ["curl", "-s", "-w", "\n%{http_code}", url], 600.0)[1]   # type: ignore[arg-type]
    body, code = out.rsplit("\n", 1)
    return int(code), json.loads(body)


def test_instant_times_as_prometheus_reads_them(drill: object) -> None:
    for time, want in INSTANT.items():
        code, body = curl(drill, f"{API}/query?query=1&time={time}")
        got = body["data"]["result"][0] if code == 200 else body["error"]
        assert got == want, (time, body)
    assert curl(drill, f"{API}/query?query=flowengine_flows_queued&time=inf")[1]["data"]["result"] == []
    code, body = curl(drill, f"{API}/query?query=1&time=1e12")        # Prometheus' 3875820019.684: after the drill
    assert code == 400 and body["error"].startswith('invalid parameter "time": 3875820019.684 is after the drill'), body


def test_range_parameters_as_prometheus_reads_them(drill: object) -> None:
    for (start, end, step), (status, want) in RANGE.items():
        code, body = curl(drill, f"{API}/query_range?query=1&start={start}&end={end}&step={step}")
        if status != 200:
            assert (code, body["error"]) == (status, want), (start, end, step)
            continue
        [series] = body["data"]["result"]
        stamps = [t for t, _ in series["values"]]
        assert stamps == want or want is None and stamps[0] == -8446744073.709 and len(stamps) == 112, (start, stamps)


def test_promtool_reads_time_as_promtool_does(drill: object) -> None:
    def promtool(time: str) -> tuple[int, str]:
        code, out, err = run_one(drill, ["promtool", "query", "instant", f"--time={time}",  # type: ignore[arg-type]
                                         "http://localhost:9090", "1"], 600.0)
        return code, out + err
    assert promtool("inf") == (0, "scalar: 1 @[-9223371776]\n")
    assert promtool("-1.5") == (0, "scalar: 1 @[-0.5]\n")          # its model.Time adds the fraction as it reads
    assert promtool(" 5") == (1, 'error parsing evaluation time: cannot parse " 5" to a valid timestamp\n')


def test_a_repeated_parameter_and_a_method_as_prometheus_reads_them(drill: object) -> None:
    """attack43 A4: ``?query=5&query=6`` answered 6 (Prometheus: the first, and a POST body's before the URL's);
    ``PUT`` was answered 200 (Prometheus: 405)."""
    assert curl(drill, f"{API}/query?query=5&query=6&time=100")[1]["data"]["result"] == [100, "5"]
    out = run_one(drill, ["curl", "-s", "-d", "query=7", "-d", "time=100", f"{API}/query?query=8"], 600.0)[1]
    assert json.loads(out)["data"]["result"] == [100, "7"]
    out = run_one(drill, ["curl", "-s", "-X", "PUT", "-w", "%{http_code}", f"{API}/query?query=1"], 600.0)[1]
    assert out == "Method Not Allowed\n405"


def test_promtool_query_range_as_promtool_prints_it(drill: object) -> None:
    """attack43 A3: the README promised ``promtool query range``; the drill's refused it (answers: promtool 2.42's)."""
    def promtool(*argv: str) -> tuple[int, str]:
        code, out, err = run_one(drill, ["promtool", "query", "range", *argv,  # type: ignore[arg-type]
                                         "http://localhost:9090", "vector(1)"], 600.0)
        return code, out + err
    assert promtool("--start=1789000000", "--end=1789000060", "--step=30s") == (
        0, "{} =>\n1 @[1789000000]\n1 @[1789000030]\n1 @[1789000060]\n")
    assert promtool("--start=1789000000", "--end=1789000060", "--step=1d") == (
        1, 'promtool: error: time: unknown unit "d" in duration "1d", try --help\n')
    assert promtool("--start=1789000060", "--end=1789000000") == (1, "start time is not before end time\n")


def test_a_span_between_timestamps_says_it_is_drill_seconds(drill: object) -> None:
    """attack43 A17: ``time() - max(G)`` was 305 while ``time()`` minus ``max(G)`` was 32.6 (x10): a span between two
    timestamps is drill seconds, as the panes read it; the answer now says so in Prometheus' ``warnings``."""
    query = "time() - max(flowengine_audit_log_last_event_timestamp_seconds)"
    _, body = curl(drill, f"{API}/query?query={query}")
    assert body["warnings"] == ["drill at x10: a timestamp here is a wall unix time, but a span between two "
                                "(time() - max(…)) is drill seconds, 10 times the wall's"], body
    assert "warnings" not in curl(drill, f"{API}/query?query=1")[1]


def test_promtool_prints_json_as_promtool_does(drill: object) -> None:
    """attack43 A3 addendum: ``promtool query instant -o json`` was refused ('unknown short flag'); promtool 2.42's."""
    def promtool(*argv: str) -> tuple[int, str]:
        line = ["promtool", "query", *argv[:-1], "http://localhost:9090", argv[-1]]
        code, out, err = run_one(drill, line, 600.0)  # type: ignore[arg-type]
        return code, out + err
    assert promtool("instant", "-o", "json", "--time=1789000000.5", "1") == (0, '[1789000000.5,"1"]\n')
    assert promtool("instant", "--format=json", "--time=1789000000", 'label_replace(vector(1),"a","<x&>é","","")') == (
        0, '[{"metric":{"a":"\\u003cx\\u0026\\u003eé"},"value":[1789000000,"1"]}]\n')
    assert promtool("instant", "-o", "x", "1") == (
        1, "promtool: error: enum value must be one of promql,json, got 'x', try --help\n")


def raw(drill: object, *argv: str) -> str:
    return run_one(drill, ["curl", "-s", "-w", " %{http_code}", *argv], 600.0)[1]  # type: ignore[arg-type]


REAL = {         # request -> Prometheus 2.42's body (and status), as it wrote them (attack43 A4, world44)
    "query?query=vector(1e21)&time=100.5": '{"status":"success","data":{"resultType":"vector","result":[{"metric":'
                                           '{},"value":[100.500,"1e+21"]}]}} 200',
    "query?query=1e21&time=100.5": '{"status":"success","data":{"resultType":"scalar","result":[100.5,'
                                   '"1000000000000000000000"]}} 200',
    "query?query=vector(1e-7)&time=-1.5": '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},'
                                          '"value":[-1.500,"1e-07"]}]}} 200',
    "query_range?query=vector(1e-05)&start=100.01&end=100.3&step=0.1": '{"status":"success","data":{"resultType":'
        '"matrix","result":[{"metric":{},"values":[[100.010,"0.00001"],[100.110,"0.00001"],[100.210,"0.00001"]]}]}}'
        ' 200',
    "query?query=%22a%3Cb%3E%22&time=100": '{"status":"success","data":{"resultType":"string","result":[100,'
                                           '"a\\u003cb\\u003e"]}} 200',
    "query_range?query=%22abc%22&start=100&end=160&step=15": '{"status":"error","errorType":"bad_data","error":'
        '"invalid expression type \\"string\\" for range query, must be Scalar or instant Vector"} 400',
    "query?query=1%201&time=100": '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": '
                                  '1:3: parse error: unexpected number \\"1\\""} 400',
    "query/?query=1&time=100": '<a href="/query?query=1&amp;time=100">Moved Permanently</a>.\n\n 301',
    "/query?query=1&time=100": '<a href="/api/v1/query?query=1&amp;time=100">Moved Permanently</a>.\n\n 301',
    "./query_range/..": "404 page not found\n 404",
}


def test_answers_written_as_prometheus_writes_them(drill: object) -> None:
    """attack43 A4: a sample's stamp has three decimals, its value Go's 'e' past 1e21 (a scalar's 'f'), a string is
    its text (a range of one refused), a parse error is in Prometheus' words at its position, a trailing slash or a
    double one is moved (Go's mux; its router strips the prefix), curl drops ``.`` segments."""
    for request, want in REAL.items():
        assert raw(drill, f"{API}/{request}") == want, request
    unknown = json.loads(raw(drill, f"{API}/query_range?query=up&start=100&end=160&step=15")[:-4])
    assert unknown["data"] == {"resultType": "matrix", "result": []} and unknown["warnings"][0].startswith(
        "no metric 'up' in the drill"), unknown        # Prometheus: an empty matrix (the drill says why)
    assert raw(drill, "-L", f"{API}/query/?query=1") == "404 page not found\n 404"
    assert raw(drill, "-d", "query=1", f"{API}/query/") == " 307"
    assert raw(drill, "-X", "PUT", f"{API}/query/") == "404 page not found\n 404"

    def promtool(*argv: str) -> tuple[int, str]:
        line = ["promtool", "query", *argv[:-1], "http://localhost:9090", argv[-1]]
        code, out, err = run_one(drill, line, 600.0)  # type: ignore[arg-type]
        return code, out + err
    assert promtool("instant", "--time=100", "up") == (0, "\n")                # attack44 A4: a line for none
    assert promtool("range", "--start=100", "--end=160", "--step=15s", "up") == (0, "\n")
    assert promtool("instant", "--time=100", "vector(1e21)") == (0, "{} => 1000000000000000000000 @[100]\n")
    assert promtool("instant", "-o", "json", "--time=100", "vector(1e21)") == (
        0, '[{"metric":{},"value":[100,"1000000000000000000000"]}]\n')
    assert promtool("instant", "--time=100", '"abc"') == (1, 'query error: unmarshalerDecoder: unexpected value type '
        '"string", error found in #10 byte of ...|00,"abc"]}|..., bigger context ...|{"resultType":"string","result":'
        '[100,"abc"]}|...\n')


def test_now_is_never_after_now_and_a_bodiless_redirect_keeps_its_status_line(drill: object) -> None:
    """attack44 A1: with no ``time`` the instant was the drill's now rounded to the millisecond, so half the time it
    was "after the drill's now" and refused (Prometheus: its now, floored); A3: ``-i`` of a POST's 307 (no body, no
    type) dropped the status line with the type's."""
    out = run_one(drill, ["curl", "-s", f"{API}/query?query=1"], 600.006)[1]   # type: ignore[arg-type]
    assert json.loads(out)["status"] == "success", out
    head = raw(drill, "-i", "-X", "POST", f"{API}/query_range/?query=1")
    assert head.startswith("HTTP/1.1 307 Temporary Redirect\r\nlocation: /query_range?query=1\r\n"), head


def test_a_range_querys_parse_error_and_the_url_followed_as_2_42_and_curl_say_them(drill: object) -> None:
    """attack44 A2b: query_range's parse error is the parser's alone in 2.42 (only /query prefixes the parameter);
    A18: ``-L -w '%{url_effective}'`` names the URL last followed, as curl 7.88 does, not the one asked."""
    assert json.loads(raw(drill, f"{API}/query_range?query=&start=100&end=160&step=15")[:-4])["error"] == (
        "1:1: parse error: no expression found in input")
    followed = ("-L", "-w", " %{http_code} %{url_effective}")
    assert raw(drill, *followed, f"{API}/query/?query=1").endswith(" 404 http://localhost:9090/query?query=1")
    assert raw(drill, *followed, "http://localhost:9090//api/v1/query?query=1").endswith(
        " 200 http://localhost:9090/api/v1/query?query=1")
