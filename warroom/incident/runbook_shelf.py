"""The runbooks an incident works from: copies kept in its own directory, never the library's.

A runbook is copied in (redacted) when it is declared with, attached, or opened beside by a GO,
and the journal line names the copy (``snapshot``) and its ``sha256``. From then on every step,
mark and PIR line is read from that copy, parsed once: a resumed incident sees exactly the steps
it started with, even if the library changed since, and two runbooks of one incident (the
current one and one open beside it) are two copies side by side (``runbook.md``,
``runbook-2.md`` …).

A shared incident's copies live in the store too, for every host: a host without the file
fetches it, and a copy whose hash is not the one the hash-chained journal recorded is removed,
never run (anyone who may write the store's ``files`` rows could plant a runbook under a
predictable name).
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.errors import NotFoundError, WarroomError
from warroom.incident import closing, runbook_ref
from warroom.incident.files import write_private_file
from warroom.journal.log import JournalError
from warroom.paths import command

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.state import IncidentState
    from warroom.runbook.gate import NamedQuery
    from warroom.runbook.model import Runbook, Step


class RunbookShelf:
    """One incident directory's runbook copies: taking a copy, and reading one back (cached).

    ``journal``: the incident's journal (a shared one also stores and fetches the copies);
    ``redact``: the incident's redaction of what people wrote (a token in a runbook never lands
    in the incident directory); ``lock``: the incident's lock, which the cache shares."""

    def __init__(self, inc_id: str, incident_dir: Path, journal: Any, redact: Callable[[str], str],
                 lock: threading.RLock, panes: Mapping[str, NamedQuery] | None = None) -> None:
        self.id = inc_id
        self.dir = Path(incident_dir)
        self.journal = journal
        self.redact = redact
        self._lock = lock
        self._books: dict[str, Runbook] = {}   # parsed copies (current and beside), by path
        self.panes: Mapping[str, NamedQuery] = panes or {}

    def load(self, path: Path) -> Runbook:
        """A runbook copy parsed as the incident reads it: each Go/No-Go criterion naming a pane of
        the incident's configuration (and no query of the runbook) reads that pane
        (``criterion_query.on_panes``, the gate's order), so every view of the incident — the
        journal-only ones (``incident show``, the checklist, the brief, the drill report) as much
        as a judging look — says it in the pane's title and unit, and none calls it bare PromQL."""
        from warroom.runbook.criterion_query import on_panes

        book = runbook_ref.load_file(path)
        if self.panes:
            book.decisions = [on_panes(d, self.panes) for d in book.decisions]
        return book

    @property
    def shared(self) -> bool:
        return bool(getattr(self.journal, "shared", False))

    def take(self, ref: str | Path, config: Config) -> dict[str, Any]:
        """Copy the runbook ``ref`` names into the incident dir, redacted, and describe it
        (parsing it first) for the journal line that attaches it.

        A step whose command held a secret is refused when run (``prepare_step``), with a hint to
        read it from the environment."""
        src = runbook_ref.resolve_ref(ref, config)
        book = runbook_ref.load_file(src)
        n = 1
        name = "runbook.md"
        while os.path.lexists(self.dir / name):
            n += 1
            name = f"runbook-{n}.md"
        dest = self.dir / name
        try:
            text = Path(src).read_bytes().decode("utf-8", "replace")
        except OSError as exc:
            raise JournalError(f"{src}: cannot read runbook: {exc.strerror or exc}") from None
        data = self.redact(text).encode("utf-8")
        try:
            write_private_file(dest, data)
        except JournalError as exc:
            raise JournalError(f"cannot snapshot runbook: {exc}") from None
        if self.shared:
            self.journal.put_file(name, data)   # every host reads the same snapshot
        with self._lock:
            self._books.clear()                 # a snapshot rewritten: parse again
        out: dict[str, Any] = {"id": book.id, "title": self.redact(book.title), "path": str(src),
                               "sha256": runbook_ref.sha256_file(dest), "snapshot": name}
        if book.mttr_target:
            out["mttr_target"] = book.mttr_target   # the runbook's own resolve target, for the PIR
        return out

    def of(self, ref: dict[str, Any] | None) -> Runbook | None:
        """The runbook copy a journal reference names (the current runbook's, or one open beside
        it), parsed once and cached by its path."""
        if not ref:
            return None
        snap = self.local_file(str(ref.get("snapshot") or "runbook.md"))
        with self._lock:
            if str(snap) in self._books:
                return self._books[str(snap)]
            if not snap.is_file():
                raise NotFoundError(f"{snap}: the snapshot of runbook {ref.get('id') or '(unnamed)'} is missing")
            self._check(snap, ref)
            book = self.load(snap)
            if ref.get("id") and book.id != ref["id"]:
                book.id = str(ref["id"])  # an id derived from the file name: keep the original's
            self._books[str(snap)] = book
            return book

    def beside(self, ref: dict[str, Any]) -> Runbook:
        """A runbook open beside the current one, from its copy (``of`` a non-empty reference)."""
        book = self.of(ref)
        assert book is not None         # a non-empty reference
        return book

    def open(self, state: IncidentState, runbook_id: str | None = None) -> Runbook | None:
        """The current runbook; with ``runbook_id`` (as typed: ``runbook_id_of`` gives the
        canonical id), that open runbook — the current one or one a GO opened beside it. A runbook
        that is not open (never attached, replaced, closed) is refused: its steps belong to
        another situation."""
        runbook_id = runbook_id_of(state, runbook_id) if runbook_id else runbook_id
        if not runbook_id or str((state.runbook or {}).get("id") or "") == runbook_id:
            return self.of(state.runbook)
        ref = state.open_ref(runbook_id)
        if ref is None:
            closing.refuse_closed(state, runbook_id, self.id)     # closed beside: said as such
            attached = any(str(r.get("id") or "") == runbook_id for r in state.runbooks)
            now = str((state.runbook or {}).get("id") or "") or "no runbook"
            raise NotFoundError(
                f"{self.id}: runbook {runbook_id} is not open (it was replaced; the incident follows {now};"
                f" attach {runbook_id} again to work it)" if attached else
                f"{self.id}: runbook {runbook_id} is not attached (open: {', '.join(state.open_runbook_ids()) or 'none'})")
        return self.beside(ref)

    def all_open(self, state: IncidentState) -> list[Runbook]:
        """The runbooks being worked: the current one, then each a GO opened beside it (one whose
        copy cannot be read is left out; ``open(state, id)`` says why)."""
        books: list[Runbook] = []
        book = self.open(state)
        if book is not None:
            books.append(book)
        for ref in state.beside:
            try:
                books.append(self.beside(ref))
            except WarroomError:
                continue
        return books

    def step(self, book: Runbook | None, ref: str | int) -> Step:
        """A step of ``book`` by number, id or label; unknown refs name the closest ones."""
        if book is None:
            raise NotFoundError(f"{self.id} has no runbook attached (`{command('incident', 'attach', self.id, 'REF')}`)")
        found = book.step(ref)
        if found is None:
            names = [s.id for s in book.steps] + [s.label for s in book.steps]
            close = difflib.get_close_matches(str(ref), names, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            count = len(book.steps)
            raise NotFoundError(f"{self.id}: no step {str(ref)!r} in {book.id} (steps 1..{count}){hint}")
        return found

    def _check(self, snap: Path, ref: dict[str, Any]) -> None:
        """A shared incident's copy must be the one its journal names: the hash-chained
        ``sha256`` of the declaration or attachment, not the store's own ``files`` row. A copy
        that differs is removed, never run, and the refusal says so."""
        want = str(ref.get("sha256") or "")
        if not self.shared or not want:
            return
        got = runbook_ref.sha256_file(snap)
        if got == want:
            return
        try:
            snap.unlink()
        except OSError:
            pass
        raise JournalError(f"{self.id}: the runbook snapshot {snap.name} from the shared store does not match"
                           f" the sha256 its journal recorded ({got[:12]}… is not {want[:12]}…): someone"
                           " wrote another file under its name; it is not used (nothing runs from it)")

    def local_file(self, name: str) -> Path:
        """A file of the incident dir by name; for a shared incident opened on another host,
        fetched from the store first (runbook snapshots are kept there for every host)."""
        path = self.dir / name
        if self.shared and not path.is_file() and "/" not in name and name not in ("", ".", ".."):
            from warroom.shared.db import SharedStoreDown

            try:
                self.journal.fetch_file(name, path)
            except SharedStoreDown:
                pass  # readers keep what they have; the caller reports the file as missing
        return path


def runbook_id_of(state: IncidentState, typed: str) -> str:
    """The id of the incident's runbook a person typed (``--runbook``, ``close-runbook``), as the
    journal records it: exact, else the only one equal ignoring case (``runbook.ids``; several
    are refused, listed). Among every runbook it has had (current, beside, attached earlier,
    closed), so a refusal about a replaced or closed one still names it; unknown stays as typed
    (the caller says it is not attached)."""
    from warroom.runbook.ids import match_id

    typed = typed.strip()
    ids = [str((state.runbook or {}).get("id") or ""), *(str(b.get("id") or "") for b in state.beside),
           *(str(r.get("id") or "") for r in state.runbooks), *(c.runbook_id for c in state.closed)]
    return match_id(typed, ids) or typed
