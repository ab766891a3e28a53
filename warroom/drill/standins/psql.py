"""``psql`` for drills: SQL over the drill's TaskDB (``tasks``, ``audit_logs``, ``pg_stat_activity``).

The tables are generated from the same flows the metrics count, loaded into an in-memory SQLite
database, and the query is run there after translating the handful of PostgreSQL idioms runbooks
use (``now() - interval '1 hour'``, ``ILIKE``, ``::casts``, ``now() - query_start``, ``left()``).
Output follows psql's aligned format (``-A``/``-t``/``-F`` honoured) and its error shapes.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from warroom.drill import fleet
from warroom.drill.activity import unit
from warroom.drill.standins.base import Args, Context, OptionError, flags, parse_args

HOST_IP = "10.20.3.14"
DATABASE = "flowengine_db"

class SqlError(Exception):
    pass


def pg_ts(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"


FLAGS = flags("A|no-align t|tuples-only X q|quiet x w W e no-psqlrc no-password c|command=* f|file=* d|dbname= "
              "U|username= h|host= p|port= F|field-separator= v|set|variable=* P=")
HINT = '\npsql: hint: Try "psql --help" for more information.'


def run(ctx: Context, argv: list[str]) -> int:
    if any(a in ("--help", "-?") for a in argv):
        ctx.out(USAGE)
        return 0
    try:
        args = parse_args(argv, FLAGS, double_dash=False)
    except OptionError as exc:
        long = exc.flag.startswith("--")
        if exc.kind == "needs-value":
            ctx.err(f"psql: error: option '{exc.flag}' requires an argument" if long else
                    f"psql: error: option requires an argument -- '{exc.flag[1]}'")
        else:
            ctx.err((f"psql: error: unrecognized option '{exc.flag}'" if long else
                     f"psql: error: invalid option -- '{exc.flag[1]}'") + HINT)
        return 1
    db = args.text("dbname") or (args.pos[0] if args.pos else "") or DATABASE
    host = args.text("host") or ("/var/run/postgresql" if ctx.in_pod == "postgres" else "taskdb.drill.invalid")
    if db not in (DATABASE, "postgres"):
        where = f'socket "{host}/.s.PGSQL.5432"' if host.startswith("/") else \
            f'server at "{host}" ({HOST_IP}), port 5432'
        ctx.err(f'psql: error: connection to {where} failed: FATAL:  database "{db}" does not exist')
        return 2
    commands = args.all("command")
    scripts = list(commands)
    for f in args.all("file"):
        try:
            scripts.append(sys.stdin.read() if f == "-" else Path(f).read_text())
        except OSError as exc:
            ctx.err(f"psql: error: {f}: {exc.strerror}")
            return 1
    if not scripts:
        if sys.stdin.isatty():
            ctx.err("psql: error: the drill stand-in does not run an interactive session; use -c \"SQL\"")
            return 1
        scripts.append(sys.stdin.read())
    ctx.pause(0.3)
    conn = build_db(ctx)
    status = 0
    for script in scripts:
        for stmt in split_statements(script):
            try:
                render(ctx, conn, stmt, args)
            except SqlError as exc:
                ctx.err(str(exc))
                status = 1
                if commands:
                    return 1
    return status


def split_statements(script: str) -> list[str]:
    """Statements separated by ``;`` outside quotes (an unclosed quote runs to the end)."""
    parts = re.findall(r"""(?:'[^']*(?:'|$)|"[^"]*(?:"|$)|[^;'"])+""", script)
    return [p.strip() for p in parts if p.strip()]


# ------------------------------------------------------------------------------ the database


def build_db(ctx: Context) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA case_sensitive_like = ON")
    now_wall = ctx.at
    conn.create_function("pg_left", 2, lambda s, n: None if s is None else str(s)[: int(n)])
    conn.create_function("pg_age", 1, lambda ts: _interval(now_wall - _parse(ts)) if ts else None)
    conn.execute("""CREATE TABLE tasks (task_id TEXT PRIMARY KEY, repo TEXT, flow_type TEXT, status TEXT,
        error_message TEXT, model TEXT, provider TEXT, context_size_kb INTEGER, duration_s REAL, attempts INTEGER,
        created_at TEXT, updated_at TEXT)""")
    conn.execute("""CREATE TABLE audit_logs (id INTEGER PRIMARY KEY, task_id TEXT, actor TEXT, event TEXT,
        created_at TEXT)""")
    conn.execute("""CREATE TABLE pg_stat_activity (pid INTEGER, datname TEXT, usename TEXT,
        application_name TEXT, client_addr TEXT, backend_start TEXT, query_start TEXT, state TEXT,
        wait_event TEXT, query TEXT)""")
    flows = ctx.activity.flows(ctx.t - 7200, ctx.t, ctx.t)
    retried = {str(a.detail.get("task_id")) for a in ctx.signals.actions if a.detail.get("task_id")}
    task_rows = []
    audit_rows = []
    sig = ctx.signals
    for f in flows:
        start_wall = ctx.wall(f.start)
        end_wall = ctx.wall(f.end)
        task_rows.append((
            f.task_id, f.repo, f.flow_type, f.status, f.error, f.model, f.provider, int(f.context_kb),
            round(f.duration, 1), 2 if f.task_id in retried else 1, pg_ts(start_wall),
            pg_ts(end_wall if f.status != "running" else start_wall)))
        for t, event in ((f.start, "flow.started"), (f.end, f"flow.{f.status}")):
            if f.status == "running" and event != "flow.started":
                continue
            if t <= ctx.t and sig.audit_stalled_since(t) is None:
                audit_rows.append((f.task_id, "flowengine-sa", event, pg_ts(ctx.wall(t))))
    conn.executemany("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", task_rows)
    audit_rows.sort(key=lambda r: r[3])
    conn.executemany("INSERT INTO audit_logs (task_id, actor, event, created_at) VALUES (?,?,?,?)", audit_rows)
    conn.executemany("INSERT INTO pg_stat_activity VALUES (?,?,?,?,?,?,?,?,?,?)", activity_rows(ctx))
    return conn


def activity_rows(ctx: Context) -> list[tuple[object, ...]]:
    """FlowEngine's pooled connections: more (and longer-running) while flows are slow, in
    proportion to the replicas, and none while FlowEngine is scaled to zero."""
    rows = []
    slow = ctx.signals.latency_median(ctx.t) / fleet.LATENCY_MEDIAN
    replicas = ctx.cluster.flowengine.replicas if ctx.signals.running(ctx.t) else 0
    n = round((58 + int(20 * max(0.0, slow - 1.0))) * replicas / fleet.REPLICAS)
    for i in range(n):
        active = i < 3 + int(4 * max(0.0, slow - 1.0))
        started = ctx.at - (0.02 + 0.4 * unit("q", i)) * (slow if active else 1.0)
        query = ("SELECT task_id, payload FROM tasks WHERE status = 'queued' ORDER BY created_at LIMIT 50"
                 if i % 3 else "UPDATE tasks SET status = $1, updated_at = now() WHERE task_id = $2")
        rows.append((41200 + i * 7, DATABASE, "flowengine_user", "flowengine", f"10.42.{i % 4}.{20 + i}",
                     pg_ts(ctx.at - 3600 * (1 + i)), pg_ts(started if active else ctx.at - 30 - i),
                     "active" if active else "idle", "ClientRead" if not active else None, query))
    return rows


def _parse(ts: str) -> float:
    return datetime.strptime(ts[:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC).timestamp()


def _interval(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{sign}{int(h):02d}:{int(m):02d}:{s:09.6f}"


# ------------------------------------------------------------------------------ SQL dialect


_UNITS = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "day": 86400, "week": 604800}


def translate(sql: str, now_wall: float, speed: float = 1.0) -> str:
    """PostgreSQL idioms the runbooks use, rewritten for SQLite.

    Intervals are drill-world durations (``now() - interval '15 minutes'`` is the last fifteen
    minutes of the drill, whatever its speed), like ``--since`` for the other stand-ins.
    """
    now_lit = f"'{pg_ts(now_wall)}'"

    def interval_seconds(text: str) -> float:
        total = 0.0
        for n, u in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text.lower()):
            total += float(n) * _UNITS.get(u.rstrip("s"), 0)
        return total

    def shift(m: re.Match[str]) -> str:
        sign = -1 if m.group(1) == "-" else 1
        return f"'{pg_ts(now_wall + sign * interval_seconds(m.group(2)) / speed)}'"

    now_re = r"(?:now\(\)|current_timestamp|localtimestamp)"
    sql = re.sub(now_re + r"\s*([-+])\s*interval\s*'([^']*)'", shift, sql, flags=re.I)
    sql = re.sub(now_re + r"\s*-\s*([A-Za-z_][A-Za-z0-9_.]*)", r"pg_age(\1)", sql, flags=re.I)
    sql = re.sub(now_re, now_lit, sql, flags=re.I)
    sql = re.sub(r"::\s*[A-Za-z_]+(\s*\(\s*\d+\s*\))?", "", sql)
    sql = re.sub(r"([A-Za-z_][A-Za-z0-9_.]*)\s+(NOT\s+)?ILIKE\s+('(?:[^']|'')*')",
                 lambda m: f"lower({m.group(1)}) {m.group(2) or ''}LIKE lower({m.group(3)})", sql, flags=re.I)
    sql = re.sub(r"\bleft\s*\(", "pg_left(", sql, flags=re.I)
    return sql


def column_name(desc: str) -> str:
    m = re.match(r"^\s*([A-Za-z_]+)\s*\(", desc)
    if m:
        name = m.group(1).lower()
        return {"pg_left": "left", "pg_age": "?column?"}.get(name, name)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", desc.strip()):
        return desc.strip().split(".")[-1]
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*", desc.strip()):
        return desc.strip().split(".")[-1]
    return "?column?"


def render(ctx: Context, conn: sqlite3.Connection, stmt: str, args: Args) -> None:
    if stmt.startswith("\\"):          # psql's own commands (\d, \dt...) are not simulated
        raise SqlError(f"invalid command {stmt.split()[0]}\nTry \\? for help.")
    word = stmt.split(None, 1)[0].upper() if stmt.split() else ""
    sql = translate(stmt, ctx.at, ctx.drill.speed)
    try:
        cur = conn.execute(sql)
    except sqlite3.Error as exc:
        raise SqlError(pg_error(str(exc), stmt)) from None
    if cur.description is None:
        count = cur.rowcount if cur.rowcount >= 0 else 0
        tag = {"INSERT": f"INSERT 0 {count}", "UPDATE": f"UPDATE {count}", "DELETE": f"DELETE {count}"}.get(word, word)
        if word in ("UPDATE", "INSERT", "DELETE"):
            ctx.record("db_write", statement=stmt[:200], rows=count)
        ctx.out(tag)
        return
    headers = [column_name(d[0]) for d in cur.description]
    rows = [list(r) for r in cur.fetchall()]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and bool(rows)
               for i in range(len(headers))]
    if not rows:
        numeric = [h in ("count", "sum", "pid", "duration_s", "context_size_kb", "attempts", "id") for h in headers]
    texts = [["" if v is None else _fmt(v) for v in r] for r in rows]
    tuples_only = bool(args.get("tuples_only"))
    if args.get("no_align"):
        sep = args.text("field_separator", "|")
        if not tuples_only:
            ctx.out(sep.join(headers))
        for r in texts:
            ctx.out(sep.join(r))
        if not tuples_only:
            ctx.out(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
        return
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]
    if not tuples_only:
        ctx.out(" " + " | ".join(h.center(widths[i]) for i, h in enumerate(headers)).rstrip())
        ctx.out("-" + "-+-".join("-" * w for w in widths) + "-")
    for r in texts:
        cells = [v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]) for i, v in enumerate(r)]
        ctx.out((" " + " | ".join(cells)).rstrip())
    if not tuples_only:
        ctx.out(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
        ctx.out("")


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) < 1e15 else repr(v)
    return str(v)


def pg_error(message: str, stmt: str) -> str:
    m = re.search(r"no such table: (\S+)", message)
    if m:
        name = m.group(1)
        pos = stmt.lower().find(name.lower()) + 1
        return f'ERROR:  relation "{name}" does not exist\nLINE 1: {stmt[:80]}\n' + " " * (pos + 7) + "^"
    m = re.search(r"no such column: (\S+)", message)
    if m:
        name = m.group(1)
        pos = stmt.lower().find(name.lower().split(".")[-1]) + 1
        return f'ERROR:  column "{name.split(".")[-1]}" does not exist\nLINE 1: {stmt[:80]}\n' + " " * (pos + 7) + "^"
    m = re.search(r'near "([^"]+)": syntax error', message)
    if m:
        return f'ERROR:  syntax error at or near "{m.group(1)}"\nLINE 1: {stmt[:80]}'
    m = re.search(r"no such function: (\S+)", message)
    if m:
        return (f"ERROR:  function {m.group(1)} does not exist\nHINT:  No function matches the given name and "
                "argument types. You might need to add explicit type casts.")
    if "incomplete input" in message:
        return "ERROR:  syntax error at end of input"
    return f"ERROR:  {message}"


USAGE = """psql is the PostgreSQL interactive terminal (the drill's TaskDB: tasks, audit_logs, pg_stat_activity).

Usage:
  psql [-c COMMAND] [-d DBNAME] [-h HOST] [-U USER] [-A] [-t] [-F SEP] [DBNAME]"""
