"""The product's modules read and parsed once per test process, for the static checks that sweep them.

Nine test files read every module of warroom/, tui/ and panes/ (~340 files) and walk their syntax trees:
the one clock, the one way to name a command, comparisons said in words, the one step rule, the one
formatter, the dashboard's text factory, ... Each parsed the whole product again (1.6-4 s of CPU a
sweep; the two that cached did so for their own module only), so an xdist worker that ran several of
them parsed it several times over. Here a module's tree is built the first time a check asks and kept
for the process: the checks only read the trees (none transforms one), so one tree serves them all.

The price is memory: ~110 MB of trees for the whole product, held by each worker that ran a sweep
until it ends. The files do not change while the suite runs; a test that writes a module of its own
reads it itself, not through here.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("warroom", "tui", "panes")


@functools.cache
def modules(*packages: str) -> tuple[Path, ...]:
    """The ``.py`` files under ``packages`` (each a directory of the repository), sorted by path."""
    return tuple(sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts))


@functools.cache
def source(path: Path) -> str:
    """The text of ``path`` (UTF-8), read once."""
    return path.read_text(encoding="utf-8")


@functools.cache
def tree(path: Path) -> ast.Module:
    """The syntax tree of ``path``, parsed once (its file name in the tree, for a SyntaxError's words).
    Read it; never change it: every check that asks for this module gets this same tree."""
    return ast.parse(source(path), str(path))
