"""The shared store's tables, created and migrated by ``warroom shared init``.

Everything lives in the ``warroom`` schema. ``warroom.schema_version`` records each migration
applied (version, when, what); ``init`` applies the missing ones in order, each in its own
transaction under an advisory lock, so two people running it at once cannot apply one twice.

The events table is the journal: one row per line, keyed by (incident, seq), holding the exact
line bytes whose SHA-256 is ``h``. The database itself refuses what would break the chain:

* a BEFORE INSERT trigger checks the line hashes to ``h``, carries the row's seq and prev, and
  links to the row before it (seq 1 to the genesis hash); it also stamps ``db_user`` (the
  PostgreSQL role that really wrote it) and ``inserted_at``;
* the primary key makes a second row at the same seq impossible (no fork);
* UPDATE, DELETE and TRUNCATE on events and files raise, for every role including the owner
  (history cannot be rewritten through warroom's tables short of dropping the trigger, which
  needs the owner and shows in the catalog);
* an AFTER INSERT trigger sends ``NOTIFY warroom_events, '<incident> <seq>'`` at commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA = "warroom"
EVENTS_CHANNEL = "warroom_events"
PRESENCE_CHANNEL = "warroom_presence"
GENESIS = "0" * 64
_LOCK_KEY = 0x57415252   # "WARR": serialises concurrent `shared init`
MIGRATE_LOCK_WAIT = 120  # seconds a `shared init` waits for a concurrent one (bounded, never forever)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "incidents, events (hash-chained, append-only), files, presence", f"""
CREATE TABLE {SCHEMA}.incidents (
    id          text PRIMARY KEY CHECK (id ~ '^INC-[0-9]{{8}}-[0-9]+$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT current_user
);

CREATE TABLE {SCHEMA}.events (
    incident    text NOT NULL REFERENCES {SCHEMA}.incidents(id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    prev        text NOT NULL,
    h           text NOT NULL CHECK (h ~ '^[0-9a-f]{{64}}$'),
    line        text NOT NULL,
    ts          text NOT NULL,
    actor       text NOT NULL,
    type        text NOT NULL,
    origin      text,
    origin_seq  bigint,
    db_user     text NOT NULL DEFAULT current_user,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident, seq),
    UNIQUE (incident, origin, origin_seq)
);

CREATE TABLE {SCHEMA}.files (
    incident    text NOT NULL REFERENCES {SCHEMA}.incidents(id),
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{{1,100}}$'),
    sha256      text NOT NULL,
    content     bytea NOT NULL,
    db_user     text NOT NULL DEFAULT current_user,
    PRIMARY KEY (incident, name)
);

CREATE TABLE {SCHEMA}.presence (
    incident    text NOT NULL,
    who         text NOT NULL,
    session     text NOT NULL,
    step        text,
    opened_at   timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident, session)
);

CREATE FUNCTION {SCHEMA}.events_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    body text;
    want text;
    obj  json;
BEGIN
    IF length(NEW.line) < 80 OR right(NEW.line, 72) <> (',"h":"' || NEW.h || '"}}') THEN
        RAISE EXCEPTION 'warroom: line of seq % does not end with its hash', NEW.seq;
    END IF;
    body := left(NEW.line, length(NEW.line) - 72);
    IF encode(sha256(convert_to(body, 'UTF8')), 'hex') <> NEW.h THEN
        RAISE EXCEPTION 'warroom: line of seq % does not match its hash', NEW.seq;
    END IF;
    obj := NEW.line::json;
    IF (obj->>'seq')::bigint IS DISTINCT FROM NEW.seq OR obj->>'prev' IS DISTINCT FROM NEW.prev
       OR obj->>'ts' IS DISTINCT FROM NEW.ts OR obj->>'actor' IS DISTINCT FROM NEW.actor
       OR obj->>'type' IS DISTINCT FROM NEW.type THEN
        RAISE EXCEPTION 'warroom: columns of seq % differ from its line', NEW.seq;
    END IF;
    IF NEW.seq = 1 THEN
        want := '{GENESIS}';
    ELSE
        SELECT h INTO want FROM {SCHEMA}.events WHERE incident = NEW.incident AND seq = NEW.seq - 1;
        IF want IS NULL THEN
            RAISE EXCEPTION 'warroom: seq % of % has no line before it', NEW.seq, NEW.incident;
        END IF;
    END IF;
    IF NEW.prev <> want THEN
        RAISE EXCEPTION 'warroom: seq % of % does not chain to the line before it', NEW.seq, NEW.incident;
    END IF;
    NEW.db_user := current_user;
    NEW.inserted_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER events_check BEFORE INSERT ON {SCHEMA}.events
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.events_check();

CREATE FUNCTION {SCHEMA}.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'warroom: % on %.% refused: the journal is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME;
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.events
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {SCHEMA}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.append_only();
CREATE TRIGGER files_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.files
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.append_only();
CREATE TRIGGER files_no_truncate BEFORE TRUNCATE ON {SCHEMA}.files
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.append_only();

CREATE FUNCTION {SCHEMA}.events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{EVENTS_CHANNEL}', NEW.incident || ' ' || NEW.seq);
    RETURN NULL;
END $$;

CREATE TRIGGER events_notify AFTER INSERT ON {SCHEMA}.events
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.events_notify();

CREATE FUNCTION {SCHEMA}.presence_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{PRESENCE_CHANNEL}', COALESCE(NEW.incident, OLD.incident));
    RETURN NULL;
END $$;

CREATE TRIGGER presence_notify AFTER INSERT OR UPDATE OF step OR DELETE ON {SCHEMA}.presence
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.presence_notify();
"""),
    Migration(2, "a spool's lines stay with the database role that began forwarding it", f"""
CREATE FUNCTION {SCHEMA}.events_origin_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner text;
BEGIN
    IF NEW.origin IS NULL OR NEW.origin NOT LIKE 'spool:%' THEN
        RETURN NEW;
    END IF;
    SELECT db_user INTO owner FROM {SCHEMA}.events
        WHERE incident = NEW.incident AND origin = NEW.origin ORDER BY origin_seq LIMIT 1;
    IF owner IS NOT NULL AND owner <> current_user THEN
        RAISE EXCEPTION 'warroom: origin % of % is forwarded by role %, not %: a spool is one host''s own',
            NEW.origin, NEW.incident, owner, current_user;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER events_origin_check BEFORE INSERT ON {SCHEMA}.events
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.events_origin_check();
"""),
)
"""Migration 2: the forwarder skips spool lines up to the highest ``origin_seq`` the store holds
for its spool; ``origin`` is readable by every responder, so without it anyone allowed to insert
could add one row under another host's spool with a huge ``origin_seq`` and that host's later
step starts and ends would never be forwarded."""

LATEST = MIGRATIONS[-1].version


def responder_grants(role: str) -> list[str]:
    """The least privilege a responder needs: read everything, insert events and files, keep
    their own presence row. No UPDATE or DELETE on events or files."""
    r = _ident(role)
    return [
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {r}",
        f"GRANT SELECT ON {SCHEMA}.schema_version TO {r}",
        f"GRANT SELECT, INSERT ON {SCHEMA}.incidents, {SCHEMA}.events, {SCHEMA}.files TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.presence TO {r}",
    ]


def _ident(name: str) -> str:
    if not name or '"' in name or "\0" in name:
        raise ValueError(f"not a role name: {name!r}")
    return '"' + name + '"'


def current_version(conn: Any) -> int | None:
    """The schema version applied (None: never initialised here)."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_version",)).fetchone()
    if row is None or row[0] is None:
        return None
    row = conn.execute(f"SELECT max(version) FROM {SCHEMA}.schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: Any) -> list[Migration]:
    """Apply every missing migration (autocommit connection); returns those applied now."""
    applied: list[Migration] = []
    with conn.transaction():
        # another `shared init` applying a migration holds this lock for as long as its DDL
        # takes: wait for it longer than an append would wait for an incident's lock
        conn.execute(f"SET LOCAL lock_timeout = '{MIGRATE_LOCK_WAIT}s'")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (
            version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(),
            applied_by text NOT NULL DEFAULT current_user, description text NOT NULL)""")
    for m in MIGRATIONS:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{MIGRATE_LOCK_WAIT}s'")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            row = conn.execute(f"SELECT 1 FROM {SCHEMA}.schema_version WHERE version = %s",
                               (m.version,)).fetchone()
            if row is not None:
                continue
            conn.execute(m.sql)
            conn.execute(f"INSERT INTO {SCHEMA}.schema_version (version, description) VALUES (%s, %s)",
                         (m.version, m.description))
            applied.append(m)
    return applied
