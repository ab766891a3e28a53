"""The info string of a code fence: its language, attributes and an optional label.

    ```bash {name="restart" confirm=true timeout="60s" expect="rolled out" verify="quota < 80 within 10m"}
    ```console # Drain, but wait 1 minute

Attributes are ``key=value`` pairs inside ``{...}`` (values bare, "double-" or 'single-quoted';
a bare key means ``true``; ``#name`` is short for ``name=...``; Pandoc-style ``.lang`` classes
are accepted as the language). Unknown keys are reported by lint and otherwise ignored.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

SHELL_LANGS = frozenset({"bash", "sh", "shell", "console", "zsh", "shell-session",
                         "shellsession", "terminal", "sh-session", "bash-session"})
PROMPT_LANGS = frozenset({"console", "shell-session", "shellsession", "terminal", "sh-session",
                          "bash-session"})
PROMQL_LANGS = frozenset({"promql", "prometheus", "metricsql"})
NATIVE_LANGS = frozenset({"warroom"})

KNOWN_ATTRS: dict[str, str] = {
    "name": "stable step id (also a step reference)",
    "id": "same as name",
    "label": "the step's title",
    "confirm": "true: always ask before running, even when read-only",
    "approval": "true: a second person must approve this exact command before it runs",
    "timeout": "per-step timeout, e.g. 60s or 5m",
    "expect": "text (or /regex/) the output must contain",
    "verify": "a check to run after the step, e.g. 'quota < 80 within 10m'",
    "lifted_by": "the step (name) that ends on purpose what this step's verify gate confirmed (a containment the"
                 " recovery undoes, e.g. a halt): its measure is watched for relapse until that step runs ok",
    "mitigates": "false: this step's verify gate checks that the step took effect (a breaker on) while the harm goes"
                 " on: its pass is not the incident's mitigation (a later step's gate, the panes or the IC's word is)",
    "mutating": "true/false: override the read-only/mutating classification",
    "run": "false: show the block but never run it",
}

_TRUE = {"true", "yes", "1", "on", ""}
_FALSE = {"false", "no", "0", "off"}


@dataclass
class FenceInfo:
    lang: str = ""
    raw_lang: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    # (message, level) problems found in the info string.
    problems: list[tuple[str, str]] = field(default_factory=list)
    guessed_from: str | None = None  # a misspelt language we read as a shell language


def parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


def parse_info(info: str) -> FenceInfo:
    """Parse a fence info string; never raises."""
    text = info.strip()
    fi = FenceInfo()
    if not text:
        return fi
    brace = text.find("{")
    head = text if brace < 0 else text[:brace]
    attr_text = None if brace < 0 else text[brace:]
    parts = head.split(None, 1)
    lang = parts[0] if parts else ""
    rest = parts[1].strip() if len(parts) > 1 else ""
    if lang.startswith("{"):
        lang = ""
    fi.raw_lang = lang
    fi.lang = lang.lower()
    if rest.startswith("#"):
        fi.label = rest.lstrip("#").strip() or None
    elif rest and re.match(r"^[A-Za-z_][\w-]*=", rest) and attr_text is None:
        attr_text = "{" + rest + "}"
    if attr_text is not None:
        body = attr_text.strip()
        if not body.endswith("}"):
            fi.problems.append(("fence attributes open with '{' but never close with '}'", "error"))
            body = body[1:]
        else:
            body = body[1:-1]
        _parse_attrs(body, fi)
    if fi.lang and not _is_known_lang(fi.lang):
        close = difflib.get_close_matches(fi.lang, sorted(SHELL_LANGS | PROMQL_LANGS), n=1,
                                          cutoff=0.85)
        if close:
            fi.guessed_from = fi.lang
            fi.problems.append((f"unknown fence language {fi.raw_lang!r}: did you mean "
                                f"{close[0]!r}? (read as {close[0]})", "warning"))
            fi.lang = close[0]
    return fi


# Real languages that happen to look like a misspelt shell language.
_OTHER_SHELLS = frozenset({"csh", "tcsh", "ksh", "fish", "powershell", "ps1", "pwsh", "bat",
                           "cmd", "batch", "nushell", "elvish", "xonsh", "shellcheck"})


_COMMON = frozenset("""
yaml yml json jsonc json5 text txt plaintext plain output log logs python py go golang sql psql
toml ini diff patch mermaid markdown md html xml js javascript ts typescript ruby rb hcl
terraform tf dockerfile docker cron nginx conf config properties csv jsonnet lua java c cpp rust
groovy jinja jinja2 graphql http none ruby erb perl php kotlin scala swift r make makefile
""".split())


def _is_known_lang(lang: str) -> bool:
    return (lang in SHELL_LANGS or lang in PROMQL_LANGS or lang in NATIVE_LANGS
            or lang in _OTHER_SHELLS or lang in _COMMON
            or not re.fullmatch(r"[a-z0-9+#._-]+", lang))


_ATTR = re.compile(r"""\s*(?:
    (?P<key>[A-Za-z_][\w-]*)\s*=\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s,}"']+))
  | \#(?P<hash>[\w-]+)
  | \.(?P<cls>[\w+-]+)
  | (?P<flag>[A-Za-z_][\w-]*)
)\s*,?""", re.X)


def _parse_attrs(body: str, fi: FenceInfo) -> None:
    pos = 0
    body = body.strip()
    while pos < len(body):
        m = _ATTR.match(body, pos)
        if not m or m.end() == pos:
            bad = body[pos:].strip()
            if bad.startswith(('"', "'")) or "=" in bad:
                fi.problems.append((f"cannot read fence attributes from {bad[:40]!r} "
                                    "(unterminated quote?)", "error"))
            else:
                fi.problems.append((f"cannot read fence attributes from {bad[:40]!r}", "error"))
            return
        if m.group("key"):
            val = m.group("dq")
            if val is not None:
                val = re.sub(r"\\(.)", r"\1", val)
            else:
                val = m.group("sq") if m.group("sq") is not None else m.group("bare")
            fi.attrs[m.group("key").lower()] = val
        elif m.group("hash"):
            fi.attrs["name"] = m.group("hash")
        elif m.group("cls"):
            if not fi.lang:
                fi.lang = m.group("cls").lower()
                fi.raw_lang = m.group("cls")
        elif m.group("flag"):
            fi.attrs[m.group("flag").lower()] = "true"
        pos = m.end()
    if "id" in fi.attrs and "name" not in fi.attrs:
        fi.attrs["name"] = fi.attrs["id"]
    for key in fi.attrs:
        if key not in KNOWN_ATTRS:
            close = difflib.get_close_matches(key, list(KNOWN_ATTRS), n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else (
                " (known: " + ", ".join(KNOWN_ATTRS) + ")")
            fi.problems.append((f"unknown fence attribute {key!r}{hint}", "warning"))


def toml_body(line: int, body: str, closed: bool, where: str) -> dict[str, Any] | tuple[int, str]:
    """A fence's TOML body as a table, or the (file line, message) saying why it is none: never closed, not valid
    TOML, nested deeper than the parser follows. How the ``applies_when`` and ``fulfilled_by`` fences are read."""
    if not closed:
        return line, f"{where} is never closed"
    try:
        return tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        return line, f"{where}: not valid TOML: {exc}"
    except RecursionError:
        return line, f"{where}: nests too deeply"
