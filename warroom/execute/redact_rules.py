"""What counts as a secret or as personal data: the built-in patterns, the PII patterns and the
name and value tests behind them.

The patterns change as new token formats appear, independently of the machinery that applies
them to output; keeping them here makes a new rule a one-place change that is easy to review.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Callable

SECRET_NAME_PARTS: tuple[str, ...] = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")

_TRIVIAL_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null",
                             "enabled", "disabled", "default", "unset"})

MIN_SECRET_LEN = 6


# A private key block: redacted whole, from its BEGIN line to its END line.
_PEM_BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(rb"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(rb"[ \t]*(?:[A-Za-z0-9+/=]*|[A-Za-z][A-Za-z0-9-]*:[^\n]*)[ \t\r]*")


def marker(kind: str) -> bytes:
    return b"[REDACTED:" + kind.encode("utf-8", "replace") + b"]"


_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")

_EMAIL_LOCAL = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")

Span = tuple[int, int, str]


class Deferred:
    """A built-in rule's regex, compiled the first time its rule runs. A rule runs only on text holding one of its
    triggers (or passing its precheck), so most processes that import the rules (every command that journals, each
    step's supervisor) run few of them or none, and compiling all of them was most of this module's import (~8 ms CPU
    of every such process). ``tests/unit/test_redact_rules_deferred.py`` compiles every one."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: bytes) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[bytes] | None = None

    @property
    def compiled(self) -> re.Pattern[bytes]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def finditer(self, text: bytes) -> Iterator[re.Match[bytes]]:
        return self.compiled.finditer(text)

    def __eq__(self, other: object) -> bool:      # as compiled patterns compare (a rule's equality is its fields')
        return isinstance(other, Deferred) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


@dataclass(frozen=True)
class Rule:
    """One pattern.

    ``lower``: the regex is written in lower case and runs on the ASCII-lowercased text (same
    length, so spans map back) — a case-insensitive match without ``re.IGNORECASE``, whose
    alternations make Python's regex engine try every position (~10 MB/s). Every built-in regex
    starts with a literal, which the engine finds with a fast scan (hundreds of MB/s).
    ``group``: the part replaced (0: the whole match). ``boundary``: the match must not follow a
    word character (what a leading ``\b`` would say, checked here to keep the literal first).
    ``left``: moves the start of a match to the left, or rejects it (None) — for the parts a
    regex cannot start with cheaply (an email's local part, an SSN's first three digits).
    ``triggers``: lowercase strings every match contains (see the module docstring); empty means
    "always run". ``precheck``: a cheap test of a whole batch that must pass for any match to
    exist. ``check``: a last test on the replaced part (the Luhn check for cards).
    """

    kind: str
    regex: re.Pattern[bytes] | Deferred      # Deferred: a built-in's; a user's pattern is compiled (RE2) when read
    group: int | str = 0
    triggers: tuple[bytes, ...] = ()
    lower: bool = False
    boundary: bool = False
    left: Callable[[bytes, int], int | None] | None = None
    precheck: Callable[[bytes], bool] | None = None
    check: Callable[[bytes], bool] | None = None

    def spans(self, data: bytes, low: bytes) -> list[Span]:
        if self.precheck is not None and not self.precheck(data):
            return []
        text = low if self.lower else data
        out: list[Span] = []
        for m in self.regex.finditer(text):
            start, end = m.span(self.group)
            if start < 0:
                continue
            if self.boundary and m.start() > 0 and data[m.start() - 1] in _WORD:
                continue
            if self.left is not None:
                moved = self.left(data, start)
                if moved is None:
                    continue
                start = moved
            if self.check is not None and not self.check(data[start:end]):
                continue
            out.append((start, end, self.kind))
        return out


def _luhn(raw: bytes) -> bool:
    digits = [d - 48 for d in raw if 48 <= d <= 57]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _lc(kind: str, pattern: bytes, triggers: tuple[bytes, ...], group: int | str = "secret",
        boundary: bool = False, check: Callable[[bytes], bool] | None = None) -> Rule:
    """A case-insensitive rule: ``pattern`` in lower case, run on lowered text."""
    return Rule(kind, Deferred(pattern), group, triggers, lower=True, boundary=boundary, check=check)


# Where a command reads a secret at run time, never a secret itself: a shell variable (``$API_TOKEN``,
# ``${PW}``), a command substitution (``$(vault read ...)``, backticks) and a runbook's own
# placeholders (``{{ token }}``, ``<password>``: ``warroom.runbook.params``), which the step asks for
# before it runs. Runbooks and their incident snapshots keep them, so the command still works: a
# snapshot that redacted one would garble the command and the step would be refused as holding a secret.
_RUNTIME = rb"\$\{|\$[A-Za-z_]|\$\(|`|\{\{|<[A-Za-z_][A-Za-z0-9_ .-]*>"
_VAR_REF = re.compile(_RUNTIME)


def _no_variable(raw: bytes) -> bool:
    """A header value built from run-time references (``$VARIABLES``, ``$(command)``, a runbook's
    ``{{ placeholder }}``) is a template that reads its secret at run time."""
    return _VAR_REF.search(raw) is None


def _cs(kind: str, pattern: bytes, triggers: tuple[bytes, ...], group: int | str = 0,
        boundary: bool = True) -> Rule:
    """A case-sensitive rule (key formats): ``pattern`` runs on the text itself."""
    return Rule(kind, Deferred(pattern), group, triggers, lower=False, boundary=boundary)


_Q = rb"[\"']?[ \t]*[:=][ \t]*[\"']?"  # what joins a name to its value: `: `, `=`, `": "`

# A value that starts with a run-time reference (``_RUNTIME``) is where a secret is read from.
_NOT_VAR = rb"(?!" + _RUNTIME + rb")"

_VALUE = rb"(?!\[redacted)" + _NOT_VAR + rb"(?P<secret>[^\s\"',;{}]{4,})"

_AUTH_SCHEMES = rb"(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|aws4-hmac-sha256)[ \t]+)?"

BUILTIN_RULES: tuple[Rule, ...] = (
    _lc("authorization", rb"authorization" + _Q + _AUTH_SCHEMES + rb"(?!\[redacted)" + _NOT_VAR + rb"(?P<secret>[^\s\"'][^\"'\n]*)",
        (b"authorization",), check=_no_variable),
    _lc("bearer", rb"bearer[ \t]+(?!\[redacted)(?P<secret>[a-z0-9._~+/-]{8,}=*)", (b"bearer",), boundary=True),
    _cs("url_password", rb"://[^\s:/@\"']*:" + _NOT_VAR + rb"(?P<secret>[^\s@/\"']+)@", (b"@",), "secret", boundary=False),
    _cs("aws_access_key_id", rb"AKIA[A-Z0-9]{16}(?![A-Za-z0-9])", (b"akia",)),
    _cs("aws_access_key_id", rb"ASIA[A-Z0-9]{16}(?![A-Za-z0-9])", (b"asia",)),
    _lc("aws_secret_access_key",
        rb"secret_?access_?key" + _Q + rb"(?P<secret>[a-z0-9/+=]{40})(?![a-z0-9/+=_-])", (b"secret",)),
    _lc("aws_session_token", rb"session_?token" + _Q + rb"(?P<secret>[a-z0-9/+=]{16,})", (b"session",)),
    _lc("aws_session_token", rb"security[_-]?token" + _Q + rb"(?P<secret>[a-z0-9/+=]{16,})", (b"security",)),
    _cs("anthropic_key", rb"sk-ant-[A-Za-z0-9_-]{16,}", (b"sk-",)),
    _cs("api_key", rb"sk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}", (b"sk-",)),
    _cs("slack_token", rb"xox[abposr]-[A-Za-z0-9-]{10,}", (b"xox",)),
    _cs("slack_webhook", rb"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+",
        (b"hooks",), boundary=False),
    _cs("github_token", rb"gh[pousr]_[A-Za-z0-9]{30,}", (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_")),
    _cs("github_token", rb"github_pat_[A-Za-z0-9_]{22,}", (b"github_pat_",)),
    _cs("google_api_key", rb"AIza[0-9A-Za-z_-]{35}", (b"aiza",)),
    _cs("jwt", rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", (b"eyj",)),
    # Stripe secret and restricted keys, webhook signing secrets
    _cs("stripe_key", rb"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}", (b"sk_live_", b"sk_test_", b"rk_live_", b"rk_test_")),
    _cs("stripe_key", rb"whsec_[0-9A-Za-z]{20,}", (b"whsec_",)),
    # GitLab personal/deploy/runner/trigger/... tokens
    _cs("gitlab_token", rb"gl(?:pat|dt|rt|ptt|soat|cbt|ffct|imt|oas|agent)-[0-9A-Za-z_.-]{20,}",
        (b"glpat-", b"gldt-", b"glrt-", b"glptt-", b"glsoat-", b"glcbt-", b"glffct-", b"glimt-", b"gloas-",
         b"glagent-")),
    _cs("gitlab_token", rb"GR1348941[0-9A-Za-z_-]{20,}", (b"gr",)),
    _cs("npm_token", rb"npm_[A-Za-z0-9]{30,}", (b"npm_",)),
    _cs("huggingface_token", rb"hf_[A-Za-z0-9]{30,}", (b"hf_",)),
    _cs("sendgrid_key", rb"SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", (b"sg",)),
    # Azure: storage connection strings (AccountKey=, SharedAccessKey=), SAS signatures, and a bare
    # storage account key (88 base64 characters ending "==", as `az storage account keys list` prints)
    _lc("azure_key", rb"(?:accountkey|sharedaccesskey)[ \t]*=[ \t]*(?P<secret>[a-z0-9+/=]{16,})",
        (b"accountkey", b"sharedaccesskey")),
    _lc("azure_sas", rb"[?&]sig=(?P<secret>[a-z0-9%+/=]{16,})", (b"sig",)),
    Rule("azure_key", Deferred(rb"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"), 0, (),
         precheck=lambda data: b"==" in data),
    # mysql -pSECRET (the password glued to -p; `-p` alone prompts), MYSQL_PWD=
    _cs("password", rb"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mariadb"
                    rb"|mariadb-dump|mariadb-admin)\b[^\n|;&]*?[ \t]-p(?![ \t]|$)[\"']?" + _NOT_VAR + rb"(?P<secret>[^\s\"']+)",
        (b"mysql", b"mariadb"), "secret", boundary=False),
    _lc("password", rb"mysql_pwd" + _Q + _VALUE, (b"mysql_pwd",)),
    # curl -u user:password (also -su, --user, --proxy-user, -U)
    _cs("password", rb"\bcurl\b[^\n|;&]*?[ \t](?:-[A-Za-z]*[uU]|--user|--proxy-user)(?:[ \t]+|=)?[\"']?"
                    rb"[^\s:\"']*:" + _NOT_VAR + rb"(?P<secret>[^\s\"']+)", (b"curl",), "secret", boundary=False),
    # cookies: request headers, response headers, curl -b/--cookie
    _lc("cookie", rb"(?:set-)?cookie[ \t]*:[ \t]*(?!\[redacted)" + _NOT_VAR + rb"(?P<secret>[^\s\"'][^\n\"']*)", (b"cookie",),
        check=_no_variable),
    Rule("cookie", Deferred(rb"\bcurl\b[^\n|;&]*?[ \t](?:-b|--cookie)(?:[ \t]+|=)[\"']?" + _NOT_VAR
                              + rb"(?P<secret>[^\s\"']*=[^\s\"']*)"), "secret", (b"curl",), check=_no_variable),
    # a private key base64-wrapped (Kubernetes `tls.key:`, kubeconfig `client-key-data:`):
    # "LS0tLS1CRUdJTi" is base64 of "-----BEGIN"; the token is decoded to confirm a private key
    Rule("private_key", Deferred(rb"LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,}={0,2}"), 0, (b"lstlscrudjti",),
         check=lambda raw: _is_private_key_b64(raw)),
    # name = value: the name stays, the value goes (the name is the *last* word of the key, so
    # `secretName:` and `max_tokens:` are left alone)
    _lc("secret", rb"passw(?:or)?d" + _Q + _VALUE, (b"passw",)),
    # a quoted value may hold spaces (libpq's key=value DSN: password='a b', with \' inside)
    _lc("secret", rb"passw(?:or)?d[\"']?[ \t]*[:=][ \t]*'(?!\[redacted)" + _NOT_VAR
                  + rb"(?P<secret>(?:[^'\\\n]|\\.){4,})'", (b"passw",)),
    _lc("secret", rb"passw(?:or)?d[\"']?[ \t]*[:=][ \t]*\"(?!\[redacted)" + _NOT_VAR
                  + rb"(?P<secret>(?:[^\"\\\n]|\\.){4,})\"", (b"passw",)),
    _lc("secret", rb"secret" + _Q + _VALUE, (b"secret",)),
    _lc("secret", rb"token" + _Q + _VALUE, (b"token",)),
    _lc("secret", rb"api[_-]?key" + _Q + _VALUE, (b"apikey", b"api_key", b"api-key")),
    _lc("secret", rb"private[_-]?key" + _Q + _VALUE, (b"private",)),
    _lc("secret", rb"access[_-]?key" + _Q + _VALUE, (b"access",)),
    _lc("secret", rb"--(?:[a-z0-9]+-)*(?:password|passwd|token|secret|api-?key)(?:=|[ \t]+)[\"']?"
                  rb"(?!\[redacted)(?!-)" + _NOT_VAR + rb"(?P<secret>[^\s\"']{3,})",
        (b"passw", b"secret", b"token", b"apikey", b"api-key")),
)


def _is_private_key_b64(raw: bytes) -> bool:
    """True when base64 ``raw`` decodes to a PEM private key header (checked on its start)."""
    import base64
    import binascii

    head = raw[:128]
    head = head[: len(head) - len(head) % 4]
    try:
        decoded = base64.b64decode(head, validate=True)
    except (binascii.Error, ValueError):
        return False
    return decoded.startswith(b"-----BEGIN") and b"PRIVATE KEY" in decoded


def _email_local(data: bytes, at: int) -> int | None:
    start = at
    while start > 0 and data[start - 1] in _EMAIL_LOCAL:
        start -= 1
    return start if start < at else None


_DIGITS = frozenset(b"0123456789")


def _ssn_area(data: bytes, dash: int) -> int | None:
    """The three digits before the first dash of an SSN (not 000, 666 or 9xx, not preceded by
    another digit or dash)."""
    start = dash - 3
    if start < 0 or any(b not in _DIGITS for b in data[start:dash]):
        return None
    if start > 0 and (data[start - 1] in _DIGITS or data[start - 1] == 0x2D):
        return None
    area = data[start:dash]
    return None if area in (b"000", b"666") or area[0] == 0x39 else start


# Digits -> "0", spaces and dashes dropped, anything else -> ".": a card number (13-19 digits,
# maybe grouped by spaces or dashes) leaves 13 zeros in a row. Plain numeric output does not.
_CARD_MAP = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))


def _card_possible(data: bytes) -> bool:
    return b"0000000000000" in data.translate(_CARD_MAP, b" -")


PII_RULES: tuple[Rule, ...] = (
    Rule("email", Deferred(rb"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"), 0, (b"@",),
         left=_email_local),
    Rule("ssn", Deferred(rb"-(?!00)\d{2}-(?!0000)\d{4}(?![0-9-])"), 0, (b"-",), left=_ssn_area),
    Rule("card", Deferred(rb"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])"), 0, (),
         precheck=_card_possible, check=_luhn),
)


def looks_secret_name(name: str, extra: Iterable[str] = ()) -> bool:
    """True if an environment variable / parameter name says its value is a secret."""
    up = name.upper()
    if any(part in up for part in SECRET_NAME_PARTS):
        return True
    for pat in extra:
        if fnmatch.fnmatchcase(up, pat.upper()):
            return True
    return False


def is_trivial_value(value: str) -> bool:
    v = value.strip()
    if len(v) < MIN_SECRET_LEN or v.lower() in _TRIVIAL_VALUES:
        return True
    return v.isdigit() and len(v) < 8
