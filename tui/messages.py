"""Messages workers post to the UI. Workers never touch widgets; they post one of these.

``OutputReady`` carries no lines: the runner's thread appends to a shared buffer and posts it;
``can_replace`` lets a burst of them collapse into one, and the handler drains the buffer, so a
step printing a million lines costs a few dozen UI updates, not a million.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from warroom.sources.model import SloReading


@dataclass
class MetricsFetched(Message):
    readings: list[SloReading]
    at: float
    source_health: str = "ok"
    holding: Any = None         # whether the mitigation holds, read with them (``relapse.Holding``)


@dataclass
class MetricsFailed(Message):
    """The metric poll's fetch raised: said on screen; the next poll is scheduled anyway."""

    error: str


@dataclass
class WorkerFailed(Message):
    """A worker ended on an exception nobody expected (the App's one handler posts it)."""

    name: str
    group: str
    error: str


@dataclass
class OutputReady(Message):
    """New lines in one step's output buffer (``key`` = (runbook id, step id))."""

    key: tuple[str, str]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OutputReady) and message.key == self.key


@dataclass
class StepEnded(Message):
    """A step's follower read its end. ``run`` names the run (its output file, one per run)."""

    key: tuple[str, str]
    status: str
    summary: str = ""
    run: str | None = None
    word: str | None = None       # the run's word (marks.run_word): "ran" when it missed its expectation


@dataclass
class IncidentChanged(Message):
    """The journal moved on; the screen rebuilds its view from it."""

    incident_id: str | None = None
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IncidentChanged) and message.incident_id == self.incident_id


@dataclass
class ViewReady(Message):
    """A view of the incident rebuilt from a snapshot by a worker.

    ``seq`` is the journal seq the snapshot was taken at: views are built in workers that can
    finish in any order, so the screen never applies one older than a view it has shown."""

    view: Any
    runbook: Any
    snapshot: Any = None
    seq: int = -1
    incident_id: str | None = None
    # the drill shell's credits the worker read with it (``Incident.typed_by_hand``): what the resolve and
    # close dialogs count a GO's runbook with, so no key reads the drill on the event loop
    typed: Any = None


@dataclass
class ActionFailed(Message):
    message: str


@dataclass
class ActionDone(Message):
    message: str = ""


#: The title of every reminder's toast (and of its line in ``$WARROOM_NOTIFY_LOG``): what the
#: incident's clock brings on its own is told from the answer to a key by it, not by guessing.
REMINDER = "Reminder"


@dataclass
class Reminded(Message):
    """Something the incident's clock brought, not the answer to anything pressed: a Go/No-Go
    deadline passed without a verdict. Said as a warning titled ``REMINDER``, never as a
    failure: it was an error toast (``ActionFailed``), which read as a refusal of whatever key
    the commander (or an e2e test) had just pressed. ``about``: the decision it is about
    (``decision_subject``): while that decision's dialog is open, the dialog says it."""

    message: str
    about: str | None = None


def decision_subject(runbook_id: str, decision_id: str) -> str:
    """What a notice about one Go/No-Go decision is ``about`` (``tui.notices``)."""
    return f"decision {runbook_id}/{decision_id}"


#: The "Judging the Go/No-Go criteria…" notice: withdrawn once the judgement is on screen
JUDGING = "decision judging"
#: The "Reading what resolving leaves open…" notice: withdrawn once the Resolve dialog opens on the reading
READING = "resolve reading"
#: The "Exporting the PIR…" notice: withdrawn once the export has said how it went
EXPORTING = "pir exporting"


@dataclass
class ResumeOffer(Message):
    incidents: list[Any]


@dataclass
class RunDialogReady(Message):
    step: Any
    prompts: list[Any] | None   # None: the dialog could not be prepared (said already); the step's hold ends
    preparer: Any = None        # a ``StepPreparer`` over a snapshot (no journal read per keystroke)
    key: tuple[str, str] = ("", "")
    seen: int | None = None     # the step's last start then (``started_since``): what its confirmation is given on


@dataclass
class StepStarted(Message):
    """A step this dashboard started; ``run`` names the run (its output file)."""

    key: tuple[str, str]
    label: str
    run: str | None = None


@dataclass
class PirReady(Message):
    markdown: str
    open_preview: bool = False


@dataclass
class GateProgress(Message):
    """One probe of a verify gate (posted to the App, forwarded to the dashboard)."""

    key: tuple[str, str]
    step_number: int | None
    expr: str
    status: str
    value: float | None
    remaining: float
    reason: str | None = None
    held: float = 0.0                   # how long the comparison has held (VerifyCheck.held)
    hold: float = 0.0                   # how long it must hold
    measure: Any = None                 # the runbook's named query it watches (``NamedQuery``), as
                                        # the watcher resolved it: its words whatever runbook is on screen


@dataclass
class DrillReportReady(Message):
    report: Any


@dataclass
class SourceFetched(Message):
    """One poll of an extra source: ``cluster`` / ``providers`` / ``alerts`` (posted to the App)."""

    kind: str
    data: Any


@dataclass
class DecisionsReady(Message):
    """The incident's Go/No-Go decisions, judged in a worker (``warroom.incident.decisions``),
    and the core's words for each decision block that could not be read (naming its runbook)."""

    views: list[Any]
    broken: list[str] = field(default_factory=list)


@dataclass
class PeopleReady(Message):
    """What the roles or approvals dialog shows (``warroom.incident.people.PeopleView``), read in
    a worker; ``kind`` is "roles" or "approvals"."""

    kind: str
    view: Any
