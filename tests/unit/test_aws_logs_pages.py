"""``aws logs filter-log-events`` as AWS CLI v2 answers it (issue 13 item 5: never silently truncated).

The stand-in stopped at 10,000 events, and without ``--start-time`` searched only the last hour. The CLI pages
through FilterLogEvents and prints every event of the window (no start time: all the group holds); ``--max-items``
stops it and prints the CLI's ``NextToken``, which ``--starting-token`` resumes; ``--page-size`` is each call's
size; ``--limit``, ``--next-token`` or ``--no-paginate`` make it one call, a page of at most 10,000 events and
1 MB, with the API's ``nextToken`` when more remain. ``aws.PAGE`` is made small here so a page ends early."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.standins import aws

T = 1500.0
LOGS = "aws logs filter-log-events --log-group-name /aws/lambda/flowengine --end-time {end}"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(Path(tmp_path_factory.mktemp("aws-pages")), "mass-failure")


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws, "PAGE", (40, 6000))       # 40 events, 6,000 bytes: the byte bound ends most pages


def ask(drill, extra: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def,type-arg]
    line = LOGS.format(end=int(drill.wall_time(T - 5) * 1000)) + " " + extra
    code, out, err = run_one(drill, line.split(), T)
    return code, json.loads(out) if code == 0 else {}, err


def test_every_event_of_the_world_without_a_start_time(drill) -> None:  # type: ignore[no-untyped-def]
    code, got, _ = ask(drill, "")
    events = got["events"]
    assert code == 0 and len(events) > 400 and "NextToken" not in got and "nextToken" not in got
    assert events[0]["timestamp"] < drill.wall_time(T - 3600) * 1000 < events[-1]["timestamp"]   # not the last hour
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    assert ask(drill, "--page-size 7")[1] == got                  # page size: more calls, the same output


def test_one_call_is_a_page_and_its_next_token_reads_on(drill) -> None:  # type: ignore[no-untyped-def]
    every = ask(drill, "")[1]["events"]
    for first in ("--no-paginate", "--limit 25"):
        pages, extra = [], first
        for _ in range(200):
            code, got, err = ask(drill, extra)
            assert code == 0, err
            pages.append(got["events"])
            if "nextToken" not in got:
                break
            extra = f"{first} --next-token {got['nextToken']}"
        assert [e for p in pages for e in p] == every, first
        assert len(pages) > 2 and all(0 < len(p) <= (25 if "limit" in first else 40) for p in pages)
        assert all(sum(len(e["message"].encode()) + 26 for e in p) <= 6000 for p in pages)


@pytest.mark.parametrize("size", ["", "--page-size 3 "])
def test_max_items_prints_the_clis_next_token_and_starting_token_resumes(  # type: ignore[no-untyped-def]
        drill, size: str) -> None:
    every, got, extra = ask(drill, "")[1]["events"], [], ""
    for _ in range(200):
        code, answer, err = ask(drill, f"{size}--max-items 37{extra}")
        assert code == 0 and len(answer["events"]) <= 37, err
        got += answer["events"]
        if "NextToken" not in answer:
            break
        extra = f" --starting-token {answer['NextToken']}"
    assert got == every


@pytest.mark.parametrize("extra, code, said", [
    ("--limit 5 --max-items 3", 252, "Cannot specify --no-paginate along with pagination arguments: --max-items"),
    ("--no-paginate --page-size 3", 252, "Cannot specify --no-paginate along with pagination arguments: --page-size"),
    ("--limit 0", 252, "Invalid value for parameter limit, value: 0, valid min value: 1"),
    ("--limit 10001", 254, "Member must have value less than or equal to"),
    ("--max-items x", 252, "argument --max-items: invalid int value: 'x'"),
    ("--max-items 0", 252, "--max-items"),
    ("--starting-token nope", 255, "Bad starting token: nope"),
    ("--next-token nope", 254, "InvalidParameterException"),
])
def test_paging_arguments_are_checked_as_the_cli_checks_them(  # type: ignore[no-untyped-def]
        drill, extra: str, code: int, said: str) -> None:
    got, _, err = ask(drill, extra)
    assert got == code and said in err, (got, err)
