"""The runbook library: every runbook warroom can find, by id.

Search order: the shipped library (``warroom.paths.shipped_runbooks_dir()``, without its
``templates/``), then the config's ``[runbooks].dirs``, then ``--dir`` arguments. Ids must be
unique; when two files claim one id the first found wins and the second gets a finding naming
both files. Two ids that differ only in case both load (each opens when typed exactly), and the
second gets a warning naming both files and lines, the same one ``runbooks lint`` gives. Runbooks without front matter get their id from the file name.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from warroom.errors import NotFoundError
from warroom.paths import expand, shipped_runbooks_dir
from warroom.runbook.ids import case_twin_message, fold, match_id
from warroom.runbook.model import Finding, Runbook
from warroom.runbook.parser import load_runbook

RUNBOOK_SUFFIXES = (".md", ".markdown")
# Not runbooks even when they sit in a runbook directory.
SKIP_NAMES = frozenset({"readme.md", "_index.md", "index.md", "changelog.md", "contributing.md",
                        "license.md"})
SKIP_DIRS = frozenset({"templates", "node_modules", "__pycache__"})


def iter_runbook_files(root: Path, findings: list[Finding] | None = None) -> Iterator[Path]:
    """Markdown files under ``root`` in a stable order, skipping hidden and template dirs."""
    def onerror(err: OSError) -> None:
        if findings is not None:
            findings.append(Finding(str(err.filename or root), 0, "error",
                                    f"cannot read directory: {err.strerror or err}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.startswith(".") or name.lower() in SKIP_NAMES:
                continue
            if name.lower().endswith(RUNBOOK_SUFFIXES):
                yield Path(dirpath) / name


class RunbookLibrary:
    """Runbooks found in the shipped library and in ``dirs`` (searched in that order)."""

    def __init__(self, dirs: Iterable[str | os.PathLike[str]] = (), *, shipped: bool = True) -> None:
        self.dirs: list[Path] = []
        for d in ([shipped_runbooks_dir()] if shipped else []) + [expand(d) for d in dirs]:
            # The same directory given twice (e.g. the shipped dir passed explicitly) is
            # searched once.
            if not any(_same(d, seen) for seen in self.dirs):
                self.dirs.append(d)
        self.findings: list[Finding] = []
        self._by_id: dict[str, Runbook] = {}
        self._by_fold: dict[str, list[Runbook]] = {}     # ids that differ only in case, together
        self._loaded = False

    @classmethod
    def from_config(cls, cfg: object | None, extra_dirs: Iterable[str | os.PathLike[str]] = (),
                    *, shipped: bool = True) -> RunbookLibrary:
        dirs: list[str | os.PathLike[str]] = []
        runbook_dirs = getattr(cfg, "runbook_dirs", None)
        if callable(runbook_dirs):
            dirs.extend(runbook_dirs())
        dirs.extend(extra_dirs)
        return cls(dirs, shipped=shipped)

    # -- loading --------------------------------------------------------------------------
    def load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        shipped = shipped_runbooks_dir()
        for d in self.dirs:
            if not d.exists():
                if d == shipped:
                    continue  # a checkout without the library yet
                self.findings.append(Finding(str(d), 0, "error",
                                             "runbook directory does not exist"))
                continue
            if not d.is_dir():
                self.add_file(d)
                continue
            for f in iter_runbook_files(d, self.findings):
                self.add_file(f)

    def add_file(self, path: Path) -> Runbook:
        rb = load_runbook(path)
        first = self._by_id.get(rb.id)
        if first is not None:
            if first.path and rb.path and first.path.resolve() == rb.path.resolve():
                return first
            explicit = "id" in rb.declared_keys or "id" in first.declared_keys
            self.findings.append(Finding(
                str(path), _id_line(rb), "error" if explicit else "warning",
                f"duplicate runbook id {rb.id!r}: already defined in {first.path}"
                f":{_id_line(first)}; this file is ignored (use its path to open it)"))
            return rb
        twins = self._by_fold.setdefault(fold(rb.id), [])
        explicit = "id" in rb.declared_keys
        self.findings.extend(Finding(str(path), _id_line(rb) if explicit else 1, "warning",
                                     case_twin_message(rb.id, not explicit, other.id,
                                                       f"{other.path}:{_id_line(other)}"))
                             for other in twins)
        twins.append(rb)
        self._by_id[rb.id] = rb
        return rb

    # -- queries --------------------------------------------------------------------------
    def list(self) -> list[Runbook]:
        self.load()
        return sorted(self._by_id.values(), key=lambda r: r.id.lower())

    def runbooks(self) -> list[Runbook]:
        return self.list()

    def __iter__(self) -> Iterator[Runbook]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self.list())

    def ids(self) -> list[str]:
        return [r.id for r in self.list()]

    def by_id(self, rid: str) -> Runbook | None:
        """The runbook that owns exactly this id (the first found), or None."""
        self.load()
        return self._by_id.get(rid)

    def by_typed_id(self, typed: str) -> Runbook | None:
        """The runbook an id typed by a person names (``runbook.ids.match_id``: exact, else the one
        id equal ignoring case; several raise), or None."""
        self.load()
        rid = match_id(typed.strip(), self._by_id)
        return self._by_id[rid] if rid is not None else None

    def get(self, ref: str) -> Runbook:
        """A runbook by id (exact, then the one id equal ignoring case: ``runbook.ids``) or by file path."""
        text = str(ref).strip()
        found = self.by_typed_id(text)
        if found is not None:
            return found
        low = text.lower()
        p = expand(text)
        if p.is_file() or (p.suffix and p.exists()) or (
                ("/" in text or p.is_absolute()) and p.exists() and not p.is_dir()):
            # a FIFO, device or socket named by path: load_runbook reports it (never opens it)
            return load_runbook(p)
        if p.is_dir():
            raise NotFoundError(f"{text} is a directory; give a runbook id or a file")
        ids = list(self._by_id)
        close = difflib.get_close_matches(text, ids, n=3, cutoff=0.75)
        close += [i for i in ids if low and low in i.lower() and i not in close][:3]
        by_title = [r.id for r in self._by_id.values() if low and low in r.title.lower()]
        close += [i for i in by_title if i not in close][:3]
        hint = f"; did you mean {', '.join(close[:5])}?" if close else (
            f"; known ids: {', '.join(sorted(ids)[:12])}" + (" ..." if len(ids) > 12 else "")
            if ids else "; the library is empty")
        raise NotFoundError(f"no runbook {text!r}{hint}")

    def find(self, ref: str) -> Runbook | None:
        try:
            return self.get(ref)
        except NotFoundError:
            return None

    def for_trigger(self, trigger: str) -> list[Runbook]:
        """Runbooks whose front matter ``triggers`` name an SLO pane id or alert name."""
        low = trigger.lower()
        return [r for r in self.list() if any(t.lower() == low for t in r.triggers)]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _id_line(rb: Runbook) -> int:
    return rb.id_line or 1
