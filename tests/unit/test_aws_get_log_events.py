"""``aws logs get-log-events`` as AWS CLI v2 answers it, from the events ``filter-log-events`` reads (issue 13 item 5).

A runbook reader copies it from the AWS docs with a stream ``filter-log-events`` names; the stand-in said "Invalid
choice". GetLogEvents reads one stream: without a token the last page (``--start-from-head``: the first), at most
``--limit`` events, 10,000 and 1 MB, in time order, with ``nextForwardToken`` (newer) and ``nextBackwardToken`` (older);
at a stream's end a token comes back as it was given. The CLI does not page through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill

T = 1500.0
GROUP = "/aws/lambda/flowengine"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(Path(tmp_path_factory.mktemp("aws-get")), "mass-failure")


def ask(drill, line: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def,type-arg]
    code, out, err = run_one(drill, line.split(), T)
    return code, json.loads(out) if code == 0 else {}, err


@pytest.fixture(scope="module")
def stream(drill) -> tuple[str, list[dict]]:  # type: ignore[no-untyped-def,type-arg]
    """The stream of the drill's first hour and its events as filter-log-events lists them."""
    code, got, _ = ask(drill, f"aws logs filter-log-events --log-group-name {GROUP} --start-time 0")
    name = got["events"][-1]["logStreamName"]
    mine = [{k: e[k] for k in ("timestamp", "message", "ingestionTime")} for e in got["events"]
            if e["logStreamName"] == name]
    assert code == 0 and len(mine) > 30
    return name, mine


def test_the_last_page_and_from_the_head(drill, stream) -> None:  # type: ignore[no-untyped-def]
    name, events = stream
    base = f"aws logs get-log-events --log-group-name {GROUP} --log-stream-name {name}"
    code, got, _ = ask(drill, base)
    assert code == 0 and got["events"] == events and list(got) == ["events", "nextForwardToken", "nextBackwardToken"]
    assert ask(drill, f"{base} --limit 5")[1]["events"] == events[-5:]
    assert ask(drill, f"{base} --limit 5 --start-from-head")[1]["events"] == events[:5]
    assert ask(drill, f"{base} --limit 5 --no-start-from-head")[1]["events"] == events[-5:]


def test_tokens_walk_the_stream_both_ways(drill, stream) -> None:  # type: ignore[no-untyped-def]
    name, events = stream
    base = f"aws logs get-log-events --log-group-name {GROUP} --log-stream-name {name} --limit 7"
    got, walked = ask(drill, f"{base} --start-from-head")[1], []
    for _ in range(100):
        walked += got["events"]
        token = got["nextForwardToken"]
        got = ask(drill, f"{base} --start-from-head --next-token {token}")[1]
        if not got["events"]:
            assert got["nextForwardToken"] == token          # the end: the token given comes back
            break
    assert walked == events
    got, back = ask(drill, base)[1], []
    for _ in range(100):
        back = got["events"] + back
        token = got["nextBackwardToken"]
        got = ask(drill, f"{base} --next-token {token}")[1]
        if not got["events"]:
            assert got["nextBackwardToken"] == token
            break
    assert back == events


def test_a_window_of_time(drill, stream) -> None:  # type: ignore[no-untyped-def]
    name, events = stream
    start, end = events[10]["timestamp"], events[20]["timestamp"]
    got = ask(drill, f"aws logs get-log-events --log-group-name {GROUP} --log-stream-name {name} --start-time {start} "
                     f"--end-time {end}")[1]
    assert got["events"] == [e for e in events if start <= e["timestamp"] < end]      # the end is not in it


@pytest.mark.parametrize(("line", "code", "said"), [
    ("--log-stream-name nope", 254, "An error occurred (ResourceNotFoundException) when calling the GetLogEvents "
                                    "operation: The specified log stream does not exist."),
    ("--log-group-name /aws/lambda/nope --log-stream-name {s}", 254, "An error occurred (ResourceNotFoundException) "
     "when calling the GetLogEvents operation: The specified log group does not exist."),
    ("", 252, "aws: error: the following arguments are required: --log-stream-name"),
    ("--log-stream-name {s} --limit 0", 252, "Invalid value for parameter limit, value: 0, valid min value: 1"),
    ("--log-stream-name {s} --next-token x", 254, "An error occurred (InvalidParameterException) when calling the "
                                                  "GetLogEvents operation: The specified nextToken is invalid."),
])
def test_what_it_refuses(drill, stream, line: str, code: int, said: str) -> None:  # type: ignore[no-untyped-def]
    words = f"aws logs get-log-events {line.format(s=stream[0])}".split()
    if "--log-group-name" not in words:
        words += ["--log-group-name", GROUP]
    got, _, err = run_one(drill, words, T)
    assert got == code and said in err, err
