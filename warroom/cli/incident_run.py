"""``warroom incident run``: one step, from the shell, with its output streamed and its result as the
exit code.

Running is the one subcommand with more than a journal append behind it (confirmation, a
supervisor or an in-process native step, waiting, reporting), so it reads better on its own.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from warroom.cli.incident_args import _env_params, _open, _params, _reconcile
from warroom.cli.terminal import step_output_stream
from warroom.scenario_time import Span, of_drill, process_text, wall_seconds
from warroom.incident import observer_seat
from warroom.incident.live import LiveIncident
from warroom.incident.marks import run_verdict, run_word
from warroom.incident.session import DryRun, Incident


def cmd_run(args: argparse.Namespace) -> int:
    inc = _open(args)
    _reconcile(inc)
    with LiveIncident.open(inc) as live:
        _catch_up(live)
        key = live.key_of(args.step, getattr(args, "runbook", None))
        prepared = live.prepare(key, {**_params(args.param), **_env_params(getattr(args, "param_env", []))})
        target = ", ".join(f"{k} {v}" for k, v in prepared.target.items())
        kind = "CHANGES THINGS" if prepared.mutating else "read-only"
        if getattr(prepared.step, "confirm", False) and not prepared.mutating:
            kind += ", asks for confirmation"
        name = live.snapshot().state.step_name(key[0], prepared.number)   # as every screen names it
        print(f"{name}: {prepared.label} ({kind}{'; ' + target if target else ''})",
              file=sys.stderr)
        print(f"$ {prepared.shown}", file=sys.stderr)
        for note in prepared.notes:  # e.g. a variable only an unrun earlier step sets
            print(f"note: {note}", file=sys.stderr)
        result = live.run(prepared, confirmed=args.yes, dry_run=args.dry_run, stream=step_output_stream())
        if isinstance(result, DryRun):
            print(f"dry run recorded (seq {result.event.seq}); nothing was executed", file=sys.stderr)
            return 0
        code = _finish_run(inc, prepared, result)
        verify = getattr(prepared.step, "verify", None)
        if code == 0 and verify:
            code = _verify_gate(live, prepared, verify, wait=not getattr(args, "no_wait", False))
        return code


def settle_ended_gates(inc: Incident) -> None:
    """Before resolving: a gate whose window ended while nobody watched it (``run --no-wait``, a
    dashboard closed) is settled from the metric history, so the resolution's response times and
    concerns read the gate's verdict (mitigated when the metrics confirmed it), never "not
    reached" for want of a watcher; "after" evidence owed is journaled too. A source that cannot
    be opened costs a warning, as the metric sync's does."""
    from warroom.errors import WarroomError

    try:
        live = LiveIncident.open(inc)
    except (WarroomError, OSError) as exc:
        print(f"warning: {inc.id}: open verify gates not settled: {exc}", file=sys.stderr)
        return
    with live:
        _catch_up(live)


def _catch_up(live: LiveIncident) -> None:
    """Gates opened earlier and left unwatched: settle those whose window has ended (from the
    metric history), and journal "after" evidence owed, before anything else is recorded."""
    for gate, check in live.settle_gates():
        if check is not None:
            print(f"verify (step {gate.step}) {gate.said(live.incident.config.slo)}: {check.status}"
                  f"{': ' + check.reason if check.reason else ''}", file=sys.stderr)
    live.record_due_evidence()


def _verify_gate(live: LiveIncident, prepared: Any, text: str, *, wait: bool) -> int:
    """The step's verify gate, headless: journal it, then (unless ``wait`` is off) probe until
    the metrics confirm it or the window runs out, one line of progress per probe. Ctrl-C stops
    waiting and leaves the gate open. Exit code 1 when the gate fails: the fix did not take."""
    from warroom.incident.gate_evidence import CHECK_ONLY, HELD, held_line
    from warroom.incident.gates import gate_states
    from warroom.sources.verify import VerifyCheck

    key = (prepared.runbook_id, prepared.step_id)
    gate = live.gate(key, text)
    if observer_seat.observer(live.incident.config):
        print(f"verify {gate.said}: not opened: a read-only seat's run is not the step's run"
              " (its gate opens when a responder runs the step)", file=sys.stderr)
        return 0
    if live.source is None:
        print(f"verify {gate.said}: not checked (no metric source: set url under [prometheus])", file=sys.stderr)
        return 0

    def progress(check: VerifyCheck) -> None:
        if check.status == "pending":
            value = gate.show(check.value)
            note = f" · {check.reason}" if check.reason else ""
            print(f"verify {gate.said}: {value} now{note} · {Span(check.remaining, live.speed).text()} left",
                  file=sys.stderr)

    try:
        if not wait:
            live.open_gate(key, prepared.number, text)
            print(f"verify {gate.said}: opened, not waited for (until"
                  f" {of_drill(gate.window, live.speed).text()} from now)", file=sys.stderr)
            return 0
        check = live.watch_gate(key, prepared.number, text, on_check=progress, leave_open=False,
                                every=min(5.0, max(0.2, wall_seconds(gate.window, live.speed) / 60)))
    except KeyboardInterrupt:
        print(f"verify {gate.said}: stopped waiting; the gate stays open (the dashboard or the next"
              " `incident run` settles it)", file=sys.stderr)
        return 130
    if check is not None and check.status == "passed":   # None only when stopped, not here
        value = gate.show(check.value)
        said = gate_states(live.incident.state, live.incident.clock()).get(key)   # the journal's word
        checked = "" if gate.mitigates else f": {CHECK_ONLY}"       # a check of the step, not the mitigation
        outcome = held_line(said.held_before, value) if said is not None and said.shown == HELD \
            else f"passed ({value}){checked}"
        print(f"verify {gate.said}: {outcome}", file=sys.stderr)
        return 0
    if check is not None and check.status in ("pending", "superseded"):   # not judged (a pinned drill clock): left
        print(f"verify {gate.said}: {check.reason}", file=sys.stderr)      # open; or the re-run's gate judges it
        return 0
    print(f"verify {gate.said}: FAILED: {check.reason if check is not None else 'no outcome'}", file=sys.stderr)
    return 1


def _finish_run(inc: Incident, prepared: Any, handle: Any) -> int:
    """Wait for the step (its output streams meanwhile) and report how it ended (from the
    journal, the truth)."""
    handle.wait()
    st = inc.state.steps.get((prepared.runbook_id, prepared.step_id))
    mine = st.observed if st is not None and observer_seat.observer(inc.config) else (st.runs if st else [])
    return _report_run(prepared, mine[-1] if mine else None, inc.state)


def _report_run(prepared: Any, run: Any, state: Any = None) -> int:
    if run is None or run.status == "running":
        print(f"step {prepared.number}: still running under its supervisor", file=sys.stderr)
        return 1
    met = "" if run.expect_met is None else ("; expectation met" if run.expect_met else "; expectation NOT met")
    code = "" if run.exit_code is None else f", exit {run.exit_code}"
    dur = process_text(state, run.duration) if run.duration is not None else "?"   # "1s wall" in a drill
    word = run_word(run.status, run_verdict(run))     # "ran", never "ok", when the expectation was not met
    by = f" (ran {observer_seat.BY}: not the step's run, it stays as it was on the checklist)" \
        if getattr(run, "seat", "") else ""
    print(f"step {prepared.number}{by}: {word}{code}, {dur}{met}; output {run.output or '-'}", file=sys.stderr)
    for note in getattr(run, "notes", []):
        print(f"step {prepared.number}: {note}", file=sys.stderr)
    if getattr(run, "record_error", None):
        return 6  # the incident could not be written in full (README: exit 6)
    return 0 if run.status == "ok" and run.expect_met is not False else 1
