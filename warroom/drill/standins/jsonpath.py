"""kubectl's ``-o jsonpath=TPL``: its parser and its evaluator, as client-go's util/jsonpath has them.

One reading of the template for every answer: text outside ``{…}`` is printed as it is (quotes, spaces, a
brace-less path and a lone ``}`` too); inside, the lexer of client-go's parser.go reads fields, ``[…]`` indices,
slices, unions and ``'key'``s, ``[?(…)]`` filters, ``..``, quoted text, numbers, ``true``/``false`` and the
``range``/``end`` identifiers. What it refuses is refused before any object is read, in its words (``error
parsing jsonpath``); what fails on the object (an index past a list's end, ``{abc}``, ``{end}`` outside a range)
is the executing error. A parser of its own because another library's grammar answered templates kubectl
refuses and refused ones it answers.
"""

from __future__ import annotations

import re
from typing import Any

from warroom.drill.standins.base import go_json

Node = tuple[Any, ...]
TERMINATORS = frozenset(" \t\r\n.,[]$@{}")


class JSONPathError(Exception):
    """A template kubectl's jsonpath cannot execute on the object; ``partial``: what the failing step gave
    back, which a ``[?(@.x)]`` exists-filter still counts (client-go returns it beside the error)."""

    def __init__(self, why: str, partial: list[Any] | None = None) -> None:
        super().__init__(why)
        self.partial = partial or []


class GoInt(int):
    """A number in a template: Go's int (an object's numbers are int64), as an error names its type."""


class TemplateParseError(JSONPathError):
    """A template kubectl refuses before reading any object (``error parsing jsonpath TPL, WHY``)."""


# ------------------------------------------------------------------------------ parsing
def parse(text: str) -> list[Node]:
    """The template as kubectl's parser reads it: ``("text", s)`` outside actions, ``("list", nodes)`` for each."""
    nodes: list[Node] = []
    i = 0
    while (start := text.find("{", i)) >= 0:
        nodes += [("text", text[i:start])] * (start > i)
        action, i = _action(text, start + 1)
        nodes.append(("list", action))
    return nodes + [("text", text[i:])] * (i < len(text))


def _sub(text: str) -> list[Node]:
    """A part of an action read as an action of its own (parser.go's parseAction: a union's member, a filter's side)."""
    return list(parse("{" + text + "}")[0][1])


def _action(s: str, i: int) -> tuple[list[Node], int]:
    """The nodes of the action starting at ``s[i]`` up to its ``}``, and the index after it."""
    nodes: list[Node] = []
    while True:
        c = s[i] if i < len(s) else ""
        if c == "}":
            return nodes, i + 1
        if s.startswith("[?(", i):
            i = _filter(s, i + 3, nodes)
        elif s.startswith("..", i):
            if nodes and nodes[-1] == ("recursive",):
                raise TemplateParseError("invalid multiple recursive descent")
            nodes.append(("recursive",))
            i = _field(s, i + 2, nodes) if i + 2 < len(s) and _alnum(s[i + 2]) else i + 2
        elif c in ("", "\r", "\n"):
            raise TemplateParseError("unclosed action")
        elif c in " @$":
            i += 1
        elif c == "[":
            i = _array(s, i, nodes)
        elif c in "\"'":
            i = _quote(s, i, nodes)
        elif c == ".":
            i = _field(s, i + 1, nodes)
        elif c in "+-" or c.isdecimal():
            i = _number(s, i, nodes)
        elif _alnum(c):
            j = _word_end(s, i, escapes=False)
            nodes.append(("const", s[i:j] == "true") if s[i:j] in ("true", "false") else ("identifier", s[i:j]))
            i = j
        else:
            shown = f" '{c}'" * c.isprintable()                  # Go's %#U: U+0021 '!'
            raise TemplateParseError(f"unrecognized character in action: U+{ord(c):04X}{shown}")


def _alnum(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdecimal()


def _word_end(s: str, i: int, escapes: bool = True) -> int:
    """Where a field (``escapes``: ``\\`` keeps the next character in it) or an identifier starting at ``s[i]``
    ends: at a terminator."""
    while i < len(s) and s[i] not in TERMINATORS:
        i += 2 if escapes and s[i] == "\\" else 1
    return min(i, len(s))


def _field(s: str, i: int, nodes: list[Node]) -> int:
    j = _word_end(s, i)
    nodes.append(("wildcard",) if s[i:j] == "*" else ("field", s[i:j].replace("\\", "")))
    return j


def _number(s: str, i: int, nodes: list[Node]) -> int:
    j = i + 1
    while j < len(s) and (s[j] == "." or s[j].isdecimal()):
        j += 1
    text = s[i:j]
    if re.fullmatch(r"[+-]?[0-9]+", text) and -2**63 <= int(text) < 2**63:     # Go's Atoi, then ParseFloat
        nodes.append(("const", GoInt(text)))
    elif re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", text) and abs(float(text)) < float("inf"):
        nodes.append(("const", float(text)))
    else:
        raise TemplateParseError(f"cannot parse number {text}")
    return j


def _array(s: str, i: int, nodes: list[Node]) -> int:
    """``[…]``: a union of members, a ``'key'``, or an index/slice ``start:end:step``."""
    end = s.find("]", i)
    if end < 0 or "\n" in s[i:end]:
        raise TemplateParseError("unterminated array")
    text = ":" if s[i + 1:end] == "*" else s[i + 1:end]
    if "," in text:
        nodes.append(("union", [_sub(f"[{member.strip(' ')}]") for member in text.split(",")]))
    elif key := re.fullmatch(r"'([^']*)'", text):
        nodes += _sub("." + key[1])
    elif (m := re.fullmatch(r"(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?", text)) is None:
        raise TemplateParseError(f"invalid array index {text}")
    else:
        groups, params = [g or "" for g in m.groups()], []
        for k, g in enumerate(groups):
            part = g[1:] if k else g
            if not g or (k and not part):       # ``[i]``: one element, its end derived from its start
                params.append((params[0] or 0) + 1 if k == 1 and not g else None)
            elif re.fullmatch(r"-?[0-9]+", part) and -2**63 <= int(part) < 2**63:
                params.append(int(part))
            else:
                raise TemplateParseError(f"array index {part} is not a number")
        nodes.append(("array", *params, not groups[1]))
    return end + 1


def _filter(s: str, i: int, nodes: list[Node]) -> int:
    """``[?(left OP right)]`` or ``[?(path)]`` (exists); ``)`` inside the first quoted text does not close it."""
    j, opened, closed, pair = i, False, False, ""
    while True:
        c = s[j] if j < len(s) else ""
        j += 1
        if c in ("", "\n"):
            raise TemplateParseError("unterminated filter")
        if c in "\"'" and not opened:
            opened, pair = True, c
        elif c == pair and s[j - 2] != "\\":
            closed = True
        elif c == ")" and opened == closed:
            break
    if s[j:j + 1] != "]":
        raise TemplateParseError("unclosed array expect ]")
    text = s[i:j - 1]
    m = re.fullmatch(r"([^!<>=]+)([!<>=]+)(.+)", text)
    nodes.append(("filter", _sub(text), [], "exists") if m is None else ("filter", _sub(m[1]), _sub(m[3]), m[2]))
    return j + 1


ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
CHAR = re.compile(r"""\\([abfnrtv\\'"])|\\([0-7]{3})|\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})"""
                  r"""|\\U([0-9a-fA-F]{8})|([^\\])""")


def _quote(s: str, i: int, nodes: list[Node]) -> int:
    """Quoted text up to its quote not preceded by a backslash, unquoted as Go's strconv.UnquoteChar reads it."""
    q, j = s[i], i + 1
    while j < len(s) and s[j] != "\n" and (s[j] != q or s[j - 1] == "\\"):
        j += 1
    if j >= len(s) or s[j] == "\n":
        raise TemplateParseError("unterminated quoted string")
    body, out, k = s[i + 1:j], bytearray(), 0
    while k < len(body):
        m = CHAR.match(body, k)
        code = int(m[4] or m[5] or "0", 16) if m else 0
        if (m is None or m[1] in ("'", '"') and m[1] != q or m[6] == q or (m[2] and int(m[2], 8) > 255)
                or code > 0x10FFFF or 0xD800 <= code < 0xE000):       # \q, a bare quote, no such code point
            raise TemplateParseError(f"unquote string {s[i:j + 1]} error invalid syntax")
        k = m.end()
        if m[2] or m[3]:
            out.append(int(m[2], 8) if m[2] else int(m[3], 16))     # one byte, as Go's \ooo and \xhh
        else:
            out += (ESCAPES.get(m[1], m[1]) if m[1] else chr(code) if code or m[4] or m[5] else m[6]).encode()
    nodes.append(("text", out.decode("utf-8", "replace")))
    return j + 1


# ------------------------------------------------------------------------------ evaluating
class _Run:
    """client-go's JSONPath.FindResults over parsed nodes, with its ``range``/``end`` counters."""

    def __init__(self) -> None:
        self.begin = self.inside = self.end = 0
        self.last_end = -1

    def results(self, nodes: list[Node], first: int, data: Any) -> list[list[Any]]:
        """Each node's values from ``nodes[first:]`` on ``data``; a range runs the nodes after it on each of its
        values up to its ``end``; an ``end`` stops the run it closes. A stack of runs, not a Python call per
        range: kubectl answers ranges nested thousands deep (attack42 A6)."""
        runs: list[list[Any]] = [[first, data, [], None, 0, False]]    # node, data, found, range's values, next, any
        while True:
            run = runs[-1]
            i, data, full, values, k, found = run
            if values is not None:                      # inside a range at node i: its next value, or past its end
                if k < len(values):
                    run[4] = k + 1
                    runs.append([i + 1, values[k], [], None, 0, False])
                    continue
                self.inside -= 1
                run[0], run[3] = max(i, self.last_end) + 1, None
                continue
            if i < len(nodes):
                got = self.walk([data], nodes[i])
                if 0 < self.end <= self.inside:
                    self.end -= 1
                    self.last_end = i
                elif self.begin > 0:
                    self.begin -= 1
                    self.inside += 1
                    run[3:] = got or [None], 0, bool(got)   # no values: still read up to its end, printing nothing
                    continue
                else:
                    full.append(got)
                    run[0] = i + 1
                    continue
            runs.pop()
            if not runs:
                return full
            runs[-1][2] += full if runs[-1][5] else []

    def walk(self, values: list[Any], node: Node) -> list[Any]:
        kind = node[0]
        if kind == "list":
            for part in node[1]:
                values = self.walk(values, part)
            return values
        if kind == "text":
            return [node[1]]
        if kind == "const":
            return [node[1]] * len(values)
        if kind == "field":
            return [v[node[1]] for v in values if isinstance(v, dict) and node[1] in v]
        if kind == "wildcard":
            return [x for v in values for x in _children(v)]
        if kind == "recursive":
            return [x for v in values if _children(v) for x in (v, *self.walk(_children(v), node))]
        if kind == "union":
            try:
                return [x for member in node[1] for x in self.walk(values, ("list", member))]
            except JSONPathError as exc:
                raise JSONPathError(str(exc), values) from None
        if kind == "array":
            return _index(values, *node[1:])
        if kind == "filter":
            return self.filter(values, *node[1:])
        if node[1] == "range":
            self.begin += 1
            return values
        if node[1] == "end" and self.inside:
            self.end += 1
            return []
        raise JSONPathError("not in range, nothing to end" if node[1] == "end" else
                            f"unrecognized identifier {node[1]}", [] if node[1] == "end" else values)

    def filter(self, values: list[Any], left: list[Node], right: list[Node], op: str) -> list[Any]:
        out = []
        for v in values:
            if not isinstance(v, list):
                raise JSONPathError(f"{_go(v)} is not array or slice and cannot be filtered", values)
            for x in v:
                try:
                    lefts = self.walk([x], ("list", left))
                    rights = self.walk([x], ("list", right)) if len(lefts) == 1 and op != "exists" else []
                except JSONPathError as exc:
                    if op != "exists":
                        raise JSONPathError(str(exc), values) from None
                    lefts = exc.partial                 # client-go counts what the failing step gave back
                if op == "exists" or not lefts:
                    out += [x] * bool(lefts)
                elif len(lefts) > 1 or len(rights) > 1:
                    raise JSONPathError("can only compare one element at a time", values)
                elif rights and _compare(lefts[0], rights[0], op, out):
                    out.append(x)
        return out


def _children(v: Any) -> list[Any]:
    """What ``*`` and ``..`` step into: a map's values, a list's items, a string's bytes (Go indexes bytes)."""
    return list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else \
        list(v.encode()) if isinstance(v, str) else []


def _index(values: list[Any], start: int | None, stop: int | None, step: int | None, one: bool) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is None:
            continue
        if not isinstance(v, list):
            raise JSONPathError(f"{_go_type(v)} is not array or slice", values)
        a = (start or 0) + len(v) * ((start or 0) < 0)
        b = len(v) if stop is None else stop + len(v) * (stop < 0 or (stop == 0 and one))
        if a == b:
            return out
        if not 0 <= a < len(v) or not 0 <= b <= len(v):
            bad = a if not 0 <= a < len(v) else b - 1
            raise JSONPathError(f"array index out of bounds: index {bad}, length {len(v)}", values)
        if a > b:
            raise JSONPathError(f"starting index {a} is greater than ending index {b}", values)
        if step is not None and step <= 0:
            raise JSONPathError("step must be > 0", values)
        out += v[a:b:step]
    return out


def _compare(a: Any, b: Any, op: str, partial: list[Any]) -> bool:
    """Go template's comparison: the same basic kind on both sides (strings, ints, floats; bools only ``==``)."""
    if op not in ("<", ">", "==", "!=", "<=", ">="):
        raise JSONPathError(f"unrecognized filter operator {op}", partial)
    kinds = [next((k for k in (bool, int, float, str) if isinstance(x, k)), None) for x in (a, b)]
    if None in kinds:
        raise JSONPathError("invalid type for comparison", partial)
    if kinds[0] != kinds[1]:
        raise JSONPathError("incompatible types for comparison", partial)
    if kinds[0] is bool and op not in ("==", "!="):
        raise JSONPathError("invalid type for comparison", partial)
    return bool({"<": a < b, ">": a > b, "==": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b}[op])


# ------------------------------------------------------------------------------ printing
def _go(v: Any) -> str:
    """A value as Go's ``%v`` prints it (fmt.Fprint of a scalar; maps by key, as ``map[k:v]``)."""
    if v is None or isinstance(v, bool):
        return {None: "<nil>", True: "true", False: "false"}[v]
    if isinstance(v, float):
        digits = len(repr(abs(v)).split("e")[0].replace(".", "").strip("0")) or 1
        text = f"{v:.{digits - 1}e}"
        exp = int(text.split("e")[1])
        return text if exp < -4 or exp >= 6 else f"{v:.{max(0, digits - 1 - exp)}f}"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go(x)}" for k, x in sorted(v.items())) + "]"
    return "[" + " ".join(map(_go, v)) + "]" if isinstance(v, list) else str(v)


def _go_type(v: Any) -> str:
    return {dict: "map[string]interface {}", str: "string", bool: "bool", float: "float64", GoInt: "int"}.get(
        type(v), "int64")


def _text(v: Any) -> str:
    return go_json(v, sort_keys=True) if isinstance(v, (dict, list)) else "null" if v is None else _go(v)


def jsonpath(template: str, data: Any, as_json: bool = False) -> str:
    """What ``-o jsonpath=TEMPLATE`` (``jsonpath-as-json``: each node's values as a JSON array) prints for
    ``data``; missing keys print nothing (``--allow-missing-template-keys``, kubectl get's default)."""
    found = _Run().results(parse(template), 0, data)
    if as_json:
        return "".join(go_json(values, indent=4, sort_keys=True) + "\n" for values in found)
    return "".join(" ".join(map(_text, values)) for values in found)


def find(path: str, data: Any) -> list[Any]:
    """The values one action (``{…}``'s inside) finds in ``data``: what ``--sort-by`` orders by."""
    found = _Run().results(parse("{" + path + "}"), 0, data)
    return found[0] if found else []
