"""``warroom incident run``: one step, from the shell, with its output streamed and its result as the
exit code.

Running is the one subcommand with more than a journal append behind it (confirmation, a
supervisor or an in-process native step, waiting, reporting), so it reads better on its own.
"""

from __future__ import annotations

import argparse
import sys
import time
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


def _metric_source(inc: Incident) -> Any:
    """The source a gate asks: a drill's simulator, else the configured Prometheus (or None)."""
    if inc.state.drill is not None:
        return inc.open_drill().source(inc.config.slo, window=inc.config.prometheus.window)
    from warroom.sources.factory import open_metric_source

    return open_metric_source(inc.config)


def _speed(inc: Incident) -> float:
    drill = inc.state.drill or {}
    try:
        speed = float(drill.get("speed") or 1.0)
    except (TypeError, ValueError):
        speed = 1.0
    return speed if speed > 0 else 1.0


def _close(source: Any) -> None:
    close = getattr(source, "close", None)
    if callable(close):
        close()


def _settle_gates(inc: Incident) -> None:
    """Gates opened earlier and left unwatched: settle those whose window has ended (from the
    metric history) before anything else is recorded."""
    from warroom.sources.verify import open_gates, settle_open

    if not open_gates(inc.read().events):
        return
    source = _metric_source(inc)
    if source is None:
        return
    try:
        for gate, check in settle_open(inc.journal, inc.read().events, source, inc.config.slo, speed=_speed(inc)):
            if check is not None:
                print(f"verify (step {gate.step}) {gate.text}: {check.status}"
                      f"{': ' + check.reason if check.reason else ''}", file=sys.stderr)
    finally:
        _close(source)


def _verify_gate(inc: Incident, prepared: Any, text: str, *, wait: bool) -> int:
    """The step's verify gate, headless: journal it, then (unless ``wait`` is off) probe until
    the metrics confirm it or the window runs out, one line of progress per probe. Ctrl-C stops
    waiting and leaves the gate open. Exit code 1 when the gate fails: the fix did not take."""
    from warroom.sources.verify import VerifyRun, journal_outcome, journal_started, parse_verify

    gate = parse_verify(text, inc.config.slo)
    source = _metric_source(inc)
    if source is None:
        print(f"verify {gate.text}: not checked (no metric source: set url under [prometheus])", file=sys.stderr)
        return 0
    speed = _speed(inc)
    run = VerifyRun(gate, source)
    run.deadline = run.started_at + gate.window / speed
    run.hold = gate.hold / speed
    try:
        journal_started(inc.journal, prepared.number, prepared.step_id, run)
        if not wait:
            print(f"verify {gate.text}: opened, not waited for (until {format_duration(gate.window / speed)}"
                  " from now)", file=sys.stderr)
            return 0
        every = min(5.0, max(0.2, gate.window / speed / 60))
        while True:
            check = run.check()
            value = "no value" if check.value is None else f"{check.value:g}"
            if check.status != "pending":
                break
            note = f" · {check.reason}" if check.reason else ""
            print(f"verify {gate.text}: {value} now{note} · {format_duration(check.remaining)} left", file=sys.stderr)
            time.sleep(min(every, max(0.05, run.deadline - time.time())))
        journal_outcome(inc.journal, prepared.number, prepared.step_id, gate, check)
    except KeyboardInterrupt:
        print(f"verify {gate.text}: stopped waiting; the gate stays open (the dashboard or the next"
              " `incident run` settles it)", file=sys.stderr)
        return 130
    finally:
        _close(source)
    if check.status == "passed":
        print(f"verify {gate.text}: passed ({value})", file=sys.stderr)
        return 0
    print(f"verify {gate.text}: FAILED: {check.reason}", file=sys.stderr)
    return 1


def _run_native(inc: Incident, prepared: Any, confirmed: bool) -> int:
    """A ``promql`` / ``k8s`` step: run in-process against the configured source (no shell)."""
    source = None
    if prepared.kind == "promql" and inc.state.drill is not None:
        # A drill's queries go to its simulator, never to whatever Prometheus is configured.
        source = inc.open_drill().source(inc.config.slo, window=inc.config.prometheus.window)
    elif prepared.kind == "promql":
        from warroom.sources.factory import open_metric_source

        source = open_metric_source(inc.config)
    try:
        inc.run_native_step(prepared, confirm=confirmed, metric_source=source)
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()
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
