"""A step's end reaches the shared store even when nobody's warroom is left on its host.

``run_step`` on a shared incident starts this beside the step's supervisor, in its own session
(quitting warroom, a dropped SSH connection or ``kill -9`` of warroom does not touch it)::

    python -m warroom.shared.forwarder LOCAL_DIR INCIDENT OUTPUT

It waits for the step to end (its supervisor holds the output file's lock until the end is in
the spool), then forwards this host's spool to the store (:meth:`SharedJournal.forward`: in
order, exactly once), retrying while the store is down for up to :data:`GIVE_UP_AFTER`; after
that the spool keeps the events for the next warroom that opens the incident on this host.

The DSN comes from the environment the step was started with (``WARROOM_DSN`` set by warroom
for this process, with ``WARROOM_DSN_PASSWORD_ENV`` naming the password's variable when the
config uses ``password_env``); it is never written to disk or put on the command line.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

GIVE_UP_AFTER = 24 * 3600.0
WAIT_STEP = 0.5
RETRY_MAX = 5.0


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m warroom.shared.forwarder LOCAL_DIR INCIDENT OUTPUT", file=sys.stderr)
        return 2
    local_dir, incident, output = Path(argv[0]), argv[1], Path(argv[2])
    from warroom.execute.output_files import output_locked
    from warroom.shared.db import SharedStoreDown, SharedStoreError
    from warroom.shared.dsn import DSN_ENV, PASSWORD_ENV, make_dsn
    from warroom.shared.journal import SharedJournal
    from warroom.shared.store import SharedStore

    text = os.environ.get(DSN_ENV)
    if not text:
        print("warroom forwarder: no DSN in the environment; the spool waits for the next warroom",
              file=sys.stderr)
        return 2
    dsn = make_dsn(text, os.environ.get(PASSWORD_ENV) or None)
    journal = SharedJournal(SharedStore(dsn), incident, local_dir, "forwarder")
    # The step's supervisor holds the output's lock until its end is in the spool (its steps
    # have timeouts, so this ends); a missing file means there is nothing to wait for.
    while output_locked(output):
        time.sleep(WAIT_STEP)
    try:
        give_up = float(os.environ.get("WARROOM_FORWARD_GIVE_UP") or GIVE_UP_AFTER)
    except ValueError:
        give_up = GIVE_UP_AFTER
    deadline = time.monotonic() + give_up
    pause = 1.0
    while True:
        try:
            journal.forward()
            return 0
        except SharedStoreDown as exc:
            if time.monotonic() > deadline or not local_dir.is_dir():
                print(f"warroom forwarder: {exc}; giving up, the spool keeps the events", file=sys.stderr)
                return 7
        except SharedStoreError as exc:
            print(f"warroom forwarder: {exc}; the spool keeps the events", file=sys.stderr)
            return 7
        time.sleep(pause)
        pause = min(RETRY_MAX, pause * 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
