"""The dashboard's one door into the incident engine (``warroom.incident``).

Every method here is blocking and is called from a worker thread, never the event loop; none
touches a widget. The UI never keeps incident state of its own: after each action it asks for a
fresh view, which the engine rebuilds from the journal.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panes.view import IncidentView
from tui.context import AppContext
from tui.view import incident_view
from warroom.errors import WarroomError
from warroom.runbook.model import Runbook


NATIVE_KINDS = ("promql", "k8s")
ERR_TAG = "\x1f"  # the runner's output files mark stderr lines with it (warroom.execute.capture)


def engine_available() -> bool:
    return importlib.util.find_spec("warroom.incident.session") is not None


def split_tail(data: bytes, tail: int) -> tuple[int, list[bytes], bytes]:
    """``(complete lines in data, the newest tail of them, the unfinished last line)``.

    Counts with ``bytes.count`` and splits only the tail: splitting a 4 MB read of a flood into
    ~600k ``bytes`` objects held the GIL for tens of milliseconds per read, and every key press
    waited behind it.
    """
    end = data.rfind(b"\n")
    if end < 0:
        return 0, [], data
    complete, rest = data[:end], data[end + 1:]
    count = complete.count(b"\n") + 1
    start = len(complete)
    for _ in range(max(0, tail)):
        start = complete.rfind(b"\n", 0, start)
        if start < 0:
            break
    newest = complete[start + 1:].split(b"\n") if tail > 0 else []
    return count, newest, rest


class EngineMissing(WarroomError):
    pass


@dataclass
class OpenSummary:
    id: str
    title: str
    severity: str
    status: str
    declared_at: float | None
    drill: str | None = None          # "rate-limit ×10" for a drill incident


class IncidentController:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.incident: Any | None = None
        self.handles: dict[int, Any] = {}

    # ------------------------------------------------------------------ store

    def store(self) -> Any:
        if not engine_available():
            raise EngineMissing("the incident engine is not installed in this build")
        from warroom.incident.store import IncidentStore

        return IncidentStore(self.ctx.state_dir, self.ctx.config)

    def open_incidents(self) -> list[OpenSummary]:
        if not engine_available():
            return []
        root = Path(self.ctx.state_dir) / "incidents"
        if not root.is_dir() or next(root.iterdir(), None) is None:
            # Nothing to resume: the engine (and its imports, ~3 MB resident) loads only when
            # an incident is declared or opened.
            return []
        sim = self.ctx.drill.extra.get("drill") if self.ctx.drill is not None else None
        out = []
        for st in self.store().open_incidents():
            drill = st.drill or {}
            if sim is not None and drill.get("dir") != str(sim.path):
                # A drill resumes only its own incidents: another scenario's (or an earlier run's)
                # incident would be worked against a world that never had it.
                continue
            label = None
            if drill:
                label = f"{drill.get('scenario', '?')} ×{float(drill.get('speed') or 1):g}"
            out.append(OpenSummary(id=st.id, title=st.title, severity=st.severity, status=st.status,
                                   declared_at=st.declared_at.timestamp() if st.declared_at else None,
                                   drill=label))
        return out

    def open(self, inc_id: str) -> str:
        if inc_id == "latest":
            open_ = self.open_incidents()
            if not open_:
                raise WarroomError(f"no open incident under {self.ctx.state_dir}")
            inc_id = open_[-1].id
        self.incident = self.store().open(inc_id)
        return self.incident.id

    def declare(self, *, title: str, severity: str, runbook: str | None, source: dict) -> str:
        ref: str | None = runbook
        rb = self.ctx.runbook(runbook)
        if rb is not None and rb.path is not None:
            ref = str(rb.path)
        drill = None
        sim = self.ctx.drill.extra.get("drill") if self.ctx.drill is not None else None
        if self.ctx.drill is not None:
            drill = {"scenario": self.ctx.drill.scenario, "speed": self.ctx.drill.speed}
            if sim is not None:
                # Recorded so a headless `incident run` on this incident reaches the stand-ins too.
                drill["dir"] = str(sim.path)
        if sim is not None and "started_at" not in source:
            # Impact began when the scenario's pane crossed critical, which only the drill knows:
            # the response times (detect, mobilise, ...) then count from the real start.
            from warroom.drill.report import breach_time
            from warroom.sources.evidence import iso

            began = breach_time(sim, slos=self.ctx.config.slo)
            if began is not None:
                source = {**source, "started_at": iso(began)}
        self.incident = self.store().create(title=title, severity=severity, runbook=ref,
                                            source=source, drill=drill)
        if sim is not None and callable(getattr(sim, "attach_incident", None)):
            sim.attach_incident(self.incident.id)
        return self.incident.id

    def attach(self, runbook_id: str) -> None:
        rb = self.ctx.runbook(runbook_id)
        self.require().attach_runbook(str(rb.path) if rb is not None and rb.path else runbook_id)

    def require(self) -> Any:
        if self.incident is None:
            raise WarroomError("no incident is open: press d to declare one")
        return self.incident

    # ------------------------------------------------------------------ reading

    def view(self) -> tuple[IncidentView, Runbook | None]:
        inc = self.require()
        state = inc.refresh()
        view = incident_view(state, self.ctx.config.incident.status_update_every)
        return view, inc.runbook()

    def state(self) -> Any:
        return self.require().refresh()

    def render_pir(self) -> str:
        return str(self.require().render("pir"))

    # ------------------------------------------------------------------ steps

    def prompts(self, number: int) -> list[Any]:
        return list(self.require().param_prompts(number))

    def prepare(self, number: int, params: dict[str, str]) -> Any:
        return self.require().prepare_step(number, params)

    def run(self, number: int, params: dict[str, str], *, confirmed: bool, dry_run: bool) -> Any:
        inc = self.require()
        prepared = inc.prepare_step(number, params)
        if prepared.kind in NATIVE_KINDS and not dry_run and callable(getattr(inc, "run_native_step", None)):
            # PromQL / Kubernetes steps run in-process against the configured sources (in a
            # drill: the simulator), never through a shell. Blocking: we are in a worker.
            return inc.run_native_step(prepared, confirm=confirmed, read_only=self.ctx.read_only,
                                       metric_source=self.ctx.source, kube=self.ctx.kube)
        # The drill's stand-ins (PATH prefix, WARROOM_DRILL_DIR, fake credentials) reach every
        # step through the runner's ``env``.
        env = dict(self.ctx.extra_env)
        options: dict[str, Any] = {"env": env} if env else {}
        handle = inc.run_step(prepared, confirm=confirmed, dry_run=dry_run,
                              read_only=self.ctx.read_only, **options)
        if not dry_run:
            self.handles[number] = handle
        return handle

    def cancel(self, number: int, *, settle: float = 5.0) -> str:
        """Blocking (worker). ``c`` can be pressed the moment the checklist shows the step
        running, before this process holds its handle or the journal its pid: wait up to
        ``settle`` seconds for either rather than answer "not running"."""
        deadline = time.monotonic() + settle
        while True:
            handle = self.handles.get(number)
            if handle is not None and callable(getattr(handle, "cancel", None)):
                handle.cancel()
                return "cancel requested"
            # Reattached after a resume: no handle in this process; signal the step's process group.
            st = self._step_state(number)
            run = st.last_run if st is not None else None
            pgid = getattr(run, "pid", None)
            if run is not None and pgid is not None and run.status == "running":
                os.killpg(os.getpgid(pgid), signal.SIGTERM)
                return "SIGTERM sent to the step's process group"
            if time.monotonic() >= deadline or (run is not None and run.status not in ("running", None)):
                raise WarroomError(f"step {number} is not running")
            time.sleep(0.1)

    def _step_state(self, number: int) -> Any | None:
        state = self.state()
        return next((s for s in state.steps.values() if s.step == number), None)

    def follow(self, number: int, cancelled: Callable[[], bool], poll: float = 0.05,
               limit: float = 24 * 3600, tail: int = 400) -> Iterator[tuple[int, list[str]] | str]:
        """Yield ``(count, newest lines)`` batches of a running step's output, then its end
        status (a str). ``count`` is every line in the batch; only the newest ``tail`` are
        decoded (a flood of a million lines costs a count, not a million strings).

        Follows the step's output file (written by its supervisor) and the journal, so it works
        the same for a step started here and one reattached after a resume.
        """
        inc = self.require()
        deadline = time.monotonic() + limit
        offset = 0
        partial = b""
        path: Path | None = None
        while time.monotonic() < deadline and not cancelled():
            st = self._step_state(number)
            run = st.last_run if st is not None else None
            if path is None and run is not None and run.output:
                path = inc.dir / run.output
            chunk = b""
            if path is not None and path.exists():
                with open(path, "rb") as f:
                    f.seek(offset)
                    chunk = f.read(4 << 20)
                offset += len(chunk)
            if chunk:
                count, newest, partial = split_tail(partial + chunk, tail)
                if count:
                    yield count, [ln.decode("utf-8", "replace").removeprefix(ERR_TAG) for ln in newest]
                continue
            if st is None or st.status != "running":
                if partial:
                    yield 1, [partial.decode("utf-8", "replace").removeprefix(ERR_TAG)]
                yield st.status if st is not None else "unknown"
                return
            time.sleep(poll)

    # ------------------------------------------------------------------ everything else

    def tick(self, number: int) -> None:
        self.require().tick(number)

    def skip(self, number: int, reason: str) -> None:
        self.require().skip(number, reason)

    def note(self, tag: str, text: str, owner: str | None, due: str | None) -> None:
        self.require().note(tag, text, owner=owner, due=due)

    def record_alerts(self, alerts: list[Any]) -> None:
        from warroom.sources.alerts import alert_event_data

        inc = self.require()
        for a in alerts:
            inc.record_alert(alert_event_data(a))

    def add_timeline(self, text: str, at: Any | None) -> None:
        self.require().add_timeline(text, at=at)

    def correct_timeline(self, seq: int, text: str) -> None:
        self.require().correct_timeline(seq, text)

    def drill_report(self) -> Any:
        sim = self.ctx.drill.extra.get("drill") if self.ctx.drill is not None else None
        if sim is None:
            raise WarroomError("the drill report is for drills (warroom demo / warroom drill)")
        from warroom.drill.report import drill_report

        state = self.incident.refresh() if self.incident is not None else None
        return drill_report(sim, state, slos=self.ctx.config.slo)

    def severity(self, severity: str, reason: str) -> None:
        self.require().set_severity(severity, reason)

    def resolve(self, summary: str, resolution: str, rollback: bool) -> None:
        self.require().resolve(summary, resolution=resolution, rollback=rollback)

    def export(self) -> Any:
        return self.require().export("pir")

    def status_update(self, text: str, *, copied: bool, post: bool) -> str:
        channels = ["clipboard"] if copied else []
        webhook = None
        if post:
            from warroom.sources.webhooks import post_status_update

            result = post_status_update(self.ctx.config.webhook, text)
            webhook = result.journal()
            channels.append("webhook")
        self.require().record_status_update(text, channels=channels, webhook=webhook)
        if webhook is None:
            return "status update copied and journaled"
        return "status update posted" if webhook.get("ok") else f"webhook failed: {webhook.get('error')}"
