"""Runbook parameters: finding placeholders in commands and substituting values safely.

Placeholders:

* ``{{ name }}`` (also ``{{name}}``, ``{{ name with spaces }}``);
* ``<name>`` and ``<name with spaces>``, the way public runbooks write them
  (``<instance label from alert>``) — but not HTML tags (``<br>``, ``</details>``), redirections
  (``< file``, ``<<EOF``, ``2>&1``), process substitution ``<(...)`` or ``a<b>c`` inside programs;
* ``$(name)`` when ``name`` is a declared parameter, or is no program or builtin and reads like a
  placeholder (``$(task_id)``; see :mod:`warroom.runbook.placeholders`); otherwise it is the
  shell's command substitution and is left alone;
* ``[several-word-name]`` (``[old-username]``, ``[rds-hostname]``), never a glob class;
* ``<name>`` that is also an HTML tag name (``<summary>``) when it sits inside a quoted string
  and no ``</name>`` closes it.

Left alone on purpose: ``$VAR`` / ``${VAR}`` (the shell's environment), jsonpath ``{.items[*]}``,
Go templates ``{{.Status}}`` / ``{{ .x }}`` / ``{{range ...}}``, ``{}``, Hugo ``{{< >}}`` /
``{{% %}}``, ERB ``<%= %>``, GitHub ``${{ }}``.

Names are normalised to a key (``instance label from alert`` -> ``instance_label_from_alert``),
the written form is kept for display.

Substitution rule (the one guarantee): **a value never becomes code**. Before it is placed, every
value is checked against what its placeholder's position allows
(:mod:`warroom.runbook.param_safety`: a safe alphabet anywhere, ``=``/``,`` in plain arguments,
digits in arithmetic, never a command name; values outside the alphabet only for parameters that
declare a pattern and only in plain arguments). Then it is ``shlex.quote``-d for the quoting
context the placeholder sits in (a no-op for the safe alphabet):

* unquoted (also inside ``$( )`` / backticks):  ``'value'``;
* inside single quotes ``'..<p>..'``: the quote is closed, the quoted value inserted and the
  quote reopened: ``'..'"'"'value'"'"'..'`` — the shell still sees one word;
* inside double quotes ``"..<p>.."`` (e.g. ``psql -c "... where id = '{{id}}'"``): the double
  quote is closed, the quoted value inserted, the double quote reopened:
  ``"... where id = '"'value'"'"`` — the SQL text receives the value verbatim and the shell can
  neither expand nor split it. (Quoting for the *inner* language — SQL here — is the author's
  job; declare a ``pattern`` for such parameters.)
* inside a heredoc body: ``$``, backticks and backslashes are escaped (nothing in it is
  literal-quoted, since quote characters would reach the program); a value with a newline is
  refused there, because it could end the heredoc early;
* in a comment: newlines become spaces.

For PromQL steps values are escaped for a double-quoted PromQL string; outside quotes only
simple tokens are accepted. For native k8s steps only simple tokens are accepted.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from warroom.runbook import placeholders, shell
from warroom.runbook.param_safety import ParamError as ParamError
from warroom.runbook.model import Param, param_key

HTML_TAGS = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption
cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input
ins kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup
option output p param picture pre progress q rp rt ruby s samp script search section select
slot small source span strong style sub summary sup table tbody td template textarea tfoot th
thead time title tr track u ul var video wbr center font tt strike big
""".split())

GO_TEMPLATE_WORDS = frozenset("""
range end if else with define template block break continue nil true false and or not len
index print printf println call html js urlquery slice eq ne lt le gt ge
""".split())

_WORD = r"[A-Za-z_][\w-]*"
_BRACES = re.compile(r"(?<![$\\{])\{\{-?[ \t]*(" + _WORD + r"(?:[ \t]+" + _WORD + r")*)[ \t]*-?\}\}(?!\})")
_ANGLE_WORD = r"[A-Za-z_][\w.:/-]*"
_ANGLE = re.compile(r"(?<![<\w$\\])<(" + _ANGLE_WORD + r"(?: +" + _ANGLE_WORD + r"){0,9})>(?!>)")
_DOLLAR = re.compile(r"(?<!\$)\$\([ \t]*(" + _WORD + r")[ \t]*\)")
_SIMPLE_TOKEN = re.compile(r"^[A-Za-z0-9_.:/=@+,-]*$")


@dataclass(frozen=True)
class ParamRef:
    """One placeholder occurrence in a command."""

    key: str
    name: str
    syntax: str  # "braces" | "angle" | "dollar" | "bracket"
    start: int
    end: int
    text: str


def _angle_ok(name: str) -> bool:
    low = name.lower()
    if low in HTML_TAGS or low.rstrip("/") in HTML_TAGS:
        return False
    if "://" in name or name.endswith("/") or name.endswith(":"):
        return False
    return True


def find_params(command: str, declared: Iterable[str] = (), kind: str = "shell") -> list[ParamRef]:
    """Every placeholder in ``command``, in order; placeholders inside shell comments are skipped."""
    return list(_find_params(command, tuple(sorted({param_key(d) for d in declared})), kind))


@functools.lru_cache(maxsize=4096)
def _find_params(command: str, declared: tuple[str, ...], kind: str) -> tuple[ParamRef, ...]:
    """Cached: the parser, lint and the variable scan ask about the same command several times
    (ParamRef is frozen, so sharing the result is safe)."""
    declared_keys = set(declared)
    refs: list[ParamRef] = []
    for m in _BRACES.finditer(command):
        name = m.group(1)
        if name.split()[0] in GO_TEMPLATE_WORDS:
            continue
        refs.append(ParamRef(param_key(name), name, "braces", m.start(), m.end(), m.group(0)))
    ctx: list[int] | None = None
    for m in _ANGLE.finditer(command):
        name = m.group(1)
        if not _angle_ok(name):
            if not (kind == "shell" and name.lower() in HTML_TAGS
                    and f"</{name.lower()}" not in command.lower()):
                continue
            if ctx is None:
                ctx = shell.scan(command).contexts
            if ctx[m.start()] not in (shell.SINGLE, shell.DOUBLE):
                continue
        refs.append(ParamRef(param_key(name), name, "angle", m.start(), m.end(), m.group(0)))
    for m in _DOLLAR.finditer(command):
        if param_key(m.group(1)) in declared_keys or (
                kind == "shell" and placeholders.dollar_kind(m.group(1)) is not None):
            refs.append(ParamRef(param_key(m.group(1)), m.group(1), "dollar",
                                 m.start(), m.end(), m.group(0)))
    if kind == "shell" and "[" in command:
        for start, end, name in placeholders.bracket_placeholders(command):
            refs.append(ParamRef(param_key(name), name, "bracket", start, end,
                                 command[start:end]))
    refs.sort(key=lambda r: r.start)
    # Overlaps (e.g. `{{<x>}}`) keep the first.
    out: list[ParamRef] = []
    for r in refs:
        if out and r.start < out[-1].end:
            continue
        out.append(r)
    if kind == "shell" and out:
        ctx = shell.scan(command).contexts
        out = [r for r in out if ctx[r.start] != shell.COMMENT]
    return tuple(out)


def param_keys(command: str, declared: Iterable[str] = (), kind: str = "shell") -> list[str]:
    """Distinct parameter keys in order of first appearance."""
    seen: dict[str, None] = {}
    for r in find_params(command, declared, kind):
        seen.setdefault(r.key, None)
    return list(seen)


def _normalise_values(values: Mapping[str, object]) -> dict[str, str]:
    return {param_key(k): ("" if v is None else str(v)) for k, v in values.items()}


_WORD_EDGE = frozenset(" \t\n;|&")


def empty_inside_word(command: str, values: Mapping[str, object], *, declared: Iterable[str] = (),
                      kind: str = "shell") -> list[str]:
    """The parameters left empty (``required = false``) where the placeholder is only part of a
    word: ``/data/{{dir}}``, ``app={{app}}``, ``"{{x}}"``. Empty, such a word names something
    wider than any value would (``/data/``), so a step that changes things is never run on it by
    omission; a placeholder that is a whole word becomes an empty argument (``''``), which widens
    nothing. Quotes count as part of the word: the check errs on the side of refusing."""
    vals = _normalise_values(values)
    out = []
    for r in find_params(command, declared, kind):
        if vals.get(r.key) != "":
            continue
        before = command[r.start - 1] if r.start > 0 else " "
        after = command[r.end] if r.end < len(command) else " "
        if before not in _WORD_EDGE or after not in _WORD_EDGE:
            out.append(r.name)
    return list(dict.fromkeys(out))


def substitute(command: str, values: Mapping[str, object], *, declared: Iterable[str] = (),
               kind: str = "shell", wide: Iterable[str] = ()) -> str:
    """Replace every placeholder with its value, quoted for its context (see module docstring).

    ``values`` may be keyed by key or by written name. A placeholder without a value raises
    :class:`ParamError` naming it. In shell steps every value is first checked against what its
    position allows (:mod:`warroom.runbook.param_safety`): ``wide`` names the parameters that
    declare a pattern, whose values may leave the safe alphabet where the position is a plain
    argument.
    """
    vals = _normalise_values(values)
    refs = find_params(command, declared, kind)
    missing = [r.name for r in refs if r.key not in vals]
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        raise ParamError(f"missing value for parameter {names}")
    for r in refs:
        if "\x00" in vals[r.key]:
            raise ParamError(f"the value for parameter {r.name!r} contains a NUL byte")
    if kind == "promql":
        return _substitute_promql(command, refs, vals)
    if kind == "k8s":
        return _substitute_tokens(command, refs, vals, "a native k8s step")
    if kind != "shell":
        return _substitute_tokens(command, refs, vals, f"a {kind} step")
    if refs:
        from warroom.execute.redact_rules import looks_secret_name
        from warroom.runbook import param_safety

        wide_keys = {param_key(k) for k in wide}
        param_safety.check_all(command, refs, vals, {k: True for k in wide_keys},
                               {r.key: looks_secret_name(r.name) for r in refs})
    ctx = shell.scan(command).contexts if refs else []
    out = command
    for r in reversed(refs):
        out = out[:r.start] + _quote_for(ctx[r.start], vals[r.key], r.name) + out[r.end:]
    return out


def _quote_for(context: int, value: str, name: str) -> str:
    q = shlex.quote(value)
    if context == shell.SINGLE:
        return "'" + q + "'"
    if context == shell.DOUBLE:
        return '"' + q + '"'
    if context == shell.ANSI:
        return "'" + q + "$'"
    if context in (shell.HEREDOC, shell.HEREDOC_LITERAL):
        if "\n" in value or "\r" in value:
            raise ParamError(f"the value for parameter {name!r} has a line break, which is not "
                             "allowed inside a heredoc (it could end the heredoc early)")
        if context == shell.HEREDOC:
            return value.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")
        return value
    if context == shell.COMMENT:
        return shlex.quote(value.replace("\r", " ").replace("\n", " "))
    return q


def _substitute_promql(command: str, refs: list[ParamRef], vals: dict[str, str]) -> str:
    # Which characters are inside a PromQL string literal ("...", '...' or `...`)?
    inside: list[str | None] = [None] * len(command)
    quote: str | None = None
    i = 0
    while i < len(command):
        c = command[i]
        if quote:
            inside[i] = quote
            if c == "\\" and quote != "`":
                if i + 1 < len(command):
                    inside[i + 1] = quote
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        i += 1
    out = command
    for r in reversed(refs):
        v = vals[r.key]
        if "\n" in v or "\r" in v:
            raise ParamError(f"the value for parameter {r.name!r} has a line break, which is not "
                             "allowed in a PromQL query")
        if inside[r.start] == "`":
            if "`" in v:
                raise ParamError(f"the value for parameter {r.name!r} contains a backtick, which "
                                 "would end the raw PromQL string it sits in")
            rep = v
        elif inside[r.start]:
            rep = v.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")
        elif v and _SIMPLE_TOKEN.match(v) and not v.startswith("-"):
            rep = v
        elif not v:      # an optional parameter left empty: `sum by ({{ l }})` would be `sum by ()`
            raise ParamError(f"parameter {r.name!r} is empty outside a quoted PromQL string, where"
                             " nothing in its place would change the query's shape: give it a value")
        else:
            raise ParamError(f"the value for parameter {r.name!r} may only hold letters, "
                             "digits and . _ : / = @ + , - outside a quoted PromQL string")
        out = out[:r.start] + rep + out[r.end:]
    return out


def _substitute_tokens(command: str, refs: list[ParamRef], vals: dict[str, str], what: str) -> str:
    out = command
    for r in reversed(refs):
        v = vals[r.key]
        if not v:        # no shell here to pass an empty argument: the word would just vanish
            raise ParamError(f"parameter {r.name!r} is empty, which {what} cannot take (it has no empty"
                             " argument; the words after it would move up): give it a value")
        if not _SIMPLE_TOKEN.match(v) or v.startswith("-"):
            raise ParamError(f"the value for parameter {r.name!r} is not allowed in {what}: "
                             "use letters, digits and . _ : / = @ + , - (not starting with -)")
        out = out[:r.start] + v + out[r.end:]
    return out


def resolve_values(params: Mapping[str, Param], needed: Iterable[str],
                   values: Mapping[str, object], *, runbook: str = "") -> dict[str, str]:
    """Values for the ``needed`` keys: given values first, then declared defaults.

    Raises :class:`ParamError` for a missing value (naming every missing parameter with its
    help text) or a value that does not match its declared ``pattern``.
    """
    vals = _normalise_values(values)
    out: dict[str, str] = {}
    missing: list[str] = []
    where = f" (runbook {runbook})" if runbook else ""
    for key in dict.fromkeys(needed):
        p = params.get(key)
        if key in vals:
            out[key] = vals[key]
        elif p is not None and p.default is not None:
            out[key] = str(p.default)
        else:
            label = p.name if p else key
            if p and p.help:
                label += f" ({p.help})"
            missing.append(label)
            continue
        if p is not None and p.pattern:
            try:
                ok = re.fullmatch(p.pattern, out[key]) is not None
            except re.error as exc:
                raise ParamError(f"parameter {p.name!r}{where} has an invalid pattern "
                                 f"{p.pattern!r}: {exc}") from None
            if not ok:
                raise ParamError(f"the value for parameter {p.name!r}{where} does not match the "
                                 f"pattern {p.pattern}")
    if missing:
        raise ParamError("missing value for parameter" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(missing) + where)
    return out
