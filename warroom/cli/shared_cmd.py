"""``warroom shared ...``: create and check the PostgreSQL shared store.

``init`` creates or migrates the tables (versioned, safe to run again and from two places at
once) and, with ``--grant ROLE``, gives a responder role the least privilege it needs.
``status`` says which store, which schema version, and whether it answers. The DSN's password
never appears in anything printed (``warroom.shared.dsn``).
"""

from __future__ import annotations

import argparse

from warroom.cli.common import config_from_args, out
from warroom.errors import WarroomError
from warroom.paths import command


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("shared", help="the PostgreSQL shared store: create its tables, check it",
                       parents=[common])
    ssub = p.add_subparsers(dest="shared_cmd", metavar="ACTION", required=True)
    init = ssub.add_parser("init", parents=[common],
                           help="create or migrate warroom's tables in the shared store (versioned)")
    init.add_argument("--grant", metavar="ROLE", action="append", default=[],
                      help="also give ROLE a responder's least privilege (read; insert events; no"
                           " update or delete)")
    init.set_defaults(func=cmd_init)
    status = ssub.add_parser("status", parents=[common], help="which shared store, its schema version, reachable?")
    status.set_defaults(func=cmd_status)


def _db(args: argparse.Namespace) -> object:
    from warroom.shared.db import SharedDB
    from warroom.shared.dsn import resolve

    cfg = config_from_args(args)
    dsn = resolve(cfg)
    if dsn is None:
        raise WarroomError("no shared store configured: give --shared DSN, set $WARROOM_DSN or [shared] dsn")
    return SharedDB(dsn, cfg.shared.connect_timeout)


def cmd_init(args: argparse.Namespace) -> int:
    from warroom.shared.schema import LATEST, current_version, migrate, responder_grants

    db = _db(args)
    with db.session() as conn:  # type: ignore[attr-defined]
        before = current_version(conn)
        applied = migrate(conn)
        for role in args.grant:
            try:
                statements = responder_grants(role)
            except ValueError as exc:
                raise WarroomError(str(exc)) from None
            for sql in statements:
                conn.execute(sql)
    where = db.where  # type: ignore[attr-defined]
    if applied:
        for m in applied:
            out(f"{where}: applied schema version {m.version}: {m.description}")
    else:
        out(f"{where}: schema already at version {before if before is not None else LATEST}; nothing to do")
    for role in args.grant:
        out(f"{where}: granted {role} a responder's privileges (SELECT; INSERT on events, files and"
            " incidents; its own presence rows; no UPDATE or DELETE of history)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from warroom.shared.schema import LATEST, current_version

    db = _db(args)
    out(f"shared store: {db.dsn.safe}")  # type: ignore[attr-defined]
    with db.session() as conn:  # type: ignore[attr-defined]
        version = current_version(conn)
        ssl = conn.pgconn.ssl_in_use
    if version is None:
        out(f"schema: none (run `{command('shared', 'init')}`); this warroom needs version {LATEST}")
        return 7
    init = "" if version >= LATEST else f": run `{command('shared', 'init')}`"
    out(f"schema: version {version} (this warroom needs {LATEST}){init}")
    out(f"connection: ok, TLS {'on' if ssl else 'off'}")
    return 0 if version >= LATEST else 7
