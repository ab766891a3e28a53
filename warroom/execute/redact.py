"""Secret redaction at capture time: secrets become ``[REDACTED:kind]`` before anything is stored.

What is redacted (``kind`` in brackets):

* values of environment variables whose names look secret — ``*KEY*``, ``*TOKEN*``, ``*SECRET*``,
  ``*PASSWORD*``, ``*PASSWD*``, ``*CREDENTIAL*`` plus ``redaction.env_names`` (exact names or
  globs) — wherever they appear (``[REDACTED:API_TOKEN]``, the variable's name). Trivial values
  are ignored: shorter than 6 characters, booleans like ``true``/``off``, or numbers shorter
  than 8 digits, because redacting every ``1`` or ``1000`` in the output would bury it;
* values of step parameters whose names look secret (same name rules);
* ``Authorization:`` header credentials (the scheme word stays: ``Bearer [REDACTED:authorization]``),
  ``Bearer <token>`` anywhere, ``scheme://user:password@host`` passwords;
* AWS access key ids (``AKIA…``/``ASIA…``), AWS secret keys and session tokens next to their
  names, ``sk-ant-…``, ``sk-…``, Slack ``xox[abposr]-…`` tokens and webhook URLs, GitHub tokens
  (``ghp_…``, ``gho_…``, ``ghu_…``, ``ghs_…``, ``ghr_…``, ``github_pat_…``), Google API keys, JWTs;
* ``password=…``, ``"api_key": "…"``, ``--token …`` style assignments (the name stays);
* PEM private key blocks, across lines (``-----BEGIN … PRIVATE KEY-----`` through ``-----END …``);
* ``redaction.patterns`` (``[REDACTED:<name>]``; if the regex has a group named ``secret`` only
  that group is replaced, otherwise the whole match);
* with ``redaction.redact_pii``: emails, card numbers that pass the Luhn check, US SSNs.

Streaming (:class:`RedactStream`) works on whole lines: input is buffered up to the next newline,
so a secret split between two reads of a pipe is seen whole; every rule matches within one line,
and the PEM rule carries its state from line to line. A line longer than ``HOLD`` bytes is passed
on in pieces, each cut where no match straddles it, keeping the last ``OVERLAP`` bytes back.
Lines that carry colour are also checked with the colour removed (``grep --color``, ``jq -C``
split secrets with SGR codes); if that finds a secret, the line is stored without colour.

Speed: each rule names trigger substrings that every match must contain. A batch is first reduced
with one ``bytes.translate`` to the bytes triggers are made of (letters, ``-``, ``_``, ``@``);
rules whose triggers are absent are skipped, and the others only run on the lines holding a
trigger. Plain numeric output costs two C-level passes; only the rules without triggers (your own
patterns, card numbers) scan every batch.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Callable

from warroom.execute.sanitize import LINE_CAP, strip_sgr

SECRET_NAME_PARTS: tuple[str, ...] = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
_TRIVIAL_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null",
                             "enabled", "disabled", "default", "unset"})
MIN_SECRET_LEN = 6

HOLD = LINE_CAP + 4096
"""A partial line longer than this is passed on in pieces (bytes)."""
OVERLAP = 4096
"""Bytes of a long line kept back when a piece is passed on, so a secret at the cut is seen whole."""

# The probe alphabet: triggers only use these bytes, so deleting all others keeps every trigger
# occurrence contiguous (and makes numeric output vanish).
_PROBE_KEEP = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_@"
_PROBE_DELETE = bytes(b for b in range(256) if b not in _PROBE_KEEP)
_PROBE_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")

_ESC_LINE = re.compile(rb"[^\n]*\x1b[^\n]*")
_PEM_BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(rb"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(rb"[ \t]*(?:[A-Za-z0-9+/=]*|[A-Za-z][A-Za-z0-9-]*:[^\n]*)[ \t\r]*")


def marker(kind: str) -> bytes:
    return b"[REDACTED:" + kind.encode("utf-8", "replace") + b"]"


_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_EMAIL_LOCAL = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")

Span = tuple[int, int, str]


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
    regex: re.Pattern[bytes]
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
        boundary: bool = False) -> Rule:
    """A case-insensitive rule: ``pattern`` in lower case, run on lowered text."""
    return Rule(kind, re.compile(pattern), group, triggers, lower=True, boundary=boundary)


def _cs(kind: str, pattern: bytes, triggers: tuple[bytes, ...], group: int | str = 0,
        boundary: bool = True) -> Rule:
    """A case-sensitive rule (key formats): ``pattern`` runs on the text itself."""
    return Rule(kind, re.compile(pattern), group, triggers, lower=False, boundary=boundary)


_Q = rb"[\"']?[ \t]*[:=][ \t]*[\"']?"  # what joins a name to its value: `: `, `=`, `": "`
_VALUE = rb"(?!\[redacted)(?P<secret>[^\s\"',;{}]{4,})"
_AUTH_SCHEMES = rb"(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|aws4-hmac-sha256)[ \t]+)?"

BUILTIN_RULES: tuple[Rule, ...] = (
    _lc("authorization", rb"authorization" + _Q + _AUTH_SCHEMES + rb"(?!\[redacted)(?P<secret>[^\s\"'][^\"'\n]*)",
        (b"authorization",)),
    _lc("bearer", rb"bearer[ \t]+(?!\[redacted)(?P<secret>[a-z0-9._~+/-]{8,}=*)", (b"bearer",), boundary=True),
    _cs("url_password", rb"://[^\s:/@\"']*:(?P<secret>[^\s@/\"']+)@", (b"@",), "secret", boundary=False),
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
    # name = value: the name stays, the value goes (the name is the *last* word of the key, so
    # `secretName:` and `max_tokens:` are left alone)
    _lc("secret", rb"passw(?:or)?d" + _Q + _VALUE, (b"passw",)),
    _lc("secret", rb"secret" + _Q + _VALUE, (b"secret",)),
    _lc("secret", rb"token" + _Q + _VALUE, (b"token",)),
    _lc("secret", rb"api[_-]?key" + _Q + _VALUE, (b"apikey", b"api_key", b"api-key")),
    _lc("secret", rb"private[_-]?key" + _Q + _VALUE, (b"private",)),
    _lc("secret", rb"access[_-]?key" + _Q + _VALUE, (b"access",)),
    _lc("secret", rb"--(?:[a-z0-9]+-)*(?:password|passwd|token|secret|api-?key)(?:=|[ \t]+)[\"']?"
                  rb"(?!\[redacted)(?!-)(?P<secret>[^\s\"']{3,})",
        (b"passw", b"secret", b"token", b"apikey", b"api-key")),
)

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
    Rule("email", re.compile(rb"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"), 0, (b"@",),
         left=_email_local),
    Rule("ssn", re.compile(rb"-(?!00)\d{2}-(?!0000)\d{4}(?![0-9-])"), 0, (b"-",), left=_ssn_area),
    Rule("card", re.compile(rb"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])"), 0, (),
         precheck=_card_possible, check=_luhn),
)


def _merge(data: bytes, spans: list[Span]) -> bytes:
    """Replace the spans (overlapping ones as one, named after the first) with markers."""
    spans.sort(key=lambda sp: (sp[0], -sp[1]))
    out: list[bytes] = []
    pos = 0
    cur_s, cur_e, cur_k = spans[0]
    for s, e, k in spans[1:]:
        if s < cur_e:
            cur_e = max(cur_e, e)
            continue
        out.append(data[pos:cur_s])
        out.append(marker(cur_k))
        pos = cur_e
        cur_s, cur_e, cur_k = s, e, k
    out.append(data[pos:cur_s])
    out.append(marker(cur_k))
    out.append(data[cur_e:])
    return b"".join(out)


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


@dataclass
class RedactionSettings:
    """The config's ``[redaction]`` table, as plain data (travels in the supervisor's spec)."""

    env_names: list[str] = field(default_factory=list)
    patterns: list[tuple[str, str]] = field(default_factory=list)
    redact_pii: bool = False

    @classmethod
    def from_config(cls, red: object) -> RedactionSettings:
        """From ``warroom.config.RedactionConfig`` (duck-typed to keep this module import-light)."""
        return cls(env_names=list(getattr(red, "env_names", [])),
                   patterns=[(p.name, p.regex) for p in getattr(red, "patterns", [])],
                   redact_pii=bool(getattr(red, "redact_pii", False)))

    def to_json(self) -> dict[str, object]:
        return {"env_names": self.env_names, "patterns": [list(p) for p in self.patterns],
                "redact_pii": self.redact_pii}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RedactionSettings:
        pats = data.get("patterns") or []
        assert isinstance(pats, list)
        names = data.get("env_names") or []
        assert isinstance(names, list)
        return cls(env_names=[str(n) for n in names],
                   patterns=[(str(p[0]), str(p[1])) for p in pats],
                   redact_pii=bool(data.get("redact_pii", False)))


class Redactor:
    """The set of rules and known secret values for one step (immutable; share freely)."""

    def __init__(self, secrets: Mapping[str, str] | None = None,
                 patterns: Iterable[tuple[str, str]] = (), redact_pii: bool = False) -> None:
        literals: dict[bytes, bytes] = {}
        for name, value in (secrets or {}).items():
            if not value or is_trivial_value(value):
                continue
            # Matching is line by line, so a multi-line value (a key file in a variable) is
            # matched by its long lines; the PEM rule covers private keys as a whole.
            if "\n" in value or "\r" in value:
                candidates = [ln.strip() for ln in value.splitlines() if len(ln.strip()) >= 16]
            else:
                candidates = [value]
            for v in candidates:
                literals.setdefault(v.encode("utf-8", "surrogatepass"), marker(name))
        # Longest first, so a secret containing another secret is replaced whole.
        self._literals = sorted(literals.items(), key=lambda kv: -len(kv[0]))
        rules = list(BUILTIN_RULES)
        if redact_pii:
            rules.extend(PII_RULES)
        for name, regex in patterns:
            rx = re.compile(regex.encode("utf-8"))
            rules.append(Rule(name, rx, "secret" if "secret" in rx.groupindex else 0, (), boundary=False))
        self._triggered = [r for r in rules if r.triggers]
        self._always = [r for r in rules if not r.triggers]
        self._triggers = sorted({t for r in self._triggered for t in r.triggers})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, settings: RedactionSettings | None = None,
                 extra_secrets: Mapping[str, str] | None = None) -> Redactor:
        """Secrets are the values of secret-looking variables in ``env`` (default: os.environ)."""
        settings = settings or RedactionSettings()
        env = os.environ if env is None else env
        secrets = {k: v for k, v in env.items() if looks_secret_name(k, settings.env_names)}
        secrets.update(extra_secrets or {})
        return cls(secrets, settings.patterns, settings.redact_pii)

    # ------------------------------------------------------------------ pieces

    def literals(self, data: bytes) -> bytes:
        for value, mark in self._literals:
            if value in data:
                data = data.replace(value, mark)
        return data

    def _spans(self, data: bytes, rules: list[Rule]) -> list[Span]:
        low = data.lower() if any(r.lower for r in rules) else data
        out: list[Span] = []
        for r in rules:
            out.extend(r.spans(data, low))
        return out

    def rules(self, data: bytes) -> bytes:
        """Apply the pattern rules to whole lines (no colour handling, no PEM)."""
        if not data:
            return data
        rules = list(self._always)
        if self._triggered:
            probe = data.translate(_PROBE_LOWER, _PROBE_DELETE)
            if probe:
                hit = {t for t in self._triggers if t in probe}
                if hit:
                    rules += [r for r in self._triggered if any(t in hit for t in r.triggers)]
        if not rules:
            return data
        spans = self._spans(data, rules)
        return _merge(data, spans) if spans else data

    def line_set(self, data: bytes) -> bytes:
        """Literals + rules for whole lines, checking coloured lines with their colour removed."""
        data = self.literals(data)
        if b"\x1b" not in data:
            return self.rules(data)
        out: list[bytes] = []
        pos = 0
        for m in _ESC_LINE.finditer(data):
            out.append(self.rules(data[pos:m.start()]))
            out.append(self._colour_line(m.group()))
            pos = m.end()
        out.append(self.rules(data[pos:]))
        return b"".join(out)

    def _colour_line(self, line: bytes) -> bytes:
        plain = strip_sgr(line)
        redacted = self.rules(self.literals(plain))
        return line if redacted == plain else redacted

    def spans(self, data: bytes) -> list[tuple[int, int]]:
        """Where matches are (used to cut long lines where no secret straddles the cut)."""
        out: list[tuple[int, int]] = []
        for value, _ in self._literals:
            i = data.find(value)
            while i >= 0:
                out.append((i, i + len(value)))
                i = data.find(value, i + 1)
        out.extend((s, e) for s, e, _ in self._spans(data, self._triggered + self._always))
        for m in _PEM_BEGIN.finditer(data):
            out.append((m.start(), len(data)))
        return out

    # ------------------------------------------------------------------ whole texts

    def stream(self) -> RedactStream:
        return RedactStream(self)

    def redact_bytes(self, data: bytes) -> bytes:
        s = self.stream()
        return s.feed(data) + s.flush()

    def redact_text(self, text: str) -> str:
        """Redact a command, parameter or note (multi-line texts are handled like output)."""
        return self.redact_bytes(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")


class RedactStream:
    """Redacts one output stream as it arrives; see the module docstring for the guarantees."""

    def __init__(self, redactor: Redactor) -> None:
        self.r = redactor
        self._pending = b""
        self._parts: list[bytes] = []  # more of the current line, joined lazily
        self._parts_len = 0
        self._in_pem = False

    def feed(self, data: bytes) -> bytes:
        """Returns redacted complete lines (plus, for an over-long line, a safe piece of it)."""
        if b"\n" not in data and len(self._pending) + self._parts_len + len(data) <= HOLD:
            self._parts.append(data)
            self._parts_len += len(data)
            return b""
        if self._parts:
            self._pending += b"".join(self._parts)
            self._parts, self._parts_len = [], 0
        buf = self._pending + data if self._pending else data
        nl = buf.rfind(b"\n")
        if nl < 0:
            complete, rest = b"", buf
        else:
            complete, rest = buf[:nl + 1], buf[nl + 1:]
        out = self._block(complete) if complete else b""
        if len(rest) > HOLD:
            cut = self._safe_cut(rest)
            out += self._piece(rest[:cut])
            rest = rest[cut:]
        self._pending = rest
        return out

    def flush(self) -> bytes:
        rest = self._pending + b"".join(self._parts)
        self._pending, self._parts, self._parts_len = b"", [], 0
        return self._piece(rest) if rest else b""

    # ------------------------------------------------------------------

    def _safe_cut(self, data: bytes) -> int:
        cut = len(data) - OVERLAP
        for s, e in sorted(self.r.spans(data)):
            if s < cut < e:
                cut = s
        return cut if cut > 0 else len(data)

    def _piece(self, data: bytes) -> bytes:
        """Part of a line (no newline): through the PEM state, then the line rules."""
        if self._in_pem:
            m = _PEM_END.search(data)
            if m is None:
                return b""
            self._in_pem = False
            data = data[m.end():]
            if not data.strip():
                return b""
        m = _PEM_BEGIN.search(data)
        if m is not None:
            end = _PEM_END.search(data, m.end())
            if end is None:
                self._in_pem = True
                return self.r.line_set(data[:m.start()]) + marker("private_key")
            data = data[:m.start()] + b"\x00PEM\x00" + data[end.end():]
            return self.r.line_set(data).replace(b"\x00PEM\x00", marker("private_key"))
        return self.r.line_set(data)

    def _block(self, data: bytes) -> bytes:
        """Complete lines (ending in a newline)."""
        if not self._in_pem and b"-----BEGIN" not in data:
            return self.r.line_set(data)
        return self._pem_block(data)

    def _pem_block(self, data: bytes) -> bytes:
        """Swallow private-key blocks line by line; text around the markers is kept."""
        out: list[bytes] = []
        pos = 0
        n = len(data)
        plain_start = 0
        while pos < n:
            if not self._in_pem:
                m = _PEM_BEGIN.search(data, pos)
                if m is None:
                    break
                line_start = data.rfind(b"\n", 0, m.start()) + 1
                line_end = data.find(b"\n", m.start())
                out.append(self.r.line_set(data[plain_start:line_start]))
                end = _PEM_END.search(data, m.end(), line_end)
                if end is not None:
                    line = data[line_start:m.start()] + b"\x00PEM\x00" + data[end.end():line_end]
                    out.append(self.r.line_set(line).replace(b"\x00PEM\x00", marker("private_key")) + b"\n")
                else:
                    out.append(self.r.line_set(data[line_start:m.start()]) + marker("private_key") + b"\n")
                    self._in_pem = True
                pos = plain_start = line_end + 1
                continue
            line_end = data.find(b"\n", pos)
            line = data[pos:line_end]
            end = _PEM_END.search(line)
            if end is not None:
                self._in_pem = False
                after = line[end.end():]
                pos = line_end + 1
                if after.strip():
                    out.append(self.r.line_set(after + b"\n"))
                plain_start = pos
                continue
            if _PEM_BODY.fullmatch(line):
                pos = plain_start = line_end + 1
                continue
            # Not key material: the block was cut short; treat this line normally.
            self._in_pem = False
            plain_start = pos
        out.append(self.r.line_set(data[plain_start:]) if plain_start < n else b"")
        return b"".join(out)


def redact_text(text: str, redactor: Redactor | None = None) -> str:
    """Redact a command or parameter value for the journal (default: secrets from os.environ)."""
    return (redactor or Redactor.from_env()).redact_text(text)
