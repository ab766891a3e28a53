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
    prepared = inc.prepare_step(args.step, _params(args.param))
    target = ", ".join(f"{k} {v}" for k, v in prepared.target.items())
    kind = "CHANGES THINGS" if prepared.mutating else "read-only"
    if getattr(prepared.step, "confirm", False) and not prepared.mutating:
        kind += ", asks for confirmation"
    print(f"step {prepared.number}: {prepared.label} ({kind}{'; ' + target if target else ''})", file=sys.stderr)
    print(f"$ {prepared.command}", file=sys.stderr)
    if prepared.kind in inc.NATIVE_KINDS and not args.dry_run:
        return _run_native(inc, prepared, args.yes)
    result = inc.run_step(prepared, confirm=args.yes, dry_run=args.dry_run, stream=sys.stdout)
    if args.dry_run:
        print(f"dry run recorded (seq {result.event.seq}); nothing was executed", file=sys.stderr)
        return 0
    return _finish_run(inc, prepared, result)


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
