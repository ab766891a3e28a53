"""psql's clock is typed as PostgreSQL types it (issue 13 item 5, attack36 F5-F8): every spelling of "the last ten
minutes" counts the same rows, a date is a date, and a literal or a quoted name is never looked inside. Before
psql37 the clock was rewritten by a pattern: ``now()::timestamptz - interval '10 min'`` counted every row (647
for 51), ``created_at::date = current_date`` none, ``current_date - 1`` said 2025, ``'now()'`` was a syntax
error, and ``current_timestamp(3)``, ``now ()``, ``"now"()``, ``localtime`` and ``AT TIME ZONE`` were refused."""

from __future__ import annotations

import sqlite3
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill
from warroom.drill.standins import pgsql, psql

T = 600.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return warm_drill(tmp_path_factory.mktemp("clock"), "timeout")


def ask(drill: Drill, sql: str) -> str:
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    assert code == 0 and not err, (sql, err)
    return out.strip()


def stamps(drill: Drill, column: str) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in ask(drill, f"SELECT {column} FROM tasks").splitlines()]


def now(drill: Drill) -> datetime:
    return datetime.fromtimestamp(drill.wall_time(T), UTC)


@pytest.mark.parametrize("since", [
    "now() - interval '10 minutes'", "now()::timestamptz - interval '10 min'", "(now()) - interval '10 minutes'",
    "CAST(now() AS timestamptz) - interval '10 minutes'", "coalesce(NULL, now()) - interval '10 minutes'",
    "now() - '10 minutes'::interval", "now() + interval '-10 minutes'", "now() + '-600 seconds'",
    "current_timestamp - interval '600 s'", "now() - 2 * interval '5 min'", "now() - interval '0:10:00'",
    "pg_catalog.now() - interval '10m'", "now () - interval '10 minutes'", "\"now\"() - interval '10 minutes'",
    "timestamptz 'now' - interval '10 minutes'"])
def test_every_spelling_of_the_last_ten_minutes_counts_the_same_rows(drill: Drill, since: str) -> None:
    """Ten drill minutes back from the drill's now (at x10: one wall minute), however the clock is spelled."""
    edge = now(drill) - timedelta(seconds=600 / drill.speed)
    expected = sum(c > edge for c in stamps(drill, "created_at"))
    assert 0 < expected < len(stamps(drill, "created_at"))
    assert ask(drill, f"SELECT count(*) FROM tasks WHERE created_at > {since}") == str(expected)


def test_a_date_is_a_date(drill: Drill) -> None:
    today = now(drill).date()
    created = stamps(drill, "created_at")
    assert ask(drill, "SELECT count(*) FROM tasks WHERE created_at::date = current_date") == \
        str(sum(c.date() == today for c in created))
    assert ask(drill, "SELECT count(*) FROM tasks WHERE created_at >= now()::date") == \
        str(sum(c.date() >= today for c in created))
    assert ask(drill, "SELECT current_date - 1, now()::date, CAST(now() AS date), current_date - date '2026-01-01', "
                      "current_date + 1 > current_date") == \
        f"{today - timedelta(days=1)}|{today}|{today}|{(today - datetime(2026, 1, 1).date()).days}|t"
    code, out, _ = run_one(drill, ["psql", "-c", "SELECT now()::date, CAST(now() AS date), current_date - 1"], T)
    assert out.splitlines()[0].split("|") == ["    now     ", "    now     ", "  ?column?  "]


def test_a_literal_beside_a_timestamp_is_read_as_one(drill: Drill) -> None:
    """``coalesce(x, '…') - interval`` (attack36 F7: a three-argument coalesce or an internal function's error)."""
    created, updated = stamps(drill, "created_at"), stamps(drill, "updated_at")
    expected = sum(u > c - timedelta(seconds=300 / drill.speed) for c, u in zip(created, updated, strict=True))
    assert ask(drill, "SELECT count(*) FROM tasks WHERE updated_at > coalesce(created_at, '2020-01-01') "
                      "- interval '5 min'") == str(expected)
    edge = now(drill).replace(second=0, microsecond=0)
    text = f"{edge:%Y-%m-%d %H:%M:%S}"
    assert ask(drill, f"SELECT count(*) FROM tasks WHERE created_at > '{text}'::timestamptz - interval '10 min'") == \
        str(sum(c > edge - timedelta(seconds=60) for c in created))
    assert ask(drill, f"SELECT count(*) FROM tasks WHERE created_at BETWEEN '{text}' AND now()") == \
        str(sum(edge <= c <= now(drill) for c in created))
    code, _, err = run_one(drill, ["psql", "-c", "SELECT now() - '10 minutes'"], T)
    assert code == 1 and err.startswith('ERROR:  invalid input syntax for type timestamp with time zone: "10 minutes"')


def test_the_clock_in_every_spelling_postgresql_takes(drill: Drill) -> None:
    at = now(drill)
    clock = f"{at:%Y-%m-%d %H:%M:%S}+00"
    assert ask(drill, "SELECT now(), now (), \"now\"(), pg_catalog.now(), current_timestamp, current_timestamp(3), "
                      "transaction_timestamp()") == "|".join([clock] * 7)
    assert ask(drill, "SELECT localtime, current_time, localtimestamp, now() AT TIME ZONE 'UTC', "
                      "now() AT TIME ZONE 'America/New_York'") == \
        f"{at:%H:%M:%S}|{at:%H:%M:%S}+00|{at:%Y-%m-%d %H:%M:%S}|{at:%Y-%m-%d %H:%M:%S}|" \
        f"{at - timedelta(hours=4):%Y-%m-%d %H:%M:%S}"
    code, out, _ = run_one(drill, ["psql", "-c", "SELECT current_timestamp(3), localtime, now() AT TIME ZONE 'UTC'"], T)
    assert [h.strip() for h in out.splitlines()[0].split("|")] == ["current_timestamp", "localtime", "timezone"]


def test_a_literal_or_a_quoted_name_is_never_looked_inside(drill: Drill) -> None:
    assert ask(drill, "SELECT 'now()' AS s, 'current_date is a keyword', $$now() - interval '1 h'$$") == \
        "now()|current_date is a keyword|now() - interval '1 h'"
    code, out, _ = run_one(drill, ["psql", "-c", 'SELECT 1 AS "now()", 2 AS "current_date", 3 AS "x now() y"'], T)
    assert [h.strip() for h in out.splitlines()[0].split("|")] == ["now()", "current_date", "x now() y"]
    assert ask(drill, "SELECT count(*) FROM tasks WHERE error_message LIKE '%now()%'") == "0"


def test_an_interval_prints_as_postgresql_prints_it(drill: Drill) -> None:
    assert ask(drill, "SELECT interval '90 minutes', interval '1 day 2 hours', interval '-5 min', "
                      "interval '1.5 s', now() - now(), interval '2 days'") == \
        "01:30:00|1 day 02:00:00|-00:05:00|00:00:01.5|00:00:00|2 days"
    # a drill span (x10: ten wall seconds are a hundred drill seconds) and its epoch agree
    assert ask(drill, "SELECT now() - (now() - interval '100 s'), extract(epoch from interval '100 s')") == \
        "00:01:40|100.000000"


def test_two_epochs_apart_are_the_interval_between_them(drill: Drill) -> None:
    """attack41 A17: an epoch is the wall clock's (as the timestamp prints), but two apart are a span, drill seconds
    as the interval is (at x10 the difference of epochs said 1.6 s where the interval said 16 s); a number typed
    beside an epoch is drill seconds where the sum meets another epoch."""
    assert drill.speed != 1
    spans = [float(x) for x in ask(drill, "SELECT extract(epoch from now() - min(created_at)), extract(epoch from "
                                          "now()) - extract(epoch from min(created_at)), extract(epoch from now()) - "
                                          "min(extract(epoch from created_at)), (extract(epoch from now()) + 60) - ("
                                          "extract(epoch from min(created_at)) + 60), date_part('epoch', now()) - "
                                          "date_part('epoch', min(created_at)) FROM tasks").split("|")]
    assert spans[0] > 100 and max(spans) - min(spans) < 1e-4, spans
    counts = ask(drill, "SELECT count(*) FILTER (WHERE extract(epoch from created_at) > extract(epoch from now()) - "
                        "60), count(*) FILTER (WHERE created_at > now() - interval '60 s') FROM tasks").split("|")
    assert counts[0] == counts[1] != "0", counts


def test_epochs_scaled_or_read_through_a_subquery_are_still_drill_seconds(drill: Drill) -> None:
    """attack42 A1: at x10 the difference stayed wall seconds through ``*1000``, ``/60``, a subquery or CTE column, and
    a computed number beside an epoch (``- 30*2`` counted 51 rows where ``- 60`` counted 6)."""
    got = ask(drill, "SELECT extract(epoch from now() - min(created_at)), extract(epoch from now())*1000 - extract("
                     "epoch from min(created_at))*1000, extract(epoch from now())/60 - extract(epoch from "
                     "min(created_at))/60, count(*) FILTER (WHERE extract(epoch from created_at) > extract(epoch "
                     "from now()) - 30*2), count(*) FILTER (WHERE created_at > now() - interval '60 s') FROM tasks"
                     ).split("|")
    span = float(got[0])
    assert span > 100 and abs(float(got[1]) / 1000 - span) < 1e-3 and abs(float(got[2]) * 60 - span) < 1e-3, got
    assert got[3] == got[4] != "0", got
    inner = "SELECT extract(epoch from now()) e, extract(epoch from min(created_at)) s FROM tasks"
    got = ask(drill, f"WITH x AS ({inner}) SELECT e - s, (SELECT e - s FROM ({inner}) y) FROM x").split("|")
    assert all(abs(float(x) - span) < 1e-3 for x in got), (got, span)


def test_an_epoch_rounded_or_in_minutes_keeps_the_drill_clock(drill: Drill) -> None:
    """attack42 A1b: at x10 ``::int`` and ``floor()`` of two epochs rounded each to a wall second, so their difference
    was a multiple of 10 drill seconds; a number beside ``epoch/60`` was lost (5 drill minutes, half a wall minute,
    rounded to none) and a unix time in minutes taken for a span."""
    got = [float(x) for x in ask(drill, "SELECT extract(epoch from now() - min(created_at)), extract(epoch from "
                                        "now())::int - extract(epoch from min(created_at))::int, floor(extract(epoch "
                                        "from now())) - floor(extract(epoch from min(created_at))) FROM tasks"
                                 ).split("|")]
    assert abs(got[1] - got[0]) <= 1 and abs(got[2] - got[0]) <= 1, got
    minutes = int(drill.wall_time(T)) // 60 - 2                    # a unix time in minutes, typed in
    counts = ask(drill, "SELECT count(*) FILTER (WHERE extract(epoch from created_at)/60 > extract(epoch from now())"
                        "/60 - 1), count(*) FILTER (WHERE created_at > now() - interval '60 s') FROM tasks").split("|")
    assert counts[0] == counts[1] != "0", counts
    code, _, err = run_one(drill, ["psql", "-At", "-c", f"SELECT extract(epoch from now())/60 - {minutes}"], T)
    assert code == 1 and err.startswith("drill: an epoch plus or minus a plain number is not simulated"), err


def test_a_plain_number_is_never_on_the_drill_clock(drill: Drill) -> None:
    """attack43 A10: a unix time typed beside an epoch was read as a point by its size (past 1e9), so at x10 an epoch
    minus the very number printed for it a row earlier said 10x the gap. Only what the drill's clock gives is on it:
    two plain numbers subtract as PostgreSQL subtracts them; an epoch compared with one is compared as printed; an
    epoch plus or minus one alone (the number drill seconds or a unix time?) is refused, never a wrong number."""
    first = "(SELECT extract(epoch from created_at) FROM tasks ORDER BY task_id LIMIT 1)"
    printed = ask(drill, f"SELECT {first}")
    unix, past = int(drill.wall_time(T)) - 100, int(drill.wall_time(T)) - 1000
    assert ask(drill, "SELECT 1796508612.036593 - 1796508609.119360, 1796508612 - 1796508609") == "2.917233|3"
    assert ask(drill, f"SELECT count(*) FROM tasks WHERE extract(epoch from created_at) > {past}") == \
        str(sum(c.timestamp() > past for c in stamps(drill, "created_at")))
    code, _, err = run_one(drill, ["psql", "-At", "-c", "SELECT extract(epoch from created_at), extract(epoch from "
                                   "updated_at) - extract(epoch from created_at) FROM tasks LIMIT 1"], T)
    assert code == 0 and err.startswith("NOTICE:  drill ×10: an epoch is the wall clock's unix time"), err   # said
    for sql in (f"SELECT {first} - {printed}", f"SELECT extract(epoch from now())::int - {unix}",
                "SELECT date_part('epoch', now()) - 60", f"SELECT count(*) FROM tasks WHERE extract(epoch from "
                f"updated_at) - {past} > 5", "SELECT extract(epoch from now() - interval '1 s') + 2"):
        code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
        assert (code, out) == (1, "") and err.startswith(
            "drill: an epoch plus or minus a plain number is not simulated at drill speed ×10"), (sql, err)


@pytest.mark.parametrize(("sql", "said"), [
    ("SELECT now() - interval '1 month'", "drill: an interval of month is not simulated"),
    ("SELECT current_time - interval '1 hour'", "drill: arithmetic on a time of day is not simulated"),
    ("SELECT count(*) FROM tasks WHERE repo SIMILAR TO 'a'", "drill: SIMILAR TO is not simulated"),
    ("SELECT substring('XY1234Z', 'Y*?([0-9]{1,3})')",             # PostgreSQL: 1 (the whole RE is non-greedy)
     "drill: substring(... FROM 'Y*?([0-9]{1,3})') is not simulated"),
    ("SELECT substring('abcd' from '(a|ab)(c|bcd)')", "drill: substring(... FROM '(a|ab)(c|bcd)') is not simulated"),
    ("SELECT substring('ab' from 'a?(a)?b?')", "drill: substring(... FROM 'a?(a)?b?') is not simulated"),
    ("SELECT 'a' ~ '[[.a.]]'", "drill: the regular expression '[[.a.]]' is not simulated"),  # no FutureWarning
    ("SELECT now()::regclass", "drill: a cast to regclass is not simulated"),
    ("SELECT max(extract(epoch from created_at) * attempts) - min(extract(epoch from created_at)) FROM tasks",
     "drill: this arithmetic on an epoch is not simulated at a drill speed"),    # attack42 A1: not a wrong number
    ("SELECT 'NaN'::float8", "drill: NaN is not simulated"),          # PostgreSQL: NaN (SQLite's is NULL)
    ("SELECT 'Infinity'::float8 - 'Infinity'::float8", "drill: NaN is not simulated"),   # attack43 A11: was NULL
    ("SELECT current_user", "drill: current_user is not simulated"),    # attack43 A11: 'column does not exist'
    ("SELECT rank(1) WITHIN GROUP (ORDER BY attempts) FROM tasks", "drill: rank() WITHIN GROUP is not"),
    ("SELECT lower(VARIADIC ARRAY['a'])", "drill: VARIADIC is not simulated in lower() (in concat and concat_ws"),
    ("SELECT regexp_replace('abc', 'b', 'x', 2)", "drill: regexp_replace()'s start and N are not simulated"),
    ("SELECT regexp_replace('abcd', '(a|ab)(c|bcd)', 'x')", "drill: regexp_replace(..., '(a|ab)(c|bcd)', ...) is not"),
    ("SELECT age(now(), '2026-01-01')", "drill: age() of 28 days or more is not simulated (a calendar's months"),
    ("SELECT count(*) FROM tasks WHERE created_at > now() - make_interval(mins => 10)", "drill: function "
     "make_interval() is not simulated"),      # pg44: was '- between timestamp with time zone and a value whose type'
    ("SELECT status, count(*) FROM tasks GROUP BY ROLLUP (status)", "drill: GROUP BY ROLLUP, CUBE and GROUPING SETS"),
    ("SELECT count(*) OVER (ORDER BY created_at RANGE BETWEEN interval '1 min' PRECEDING AND CURRENT ROW) FROM "
     "audit_logs", "drill: a RANGE frame with an interval's offset is not"),     # pg44: SQLite answered 1 each
    ("SELECT (ARRAY[1, 2])[1]", "drill: an array's subscript (x[1]) is not simulated"),    # pg44: SQLite's garbled
    ("SELECT (regexp_match('a1', '[0-9]'))[1]", "drill: function regexp_match() is not simulated"),  # syntax error
    ("SELECT date_trunc('day', timestamp '-infinity')", "drill: -infinity as a timestamp without time zone is not"),
    ("SELECT now() - 1", "ERROR:  operator does not exist: timestamp with time zone - integer"),
    ("SELECT interval '10 fortnights'", 'ERROR:  invalid input syntax for type interval: "10 fortnights"'),
    ("SELECT now() AT TIME ZONE 'Mars/Olympus'", 'ERROR:  time zone "Mars/Olympus" not recognized'),
    ("SELECT pg_shift(now(), 1)", "drill: function pg_shift() is not simulated"),
    ("SELECT " + "(" * 200 + "1" + ")" * 200, "drill: an expression nested this deep is not simulated (it reaches "
                                             "SQLite's parser stack overflow)"),      # attack42 A3: SQLite's words
    ("SELECT " + "abs(" * 600 + "1" + ")" * 600, "drill: an expression nested this deep is not simulated (it "
                                                   "reaches Python's recursion limit)"),        # a traceback
])
def test_what_the_drill_does_not_compute_is_refused_by_name(drill: Drill, sql: str, said: str) -> None:
    code, out, err = run_one(drill, ["psql", "-At", "-c", sql], T)
    assert (code, out) == (1, "") and err.startswith(said), err


def test_a_pattern_python_would_warn_about_leaves_no_warning(drill: Drill) -> None:
    """Python's FutureWarning on ``[[`` printed the simulator's source path on the commander's stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_one(drill, ["psql", "-At", "-c", "SELECT 'x' ~ '[[x]', 'foo bar' ~ '[[:<:]]bar', 'a' ~ '[a--]'"], T)
    assert not [w.message for w in caught if issubclass(w.category, FutureWarning)]


# ---------------------------------------------------------------------------------------------- literals, at random
CLOCKS = ["now()", "now ()", '"now"()', "current_date", "current_timestamp(3)", "localtime", "current_time",
          "localtimestamp", "interval '10 minutes'", " - ", "::date", "AT TIME ZONE 'UTC'", "coalesce(", ")", "'",
          '"', "''", "$$", "--", "/*", "*/", ";", "\\", "\n", "E'", ":name"]
texts = st.lists(st.one_of(st.sampled_from(CLOCKS), st.text(st.characters(blacklist_categories=["Cs"],
                                                                          blacklist_characters="\x00"), max_size=4)),
                 max_size=8).map("".join)


def literal(text: str, style: int) -> str:
    if style == 1:
        return "E'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if style == 2 and "$q$" not in text and not text.endswith("$q"):
        return f"$q${text}$q$"
    return "'" + text.replace("'", "''") + "'"


def run(sql: str) -> tuple[list[str], list[object]]:
    query = pgsql.translate(psql.scan(sql)[0], 1_790_000_000.0, psql.KINDS)
    conn = sqlite3.connect(":memory:")
    for name, (n, f) in pgsql.functions(10.0, 1_790_000_000.0, []).items():
        conn.create_function(name, n, f)
    cur = conn.execute(query.sql)
    return [d[0] for d in cur.description], list(cur.fetchone())


@settings(max_examples=300, deadline=None)
@given(text=texts, style=st.integers(0, 2), before=st.sampled_from(["", "now() AS a, ", "current_date - 1, "]),
       after=st.sampled_from(["", ", now() - interval '1 h'", ", 1 AS \"now()\""]))
def test_a_clock_inside_a_literal_or_a_quoted_name_comes_back_as_typed(text: str, style: int, before: str,
                                                                       after: str) -> None:
    """The clock's words anywhere in a literal (plain, E'', dollar-quoted) or a quoted name, beside the clock itself:
    the literal's text is the value, the name the column's header."""
    name = text or "x"                       # a quoted name is never empty
    headers, values = run(f"SELECT {before}{literal(text, style)} AS x, 1 AS \"{name.replace(chr(34), chr(34) * 2)}\""
                          f"{after}")
    at = 1 if before else 0
    assert values[at] == text and headers[at + 1] == name


def test_an_answer_that_shows_a_timestamp_beside_an_interval_says_which_clock_each_is(tmp_path: Path) -> None:
    """redteam36 F8: at x60 one answer showed max(created_at) 16:43:31 and now() 16:43:53 (22 wall seconds apart) and
    their difference 00:22:15. Both are right on their clock (a timestamp is the wall's, as kubectl, aws and the
    timeline print it; an interval drill time, as every duration the drill shows), and the answer now says so."""
    fast = warm_drill(tmp_path, "audit-gap", speed=60.0)
    code, out, err = run_one(fast, ["psql", "-c", "SELECT max(created_at), now(), now() - max(created_at) AS gap "
                                    "FROM audit_logs"], 600.0)
    stamp, clock, gap = (c.strip() for c in out.splitlines()[2].split("|"))
    wall = (datetime.fromisoformat(clock) - datetime.fromisoformat(stamp)).total_seconds()
    h, m, s = gap.split(":")
    assert code == 0 and abs(int(h) * 3600 + int(m) * 60 + float(s) - 60 * wall) < 1e-3
    assert err == ("NOTICE:  drill ×60: a timestamp is the wall clock's, as every tool prints it; an interval is drill "
                   "time, as every duration the drill shows (1 wall second is 60 drill seconds)\n")
    for sql in ("SELECT now() - max(created_at) FROM audit_logs", "SELECT max(created_at), now() FROM audit_logs"):
        assert run_one(fast, ["psql", "-c", sql], 600.0)[2] == ""        # one clock in the answer: nothing to say
    assert run_one(warm_drill(tmp_path / "x1", "audit-gap", speed=1.0), ["psql", "-c", "SELECT now(), now() - now()"],
                   600.0)[2] == ""


def test_columns_are_named_and_aligned_as_a_real_server_names_them(drill: Drill) -> None:
    """A cast of a typed literal is named by its type (``interval '1 h'::text`` is ``text``, a column's or a function's
    cast keeps its name), and a column of NULLs alone is not a number's (no blanks before its empty cell)."""
    code, out, _ = run_one(drill, ["psql", "-c", "SELECT interval '1 h'::text, now()::text, CASE WHEN true THEN 1 END"
                                   "::text, NULL::timestamptz AS n"], T)
    assert [h.strip() for h in out.splitlines()[0].split("|")] == ["text", "now", "text", "n"]
    assert out.splitlines()[2].endswith("| ")
