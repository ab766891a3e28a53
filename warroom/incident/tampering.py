"""What a journal that reads clean cannot say about itself: lines removed, rewritten or added by
hand since warroom wrote them.

The hash chain proves each line follows the one before; it cannot prove the last lines are still
there, nor that nobody rewrote the whole chain from some line on. Three records kept beside it
can: ``journal.head`` (the last line written), the witness kept outside the incident directory
(the last line this user's warroom wrote, and who may have written after it), and the signed
checkpoints of ``journal.sig``. A local incident's every view and every action asks these (the
shared store's rows are guarded by the database instead, ``SharedJournal.verify``); a problem
found here turns the incident read-only (``Incident.require_intact``) and is shown as a journal
issue.

Both checks are lock-free readers of a journal other processes may be appending to: a record
ahead of what was read may be an append in flight, so the journal is read once more (``catch_up``)
before anything is called a cut.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from warroom.journal.log import Event

#: Read what was appended since the last read, fold it into the incident's state, and return
#: every valid event so far (``Incident``'s follower).
CatchUp = Callable[[], list[Event]]


def records_problem(journal: Any, read: Callable[[], list[Event]], catch_up: CatchUp) -> str | None:
    """``journal.head`` or the witness outside the incident dir disagreeing with the journal's
    events as read so far (``read``; None: they agree). ``journal``: the local file journal
    (``warroom.journal.log``)."""
    from warroom.journal.seal import Mark

    for name, mark in (("the witness kept outside the incident dir", journal.witness.read()),
                       ("journal.head", journal._read_head())):
        if mark is None:
            continue
        events = read()
        if mark.seq > len(events):
            events = catch_up()
            fresh = journal.witness.read() if name.startswith("the witness") else journal._read_head()
            mark = fresh if isinstance(fresh, Mark) else mark
        if mark.seq > len(events):
            return (f"journal ends at seq {len(events)} but seq {mark.seq} was written ({name}):"
                    " lines were removed")
        if mark.seq > 0 and events[mark.seq - 1].h != mark.h:
            return f"journal line seq {mark.seq} is not the one that was written ({name}): rewritten"
        if name.startswith("the witness") and mark.seq < len(events):
            from warroom.journal.seal import default_actor, unexplained_lines

            after = [(e.seq, e.h, e.actor) for e in events[mark.seq:]]
            actors = {a for a in (mark.actor, journal.actor, default_actor()) if a}
            stray = unexplained_lines(mark, after, actors)
            if stray is not None:
                return (f"journal line seq {stray[0]} (actor {stray[1]}) was not written by this user's"
                        f" warroom ({name} ends at seq {mark.seq}): added by hand")
    return None


class CheckpointCheck:
    """The signed checkpoints of one incident directory against its journal, remembered per
    state of ``journal.sig`` (size, mtime, inode) and per length of the journal read: a view
    refreshing every second re-reads the file only when it changed."""

    def __init__(self, incident_dir: Path) -> None:
        self.dir = Path(incident_dir)
        self._checked: tuple[tuple[int, int, int], int, str | None] | None = None

    def problem(self, events: list[Event], catch_up: CatchUp) -> str | None:
        """The first signed checkpoint the journal's ``events`` no longer match, or None."""
        from warroom.journal.seal import SIG_NAME, read_checkpoints

        try:
            st = (self.dir / SIG_NAME).stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"{SIG_NAME} cannot be read: {exc.strerror or exc}"
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
        if self._checked is not None and self._checked[0] == key and self._checked[1] <= len(events):
            return self._checked[2]
        problem = None
        for cp in read_checkpoints(self.dir):
            if not cp.valid:
                problem = f"{SIG_NAME} line {cp.line}: {cp.problem}"
            elif cp.incident != self.dir.name:
                problem = f"{SIG_NAME} line {cp.line}: a checkpoint of another incident ({cp.incident})"
            elif cp.seq > len(events):
                # Another process may have appended and signed since we read.
                events = catch_up()
                if cp.seq > len(events):
                    problem = (f"a signed checkpoint records #{cp.seq} but the journal ends at"
                               f" #{len(events)}: lines were removed")
            if problem is None and cp.valid and 0 < cp.seq <= len(events) and events[cp.seq - 1].h != cp.h:
                problem = f"line #{cp.seq} is not the one that was signed: the journal was rewritten"
            if problem is not None:
                break
        self._checked = (key, len(events), problem)
        return problem
