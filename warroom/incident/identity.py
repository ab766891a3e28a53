"""Who is acting: the person behind an approval, a handoff acknowledgement or a refusal.

The journal's ``actor`` (``user@host``) says who wrote a line, but it can be set by the config
(``incident.commander``) and ``user`` comes from ``$LOGNAME``/``$USER`` when those are set: fine
for a timeline, not for a two-person rule. So the rules that need a *person* use
:func:`whoami`, which asks the operating system for the account the process runs as
(``pwd.getpwuid(os.geteuid())``; the environment is never read), and record it in the event
next to the host.

What counts as the same person (:func:`same_person`): the same login name (case-insensitively),
whatever the host, because a person has the same account on every bastion; and, to err on the
safe side, the same name in the journal actor (``alice@bastion-1`` and ``alice@bastion-2`` are one
person, and a config that names its user ``bob`` makes that process count as bob as well as its
real login). Refusing two people who share a login is the price: a shared account cannot hold
two people apart, so it cannot provide a second person.

What warroom cannot guarantee on one machine: someone who can log in as a second account
(``sudo -u``, root, a colleague's unlocked terminal) *is* that second person as far as any local
program can tell, and someone who can write the journal file can write any line (the hash chain,
the witness and the signed checkpoints make such a line detectable, not impossible). A shared
store that authenticates each responder (a database role per person) moves that boundary to
the database's own authentication.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Person:
    """An acting person: the OS login and uid of the process, the host, the journal actor."""

    login: str
    uid: int
    host: str
    actor: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "uid": self.uid, "host": self.host, "actor": self.actor}

    @property
    def shown(self) -> str:
        return f"{self.login}@{self.host}"


def os_login(uid: int | None = None) -> str:
    """The account name of ``uid`` (the effective uid by default) from the password database;
    the uid as text when it has no entry. Never from the environment."""
    import pwd

    uid = os.geteuid() if uid is None else uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def whoami(actor: str = "") -> Person:
    """The person this process acts for (see the module docstring for what that guarantees)."""
    return Person(login=os_login(), uid=os.geteuid(), host=socket.gethostname(), actor=actor)


def person_of(data: Any) -> Person | None:
    """A :class:`Person` from an event's ``{login, uid, host, actor}`` (None when malformed)."""
    if not isinstance(data, dict) or not str(data.get("login") or "").strip():
        return None
    try:
        uid = int(data.get("uid", -1))
    except (TypeError, ValueError):
        uid = -1
    return Person(login=str(data["login"]), uid=uid, host=str(data.get("host") or ""),
                  actor=str(data.get("actor") or ""))


def _names(p: Person) -> set[str]:
    names = {p.login.strip().casefold()}
    actor = p.actor.strip()
    if actor:
        names.add(actor.rsplit("@", 1)[0].strip().casefold() if "@" in actor else actor.casefold())
    return {n for n in names if n}


def same_person(a: Person, b: Person) -> bool:
    """True when ``a`` and ``b`` may be one person: any name in common (login or actor name),
    on any host."""
    return bool(_names(a) & _names(b))


def names_person(p: Person, name: str) -> bool:
    """Whether ``name`` (as a role was given: ``bob``, ``@bob``, ``bob@bastion-2``) names ``p``:
    their OS login only. This one *grants* a right (acknowledging a handoff), so the journal
    actor's name — which any config can set (``incident.commander = "bob"``) — does not count
    here; it only ever takes rights away (:func:`same_person`)."""
    wanted = name.strip().lstrip("@")
    wanted = wanted.rsplit("@", 1)[0] if "@" in wanted else wanted
    login = p.login.strip().casefold()
    return bool(login) and wanted.strip().casefold() == login
