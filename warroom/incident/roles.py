"""The incident's roles: incident commander, ops lead, comms lead, scribe.

Stored under the short words the journal has always used (``commander``, ``ops``, ``comms``,
``scribe``); the longer names and ``ic`` are accepted for them. Anything else is refused with the
list, so a typo never creates a role nobody looks at (older journals that hold other words
replay as written).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from warroom.errors import WarroomError
from warroom.journal import events as ev

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.state import IncidentState

PERSON_MAX = 64
"""Longest person name a role takes (a login name, or a name someone is known by)."""

ROLES: dict[str, str] = dict(zip(ev.ROLE_NAMES, ("incident commander", "ops lead", "comms lead", "scribe"),
                                strict=True))
"""Canonical role word -> what it is called."""
ROLE_SHORT: dict[str, str] = {"commander": "IC", "ops": "Ops", "comms": "Comms", "scribe": "Scribe"}
_ALIASES = {"ic": "commander", "incident-commander": "commander", "incident commander": "commander",
            "incident_commander": "commander", "commander": "commander",
            "ops": "ops", "ops-lead": "ops", "ops lead": "ops", "ops_lead": "ops", "operations": "ops",
            "operations-lead": "ops", "comms": "comms", "comms-lead": "comms", "comms lead": "comms",
            "comms_lead": "comms", "communications": "comms", "communications-lead": "comms",
            "scribe": "scribe"}


def canonical_role(word: str) -> str:
    """``IC`` / ``incident commander`` / ``ops-lead`` -> the stored word; unknown words refused
    with the list of valid ones."""
    key = " ".join(str(word).strip().lower().split())
    found = _ALIASES.get(key) or _ALIASES.get(key.replace(" ", "-"))
    if found is None:
        valid = "; ".join(f"{k} ({v})" for k, v in ROLES.items())
        raise WarroomError(f"unknown role {word!r}: the roles are {valid}")
    return found


def check_person(name: str) -> str:
    """A person's name as a role takes it: stripped, a leading ``@`` dropped; refused when empty,
    longer than :data:`PERSON_MAX`, or holding control or format characters (a newline, an escape
    sequence, a bidi override or a zero-width character makes the header, the PIR and the
    acknowledgement rule show or match someone else than who was typed)."""
    person = str(name).strip().lstrip("@").strip()
    if not person:
        raise WarroomError("a role needs a person (their login name)")
    if len(person) > PERSON_MAX:
        raise WarroomError(f"person name too long ({len(person)} characters, at most {PERSON_MAX}): give their"
                           " login name")
    bad = next((c for c in person if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")), None)
    if bad is not None:
        raise WarroomError(f"person name {person!r} holds the control character U+{ord(bad):04X}: give their"
                           " login name")
    return person


def default_commander(config: Config) -> str:
    """The incident commander when none is given: ``incident.commander``, else the login name
    (a person, not ``user@host``: the host is in every journal line's actor already)."""
    if config.incident.commander and config.incident.commander.strip():
        return config.incident.commander.strip()
    import getpass
    import os

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def assignment_line(state: IncidentState, role: str, person: str, reason: str, *,
                    redact: Callable[[str], str],
                    brief: Callable[[], dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The ``role.assigned`` line giving ``role`` to ``person`` (both checked, refused when they
    hold it already). A new commander is a handoff: the line carries the catch-up brief
    (``brief()``, computed from the journal now, only then), which the incoming commander
    acknowledges."""
    from warroom.journal import events as ev

    role = canonical_role(role)
    person = check_person(person)
    if state.roles.get(role) == person:
        raise WarroomError(f"{person} already holds {role}")
    data: dict[str, Any] = {"role": role, "person": redact(person)}
    if reason.strip():
        data["reason"] = redact(reason.strip())
    if role == "commander" and state.roles.get("commander"):
        data["brief"] = brief()
    return ev.ROLE_ASSIGNED, data
