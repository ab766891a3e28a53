"""``warroom runbooks lint``: every problem in a set of runbook files, as ``file:line`` findings.

Lint never raises, whatever it is given (binary files, non-UTF-8, huge files, empty files,
directories of junk, paths that do not exist): each problem is a finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from warroom.config import Config
from warroom.paths import command, expand
from warroom.runbook.checks import config_findings, lint_runbook, undoes_one_revision
from warroom.runbook.ids import case_twin_message, fold
from warroom.runbook.library import RunbookLibrary, iter_runbook_files
from warroom.runbook.model import Finding, Runbook
from warroom.runbook.parser import load_runbook

#: one runbook's own checks, imported from here by their callers since before they had a module of their own
__all__ = ["lint_configured", "lint_file", "lint_paths", "lint_runbook", "undoes_one_revision", "unreadable"]


def lint_configured(config: Config, library: RunbookLibrary | None = None) -> list[Finding]:
    """Lint every directory of the configuration's ``[runbooks].dirs``, the runbooks the app adds
    to the shipped library, in its search order. A directory that is not there is an error at the
    config file's line that names it (the file to fix), not at the missing path alone."""
    findings: list[Finding] = []
    present: list[str] = []
    where = str(config.source) if config.source else "the configuration"
    for raw in config.runbooks.dirs:
        path = expand(raw)     # as the app reads it: ``~`` and ``$VARS`` expanded
        problem = ("runbook directory does not exist" if not path.exists()
                   else "not a directory" if not path.is_dir() else None)
        if problem is None:
            present.append(str(path))
            continue
        shown = f"{raw!r}" + (f" ({path})" if str(path) != raw else "")
        findings.append(Finding(where, config.source_line(raw), "error",
                                f"runbooks.dirs: {shown}: {problem}"))
    return findings + lint_paths(present, config, library=library)


def lint_paths(paths: Iterable[str | os.PathLike[str]], config: Config | None = None, *,
               library: RunbookLibrary | None = None) -> list[Finding]:
    """Lint files and directories (directories: every ``*.md`` under them) under ``config`` (the
    loaded configuration: its update cadence, its runbook directories; None: built-in defaults).

    ``library`` is the library the app builds from that configuration (shipped, then
    ``[runbooks].dirs``; the CLI passes it): with it, a linted runbook whose id the library
    resolves to another file is reported, since asking for that id never opens it."""
    config = config if config is not None else Config()
    findings: list[Finding] = []
    seen_ids: dict[str, Runbook] = {}
    linted: list[tuple[Runbook, bool]] = []     # each runbook, and whether a directory gave it
    done: set[Path] = set()                     # files linted, by resolved path
    for raw in paths:
        path = Path(raw)
        try:
            if not path.exists():
                findings.append(Finding(str(path), 0, "error", "no such file or directory"))
                continue
            if path.is_dir():
                files = list(iter_runbook_files(path, findings))
                if not files:
                    findings.append(Finding(str(path), 0, "warning",
                                            "no runbooks (*.md) in this directory"))
            else:
                files = [path]
            for f in files:
                if _resolved(f) in done:
                    continue        # overlapping dirs, a path given twice: the app loads it once
                done.add(_resolved(f))
                findings.extend(lint_file(f, seen_ids, linted, in_directory=path.is_dir(),
                                          config=config))
        except OSError as exc:  # e.g. permission denied while walking
            findings.append(Finding(str(path), 0, "error", f"cannot read: {exc.strerror or exc}"))
    if library is not None:
        findings.extend(_shadowed_findings(linted, library))
    findings.extend(_case_twin_findings(linted, library))
    findings.extend(_on_go_findings(linted, library or RunbookLibrary.from_config(config)))
    return findings


def _shadowed_findings(linted: list[tuple[Runbook, bool]], library: RunbookLibrary) -> list[Finding]:
    """A linted runbook whose id the app's library gives to another file, one not linted in this
    run (two linted files with one id are already reported, at the second): the app searches the
    shipped library, then ``[runbooks].dirs`` in order, and keeps the first, so a team's copy of
    ``RB-CORE-003`` in its own directory is silently never opened by id."""
    paths = {_resolved(rb.path) for rb, _ in linted if rb.path}
    out: list[Finding] = []
    for rb, _ in linted:
        if not (rb.sections or rb.steps) or rb.path is None:
            continue
        owner = library.by_id(rb.id)
        if owner is None or owner.path is None or _resolved(owner.path) in paths:
            continue
        explicit = "id" in rb.declared_keys
        out.append(Finding(
            str(rb.path), rb.id_line if explicit else 1, "error" if explicit else "warning",
            f"runbook id {rb.id!r}{'' if explicit else ' (from the file name)'} is already taken by "
            f"{owner.path}:{owner.id_line}, which warroom finds first (the shipped library, then "
            "[runbooks].dirs in order): asking for this id opens that file, never this one; give "
            "this runbook its own id"))
    return out


def _case_twin_findings(linted: list[tuple[Runbook, bool]],
                        library: RunbookLibrary | None) -> list[Finding]:
    """Two runbook ids that differ only in case (``RB-TEAM-001`` and ``rb-team-001``), among the
    runbooks linted here and the library the app searches (``library``: shipped, then
    ``[runbooks].dirs``): the app opens each only when typed exactly and refuses any other
    spelling as ambiguous (``warroom.runbook.ids.match_id``). One warning per pair of ids, at the
    linted runbook that comes later (the library's own runbooks first, then lint order), naming
    the other's file and line. Two files with the very same id are the duplicate check's."""
    books: list[tuple[Runbook, bool]] = []      # (runbook, linted here): library-only ones first
    linted_paths: set[Path] = set()
    for rb, _ in linted:
        if rb.path is not None and (rb.sections or rb.steps) and _resolved(rb.path) not in linted_paths:
            linted_paths.add(_resolved(rb.path))
            books.append((rb, True))
    if library is not None:
        books[:0] = [(rb, False) for rb in library.list()
                     if rb.path is not None and _resolved(rb.path) not in linted_paths]
    holders: dict[str, dict[str, Runbook]] = {}   # folded id -> exact id -> its first runbook
    out: list[Finding] = []
    for rb, here in books:
        twins = holders.setdefault(fold(rb.id), {})
        if rb.id in twins:
            continue                            # the same id twice: a duplicate, reported as one
        if here:
            explicit = "id" in rb.declared_keys
            out.extend(Finding(str(rb.path), rb.id_line if explicit else 1, "warning",
                               case_twin_message(rb.id, not explicit, other.id,
                                                 f"{other.path}:{other.id_line}"))
                       for other in twins.values())
        twins[rb.id] = rb
    return out


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def _on_go_findings(linted: list[tuple[Runbook, bool]], library: RunbookLibrary) -> list[Finding]:
    """A decision's ``on_go`` that names no runbook: a GO would be journaled but its follow-up
    runbook could not be opened, found only mid-incident. Checked against every runbook linted
    in this run and the library the app searches (shipped, then the config's directories).
    A runbook linted from a directory is checked against that library: an unknown id is an
    error. A single file linted on its own has no library here (the runbook it names may sit
    beside it in a configured directory): an unknown id is a warning that says to lint the
    directory."""
    wanted = [(rb, in_dir, d) for rb, in_dir in linted for d in rb.decisions if d.on_go]
    if not wanted:
        return []
    known = {rb.id.lower() for rb, _ in linted if rb.sections or rb.steps}
    known.update(rid.lower() for rid in library.ids())
    out: list[Finding] = []
    for rb, in_dir, d in wanted:
        if d.on_go.lower() in known:
            continue
        file = str(rb.path) if rb.path else "<text>"
        line = d.on_go_line or d.line
        head = (f"decision {d.id!r}: on_go names runbook {d.on_go!r}, which is neither in")
        if in_dir:
            out.append(Finding(file, line, "error",
                               f"{head} the runbooks linted here nor in the library (shipped and "
                               "[runbooks].dirs): a GO "
                               "would be recorded but could not open it"))
        else:
            out.append(Finding(file, line, "warning",
                               f"{head} the files linted here nor in the library (shipped and "
                               "[runbooks].dirs; this file "
                               "was linted without its library: lint its directory, "
                               f"`{command('runbooks', 'lint', 'DIR')}`, to check it): a GO could not open it"))
    return out


def lint_file(path: Path, seen_ids: dict[str, Runbook] | None = None,
              linted: list[tuple[Runbook, bool]] | None = None, *,
              in_directory: bool = False, config: Config | None = None) -> list[Finding]:
    rb = load_runbook(path)
    if linted is not None:
        linted.append((rb, in_directory))
    findings = [*rb.findings, *lint_runbook(rb), *config_findings(rb, config if config is not None else Config())]
    if seen_ids is not None and (rb.sections or rb.steps):
        first = seen_ids.get(rb.id)
        if first is not None and first.path != rb.path:
            explicit = "id" in rb.declared_keys or "id" in first.declared_keys
            if explicit:
                findings.append(Finding(str(path), rb.id_line, "error",
                                        f"duplicate runbook id {rb.id!r}: already defined in "
                                        f"{first.path}:{first.id_line}"))
            else:
                findings.append(Finding(str(path), 1, "warning",
                                        f"runbook id {rb.id!r} (from the file name) is also the "
                                        f"id of {first.path}; in one library only the first is "
                                        "used, refer to the other by path or give it an id"))
        else:
            seen_ids.setdefault(rb.id, rb)
    return sorted(findings, key=lambda f: f.line)


# Findings that make the file unusable (cannot be read at all): ``lint`` exits 2 on them.
UNREADABLE = ("no such file or directory", "cannot read:", "is a directory, not", "runbooks.dirs:")


def unreadable(finding: Finding) -> bool:
    msg = finding.message
    return finding.level == "error" and (msg.startswith(UNREADABLE)
                                         or "too large for a runbook" in msg)
