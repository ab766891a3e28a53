"""Everything the app is started with, gathered in one object so tests can inject fakes.

The CLI builds an ``AppContext`` from the config (real Prometheus, drill simulator, or the fake
source); tests build one with a frozen clock and fixed data. Widgets read it through
``self.app.ctx``; nothing in ``tui/`` reaches for globals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.clock import Clock, SystemClock
from warroom.config import Config
from warroom.runbook.ids import AmbiguousRunbookId, match_id
from warroom.runbook.model import Finding, Runbook
from warroom.sources.model import MetricSource


@dataclass
class DrillInfo:
    scenario: str
    speed: float = 1.0
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    notice: str | None = None        # what the launch decided (continuing / new drill), shown once
    by_hand: str | None = None       # where the drill's kubectl/psql… are by hand (`warroom drill shell`), shown once
    relaunch: str | None = None      # the command that comes back to this drill after a quit
    also: tuple[Path, ...] = ()      # other state dirs that may hold this drill's incidents
    # What a declaration starts from (the scenario's, or the replayed incident's): runbook id,
    # severity, and the title when no pane has breached yet (the symptom, never the cause).
    runbook: str | None = None
    severity: str | None = None
    symptom: str = ""
    show_runbook: bool = False       # open ``runbook`` in the runbook pane at start (a replay)


@dataclass(frozen=True)
class Reopen:
    """What a dashboard exits with to be reopened on an incident of another world (a drill
    incident chosen from the real dashboard): its id, the state dir that holds it, and the
    command that does the same by hand."""

    incident_id: str
    root: Path
    command: str


@dataclass
class AppContext:
    config: Config
    clock: Clock = field(default_factory=SystemClock)
    source: MetricSource | None = None
    source_error: str | None = None          # why there is no source (shown in the panes)
    runbooks: list[Runbook] = field(default_factory=list)
    runbook_findings: list[Finding] = field(default_factory=list)
    drill: DrillInfo | None = None
    resume_id: str | None = None             # open this incident straight away
    offer_resume: bool = True
    notice: str | None = None                # something the launch decided, shown once (a toast)
    options: list[str] = field(default_factory=list)   # global options typed (--config ...), for resume commands
    ascii_only: bool = False
    refresh: float | None = None             # seconds between metric polls (None: from config)
    tick: float = 1.0                        # seconds between clock repaints (0: never, for tests)
    extra_env: dict[str, str] = field(default_factory=dict)   # e.g. drill stand-ins on PATH
    kube: Any | None = None                  # a KubeSource for k8s steps / the cluster pane (lazy)
    # Extra sources polled for the sources pane: "cluster" → KubeSource, "providers" → list of
    # ProviderConfig, "alerts" → AlertSource. Only the configured ones (see tui.launch).
    sources: dict[str, Any] = field(default_factory=dict)
    source_refresh: float | None = None      # override every extra source's refresh (tests)
    clipboard: Any | None = None             # tui.clipboard.ClipboardRoute, asked once (tests set it)
    # Parses the runbook library (``tui.launch.load_runbooks``); None once it has run. Parsing
    # the library is ~0.3 s that the first frame does not need (no runbook is on screen until
    # one is opened or an incident declared), so the dashboard runs it in a worker after its
    # first frame, and anything that needs the runbooks earlier waits for it here.
    runbook_loader: Callable[[], tuple[list[Runbook], list[Finding]]] | None = None
    # Called once by the first metric poll, in its worker thread, before it fetches: waits for a
    # new drill's world integrated by a child process (``tui.drill_warmup``). None: nothing to wait for.
    source_warmup: Callable[[], None] | None = None
    _runbook_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def state_dir(self) -> Path:
        return self.config.state_dir()

    @property
    def read_only(self) -> bool:
        return self.config.read_only

    def poll_interval(self) -> float:
        return self.refresh if self.refresh is not None else self.config.prometheus.refresh

    def ensure_runbooks(self) -> list[Runbook]:
        """The runbooks, parsing the library first if that has not happened yet (thread-safe:
        a caller that comes while the dashboard's worker is parsing waits for it)."""
        if self.runbook_loader is not None:
            with self._runbook_lock:
                loader = self.runbook_loader
                if loader is not None:
                    runbooks, findings = loader()
                    self.runbooks = [*runbooks, *self.runbooks]
                    self.runbook_findings = [*findings, *self.runbook_findings]
                    self.runbook_loader = None
        return self.runbooks

    def runbook(self, ref: str | None) -> Runbook | None:
        """The runbook ``ref`` names: by id as the core matches one (``warroom.runbook.ids``:
        exact, else the only id equal ignoring case), else by path or file name. An id that
        several runbooks share ignoring case names none here; the core, asked with it, refuses it
        listing them."""
        if not ref:
            return None
        books = self.ensure_runbooks()
        try:
            rid = match_id(ref, (r.id for r in books))
        except AmbiguousRunbookId:
            rid = None
        if rid is not None:
            return next(r for r in books if r.id == rid)
        return next((r for r in books if r.path is not None and (str(r.path) == ref or r.path.name == ref)),
                    None)

    def runbooks_for(self, trigger: str) -> list[Runbook]:
        return [r for r in self.ensure_runbooks() if trigger in r.triggers]
