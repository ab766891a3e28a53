"""User-configured redaction patterns (``[[redaction.patterns]]``), compiled with RE2.

A pattern from a config file runs against every byte of every step's output. Python's ``re`` is a
backtracking engine: ``(a+)+b`` against a line of ``a``s takes exponential time, and capture
(timeouts, cancel, the output itself) would stall behind it. RE2 matches in time linear in the
input whatever the pattern, so a user pattern cannot stall capture. What RE2 cannot express —
backreferences, look-arounds, possessive or atomic groups — is rejected when the config is
loaded, with an error that names the key and says why.
"""

from __future__ import annotations

from typing import Any

from warroom.errors import ConfigError

_MAX_MEM = 8 << 20  # bytes of compiled program per pattern: a pattern too big to run is refused


class UserPatternError(ConfigError):
    """A ``redaction.patterns`` regex RE2 cannot compile."""


def _options() -> Any:
    import re2

    opts = re2.Options()
    opts.log_errors = False  # the error is ours to report, once, without absl noise on stderr
    opts.max_mem = _MAX_MEM
    return opts


def compile_user_pattern(regex: str) -> Any:
    """The compiled pattern (bytes, UTF-8), or :class:`UserPatternError` saying why not."""
    import re2

    try:
        return re2.compile(regex.encode("utf-8", "surrogatepass"), _options())
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UserPatternError(
            f"{why} (patterns run on RE2, which matches in linear time so a pattern can never stall"
            " capture: no backreferences, look-ahead/look-behind or possessive quantifiers)") from None


def secret_group(compiled: Any) -> int:
    """The group replaced: the one named ``secret`` if the pattern has it, else the whole match."""
    index = getattr(compiled, "groupindex", {}) or {}
    return int(index.get(b"secret", index.get("secret", 0)))
