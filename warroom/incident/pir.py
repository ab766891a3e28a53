"""The post-incident review draft: Jinja2 templates filled from the incident state.

Shipped templates (``runbooks/templates/*.md.j2``): ``pir`` (the training module's PIR),
``rca`` (the mass-failure root-cause analysis) and ``postmortem`` (the response appendix's
postmortem). Templates in ``[incident].templates_dir`` are searched first, so a team can override
one or add its own; a name can also be a path to a ``.j2`` file.

Templates are rendered with ``StrictUndefined``: a misspelt variable is an error naming the
template file and line, never a silently empty section. The context is built by
``pir_context()``; every field a template can use is documented there.

Exporting never loses hand edits: ``<name>.md`` is only overwritten when it still has the exact
content we wrote last time (its sha256 is kept in ``<name>.exported``); otherwise the new draft
goes to ``<name>.N.md`` and the result says so.

This module exports; rendering is :mod:`warroom.incident.pir_templates`, the context
:mod:`warroom.incident.pir_context` and the value formatting :mod:`warroom.incident.pir_format`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from warroom.errors import WarroomError
from warroom.incident import csvlog
from warroom.journal import events as ev
from warroom.incident.review.lines import TypedStep
# Re-exported: the TUI, the CLI and the drill report import these from here.
from warroom.incident.pir_context import Record as Record, pir_context as pir_context
from warroom.incident.pir_format import (
    fmt_minutes as fmt_minutes,
    fmt_value as fmt_value,
    local_zone as local_zone,
    zone_name as zone_name,
)
from warroom.incident.pir_templates import (
    SUFFIX as SUFFIX,
    TemplateError as TemplateError,
    available_templates as available_templates,
    render_pir,
    template_basename,
    template_dirs as template_dirs,
    tidy_markdown as tidy_markdown,
)
from warroom.incident.files import make_private_dir, read_nofollow, write_private_file
from warroom.paths import command, expand

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.journal.log import Event, JournalRead
    from warroom.runbook.model import Runbook


class Exportable(Protocol):
    """What exporting needs of an incident (``warroom.incident.session.Incident``, which
    calls this module): its journal, state, config and directory, and the one append path."""

    id: str
    dir: Path
    config: Config

    @property
    def state(self) -> Any: ...

    def read(self) -> JournalRead: ...

    def seal(self) -> Any: ...

    def runbook(self, runbook_id: str | None = None) -> Runbook | None: ...

    def _append(self, type_: str, data: dict[str, Any]) -> Event: ...

SHIPPED = ("pir", "rca", "postmortem")


@dataclass
class ExportResult:
    """What an export did; ``message()`` is the user-facing summary."""

    template: str
    path: Path
    sha256: str
    kept_edits: Path | None = None
    log_path: Path | None = None
    log_row: bool = False
    log_note: str = ""
    event: Event | None = None
    warnings: list[str] = field(default_factory=list)

    def message(self) -> str:
        lines = [f"wrote {self.path}"]
        if self.kept_edits is not None and (os.path.islink(self.kept_edits)
                                            or not os.path.isfile(self.kept_edits)):
            lines.append(f"{self.kept_edits} is not a regular file we wrote (a symlink or a special"
                         f" file): not followed, left as it is; the new draft is {self.path.name}")
        elif self.kept_edits is not None:
            lines.append(f"{self.kept_edits} has hand edits since the last export: left as it is;"
                         f" the new draft is {self.path.name}")
        if self.log_path is not None:
            lines.append(f"incident log {self.log_path}: {self.log_note}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_record(path: Path) -> dict[str, str]:
    raw = read_nofollow(path)
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def choose_target(out_dir: Path, base: str) -> tuple[Path, Path | None]:
    """Where the new draft goes: ``base.md`` unless it was hand-edited since we wrote it.

    Returns (target, edited file kept aside or None).
    """
    main = out_dir / f"{base}.md"
    if not os.path.lexists(main):
        return main, None
    record = _read_record(out_dir / f"{base}.exported")
    # Never followed: a symlink (or FIFO, device) at the name is not a draft we wrote.
    current = read_nofollow(main)
    if current is not None and record.get(main.name) == _sha(current):
        return main, None
    n = 1
    while os.path.lexists(out_dir / f"{base}.{n}.md"):
        n += 1
    return out_dir / f"{base}.{n}.md", main


DRILL_LOG = "drill_log.csv"


def incident_log_path(config: Config, state_dir: Path | None = None, *, drill: bool = False) -> Path:
    """``incident.incident_log``, else ``incident_log.csv`` in the state dir; a drill incident's row
    (``drill``) goes to ``drill_log.csv`` in the state dir, whatever the config names. The incident
    log counts real incidents (the runbooks' "at most one mass failure a quarter"), and a drill's
    row there read as one: ``incident new --drill`` keeps its incident in the state dir itself, and
    a configured log is the same file for a dashboard drill's, so a P1 mass-failure drill landed in
    the team's log beside the real ones with nothing saying it was a drill."""
    if drill:
        return (state_dir or config.state_dir()) / DRILL_LOG
    if config.incident.incident_log:
        return expand(config.incident.incident_log)
    return (state_dir or config.state_dir()) / "incident_log.csv"


def export_pir(inc: Exportable, template: str, *, out_dir: str | Path | None, now: datetime,
               log: bool = True) -> ExportResult:
    """Render and write the draft, append the incident-log row, journal the export."""
    read = inc.read()
    state = inc.state
    warnings = list(read.describe())
    steps = runbook_steps(inc)
    head = inc.seal() if not read.issues else _valid_head(read)
    text = render_pir(state, template, inc.config, now, steps, drill_shell(inc).typed) + head_footer(inc.id, head)
    data = text.encode("utf-8")
    directory = Path(expand(out_dir)) if out_dir is not None else inc.dir
    try:
        # Directories we create are 0700 whatever the umask; an existing (shared) one is left alone.
        make_private_dir(directory, tighten=False)
    except WarroomError as exc:
        raise WarroomError(f"cannot create export directory: {exc}") from None
    base = template_basename(template)
    target, kept = choose_target(directory, base)
    write_private_file(target, data)
    sha = _sha(data)
    record_path = directory / f"{base}.exported"
    record = _read_record(record_path)
    record[target.name] = sha
    write_private_file(record_path, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())
    result = ExportResult(template=template, path=target, sha256=sha, kept_edits=kept, warnings=warnings)
    if log:
        result.log_path = incident_log_path(inc.config, getattr(inc, "state_root", inc.dir.parent.parent),
                                            drill=state.drill is not None)
        if not state.resolved:
            result.log_note = "no row written: the incident is still open (resolve it first)"
        elif csvlog.append_row(result.log_path, csvlog.row_for(state, now, head)):
            result.log_row = True
            result.log_note = "row appended"
        else:
            result.log_note = "this incident's row is already there, unchanged"
    if read.issues:
        warnings.append("the export was not recorded in the damaged journal")
    else:
        result.event = inc._append(ev.PIR_EXPORTED, {"template": template, "path": str(target),
                                                     "sha256": sha, "log_row": result.log_row,
                                                     "journal_head": head})
    return result


def _valid_head(read: Any) -> dict[str, Any]:
    last = read.events[-1] if read.events else None
    return {"seq": last.seq if last else 0, "h": last.h if last else "0" * 64, "key": None, "damaged": True}


def head_footer(inc_id: str, head: dict[str, Any]) -> str:
    """The journal head this draft was made from: a copy kept outside the journal, so a later
    rewrite of the journal no longer matches the drafts already sent (``verify`` checks both)."""
    how = (f"signed by key {head['key']}" if head.get("key")
           else "journal damaged: valid lines only, not signed" if head.get("damaged") else "not signed")
    # the head in a code span, like every reference of warroom's own (review.lines.cite): pasted
    # into a GitHub issue, a bare "#41" would link issue 41
    return (f"\n---\n\n_Journal head `#{head['seq']} sha256:{head['h']}` ({how});"
            f" `{command('incident', 'verify', inc_id)}` checks the journal against it._\n")


def runbook_steps(inc: Exportable) -> list[dict[str, Any]] | None:
    """The current runbook's steps, then those of each runbook a GO opened beside it (each row
    with its runbook id: the PIR names a step by ``IncidentState.step_name``): a step never
    touched is "not done" in the PIR."""
    try:
        book = inc.runbook()
    except (WarroomError, ImportError, OSError):
        return None
    if book is None:
        return None
    rows = [{"step": s.number, "step_id": s.id, "label": s.label, "kind": s.kind, "section": s.section,
             "runbook_id": book.id} for s in book.steps]
    for ref in getattr(inc.state, "beside", None) or []:
        rb_id = str(ref.get("id") or "")
        try:
            other = inc.runbook(rb_id)
        except (WarroomError, ImportError, OSError):
            continue
        if other is not None:
            rows += [{"step": s.number, "step_id": s.id, "label": s.label, "kind": s.kind,
                      "section": s.section, "runbook_id": rb_id} for s in other.steps]
    shell = drill_shell(inc)
    hands = shell.by_hand
    from warroom.incident.decisions.journal_only import decided_steps

    books = [book, *(b for ref in getattr(inc.state, "beside", None) or [] if (b := _book(inc, ref)) is not None)]
    decided = {(rb, step.id): list(key) for key, steps in decided_steps(books).items() for rb, step in steps}
    from warroom.incident import branches

    spared = {(b.id, sid): standing for b in books for sid, standing in branches.of_steps(inc.state, b).items()}
    from warroom.incident import fulfilment

    done_by = {(b.id, sid): f for b in books for sid, f in fulfilment.of_steps(inc.state, b, inc.config).items()}
    for row in rows:
        row["by_hand"] = hands.get((row["runbook_id"], row["label"], row["section"]))
        # its runbook branch (``warroom.incident.branches``): a step of one that did not apply is not needed, of one
        # that could not be judged not done with that said (the template says either for a step never begun only)
        standing = spared.get((row["runbook_id"], row["step_id"]))
        row["not_needed"] = standing.not_needed if standing is not None else None
        row["unjudged"] = standing.unjudged if standing is not None else None
        # what the journal says of an item that states what fulfils it (``warroom.incident.fulfilment``): "done:
        # root-cause note at +41m00s" with its cites, or what is lacking, never "no journal event"
        row["fulfilment"] = done_by.get((row["runbook_id"], row["step_id"]))
        row["typed_at"] = shell.typed_at.get((row["runbook_id"], row["step_id"]))     # a NO-GO's, said against it
        row["decided"] = decided.get((row["runbook_id"], row["step_id"]))    # the Go/No-Go whose verdict decides it
    return rows


def _book(inc: Exportable, ref: dict[str, Any]) -> Any:
    """A runbook open beside the current one, as the incident holds it (None: unreadable)."""
    try:
        return inc.runbook(str(ref.get("id") or ""))
    except (WarroomError, ImportError, OSError):
        return None


@dataclass(frozen=True)
class ShellCredit:
    """A step credited in the drill shell as ``progress.of_runbook``'s ``typed`` reads it: its path state ("done by
    hand at +6m40s (drill shell)", or "typed by hand at …, not checked")."""

    state: str


@dataclass(frozen=True)
class DrillShell:
    """What the drill report credits to the drill shell, for the PIR: ``by_hand``, (runbook id, step label,
    section) → "done by hand at +3m20s (drill shell)" for each step whose command was typed there (or "typed by
    hand … not checked": ``by_hand``); ``outside``, the actions no runbook step's run recorded
    (``drill_report.rows.ActionRow``: typed there, with what each did to the panes), which the PIR's timeline
    lists (redteam41 T4: the PIR said the mitigation "did not hold" and never why, while the report listed the
    switch-off typed in the shell), after the resolution too (said so: ``ActionRow.late``); ``credited``, the steps
    credited done by hand there (``review.lines.TypedStep``), which the timeline lists too (redteam46 R2: a retry
    credited to a step was on neither list)."""

    by_hand: dict[tuple[str, str, str], str] = field(default_factory=dict)
    outside: tuple[Any, ...] = ()
    typed_at: dict[tuple[str, str], list[float]] = field(default_factory=dict)   # (runbook id, step id) -> when typed
    credited: tuple[TypedStep, ...] = ()
    # the same credits by (runbook id, step id), as ``Incident.typed_by_hand`` gives them (``ShellCredit``: their path
    # state), read off the report's paths, so a handoff reads the drill shell once (``Incident.drill_shell_read``);
    # ``books``: the runbooks whose steps took the calls, in that order (None: nothing typed, none needed); ``credits``
    # None when the report could not be made
    credits: dict[tuple[str, str], ShellCredit] | None = field(default_factory=dict)
    books: tuple[str, ...] | None = None

    @property
    def typed(self) -> tuple[Any, ...]:
        """Everything typed in the drill shell the PIR's timeline lists: outside every step, and credited to one."""
        return (*self.outside, *self.credited)


def drill_shell(inc: Exportable) -> DrillShell:
    """:class:`DrillShell` from the drill report's own path (``drill_report.runbook_path``), so the PIR and the
    debrief of one drill never disagree (redteam40 R4: the PIR listed as "not done" the triage the report
    credited). Empty for a real incident, a replay, or a drill whose world cannot be opened (then the PIR says
    "not done" from the journal alone, as it did)."""
    drill_info = getattr(inc.state, "drill", None) or {}
    opener = getattr(inc, "open_drill", None)
    if not drill_info or drill_info.get("replay") or opener is None or not drill_info.get("dir"):
        return DrillShell()
    from warroom.drill.actions import ACTIONS_FILE, CALLS_FILE
    from warroom.incident.by_hand import read_calls

    # The report costs about a second (it integrates the world and judges every action), and the dashboard's
    # PIR preview renders again at each journal change: asked only when a call was typed in the drill shell,
    # and kept while nothing it reads moved (the journal, the typed calls, the recorded actions)
    where = Path(drill_info["dir"])
    try:
        typed = any(c.tag == "" and c.code == 0 for c in read_calls(where))
    except OSError:          # another user's drill (a second responder's seat): the journal alone, as for a world
        return DrillShell()  # that cannot be opened
    if not typed:
        return DrillShell()
    key = (str(where), inc.state.last_seq, *(_size(where / name) for name in (CALLS_FILE, ACTIONS_FILE)))
    if key in _SHELL_KEPT:
        return _SHELL_KEPT[key]
    from warroom.incident.drill_report import drill_report
    from warroom.incident.by_hand import BY_HAND, TYPED, typing_of

    try:
        drill = opener()
        book = inc.runbook(drill.scenario.runbook) if inc.state.open_ref(drill.scenario.runbook) else inc.runbook()
        clock = getattr(inc, "clock", None)
        report = drill_report(drill, inc.state, at=clock().timestamp() if clock else None, slos=inc.config.slo,
                              runbook=book, runbook_of=lambda rb_id: inc.runbook(rb_id),
                              config=inc.config)     # its path's cadence items by the incident's cadence
    except (WarroomError, OSError):
        report = None
    out = DrillShell(credits=None)
    if report is not None:
        credits: dict[tuple[str, str], ShellCredit] | None = {}
        books: list[str] = []
        for rb_id, path, rb in ((report.runbook, report.runbook_path, book),
                                *((rid, p, _book(inc, {"id": rid}) if p else None) for rid, _text, p in report.opened)):
            steps = [st for sec in rb.sections for st in sec.steps] if rb is not None else []
            if rb is not None:
                books.append(rb.id)
            if len(steps) != len(path):       # a path not of the runbook read here: no credits from it
                credits = None
            for n, (section, label, state, _did) in enumerate(path):
                if state.startswith((BY_HAND, TYPED)):      # typed there: done, or not checked
                    typing = typing_of(state)   # the credit: the step's run through warroom is the journal's to say
                    out.by_hand[(rb_id, label, section)] = typing
                    if credits is not None:
                        credits[(rb_id, steps[n].id)] = ShellCredit(typing)
        end = inc.state.resolved_at
        credited = tuple(TypedStep(inc.state.step_name(rb_id, number, start=True), label, state, at, acted)
                         for rb_id, number, label, state, at, acted in report.credited)
        def within(at: float) -> bool:      # the incident's: none after its end
            return end is None or at <= end.timestamp()

        # what was typed outside every step after the end too: the timeline lists everything, that said as after the
        # resolution (``ActionRow.late``), which no step or figure of the PIR counts (attack46 X9)
        out = DrillShell(out.by_hand, report.outside_actions, _moments(report.typed_at),
                         tuple(c for c in credited if within(c.at)), credits, tuple(books))
    _SHELL_KEPT.clear()               # one drill's answer kept at a time: the one being worked
    _SHELL_KEPT[key] = out
    return out


_SHELL_KEPT: dict[tuple[Any, ...], DrillShell] = {}


def _moments(typed_at: Any) -> dict[tuple[str, str], list[float]]:
    """``DrillReport.typed_at`` by step: (runbook id, step id) -> every moment it was typed (``Hands.acts``)."""
    out: dict[tuple[str, str], list[float]] = {}
    for rb, sid, at in typed_at:
        out.setdefault((rb, sid), []).append(at)
    return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
