"""The incident journal: an append-only, hash-chained JSON-lines file and the event types it
holds. The lowest layer of the core: the step supervisor (``warroom.execute``) writes it from
its own process, the incident service (``warroom.incident``) reads and appends through it, and
it imports neither of them.

* ``log``: ``Journal`` (locked appends), reading and verifying a journal file;
* ``encoding``: one line's JSON form, its hash and signature;
* ``reader``: following a journal as it grows;
* ``events``: the event types and the vocabularies in them;
* ``seal`` and ``proof``: signed checkpoints of the chain and checking them.
"""
