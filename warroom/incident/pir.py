"""The post-incident review draft: Jinja2 templates filled from the incident state.

Shipped templates (``runbooks/templates/*.md.j2``): ``pir`` (the training module's PIR),
``rca`` (the mass-failure root-cause analysis) and ``postmortem`` (the response appendix's
postmortem). Templates in ``[incident].templates_dir`` are searched first, so a team can override
one or add its own; a name can also be a path to a ``.j2`` file.

Templates are rendered with ``StrictUndefined``: a misspelt variable is an error naming the
template file and line, never a silently empty section. The context is built by
``pir_context()``; every field a template can use is documented there.

Exporting never loses hand edits: ``<name>.md`` is only overwritten when it still has the exact
content we wrote last time (its sha256 is kept in ``<name>.exported``); otherwise the new draft
goes to ``<name>.N.md`` and the result says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from warroom.durations import format_duration
from warroom.errors import ConfigError, NotFoundError, WarroomError
from warroom.incident import csvlog
from warroom.incident import events as ev
from warroom.incident.state import PHASE_LABELS, EvidenceSample, IncidentState
from warroom.incident.store import write_private_file
from warroom.paths import expand, shipped_templates_dir

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.journal import Event
    from warroom.incident.session import Incident

SUFFIX = ".md.j2"
Record = SimpleNamespace
SHIPPED = ("pir", "rca", "postmortem")


class TemplateError(WarroomError):
    """A template that does not exist or does not render; the message names file and line."""


# ---------------------------------------------------------------------------------- time zones


def local_zone(config: Config | None) -> tzinfo:
    """The zone named next to UTC: ``incident.timezone``, else $TZ, else the machine's."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = config.incident.timezone if config is not None else None
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            where = config.source if config is not None and config.source else "config"
            raise ConfigError(f"{where}: incident.timezone: unknown time zone {name!r}"
                              " (expected an IANA name like \"Europe/Berlin\")") from None
    for candidate in (os.environ.get("TZ", "").lstrip(":"), _etc_localtime_name()):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    local = datetime.now(UTC).astimezone().tzinfo
    return local or UTC


def _etc_localtime_name() -> str | None:
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def zone_name(zone: tzinfo, at: datetime | None = None) -> str:
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    return (at or datetime.now(UTC)).astimezone(zone).tzname() or "local"


# ---------------------------------------------------------------------------------- formatting


def fmt_value(value: float | None, unit: str | None) -> str:
    if value is None:
        return "n/a"
    if unit == "percent":
        return f"{value:.3g}%"
    if unit == "seconds":
        return f"{value:.4g}s"
    if unit == "bytes":
        return f"{value:.4g} B"
    return f"{value:.4g}"


def fmt_minutes(minutes: float | None) -> str:
    if minutes is None:
        return "n/a"
    return f"{minutes:.1f} min"


def md_cell(value: Any) -> str:
    """Text safe inside a markdown table cell: pipes escaped, newlines turned into <br>."""
    text = "" if value is None else str(value)
    if "|" not in text and "\n" not in text and "\\" not in text:
        return text  # the common case, thousands of times per draft
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")


def md_inline(value: Any) -> str:
    """Text on one markdown line (bullets): newlines folded into spaces."""
    text = "" if value is None else str(value)
    return " ".join(text.split())


def md_code(value: Any) -> str:
    """An inline code span that survives backticks and pipes inside the command."""
    text = md_inline(value).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ---------------------------------------------------------------------------------- context


def _evidence_rows(state: IncidentState, config: Config | None) -> list[dict[str, Any]]:
    phases = state.phases
    detected = phases.get("detected")
    resolved = phases.get("resolved")
    rows = []
    for slo_id, samples in state.evidence_by_slo().items():
        slo = config.slo_by_id(slo_id) if config is not None else None
        below = slo is not None and slo.direction == "below"
        valued = [s for s in samples if s.value is not None]
        unit = next((s.unit for s in samples if s.unit), None) or (slo.unit if slo else None)

        def nearest(at: datetime | None, pool: list[EvidenceSample] = valued) -> EvidenceSample | None:
            if at is None or not pool:
                return None
            return min(pool, key=lambda s: (abs((s.at - at).total_seconds()), s.seq))

        worst = (min if below else max)(valued, key=lambda s: s.value or 0.0) if valued else None
        at_det = nearest(detected) if detected else (valued[0] if valued else None)
        at_res = nearest(resolved) if resolved else None
        rows.append({
            "slo_id": slo_id, "title": slo.title if slo else slo_id, "unit": unit,
            "threshold": fmt_value(slo.crit, unit) if slo and slo.crit is not None else "n/a",
            "at_detection": fmt_value(at_det.value if at_det else None, unit),
            "worst": fmt_value(worst.value if worst else None, unit),
            "worst_at": worst.at if worst else None,
            "at_resolution": fmt_value(at_res.value if at_res else None, unit),
            "samples": len(samples),
        })
    return rows


def _run_evidence(st: Any, run: Any, config: Config | None) -> str:
    """``quota 92% → 58%``: the SLO values before and after a step run, formatted the way the
    timeline shows them (the sources engine picks the panes worth naming). Empty when none."""
    if not run.evidence_before and not run.evidence_after:
        return ""
    try:
        from warroom.sources.evidence import StepEvidence, format_evidence
    except ImportError:
        return ""
    from warroom.config import default_slos

    slos = config.slo if config is not None else default_slos()
    item = StepEvidence(step=st.step, step_id=st.step_id, label="-", command=run.command,
                        started_at=None, ended_at=None, before=run.evidence_before,
                        after=tuple(sorted(run.evidence_after.items())))
    text = format_evidence(item, slos)
    return text.split(" → ", 1)[1] if " → " in text else ""


def pir_context(state: IncidentState, config: Config | None, now: datetime,
                runbook_steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything a PIR template can use (all times are aware datetimes in UTC).

    ``incident``: id, title, severity, status, commander, runbook {id, title} or None, drill,
    declared_at, resolved_at, resolved (bool), date (YYYY-MM-DD), start, end, duration (text),
    duration_min (int), summary, resolution, rollback (bool), type, affected_repos.
    ``zone``: the local zone's name. ``timeline``: entries {at, text, actor, kind, corrected}.
    ``milestones``: {key, label, at} for every phase reached. ``notes``: tag -> [{text, actor, at,
    owner, due}], plus shortcuts root_cause, impact, went_well, went_wrong, actions, lessons,
    contributing, prevention, info. ``response``: {label, target_min, minutes, at, met, text}.
    ``evidence``: per pane {title, slo_id, unit, threshold, at_detection, worst, at_resolution}.
    ``commands``: {step, label, actor, started_at, duration, status, exit_code, expect, expect_met,
    command, output, evidence (SLO values before -> after, text)}. ``skipped`` / ``failed`` / ``not_done`` steps, ``dry_runs``, ``refusals``,
    ``status_updates``, ``severity_changes``, ``alerts``, ``journal_issues`` (warnings to print),
    ``last_seq``. Filters: utc, hhmm, local, dur, minutes, cell, inline, code, value, yesno,
    sentence.
    """
    phases = state.phases
    res = state.resolution or {}
    start = state.clock_start
    end = phases.get("resolved")
    notes: dict[str, list[dict[str, Any]]] = {tag: [] for tag in ev.NOTE_TAGS}
    for n in state.notes:
        notes.setdefault(n.tag, []).append({"text": n.text, "actor": n.actor, "at": n.at,
                                            "owner": n.owner, "due": n.due, "seq": n.seq})
    commands = []
    for st, run in state.commands_run():
        commands.append(Record(
            step=st.step if st.step is not None else st.step_id, label=st.label, actor=run.actor,
            started_at=run.started_at, ended_at=run.ended_at, duration=run.duration,
            status=run.status, exit_code=run.exit_code, expect=run.expect,
            expect_met=run.expect_met, command=run.command or "", output=run.output,
            mutating=run.mutating, target=run.target, evidence=_run_evidence(st, run, config),
        ))
    steps = state.step_list()
    skipped = [{"step": s.step, "label": s.label, "reason": s.skipped_reason, "at": s.skipped_at}
               for s in steps if s.status == "skipped"]
    failed = [{"step": s.step, "label": s.label, "status": s.status, "exit_code": s.exit_code,
               "attempts": s.attempts}
              for s in steps if s.status in ("failed", "timed_out", "cancelled", "interrupted")]
    not_done = [r for r in (runbook_steps or [])
                if (state.steps.get(r["step_id"]) is None or state.steps[r["step_id"]].status == "pending")]
    response = []
    for r in state.response_times():
        if r.minutes is None:
            text = "not reached" if r.at is None else "not measured (start unknown)"
        else:
            text = "met" if r.met else "missed"
        response.append({"key": r.key, "label": r.label, "target_min": r.target_min, "at": r.at,
                         "minutes": r.minutes, "met": r.met, "text": text,
                         "measured_from": PHASE_LABELS.get(r.measured_from, r.measured_from)})
    # Records of the two long lists are namespaces, not dicts: Jinja resolves ``row.at`` on them
    # in one lookup, which keeps a 10,000-event timeline's render well under a second.
    timeline = [Record(at=t.at, text=t.text, actor=t.actor, kind=t.kind, corrected=t.original is not None,
                       step=t.step, seq=t.seq)
                for t in state.sorted_timeline()]
    dry_runs = [{"step": s.step, "label": s.label, **d} for s in steps for d in s.dry_runs]
    refusals = [{"step": s.step, "label": s.label, **d} for s in steps for d in s.refusals]
    return {
        "incident": {
            "id": state.id, "title": state.title, "severity": state.severity, "status": state.status,
            "commander": state.commander, "runbook": ({"id": state.runbook.get("id"),
                                                       "title": state.runbook.get("title")}
                                                      if state.runbook else None),
            "drill": state.drill, "declared_at": state.declared_at, "resolved_at": state.resolved_at,
            "resolved": state.resolved, "date": start.strftime("%Y-%m-%d") if start else "",
            "start": start, "end": end, "duration": format_duration(state.elapsed(now).total_seconds()),
            "duration_min": round(state.duration_minutes(now)),
            "summary": res.get("summary") or "", "resolution": res.get("resolution") or "",
            "rollback": bool(res.get("rollback")), "type": res.get("type") or "",
            "affected_repos": res.get("affected_repos") or "",
        },
        "milestones": sorted(({"key": k, "label": PHASE_LABELS[k], "at": phases[k]}
                              for k in ev.PHASES if phases.get(k) is not None),
                             key=lambda m: m["at"]),
        "timeline": timeline,
        "notes": notes,
        "root_cause": notes["root-cause"], "impact": notes["impact"], "went_well": notes["went-well"],
        "went_wrong": notes["went-wrong"], "actions": notes["action"], "lessons": notes["lesson"],
        "contributing": notes["contributing"], "prevention": notes["prevention"], "info": notes["info"],
        "response": response,
        "evidence": _evidence_rows(state, config),
        "commands": commands,
        "skipped": skipped, "failed": failed, "not_done": not_done,
        "dry_runs": dry_runs, "refusals": refusals,
        "status_updates": [{"at": u.at, "text": u.text, "actor": u.actor, "channels": u.channels}
                           for u in state.status_updates],
        "severity_changes": state.severity_changes,
        "alerts": state.alerts,
        "journal_issues": list(state.journal_issues),
        "last_seq": state.last_seq,
    }


# ---------------------------------------------------------------------------------- rendering


def template_dirs(config: Config | None) -> list[Path]:
    dirs = []
    if config is not None and config.incident.templates_dir:
        dirs.append(expand(config.incident.templates_dir))
    dirs.append(shipped_templates_dir())
    return dirs


def available_templates(config: Config | None) -> list[str]:
    names: list[str] = []
    for d in template_dirs(config):
        if d.is_dir():
            for p in sorted(d.glob(f"*{SUFFIX}")):
                name = p.name[: -len(SUFFIX)]
                if name not in names and not name.startswith("_"):
                    names.append(name)
    return names


def template_basename(template: str) -> str:
    """The file stem exports are named after: ``pir`` -> pir.md, ``~/t/weekly.md.j2`` -> weekly.md."""
    name = Path(template).name
    for suffix in (SUFFIX, ".j2", ".md"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_ENVIRONMENTS: dict[tuple[tuple[str, ...], str], Any] = {}


def _environment(search: list[Path], zone: tzinfo) -> Any:
    """One Jinja environment per (template dirs, zone), kept for the process: templates are
    compiled once (Jinja re-reads a template whose file changed, so edits still show up)."""
    key = (tuple(str(d) for d in search), repr(zone))
    env = _ENVIRONMENTS.get(key)
    if env is None:
        env = _ENVIRONMENTS[key] = _new_environment(search, zone)
    return env


def _new_environment(search: list[Path], zone: tzinfo) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in search]),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True,
    )

    def utc(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S UTC") -> str:
        return _strftime(at.astimezone(UTC), fmt) if at is not None else "n/a"

    def hhmm(at: datetime | None) -> str:
        return _strftime(at.astimezone(UTC), "%H:%M") if at is not None else "--:--"

    def local(at: datetime | None, fmt: str = "%H:%M %Z") -> str:
        return _strftime(at.astimezone(zone), fmt) if at is not None else "n/a"

    def dur(seconds: float | None) -> str:
        return format_duration(seconds) if seconds is not None else "n/a"

    def yesno(value: bool | None, yes: str = "yes", no: str = "no", unknown: str = "n/a") -> str:
        return unknown if value is None else (yes if value else no)

    def sentence(text: str | None) -> str:
        body = md_inline(text)
        return body if not body or body.endswith((".", "!", "?")) else body + "."

    env.filters.update(utc=utc, hhmm=hhmm, local=local, dur=dur, minutes=fmt_minutes, cell=md_cell,
                       inline=md_inline, code=md_code, value=fmt_value, yesno=yesno, sentence=sentence)
    return env


def _strftime(at: datetime, fmt: str) -> str:
    """strftime with fast paths for the formats a timeline uses thousands of times."""
    if fmt == "%H:%M:%S":
        return f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
    if fmt == "%H:%M":
        return f"{at.hour:02d}:{at.minute:02d}"
    return at.strftime(fmt)


def _load_template(template: str, config: Config | None, zone: tzinfo) -> Any:
    import jinja2

    as_path = expand(template)
    if template.endswith(".j2") and (os.sep in template or as_path.is_file()):
        if not as_path.is_file():
            raise NotFoundError(f"{as_path}: template file not found")
        env = _environment([as_path.parent], zone)
        name = as_path.name
    else:
        search = template_dirs(config)
        env = _environment(search, zone)
        name = template if template.endswith(".j2") else template + SUFFIX
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        looked = ", ".join(str(d) for d in template_dirs(config))
        have = ", ".join(available_templates(config)) or "none"
        raise NotFoundError(f"no PIR template {template!r} (looked in {looked}); available: {have}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise TemplateError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None


def render_pir(state: IncidentState, template: str, config: Config | None, now: datetime,
               runbook_steps: list[dict[str, Any]] | None = None) -> str:
    """Render one template for this state; errors name the template file and line."""
    import jinja2

    zone = local_zone(config)
    tmpl = _load_template(template, config, zone)
    ctx = pir_context(state, config, now, runbook_steps)
    ctx["zone"] = zone_name(zone, state.clock_start)
    try:
        return tidy_markdown(str(tmpl.render(**ctx)))
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_where(exc, tmpl)}: template error: {exc}") from None
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
        raise TemplateError(f"{_where(exc, tmpl)}: template error: {type(exc).__name__}: {exc}") from None


def tidy_markdown(text: str) -> str:
    """Collapse runs of blank lines (template whitespace) outside fenced code blocks; end with one
    newline. Lets templates stay readable without fighting Jinja's whitespace rules."""
    out: list[str] = []
    fence: str | None = None
    blank = True  # drop blank lines at the very top
    for line in text.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None and not line.strip():
            if blank:
                continue
            blank = True
            out.append("")
            continue
        blank = False
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def _where(exc: BaseException, tmpl: Any) -> str:
    """file:line of the innermost template frame in the traceback (Jinja maps lines back)."""
    filename = tmpl.filename or tmpl.name
    line = getattr(exc, "lineno", None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return f"{filename}:{line}" if line else str(filename)


# ---------------------------------------------------------------------------------- export


@dataclass
class ExportResult:
    """What an export did; ``message()`` is the user-facing summary."""

    template: str
    path: Path
    sha256: str
    kept_edits: Path | None = None
    log_path: Path | None = None
    log_row: bool = False
    log_note: str = ""
    event: Event | None = None
    warnings: list[str] = field(default_factory=list)

    def message(self) -> str:
        lines = [f"wrote {self.path}"]
        if self.kept_edits is not None:
            lines.append(f"{self.kept_edits} has hand edits since the last export: left as it is;"
                         f" the new draft is {self.path.name}")
        if self.log_path is not None:
            lines.append(f"incident log {self.log_path}: {self.log_note}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_record(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def choose_target(out_dir: Path, base: str) -> tuple[Path, Path | None]:
    """Where the new draft goes: ``base.md`` unless it was hand-edited since we wrote it.

    Returns (target, edited file kept aside or None).
    """
    main = out_dir / f"{base}.md"
    if not main.exists():
        return main, None
    record = _read_record(out_dir / f"{base}.exported")
    try:
        current = _sha(main.read_bytes())
    except OSError as exc:
        raise WarroomError(f"{main}: cannot read: {exc.strerror or exc}") from None
    if record.get(main.name) == current:
        return main, None
    n = 1
    while (out_dir / f"{base}.{n}.md").exists():
        n += 1
    return out_dir / f"{base}.{n}.md", main


def incident_log_path(config: Config, state_dir: Path | None = None) -> Path:
    """``incident.incident_log``, else ``incident_log.csv`` in the state dir."""
    if config.incident.incident_log:
        return expand(config.incident.incident_log)
    return (state_dir or config.state_dir()) / "incident_log.csv"


def export_pir(inc: Incident, template: str, *, out_dir: str | Path | None, now: datetime,
               log: bool = True) -> ExportResult:
    """Render and write the draft, append the incident-log row, journal the export."""
    read = inc.read()
    state = inc.state
    warnings = list(read.describe())
    steps = _runbook_steps(inc)
    text = render_pir(state, template, inc.config, now, steps)
    data = text.encode("utf-8")
    directory = Path(expand(out_dir)) if out_dir is not None else inc.dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarroomError(f"{directory}: cannot create export directory: {exc.strerror or exc}") from None
    base = template_basename(template)
    target, kept = choose_target(directory, base)
    write_private_file(target, data)
    sha = _sha(data)
    record_path = directory / f"{base}.exported"
    record = _read_record(record_path)
    record[target.name] = sha
    write_private_file(record_path, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())
    result = ExportResult(template=template, path=target, sha256=sha, kept_edits=kept, warnings=warnings)
    if log:
        result.log_path = incident_log_path(inc.config, inc.dir.parent.parent)
        if not state.resolved:
            result.log_note = "no row written: the incident is still open (resolve it first)"
        elif csvlog.append_row(result.log_path, csvlog.row_for(state, now)):
            result.log_row = True
            result.log_note = "row appended"
        else:
            result.log_note = "this incident's row is already there, unchanged"
    if read.issues:
        warnings.append("the export was not recorded in the damaged journal")
    else:
        result.event = inc._append(ev.PIR_EXPORTED, {"template": template, "path": str(target),
                                                     "sha256": sha, "log_row": result.log_row})
    return result


def _runbook_steps(inc: Incident) -> list[dict[str, Any]] | None:
    try:
        book = inc.runbook()
    except (WarroomError, ImportError, OSError):
        return None
    if book is None:
        return None
    return [{"step": s.number, "step_id": s.id, "label": s.label, "kind": s.kind, "section": s.section}
            for s in book.steps]
