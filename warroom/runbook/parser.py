"""Markdown runbook -> :class:`Runbook`, following DESIGN.md §3.

The document is tokenised with markdown-it-py (CommonMark); steps come from the token stream,
never from regular expressions over the whole text:

* headings open sections, mapped to incident phases (:mod:`warroom.runbook.phases`);
* shell fences are split into steps (:mod:`warroom.runbook.blocks`), ``promql`` fences become
  PromQL steps, ``warroom`` fences native k8s steps (:mod:`warroom.syntax.k8s`);
* ``- [ ]`` / ``* [ ]`` / ``1. [ ]`` items are manual steps; one holding an inline-code command,
  or with a runnable fence indented under it, runs that command;
* fences under list items are split like top-level ones (the item labels the first step);
* inline code whose first word is a program, in any list item or paragraph, is a step
  (:mod:`warroom.runbook.inline_commands`); indented code blocks holding commands too.

Nothing here raises on bad input: problems become :class:`Finding` objects on the runbook.

This module decodes the file; the token walk is :mod:`warroom.runbook.builder`, turning its drafts
into steps :mod:`warroom.runbook.assemble`, and the inline-text helpers :mod:`warroom.runbook.inline`.
"""

from __future__ import annotations

import gc
import pickle
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

from warroom.runbook.builder import _Builder
from warroom.runbook.inline import (
    checkable as checkable,  # re-exported: the incident layer reads it here
)
from warroom.input_files import Unreadable, read_bounded
from warroom.runbook.model import Finding, Runbook

MAX_BYTES = 4 * 1024 * 1024  # a runbook is prose; anything bigger is not one


def load_runbook(path: str | Path) -> Runbook:
    """Read and parse one file. Unreadable, binary, non-UTF-8, empty or over-size files, devices,
    FIFOs and sockets give an error finding (never a hang: nothing but a regular file is opened,
    and it is opened non-blocking and read up to the limit only)."""
    p = Path(path)
    name = str(p)
    try:
        data = read_bounded(p, MAX_BYTES, pipes=False)
    except Unreadable as exc:
        if exc.kind == "too_large":
            return _empty(p, _too_large(name, exc.size or 0))
        if exc.kind == "directory":
            return _empty(p, Finding(name, 1, "error", "is a directory, not a runbook file"))
        what = {"fifo": "a FIFO", "socket": "a socket", "device": "a device"}.get(exc.kind, "not a regular file")
        return _empty(p, Finding(name, 1, "error", f"cannot read: {what}, not a runbook file"))
    except IsADirectoryError:
        return _empty(p, Finding(name, 1, "error", "is a directory, not a runbook file"))
    except (OSError, ValueError) as exc:
        return _empty(p, Finding(name, 1, "error", f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
    return parse_bytes(data, p)


def _too_large(name: str, size: int) -> Finding:
    return Finding(name, 1, "error", f"file is {size // 1024} KiB, too large for a runbook "
                   f"(limit {MAX_BYTES // 1024 // 1024} MiB); skipped")


#: The last files parsed in this process, as pickles of their ``Runbook`` by (bytes, path): resolving a runbook id
#: parses the whole library (19 files, ~90 ms) and opening an incident parses its snapshot, again and again in one
#: dashboard or test process. A parse is a function of the bytes and the path (``on_path`` is cached per process
#: already), and each caller gets its own unpickled copy (~0.3 ms a file), never a shared object it could change.
#: Kept while the files and their pickles come to no more than this (the shipped library is ~0.7 MB of both).
PARSED_KEPT_BYTES = 8 * 1024 * 1024
_parsed: OrderedDict[tuple[bytes, Path | None], bytes] = OrderedDict()
_parsed_size = [0]
_parsed_lock = threading.Lock()


def parse_bytes(data: bytes, path: Path | None = None) -> Runbook:
    """Parse raw bytes: detects binary and non-UTF-8 content instead of failing on it."""
    key = (data, path)
    with _parsed_lock:
        kept = _parsed.get(key)
        if kept is not None:
            _parsed.move_to_end(key)
    if kept is not None:
        return pickle.loads(kept)  # type: ignore[no-any-return]
    rb = _parse_bytes(data, path)
    if len(data) > PARSED_KEPT_BYTES // 16:
        return rb        # a big file is parsed each time, as before: it would push the library out
    try:
        kept = pickle.dumps(rb, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return rb        # a runbook that does not pickle is parsed again next time, as before
    with _parsed_lock:
        if key not in _parsed:
            _parsed[key] = kept
            _parsed_size[0] += len(data) + len(kept)
        while _parsed_size[0] > PARSED_KEPT_BYTES:
            (old_data, _path), old_kept = _parsed.popitem(last=False)
            _parsed_size[0] -= len(old_data) + len(old_kept)
    return rb


def _parse_bytes(data: bytes, path: Path | None) -> Runbook:
    name = str(path) if path else "<text>"
    if not data.strip():
        return _empty(path, Finding(name, 1, "error", "file is empty"))
    if b"\x00" in data[:8192] or _mostly_binary(data[:8192]):
        return _empty(path, Finding(name, 1, "error",
                                    "not a text file (binary content); skipped"))
    try:
        text = data.decode("utf-8")
        bad: Finding | None = None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        bad = Finding(name, line, "error",
                      f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                      "read with replacement characters")
        text = data.decode("utf-8", errors="replace")
    rb = parse_runbook(text, path)
    if bad is not None:
        rb.findings.insert(0, bad)
    return rb


def _mostly_binary(chunk: bytes) -> bool:
    if not chunk:
        return False
    control = sum(1 for b in chunk if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(chunk) > 0.10


def _empty(path: Path | None, finding: Finding) -> Runbook:
    rid = path.stem if path else "untitled"
    return Runbook(id=rid, title=rid, path=path, findings=[finding])


def parse_runbook(text: str, path: Path | None = None) -> Runbook:
    """Parse markdown text into a runbook; never raises on any input."""
    # One newline convention and no byte-order mark, so lines and headings read the same
    # whatever editor wrote the file (markdown-it normalises the same way).
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    b = _Builder(text, path)
    # The token stream of a big file is hundreds of thousands of objects, none forming cycles
    # worth collecting mid-parse; with the cyclic collector on, each full collection walks the
    # whole growing heap, which made parse time grow faster than the file.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            b.run()
        except RecursionError:
            b.finding(1, "error", "document nests too deeply to parse")
        rb = b.finish()
    finally:
        if was_enabled:
            gc.enable()
    from warroom.runbook.criterion_query import name_queries
    from warroom.runbook.decision import parse_fences, step_problems
    from warroom.runbook.update_cadence import stated_cadences

    rb.update_cadences = stated_cadences(text)

    rb.decisions, problems = parse_fences(b.blocks.decisions)
    # a criterion naming [queries.NAME] reads that query, in its title and unit (lint: criteria_findings)
    rb.decisions = name_queries(rb.decisions, rb.queries, rb.refused_queries)
    refs = {ref: bool(s.runnable) for s in rb.steps for ref in (s.id, str(s.number))}
    problems += step_problems(rb.decisions, refs)
    # the sections a runbook's state decides between (``applies_when`` fences): read by the decision's own rule
    from warroom.runbook.branch import parse_branch_fences
    from warroom.runbook.criterion_query import named_query

    branches, found = parse_branch_fences(b.blocks.branches, rb.sections)
    rb.branches = [replace(br, condition=named_query(br.condition, rb.queries, rb.refused_queries))
                   for br in branches]
    problems += found + [(br.condition.line, f"applies_when of section {br.section!r}: {problem}")
                         for br in rb.branches if (problem := _step_problem(br.condition, refs, br.steps, rb.steps))]
    # what in the journal fulfils a checklist item (``fulfilled_by`` fences under it)
    from warroom.runbook.fulfil import parse_fulfil_fences

    rb.fulfils, found = parse_fulfil_fences(b.blocks.fulfils, rb.steps, [s.line for s in rb.sections if s.level > 0])
    problems += found
    name = str(path) if path else "<text>"
    rb.findings.extend(Finding(name, line, "error", message) for line, message in problems)
    rb.findings.sort(key=lambda f: f.line)
    return rb


def _step_problem(c: Any, refs: dict[str, bool], own: tuple[str, ...] = (), steps: Any = ()) -> str | None:
    """Why a branch's condition cannot be judged: the step it reads or names in ``ran`` is not in the runbook, has no
    command, or is one of the branch's ``own`` steps (it would apply only once it ran). A ``ran`` that names no step
    reads "has not run" at every look, "not met": a one-letter typo made the branch's steps "not needed" even after
    the step it meant ran ok (attack47 Y3), where a decision's was an error already."""
    mine = {ref for s in steps if s.id in own for ref in (s.id, str(s.number))}
    for ref in c.ran:
        if ref not in refs:
            return f"condition {c.text!r}: ran names step {ref!r}, which this runbook does not have"
        if not refs[ref]:
            return f"condition {c.text!r}: ran names step {ref!r}, a checklist item with no command: it never runs"
        if ref in mine:
            return f"condition {c.text!r}: ran names step {ref!r} of its own branch: it would apply only once it ran"
    if not c.step:
        return None
    if c.step not in refs:
        return f"condition {c.text!r} reads step {c.step!r}, which this runbook does not have"
    return None if refs[c.step] else f"condition {c.text!r} reads step {c.step!r}, a checklist item with no output"


def find_decisions(text: str) -> tuple[list[Any], list[tuple[int, str]]]:
    """The Go/No-Go decisions of a markdown ``text`` and their (line, message) problems, as
    ``parse_runbook`` reads them (``warroom.runbook.decision``)."""
    rb = parse_runbook(text)
    return rb.decisions, [(f.line, f.message) for f in rb.findings if f.message.startswith("decision")]
