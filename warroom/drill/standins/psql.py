"""``psql`` for drills: SQL over the drill's TaskDB (``tasks``, ``audit_logs``, ``pg_stat_activity``).

The tables are made from the flows the metrics count, in an in-memory SQLite database; the
PostgreSQL's SQL is read and typed for it (``pgsql``); output and errors are psql's.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import os
import re
import sqlite3
import sys
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from warroom import scenario_time as stime
from warroom.drill import fleet
from warroom.drill.activity import Flow, unit
from warroom.drill.model import Signals
from warroom.drill.standins import pgsql
from warroom.drill.standins.base import Args, Context, ToolError, flags, parse_args, read_input, refuse_unread, utc
from warroom.drill.standins.pgsql import Refusal

DATABASE = "flowengine_db"
TABLES = ("tasks", "audit_logs", "pg_stat_activity")
ANSWERS = "SQL on tasks, audit_logs and pg_stat_activity"     # what a refusal says the drill answers instead
QUERIES = ("SELECT", "WITH", "VALUES", "TABLE")          # what the drill's TaskDB answers
# PostgreSQL 15's other commands (its reference's "SQL Commands"): refused by name, never run
COMMANDS = frozenset("ABORT ALTER ANALYZE BEGIN CALL CHECKPOINT CLOSE CLUSTER COMMENT COMMIT COPY CREATE DEALLOCATE "
                     "DECLARE DELETE DISCARD DO DROP END EXECUTE EXPLAIN FETCH GRANT IMPORT INSERT LISTEN LOAD LOCK "
                     "MERGE MOVE NOTIFY PREPARE REASSIGN REFRESH REINDEX RELEASE RESET REVOKE ROLLBACK SAVEPOINT "
                     "SECURITY SET SHOW START TRUNCATE UNLISTEN UPDATE VACUUM".split())
CHANGES = frozenset("ALTER ANALYZE CALL CLUSTER COMMENT COPY CREATE DELETE DO DROP GRANT IMPORT INSERT LOCK MERGE "
                    "REASSIGN REFRESH REINDEX REVOKE SECURITY TRUNCATE UPDATE VACUUM".split())
FLAGS = flags("A|no-align t|tuples-only X|no-psqlrc q|quiet x|expanded w|no-password W|password e|echo-queries "
              "c|command=* f|file=* 1|single-transaction d|dbname= U|username= h|host= p|port= F|field-separator= "
              "v|set|variable=* P|pset=* o|output=")     # -o FILE refused by name: it writes no file (redteam49 F7)
# -X and -w are taken and change nothing: the drill's psql reads no ~/.psqlrc and its TaskDB asks no password
# (-W, which makes psql prompt for one, is refused); -P pager=... neither, as output never goes to a pager here.
INERT = {"no_psqlrc", "no_password"}
READS = {"no_align", "tuples_only", "quiet", "expanded", "echo_queries", "command", "file", "single_transaction",
         "dbname", "username", "host", "port", "field_separator", "set", "pset", *INERT}
ROLES = ("flowengine_user", "postgres")      # the TaskDB's roles (a drill step's PGUSER is flowengine_user)
# a literal or quoted name as PostgreSQL's lexer reads it: E'' takes backslash escapes, $tag$...$tag$ anything
QUOTED = re.compile(r"""(?s)(?<![\w$])[Ee]'(?:[^'\\]|\\.|'')*'?|'(?:[^']|'')*'?|"(?:[^"]|"")*"?"""
                    r"""|(?<![\w$])\$((?:[A-Za-z_]\w*)?)\$.*?(?:\$\1\$|$)""")
# PostgreSQL's functions the TaskDB computes as PostgreSQL does (``like``: the LIKE operator; ``pg_``: ``pgsql``'s)
FUNCTIONS = pgsql.COMPUTED | {"like"} | set(pgsql.functions(1, 0, [])) | set(pgsql.aggregates([]))
TX_CONTROL = re.compile(r"(?is)(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b(?:\s+(?:WORK|TRANSACTION)\b)?(.*)")
TX_REFUSED = re.compile(r"(?is)(SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|SET\s+TRANSACTION)\b")
ABORTED = "ERROR:  current transaction is aborted, commands ignored until end of transaction block"
DISPLAY, RIGHT_CUT = 60, 10               # libpq's: an error's line is cut to 60 columns, 10 kept right of the caret
STEPS = 50_000_000                        # SQLite VM steps one statement may take (a runbook query: < 0.1%)
HINT = '\npsql: hint: Try "psql --help" for more information.'
WORDS = {"unknown": "psql: error: unrecognized option '{flag}'" + HINT,
         "unknown-short": "psql: error: invalid option -- '{letter}'" + HINT,
         "needs-value": "psql: error: option '{flag}' requires an argument",
         "needs-value-short": "psql: error: option requires an argument -- '{letter}'"}
OWNER = "flowengine_user"
TIMESTAMP = "timestamp with time zone"
# The TaskDB's relations as ``\\d`` describes them, each column (name, type, nullable, default) as psql serves it;
# the first column of a table is its primary key. pg_stat_activity is PostgreSQL's view: the drill serves ten of its
# columns.
RELATIONS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "tasks": (("task_id", "text", "not null", ""), ("repo", "text", "not null", ""),
              ("flow_type", "text", "not null", ""), ("status", "text", "not null", ""),
              ("error_message", "text", "", ""),
              ("model", "text", "", ""), ("provider", "text", "", ""), ("context_size_kb", "integer", "", ""),
              ("duration_s", "numeric(10,1)", "", ""), ("attempts", "integer", "not null", ""),
              ("created_at", TIMESTAMP, "not null", "now()"), ("updated_at", TIMESTAMP, "not null", "now()")),
    "audit_logs": (("id", "bigint", "not null", ""), ("task_id", "text", "not null", ""),
                   ("actor", "text", "not null", ""),
                   ("event", "text", "not null", ""), ("created_at", TIMESTAMP, "not null", "now()")),
    "pg_stat_activity": (("pid", "integer", "", ""), ("datname", "name", "", ""), ("usename", "name", "", ""),
                         ("application_name", "text", "", ""), ("client_addr", "inet", "", ""),
                         ("backend_start", TIMESTAMP, "", ""), ("query_start", TIMESTAMP, "", ""),
                         ("state", "text", "", ""), ("wait_event", "text", "", ""), ("query", "text", "", ""))}
# each column's type as ``pgsql`` types it (a timestamp is the clock's; text and numbers SQLite computes alike)
KINDS = {c: {TIMESTAMP: "timestamptz", "integer": "int", "bigint": "int", "numeric(10,1)": "num"}.get(t, "text")
         for cols in RELATIONS.values() for c, t, _, _ in cols}
COLUMNS = {name: tuple(c for c, _, _, _ in cols) for name, cols in RELATIONS.items() if name in TABLES[:2]}
WIDE = frozenset(c for cols in RELATIONS.values() for c, t, _, _ in cols if t == "bigint")
SQLITE = {"text": "TEXT", "int": "INTEGER", "num": "REAL", "timestamptz": "TEXT"}
SCHEMA = "".join(
    f"CREATE TABLE {name} ({', '.join(f'{c} {SQLITE[KINDS[c]]}' for c, _, _, _ in cols)}"
    + f", PRIMARY KEY ({cols[0][0]})" * (name in TABLES[:2]) + ");\n" for name, cols in RELATIONS.items())
LIKE = "PRAGMA case_sensitive_like = ON"       # PostgreSQL's LIKE: a connection's setting, not the file's
IMAGES = 4              # the moments of one world whose tables are kept (``image``)


@functools.lru_cache(maxsize=4096)
def pg_ts(wall: float) -> str:
    """A wall time as the TaskDB stores a timestamp: kept, as every TaskDB built (one a command) wrote the same
    moments again, two a task and one an audit event (a tenth of the stand-ins' time)."""
    return pgsql.form(utc(wall), "timestamptz")


def run(ctx: Context, argv: list[str]) -> int:
    args = parse_args(argv, FLAGS, double_dash=False, words=WORDS)
    refuse_unread(args.opts, READS, "psql", "psql: error: ", table=FLAGS)
    variables, stop = settings(args)
    given = conninfo(args.text("dbname") or (args.pos[0] if args.pos else ""))   # it overrides -h, -p, -U
    # PGHOST, PGPORT, PGUSER and PGDATABASE are the defaults of -h, -p, -U and -d, as libpq reads them (redteam49
    # F11: PGHOST=127.0.0.1 answered from the TaskDB where -h 127.0.0.1 was refused); not inside a pod, whose
    # environment is its own (``kubectl exec`` carries none of the shell's)
    env = {} if ctx.in_pod else {k: v for k, v in os.environ.items() if k.startswith("PG") and v}
    db = given.get("dbname") or env.get("PGDATABASE") or DATABASE
    user = given.get("user") or args.text("username") or (args.pos[1:] or [env.get("PGUSER") or ROLES[0]])[0]
    port = given.get("port") or args.text("port") or env.get("PGPORT") or "5432"
    inside = ctx.in_pod is not None and ctx.in_pod.deployment == "postgres"      # its socket and localhost
    host = given.get("host") or args.text("host") or env.get("PGHOST") or (
        "/var/run/postgresql" if inside else "taskdb.drill.invalid")
    local = host.startswith("/") or host in ("localhost", "127.0.0.1")
    where = (f'server on socket "{host}/.s.PGSQL.{port}"' if host.startswith("/") else
             f'server at "{host}" ({"127.0.0.1" if local else "10.20.3.14"}), port {port}')
    if host not in ("taskdb.drill.invalid", "postgres" if ctx.in_pod else "") and not local:    # a service: in-cluster
        raise ToolError(f'psql: error: could not translate host name "{host}" to address: Name or service not known', 2)
    # nothing listens there; or the TaskDB has no pod running: the one rule the curves read
    if (local and not inside) or port != "5432" or not ctx.signals.task_store(ctx.t):
        raise ToolError(f"psql: error: connection to {where} failed: Connection refused\n\tIs the server running "
                        "on that host and accepting TCP/IP connections?", 2)
    for what, name, known in (("role", user, ROLES), ("database", db, (DATABASE, "postgres"))):
        if name not in known:
            raise ToolError(f'psql: error: connection to {where} failed: FATAL:  {what} "{name}" does not exist', 2)
    todo = [(k, v) for k, v in args.given if k in ("command", "file")]     # in command-line order, as psql >= 9.6
    if not todo:
        if sys.stdin.isatty():
            raise ToolError("psql: error: the drill stand-in does not run an interactive session; use -c \"SQL\"")
        todo.append(("stdin", "-"))
    ctx.pause(0.3)
    return session(ctx, database(ctx), todo, args, variables, stop)


class Transaction:
    """The session's transaction block as PostgreSQL keeps it. Outside a block each ``-c`` string is one
    implicit transaction and each script statement commits on its own; ``BEGIN`` (or ``-1``) opens a block
    that spans actions until ``COMMIT`` or ``ROLLBACK``, and an error aborts it: every statement after that
    is refused until it ends. The TaskDB takes no write (:class:`TaskDB`), so a block has nothing to keep
    or undo: it is what psql says, and which statements it refuses."""

    def __init__(self, block: str | None = None) -> None:
        self.block = block             # None, "open" or "aborted"

    def control(self, stmt: str) -> tuple[str, str | None] | None:
        """``stmt``'s command tag and warning when it is BEGIN, COMMIT or ROLLBACK (and their other spellings); None for
        any other statement. Savepoints, two-phase commit and chaining are refused, not half simulated."""
        if (m := TX_CONTROL.fullmatch(stmt)) is None:
            if TX_REFUSED.match(stmt):
                raise Refusal(f"drill: {stmt.split()[0].upper()} is not simulated (BEGIN, COMMIT and ROLLBACK are)")
            return None
        word, rest = " ".join(m[1].upper().split()), m[2].upper()
        if word in ("BEGIN", "START TRANSACTION"):
            if self.block == "aborted":
                raise ToolError(ABORTED)
            if self.block == "open":
                return word, "WARNING:  there is already a transaction in progress"
            self.block = "open"
            return word, None
        if rest.strip():
            raise Refusal(f"drill: {word} {' '.join(m[2].split()[:2])} is not simulated (plain BEGIN, COMMIT and "
                          "ROLLBACK are)")
        commit = word in ("COMMIT", "END") and self.block != "aborted"
        warning = None if self.block else "WARNING:  there is no transaction in progress"
        self.block = None
        return ("COMMIT" if commit else "ROLLBACK"), warning


def session(ctx: Context, conn: TaskDB, todo: list[tuple[str, str]], args: Args,
            variables: dict[str, str], stop: bool) -> int:
    """psql's actions one after the other, as psql 15 runs them (checked against a real server): a ``-c`` string is one
    request, so one transaction unless a block is open (an error ends it and skips the rest of the string); a script
    runs statement by statement; ``-1`` opens a block around the whole run. An error inside a block aborts it: each
    statement after it is refused until COMMIT (which then rolls back) or ROLLBACK. An error ends only its action,
    unless ON_ERROR_STOP; the exit code is the last action's: 1 for a failed ``-c``, and a script's error counts only
    under ON_ERROR_STOP (3)."""
    tx, code = Transaction("open" if args.get("single_transaction") else None), 0
    for kind, value in todo:
        code, text, place = 0, value, None       # place: the script's name errors carry ("-f -": <stdin>)
        if kind != "command":
            try:
                text = interpolate(read_input(value, "psql: error: out of memory"), variables)   # -c skips :name
            except OSError as exc:               # a directory: psql opens it (fopen does), then its first read fails
                code = 1
                ctx.err(f"psql:{value}: error: could not read from input file: {exc.strerror}"
                        if isinstance(exc, IsADirectoryError) else f"psql: error: {value}: {exc.strerror}")
            place = None if kind == "stdin" else "<stdin>" if value == "-" else value
        elif args.get("echo_queries"):           # -e: a -c string is sent (and echoed) whole
            ctx.out(text)
        for raw, end in statements(text if code == 0 else ""):
            if not (stmt := raw.strip()):
                continue
            where = f"psql:{place}:{text.count(chr(10), 0, end) + 1}: " if place else ""
            if kind != "command" and args.get("echo_queries"):
                ctx.out(stmt + ";" * text.startswith(";", end))
            try:
                if (said := tx.control(scan(stmt)[0].strip())) is not None:
                    tag, warning = said
                    if warning:
                        ctx.err(where + warning)
                    if not args.get("quiet"):
                        ctx.out(tag)
                    continue
                if tx.block == "aborted":
                    raise ToolError(ABORTED)
                # what the server was sent, where psql finds the line an error is on: a -c string whole, a script's
                # statement from its first word to its ";"
                sent, at = (text, end - len(raw.lstrip())) if kind == "command" else (
                    stmt + ";" * text.startswith(";", end), 0)
                try:
                    render(ctx, conn, stmt, args, lambda w: ctx.err(where + placed(str(w), sent, at + w.at)))
                except pgsql.PgError as exc:
                    raise ToolError(placed(str(exc), sent, at + exc.at)) from None
            except Refusal:
                raise
            except ToolError as exc:
                if tx.block:
                    tx.block = "aborted"
                ctx.err(where + str(exc))
                code = 1 if kind == "command" else 3 * stop
                if kind == "command" or stop:
                    break
        if code and stop:
            break
    if args.get("single_transaction") and not tx.block:    # -1's own COMMIT, after the run closed its block
        ctx.err("WARNING:  there is no transaction in progress")
    return code


def conninfo(text: str) -> dict[str, str]:
    """DBNAME as psql reads it: a URI (``postgresql://user:pw@host:port/db``), ``key=value`` pairs, or a name."""
    if text.startswith(("postgres://", "postgresql://")):
        url = urlsplit(text)
        try:
            port = str(url.port or "")
        except ValueError:
            raise ToolError(f'psql: error: invalid port number in URI "{text}"', 2) from None
        return {k: v for k, v in {"user": url.username, "host": url.hostname, "port": port,
                                  "dbname": url.path.lstrip("/")}.items() if v}
    return dict(re.findall(r"(\w+)\s*=\s*'?([^'\s]*)", text)) if "=" in text else {"dbname": text} if text else {}


def settings(args: Args) -> tuple[dict[str, str], bool]:
    """``-v NAME=VALUE`` (the variables ``-f`` scripts read, and ON_ERROR_STOP) and ``-P``; any other of
    psql's own (upper-case) variables, or print option, is refused rather than taken and ignored."""
    variables: dict[str, str] = {}
    for word in args.all("set"):
        name, eq, value = word.partition("=")
        if name.isupper() and name != "ON_ERROR_STOP":
            raise ToolError(f"psql: error: drill: `psql -v {name}` is not simulated (it reads -v ON_ERROR_STOP and "
                            "your own variables, as :name in -f and stdin scripts)")
        if eq:
            variables[name] = value
        else:                                   # -v NAME alone unsets it
            variables.pop(name, None)
    for word in args.all("pset"):
        name, _, value = word.partition("=")
        if name not in ("pager", "footer") or (name == "footer" and value not in ("on", "off")):
            raise ToolError(f"psql: error: drill: `psql -P {word}` is not simulated (it reads -P footer=on|off and "
                            "-P pager=...)")
    if (stop := pgsql.boolean(variables["ON_ERROR_STOP"] or "on") if "ON_ERROR_STOP" in variables else False) is None:
        raise ToolError(f'psql: error: unrecognized value "{variables["ON_ERROR_STOP"]}" for "ON_ERROR_STOP": '
                        "Boolean expected", 1)
    return variables, stop


VARIABLE = re.compile(r"""'(?:[^']|'')*'?|"[^"]*"?|--[^\n]*|::|:(['"]?)([A-Za-z_]\w*)\1""")


def interpolate(sql: str, variables: dict[str, str]) -> str:
    """psql's variables in a script: ``:name`` as is, ``:'name'`` a quoted literal, ``:"name"`` a quoted
    identifier; not inside quotes or comments, and an unset name stays as written (the server then refuses it)."""
    def value(m: re.Match[str]) -> str:
        if m[2] is None or m[2] not in variables:
            return m[0]
        quote, v = m[1], variables[m[2]]
        return quote + v.replace(quote, quote * 2) + quote if quote else v
    return VARIABLE.sub(value, sql)


# ------------------------------------------------------------------------------ the database
class TaskDB(sqlite3.Connection):
    """The drill's TaskDB: it answers queries and nothing else. Its rows are made from the flows the metrics count,
    each invocation's a copy of its own (``database``), so a write could never be seen again by the next ``psql`` nor
    by any other stand-in or pane: one that answered ``UPDATE 1`` would lie. Once filled, SQLite's authorizer lets a
    statement read the three tables and call the functions PostgreSQL computes alike (``FUNCTIONS``), and denies the
    rest, whatever its spelling (a CTE's UPDATE, DDL, ATTACH of a file, PRAGMA, VACUUM INTO, ``sqlite_version()``):
    ``denied`` says what it refused."""

    denied: list[tuple[int, str | None, str | None]]
    raised: list[Exception]          # what a function of ``pgsql``'s raised (SQLite keeps only that one did)

    def guard(self) -> None:
        self.denied = []
        self.set_authorizer(self.allow)

    def hold(self, rows: list[tuple[object, ...]], width: int) -> None:
        """A set operation's rows, which Python combined, as the table ``?set`` its ORDER BY and LIMIT read (written
        with the authorizer off, which is back on whatever happens)."""
        self.set_authorizer(None)
        try:
            self.execute('DROP TABLE IF EXISTS temp."?set"')
            self.execute(f'CREATE TEMP TABLE "?set" ({", ".join(f"c{k}" for k in range(width))})')
            self.executemany(f'INSERT INTO "?set" VALUES ({", ".join("?" * width)})', rows)
        finally:
            self.set_authorizer(self.allow)

    def release(self) -> None:
        """Drop ``hold``'s table: its rows are its statement's, and the next statement of the session (``-c "SELECT
        1 UNION SELECT 2" -c 'TABLE "?set"'``) reads, as PostgreSQL, no such relation."""
        self.set_authorizer(None)
        try:
            self.execute('DROP TABLE IF EXISTS temp."?set"')
        finally:
            self.set_authorizer(self.allow)

    def allow(self, action: int, arg1: str | None, arg2: str | None, schema: str | None, source: str | None) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE) or (
                action == sqlite3.SQLITE_READ and (arg1 in (*TABLES, "?set") or arg2 == "" and not str(arg1).startswith(
                    ("sqlite_", "pragma_")))) or (      # count(*) of a recursive CTE reads its rows, no column
                action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in FUNCTIONS):
            return sqlite3.SQLITE_OK
        self.denied.append((action, arg1, arg2))
        return sqlite3.SQLITE_DENY


def database(ctx: Context) -> TaskDB:
    """The TaskDB at ``ctx``'s moment: a connection of its own onto a copy of the tables (``image``), so nothing a
    statement of one invocation leaves (``hold``'s table) can reach another; the functions, which read this
    invocation's clock, registered on it."""
    conn = sqlite3.connect(":memory:", factory=TaskDB)
    conn.deserialize(image(ctx))
    conn.execute(LIKE)
    conn.raised = []
    for name, (n, f) in pgsql.functions(ctx.drill.speed, ctx.at, conn.raised, ctx.drill.start).items():
        conn.create_function(name, n, f, deterministic=True)
    for name, (n, kind) in pgsql.aggregates(conn.raised).items():
        conn.create_window_function(name, n, kind)       # an aggregate, and over a window too
    conn.guard()            # no transaction open: what a statement may do is the authorizer's alone
    return conn


_IMAGES: WeakKeyDictionary[Signals, OrderedDict[tuple[object, ...], bytes]] = WeakKeyDictionary()
_IMAGES_LOCK = threading.Lock()         # stand-ins may answer in-process from more than one thread


def image(ctx: Context) -> bytes:
    """The TaskDB's tables at ``ctx``'s moment, as an SQLite file's bytes (immutable: each invocation deserializes a
    copy of its own). Made once per world (a ``Signals``: one record of actions) and key, the last ``IMAGES`` moments
    of each: a corpus asks many commands of one world at one moment, and each made the same 2,000-odd rows and
    INSERTs again (psql was 7% of the suite's CPU, nine tenths of it making the TaskDB). The key is every input the
    rows read besides the world: the moment (``t``, and ``at``, the pool's clock), the drill's wall clock (start and
    speed: every timestamp) and what the pool reads of the estate (``pool``)."""
    estate = pool(ctx)
    key = (ctx.t, ctx.at, ctx.drill.start, ctx.drill.speed, *estate)
    with _IMAGES_LOCK:
        memo = _IMAGES.setdefault(ctx.signals, OrderedDict())
        if (hit := memo.get(key)) is not None:
            memo.move_to_end(key)
            return hit
    made = tables(ctx, connections(ctx.at, ctx.drill.speed, *estate))
    with _IMAGES_LOCK:
        memo[key] = made
        while len(memo) > IMAGES:
            memo.popitem(last=False)
    return made


def tables(ctx: Context, pooled: list[tuple[object, ...]]) -> bytes:
    """The three tables at ``ctx``'s moment, written into a database of their own and handed back as its file."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA)
        tasks = [task_row(ctx, f) for f in ctx.activity.kept(ctx.t)]
        audit = [(None, e.task_id, "flowengine-sa", e.event, pg_ts(ctx.wall(e.t)))      # what the shipper shipped
                 for e in ctx.activity.audit_events(-math.inf, ctx.t) if e.pod is not None]
        for name, rows in zip(TABLES, (tasks, audit, pooled), strict=True):
            if rows:
                conn.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


_ROWS: WeakKeyDictionary[Signals, dict[tuple[Flow, float, float], tuple[object, ...]]] = WeakKeyDictionary()


def task_row(ctx: Context, f: Flow) -> tuple[object, ...]:
    """``f``'s row of tasks: a function of the flow as of now, the drill's clock and the world (a ``Signals``, one
    journal), so each world makes it once, not at every query of every flow kept."""
    memo = _ROWS.setdefault(ctx.signals, {})
    if (hit := memo.get(key := (f, ctx.drill.start, ctx.drill.speed))) is None:
        queued = f.status == "queued"           # waiting for a slot: no model, provider nor bundle yet
        updated = f.updated if f.updated is not None else {"running": f.began, "queued": f.start}.get(f.status, f.end)
        hit = memo[key] = (f.task_id, f.repo, f.flow_type, f.status, f.last_error, f.model or None, f.provider or None,
                           None if queued else round(f.ran[0]), round(f.ran[1], 1), f.attempts - queued,
                           pg_ts(ctx.wall(f.start)), pg_ts(ctx.wall(updated)))
    return hit


def pool(ctx: Context) -> tuple[float, int]:
    """What FlowEngine's pool reads of the world at ``ctx``'s moment: how slow flows run (against the fleet's
    median) and FlowEngine's replicas ready (none while it is stopped)."""
    slow = ctx.signals.latency_median(ctx.t) / fleet.LATENCY_MEDIAN
    return slow, ctx.cluster.ready(ctx.cluster.flowengine, ctx.t) if ctx.signals.running(ctx.t) else 0


def connections(at: float, speed: float, slow: float, replicas: int) -> list[tuple[object, ...]]:
    """FlowEngine's pooled connections at wall time ``at``: more (and longer-running) while flows are ``slow``, in
    proportion to the ``replicas``, and none while FlowEngine is scaled to zero."""
    rows = []
    for i in range(round((58 + int(20 * max(0.0, slow - 1.0))) * replicas / fleet.REPLICAS)):
        active = i < 3 + int(4 * max(0.0, slow - 1.0))
        started = at - stime.wall_seconds((0.02 + 0.4 * unit("q", i)) * (slow if active else 1.0), speed)
        query = ("SELECT task_id, payload FROM tasks WHERE status = 'queued' ORDER BY created_at LIMIT 50"
                 if i % 3 else "UPDATE tasks SET status = $1, updated_at = now() WHERE task_id = $2")
        rows.append((41200 + i * 7, DATABASE, "flowengine_user", "flowengine", f"10.42.{i % 4}.{20 + i}",
                     pg_ts(at - 3600 * (1 + i)), pg_ts(started if active else at - 30 - i),
                     "active" if active else "idle", None if active else "ClientRead", query))
    return rows


# ------------------------------------------------------------------------------ SQL dialect and output
def not_run(word: str) -> Refusal:
    why = "; its world could not follow a change to it, so nothing was changed" * (word in CHANGES)
    return Refusal(f"drill: {word} is not simulated: the drill's TaskDB answers queries ({', '.join(QUERIES)}){why}")


def deep(limit: str) -> Refusal:
    """An expression nested deeper than the drill reads (attack42 A3): PostgreSQL reads it, SQLite or Python's stack
    under the drill does not, so it is refused, never a traceback nor SQLite's words."""
    return Refusal(f"drill: an expression nested this deep is not simulated (it reaches {limit})")


def denial(denied: list[tuple[int, str | None, str | None]], stmt: str) -> ToolError:
    """What the authorizer's refusals of ``stmt`` mean: a write to a table (a CTE's) is refused by its verb, a
    function by name, a relation PostgreSQL lacks (``sqlite_master``) is its error; anything else SQLite's own."""
    verbs = {sqlite3.SQLITE_INSERT: "INSERT", sqlite3.SQLITE_UPDATE: "UPDATE", sqlite3.SQLITE_DELETE: "DELETE"}
    if written := [verbs[action] for action, arg1, _ in denied if action in verbs and arg1 in TABLES]:
        return not_run(written[0])
    if called := [str(arg2) for action, _, arg2 in denied if action == sqlite3.SQLITE_FUNCTION]:
        return pgsql.not_computed(called[0])
    own = re.search(r"(?i)\b(sqlite_\w+)\b(?!\s*\()", stmt)        # sqlite_master, sqlite_schema...: all SQLite's
    if own and any(action == sqlite3.SQLITE_READ for action, _, _ in denied):
        return pg_error(f"no such table: {own[1]}", stmt)
    return Refusal(f"drill: this query reads what the drill does not simulate (it answers {ANSWERS})")


def scan(text: str) -> tuple[str, list[int]]:
    """``text`` with its comments blanked (``--`` to the line's end, ``/* */`` nested as PostgreSQL nests them; their
    newlines kept, so a place in one is the same place in the other) and where its statements end: each ``;`` outside
    a literal, a quoted name, a dollar-quoted string and a comment. An unclosed comment runs to the end, as
    PostgreSQL's lexer reads it, and leaves the statement unfinished."""
    out, cuts, i = list(text), [], 0
    while i < len(text):
        if text.startswith("--", i):
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while depth and j < len(text):
                step = text[j:j + 2]
                depth += (step == "/*") - (step == "*/")
                j += 2 if step in ("/*", "*/") else 1
            if depth:
                raise ToolError("ERROR:  unterminated /* comment at or near " + f'"{text[i:i + 40]}"')
        elif m := QUOTED.match(text, i):
            i = m.end()
            continue
        else:
            if text[i] == ";":
                cuts.append(i)
            i += 1
            continue
        out[i:j] = [c if c == "\n" else " " for c in text[i:j]]
        i = j
    return "".join(out), cuts


def statements(text: str) -> Iterator[tuple[str, int]]:
    """``text``'s statements (``scan``'s cuts), each with the place it ends."""
    start = 0
    for end in [*scan(text)[1], len(text)]:
        yield text[start:end], end
        start = end + 1


def render(ctx: Context, conn: TaskDB, stmt: str, args: Args,
           warn: Callable[[pgsql.PgError], None] | None = None) -> None:
    """Print ``stmt``'s answer. What reaches SQLite is a query by its first word: another PostgreSQL
    command is refused by name, a word PostgreSQL has no command for is its syntax error (never
    SQLite's answer to PRAGMA or ATTACH), and the TaskDB's authorizer refuses whatever writes anyway."""
    if stmt.startswith("\\"):          # psql's own commands (\d, \dt...)
        return meta(ctx, args, stmt)
    code = scan(stmt)[0]                    # comments blanked: what is left is what PostgreSQL reads
    at = len(code) - len(code.lstrip())
    if not (rest := code[at:].rstrip()):    # only comments: PostgreSQL's empty query, psql prints nothing
        return
    word = "(" if rest.startswith("(") else (re.match(r"[A-Za-z_]\w*", rest) or [""])[0].upper()
    if word in COMMANDS:
        raise not_run(word)
    if word not in (*QUERIES, "("):
        token = re.match(r"[A-Za-z_]\w*|\d+(?:\.\d*)?|\S", rest)[0]     # type: ignore[index]
        raise pgsql.PgError(f'ERROR:  syntax error at or near "{token}"', at)
    if re.search(r"(?i)\bINTO\b", QUOTED.sub("''", rest)):     # SELECT … INTO: CREATE TABLE AS in other words
        raise Refusal(f"drill: SELECT … INTO is not simulated: it creates a table, and the drill's TaskDB answers "
                      f"queries ({', '.join(QUERIES)}); its world could not follow a change to it, so nothing was "
                      "changed")
    if word == "TABLE":                     # PostgreSQL's shorthand
        code = code[:at] + re.sub(r"(?i)^TABLE\b", "SELECT * FROM", rest)
    steps = iter(range(STEPS // 1000))     # a runaway query (a cross join) stops like a statement_timeout
    conn.set_progress_handler(lambda: next(steps, None) is None, 1000)
    conn.denied, conn.raised[:] = [], []
    try:
        query = pgsql.translate(code, ctx.at, KINDS, COLUMNS, WIDE, warn)
    except RecursionError:
        raise deep("Python's recursion limit") from None
    try:
        if query.sets:
            conn.hold(pgsql.combined([conn.execute(s).fetchall() for s in query.sets], query.setops,
                                     len(query.items), query.exact), len(query.items) + len(query.exact))
        cur = conn.execute(query.sql)
        rows = cur.fetchall()
    except sqlite3.Error as exc:
        if conn.raised:
            raise (conn.raised[0] if isinstance(conn.raised[0], ToolError) else
                   ToolError(f"ERROR:  {conn.raised[0]}")) from None
        if m := re.fullmatch(r"no such function: (\S+)", str(exc)):
            raise pgsql.not_computed(m[1]) from None
        if not conn.denied:
            raise pg_error(str(exc), code) from None
        raise denial(conn.denied, stmt) from None
    finally:
        if query.sets:
            conn.release()
    if cur.description is None:             # no query returns no columns; kept so one never crashes the drill
        return
    headers = [d[0] for d in cur.description]
    if headers == [pgsql.NONE]:             # SELECT FROM tasks: its rows, of no column
        headers, rows = [], [() for _ in rows]
    if hidden := len(query.exact):           # each numeric's exact digits, in the hidden columns after the list
        headers = headers[:-hidden]
        shown = [list(r[:-hidden]) for r in rows]
        for row, r in zip(shown, rows, strict=True):
            for i, digits in zip(query.exact, r[-hidden:], strict=True):
                row[i] = row[i] if digits is None or row[i] is None else pgsql.Numeric(digits)
        rows = shown
    kinds = query.types(headers)
    if ctx.drill.speed != 1 and "epoch" in query.clocks and ("span" in query.clocks or "interval" in kinds):
        ctx.err(f"NOTICE:  drill ×{ctx.drill.speed:g}: an epoch is the wall clock's unix time, as the timestamp and "
                "date +%s print it; a difference of two is drill seconds, as an interval is (1 wall second is "
                f"{ctx.drill.speed:g} drill seconds)")           # attack43 A10: the two clocks in one row, unsaid
    elif ctx.drill.speed != 1 and "interval" in kinds and {"timestamptz", "timestamp"} & set(kinds):
        # redteam36 F8: the two clocks side by side in one answer; each is right on its own, so say which is which
        ctx.err(f"NOTICE:  drill ×{ctx.drill.speed:g}: a timestamp is the wall clock's, as every tool prints it; an "
                "interval is drill time, as every duration the drill shows (1 wall second is "
                f"{ctx.drill.speed:g} drill seconds)")
    table(ctx, args, headers, [[pgsql.show(v, kind) for v, kind in zip(r, kinds, strict=True)] for r in rows],
          numbers=[str(k).startswith(("int", "num", "float")) for k in kinds])


def table(ctx: Context, args: Args, headers: list[str], rows: list[list[object]], title: str = "",
          footers: list[str] | None = None, vertical: bool = True, numbers: list[bool] | None = None) -> None:
    """Print ``rows`` as psql 15 prints a result (aligned, ``-A``, ``-x``, ``-t``) under its ``title``, its footers
    below: given (``\\d NAME``'s indexes), or the default ``(N rows)`` that ``-P footer=off`` drops; ``-x`` unless not
    ``vertical`` (psql describes a table aligned whatever -x says). ``numbers``: the columns of a number's type, which
    psql aligns right even when they hold only NULLs."""
    texts = [["" if v is None else number(v) if isinstance(v, float) else
              "".join(f"{c:08b}" for c in v) if isinstance(v, bytes) else str(v) for v in r]    # x'41': bits
             for r in rows]
    tuples, sep = bool(args.get("tuples_only")), args.text("field_separator", "|") if args.get("no_align") else None
    texts = texts if headers else []            # rows of no column: psql prints none of them, and counts them
    if sep is None:                 # aligned: as psql shows each (pg_wcsformat)
        texts, headers = [[shown(c) for c in r] for r in texts], [shown(h) for h in headers]
    footing = not tuples and ([w for w in args.all("pset") if w.startswith("footer")] or ["footer=on"])[-1] == "footer=on"
    counted = [f"({len(rows)} row{'s' * (len(rows) != 1)})"] * footing
    footer = [] if tuples else footers if footers is not None else counted
    top = [title] * bool(title and not tuples)
    if args.get("expanded") and vertical:   # psql's vertical form prints the footers it is given, never (N rows)
        lines = top + (expanded(headers, texts, tuples, sep)[:-1] + (footers or []) + [""] if texts else
                       [] if sep is not None else [*footer, ""])
    elif sep is not None:
        lines = top + [sep.join(headers)] * (not tuples) + [sep.join(r) for r in texts] + footer
    else:
        numeric = [all(isinstance(r[i], int | float | pgsql.Numeric) or r[i] is None for r in rows) and
                   (any(r[i] is not None for r in rows) or bool(numbers and numbers[i]))    # a NULL alone: left,
                   for i in range(len(headers))]                                              # but a number's
        widths = [max([wide(h)] + [wide(ln) for r in texts for ln in r[i].split("\n")]) for i, h in enumerate(headers)]
        # each header centred, as psql centres it
        head = ["|".join(f" {' ' * ((w - wide(h)) // 2)}{h}{' ' * ((w - wide(h) + 1) // 2)} "
                         for h, w in zip(headers, widths, strict=True)),
                "-" + "-+-".join("-" * w for w in widths) + "-"]
        total = 3 * len(widths) - 1 + sum(widths)           # print_aligned_text's width_total: a title centred on it
        head = head[not headers:]                   # no column: only the rule, "--"
        lines = [" " * max(0, (total - len(title)) // 2) + title for title in top] + head * (not tuples) + [
            ln for r in texts for ln in cells(r, widths, numeric)] + footer + [""]
    for line in lines:
        ctx.out(line)


def meta(ctx: Context, args: Args, line: str) -> None:
    """psql's ``\\dt [PATTERN]``, ``\\d`` and ``\\d NAME`` as psql 15 prints them, from ``RELATIONS`` (what the drill's
    psql serves); another of its backslash commands (``\\d+``, ``\\dn``...) is refused by name."""
    word, *names = line.split()
    if word not in ("\\d", "\\dt") or len(names) > 1:
        raise Refusal(f"drill: psql's {word} is not simulated (the drill answers \\dt, \\d, \\d NAME and {ANSWERS})")
    pattern = names[0] if names else "*"
    if word == "\\d" and pattern.removeprefix("pg_catalog.") == "pg_stat_activity":
        raise Refusal(f"drill: \\d pg_stat_activity is not simulated (PostgreSQL's view: the drill serves its columns "
                      f"{', '.join(c for c, _, _, _ in RELATIONS['pg_stat_activity'])})")
    found = [t for t in sorted(TABLES[:2]) if fnmatch.fnmatchcase(t, pattern.removeprefix("public.").lower())]
    if not found:
        said = f'Did not find any relation named "{pattern}".' if names else "Did not find any relations."
        if word == "\\d" and names:       # \d NAME fails; a listing finds none and succeeds
            raise ToolError(said)
        return ctx.err(said)
    if word == "\\dt" or not names:
        return table(ctx, args, ["Schema", "Name", "Type", "Owner"], [["public", t, "table", OWNER] for t in found],
                     "List of relations")
    for name in found:
        table(ctx, args, ["Column", "Type", "Collation", "Nullable", "Default"],
              [[c, kind, "", null, default] for c, kind, null, default in RELATIONS[name]], f'Table "public.{name}"',
              ["Indexes:", f'    "{name}_pkey" PRIMARY KEY, btree ({RELATIONS[name][0][0]})'], vertical=False)
    return None


def cells(row: list[str], widths: list[int], numeric: list[bool]) -> list[str]:
    """One row of psql's aligned table as ``print_aligned_text`` prints it: each cell after a space, padded to its
    column's width but for the last one's text (a line ends where its last value does), a value with newlines a line
    each with a "+" after each line that goes on below, as psql 15 prints ``E'a\\nb'``."""
    parts = [v.split("\n") for v in row]
    out = []
    for j in range(max(map(len, parts))):
        line = ""
        for k, (lines, w, num) in enumerate(zip(parts, widths, numeric, strict=True)):
            last, more = k == len(parts) - 1, j < len(lines) - 1
            text = lines[j] if j < len(lines) else ""
            cell = ("" if last else " " * w) if j >= len(lines) else " " * (w - wide(text)) + text if num else \
                text if last and not more else text + " " * (w - wide(text))
            line += " " + cell + ("+" if more else "" if last else " ") + "|" * (not last)
        out.append(line)
    return out


def shown(text: str) -> str:
    """A value as psql's aligned output shows it (pg_wcsformat): a tab's spaces to the next eighth column, a carriage
    return ``\\r``, another control character ``\\xNN`` (``\\uNNNN`` past ASCII)."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: "\\r" if m[0] == "\r" else f"\\x{ord(m[0]):02X}" if (
        ord(m[0]) < 128) else f"\\u{ord(m[0]):04X}", text).expandtabs()


def wide(text: str) -> int:
    """The columns ``text`` takes on a terminal, as psql counts them: a wide (East Asian) character two, a combining
    one none."""
    return sum(0 if unicodedata.combining(c) else 1 + (unicodedata.east_asian_width(c) in "WF") for c in text)


def number(v: float) -> str:
    """A computed number as PostgreSQL prints it, to the digits it carries: 15 significant ones (what a double holds
    without SQLite's binary noise: a sum of tenths is 4045.6, not 4045.6000000000004), and a whole one keeps its
    ``.0`` (``duration_s`` holds tenths: 71.0), so ``round(avg(x), 2)`` keeps its digits (41.39, not 41.4)."""
    if math.isnan(v) or math.isinf(v):
        return "NaN" if math.isnan(v) else "Infinity" if v > 0 else "-Infinity"
    text = f"{v:.15g}"
    return text if any(c in text for c in ".e") else text + ".0"


def expanded(headers: list[str], texts: list[list[str]], tuples: bool, sep: str | None) -> list[str]:
    """``-x``, as psql's ``print_aligned_vertical`` (``print_unaligned_vertical`` with -A): one field a line,
    each record under a ``-[ RECORD n ]`` rule as wide as the fields (between records, with -t, a plain one)."""
    if sep is not None:
        return [ln for n, row in enumerate(texts) for ln in [""] * (n > 0) + [h + sep + v for h, v in zip(headers, row)]]
    hw = max(map(wide, headers))
    vw = max([wide(ln) for r in texts for v in r for ln in v.split("\n")], default=0)     # a value's widest line
    dw = max(vw, 0 if tuples else 12 + len(str(len(texts))) - hw - 3)
    lines = []
    for n, row in enumerate(texts, 1):
        if not tuples:
            over = len(label := f"-[ RECORD {n} ]") - hw
            lines.append(label + "-" * -over + "".join(c for k, c in enumerate("-+-") if over - k <= 0)
                         + "-" * (dw - max(over - 3, 0)))
        elif n > 1:
            lines.append("-" * (hw + 1) + "+" + "-" * (dw + 1))
        lines += [f"{h * (not k)}{' ' * (hw - wide(h) * (not k))} | {ln}" + f"{' ' * (vw - wide(ln))}+" * (k < v.count(
            "\n")) for h, v in zip(headers, row, strict=True) for k, ln in enumerate(v.split("\n"))]  # psql's + wraps
    return [*lines, ""]


def placed(message: str, sent: str, at: int) -> str:
    """``message`` with the lines psql (libpq's reportErrorPosition) prints under its first: the line of ``sent``, the
    query as the server got it, that holds offset ``at``, cut to 60 columns around it, and a caret under it."""
    line, beg, end = 1 + sum(sent.count(c, 0, at) for c in "\n\r") - sent.count("\r\n", 0, at), 0, len(sent)
    beg = max(sent.rfind("\n", 0, at), sent.rfind("\r", 0, at)) + 1
    end = min([i for i in (sent.find("\n", at), sent.find("\r", at)) if i >= 0] or [len(sent)])
    cut_left = cut_right = False
    if end - beg > DISPLAY:                 # the right side cut first, when that is enough; else both, around at
        if beg + DISPLAY >= at + RIGHT_CUT:
            end, cut_right = beg + DISPLAY, True
        else:
            end, cut_right = (at + RIGHT_CUT, True) if at + RIGHT_CUT < end else (end, False)
            beg, cut_left = (end - DISPLAY, True) if end - beg > DISPLAY else (beg, False)
    lead = f"LINE {line}: " + "..." * cut_left
    first, _, rest = message.partition("\n")
    return "\n".join([first, lead + sent[beg:end].replace("\t", " ") + "..." * cut_right,
                      " " * (len(lead) + at - beg) + "^", *[rest] * bool(rest)])


def pg_error(message: str, code: str) -> ToolError:
    """SQLite's message in PostgreSQL's words, placed (psql's caret) where the name or word it is about is first in
    ``code``, the statement with its comments blanked."""
    def at(word: str) -> int:
        pattern = r"\s*\.\s*".join(re.escape(w) for w in word.split("."))
        found = re.search(rf'(?i)(?<![\w$."])(?:"?public"?\s*\.\s*)?"?{pattern}(?![\w$])'   # public.tasks.x
                          if word[0].isalnum() or word[0] == "_" else re.escape(word), code)
        return found.start() if found else len(code.rstrip())
    if m := re.search(r"no such (table|column): (\S+)", message):
        name = f"{m[2]}" if "." in m[2] and m[1] == "column" else f'"{m[2]}"'    # PostgreSQL's: column t.x
        return pgsql.PgError(f'ERROR:  {"relation" if m[1] == "table" else "column"} {name} does not exist', at(m[2]))
    if m := re.fullmatch(r"no such window: (\S+)", message):
        found = re.search(rf'(?i)\bover\s+"?{re.escape(m[1])}', code)
        return pgsql.PgError(f'ERROR:  window "{m[1]}" does not exist', found.end() - len(m[1]) if found else 0)
    if m := re.search(r"ambiguous column name: (\S+)", message):
        return pgsql.PgError(f'ERROR:  column reference "{m[1]}" is ambiguous', at(m[1]))
    if m := re.search(r'near "([^"]+)": syntax error|unrecognized token: "(.+)"', message):
        return pgsql.PgError(f'ERROR:  syntax error at or near "{m[1] or m[2]}"', at(m[1] or m[2]))
    if "bindings" in message:                 # SQLite's :name / ? parameters: PostgreSQL has neither
        word = (re.search(r"[:?@$]", code) or [":"])[0]
        return pgsql.PgError(f'ERROR:  syntax error at or near "{word}"', at(word))
    if message == "parser stack overflow" or message.startswith("Expression tree is too large"):
        return deep(f"SQLite's {message.split(' (')[0].lower()}")
    if message == "interrupted":
        return ToolError("ERROR:  canceling statement due to statement timeout")
    if "incomplete input" in message:
        return pgsql.PgError("ERROR:  syntax error at end of input", len(code.rstrip()))
    return ToolError(f"ERROR:  {message}")


USAGE = """psql is the PostgreSQL interactive terminal (the drill's TaskDB: tasks, audit_logs, pg_stat_activity).

Usage:
  psql [-c COMMAND] [-f FILE] [-1] [-d DBNAME] [-h HOST] [-p PORT] [-U USER] [-A] [-t] [-x] [-q] [-e] [-F SEP]
       [-v NAME=VALUE] [-P footer=off] [DBNAME [USER]]

In a drill a timestamp is the wall clock's (now(), created_at: what kubectl, aws and the timeline print) and an
interval drill time (interval '15 minutes' is the drill's last fifteen minutes at any speed; now() - created_at
counts drill seconds), as every duration the drill shows."""
