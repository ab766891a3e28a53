"""Which written forms are placeholders an author meant to be filled in, beyond ``{{ x }}`` / ``<x>``.

Runbooks borrowed from elsewhere mark the blanks in many ways:

* ``$(task_id)``: shell syntax for running ``task_id``, but no such program exists; it is a
  placeholder, never to be run as a command substitution (``ctx_$(task_id).json`` must not
  become ``ctx_.json``). A name that is a program or a shell builtin (``$(whoami)``,
  ``$(date)``) stays a substitution; a bare lowercase word that is neither (``$(pod)``) is
  ambiguous: read as a placeholder too, and lint asks the author to write ``{{ pod }}``;
* ``[rds-hostname]`` / ``[old-username]``: a bracketed name of two or more words joined by
  ``-``, ``_`` or spaces (not a glob class such as ``[a-z]`` or ``[0-9]``, not ``[[ ]]``);
* ``XXX``, ``XXXX``, ``CHANGEME``, ``REPLACE_ME``, ``<your-token>``: reported by lint with a
  suggested parameter name; they are not substituted (what they stand for has no name).
"""

from __future__ import annotations

import re

from warroom.runbook.inline_commands import on_path
from warroom.runbook.line_kinds import KNOWN_COMMANDS

# Builtins and common programs that may be missing from this machine's PATH.
_PROGRAMS = frozenset("""
pwd whoami date hostname id tty logname arch mktemp uptime uuidgen nproc uname basename dirname
cat echo printf seq jobs true false getconf command type hash dirs times umask ulimit
kubectl oc jq yq curl git aws gcloud az terraform helm docker hostid openssl head tail ls pgrep
""".split())

_DOLLAR = re.compile(r"(?<![$\\])\$\([ \t]*([A-Za-z_][\w-]*)[ \t]*\)")
_BRACKET = re.compile(r"(?<![\w\[$\]\\.])\[([A-Za-z][A-Za-z0-9]*(?:[-_ ][A-Za-z0-9]+)+)\](?![\](=])")
# Bounded by anything but a letter or digit: `i-XXXXXXXX`, `XXX-primary` and
# `arn:aws:iam::xxxxxxxxxxxx:role` are blanks as much as a lone `XXX`.
_FILLER = re.compile(r"(?<![A-Za-z0-9])(X{3,}|x{3,}|CHANGE_?ME|REPLACE_?ME|YOUR_[A-Z_]+)"
                     r"(?![A-Za-z0-9])")


def dollar_kind(name: str) -> str | None:
    """For ``$(name)``: "placeholder", "ambiguous" (also read as a placeholder) or None (a
    command substitution to run)."""
    if name in _PROGRAMS or name in KNOWN_COMMANDS:
        return None
    if "_" in name or (name.isupper() and len(name) > 1) or any(c.isupper() for c in name[1:]):
        return None if on_path(name) else "placeholder"
    if on_path(name):
        return None
    return "ambiguous"


def dollar_placeholders(command: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, name, kind)`` for each ``$(name)`` that is a placeholder."""
    out = []
    for m in _DOLLAR.finditer(command):
        kind = dollar_kind(m.group(1))
        if kind is not None:
            out.append((m.start(), m.end(), m.group(1), kind))
    return out


def _char_class(name: str) -> bool:
    return bool(re.fullmatch(r"(?:[A-Za-z0-9]-[A-Za-z0-9])+", name))


def bracket_placeholders(command: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` for each ``[several-word-name]`` placeholder."""
    out = []
    for m in _BRACKET.finditer(command):
        name = m.group(1)
        if _char_class(name) or len(name) < 4:
            continue
        out.append((m.start(), m.end(), name))
    return out


def fillers(command: str) -> list[tuple[int, str]]:
    """``(offset, text)`` of each ``XXX``-style blank: reported, never substituted."""
    return [(m.start(), m.group(1)) for m in _FILLER.finditer(command)]


def suggest_name(command: str, offset: int) -> str:
    """A parameter name for the blank at ``offset``: the variable or flag it is given to."""
    before = command[:offset]
    m = re.search(r"([A-Za-z_][\w-]*)\s*[=:]\s*[\"']?$", before)
    if m:
        return m.group(1).lower().replace("-", "_")
    # the flag it is given to, even when the blank is part of the value (`--ids i-XXXX`)
    m = re.search(r"--?([A-Za-z][\w-]*)[ =][\"']?[\w.:/-]*$", before)
    if m:
        return m.group(1).lower().replace("-", "_")
    return "value"
