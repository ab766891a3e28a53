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

The patterns themselves are :mod:`warroom.execute.redact_rules`; the streaming buffer
:mod:`warroom.execute.redact_stream`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from dataclasses import dataclass, field

from warroom.execute.redact_rules import (
    _PEM_BEGIN,
    BUILTIN_RULES,
    MIN_SECRET_LEN as MIN_SECRET_LEN,
    PII_RULES,
    SECRET_NAME_PARTS as SECRET_NAME_PARTS,
    Rule,
    Span,
    is_trivial_value,
    looks_secret_name,
    marker,
)
from warroom.execute.redact_user import compile_user_pattern, secret_group
from warroom.execute.redact_stream import HOLD as HOLD, OVERLAP as OVERLAP, RedactStream
from warroom.execute.sanitize import strip_sgr

# The probe alphabet: triggers only use these bytes, so deleting all others keeps every trigger
# occurrence contiguous (and makes numeric output vanish).
_PROBE_KEEP = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_@"
_PROBE_DELETE = bytes(b for b in range(256) if b not in _PROBE_KEEP)
_PROBE_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")

_ESC_LINE = re.compile(rb"[^\n]*\x1b[^\n]*")

SET_FROM = 2048
"""A probe at least this long is searched for every trigger in one pass (RE2's set of literals, linear in the
probe): a scan per trigger read a flood at ~15 MB/s, since each of ~50 scans walks the whole probe and a run of
a trigger's first letter defeats its skip. A shorter probe (a command, a note, most lines) is scanned per
trigger, which costs less than loading RE2 in a process that only redacts a command line."""


@lru_cache(maxsize=4)
def _trigger_set(triggers: tuple[bytes, ...]) -> Any | None:
    """RE2's set of the triggers as literals, or None where RE2 cannot be imported (then every probe is scanned
    per trigger: slower, never a miss). Triggers are fixed words of the built-in rules (a user's pattern has
    none), so the automaton is at most as big as their trie: a few hundred states, far from RE2's memory bound,
    where a set search could stop early and miss a trigger."""
    try:
        import re2
    except ImportError:
        return None

    opts = re2.Options()
    opts.log_errors = False
    found = re2.Set.SearchSet(opts)
    for t in triggers:
        found.Add(re2.escape(t))
    found.Compile()
    return found


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

    @classmethod
    def for_config(cls, cfg: object) -> RedactionSettings:
        """``[redaction]`` of a whole ``warroom.config.Config``, plus the variable that
        ``[shared] password_env`` names: it holds the shared store's password whatever it is
        called (``DBPW`` does not look secret by its name), so a step that prints its
        environment never records it."""
        settings = cls.from_config(getattr(cfg, "redaction", None))
        name = getattr(getattr(cfg, "shared", None), "password_env", None)
        if name and name not in settings.env_names:
            settings.env_names = [*settings.env_names, str(name)]
        return settings

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
            rx = compile_user_pattern(regex)  # RE2: linear time, so capture can never stall on it
            rules.append(Rule(name, rx, secret_group(rx), (), boundary=False))
        self._triggered = [r for r in rules if r.triggers]
        self._always = [r for r in rules if not r.triggers]
        self._triggers = tuple(sorted({t for r in self._triggered for t in r.triggers}))

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

    def _rules_for(self, data: bytes) -> list[Rule]:
        """The rules that can match in ``data``: those without triggers, and those with a trigger
        in it (every match of a rule contains one of its triggers, so the others cannot match)."""
        rules = list(self._always)
        if self._triggered:
            probe = data.translate(_PROBE_LOWER, _PROBE_DELETE)
            if probe:
                hit = self._triggers_in(probe)
                if hit:
                    rules += [r for r in self._triggered if any(t in hit for t in r.triggers)]
        return rules

    def _triggers_in(self, probe: bytes) -> set[bytes]:
        """Every trigger that occurs in ``probe`` (one search for a long probe, one per trigger else)."""
        every = _trigger_set(self._triggers) if len(probe) >= SET_FROM else None
        if every is None:
            return {t for t in self._triggers if t in probe}
        found = every.Match(probe)
        return {self._triggers[i] for i in found} if found else set()

    def rules(self, data: bytes) -> bytes:
        """Apply the pattern rules to whole lines (no colour handling, no PEM)."""
        if not data:
            return data
        rules = self._rules_for(data)
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
        # Only the rules that can match (``_rules_for``): running every rule on every piece of a
        # newline-free flood made finding the cut cost twice the redaction itself.
        out.extend((s, e) for s, e, _ in self._spans(data, self._rules_for(data)))
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


def redact_text(text: str, redactor: Redactor | None = None) -> str:
    """Redact a command or parameter value for the journal (default: secrets from os.environ)."""
    return (redactor or Redactor.from_env()).redact_text(text)
