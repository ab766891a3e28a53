"""Whose seat a drill incident's world is on.

A drill's world (its panes, stand-ins, step runs, drill shell and report) is a directory of the account that started
the drill, on its host. On a shared incident a second responder's warroom reads the same journal, but not that
directory: every path that needs the world (``resume``, ``drill shell``, ``incident run``, ``drill-report``, the
metric sync of ``incident show``) says so in one plain sentence, with what this seat can do instead, rather than a
bare ``Permission denied`` or a path that "is not under" another store (redteam48 F5).
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from warroom.paths import command


def other_seat(incident_id: str, drill_dir: str | os.PathLike[str], *, shared: bool = False) -> str | None:
    """Why this account cannot work ``incident_id``'s drill world at ``drill_dir``: the directory is another account's
    (it cannot read and write it), or, for a ``shared`` incident, it is not on this host at all; None when it can, or
    when a local incident's directory is simply gone (its own message says so)."""
    path = Path(drill_dir)
    try:
        owner_uid = path.stat().st_uid
    except FileNotFoundError:
        return _sentence(incident_id, path, None, "is not on this host") if shared else None
    except PermissionError:     # a directory above it is closed to this account: whose is the nearest one seen
        return _sentence(incident_id, path, _nearest_owner(path), "cannot be reached by this account")
    if os.access(path, os.R_OK | os.W_OK | os.X_OK) and os.access(path / "drill.json", os.R_OK | os.W_OK):
        return None
    return _sentence(incident_id, path, _name(owner_uid), "is not writable by this account")


def _nearest_owner(path: Path) -> str | None:
    """The owner of the deepest directory above ``path`` this account can look at (the drill's own is closed to it):
    a home or a state dir is its account's; None when none can be seen."""
    for parent in path.parents:
        try:
            return _name(parent.stat().st_uid)
        except OSError:
            continue
    return None


def _name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _sentence(incident_id: str, path: Path, owner: str | None, why: str) -> str:
    seat = f"{owner}'s seat" if owner else "the seat that started it"
    return (f"{incident_id} is a drill worked from {seat}: its world (panes, stand-ins, step runs, drill shell, drill"
            f" report) lives in {path}, which {why}. From here you can read the incident"
            f" (`{command('incident', 'show', incident_id)}`), note, approve and send updates; steps, the drill shell"
            " and the drill report run on that seat")
