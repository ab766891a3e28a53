"""Where things live: the shipped library (checkout or wheel), the user's config and state dirs."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

_PKG = Path(__file__).resolve().parent
APP_NAME = "warroom"


def shipped_runbooks_dir() -> Path:
    """The shipped runbook library: inside the wheel, or ``runbooks/`` beside the package in a checkout."""
    wheel = _PKG / "_shipped" / "runbooks"
    if wheel.is_dir():
        return wheel
    return _PKG.parent / "runbooks"


def shipped_templates_dir() -> Path:
    """PIR templates shipped with the library."""
    return shipped_runbooks_dir() / "templates"


def user_config_path() -> Path:
    """Default config file location (XDG config dir)."""
    import platformdirs    # here, not at the top: the step supervisor imports the journal (and its
                           # hints' ``command``) with the standard library only on its path

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_state_dir() -> Path:
    """Default state dir (XDG state dir): incidents, drills, logs."""
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME))


def user_cache_dir() -> Path:
    """The user's cache dir (XDG cache dir): what warroom keeps only to start faster, safe to delete."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME))


def program() -> str:
    """The name a printed command gives warroom (a resume, relaunch or replay line) so that, pasted
    into a shell, it runs this very warroom: ``warroom`` when that is what the shell finds on PATH,
    else the console script's absolute path. ``make demo`` runs ``.venv/bin/warroom``, which no PATH
    names: a bare ``warroom resume …`` printed there answered "command not found". Run otherwise
    (``python -m tui``, tests) there is no script to name and the documented name stands."""
    import shutil
    import sys

    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is None or script.name != APP_NAME or not script.is_file():
        return APP_NAME
    found = shutil.which(APP_NAME)
    if found is not None and Path(found).resolve() == script.resolve():
        return APP_NAME
    return str(script.absolute())


def command(*words: str) -> str:
    """A warroom command a person is told to type, as they must type it: ``program()`` then the
    words, each quoted for a POSIX shell where it needs it (a state dir with a space, an odd id).
    The one way every hint, error and exact line names a command: a bare ``warroom …`` written by
    hand answers "command not found" after ``make demo`` (tests/unit/test_commands_one_way.py
    finds any user-visible text that names one another way). Placeholders (``ID``, ``REF``) are
    words like any other."""
    return shlex.join([program(), *words])


DRILLS = "drills"
"""The drills' store under a state dir (``<state>/drills``): the dashboard's drill incidents
(``<state>/drills/incidents/INC-…``) and the drills' worlds, apart from real incidents."""


def is_drills_store(state_dir: str | os.PathLike[str]) -> bool:
    """Whether ``state_dir`` is itself a drills' store (named ``drills``): the ``--state-dir`` the quit
    dialog's resume line, ``incident list`` and every other resume line name for a drill incident."""
    return Path(state_dir).name == DRILLS


def drills_store(state_dir: str | os.PathLike[str]) -> Path:
    """The drills' store of a state dir: ``<state>/drills``, or the state dir itself when it is one.
    A drill command given the store a resume line named uses that store, never one nested in it
    (``incident new --drill --state-dir …/drills`` put its world in ``…/drills/drills/drills``, where
    no ``warroom drill`` looked: redteam37 F10)."""
    return Path(state_dir) if is_drills_store(state_dir) else Path(state_dir) / DRILLS


def id_neighbour(state_dir: str | os.PathLike[str]) -> Path:
    """The other incident store of the pair a user reaches, a state dir and its drills' store: the
    drills' store of a state dir, the state dir of a drills' store. Both number ``INC-<date>-N`` as
    one sequence, so an id names one incident whichever of the two holds it (``warroom resume``,
    ``incident show`` and ``_tied_incident`` look in both)."""
    return Path(state_dir).parent if is_drills_store(state_dir) else Path(state_dir) / DRILLS


def store_option(incident_dir: str | os.PathLike[str] | None) -> tuple[str, ...]:
    """The words a command about the incident kept in ``incident_dir`` needs so that, pasted, it
    opens that very incident: ``("--state-dir", ROOT)`` when it lives in a drills' store
    (``ROOT/incidents/ID`` with ``ROOT`` = ``<state>/drills``), none otherwise. Without them
    ``incident verify`` and ``repair`` look in the state dir only, and the other commands look
    there first, where a real incident may carry the same id (each store numbered its own
    ``INC-<date>-1`` up before they shared one sequence: ``id_neighbour``). Written
    ``command('incident', 'verify', ID, *store_option(dir))``."""
    if incident_dir is None:
        return ()
    where = Path(incident_dir)
    root = where.parent.parent
    if where.parent.name != "incidents" or root.name != DRILLS:
        return ()
    return ("--state-dir", str(root.absolute()))


def expand(path: str | os.PathLike[str]) -> Path:
    """Expand ``~`` and environment variables the way users expect in a config file."""
    return Path(os.path.expandvars(os.path.expanduser(str(path))))
