"""``aws logs describe-log-streams`` as AWS CLI v2 answers it (issue 13 item 5): the streams ``get-log-events`` reads,
as the AWS docs find one (``--order-by LastEventTime --descending``). The stand-in said "Invalid choice".

A stream holds the group's events of one scenario hour (``filter-log-events`` names it for each event); its first and
last event and its ingestion are those events'. The CLI pages through DescribeLogStreams (50 a call) for every stream;
``--limit`` or ``--next-token`` make it one call, with the API's ``nextToken`` when more remain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill

T = 1500.0
BASE = "aws logs describe-log-streams --log-group-name /aws/lambda/flowengine"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(Path(tmp_path_factory.mktemp("aws-streams")), "mass-failure")


def ask(drill, line: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def,type-arg]
    code, out, err = run_one(drill, line.split(), T)
    return code, json.loads(out) if code == 0 else {}, err


def test_the_streams_hold_the_events_filter_log_events_lists(drill) -> None:  # type: ignore[no-untyped-def]
    listed = ask(drill, "aws logs filter-log-events --log-group-name /aws/lambda/flowengine --start-time 0")
    events = listed[1]["events"]
    code, got, _ = ask(drill, BASE)
    streams = got["logStreams"]
    assert code == 0 and [s["logStreamName"] for s in streams] == sorted({e["logStreamName"] for e in events})
    for s in streams:
        mine = [e for e in events if e["logStreamName"] == s["logStreamName"]]
        assert (s["firstEventTimestamp"], s["lastEventTimestamp"], s["lastIngestionTime"]) == (
            mine[0]["timestamp"], mine[-1]["timestamp"], mine[-1]["ingestionTime"])
        assert s["arn"].endswith(f":log-group:/aws/lambda/flowengine:log-stream:{s['logStreamName']}")
    newest = ask(drill, f"{BASE} --order-by LastEventTime --descending --limit 1")[1]
    assert newest["logStreams"] == [max(streams, key=lambda s: s["lastEventTimestamp"])] and "nextToken" in newest
    rest = ask(drill, f"{BASE} --order-by LastEventTime --descending --next-token {newest['nextToken']}")[1]
    assert newest["logStreams"] + rest["logStreams"] == sorted(streams, key=lambda s: -s["lastEventTimestamp"])
    # the newest stream is the one get-log-events reads
    last = ask(drill, f"aws logs get-log-events --log-group-name /aws/lambda/flowengine --log-stream-name "
                      f"{newest['logStreams'][0]['logStreamName']} --limit 1")[1]["events"]
    assert last[0]["timestamp"] == newest["logStreams"][0]["lastEventTimestamp"]


@pytest.mark.parametrize(("extra", "code", "said"), [
    ("--order-by LastEventTime --log-stream-name-prefix 2026", 254, "An error occurred (InvalidParameterException) "
     "when calling the DescribeLogStreams operation: Cannot order by LastEventTime with a logStreamNamePrefix."),
    ("--order-by Size", 254, "An error occurred (InvalidParameterException) when calling the DescribeLogStreams "
     "operation: 1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: Member must "
     "satisfy enum value set: [LogStreamName, LastEventTime]"),
])
def test_what_it_refuses(drill, extra: str, code: int, said: str) -> None:  # type: ignore[no-untyped-def]
    got, _, err = run_one(drill, f"{BASE} {extra}".split(), T)
    assert got == code and said in err, err


def test_a_prefix_and_an_unknown_group(drill) -> None:  # type: ignore[no-untyped-def]
    streams = ask(drill, BASE)[1]["logStreams"]
    prefix = streams[-1]["logStreamName"][:10]
    assert ask(drill, f"{BASE} --log-stream-name-prefix {prefix}")[1]["logStreams"] == [
        s for s in streams if s["logStreamName"].startswith(prefix)]
    code, _, err = run_one(drill, "aws logs describe-log-streams --log-group-name /nope".split(), T)
    assert code == 254 and "(ResourceNotFoundException)" in err and "The specified log group does not exist." in err
