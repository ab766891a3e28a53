"""Every sink goes through its choke point — checked on the code itself, so a field added
tomorrow cannot reach a terminal, a widget or an export raw.

* dashboard (``tui/``, ``panes/``): ``Text`` comes from ``panes.safe`` (it sanitises whatever it
  is given), never from Rich or Textual directly; a widget, option, table row, border title or
  ``update()`` receives a literal, a ``Text`` built there, or a value that went through
  ``safe_text``/``ui_text`` — never a bare f-string or variable (a ``str`` would also be read as
  markup);
* CLI (``warroom/cli/``, ``tui/cli.py``): nothing writes to the real stdout/stderr but
  ``warroom.cli.terminal`` (``sys.__stdout__``, ``os.write(1|2)``, a Rich ``Console`` of its own);
* PIR and CSV: the Jinja environment has a ``finalize``; CSV rows are written by ``csvlog``'s
  wrapper only.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests import source_trees

ROOT = Path(__file__).resolve().parents[2]

WIDGET_CALLS = {"Static", "Label", "Option", "Button", "Markdown", "Digits", "Log", "RichLog", "Pretty",
                "Input", "TextArea"}
WIDGET_METHODS = {"update", "add_row", "add_column", "add_option", "write_line", "set_options"}
TEXT_ATTRS = {"border_title", "border_subtitle", "sub_title", "tooltip"}
SAFE_CALLS = {"Text", "SafeText", "ui_text", "safe_text", "one_line", "Table"}
ALLOWED_TEXT_IMPORT = {Path("panes/safe.py")}


def _files(*dirs: str) -> list[Path]:
    out: list[Path] = []
    for d in dirs:
        out.extend(sorted((ROOT / d).rglob("*.py")))
    return out


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name):
            return f.id
        if isinstance(f, ast.Attribute):
            return f.attr
    return None


def _is_safe_value(node: ast.AST) -> bool:
    """A literal, or something built by a sanitising factory (or a Text/Table built here)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if name in SAFE_CALLS:
            return True
        # Text("...").join(parts): parts are Text from the factory
        if isinstance(node.func, ast.Attribute) and node.func.attr == "join" and _is_safe_value(node.func.value):
            return True
    if isinstance(node, ast.IfExp):
        return _is_safe_value(node.body) and _is_safe_value(node.orelse)
    return False


def _is_raw_text(node: ast.AST) -> bool:
    """Text computed from values without a sanitiser: f-strings, concatenation, %/format."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return not (_is_safe_value(node.left) and _is_safe_value(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    if isinstance(node, ast.IfExp):
        return _is_raw_text(node.body) or _is_raw_text(node.orelse)
    return False


def _built_names(func: ast.AST) -> set[str]:
    """Names in a function that only ever hold a literal or something a call built (a ``Text``
    from the factory, a widget): a parameter or an attribute is not among them."""
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    assigned.setdefault(t.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            assigned.setdefault(node.target.id, []).append(node.value)
    return {n for n, values in assigned.items()
            if all(isinstance(v, ast.Call) and not _is_raw_text(v) or _is_safe_value(v) for v in values)}


def _bare(node: ast.AST, built: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id not in built
    return isinstance(node, (ast.Attribute, ast.Subscript))


def dashboard_violations() -> list[str]:
    problems: list[str] = []
    for path in _files("tui", "panes"):
        rel = path.relative_to(ROOT)
        tree = source_trees.tree(path)          # parsed once for every sweep of the product
        built: set[str] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                built |= _built_names(fn)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in {"rich.text", "textual.content"}:
                if rel not in ALLOWED_TEXT_IMPORT:
                    problems.append(f"{rel}:{node.lineno}: imports from {node.module}; use panes.safe")
            elif isinstance(node, ast.Call):
                name = _call_name(node)
                if name in {"from_markup", "markup"}:
                    problems.append(f"{rel}:{node.lineno}: parses markup ({name})")
                args = list(node.args)
                if name in WIDGET_CALLS or name in WIDGET_METHODS:
                    for a in args:
                        if _is_raw_text(a):
                            problems.append(f"{rel}:{node.lineno}: {name}() given text built without the"
                                            " sanitiser (use ui_text/safe_text)")
                if (name in WIDGET_CALLS and args and _bare(args[0], built)) or (
                        name == "add_row" and any(_bare(a, built) for a in args)):
                    problems.append(f"{rel}:{node.lineno}: {name}() given a bare value (wrap it in ui_text)")
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Attribute) and t.attr in TEXT_ATTRS and (
                            _is_raw_text(node.value) or _bare(node.value, built)):
                        problems.append(f"{rel}:{node.lineno}: .{t.attr} set from unsanitised text")
    return problems


def test_dashboard_text_goes_through_the_factory() -> None:
    problems = dashboard_violations()
    assert not problems, "\n".join(problems)
