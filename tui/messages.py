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


@dataclass
class OutputReady(Message):
    step_number: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OutputReady) and message.step_number == self.step_number


@dataclass
class StepEnded(Message):
    step_number: int
    status: str
    summary: str = ""


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
    """A view of the incident rebuilt from the journal by a worker."""

    view: Any
    runbook: Any


@dataclass
class ActionFailed(Message):
    message: str


@dataclass
class ActionDone(Message):
    message: str = ""


@dataclass
class ResumeOffer(Message):
    incidents: list[Any]


@dataclass
class RunDialogReady(Message):
    step: Any
    prompts: list[Any]


@dataclass
class StepStarted(Message):
    step_number: int
    label: str


@dataclass
class PirReady(Message):
    markdown: str
    open_preview: bool = False


@dataclass
class GateProgress(Message):
    """One probe of a verify gate (posted to the App, forwarded to the dashboard)."""

    step_number: int
    expr: str
    status: str
    value: float | None
    remaining: float
    reason: str | None = None


@dataclass
class DrillReportReady(Message):
    report: Any


@dataclass
class SourceFetched(Message):
    """One poll of an extra source: ``cluster`` / ``providers`` / ``alerts`` (posted to the App)."""

    kind: str
    data: Any
