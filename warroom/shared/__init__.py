"""The shared incident store: an incident's journal in PostgreSQL, for several responders.

Without a DSN nothing here is imported (the local file journal is the default and psycopg is
never loaded). With one (``[shared] dsn``, ``--shared DSN`` or ``$WARROOM_DSN``):

* ``dsn``: finding the DSN and keeping its password out of every message;
* ``db``: connections (psycopg 3, imported lazily), errors said with the password redacted;
* ``schema``: the tables, created and migrated by ``warroom shared init`` (versioned);
* ``journal``: :class:`SharedJournal`, the same events, lines and hash chain as the file journal,
  one transaction per append; the local spool that carries a running step's end across an outage;
* ``listen``: LISTEN/NOTIFY wake-ups, catch-up reads and presence heartbeats;
* ``share``: copying a local incident in, line for line (``warroom incident share``).
"""
