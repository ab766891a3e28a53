"""Which PostgreSQL the shared store is, and how to speak of it without its password.

The DSN comes from ``--shared DSN`` (wins), ``$WARROOM_DSN``, then ``[shared] dsn``. Its password
(if someone put one in it), the ``password_env`` variable's value and ``$PGPASSWORD`` are secrets:
every text that leaves this package (errors, ``shared status``, journal lines) goes through
:meth:`Dsn.redact`, which replaces them (raw and URL-encoded) and any ``password=…`` /
``user:pw@`` form with ``***``. TLS is libpq's: ``sslmode``, ``sslrootcert``, ``sslcert``,
``sslkey`` written in the DSN are passed through untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from warroom.errors import ConfigError

if TYPE_CHECKING:
    from warroom.config import Config

DSN_ENV = "WARROOM_DSN"
PASSWORD_ENV = "WARROOM_DSN_PASSWORD_ENV"
"""For processes warroom starts (the step forwarder): the name of the variable holding the password."""
MASK = "***"
_URL_PW = re.compile(r"(?P<scheme>postgres(?:ql)?://)(?P<user>[^:@/?#\s]*):(?P<pw>[^@/?#\s]*)@", re.I)
_KV_PW = re.compile(r"(?P<key>\bpassword\s*=\s*)(?P<val>'(?:[^'\\]|\\.)*'|\S+)", re.I)
_Q_PW = re.compile(r"(?P<key>[?&]password=)(?P<val>[^&\s#]*)", re.I)


@dataclass(frozen=True)
class Dsn:
    """A DSN and the secrets that must never be shown."""

    text: str
    secrets: tuple[str, ...] = field(default=(), repr=False)
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"Dsn({self.safe!r})"

    @property
    def safe(self) -> str:
        """The DSN as it may be shown: password replaced by ``***``."""
        return self.redact(self.text)

    def redact(self, text: str) -> str:
        """``text`` with every secret of this DSN (and any password-looking field) masked."""
        out = str(text)
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= 1:
                for form in {secret, quote(secret, safe=""), quote(secret)}:
                    out = out.replace(form, MASK)
        out = _URL_PW.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", out)
        out = _Q_PW.sub(lambda m: f"{m['key']}{MASK}", out)
        return _KV_PW.sub(lambda m: f"{m['key']}{MASK}", out)

    def where(self) -> str:
        """``host:port/dbname`` for messages (no user, no password, no options)."""
        parts = self.parts()
        host = parts.get("host") or "localhost"
        port = parts.get("port") or "5432"
        return f"{host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"

    def parts(self) -> dict[str, str]:
        """The DSN's fields (URL or ``key=value`` form), parsed without psycopg."""
        text = self.text.strip()
        if re.match(r"^postgres(?:ql)?://", text, re.I):
            u = urlsplit(text)
            out = {k: v for k, v in parse_qsl(u.query, keep_blank_values=True)}
            netloc = u.netloc.rpartition("@")[2]
            host, _, port = netloc.rpartition(":") if netloc.count(":") == 1 else (netloc, "", "")
            if host:
                out.setdefault("host", unquote(host))
            if port:
                out.setdefault("port", port)
            if u.username:
                out.setdefault("user", unquote(u.username))
            path = u.path.lstrip("/")
            if path:
                out.setdefault("dbname", unquote(path))
            return out
        out = {}
        for m in re.finditer(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", text):
            val = m.group(2)
            out[m.group(1)] = val[1:-1].replace("\\'", "'") if val.startswith("'") else val
        return out

    def store_key(self) -> str:
        """A short name for this database (host, port, dbname): where its incidents' local files
        live. Never derived from the user or password."""
        p = self.parts()
        ident = f"{p.get('host') or 'localhost'}|{p.get('port') or '5432'}|{p.get('dbname') or p.get('user') or ''}"
        return hashlib.sha256(ident.encode()).hexdigest()[:16]


def shown(text: str) -> str:
    """A DSN typed on a command line as it may be printed back (in a resume command): password
    ``***``; one that cannot be read at all is all ``***``."""
    try:
        return make_dsn(text).safe
    except ConfigError:
        return MASK


def make_dsn(text: str, password_env: str | None = None) -> Dsn:
    """The DSN with its secrets collected; ``password_env`` names a variable holding the
    password (kept out of the DSN, so out of configs and ``ps``)."""
    text = text.strip()
    if not text:
        raise ConfigError("shared.dsn is empty: give a PostgreSQL DSN like"
                          " postgresql://user@host:5432/warroom (or leave it out for the local journal)")
    secrets: list[str] = []
    m = _URL_PW.search(text)
    if m and m["pw"]:
        secrets.append(unquote(m["pw"]))
        secrets.append(m["pw"])
    for rx in (_KV_PW, _Q_PW):
        for mm in rx.finditer(text):
            val = mm["val"]
            if rx is _KV_PW and len(val) >= 2 and val.startswith("'") and val.endswith("'"):
                secrets.append(re.sub(r"\\(.)", r"\1", val[1:-1]))   # libpq's quoting: \' and \\
            else:
                secrets.append(unquote(val))
            secrets.append(val)
    password: str | None = None
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise ConfigError(f"shared.password_env: environment variable {password_env} is not set")
    env_pw = os.environ.get("PGPASSWORD")
    for s in (password, env_pw):
        if s:
            secrets.append(s)
    return Dsn(text, tuple(s for s in dict.fromkeys(secrets) if s), password)


def resolve(config: Config) -> Dsn | None:
    """The shared store's DSN: ``--shared`` (``shared.override``) wins, then ``$WARROOM_DSN``,
    then ``[shared] dsn``; None means the local file journal."""
    text = config.shared.override or os.environ.get(DSN_ENV) or config.shared.dsn
    if not text:
        return None
    return make_dsn(text, config.shared.password_env)
