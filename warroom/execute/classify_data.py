"""Rules for database and key-value clients (psql, mysql, redis-cli, etcdctl).

These need more than a tool name: a psql call is read-only or not depending on the SQL it
carries, and redis-cli on its subcommand, so their word lists and SQL patterns sit together.
"""

from __future__ import annotations

import re

from warroom.execute.classify_argv import Classification, _positional, _prog, _ro, _rw
from warroom.runbook import shell

_SQL_RO_START = re.compile(r"^\s*(select|with|show|explain|values|table|\\)", re.I)


# Inside a statement that starts with SELECT/WITH/SHOW/EXPLAIN, what can still write:
# data-modifying CTEs, SELECT INTO, row locks, and functions with side effects. (Statements that
# start with anything else are refused before this is consulted.)
_SQL_WRITE = re.compile(
    r"\b(insert\s+into|update\s+[\w.\"]+\s+set|delete\s+from|merge\s+into|truncate|"
    r"(create|alter|drop)\s+(table|index|view|schema|database|role|user|function|trigger|"
    r"sequence|extension|materialized)|grant|revoke|vacuum|reindex|copy\s+\w+\s+(from|to))\b|"
    r"\binto\b|\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|"
    r"pg_(terminate|cancel)_backend|pg_reload_conf|pg_switch_wal|pg_rotate_logfile|set_config|"
    r"nextval|setval|lo_unlink|lo_import|lo_export|pg_promote|pg_create|pg_drop|dblink|"
    r"pg_advisory_lock|pg_try_advisory_lock|pg_stat_reset|pg_sleep",
    re.I)


_PSQL_META_RO = re.compile(r"^\\(d\S*|l\+?|x|conninfo|timing|pset|echo|q|\?|h\b|c\b|connect\b|"
                           r"encoding|dn|du|dt|df|dv|di|ds|sf|sv)", re.I)


_REDIS_RO = {"get", "mget", "keys", "scan", "sscan", "hscan", "zscan", "info", "slowlog",
             "monitor", "ttl", "pttl", "type", "exists", "llen", "lrange", "lindex", "hget",
             "hgetall", "hkeys", "hvals", "hlen", "hexists", "hmget", "smembers", "scard",
             "sismember", "zrange", "zrangebyscore", "zrevrange", "zcard", "zscore", "zcount",
             "dbsize", "ping", "echo", "time", "strlen", "getrange", "bitcount", "memory",
             "latency", "role", "lastsave", "xlen", "xrange", "xrevrange", "xinfo", "pubsub",
             "command", "object", "randomkey", "dump", "client", "config", "cluster",
             "sentinel", "debug", "module", "acl"}


_REDIS_SUB_RO = {"client": {"list", "info", "getname", "id"},
                 "config": {"get"}, "cluster": {"info", "nodes", "slots", "shards", "myid"},
                 "slowlog": {"get", "len"}, "memory": {"usage", "stats", "doctor"},
                 "latency": {"latest", "history", "doctor"}, "object": {"encoding", "freq",
                                                                        "idletime", "refcount"},
                 "sentinel": {"masters", "master", "replicas", "slaves", "sentinels",
                              "get-master-addr-by-name", "ckquorum"},
                 "command": {"count", "info", "docs", "list"}, "acl": {"list", "whoami",
                                                                       "users", "cat"},
                 "module": {"list"}, "debug": set(), "pubsub": {"channels", "numsub",
                                                              "numpat"}}


def _psql(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    prog = _prog(argv[0])
    sql: list[str] = []
    for i, a in enumerate(argv):
        if a in ("-c", "--command") and i + 1 < len(argv):
            sql.append(argv[i + 1])
        elif a.startswith("--command="):
            sql.append(a.split("=", 1)[1])
        elif a.startswith("-c") and len(a) > 2 and prog != "mysql":
            sql.append(a[2:])
        elif prog == "mysql" and a in ("-e", "--execute") and i + 1 < len(argv):
            sql.append(argv[i + 1])
        elif a in ("-f", "--file") or a.startswith("--file="):
            return _rw(f"{prog} runs an SQL file, which cannot be checked")
    sql.extend(cmd.heredocs)
    for op, target in cmd.redirects:
        if op == "<<<":
            sql.append(target)
        elif op == "<":
            return _rw(f"{prog} runs SQL from {target}, which cannot be checked")
    if not sql:
        return _rw(f"{prog} without -c opens an interactive session, which cannot be checked")
    for text in sql:
        why = _sql_writes(text)
        if why:
            return _rw(f"{prog}: {why}")
    return _ro(f"{prog} runs SELECT-only SQL")


def _sql_writes(text: str) -> str | None:
    """None when every statement only reads; otherwise a short reason."""
    body = re.sub(r"--[^\n]*", " ", text)
    body = re.sub(r"/\*.*?\*/", " ", body, flags=re.S)
    # Blank out string literals so a WHERE name = 'drop' does not count.
    body = re.sub(r"'(?:[^']|'')*'", "''", body)
    statements = [s.strip() for s in re.split(r";|\n(?=\\)", body) if s.strip()]
    if not statements:
        return "no SQL statement found"
    for st in statements:
        if st.startswith("\\"):
            if _PSQL_META_RO.match(st):
                continue
            return f"the psql command {st.split()[0]} may change state"
        if not _SQL_RO_START.match(st):
            return f"{st.split()[0].upper()} is not a SELECT"
        m = _SQL_WRITE.search(st)
        if m:
            return f"the statement uses {' '.join(m.group(0).split()[:2]).upper()}"
        if re.match(r"(?i)explain\s+\(?\s*analy[sz]e", st):
            rest = re.sub(r"(?i)^explain\s+(\([^)]*\)|analy[sz]e)\s*(verbose\s*)?", "", st)
            if not re.match(r"(?i)(select|with|values|table)\b", rest):
                return "EXPLAIN ANALYZE runs the statement"
    return None


def _redis(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    with_value = {"-h", "-p", "-a", "-n", "-u", "-s", "-r", "-i", "--user", "--pass",
                  "--tls-cert", "--cacert", "--key", "--cert", "-c-", "--pattern",
                  "--memkeys-samples", "--count"}
    words = _positional(argv[1:], with_value)
    if not words:
        if any(a in ("--bigkeys", "--memkeys", "--hotkeys", "--stat", "--latency",
                     "--latency-history", "--scan", "--intrinsic-latency") for a in argv):
            return _ro("redis-cli analysis mode only reads")
        if cmd.heredocs:
            return _rw("redis-cli runs commands from a heredoc, which cannot be checked")
        return _rw("redis-cli without a command opens an interactive session")
    sub = words[0].lower()
    if sub in _REDIS_RO:
        subs = _REDIS_SUB_RO.get(sub)
        if subs is None or (len(words) > 1 and words[1].lower() in subs):
            return _ro(f"redis-cli {sub.upper()} only reads")
    return _rw(f"redis-cli {sub.upper()} changes data")


def _etcdctl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"--endpoints", "--cacert", "--cert", "--key", "-w",
                                   "--write-out", "--command-timeout", "--user"})
    ro = {("endpoint", "health"), ("endpoint", "status"), ("endpoint", "hashkv"),
          ("member", "list"), ("alarm", "list"), ("check", "perf"), ("check", "datascale"),
          ("user", "list"), ("role", "list")}
    if words[:1] in (["get"], ["version"], ["watch"]) or tuple(words[:2]) in ro:
        return _ro(f"etcdctl {' '.join(words[:2])} only reads")
    return _rw(f"etcdctl {' '.join(words[:2])} changes etcd")
