"""Reading what the person typed for ``warroom incident``: opening the incident, times, parameters.

Every subcommand starts the same way (config, store, open the journal, warn about damage) and
the same ``--at`` and ``--param`` syntax is accepted everywhere, so it is written once here.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.cli.common import config_from_args
from warroom.config import Config, SloConfig, default_slos, drill_panes
from warroom.errors import WarroomError
from warroom.timeparse import parse_past
from warroom.paths import command, store_option

if TYPE_CHECKING:   # the incident service is the handlers' (imported when one opens an incident), never the parser's
    from warroom.incident.session import Incident
    from warroom.incident.store import IncidentStore


def _store(args: argparse.Namespace) -> tuple[Config, IncidentStore]:
    from warroom.incident.store import IncidentStore

    cfg = config_from_args(args)
    return cfg, IncidentStore(cfg.state_dir(), cfg)


def _open(args: argparse.Namespace) -> Incident:
    from warroom.incident.store import IncidentStore

    cfg, store = _store(args)
    inc = _open_in_state_or_drills(cfg, store, args.id)
    panes = _world_panes(inc.state.drill)
    if panes is not None and cfg.slo != panes:
        cfg.as_drill(panes)     # a drill's world is read on its own panes (Config.as_drill): opened again on them,
        inc = IncidentStore(inc.state_root, cfg).open(inc.id)   # where it was found (its "note:" said once)
    inc.require_declared()
    read = inc.read()
    for warning in read.describe():
        if read.issues:
            print(f"warning: {inc.id}: journal {warning}; working on the {len(read.events)} valid events"
                  f" before it (`{command('incident', 'verify', inc.id, *store_option(inc.dir))}`)", file=sys.stderr)
    return inc


def _reconcile(inc: Incident) -> None:
    """Resume-safety: a step whose supervisor died without journaling its end is recorded as
    interrupted (the supervisor's own lock tells running from dead, so this is safe anytime)."""
    st = inc.state
    if not st.running_steps() or st.journal_issues:
        return
    try:
        _running, interrupted = inc.reconcile()
    except WarroomError as exc:
        print(f"warning: {inc.id}: could not check running steps: {exc}", file=sys.stderr)
        return
    for result in interrupted:
        print(f"warning: {inc.id}: a step's supervisor ended without recording the end; marked"
              f" interrupted ({result.output})", file=sys.stderr)


def _world_panes(drill: dict[str, Any] | None) -> list[SloConfig] | None:
    """The panes a drill incident's world is read on (``Config.as_drill``): a rehearsal's recording's,
    a simulated drill's own; None for a real incident, or a recording that cannot be read (the
    command's own reading of it says why)."""
    if drill is None:
        return None
    if not drill.get("replay"):      # a simulated drill's, naming its scenario's runbook as the dashboard's do
        from warroom.drill.scenarios import get_scenario

        try:
            sc = get_scenario(str(drill.get("scenario") or ""))
        except WarroomError:         # a scenario gone or unreadable: opening its drill says why
            return default_slos()
        return drill_panes(default_slos(), sc.runbook, sc.severity)
    from pathlib import Path

    from warroom.incident.history import load_history

    try:
        return [p.slo for p in load_history(Path(str(drill.get("recording") or ""))).panes]
    except (WarroomError, OSError):
        return None


def _open_in_state_or_drills(cfg: Config, store: IncidentStore, inc_id: str) -> Incident:
    """The incident in the state dir, else in its neighbour store (``warroom.paths.id_neighbour``):
    a dashboard drill's (they live apart, under the state dir's ``drills``; the header shows the
    same ``INC-…`` id), or, given the drills' store itself (the ``--state-dir`` a resume line
    names), the state dir's real ones. The id the commander sees works whichever store was typed.
    An id in the store typed always wins (the pair numbers one sequence, so the other holds it only
    in a state dir made before that); the drill's metric source and stand-ins then come with the
    incident itself (``warroom.incident.live.metric_source_for``)."""
    from pathlib import Path

    from warroom.errors import NotFoundError
    from warroom.incident.store import IncidentStore
    from warroom.paths import id_neighbour, is_drills_store

    try:
        return store.open(inc_id)
    except NotFoundError as not_here:
        from_drills = is_drills_store(cfg.state_dir())
        other = id_neighbour(cfg.state_dir())
        if store.shared is not None or not (Path(other) / "incidents").is_dir():
            raise
        try:
            inc = IncidentStore(other, cfg).open(inc_id)
        except NotFoundError:
            raise not_here from None
        if not from_drills and inc.state.drill is None:
            raise not_here from None
        kind = "a drill incident" if inc.state.drill is not None else "an incident"
        print(f"note: {inc.id} is {kind} under {other}", file=sys.stderr)
        return inc


def parse_when(text: str, now: datetime, *, what: str = "--at", scale: float = 1.0) -> datetime:
    """One syntax for every time typed at warroom (:mod:`warroom.timeparse`): ISO-8601 (naive =
    UTC), ``HH:MM[:SS]`` (UTC), ``10m ago`` or ``-10m`` (drill time in a drill: ``scale``); a
    future time is refused."""
    return parse_past(text, now, what=what, scale=scale)


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for n, pair in enumerate(pairs, 1):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            # Never echo what was typed: a value whose "=" is missing may well be a secret.
            raise WarroomError(f"--param number {n} ({len(pair)} characters, not shown): expected NAME=VALUE")
        params[name.strip()] = value
    return params


def _env_params(pairs: list[str]) -> dict[str, str]:
    """``--param-env NAME=ENVVAR``: the value from the environment, never from argv."""
    import os

    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, var = pair.partition("=")
        if not sep or not name.strip() or not var.strip():
            raise WarroomError(f"--param-env {pair!r}: expected NAME=ENVVAR")
        if var.strip() not in os.environ:
            raise WarroomError(f"--param-env {name.strip()}: environment variable {var.strip()} is not set")
        params[name.strip()] = os.environ[var.strip()]
    return params


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "-"


def _hms(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%H:%M:%S") if at else "--:--:--"
