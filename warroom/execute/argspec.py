"""Option tables and the one option parser every tool rule uses.

A table is written as a string of option names (``"-n= --lines= -q --quiet --color=?"``): a
trailing ``=`` means the option takes a value (next word, ``--opt=value`` or ``-nVALUE``), ``=?``
an optional value that can only be attached (``--color=always``); no suffix means a switch.
Options that write or run something are not in the table of a read-only form, or are listed in
``danger`` with the reason; ``outputs`` are options whose value names an output file, allowed
only as ``-`` or ``/dev/null``.

The parser never guesses: an option missing from the table, an option that may come from an
expansion (``"$X"`` could be ``-o/etc/passwd``), a value-taking option without its value, or a
value that itself looks like an option (a table mistake would otherwise hide the next option)
all raise :class:`~warroom.execute.shparse.Unprovable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from warroom.execute.shparse import PWord, Unprovable

#: Targets that are not files anyone keeps.
SINKS = frozenset({"/dev/null", "-", "/dev/stdout", "/dev/stderr"})


def table(spec: str) -> dict[str, str]:
    """``"-n= --all -c=?"`` -> ``{"-n": "v", "--all": "b", "-c": "o"}``."""
    out: dict[str, str] = {}
    for tok in spec.split():
        if tok.endswith("=?"):
            out[tok[:-2]] = "o"
        elif tok.endswith("="):
            out[tok[:-1]] = "v"
        else:
            out[tok] = "b"
    return out


@dataclass
class Opts:
    """What a command line said: options in order (with their values) and positional words."""

    flags: list[tuple[str, PWord | None]] = field(default_factory=list)
    pos: list[PWord] = field(default_factory=list)
    rest: list[PWord] = field(default_factory=list)  # words after the first positional (stop mode)

    def has(self, *names: str) -> bool:
        return any(f in names for f, _ in self.flags)

    def values(self, *names: str) -> list[PWord | None]:
        return [v for f, v in self.flags if f in names]


def _numeric_value(v: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[0-9][0-9.,:smhdkKMGTPbB]*", v))


def parse_opts(tool: str, words: Iterable[PWord], flags: Mapping[str, str], *,
               danger: Mapping[str, str] | None = None, outputs: Iterable[str] = (),
               stop_at_positional: bool = False, numeric: bool = False,
               dynamic_ok: bool = False, pflag: bool = False,
               dash_values: Iterable[str] = ()) -> Opts:
    """Parse ``words`` (the arguments, without the program name) against ``flags``.

    ``dynamic_ok``: every option this tool has only reads, so a word that may expand to an option
    is harmless (``grep "$PATTERN" file``). ``pflag``: Go/cobra syntax (``-n=x`` allowed).
    ``dash_values``: value-taking options whose value may legitimately start with ``-``.
    """
    danger = danger or {}
    outs = set(outputs)
    flags = {**{o: "v" for o in outs}, **flags}
    dv = set(dash_values)
    ws = list(words)
    res = Opts()
    i = 0
    only_pos = False

    def take_value(name: str, j: int) -> tuple[PWord, int]:
        if j >= len(ws):
            raise Unprovable(f"{tool} {name} needs a value")
        v = ws[j]
        if v.may_split and not dynamic_ok:
            if v.may_dash:
                raise Unprovable(f"the value of {tool} {name} ({v.text}) may split into several "
                                 "words, which could add options")
            # a glob with a literal prefix: the extra words are positional, never options
            res.pos.append(PWord(v.text, None, False, True, v.quoted, v.prefix))
        if v.literal and v.value.startswith("-") and len(v.value) > 1 and name not in dv \
                and not _numeric_value(v.value):
            raise Unprovable(f"{tool} {name} is followed by {v.value!r}, which looks like another "
                             "option")
        # A computed value that may start with '-' is still this option's value: getopt and
        # pflag take the next word whatever it starts with (only split words can add options).
        return v, j + 1

    def record(name: str, kind: str, value: PWord | None) -> None:
        if name in danger:
            raise Unprovable(f"{tool} {name} {danger[name]}")
        if name in outs:
            if value is None or value.value not in SINKS:
                shown = value.show() if value is not None else "a file"
                raise Unprovable(f"{tool} {name} writes to the file {shown}")
        res.flags.append((name, value))

    while i < len(ws):
        w = ws[i]
        if only_pos:
            res.pos.append(w)
            i += 1
            continue
        if not w.literal:
            pre = w.prefix
            if pre.startswith("-") and len(pre) > 1:
                # an option with a computed value: --since="$(date ...)", -n"$N"
                if pre.startswith("--") and "=" in pre:
                    name = pre.split("=", 1)[0]
                    kind = flags.get(name)
                    if kind is None and name not in danger:
                        raise Unprovable(f"{tool} has no option {name} the check knows")
                    if kind == "b":
                        raise Unprovable(f"{tool} {name} does not take a value")
                    if w.may_split and not dynamic_ok:
                        raise Unprovable(f"the value of {tool} {name} may split into several words")
                    record(name, kind or "v", w)
                    i += 1
                    continue
                if not pre.startswith("--"):
                    k = 1
                    while k < len(pre):
                        name = "-" + pre[k]
                        kind = flags.get(name)
                        if kind is None and name not in danger:
                            raise Unprovable(f"{tool} has no option {name} the check knows")
                        if kind == "v":
                            if w.may_split and not dynamic_ok:
                                raise Unprovable(f"the value of {tool} {name} may split into "
                                                 "several words")
                            record(name, kind, w)
                            break
                        record(name, kind or "b", None)
                        k += 1
                    else:
                        raise Unprovable(f"{w.text} may expand to more options of {tool}")
                    i += 1
                    continue
            if w.may_dash and not dynamic_ok:
                raise Unprovable(f"{w.text} may expand to an option of {tool} (an expansion or "
                                 "glob at the start of a word); put it after -- or after a "
                                 "literal prefix")
            res.pos.append(w)
            i += 1
            if stop_at_positional:
                only_pos = True
            continue
        v = w.value or ""
        if v == "--":
            only_pos = True
            i += 1
            continue
        if v == "-" or not v.startswith("-"):
            res.pos.append(w)
            i += 1
            if stop_at_positional:
                only_pos = True
            continue
        if numeric and re.fullmatch(r"-[0-9]+", v):
            res.flags.append((v, None))
            i += 1
            continue
        if v.startswith("--"):
            name, eq, attached = v.partition("=")
            kind = flags.get(name)
            if kind is None:
                if name in danger:
                    record(name, "b", None)
                raise Unprovable(f"{tool} has no option {name} the check knows")
            if kind == "b":
                if eq and not (pflag and attached in ("true", "false")):
                    raise Unprovable(f"{tool} {name} does not take a value")
                record(name, kind, None)
                i += 1
                continue
            if kind == "o":
                record(name, kind, PWord(attached, attached) if eq else None)
                i += 1
                continue
            if eq:
                record(name, kind, PWord(attached, attached))
                i += 1
                continue
            val, i = take_value(name, i + 1)
            record(name, kind, val)
            continue
        # a cluster of short options: -abc, -n5, -n=5 (pflag)
        k = 1
        i += 1
        while k < len(v):
            name = "-" + v[k]
            kind = flags.get(name)
            if kind is None:
                if name in danger:
                    record(name, "b", None)
                raise Unprovable(f"{tool} has no option {name} the check knows")
            if kind in ("v", "o"):
                rest = v[k + 1:]
                if pflag and rest.startswith("="):
                    rest = rest[1:]
                if rest:
                    record(name, kind, PWord(rest, rest))
                elif kind == "v":
                    val, i = take_value(name, i)
                    record(name, kind, val)
                else:
                    record(name, kind, None)
                break
            if pflag and v[k + 1:k + 2] == "=":
                rest = v[k + 2:]
                if rest not in ("true", "false"):
                    raise Unprovable(f"{tool} {name} does not take a value")
                record(name, kind, None)
                break
            record(name, kind, None)
            k += 1
    return res


def literal_words(tool: str, words: Iterable[PWord], what: str) -> list[str]:
    """The values of ``words``, each of which must be known (a verb, a subcommand)."""
    out: list[str] = []
    for w in words:
        if not w.literal:
            raise Unprovable(f"the {what} of {tool} ({w.text}) is computed, so it cannot be "
                             "checked")
        out.append(w.value or "")
    return out


def parse_single_dash(tool: str, words: Iterable[PWord], flags: Mapping[str, str], *,
                      danger: Mapping[str, str] | None = None,
                      outputs: Iterable[str] = ()) -> Opts:
    """Options spelled as whole words with one dash (``-noout``, ``-brief``, ``-in FILE``):
    each option word must match the table exactly; values are the next word."""
    danger = danger or {}
    outs = set(outputs)
    ws = list(words)
    res = Opts()
    i = 0
    while i < len(ws):
        w = ws[i]
        if not w.literal:
            if w.may_dash:
                raise Unprovable(f"{w.text} may expand to an option of {tool}")
            res.pos.append(w)
            i += 1
            continue
        v = w.value or ""
        if not v.startswith("-") or v == "-":
            res.pos.append(w)
            i += 1
            continue
        if v in danger:
            raise Unprovable(f"{tool} {v} {danger[v]}")
        kind = "v" if v in outs else flags.get(v)
        if kind is None:
            raise Unprovable(f"{tool} has no option {v} the check knows")
        if kind == "v":
            if i + 1 >= len(ws):
                raise Unprovable(f"{tool} {v} needs a value")
            val = ws[i + 1]
            if val.may_split or val.may_dash:
                raise Unprovable(f"the value of {tool} {v} ({val.text}) is computed")
            if v in outs and val.value not in SINKS:
                raise Unprovable(f"{tool} {v} writes to the file {val.show()}")
            res.flags.append((v, val))
            i += 2
            continue
        res.flags.append((v, None))
        i += 1
    return res
