"""``warroom runbooks lint``: every problem in a set of runbook files, as ``file:line`` findings.

Lint never raises, whatever it is given (binary files, non-UTF-8, huge files, empty files,
directories of junk, paths that do not exist): each problem is a finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from warroom.runbook import shell
from warroom.runbook.library import iter_runbook_files
from warroom.runbook.model import Finding, Runbook
from warroom.runbook.parser import load_runbook


def lint_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Finding]:
    """Lint files and directories (directories: every ``*.md`` under them)."""
    findings: list[Finding] = []
    seen_ids: dict[str, Runbook] = {}
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
                findings.extend(lint_file(f, seen_ids))
        except OSError as exc:  # e.g. permission denied while walking
            findings.append(Finding(str(path), 0, "error", f"cannot read: {exc.strerror or exc}"))
    return findings


def lint_file(path: Path, seen_ids: dict[str, Runbook] | None = None) -> list[Finding]:
    rb = load_runbook(path)
    findings = list(rb.findings)
    findings.extend(lint_runbook(rb))
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


def lint_runbook(rb: Runbook) -> list[Finding]:
    """Checks beyond what parsing reports (the parser's own findings are on ``rb.findings``)."""
    out: list[Finding] = []
    file = str(rb.path) if rb.path else "<text>"
    for step in rb.steps:
        if step.kind != "shell" or not step.command:
            continue
        problem = shell.scan(step.command).problem()
        if problem:
            out.append(Finding(file, step.line, "warning",
                               f"step {step.number} ({step.label}): command is incomplete: "
                               f"{problem}"))
    broken = any("front matter" in f.message and f.level == "error" for f in rb.findings)
    if rb.front_matter == "toml" and not rb.steps and not broken:
        out.append(Finding(file, 1, "warning", "runbook has no steps"))
    return out
