"""``warroom incident ...``: the whole incident lifecycle from the shell, no terminal UI needed.

Every subcommand opens the incident fresh from its journal, does one thing (one journal append
at most, except ``run``, whose supervisor journals the step's start and end) and exits, so a
script, a cron job or a human after a dropped SSH session can pick up at any point.

This module holds the parser and the one-append subcommands; ``show``/``list`` are
:mod:`warroom.cli.incident_show`, ``run`` :mod:`warroom.cli.incident_run`, and the shared argument
readers :mod:`warroom.cli.incident_args`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.cli import incident_follow, incident_people
from warroom.cli.common import imports_unswept, out
from warroom.cli.incident_args import _open, _open_in_state_or_drills, _store, parse_when
from warroom.cli.incident_metrics import sync
from warroom import scenario_time
from warroom.errors import WarroomError
from warroom.journal import events as ev
from warroom.input_files import read_text_input
from warroom.paths import command, store_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from warroom.incident.concern_reading import ConcernReading


def _later(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``module.name``, imported when its subcommand runs: ``show``, ``run`` and ``decide`` load the
    progress, gate and decision readers (a drill's world among them), which a ``note`` or a ``tick`` never needs,
    and every ``warroom incident`` process builds the whole parser (a fifth of a second each, hundreds a suite)."""
    def handler(args: argparse.Namespace) -> int:
        with imports_unswept():
            loaded = importlib.import_module(module)
        return int(getattr(loaded, name)(args) or 0)

    handler.__name__ = handler.__qualname__ = name
    return handler


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
    sp.add_argument("--title", help="what is seen (required; with --drill: the scenario's symptom)")
    sp.add_argument("--severity", type=_severity, metavar="{P1,P2,P3,P4}",
                    help="required; with --drill: the --runbook's, else the scenario's")
    sp.add_argument("--runbook", metavar="REF", help="runbook id (RB-CORE-003) or markdown file (with --drill:"
                                                     " the scenario's)")
    sp.add_argument("--commander", help="incident commander, a person (default: config incident.commander,"
                                        " else your login name)")
    sp.add_argument("--drill", metavar="SCENARIO", help="declare it on a new drill of this scenario (its commands"
                                                        " reach only the drill's stand-ins)")
    sp.add_argument("--speed", type=float, default=1.0, help="the drill's speed (with --drill)")

    incident_people.register(add)

    sp = add("draft-update", "print a stakeholder update drafted from the journal (Conditions / Actions /"
             " Needs); record it with `incident update`", cmd_draft_update)
    sp.add_argument("id")

    sp = add("drill-report", "a drill incident's end-of-drill report: response times in drill time, what each"
             " action changed, what was missed, the runbook's path", cmd_drill_report)
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true", help="the report as JSON")

    sp = add("list", "incidents, oldest first", _later("warroom.cli.incident_show", "cmd_list"))
    sp.add_argument("--open", action="store_true", help="only incidents not resolved")
    sp.add_argument("--json", action="store_true")

    sp = add("show", "one incident: status, steps, notes, response times, timeline",
             _later("warroom.cli.incident_show", "cmd_show"))
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true", help="machine-readable state")

    sp = add("run", "run a runbook step (output streams to stdout)", _later("warroom.cli.incident_run", "cmd_run"))
    sp.add_argument("id")
    sp.add_argument("step", help="step number, id or label")
    sp.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    sp.add_argument("--param-env", action="append", default=[], metavar="NAME=ENVVAR",
                    help="take a parameter's value from an environment variable: a secret typed on"
                         " the command line is visible to every user in `ps`, one in the environment"
                         " is not")
    sp.add_argument("--yes", action="store_true", help="confirm a step that changes things")
    sp.add_argument("--dry-run", action="store_true", help="record the exact command without running it")
    sp.add_argument("--no-wait", action="store_true",
                    help="open the step's verify gate but do not wait for it (the dashboard or a later"
                         " run settles it)")
    sp.add_argument("--runbook", metavar="ID", help="a step of this open runbook (one a GO opened beside the"
                                                    " current one); default: the current runbook")

    sp = add("tick", "mark a step done by hand", cmd_tick)
    sp.add_argument("id")
    sp.add_argument("step")
    sp.add_argument("--runbook", metavar="ID", help="a step of this open runbook (one a GO opened beside the"
                                                    " current one); default: the current runbook")
    sp = add("untick", "undo a tick", cmd_untick)
    sp.add_argument("id")
    sp.add_argument("step")
    sp.add_argument("--runbook", metavar="ID", help="a step of this open runbook (one a GO opened beside the"
                                                    " current one); default: the current runbook")

    sp = add("skip", "skip a step, with the reason", cmd_skip)
    sp.add_argument("id")
    sp.add_argument("step")
    sp.add_argument("--reason", required=True)
    sp.add_argument("--runbook", metavar="ID", help="a step of this open runbook (one a GO opened beside the"
                                                    " current one); default: the current runbook")

    sp = add("note", "add a tagged note (root cause, went well/wrong, action item, lesson, ...)", cmd_note)
    sp.add_argument("id")
    sp.add_argument("--tag", required=True, choices=ev.NOTE_TAGS)
    sp.add_argument("--owner", help="action items: who owns it")
    sp.add_argument("--due", help="action items: when it is due")
    sp.add_argument("text", nargs="+")

    sp = add("severity", "change the severity", cmd_severity)
    sp.add_argument("id")
    sp.add_argument("severity", type=_severity, metavar="{P1,P2,P3,P4}")
    sp.add_argument("--reason", default="")

    sp = add("status", "set the status (investigating, identified, mitigating, mitigated, monitoring)", cmd_status)
    sp.add_argument("id")
    sp.add_argument("status", choices=[s for s in ev.STATUSES if s != "resolved"])
    sp.add_argument("--reason", default="", help="what you saw (goes on the timeline)")

    sp = add("mark", "mark a response-time milestone (default now; --at to back-date)", cmd_mark)
    sp.add_argument("id")
    sp.add_argument("phase", choices=ev.PHASES)
    sp.add_argument("--at", help="ISO time, HH:MM (UTC, today), '10m ago' or -10m; never in the future")
    sp.add_argument("--reason", default="")

    sp = add("timeline", "add a timeline entry by hand", cmd_timeline)
    sp.add_argument("id")
    sp.add_argument("text", nargs="+")
    sp.add_argument("--at", help="ISO time, HH:MM (UTC, today), '10m ago' or -10m; never in the future")

    sp = add("correct", "correct the text of an earlier timeline entry (by its seq)", cmd_correct)
    sp.add_argument("id")
    sp.add_argument("seq", type=int)
    sp.add_argument("text", nargs="+")

    sp = add("update", "record a stakeholder status update you sent (use \\n or a file for line breaks)",
             cmd_update)
    sp.add_argument("id")
    sp.add_argument("text", nargs="*")
    sp.add_argument("--file", metavar="PATH", help="read the update from a file ('-' for stdin), line breaks kept")
    sp.add_argument("--post", action="store_true", help="post it to the configured webhook (recorded as posted"
                                                       " only when the webhook answers ok)")

    sp = add("attach", "attach (or replace) the incident's runbook", cmd_attach)
    sp.add_argument("id")
    sp.add_argument("runbook", metavar="REF")

    sp = add("close-runbook", "close a runbook a GO opened beside the current one (the GO was reversed, or it"
             " was opened by mistake): its steps stay on record, nothing more is done in it", cmd_close_runbook)
    sp.add_argument("id")
    sp.add_argument("runbook", metavar="RUNBOOK", nargs="?",
                    help="the runbook open beside the current one (RB-LAUNCH-002); default: the only one open beside")
    sp.add_argument("--reason", required=True, help="why it is closed (the timeline, the brief and the PIR say it)")

    sp = add("resolve", "resolve the incident", cmd_resolve)
    sp.add_argument("id")
    sp.add_argument("--summary", required=True)
    sp.add_argument("--resolution", help="what fixed it (not given: not said; the PIR asks a human)")
    sp.add_argument("--rollback", action=argparse.BooleanOptionalAction, default=None,
                    help="a rollback was (--rollback) or was not (--no-rollback) part of the fix; required"
                         " when a GO opened a runbook (the GO alone does not say the rollback happened);"
                         " otherwise, left out, it is not said (never a 'no'), and a rollback step that ran"
                         " ok is named")
    sp.add_argument("--type", dest="inc_type", help="incident type for the incident log")
    sp.add_argument("--affected-repos", "--affected", dest="affected_repos",
                    help="affected repos / services for the incident log and the PIR")
    sp.add_argument("--yes", action="store_true",
                    help="resolve even with panes still breached or worsening, or failed expectations"
                         " (they are listed and journaled with the resolution)")

    sp = add("reopen", "reopen a resolved incident", cmd_reopen)
    sp.add_argument("id")
    sp.add_argument("--reason", required=True)

    sp = add("export", "write the PIR draft and append the incident-log row", cmd_export)
    sp.add_argument("id")
    sp.add_argument("--template", default="pir", help="pir | rca | postmortem | your own (name or .j2 path)")
    sp.add_argument("--out", metavar="DIR", help="directory to write to (default: the incident dir)")
    sp.add_argument("--no-log", action="store_true", help="do not append to the incident log")
    sp.add_argument("--stdout", action="store_true", help="print the draft instead of writing files")

    sp = add("verify", "check the journal: chain, signed checkpoints, witness, recorded heads;"
                       " says what is proven and what is not", cmd_verify)
    sp.add_argument("id")

    sp = add("share", "move a local incident into the shared store (PostgreSQL) with its hash chain"
                      " intact; the local copy becomes read-only", cmd_share)
    sp.add_argument("id")

    sp = add("decide", "a runbook's Go/No-Go decision: each criterion evaluated; --go/--no-go records it",
             _later("warroom.cli.incident_decide", "cmd_decide"))
    sp.add_argument("id")
    sp.add_argument("decision", nargs="?", help="decision id (default: the only one, or the first open one)")
    verdict = sp.add_mutually_exclusive_group()
    verdict.add_argument("--go", dest="verdict", action="store_const", const="GO")
    verdict.add_argument("--no-go", dest="verdict", action="store_const", const="NO-GO")
    sp.add_argument("--why", default="", help="the reason (required with --go/--no-go)")
    sp.add_argument("--by", help="who decided (default: config incident.commander, else your login)")
    sp.add_argument("--json", action="store_true")
    incident_follow.register(add)

    sp = add("repair", "set a damaged journal's damage aside (a copy is kept, the repair journaled);"
                       " no acknowledged event is lost", cmd_repair)
    sp.add_argument("id")


def _severity(text: str) -> str:
    value = text.strip().upper()
    if value not in ev.SEVERITIES:
        raise argparse.ArgumentTypeError(f"invalid severity {text!r} (choose from {', '.join(ev.SEVERITIES)})")
    return value


def _runbook_severity(ref: str, cfg: Any) -> str | None:
    """The severity the runbook ``ref`` names (None when it names none), as the declare dialog offers
    it when that runbook is picked (``runbook_severity``); a bad ref raises as declaring on it would."""
    from warroom.incident.runbook_ref import resolve_ref
    from warroom.runbook.parser import load_runbook

    return (load_runbook(resolve_ref(ref, cfg)).severity or "").upper() or None


def cmd_new(args: argparse.Namespace) -> int:
    cfg, store = _store(args)
    from warroom.incident.observer_seat import require_writer

    require_writer(cfg, None, "declare an incident")     # before a drill is made for it
    drill = source = declared = None
    title, severity, runbook = args.title, args.severity, args.runbook
    if not args.drill and not (title and severity):
        raise WarroomError("incident new: --title and --severity are required (a --drill pre-fills them)")
    if args.drill:
        from pathlib import Path

        from warroom.drill.directory import create_drill
        from warroom.drill.scenarios import get_scenario

        from warroom.scenario_time import check_drill_speed

        check_drill_speed(args.speed, "--speed")
        sc = get_scenario(args.drill)     # as the dashboard declares: the symptom (never the cause), its runbook
        cfg.as_drill(runbook=sc.runbook, severity=sc.severity)   # the world's own panes, as the dashboard's
        if runbook and not severity:      # a runbook picked offers its severity, as the declare dialog does:
            severity = _runbook_severity(runbook, cfg)     # the scenario's is its own runbook's
        title, severity, runbook = title or sc.symptom, severity or sc.severity, runbook or sc.runbook
        from warroom.incident.drill_report import declared_source

        from warroom.paths import drills_store

        d = create_drill(drills_store(cfg.state_dir()), args.drill, args.speed)   # where `warroom drill` looks
        drill = {"scenario": args.drill, "speed": d.speed, "dir": str(d.path)}
        # Declared, so detected, at the drill's start (its scenario time 0), impact from its pane's
        # crossing, as the scenario tells it: one act, one instant. The time this command takes to
        # write it (an hour of drill time per wall second at x3600) is neither detection delay nor a
        # gap between detection and declaration (elapsed + "update in" would exceed the cadence: cycle-4).
        source = declared_source(d, {"kind": "manual"}, cfg.slo, at=d.start)
        # The world declared_source integrated goes to the drill's cache file, as a stand-in's or
        # the dashboard's does: sync() below opens the drill anew and reads it instead of
        # integrating the same two hours again (a third of this command's CPU).
        d.simulator.save_cache()
        declared = datetime.fromtimestamp(d.start, UTC)
    inc = store.create(title=title, severity=severity, runbook=runbook, commander=args.commander, drill=drill,
                       source=source, at=declared)
    if args.drill:
        # The drill knows its incident, as a dashboard drill does: resolving it finishes the drill,
        # so the next `warroom drill` starts the scenario over instead of this mitigated world.
        d.attach_incident(inc.id, inc.shared_where)
    sync(inc)
    out(inc.id)
    if args.drill:      # the id alone on stdout (scripts read it); where the drill's tools are, on stderr
        from warroom.cli.common import drill_shell_hint

        out(drill_shell_hint(inc.id, cfg.state_dir()), sys.stderr)
    return 0


def cmd_draft_update(args: argparse.Namespace) -> int:
    from warroom.incident.cadence import draft_update

    inc = _open(args)
    sync(inc)
    from warroom.cli.incident_metrics import panes_now

    from warroom.incident.marks import step_sections

    readings, gates = panes_now(inc)
    try:
        sections = step_sections(inc.open_runbooks())
    except WarroomError:         # a runbook copy that cannot be read: its runs are called as before (show says why)
        sections = None
    out(draft_update(inc.state, inc.clock(), inc.update_every(), readings, gates, sections))
    return 0


def cmd_drill_report(args: argparse.Namespace) -> int:
    from warroom.incident.drill_report import drill_report, report_lines
    from warroom.journal import numbers

    inc = _open(args)
    if not inc.state.drill:
        raise WarroomError(f"{inc.id} is not a drill incident: the drill report is for drills")
    drill = inc.open_drill()
    from warroom.incident.live import LiveIncident

    live = LiveIncident(inc)
    try:     # the path is the scenario's own runbook's, as the dashboard's report (a GO may have
        snap = live.snapshot()   # opened another one since: its steps are not the scenario's)
    finally:
        live.close()
    book = snap.runbook_by_id(drill.scenario.runbook) or snap.runbook
    report = drill_report(drill, snap.state, at=inc.clock().timestamp(), slos=inc.config.slo, runbook=book,
                          runbook_of=snap.runbook_by_id, config=inc.config)     # what a GO opened, and its decisions
    out(numbers.dumps(report.to_dict(), indent=2, default=str) if args.json else "\n".join(report_lines(report)))
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    inc = _open(args)
    e = inc.tick(args.step, args.runbook)
    out(f"ticked {_name(inc, e)} ({e.data['label']})")
    return 0


def cmd_untick(args: argparse.Namespace) -> int:
    inc = _open(args)
    e = inc.untick(args.step, args.runbook)
    out(f"unticked {_name(inc, e)} ({e.data['label']})")
    return 0


def cmd_skip(args: argparse.Namespace) -> int:
    inc = _open(args)
    e = inc.skip(args.step, args.reason, args.runbook)
    out(f"skipped {_name(inc, e)} ({e.data['label']}): {e.data['reason']}")
    return 0


def _name(inc: Any, e: Any) -> str:
    """The journaled step as every screen names it (``IncidentState.step_name``)."""
    return str(inc.state.step_name(str(e.data.get("runbook_id") or ""), e.data["step"]))



def cmd_note(args: argparse.Namespace) -> int:
    e = _open(args).note(args.tag, " ".join(args.text), owner=args.owner, due=args.due)
    out(f"noted ({args.tag}) as seq {e.seq}")
    return 0


def cmd_severity(args: argparse.Namespace) -> int:
    e = _open(args).set_severity(args.severity, args.reason)
    out(f"severity {e.data['from']} -> {e.data['to']}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    e = _open(args).set_status(args.status, args.reason)
    out(f"status {e.data['from']} -> {e.data['to']}")
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    inc = _open(args)
    at = parse_when(args.at, inc.clock(), scale=inc.state.time_scale) if args.at is not None else None
    e = inc.mark_phase(args.phase, at, args.reason)
    out(f"marked {args.phase} at {e.data['at']}")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    inc = _open(args)
    at = parse_when(args.at, inc.clock(), scale=inc.state.time_scale) if args.at is not None else None
    e = inc.add_timeline(" ".join(args.text), at)
    out(f"timeline entry seq {e.seq} at {e.data['at']}")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    e = _open(args).correct_timeline(args.seq, " ".join(args.text))
    out(f"corrected seq {args.seq} (correction is seq {e.seq})")
    return 0


MAX_UPDATE_CHARS = 1024 * 1024  # a stakeholder update is a few paragraphs


def cmd_update(args: argparse.Namespace) -> int:
    if args.file:
        if args.file == "-":
            text = sys.stdin.read(MAX_UPDATE_CHARS + 1)
            if len(text) > MAX_UPDATE_CHARS:
                raise WarroomError(f"stdin: a status update is more than {MAX_UPDATE_CHARS} characters")
        else:
            text = read_text_input(args.file, "status update", MAX_UPDATE_CHARS)
    else:
        text = " ".join(args.text).replace("\\n", "\n")
    if not text.strip():
        raise WarroomError("a status update needs some text (or --file)")
    inc = _open(args)
    from warroom.incident.cadence import drill_marked

    text = drill_marked(inc.state, text)      # a drill's update never goes out as a real one
    from warroom.incident.observer_seat import require_writer

    require_writer(inc.config, inc.id, "record a stakeholder update")    # before the webhook posts it
    if args.post:
        from warroom.sources.webhooks import post_status_update, webhook_enabled

        if not webhook_enabled(inc.config.webhook):
            raise WarroomError("--post: no webhook configured (set url or url_env under [webhook])")
        webhook = post_status_update(inc.config.webhook, text).journal()
        e = inc.record_status_update(text, ["webhook"], webhook=webhook)
    else:
        e = inc.record_status_update(text, ["manual"], delivery="recorded")
    out(f"status update {e.data['delivery'].replace('_', ' ')} as seq {e.seq}")
    return 0 if e.data["delivery"] != "post_failed" else 1


def cmd_attach(args: argparse.Namespace) -> int:
    e = _open(args).attach_runbook(args.runbook)
    out(f"attached {e.data['id']} ({e.data['title']})")
    return 0


def cmd_close_runbook(args: argparse.Namespace) -> int:
    inc = _open(args)
    e = inc.close_runbook(args.runbook, args.reason)
    from warroom.incident.closing import closure_of

    shut = closure_of(inc.state, e.data["id"])
    gone = f"; approval {', '.join(shut.withdrawn)} withdrawn" if shut is not None and shut.withdrawn else ""
    told = f"{shut.line()}{gone}" if shut is not None else f"{e.data['id']} closed"
    out(f"{told} (seq {e.seq}); the incident follows {e.data.get('beside') or 'its runbook'}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    inc = _open(args)
    from warroom.incident.observer_seat import require_writer

    require_writer(inc.config, inc.id, "resolve it")     # before the gates are settled and the panes read
    if inc.state.resolved:   # the same refusal as the service, before any question is asked
        inc.resolve(args.summary)
    from warroom.cli.incident_run import settle_ended_gates

    settle_ended_gates(inc)
    from warroom.incident.concern_reading import said_at, unseen

    sync(inc)
    shown = concerns_now(inc)
    fresh = None
    if shown.concerns:
        print(f"Before resolving, note (read at {said_at(shown.at)}):", file=sys.stderr)
        for c in shown.concerns:
            print(f"  - {c}", file=sys.stderr)
        if not args.yes:
            if not sys.stdin.isatty():
                raise WarroomError("not resolved: answer these first, or pass --yes to resolve anyway"
                                   " (they are journaled with the resolution)")
            answer = input("Resolve anyway? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                out("not resolved")
                return 1
            # the answer took its time (minutes of drill time at x60): resolved now, with what was shown
            # as acknowledged and what a read now finds that was not shown beside it (concern_reading)
            fresh = concerns_now(inc)
            for c in unseen(shown, fresh):
                print(f"note: read again at {said_at(fresh.at)}, not shown above (journaled beside): {c}",
                      file=sys.stderr)
    if args.rollback is None:   # not said: kept so (the PIR asks a human); the journal's rollback step is named
        from warroom.incident.go_opened import rollback_steps

        ran = rollback_steps(inc.state)
        if ran and not inc.go_opened():
            print(f"note: a rollback step ran ok: {'; '.join(ran)}. Whether a rollback was part of the fix is"
                  " not said: the PIR asks a human (--rollback or --no-rollback says it)", file=sys.stderr)
    inc.resolve(args.summary, args.resolution, args.rollback, type=args.inc_type,
                affected_repos=args.affected_repos, confirmed=shown, fresh=fresh, at=(fresh or shown).at)
    sync(inc, summary=True, quiet=True)
    st = inc.state
    out(f"{inc.id} resolved after {scenario_time.text(st, st.elapsed(inc.clock()))}")
    running = st.running_steps()
    if running:
        names = ", ".join(str(s.step or s.step_id) for s in running)
        print(f"warning: step(s) {names} still running", file=sys.stderr)
    saved, why = save_history(inc)
    if saved is not None:
        from warroom.incident.history import replay_command

        rehearsed = (inc.state.drill or {}).get("recording")     # a rehearsal replays what it rehearsed
        out(f"metrics of the incident window saved to {saved} (`{replay_command(inc.dir)}` replays them)"
            if not rehearsed else f"metrics of the incident window saved to {saved} (a rehearsal of"
            f" {inc.state.drill.get('replay')}: `{replay_command(str(rehearsed))}` replays that incident)")
    else:
        print(f"warning: the incident's metrics were not saved: {why}", file=sys.stderr)
    return 0


def concerns_now(inc: Any) -> ConcernReading:
    """The resolve's concerns read now, on the journal's millisecond (``Incident.read_concerns``, as
    the dashboard's Resolve dialog reads them), so the resolution stamped with that moment
    (``resolve(at=)``) journals "still critical (437s)" where the PIR's "At resolution", read at the
    stamp, says 437s. A source that cannot be opened or errs is said as a concern, never as an
    all-clear. No deadline beyond each query's own timeout: a command waits, and its source is
    closed only once nothing reads it."""
    from warroom.incident.concern_reading import unread_reading
    from warroom.incident.live import metric_source_for

    now = datetime.fromtimestamp(round(inc.clock().timestamp(), 3), UTC)
    try:
        source, speed = metric_source_for(inc)
    except (WarroomError, OSError) as exc:
        return unread_reading(inc.state, now, str(exc), inc.config)
    try:
        return inc.read_concerns(source, now, speed=speed)
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()


def save_history(inc: Any) -> tuple[Any, str]:
    """Keep the panes' curves over the incident window in its directory (for replay and review);
    a source that cannot answer leaves the resolve done and says why."""
    from warroom.incident.history import record_history, runbooks_of
    from warroom.incident.live import metric_source_for
    from warroom.sources.prom_results import QueryError

    try:
        source, _speed = metric_source_for(inc)
        if source is None:
            return None, "no metric source configured"
        try:
            return record_history(inc.dir, inc.state, inc.config.slo, source, runbooks=runbooks_of(inc)), ""
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()
    except (WarroomError, QueryError, ValueError, OSError) as exc:
        return None, str(exc)


def cmd_reopen(args: argparse.Namespace) -> int:
    inc = _open(args)
    inc.reopen(args.reason)
    out(f"{inc.id} reopened")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    inc = _open(args)
    from warroom.incident.observer_seat import observer, require_writer

    if not args.stdout:      # before the metric history is read and saved
        require_writer(inc.config, inc.id, "export the PIR (`--stdout` prints the draft)")
    if inc.summary_stale():
        sync(inc, summary=True)
    from warroom.incident.history import behind

    if inc.state.resolved and behind(inc.dir, inc.state) and not observer(inc.config):
        # not saved at (the last) resolve (the metric source did not answer then): the window, now
        saved, why = save_history(inc)
        print(f"metrics of the incident window saved to {saved}" if saved is not None
              else f"warning: the incident's metrics are still not saved: {why}", file=sys.stderr)
    if args.stdout:
        sys.stdout.write(inc.render(args.template))
        return 0
    result = inc.export(args.template, out_dir=args.out, log=not args.no_log)
    for line in result.message().splitlines():
        print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
    return 0


def cmd_share(args: argparse.Namespace) -> int:
    """Copy a local incident into the shared store, line for line; then verify it there."""
    from warroom.cli.common import config_from_args
    from warroom.incident.store import IncidentStore

    cfg = config_from_args(args)
    local = IncidentStore(cfg.state_dir(), cfg, local=True)
    shared = IncidentStore(cfg.state_dir(), cfg)
    result = local.share(args.id, shared)
    proof = shared.open(result.incident).verify()
    seq, h = result.head
    where = shared.where
    again = f" ({result.already} were already there)" if result.already else ""
    out(f"{result.incident}: {result.copied} lines copied into {where}{again}, chain intact up to"
        f" #{seq} sha256:{h}")
    for name in result.files:
        out(f"  runbook snapshot {name} kept in the store for every host")
    out(proof.summary(result.incident))
    out(f"the local copy is now read-only: work on {result.incident} with the shared store")
    return 0 if proof.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:
    """What the journal's records prove, what they cannot, and every problem (exit 1 if any). A
    dashboard drill's incident is found by its id alone, as every other command finds it."""
    cfg, store = _store(args)
    inc = _open_in_state_or_drills(cfg, store, args.id)
    result = inc.verify()
    where = f"shared store {inc.journal.where}" if inc.shared else str(inc.journal.path)
    for issue in result.issues:
        out(f"{where}: {issue}")
    for line in result.proved:
        out(f"proved: {line}")
    for line in result.unproved:
        out(f"not proved: {line}")
    out(result.summary(inc.id))
    if not result.ok and not inc.shared:
        out(f"(`{command('incident', 'repair', inc.id, *store_option(inc.dir))}` keeps a copy, sets the damage aside"
            " and records it)")
    return 0 if result.ok else 1


def cmd_repair(args: argparse.Namespace) -> int:
    cfg, store = _store(args)
    inc = _open_in_state_or_drills(cfg, store, args.id)
    report = inc.repair()
    out(report.message(inc.id))
    return 0
