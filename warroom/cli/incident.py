"""``warroom incident ...``: the whole incident lifecycle from the shell, no terminal UI needed.

Every subcommand opens the incident fresh from its journal, does one thing (one journal append
at most, except ``run``, whose supervisor journals the step's start and end) and exits, so a
script, a cron job or a human after a dropped SSH session can pick up at any point.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.cli.common import config_from_args, out
from warroom.config import Config
from warroom.durations import format_duration, parse_duration
from warroom.errors import WarroomError
from warroom.incident import events as ev
from warroom.incident.session import Incident
from warroom.incident.state import IncidentState
from warroom.incident.store import IncidentStore

STEP_MARKS = {
    "pending": "[ ]", "running": "[..]", "ok": "[ok]", "failed": "[FAIL]", "timed_out": "[TIMEOUT]",
    "cancelled": "[CANCEL]", "interrupted": "[INTR]", "skipped": "[skip]", "ticked": "[x]",
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("incident", help="declare, run, record and export incidents (headless)",
                       parents=[common],
                       description="Everything the dashboard does to an incident, from the shell.")
    isub = p.add_subparsers(dest="incident_cmd", metavar="ACTION", required=True)

    def add(name: str, help_: str, func: Any) -> argparse.ArgumentParser:
        sp = isub.add_parser(name, help=help_, description=help_, parents=[common])
        sp.set_defaults(func=func)
        return sp

    sp = add("new", "declare an incident; prints its id", cmd_new)
    sp.add_argument("--title", required=True)
    sp.add_argument("--severity", required=True, choices=ev.SEVERITIES)
    sp.add_argument("--runbook", metavar="REF", help="runbook id (RB-CORE-003) or markdown file")
    sp.add_argument("--commander", help="incident commander (default: config incident.commander or user@host)")

    sp = add("list", "incidents, oldest first", cmd_list)
    sp.add_argument("--open", action="store_true", help="only incidents not resolved")
    sp.add_argument("--json", action="store_true")

    sp = add("show", "one incident: status, steps, notes, response times, timeline", cmd_show)
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true", help="machine-readable state")

    sp = add("run", "run a runbook step (output streams to stdout)", cmd_run)
    sp.add_argument("id")
    sp.add_argument("step", help="step number, id or label")
    sp.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    sp.add_argument("--yes", action="store_true", help="confirm a step that changes things")
    sp.add_argument("--dry-run", action="store_true", help="record the exact command without running it")

    sp = add("tick", "mark a step done by hand", cmd_tick)
    sp.add_argument("id")
    sp.add_argument("step")
    sp = add("untick", "undo a tick", cmd_untick)
    sp.add_argument("id")
    sp.add_argument("step")

    sp = add("skip", "skip a step, with the reason", cmd_skip)
    sp.add_argument("id")
    sp.add_argument("step")
    sp.add_argument("--reason", required=True)

    sp = add("note", "add a tagged note (root cause, went well/wrong, action item, lesson, ...)", cmd_note)
    sp.add_argument("id")
    sp.add_argument("--tag", required=True, choices=ev.NOTE_TAGS)
    sp.add_argument("--owner", help="action items: who owns it")
    sp.add_argument("--due", help="action items: when it is due")
    sp.add_argument("text", nargs="+")

    sp = add("severity", "change the severity", cmd_severity)
    sp.add_argument("id")
    sp.add_argument("severity", choices=ev.SEVERITIES)
    sp.add_argument("--reason", default="")

    sp = add("status", "set the status (investigating, identified, mitigating, mitigated, monitoring)", cmd_status)
    sp.add_argument("id")
    sp.add_argument("status", choices=[s for s in ev.STATUSES if s != "resolved"])

    sp = add("mark", "mark a response-time milestone (default now; --at to back-date)", cmd_mark)
    sp.add_argument("id")
    sp.add_argument("phase", choices=ev.PHASES)
    sp.add_argument("--at", help="ISO time, HH:MM (UTC, today) or '10m ago'")
    sp.add_argument("--reason", default="")

    sp = add("timeline", "add a timeline entry by hand", cmd_timeline)
    sp.add_argument("id")
    sp.add_argument("text", nargs="+")
    sp.add_argument("--at", help="ISO time, HH:MM (UTC, today) or '10m ago'")

    sp = add("correct", "correct the text of an earlier timeline entry (by its seq)", cmd_correct)
    sp.add_argument("id")
    sp.add_argument("seq", type=int)
    sp.add_argument("text", nargs="+")

    sp = add("update", "record a stakeholder status update", cmd_update)
    sp.add_argument("id")
    sp.add_argument("text", nargs="+")

    sp = add("attach", "attach (or replace) the incident's runbook", cmd_attach)
    sp.add_argument("id")
    sp.add_argument("runbook", metavar="REF")

    sp = add("resolve", "resolve the incident", cmd_resolve)
    sp.add_argument("id")
    sp.add_argument("--summary", required=True)
    sp.add_argument("--resolution", help="what fixed it (default: the summary)")
    sp.add_argument("--rollback", action="store_true", help="a rollback was part of the fix")
    sp.add_argument("--type", dest="inc_type", help="incident type for the incident log")
    sp.add_argument("--affected-repos", help="affected repos for the incident log")

    sp = add("reopen", "reopen a resolved incident", cmd_reopen)
    sp.add_argument("id")
    sp.add_argument("--reason", required=True)

    sp = add("export", "write the PIR draft and append the incident-log row", cmd_export)
    sp.add_argument("id")
    sp.add_argument("--template", default="pir", help="pir | rca | postmortem | your own (name or .j2 path)")
    sp.add_argument("--out", metavar="DIR", help="directory to write to (default: the incident dir)")
    sp.add_argument("--no-log", action="store_true", help="do not append to the incident log")
    sp.add_argument("--stdout", action="store_true", help="print the draft instead of writing files")

    sp = add("verify", "check the journal's hash chain; names any damaged line", cmd_verify)
    sp.add_argument("id")


# ---------------------------------------------------------------------------------- helpers


def _store(args: argparse.Namespace) -> tuple[Config, IncidentStore]:
    cfg = config_from_args(args)
    return cfg, IncidentStore(cfg.state_dir(), cfg)


def _open(args: argparse.Namespace) -> Incident:
    _, store = _store(args)
    inc = store.open(args.id)
    read = inc.read()
    for warning in read.describe():
        if read.issues:
            print(f"warning: {inc.id}: journal {warning}; working on the {len(read.events)} valid events"
                  f" before it (`warroom incident verify {inc.id}`)", file=sys.stderr)
    return inc


def _now() -> datetime:
    return datetime.now(UTC)


_AGO = re.compile(r"^\s*(.+?)\s+ago\s*$")


def parse_when(text: str, now: datetime) -> datetime:
    """ISO-8601 (naive = UTC), ``HH:MM[:SS]`` (UTC, today), ``10m ago`` / ``-10m``."""
    t = text.strip()
    m = _AGO.match(t)
    if m or t.startswith("-"):
        span = m.group(1) if m else t[1:]
        try:
            return now - timedelta(seconds=parse_duration(span))
        except ValueError:
            pass
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", t):
        parts = [int(x) for x in t.split(":")]
        try:
            return now.replace(hour=parts[0], minute=parts[1], second=parts[2] if len(parts) > 2 else 0,
                               microsecond=0)
        except ValueError:
            raise WarroomError(f"--at {text!r}: not a valid time of day") from None
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise WarroomError(f"--at {text!r}: expected an ISO time (2026-11-22T14:30Z), HH:MM (UTC)"
                           " or a span like '10m ago'") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise WarroomError(f"--param {pair!r}: expected NAME=VALUE")
        params[name.strip()] = value
    return params


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "-"


def _hms(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%H:%M:%S") if at else "--:--:--"


# ---------------------------------------------------------------------------------- commands


def cmd_new(args: argparse.Namespace) -> int:
    _, store = _store(args)
    inc = store.create(title=args.title, severity=args.severity, runbook=args.runbook, commander=args.commander)
    out(inc.id)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    _, store = _store(args)
    states = store.open_incidents() if args.open else store.list()
    now = _now()
    if args.json:
        out(json.dumps([s.to_json(now) for s in states], indent=2))
        return 0
    if not states:
        out("no open incidents" if args.open else f"no incidents in {store.root}")
        return 0
    for s in states:
        rb = (s.runbook or {}).get("id") or "-"
        drill = " [DRILL]" if s.drill else ""
        drill += "  [journal damaged]" if any("torn" not in w for w in s.journal_issues) else ""
        out(f"{s.id:<18} {s.severity:<3} {s.status:<13} {format_duration(s.elapsed(now).total_seconds()):>7}"
            f"  {rb:<14} {s.title}{drill}")
    return 0


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


def cmd_show(args: argparse.Namespace) -> int:
    inc = _open(args)
    _reconcile(inc)
    st = inc.state
    now = _now()
    if args.json:
        data = st.to_json(now)
        data["checklist"] = _checklist(inc, st)
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for line in render_show(inc, st, now):
        out(line)
    return 0


def _checklist(inc: Incident, st: IncidentState) -> list[dict[str, Any]]:
    """Every step of the runbook snapshot with where it stands (pending included)."""
    try:
        book = inc.runbook()
    except WarroomError:
        return []
    if book is None:
        return []
    rows = []
    for step in book.steps:
        s = st.steps.get(step.id)
        rows.append({"step": step.number, "step_id": step.id, "label": step.label, "kind": step.kind,
                     "section": step.section, "status": s.status if s else "pending",
                     "mutating": step.mutating, "command": step.command})
    return rows


def render_show(inc: Incident, st: IncidentState, now: datetime) -> list[str]:
    lines = []
    drill = "  [DRILL]" if st.drill else ""
    lines.append(f"{st.id}  {st.severity}  {st.status.upper()}  {st.title}{drill}")
    lines.append(f"declared {_when(st.declared_at)} by {st.declared_by}; commander {st.commander}")
    if st.runbook:
        lines.append(f"runbook {st.runbook.get('id')} — {st.runbook.get('title')}"
                     f" (snapshot {st.runbook.get('snapshot', 'runbook.md')})")
    esc = st.escalation_tier(now)
    clock = f"elapsed {format_duration(st.elapsed(now).total_seconds())}"
    if st.resolved:
        lines.append(f"{clock}; resolved {_when(st.resolved_at)}")
    else:
        due = st.next_update_due(now, inc.config.incident.status_update_every)
        upd = ""
        if due is not None:
            left = (due - now).total_seconds()
            upd = (f"; next status update due {_hms(due)} UTC (in {format_duration(left)})" if left >= 0
                   else f"; status update OVERDUE by {format_duration(-left)}")
        lines.append(f"{clock}; escalation tier {esc.tier}: {esc.label} ({esc.action}){upd}")
    lines.append("")
    lines.append("Steps:")
    try:
        book = inc.runbook()
    except WarroomError as exc:
        book = None
        lines.append(f"  (runbook snapshot unavailable: {exc})")
    known = set()
    rows: list[tuple[str, str, str]] = []
    if book is not None:
        for step in book.steps:
            s = st.steps.get(step.id)
            known.add(step.id)
            rows.append((STEP_MARKS.get(s.status if s else "pending", "[?]"), f"{step.number:>3}",
                         f"{step.label}{_step_detail(s)}"))
    for s in st.step_list():
        if s.step_id not in known:
            rows.append((STEP_MARKS.get(s.status, "[?]"), f"{s.step if s.step is not None else '?':>3}",
                         f"{s.label}{_step_detail(s)}"))
    if not rows:
        lines.append("  (no runbook steps)")
    for mark, num, text in rows:
        lines.append(f"  {mark:<9} {num}  {text}")
    notes = [n for n in st.notes]
    if notes:
        lines.append("")
        lines.append("Notes:")
        for n in notes:
            extra = "".join(f" [{k}: {v}]" for k, v in (("owner", n.owner), ("due", n.due)) if v)
            lines.append(f"  {n.tag:<12} {n.text}{extra}")
    lines.append("")
    lines.append("Response times (target):")
    for r in st.response_times():
        took = f"{r.minutes:.1f} min" if r.minutes is not None else ("not reached" if r.at is None else "n/a")
        verdict = "" if r.met is None else ("  met" if r.met else "  MISSED")
        lines.append(f"  {r.label:<20} {took:>12}  (< {r.target_min:g} min){verdict}")
    lines.append("")
    lines.append("Timeline (UTC):")
    for t in st.sorted_timeline():
        fix = " (corrected)" if t.original is not None else ""
        lines.append(f"  {_hms(t.at)}  #{t.seq:<4} {t.text}{fix}")
    return lines


def _step_detail(s: Any) -> str:
    if s is None:
        return ""
    if s.status == "skipped":
        return f" — skipped: {s.skipped_reason}"
    if s.status == "ticked":
        return f" — ticked by {s.ticked_by}"
    run = s.last_run
    if run is None:
        return ""
    bits = []
    if run.exit_code is not None:
        bits.append(f"exit {run.exit_code}")
    if run.duration is not None:
        bits.append(format_duration(run.duration))
    if run.expect_met is not None:
        bits.append("expect met" if run.expect_met else "expect NOT met")
    if s.attempts > 1:
        bits.append(f"{s.attempts} attempts")
    return f" — {', '.join(bits)}" if bits else ""


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


def cmd_tick(args: argparse.Namespace) -> int:
    e = _open(args).tick(args.step)
    out(f"ticked step {e.data['step']} ({e.data['label']})")
    return 0


def cmd_untick(args: argparse.Namespace) -> int:
    e = _open(args).untick(args.step)
    out(f"unticked step {e.data['step']} ({e.data['label']})")
    return 0


def cmd_skip(args: argparse.Namespace) -> int:
    e = _open(args).skip(args.step, args.reason)
    out(f"skipped step {e.data['step']} ({e.data['label']}): {e.data['reason']}")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    e = _open(args).note(args.tag, " ".join(args.text), owner=args.owner, due=args.due)
    out(f"noted ({args.tag}) as seq {e.seq}")
    return 0


def cmd_severity(args: argparse.Namespace) -> int:
    e = _open(args).set_severity(args.severity, args.reason)
    out(f"severity {e.data['from']} -> {e.data['to']}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    e = _open(args).set_status(args.status)
    out(f"status {e.data['from']} -> {e.data['to']}")
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    at = parse_when(args.at, _now()) if args.at else None
    e = _open(args).mark_phase(args.phase, at, args.reason)
    out(f"marked {args.phase} at {e.data['at']}")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    at = parse_when(args.at, _now()) if args.at else None
    e = _open(args).add_timeline(" ".join(args.text), at)
    out(f"timeline entry seq {e.seq} at {e.data['at']}")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    e = _open(args).correct_timeline(args.seq, " ".join(args.text))
    out(f"corrected seq {args.seq} (correction is seq {e.seq})")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    e = _open(args).record_status_update(" ".join(args.text), ["manual"])
    out(f"status update recorded as seq {e.seq}")
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    e = _open(args).attach_runbook(args.runbook)
    out(f"attached {e.data['id']} ({e.data['title']})")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    inc = _open(args)
    inc.resolve(args.summary, args.resolution, args.rollback, type=args.inc_type,
                affected_repos=args.affected_repos)
    st = inc.state
    out(f"{inc.id} resolved after {format_duration(st.elapsed(_now()).total_seconds())}")
    running = st.running_steps()
    if running:
        names = ", ".join(str(s.step or s.step_id) for s in running)
        print(f"warning: step(s) {names} still running", file=sys.stderr)
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    inc = _open(args)
    inc.reopen(args.reason)
    out(f"{inc.id} reopened")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    inc = _open(args)
    if args.stdout:
        sys.stdout.write(inc.render(args.template))
        return 0
    result = inc.export(args.template, out_dir=args.out, log=not args.no_log)
    for line in result.message().splitlines():
        print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    _, store = _store(args)
    inc = store.open(args.id)
    result = inc.verify()
    if result.ok:
        last = result.events[-1].seq if result.events else 0
        torn = f"; {result.describe()[0]}" if result.torn else ""
        out(f"{inc.id}: ok, {len(result.events)} events, hash chain intact up to seq {last}{torn}")
        return 0
    for issue in result.issues:
        out(f"{inc.journal.path}: {issue}")
    for note in result.describe()[len(result.issues):]:
        out(f"{inc.journal.path}: {note}")
    valid = result.events[-1].seq if result.events else 0
    out(f"{inc.id}: journal damaged; {len(result.issues)} problem(s); valid up to seq {valid}")
    return 1


