"""The drill's ``psql`` against the real ``psql`` and a real PostgreSQL holding the same rows, byte for byte.

The rows are the stand-in's own: the TaskDB ``psql`` builds at the drill's moment (``tasks``, ``audit_logs``; speed 1,
so a timestamp and an interval are on one clock) is copied into a real server (tests/pgserver.py) under the columns'
types from ``RELATIONS``. The clock is pinned on both sides: the drill's ``now()`` at that moment is a ``drill.now()``
function first on the database's search path (before pg_catalog), so ``now()``, ``now ()`` and ``"now"()`` read the
drill's instant, never the server's wall clock, and the columns' ``DEFAULT now()`` are bound to it too, so ``\\d``
deparses them as ``now()`` as the drill prints them. Each query runs through the real ``psql -X`` and through the
drill's; stdout, stderr (an error's ``LINE n:`` excerpt and caret too) and the exit code must be identical.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.pgserver import ADMIN
from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.standins import Context
from warroom.drill.standins import psql as P

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

T = 600.0                      # the drill's moment: ten minutes into the timeout scenario
TAB = "\t"
# (psql arguments) — a bare string is ``-c STRING``
QUERIES: list[str | tuple[str, ...]] = [
    "\\dt", "\\d tasks", "\\d audit_logs", "\\d", "\\dt task*",
    ("-A", "-c", "\\dt"), ("-t", "-c", "\\d tasks"), ("-x", "-c", "\\d tasks"),
    # the clock, spelt every way a responder types it
    "SELECT count(*) FROM tasks WHERE created_at > now() - interval '10 minutes'",
    "SELECT count(*) FROM tasks WHERE created_at > now()::timestamptz - interval '10 min'",
    "SELECT count(*) FROM tasks WHERE created_at > (now()) - interval '10 minutes'",
    "SELECT count(*) FROM tasks WHERE created_at::date = now()::date",
    "SELECT now()::date - 1, now()::date, CAST(now() AS date), coalesce(NULL, now()) - interval '1 hour'",
    "SELECT 'now()' AS s, 1 AS \"now()\", now (), \"now\"(), now() AT TIME ZONE 'UTC'",
    "SELECT now() AT TIME ZONE 'America/New_York', now()::time, now()::timestamp",
    "SELECT interval '90 minutes', interval '1 day 2 hours', interval '-5 min', interval '1.5 s', now() - now(), "
    "interval '2 days'",
    "SELECT extract(hour from now()), date_part('minute', now()), extract(epoch from interval '100 s')",
    "SELECT extract(epoch from now()), extract(second from now()), extract(minute from interval '90 min'), "
    "date_part('epoch', now())",
    "SELECT now() - interval '1 day 2 hours', now() - interval '1h 30m', interval '1 week'",
    "SELECT now()::text, (now() - interval '1 h')::text, interval '1 h'::text",
    "SELECT now() > '2026-01-01', now() = now(), NULL::timestamptz - interval '1 min'",
    # the rows: timestamps, intervals between them, aggregates, numbers
    "SELECT task_id, created_at, updated_at - created_at AS took FROM tasks ORDER BY created_at DESC LIMIT 5",
    "SELECT max(created_at), now(), now() - max(created_at) AS gap, count(*) FROM audit_logs",
    "SELECT avg(updated_at - created_at), max(now() - created_at) FROM tasks",
    "SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status",
    "SELECT round(avg(duration_s)::numeric, 2), avg(duration_s)::int, 7/2, 3.7::int, (-2.5)::int FROM tasks",
    "SELECT created_at > now() - interval '1 min' AS recent, count(*) FROM tasks GROUP BY 1 ORDER BY 1",
    "SELECT 'a' || (now() - created_at) FROM tasks ORDER BY created_at LIMIT 1",
    "SELECT CASE WHEN status = 'failed' THEN 'bad' ELSE 'ok' END, count(*) FROM tasks GROUP BY 1 ORDER BY 1",
    "SELECT task_id, status, error_message FROM tasks WHERE status = 'failed' AND created_at > now() - interval "
    "'2 hours' ORDER BY created_at",
    "SELECT * FROM audit_logs ORDER BY created_at DESC LIMIT 3",
    "SELECT count(*) FROM tasks WHERE updated_at > coalesce(created_at, '2020-01-01') - interval '5 min'",
    "SELECT duration_s, context_size_kb, attempts FROM tasks ORDER BY created_at LIMIT 3",
    "SELECT E'a\\nbb' AS x, 1 AS y, 'z' AS w",
    "SELECT sum(updated_at - created_at) FROM tasks WHERE status = 'failed'",
    "SELECT count(*) FROM tasks WHERE created_at BETWEEN now() - interval '5 min' AND now()",
    "WITH w AS (SELECT max(created_at) AS m FROM tasks) SELECT now() - m AS gap FROM w",
    "SELECT * FROM (SELECT now() - created_at AS age, task_id FROM tasks ORDER BY age LIMIT 2) x",
    # PostgreSQL's own errors (stdout empty, exit 1)
    "SELECT now() - '10 minutes'",
    "SELECT now() - 1",
    "SELECT interval '10 fortnights'",
    'SELECT count(*) FROM tasks WHERE status = "failed"',          # a double-quoted word is a name
    'SELECT "status", count(*) FROM tasks GROUP BY "status" ORDER BY 1',
    # attackpg37: each answered differently from PostgreSQL before (a name's case, NULLs' order, a type's rules)
    'SELECT "Status", count(*) FROM tasks GROUP BY 1',
    "SELECT t.\"Status\" FROM tasks t WHERE \"TASK_ID\" = 'x'",
    'SELECT status AS "Status", count(*) AS "N" FROM tasks GROUP BY 1 ORDER BY "Status"',
    "SELECT task_id, error_message FROM tasks ORDER BY error_message DESC, task_id LIMIT 2",
    "SELECT task_id, error_message FROM tasks ORDER BY error_message, task_id DESC LIMIT 2",
    "SELECT error_message IS NULL OR NULL AS b, count(*) FROM tasks GROUP BY 1 ORDER BY 1",
    "SELECT count(*) FROM tasks WHERE attempts / 0 > 1",
    "SELECT count(*) FROM tasks WHERE status IN ('failed', 1)",
    "SELECT count(*) FROM tasks WHERE attempts = 'x'",
    "SELECT '1' = 1, substr('failed', -1, 3), count(*)::numeric / 3 > 215, sum(attempts)::float / 7 FROM tasks",
    "SELECT status, round(avg(duration_s)::numeric, 2), round(avg(attempts)), duration_s::numeric(10, 2) FROM tasks "
    "GROUP BY status, duration_s ORDER BY 1, 4 LIMIT 3",
    "SELECT floor(extract(epoch from created_at) / 60) * 60 AS bucket, count(*) FROM tasks GROUP BY 1 ORDER BY 1 "
    "DESC LIMIT 3",
    "SELECT sum(status) FROM tasks",
    "select Status, COUNT(*) from TASKS T group by T.Status order by 1",     # an unquoted name is folded
    'SELECT s FROM (SELECT status AS "S" FROM tasks) x LIMIT 1',      # pg38: only "S" is given, and it is not s
    'SELECT t.status FROM tasks "T" LIMIT 1',
    'SELECT "T".status, count(*) FROM tasks "T" GROUP BY "T".status ORDER BY 1',
    # pg38: psql's LINE and caret under the place PostgreSQL names (a long line cut to 60 columns around it)
    "SELECT 'x'::int",
    "SELECT CASE WHEN 1 THEN 2",
    "SELECT task_id, status, repo, model, provider, error_message, created_at FROM tasks WHERE status = 'failed' "
    "AND fooo = 1 ORDER BY created_at DESC LIMIT 10",
    "SELECT fooo, task_id, status, repo, model, provider, error_message, created_at, updated_at, attempts FROM tasks",
    "SELECT 1;\n  SELECT t.foo\n FROM tasks t;  SELECT 2",
    "SELECT task_id FROM tasks t, audit_logs a LIMIT 1",
    "SELCT 1",
    # pg38: a grouped SELECT reads only what it groups or aggregates (SQLite answered an arbitrary row of each group)
    "SELECT status, count(*) FROM tasks GROUP BY repo",
    "SELECT repo, count(*) FROM tasks GROUP BY repo ORDER BY status",
    "SELECT repo, count(*) FROM tasks GROUP BY repo HAVING max(attempts) > 1 AND status = 'failed'",
    "SELECT count(*), status FROM tasks",
    "SELECT * FROM tasks GROUP BY status",
    "SELECT attempts, count(*) FROM tasks GROUP BY attempts + 1 ORDER BY 1",
    "SELECT a.event, count(*) FROM tasks t JOIN audit_logs a ON a.task_id = t.task_id GROUP BY t.task_id LIMIT 1",
    "SELECT x.status, count(*) FROM (SELECT status, repo FROM tasks) x GROUP BY x.repo",
    "SELECT task_id, status, count(*) FROM tasks GROUP BY task_id ORDER BY task_id LIMIT 2",    # its primary key
    "SELECT t.status, count(*) FROM tasks t JOIN audit_logs a ON a.task_id = t.task_id GROUP BY t.task_id "
    "ORDER BY 2 DESC, 1 LIMIT 1",
    "SELECT upper(lower(status)) || '!' AS x, count(*) FROM tasks GROUP BY lower(status) ORDER BY 1",
    "SELECT status AS s, count(*) FROM tasks GROUP BY s ORDER BY s",
    "SELECT CASE WHEN attempts > 1 THEN 'retry' ELSE 'first' END AS k, count(*) FROM tasks GROUP BY attempts > 1",
    "SELECT tasks.status, count(*) FROM tasks GROUP BY (status) ORDER BY count(*) DESC",
    "WITH f AS (SELECT repo, status, count(*) AS n FROM tasks GROUP BY repo) SELECT * FROM f",
    "SELECT status, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct FROM tasks GROUP BY 1 "
    "ORDER BY 1",
    # pg38: a P95 and a list as an IC types them (ordered-set aggregates, an aggregate's ORDER BY)
    "SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_s), percentile_disc(0.95) WITHIN GROUP "
    "(ORDER BY duration_s) FROM tasks",
    "SELECT status, percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s DESC) AS p50, percentile_cont(0.99) "
    "WITHIN GROUP (ORDER BY duration_s) FILTER (WHERE attempts > 0) FROM tasks GROUP BY status ORDER BY 1",
    "SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY updated_at - created_at), percentile_disc(0.9) WITHIN GROUP "
    "(ORDER BY created_at), mode() WITHIN GROUP (ORDER BY repo) FROM tasks",
    "SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_s) FROM tasks WHERE false",
    "SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY attempts) FROM tasks",
    "SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY status) FROM tasks",
    "SELECT string_agg(task_id, ',' ORDER BY created_at DESC) FROM tasks WHERE status = 'failed'",
    "SELECT repo, string_agg(DISTINCT status, '/'), string_agg(error_message, ' | ' ORDER BY error_message NULLS "
    "FIRST) FROM tasks GROUP BY repo ORDER BY 1",
    "SELECT string_agg(attempts, ',') FROM tasks",
    # pg38: an integer's range (SQLite's 64 bits answered), a subquery in FROM needs its alias
    "SELECT 2147483647 + 1",
    "SELECT 9223372036854775807 + 1",
    "SELECT attempts * 1000000000 FROM tasks ORDER BY attempts DESC LIMIT 1",
    "SELECT 3000000000::int",
    "SELECT count(*) * 2147483647, 2147483647::bigint + 1, id * 3000000000, -2147483647 - 1 FROM audit_logs "
    "GROUP BY id ORDER BY id LIMIT 1",
    "SELECT count(*) FROM (SELECT status FROM tasks WHERE attempts > 1)",
    # pg38: a numeric's digits as PostgreSQL's numeric computes them (SQLite's double printed 15)
    "SELECT avg(attempts), sum(duration_s), avg(duration_s), avg(context_size_kb) FROM tasks",
    "SELECT 1.0/3, 2.0/3, 10.0/3, 1/3.0, 100.0/7, 1e3, 1.50, 2.0 * 3, 1.5 % 1, -1.50",
    "SELECT count(*)::numeric / 3, attempts / 2.0, 100.0 * count(*) FILTER (WHERE status = 'failed') / count(*) "
    "FROM tasks GROUP BY attempts",
    "SELECT status, avg(duration_s) AS a, avg(duration_s)::float, avg(duration_s)::int, avg(duration_s)::text "
    "FROM tasks GROUP BY status ORDER BY a DESC",
    "SELECT (5.0/2)::int, 1.50::text, duration_s::text, (1.0/3)::text FROM tasks ORDER BY task_id LIMIT 1",
    "SELECT duration_s * 2, duration_s / 3, duration_s + 1 FROM tasks ORDER BY task_id LIMIT 2",
    "SELECT (10 % duration_s)::numeric, 7.5 % 2, -7.5 % 2, abs(-2.50), abs(0::real), round(2, 2)::text, "
    "round(1234.5678, -2), coalesce(NULL, 1.50) FROM tasks ORDER BY duration_s LIMIT 2",
    "SELECT attempts::float::text, 0.1::float::text, 7.25::real::text, 'x' || 7::real, 'x' || 2.50, "
    "3::numeric(10,2)::text, 2.345::numeric(10,2), duration_s || 's' FROM tasks ORDER BY task_id LIMIT 2",
    "SELECT round(2), round(attempts), round(-2.5::float), round(0.5::float), round(avg(attempts)), "
    "coalesce(extract(epoch from interval '2 hours'), context_size_kb::float), coalesce(1, 2.5), round(2, 2)::text "
    "FROM tasks GROUP BY attempts, context_size_kb ORDER BY 6 LIMIT 1",
    "SELECT round(round(2), 2)",
    "SELECT extract(epoch from now() - created_at) / abs(-1), round(avg(extract(epoch from updated_at - created_at)), "
    "1), avg(extract(epoch from updated_at - created_at)) FROM tasks GROUP BY created_at ORDER BY 1 LIMIT 1",
    # pg39: syntax PostgreSQL answers that the drill called a syntax error, as an IC types it
    "SELECT public.tasks.status, count(*) FROM public.tasks GROUP BY 1 ORDER BY 1",
    "SELECT t.status, count(*) FROM public.tasks t JOIN public.audit_logs a ON a.task_id = t.task_id GROUP BY 1 "
    "ORDER BY 1",
    "SELECT tasks.status FROM \"public\".\"tasks\" ORDER BY 1 LIMIT 1",
    "SELECT public.tasks.foo FROM public.tasks",
    "SELECT public.tasks.repo, count(*) FROM public.tasks GROUP BY public.tasks.status",
    "SELECT count(*) FROM public.nosuch",
    "SELECT task_id, position('_' in task_id) AS p, strpos(task_id, '0'), position('' in 'abc'), position(NULL in "
    "'a') FROM tasks ORDER BY 1 LIMIT 2",
    "SELECT position('abc', 'b')",
    "SELECT substring(error_message from 1 for 20) AS e, count(*) FROM tasks GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT substring(task_id from 5 for 4), substring(task_id for 3), substring(task_id from 9), substring('failed', "
    "-1, 3), substring('hello' from 0 for 2) FROM tasks ORDER BY task_id LIMIT 2",
    "SELECT substring(error_message from '^[a-z ]+'), substring(error_message from '(\\d+)s'), substring('abc2', '2'), "
    "substring('a b' from '\\yb'), substring('abc' from '[[:alpha:]]+') FROM tasks WHERE error_message IS NOT NULL "
    "ORDER BY 1",
    "SELECT substring('hello' from 2 for -1)",
    "SELECT substring('ab' from 'a|ab'), substring('timeout after 30s' from 'timeout|timeout after [0-9]+s'), "
    "substring('xaab' from 'a*'), substring('aab' from 'a?(a)b'), substring('foo123' from '[0-9]+$'), "
    "substring('ab' from 'a?(?:ab)?'), substring('x' from 'y|z')",
    "SELECT substring(error_message from '[a-z]+|[a-z]+ [a-z]+') FROM tasks WHERE error_message IS NOT NULL GROUP BY 1 "
    "ORDER BY 1",
    "SELECT substring(task_id FOR 3 FROM 2), substring(task_id for 2 from 5) FROM tasks ORDER BY task_id LIMIT 2",
    "SELECT 'foo bar' ~ '[[:<:]]bar', 'bar x' ~ 'bar[[:>:]]', 'foobar' ~ '[[:<:]]bar', 'barx' ~ 'bar[[:>:]]', "
    "'a\\b' ~ 'a\\Bb', 'ab' ~ 'a\\Bb'",
    "SELECT count(*) FROM tasks WHERE error_message ~ '[[:<:]]timeout' OR error_message ~* 'PUSH[[:>:]]'",
    "SELECT sum(attempts) ^ 2, sum(attempts) / count(*), sum(attempts) * 1.5, sum(attempts) / 7, sum(attempts) % 7, "
    "sum(attempts)::text || 'x', sum(attempts) ^ 0.5, sum(count(*)) OVER () FROM tasks",
    "SELECT repo, sum(attempts), sum(attempts) / count(*) AS per, sum(attempts) * 2 ^ 2 FROM tasks GROUP BY 1 ORDER BY 1",
    "SELECT sum(attempts::bigint) ^ 2, sum(attempts) + 2147483647, sum(attempts * 1000000000) FROM tasks",
    "SELECT count(*) FILTER (WHERE error_message ~ 'timeout'), count(*) FILTER (WHERE error_message ~* "
    "'TIMEOUT|reject'), count(*) FILTER (WHERE error_message !~ 'x'), count(*) FILTER (WHERE error_message !~* 'X') "
    "FROM tasks",
    "SELECT count(*) FROM tasks WHERE error_message ~ 'push ('",
    "SELECT count(*) FROM tasks WHERE attempts ~ '1'",
    "SELECT task_id, created_at FROM tasks ORDER BY created_at DESC, task_id FETCH FIRST 3 ROWS ONLY",
    "SELECT task_id FROM tasks ORDER BY created_at DESC, task_id OFFSET 1 ROWS FETCH NEXT ROW ONLY",
    "SELECT task_id FROM tasks ORDER BY task_id OFFSET 645",
    "SELECT task_id FROM tasks ORDER BY task_id LIMIT ALL OFFSET 645",
    "SELECT task_id FROM tasks ORDER BY task_id OFFSET 644 LIMIT 1.5",
    "SELECT task_id FROM tasks ORDER BY task_id LIMIT NULL OFFSET 646",
    "SELECT task_id FROM tasks ORDER BY task_id LIMIT -1",
    "SELECT task_id FROM tasks ORDER BY task_id LIMIT 2 FETCH FIRST 2 ROWS ONLY",
    "SELECT task_id FROM tasks WHERE task_id IN (SELECT task_id FROM tasks ORDER BY 1 FETCH FIRST 2 ROWS ONLY) "
    "ORDER BY 1",
    "SELECT 2 ^ 3, 2 ^ 3 ^ 2, -2 ^ 2, 2 * 3 ^ 2, 2 + 3 ^ 2, 10 ^ -1, 2 ^ 100, 2 ^ 0.5 * 2, (2 ^ 3)::int, 2 ^ 3 || 'x'",
    "SELECT 2.0 ^ 3, 1.5 ^ 2, 2 ^ 3.0, 10.0 ^ -2, 100.0 ^ 0.5, 1.1 ^ 100, 1000.0 ^ 1.5, 0.0001 ^ 0.5, 1e10 ^ 0.5, "
    "0.0 ^ 0, (-2.0) ^ 3",
    "SELECT duration_s ^ 2, attempts ^ 0.5, attempts::float ^ 2, avg(duration_s) ^ 2, count(*) ^ 2 FROM tasks "
    "GROUP BY task_id ORDER BY task_id LIMIT 2",
    "SELECT 1e15::float8, 1e16::float8, 123456789012345.0::float8, 0.0001::float8, 0.00001::float8, 1e300::float8 * 10",
    "SELECT 0 ^ -1",
    "SELECT (-8) ^ 0.5",
    "SELECT 10 ^ 400",
    "SELECT 10::float ^ -400",
    "SELECT status ^ 2 FROM tasks",
    "SELECT status, count(*) FROM tasks WHERE status = ANY(ARRAY['failed', 'running']) GROUP BY 1 ORDER BY 1",
    "SELECT count(*) FILTER (WHERE status = ANY('{failed, \"running\"}')), count(*) FILTER (WHERE status <> ALL("
    "'{failed,NULL}')), count(*) FILTER (WHERE status <> ALL(ARRAY['failed'])), count(*) FILTER (WHERE attempts = "
    "SOME('{1,2}'::int[])), count(*) FILTER (WHERE status = ANY(ARRAY['failed']::text[])) FROM tasks",
    "SELECT count(*) FROM tasks WHERE task_id = ANY(SELECT task_id FROM audit_logs) AND 1 = ANY('{}')",
    "SELECT 1 = ANY(ARRAY[1, NULL]), 2 = ANY(ARRAY[1, NULL]), 2 <> ALL(ARRAY[1, NULL]), 1 = ALL('{}')",
    "SELECT count(*) FROM tasks WHERE status = ANY('failed,running')",
    "SELECT count(*) FROM tasks WHERE status = ANY(ARRAY[])",
    "SELECT count(*) FROM tasks WHERE attempts = ANY(ARRAY['1', '2'])",
    "SELECT count(*) FROM tasks WHERE created_at > ANY(ARRAY['2020-01-01'])",
    "SELECT ARRAY['a b', NULL, '', 'x\"y', 'null', '{}'], ARRAY[1.50, 2], ARRAY[now()], ARRAY[true, NULL], "
    "ARRAY[interval '5 min'], ARRAY[1, 2.5, 1.0/3, 2^0.5], ARRAY[1]::text",
    "SELECT ARRAY[task_id, status] AS a, ARRAY[duration_s, attempts], ARRAY[count(*), 2] FROM tasks GROUP BY task_id "
    "ORDER BY task_id LIMIT 2",
    "SELECT ARRAY[1, 'a']",
    "SELECT left(task_id, 3), right(task_id, 3), right(task_id, -10), right(task_id, 0), left(task_id, -9), "
    "trim('  x '), ltrim(' x') FROM tasks ORDER BY task_id LIMIT 2",
    "SELECT status COLLATE \"C\", 'a' < 'B' COLLATE \"C\" FROM tasks ORDER BY status COLLATE \"POSIX\" DESC LIMIT 1",
    "SELECT count(*) FILTER (WHERE task_id LIKE 'tsk\\_%'), count(*) FILTER (WHERE error_message ILIKE ANY (ARRAY["
    "'%TIMEOUT%', '%rejected%'])), count(*) FILTER (WHERE error_message NOT LIKE ALL ('{%timeout%,%rejected%}')), "
    "'a_c' LIKE 'a\\_c', 'a%' LIKE 'a!%' ESCAPE '!' FROM tasks",
    "SELECT CASE status WHEN 'failed' THEN 1 WHEN 'running' THEN 2 ELSE 0 END AS f, count(*) FROM tasks GROUP BY 1 "
    "ORDER BY 1",
    # pg39: pg38's leftovers: a subquery's ungrouped outer column; a window function groups nothing
    "SELECT t.status, (SELECT count(*) FROM audit_logs a WHERE a.task_id = t.task_id) FROM tasks t GROUP BY t.status",
    "SELECT status FROM tasks GROUP BY status HAVING (SELECT count(*) FROM audit_logs a WHERE a.task_id = "
    "tasks.task_id) > 0",
    "SELECT t.task_id, (SELECT count(*) FROM audit_logs a WHERE a.task_id = t.task_id), (SELECT max(t.attempts) FROM "
    "audit_logs LIMIT 1), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM audit_logs a WHERE a.task_id = t.task_id)) "
    "FROM tasks t GROUP BY t.task_id ORDER BY 1 LIMIT 2",
    "SELECT task_id, count(*) OVER () AS total, max(attempts) OVER (PARTITION BY status) FROM tasks WHERE status = "
    "'failed' ORDER BY 1",
    "SELECT status, sum(attempts) OVER () FROM tasks GROUP BY status",
    "SELECT status, count(*) OVER (PARTITION BY repo) FROM tasks GROUP BY status",
    "SELECT CASE WHEN status = 'failed' THEN round(0, 2) ELSE abs(0) END AS x, CASE WHEN true THEN avg(duration_s) "
    "END, CASE WHEN attempts > 0 THEN 1 ELSE 2.5::float END, avg(CASE WHEN status = 'failed' THEN 1.0 ELSE 0 END) "
    "FROM tasks GROUP BY status, attempts ORDER BY 1, 2 LIMIT 2",
    "SELECT created_at::timestamp(0), created_at::timestamptz(0), created_at::timestamp(3) with time zone, CAST("
    "created_at AS timestamp(2)), '2026-01-01 23:59:59.5+00'::timestamptz(0) FROM tasks ORDER BY 1 LIMIT 2",
    "SELECT created_at::varchar(10) AS d, status::varchar(3), 'abc'::character varying(2), count(*) FROM tasks "
    "GROUP BY 1, 2 ORDER BY 1, 2",
    # pg41: what a responder types to bucket and split in triage (refused by name before)
    "SELECT date_trunc('minute', created_at) m, count(*) FROM tasks GROUP BY 1 ORDER BY 1 LIMIT 3",
    "SELECT count(*) FROM tasks WHERE date_trunc('minute', created_at) = date_trunc('minute', now())",
    "SELECT date_trunc('mins', now()), date_trunc('Hour', now()::timestamp), date_trunc('d', now()::date), "
    "date_trunc('qtr', now()), date_trunc('week', now()), date_trunc('cent', now()), date_trunc('dec', now())",
    "SELECT date_trunc('week', created_at), date_trunc('ms', created_at), date_trunc('second', -(updated_at - "
    "created_at)), date_trunc('minute', interval '90 s') FROM tasks ORDER BY task_id LIMIT 3",
    "SELECT date_trunc('minute', now()) - date_trunc('hour', now()), date_trunc(NULL, now())",
    "SELECT date_trunc('epoch', now())", "SELECT date_trunc('timezone', now())",
    "SELECT date_trunc('minute', NULL)", "SELECT date_trunc(1, now())", "SELECT date_trunc('week', interval '3 d')",
    "SELECT extract(minutes from now()), date_part('hrs', now()), extract(mon from now())",
    "SELECT concat(status, ':', count(*)), concat(true, NULL, 1.50, interval '90 min', now()::date), concat_ws("
    "'-', NULL, status, 2.5::float8) FROM tasks GROUP BY status ORDER BY 1",
    "SELECT concat_ws(NULL, 'a'), concat_ws('-')", "SELECT concat()",
    "SELECT split_part(error_message, ':', 1) AS kind, count(*) FROM tasks WHERE status = 'failed' GROUP BY 1 "
    "ORDER BY 2 DESC, 1",
    "SELECT split_part('a-b-c', '-', -1), split_part('a-b-c', '-', -4), split_part('abc', '', 1), split_part("
    "'a', '-', NULL), split_part('a-b', '-', '2')",
    "SELECT split_part('a-b-c', '-', 0)", "SELECT split_part(5, '-', 1)",
    "SELECT task_id, row_number() OVER (ORDER BY created_at, task_id) FROM tasks ORDER BY created_at, task_id "
    "LIMIT 3",
    "SELECT status, rank() OVER (ORDER BY count(*) DESC), dense_rank() OVER (ORDER BY count(*) DESC), count(*) "
    "FROM tasks GROUP BY status ORDER BY 2, 1",
    "SELECT row_number() FROM tasks",
    "SELECT to_char(created_at, 'HH24:MI') AS minute, count(*) FILTER (WHERE status = 'failed') FROM tasks GROUP BY 1 "
    "ORDER BY 1 DESC LIMIT 3",
    "SELECT to_char(now(), 'YYYY-MM-DD HH12:MI:SS AM TZ OF'), to_char(now(), 'FMDay FMDDth \"of\" Month, Dy Mon "
    "DAY MONTH day month'), to_char(now()::timestamp, 'hh24:mi:ss.ms.us tz Y,YYY'), to_char(now()::date, 'IYYY-IW-ID')",
    "SELECT to_char('2021-01-03 05:06:07.5+00'::timestamptz, 'IYYY IW ID IDDD WW W D J CC Q RM rm FMRM a.m. P.M. "
    "SSSS DDDth Hh24 mI Yyyy Dd FMMS FMUS Dayth'), to_char(now(), NULL)",
    "SELECT to_char(now())", "SELECT to_char(now(), 5)",
    # attack41 A11
    "SELECT to_char(timestamptz '2026-12-05 08:03:04.5+00', 'MS US FF1 FF2 FF3 FF4 FF5 FF6 ff3 FMFF3'), to_char("
    "date '2026-12-05', 'DDSP DDTHSP ddsp'), to_char(date '2026-12-05', '\"Day\" \\\"x'), to_char(timestamp "
    "'2026-12-05 08:03:04', 'TZ OF TZH TZM tz')",
    # pg42: arithmetic on text or a boolean is PostgreSQL's error (attack41 A3), a literal beside a number is one
    "SELECT concat(1) + 1", "SELECT lower('a') + '1'", "SELECT (attempts > 1) * 2 FROM tasks", "SELECT -true",
    "SELECT '1' + '1'", "SELECT '1.5' + 1",
    "SELECT '1' + 1, 2.5 - '1.5', '2' * attempts, 7 / '2', attempts % '2', '0.1' * 3.0 FROM tasks ORDER BY task_id "
    "LIMIT 1",
    # pg42: epochs apart (drill seconds at any speed: test_psql_clock_typed) are at x1 what PostgreSQL says
    "SELECT extract(epoch from now()) - extract(epoch from min(created_at)), extract(epoch from now())::int - "
    "1790000000, (extract(epoch from now()) - 90.5) * 2, extract(epoch from max(created_at)) / 60 - 5, date_part("
    "'epoch', now()) - date_part('epoch', max(created_at)) + 1, 1790000000 - extract(epoch from now())::bigint FROM "
    "tasks",
    # pg42: a double's Infinity and -0, its input's errors (attack41 A2: answered 0)
    "SELECT 'inf'::float8, '+Infinity'::float8, ' -INF '::float8, ' 1.5 '::float8, '1e5'::real, -0.0::float8, "
    "-(0.0::float8), 0.0::float8 * -1",
    "SELECT 'Infinity'::float8 + 1, -'Infinity'::float8, concat('Infinity'::float8, -0.0::float8), ('-0'::float8)"
    "::text",
    "SELECT 'x'::float8", "SELECT '1e400'::float8",
    # pg42: a year before 1000 in four digits, read back (attack41 A4); past six fractional digits rounded (A5)
    "SELECT timestamp '0001-01-03 00:00', date '0099-01-01', timestamptz '0999-12-31 23:59:59.5+00', date "
    "'0099-01-01' + 1, '0010-01-01'::date - 1",
    "SELECT date_trunc('week', timestamp '0001-01-03 00:00'), date_trunc('century', timestamp '0050-06-01'), "
    "date_trunc('decade', date '0999-06-01'), to_char(date '0099-01-01', 'YYYY-MM-DD')",
    "SELECT timestamptz '2026-01-01 00:00:59.9999995+00', timestamp '2026-01-01 00:00:00.1234564', time "
    "'10:00:00.9999999', date_trunc('minute', timestamptz '2026-01-01 00:00:59.9999995+00'), date_trunc("
    "'microseconds', timestamptz '2026-01-01 00:00:00.1234567+00')",
    # minus a negative interval, a negative number of days: the translation wrote "- -300", SQLite's "--" comment
    # (attack42 A26: a false "syntax error at end of input")
    "SELECT timestamptz '2026-01-01 00:00+00' - interval '-5 min', date '2026-01-10' - -3, date '2026-01-10' - "
    "interval '-1 day', count(*) FILTER (WHERE created_at > now() - interval '-1 hour') FROM tasks",
    # pg42: a unit's name is read to its first 10 letters, as PostgreSQL reads it (TOKMAXLEN; attack41 A6)
    "SELECT date_trunc('millenniums', now()), date_trunc('microsecondsx', now()), date_trunc('MILLISECONDSXYZ', "
    "now()), extract(microsecondsx FROM now()), date_part('millisecondss', now())",
    "SELECT date_trunc('minutesx', now())",
    # pg42: window functions' and concat_ws/split_part's rules as PostgreSQL's (attack41 A7), WINDOW and VARIADIC
    "SELECT row_number(1) OVER ()", "SELECT rank(1, 'a') OVER ()", "SELECT sum(row_number() OVER ()) FROM tasks",
    "SELECT task_id FROM tasks WHERE row_number() OVER () = 1",
    "SELECT status FROM tasks GROUP BY status HAVING rank() OVER () = 1",
    "SELECT count(*) FROM tasks GROUP BY row_number() OVER ()",
    "SELECT row_number() OVER w, rank() OVER w FROM tasks WINDOW w AS (ORDER BY task_id) ORDER BY 1 LIMIT 2",
    "SELECT status, count(*), rank() OVER w FROM tasks GROUP BY status WINDOW w AS (ORDER BY count(*) DESC) "
    "ORDER BY 3, 1",
    "SELECT count(*) OVER () FROM tasks WHERE task_id IN (SELECT task_id FROM tasks ORDER BY row_number() OVER () "
    "LIMIT 2)",
    "SELECT concat_ws(1, 'a', 'b')", "SELECT split_part('a,b', ',', 2::bigint)",
    "SELECT split_part('a.b.c', '.', 9999999999)",
    "SELECT concat(VARIADIC ARRAY[1,2]), concat_ws(',', VARIADIC ARRAY['a', NULL, 'b']), concat(VARIADIC ARRAY["
    "true, NULL]), concat_ws(NULL::text, 'a'), concat_ws(status, 1, 2) FROM tasks ORDER BY task_id LIMIT 1",
    # pg42: a window ordered by the grouped expression reads it grouped (attack41 A18)
    "SELECT dense_rank() OVER (ORDER BY date_trunc('minute', created_at)) d, count(*) FROM tasks GROUP BY "
    "date_trunc('minute', created_at) ORDER BY d LIMIT 3",
    "SELECT dense_rank() OVER (PARTITION BY status ORDER BY date_trunc('minute', created_at)) d FROM tasks GROUP BY "
    "date_trunc('minute', created_at)",
    # pg42: min and max of a numeric keep its digits (SQLite's REAL printed 60.0 for 60.0000000000000000)
    "SELECT max(duration_s) / 3, min(duration_s) * 1.5, max(extract(epoch from created_at)) / 60 FROM tasks",
    "SELECT status, max(duration_s), min(duration_s), max(duration_s) - min(duration_s), max(-duration_s) FILTER "
    "(WHERE attempts > 1), min(round(duration_s, 2)) FROM tasks GROUP BY 1 ORDER BY 1",
    # pg42: psql's aligned output puts a tab's spaces (attack41 A7), -A prints the tab
    "SELECT concat(E'a\tb'), E'\tx\n12345678\ty' AS \"h\tx\", 1 AS \"\t\"",
    ("-x", "-c", "SELECT E'a\tb' AS \"x\ty\""), ("-A", "-c", "SELECT E'a\tb' AS \"x\ty\""),
    # pg43: casts read by PostgreSQL's input functions, and its cast table (attack42 A25: SQLite's CAST answered)
    "SELECT 'true'::bool, 'yes'::boolean, ' on '::bool, 'of'::bool, CAST('1' AS bool), '1.5'::float::int, '1e3'::"
    "numeric, ' 1.50 '::numeric, '-0'::numeric, true::int, 5::bool, attempts::text::int + 1, status::text FROM tasks "
    "ORDER BY task_id LIMIT 1",
    "SELECT status::numeric FROM tasks ORDER BY task_id LIMIT 1", "SELECT 1.5::bool",
    # pg43: PostgreSQL's type rules beside the arithmetic (attack42 A24), said in its order (a random differential)
    "SELECT 1 || 2", "SELECT upper(attempts) FROM tasks", "SELECT coalesce(status, 1) FROM tasks",
    "SELECT CASE WHEN 1 THEN 2 END", "SELECT count(*) FROM tasks WHERE attempts", "SELECT true = 'x'",
    "SELECT ((repo)::numeric AND (status BETWEEN 1 AND 2)) FROM tasks",
    "SELECT count(*) FILTER (WHERE 't'), greatest(max(attempts), 2, NULL), least('b', 'a'), coalesce(NULL, '5'), 'x' "
    "|| true, 1 || NULL, +'5', abs('-5'), round('2.5'), (1 > 2) IS UNKNOWN, CASE attempts WHEN '1' THEN 'one' END, "
    "nullif(attempts, '1') FROM tasks GROUP BY attempts ORDER BY attempts LIMIT 2",
    # pg43: a control character as psql's aligned output shows it, a wide character's two columns (attack42 A23)
    "SELECT E'a\\x01b' AS x, E'\\x1b[31m' AS \"h\\x07\", E'c\\rd', E'\\u4e2d\\u6587' AS w",
    # pg43: VARIADIC last and all of concat's, a window named twice or never (attack42 A15, A21); rounding (A4, A5)
    "SELECT concat('a', VARIADIC ARRAY['b'])",
    "SELECT row_number() OVER w FROM tasks WINDOW w AS (ORDER BY task_id), w AS (ORDER BY status)",
    "SELECT round(0.5), round(2.5), round(-2.5), round(0.5::float), round(2.5::float), round(-2.5::float), 0.5::int, "
    "2.5::int, 2.5::float::int, 3.5::float::int, (-2.5)::float::int, 2.5::real::int, 2.5::numeric(10,0), round(2.675,"
    " 2), 0.125::float::numeric(10,2)",
    # pg43: an epoch rounded (x1 here; the drill's clock at x10: test_psql_clock_typed), beside a number (attack42 A1b)
    "SELECT extract(epoch from now())::int - extract(epoch from min(created_at))::int, floor(extract(epoch from max("
    "created_at))), extract(epoch from now())/60 - 5, extract(epoch from now())/60 - 29833333 FROM tasks",
    # pg43b: attack43 A10 (x1 here; x10: test_psql_clock_typed) and A11: a UNION's literal read as its column's type,
    # int2's range, float8's overflow and input range, PostgreSQL 15's numeric literals, a date/time out of range
    "SELECT extract(epoch from max(created_at)) - 1790000000, 1796508612.036593 - 1796508609.119360, count(*) FILTER "
    "(WHERE extract(epoch from created_at) > 1789999900) FROM tasks",
    "SELECT 1 UNION SELECT '1'", "SELECT 1 UNION SELECT 'a'", "SELECT now()::date UNION SELECT '2026-01-01' ORDER BY 1",
    "SELECT 32767::int2 + 1::int2", "SELECT 70000::int2", "SELECT 32767::int2 + 1, 5::int2 * 3::int2",
    "SELECT 1e308::float8 * 10", "SELECT 1e-400::float8", "SELECT 1.5::float8 + 1, 1e5, 1.5e3 x, 0 * 1.5::float8",
    "SELECT 1_000", "SELECT 0x10", "SELECT 1as x", 'SELECT ""', "SELECT '2026-02-30'::date",
    "SELECT '2026-12-05 25:00'::timestamp", "SELECT '2026-13-01'::date",
    ("-x", "-c", "SELECT E'e\\nfff\\n' AS z, E'a\\nb' AS longname, 1 AS w"),      # psql's + marks a value's next line
    # pg44: a numeric's scale through greatest and least; lag, lead and the value window functions (an audit log's
    # gaps), trunc; VARIADIC of a '{...}' literal and of an empty array
    "SELECT greatest(1, 2.50), least(2.50, 3), coalesce(NULL, 2.50), CASE WHEN true THEN 2.50 ELSE 1 END, greatest("
    "duration_s, 2.50, NULL), least(attempts, 0.50), greatest(10, 9.0), least(-1.50, -1.5) FROM tasks ORDER BY "
    "task_id LIMIT 1",
    "SELECT created_at, created_at - lag(created_at) OVER (ORDER BY created_at) AS gap FROM audit_logs ORDER BY gap "
    "DESC NULLS LAST LIMIT 3",
    "SELECT task_id, lag(duration_s, 2, 0) OVER w, lead(attempts, 1, 0.5) OVER w, first_value(status) OVER w, "
    "last_value(duration_s) OVER w, nth_value(task_id, 2) OVER w, ntile(4) OVER w, percent_rank() OVER w, cume_dist("
    ") OVER w FROM tasks WINDOW w AS (ORDER BY task_id) ORDER BY task_id LIMIT 3",
    "SELECT lag(created_at, 1, 'x') OVER () FROM tasks", "SELECT lag(attempts) FROM tasks", "SELECT lag('a') OVER ()",
    "SELECT trunc(2.567, 2), trunc(2.5), trunc(-2.5::float), trunc(2), trunc(1234.5678, -2), trunc(duration_s), "
    "trunc(-duration_s, 0), trunc(attempts, 1) FROM tasks ORDER BY task_id LIMIT 1", "SELECT trunc('x')",
    "SELECT concat(VARIADIC '{a,b}'::text[]), concat_ws('-', VARIADIC '{a,NULL,\"c d\"}'::text[]), concat(VARIADIC "
    "'{1,2}'::int[]), concat_ws(',', VARIADIC '{}'::text[]), concat(VARIADIC ARRAY[]::text[])",
    "SELECT concat(VARIADIC '{a,b}')",
    # pg44: an empty select list (its rows, no column); a UNION's and VALUES' column types as PostgreSQL resolves them;
    # a numeric aggregate's digits over a window; a subquery's or VALUES' columns named in FROM
    "SELECT FROM tasks LIMIT 2", ("-x", "-c", "SELECT"), ("-A", "-c", "SELECT WHERE false"),
    "SELECT DISTINCT FROM tasks",
    "SELECT count(*), EXISTS (SELECT FROM audit_logs WHERE created_at > now() - interval '1 min') FROM (SELECT FROM "
    "tasks) x",
    "SELECT 1.5 UNION SELECT 'a'", "SELECT 'a' UNION SELECT 1.5", "SELECT attempts FROM tasks UNION SELECT status FROM "
    "tasks", "SELECT now() UNION SELECT 1", "SELECT 1 UNION SELECT 1, 2", "SELECT 1 UNION SELECT",
    "SELECT 1 UNION ALL SELECT 2.5 UNION SELECT '3' ORDER BY 1", "VALUES (1), ('a')", "VALUES (1), (2, 3)",
    "SELECT 2.50 UNION SELECT 1 UNION SELECT '1.5' ORDER BY 1", "SELECT status, avg(duration_s) FROM tasks GROUP BY 1 "
    "UNION ALL SELECT 'all', avg(duration_s) FROM tasks ORDER BY 1",
    "VALUES (1, 'a', 1.0), (2, 'b', NULL), (2.50, 'c', 3) ORDER BY 1 DESC LIMIT 2",
    "VALUES (1) UNION SELECT 2 ORDER BY 1",
    "SELECT count(*) FROM tasks WHERE status IN (VALUES ('failed'), ('running'))",
    "SELECT status, count(*) * 100.0 / sum(count(*)) OVER (), avg(count(*)) OVER () FROM tasks GROUP BY 1 ORDER BY 1",
    "SELECT sum(duration_s) OVER (ORDER BY task_id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), avg(duration_s) OVER ("
    "ORDER BY task_id ROWS 2 PRECEDING), min(duration_s) OVER (ORDER BY task_id) FROM tasks ORDER BY task_id LIMIT 3",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s) OVER () FROM tasks",
    "SELECT created_at - lag(created_at) OVER (ORDER BY created_at) > interval '20 s' AS big, count(*) FROM audit_logs "
    "GROUP BY 1", "SELECT 1 + count(*) FILTER (WHERE true) OVER () AS n, count(*) FROM tasks GROUP BY n",
    "SELECT avg(duration_s) FILTER (WHERE status = 'succeeded') OVER (), task_id FROM tasks ORDER BY task_id LIMIT 1",
    "SELECT sum(duration_s) OVER (ORDER BY duration_s RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) FROM tasks ORDER BY "
    "duration_s LIMIT 2",
    "SELECT x + 1, y FROM (VALUES (1, 'a'), (2.5, 'b')) AS v(x, y) ORDER BY x",
    "SELECT * FROM (VALUES (now(), interval '5 min', 'x')) v(t, i)", "SELECT * FROM (VALUES (1)) v(x, y)",
    "SELECT t.task_id, v.label FROM tasks t JOIN (VALUES ('failed', 'bad'), ('running', 'busy')) v(st, label) ON "
    "v.st = t.status ORDER BY 1 LIMIT 2",
    # pg44: a subquery's gap read by percentile_cont and extract outside it (its type is learnt past the outer list)
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap), extract(epoch from avg(gap)) FROM (SELECT created_at - "
    "lag(created_at) OVER (ORDER BY created_at) gap FROM audit_logs) g",
    # pg44: regexp_replace (error messages grouped with their numbers blanked), its flags, its replacement's \\1 and \\&
    "SELECT regexp_replace(error_message, '[0-9]+', 'N', 'g') AS e, count(*) FROM tasks WHERE error_message IS NOT "
    "NULL GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT regexp_replace('abc', 'x*', '-', 'g'), regexp_replace('abc', 'B', 'x', 'i'), regexp_replace('aXbX', 'x', "
    "'_', 'gi'), regexp_replace('a1b22', '([a-z])([0-9]+)', '\\2\\1<\\&>\\\\', 'g'), regexp_replace('aaa', 'a', 'b'), "
    "regexp_replace(NULL, 'a', 'b'), regexp_replace('abc', 'b', NULL), regexp_replace('T 30s', 't', 'x', 'ic')",
    "SELECT regexp_replace('abc', 'b', 'x', 'z')", "SELECT regexp_replace(1, 'b', 'x')",
    # pg44: age() of a span shorter than a month (how long the audit log has been quiet)
    "SELECT age(now(), max(created_at)), age(max(created_at), min(created_at)), age(min(created_at), now()), age(now()"
    "::timestamp, max(created_at)::timestamp), age(now(), '2026-09-21 14:00') FROM audit_logs", "SELECT age(1, 2)",
    # pg44: a CTE's interval read outside it under its own name; a table named last; a time's precision
    "WITH gaps AS (SELECT created_at, created_at - lag(created_at) OVER (ORDER BY created_at) AS gap FROM audit_logs) "
    "SELECT created_at, gap FROM gaps WHERE gap > interval '25 seconds' ORDER BY gap DESC LIMIT 2",
    "WITH last AS (SELECT max(created_at) AS at FROM audit_logs) SELECT count(*) FROM tasks, last WHERE "
    "tasks.created_at > last.at",
    "SELECT min(created_at)::time, max(created_at)::time(0), max(created_at)::time(2) with time zone FROM tasks",
    # pg44: generate_series in FROM: the minutes an audit log's gap holds no row in, and integers
    "SELECT m, count(a.id) FROM generate_series(date_trunc('minute', now()) - interval '10 min', date_trunc('minute', "
    "now()), interval '1 min') m LEFT JOIN audit_logs a ON date_trunc('minute', a.created_at) = m GROUP BY m ORDER "
    "BY m",
    "SELECT x, generate_series.generate_series FROM generate_series(10, 1, -3) AS g(x), generate_series(1, 2) ORDER "
    "BY 1, 2",
    "SELECT count(*) FROM generate_series(1, 3)",      # and a recursive CTE's count (the authorizer refused its read)
    "SELECT * FROM generate_series(1, 10, 0)",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT count(*), max(n) FROM r",
    # fix45: attack44 A23, a set operation's digits and a time's precision typed
    "SELECT 1.0 UNION SELECT 1.00", "SELECT 1.10 INTERSECT SELECT 1.100", "SELECT 1.10 EXCEPT SELECT 2",
    "SELECT 2.50 EXCEPT SELECT 2.5", "SELECT 2.50 UNION SELECT 3 UNION SELECT 2.5 ORDER BY 1",
    "SELECT 1.50, 2 INTERSECT SELECT 1.5, 2.0",
    "SELECT time '01:02:03.456789'::time(2), timetz '01:02:03.456789+00'::timetz(0)",
    "SELECT '01:02:03.456789'::time(3), CAST(time '23:59:59.999' AS time(0)), '01:02:03.25'::timetz(1)",
    # fix46: attack45 X1 and its neighbours: a set operation's rows (numerics equal by value, the first row's digits,
    # INTERSECT first, ALL, parenthesised SELECTs, ORDER BY a position); a type's modifiers (a typed literal's, a
    # precision past 6 and its warning, interval(p), numeric(p), those a type takes none of)
    "SELECT 1.50 UNION SELECT 1.5 UNION ALL SELECT 1.500", "SELECT -0.0 UNION SELECT 0",
    "SELECT 1.0 INTERSECT ALL SELECT 1.00", "SELECT 1.0 EXCEPT ALL SELECT 1.00", "(SELECT 1.0) UNION (SELECT 1.00)",
    "SELECT 1.0 UNION SELECT NULL", "SELECT 0.1 + 0.2 UNION SELECT 0.3", "SELECT 1 UNION SELECT 2 INTERSECT SELECT 2",
    "SELECT 1 EXCEPT SELECT 1 INTERSECT SELECT 2", "(SELECT 1.0) ORDER BY 1",
    "((SELECT 1.0)) UNION ALL ((SELECT 1.00)) ORDER BY 1 DESC", "SELECT count(*) FROM ((SELECT 1) UNION (SELECT 2)) s",
    "SELECT max(duration_s) FROM tasks UNION SELECT max(duration_s) * 1.00 FROM tasks",
    "SELECT attempts FROM tasks UNION SELECT 1.0 ORDER BY 1", "SELECT 1.0 UNION ALL SELECT 1.00 UNION SELECT 1.000",
    "SELECT 1.0::numeric(5,2) UNION SELECT 1", "SELECT 0.0 UNION SELECT -0.0 UNION SELECT 0.00",
    "SELECT 1.0 UNION DISTINCT SELECT 1.00", "SELECT 1.0 UNION SELECT 1.00 UNION ALL SELECT 1.000 ORDER BY 1",
    "SELECT 1.0 EXCEPT ALL SELECT 1.00 UNION ALL SELECT 1.000",
    "SELECT 1 UNION ALL SELECT 1 UNION ALL SELECT 2 EXCEPT ALL SELECT 1",
    "SELECT 1.0 UNION ALL SELECT 1.00 INTERSECT ALL SELECT 1.000", "SELECT 1.0 AS a UNION SELECT 2 ORDER BY a + 1",
    "(SELECT 1) + 1", "SELECT 1 UNION SELECT 2 ORDER BY 0", "SELECT status FROM tasks GROUP BY 2",
    "SELECT duration_s FROM tasks UNION SELECT duration_s * 1.00 FROM tasks ORDER BY 1 DESC LIMIT 2",
    "SELECT time(2) '01:02:03.456', time(0) with time zone '01:02:03.5+00'", "SELECT '01:02:03.456'::time(7)",
    "SELECT '01:02:03.456'::time(-1)",
    "SELECT timestamp(1) '2026-01-01 01:02:03.456', timestamptz(1) '2026-01-01 01:02:03.456'",
    "SELECT '01:02:03.456'::timestamp(7)", "SELECT '01:02:03.456'::time(1.5)",
    "SELECT interval(2) '1.2345 s', '1.2345 s'::interval(2), '-1.2355 s'::interval(3), '1 day 1.5 s'::interval(0)",
    "SELECT 1.55::numeric(3), 1.5::decimal(5), numeric '1.50', numeric(3,1) '1.25'", "SELECT 12345.6::numeric(3,1)",
    "SELECT max(duration_s)::numeric(3,1) FROM tasks", "SELECT '01:02:03.456'::timetz(7)", "SELECT 1::int(4)",
    "SELECT 1::int4(4)", "SELECT 'a'::text(3)", "SELECT 1::float(54)", "SELECT 1::numeric(0)",
    "SELECT 1::numeric(1,2,3)", "SELECT 'a'::varchar(0)", "SELECT 'x'::timestamptz(-1)", "SELECT '1 s'::interval(7)",
    "SELECT time(-1) '01:02:03'", "SELECT 'x'::timestamp", "SELECT 'x'::time", "SELECT 1 UNION ALL SELECT 1, 2",
    "SELECT now() INTERSECT ALL SELECT 1",
    # fix46x8: attack46 X8, a set operation's operand is a plain SELECT: its own ORDER BY / LIMIT / OFFSET / FETCH is
    # a syntax error at the operation (not the whole chain's), after the last one they are the whole result's; and
    # numeric(p, p)'s range is "less than 1"
    "SELECT 1 ORDER BY 1 UNION SELECT 2", "SELECT status FROM tasks ORDER BY 1 UNION SELECT 'x'",
    "SELECT 1 ORDER BY 1 INTERSECT SELECT 1", "SELECT 1 LIMIT 1 UNION SELECT 2",
    "SELECT 1 UNION SELECT 2 LIMIT 1 UNION SELECT 3", "SELECT 1 OFFSET 0 UNION ALL SELECT 2",
    "SELECT 1 FETCH FIRST 1 ROW ONLY EXCEPT SELECT 2", "SELECT 1 LIMIT 1 INTERSECT ALL SELECT 1",
    "select 1 order by 1 desc nulls first except all select 2", "VALUES (1) ORDER BY 1 UNION SELECT 2",
    "SELECT * FROM (SELECT 1 ORDER BY 1 UNION SELECT 2) s", "SELECT 1 UNION SELECT 2 ORDER BY 1 UNION SELECT 3",
    "SELECT 3 UNION SELECT 1 UNION SELECT 2 ORDER BY 1 DESC LIMIT 2 OFFSET 1",
    "SELECT 1 UNION ALL SELECT 2 OFFSET 1", "SELECT 2 INTERSECT SELECT 2 LIMIT 1",
    "SELECT 9.99::numeric(2,2)", "SELECT 1.25::numeric(2,2)", "SELECT 0.999::numeric(2,2)",
    # -x, -A
    ("-x", "-c", "SELECT task_id, created_at FROM tasks ORDER BY created_at LIMIT 2"),
    ("-A", "-c", "SELECT task_id, created_at FROM tasks ORDER BY created_at LIMIT 2"),
]


def _args(q: str | tuple[str, ...]) -> list[str]:
    return ["-c", q] if isinstance(q, str) else list(q)


@pytest.fixture(scope="module")
def loaded(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[str], dict[str, str]]:
    """(the drill, the real psql's argv up to its arguments, its environment): the server holds the drill's rows."""
    # The client binary itself, not Debian's /usr/bin/psql: that is pg_wrapper, a Perl script that picks this same
    # binary and execs it, and its start cost ~23 of the ~29 ms of CPU each of these 409 runs took (suite47)
    psql = str(pg_server.bindir / "psql") if (pg_server.bindir / "psql").exists() else shutil.which("psql")
    if psql is None:
        pytest.skip("the psql client is not installed (postgresql-client)")
    if not pg_server.running:
        pg_server.start()
    drill = warm_drill(tmp_path_factory.mktemp("psqldiff"), "timeout", speed=1.0)
    ctx = Context("psql", [], drill, at=drill.wall_time(T), stdout=io.StringIO(), stderr=io.StringIO())
    taskdb = P.database(ctx)                       # the stand-in's own TaskDB at T: the rows it answers from
    rows = {name: taskdb.execute(f"SELECT * FROM {name}").fetchall() for name in ("tasks", "audit_logs")}
    taskdb.close()
    assert rows["tasks"] and rows["audit_logs"]
    now = P.pg_ts(drill.wall_time(T))
    db = pg_server.new_database()
    with pg_server.admin(db) as conn:
        conn.execute(f'ALTER DATABASE "{db}" SET search_path = drill, pg_catalog, public')
        conn.execute(f"ALTER DATABASE \"{db}\" SET timezone = 'UTC'")
        conn.execute("CREATE ROLE flowengine_user")
        conn.execute("CREATE SCHEMA drill")
        conn.execute(f"CREATE FUNCTION drill.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '{now}'::timestamptz$$")
        conn.execute("SET search_path = drill, pg_catalog, public")   # DEFAULT now() binds drill.now(), as psql reads
        for name, cols in ((n, P.RELATIONS[n]) for n in rows):
            conn.execute(f"CREATE TABLE public.{name} ("
                         + ", ".join(f"{c} {t}{' NOT NULL' if n else ''}{' DEFAULT ' + d if d else ''}"
                                     for c, t, n, d in cols) + f", PRIMARY KEY ({cols[0][0]}))")
            conn.execute(f"ALTER TABLE public.{name} OWNER TO flowengine_user")
            with conn.cursor() as cur, cur.copy(f"COPY public.{name} FROM STDIN") as cp:
                for row in rows[name]:
                    cp.write_row(row)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(PGCONNECT_TIMEOUT="10", LC_ALL="C.UTF-8", PGSYSCONFDIR="/etc/postgresql-common")   # as pg_wrapper sets
    # The same server, database and role through the server's own Unix socket (``--auth-local=trust``), not TCP with
    # TLS and a SCRAM exchange: what a query answers does not depend on the way in, and each of these 409 runs took
    # ~26 ms of the client's CPU by TCP against ~12 ms by the socket (the handshake and 4,096 PBKDF2 rounds).
    return drill, [psql, "-X", f"host={pg_server.base} port={pg_server.port} user={ADMIN} dbname={db}"], env


def test_the_drill_is_given_its_own_moment(loaded: tuple[Any, list[str], dict[str, str]]) -> None:
    """The pin itself: both sides' now() is the drill's instant, not either machine's clock."""
    drill, real, env = loaded
    mine = run_one(drill, ["psql", "-At", "-c", "SELECT now()"], T)
    theirs = subprocess.run([*real, "-At", "-c", "SELECT now()"], capture_output=True, text=True, env=env, timeout=30)
    assert (theirs.returncode, theirs.stdout) == mine[:2] == (0, P.pg_ts(drill.wall_time(T)) + "\n"), theirs.stderr


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: " ".join(_args(q))[:80])
def test_the_drill_prints_what_postgresql_prints(loaded: tuple[Any, list[str], dict[str, str]],
                                                 query: str | tuple[str, ...]) -> None:
    drill, real, env = loaded
    args = _args(query)
    code, out, err = run_one(drill, ["psql", *args], T)
    theirs = subprocess.run([*real, *args], capture_output=True, text=True, env=env, timeout=30)
    assert (out, code, err) == (theirs.stdout, theirs.returncode, theirs.stderr)
