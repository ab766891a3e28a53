"""``warroom incident run``: one step, from the shell, with its output streamed and its result as the
exit code.

Running is the one subcommand with more than a journal append behind it (confirmation, a
supervisor or an in-process native step, waiting, reporting), so it reads better on its own.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from warroom.cli.common import out
from warroom.cli.incident_args import _open, _params
from warroom.cli.incident_show import _reconcile
from warroom.durations import format_duration
from warroom.incident.session import Incident


def cmd_run(args: argparse.Namespace) -> int:
    inc = _open(args)
    _reconcile(inc)
    _settle_gates(inc)
    prepared = inc.prepare_step(args.step, _params(args.param))
    target = ", ".join(f"{k} {v}" for k, v in prepared.target.items())
    kind = "CHANGES THINGS" if prepared.mutating else "read-only"
    if getattr(prepared.step, "confirm", False) and not prepared.mutating:
        kind += ", asks for confirmation"
    print(f"step {prepared.number}: {prepared.label} ({kind}{'; ' + target if target else ''})", file=sys.stderr)
    print(f"$ {prepared.command}", file=sys.stderr)
    if prepared.kind in inc.NATIVE_KINDS and not args.dry_run:
        code = _run_native(inc, prepared, args.yes)
    else:
        result = inc.run_step(prepared, confirm=args.yes, dry_run=args.dry_run, stream=sys.stdout)
        if args.dry_run:
            print(f"dry run recorded (seq {result.event.seq}); nothing was executed", file=sys.stderr)
            return 0
        code = _finish_run(inc, prepared, result)
    verify = getattr(prepared.step, "verify", None)
    if code == 0 and verify:
        code = _verify_gate(inc, prepared, verify, wait=not getattr(args, "no_wait", False))
    return code


def _metric_source(inc: Incident) -> tuple[Any, float]:
    """The source a gate or a promql step asks, and the speed its clock runs at: a drill's
    simulator (never whatever Prometheus is configured), else the configured Prometheus (or
    None) at 1x."""
    if inc.state.drill is not None:
        drill = inc.open_drill()
        return drill.source(inc.config.slo, window=inc.config.prometheus.window), drill.speed
    from warroom.sources.factory import open_metric_source

    return open_metric_source(inc.config), 1.0


def _close(source: Any) -> None:
    close = getattr(source, "close", None)
    if callable(close):
        close()


def _settle_gates(inc: Incident) -> None:
    """Gates opened earlier and left unwatched: settle those whose window has ended (from the
    metric history) before anything else is recorded."""
    from warroom.sources.verify import open_gates, settle_open

    events = inc.read().events
    if not open_gates(events):
        return
    source, speed = _metric_source(inc)
    if source is None:
        return
    try:
        for gate, check in settle_open(inc.journal, events, source, inc.config.slo, speed=speed):
            if check is not None:
                print(f"verify (step {gate.step}) {gate.text}: {check.status}"
                      f"{': ' + check.reason if check.reason else ''}", file=sys.stderr)
    finally:
        _close(source)


def _verify_gate(inc: Incident, prepared: Any, text: str, *, wait: bool) -> int:
    """The step's verify gate, headless: journal it, then (unless ``wait`` is off) probe until
    the metrics confirm it or the window runs out, one line of progress per probe. Ctrl-C stops
    waiting and leaves the gate open. Exit code 1 when the gate fails: the fix did not take."""
    from warroom.sources.verify import VerifyCheck, VerifyRun, journal_started, parse_verify, run_verify

    gate = parse_verify(text, inc.config.slo)
    source, speed = _metric_source(inc)
    if source is None:
        print(f"verify {gate.text}: not checked (no metric source: set url under [prometheus])", file=sys.stderr)
        return 0

    def progress(check: VerifyCheck) -> None:
        if check.status == "pending":
            value = gate.show(check.value)
            note = f" · {check.reason}" if check.reason else ""
            print(f"verify {gate.text}: {value} now{note} · {format_duration(check.remaining)} left", file=sys.stderr)

    try:
        if not wait:
            journal_started(inc.journal, prepared.number, prepared.step_id, VerifyRun(gate, source, speed=speed))
            print(f"verify {gate.text}: opened, not waited for (until {format_duration(gate.window / speed)}"
                  " from now)", file=sys.stderr)
            return 0
        check = run_verify(inc.journal, prepared.number, prepared.step_id, gate, source,
                           every=min(5.0, max(0.2, gate.window / speed / 60)), on_check=progress, speed=speed)
    except KeyboardInterrupt:
        print(f"verify {gate.text}: stopped waiting; the gate stays open (the dashboard or the next"
              " `incident run` settles it)", file=sys.stderr)
        return 130
    finally:
        _close(source)
    if check is not None and check.status == "passed":   # None only with a cancel event, not given here
        value = gate.show(check.value)
        print(f"verify {gate.text}: passed ({value})", file=sys.stderr)
        return 0
    print(f"verify {gate.text}: FAILED: {check.reason if check is not None else 'no outcome'}", file=sys.stderr)
    return 1


def _run_native(inc: Incident, prepared: Any, confirmed: bool) -> int:
    """A ``promql`` / ``k8s`` step: run in-process against the configured source (no shell)."""
    source = _metric_source(inc)[0] if prepared.kind == "promql" else None
    try:
        inc.run_native_step(prepared, confirm=confirmed, metric_source=source)
    finally:
        _close(source)
    st = inc.state.steps.get(prepared.step_id)
    run = st.last_run if st else None
    if run is not None and run.output:
        try:
            text = (inc.dir / run.output).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        for line in text.splitlines():
            out(line.lstrip("\x1f"))  # the output file tags error lines; the terminal does not need it
    return _report_run(prepared, run)


def _finish_run(inc: Incident, prepared: Any, handle: Any) -> int:
    """Wait for the supervised step and report how it ended (from the journal, the truth)."""
    handle.wait()
    st = inc.state.steps.get(prepared.step_id)
    return _report_run(prepared, st.last_run if st else None)


def _report_run(prepared: Any, run: Any) -> int:
    if run is None or run.status == "running":
        print(f"step {prepared.number}: still running under its supervisor", file=sys.stderr)
        return 1
    met = "" if run.expect_met is None else ("; expectation met" if run.expect_met else "; expectation NOT met")
    code = "" if run.exit_code is None else f", exit {run.exit_code}"
    dur = format_duration(run.duration) if run.duration is not None else "?"
    print(f"step {prepared.number}: {run.status}{code}, {dur}{met}; output {run.output or '-'}", file=sys.stderr)
    return 0 if run.status == "ok" and run.expect_met is not False else 1
