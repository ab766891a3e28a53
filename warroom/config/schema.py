"""What the configuration holds: one dataclass per ``[table]`` of the config file, with each key's
type, default and unit (a duration or a size, stored as seconds or bytes), and the built-in SLO
panes and status-page providers used when a file names none.

Every field here is a key of the config file, a public interface (scripts and other teams' configs
rely on its keys): reading a file into these classes, with its strict checks and precise errors, is
``warroom.config.loader``'s; a field marked ``internal`` is set by the program, never read from a
file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from warroom.config.slo import Severity as Severity, SloConfig as SloConfig
from warroom.config.slo import default_slos as default_slos, drill_panes as drill_panes
from warroom.paths import default_state_dir, expand


def _duration(default: float | None, doc: str = "") -> Any:
    """A field written as a duration string ("5s", "15m") and stored as seconds."""
    return field(default=default, metadata={"duration": True, "doc": doc})


def _size(default: int, doc: str = "") -> Any:
    """A field written as a size ("100MB", "1GiB", or a number of bytes) and stored as bytes."""
    return field(default=default, metadata={"size": True, "doc": doc})


@dataclass
class PrometheusConfig:
    url: str | None = None
    timeout: float = _duration(2.0)
    refresh: float = _duration(5.0)
    window: float = _duration(1800.0)
    step: float | None = _duration(None)
    stale_after: float = _duration(60.0)
    bearer_token_env: str | None = None
    username: str | None = None
    password_env: str | None = None
    ca_file: str | None = None
    verify_tls: bool = True
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class AlertsConfig:
    alertmanager_url: str | None = None
    prometheus_alerts: bool = True
    timeout: float = _duration(2.0)
    refresh: float = _duration(15.0)
    runbook_map: dict[str, str] = field(default_factory=dict)
    # Label values (any case) mapped to incident severities, over the built-in spellings
    # (critical/warning/info, page, s1..s4, P1..P4, sevN; see warroom.sources.severity).
    severity_map: dict[str, Severity] = field(default_factory=dict)
    # Labels read for an alert's severity, first present wins.
    severity_labels: list[str] = field(default_factory=lambda: ["severity", "priority"])
    # Labels ignored when telling whether two alerts are the same one (Prometheus' own
    # external_labels are found and ignored without being listed here).
    dedup_ignore_labels: list[str] = field(default_factory=list)


@dataclass
class RunbooksConfig:
    dirs: list[str] = field(default_factory=list)


@dataclass
class IncidentConfig:
    state_dir: str | None = None
    status_update_every: float = _duration(900.0)
    # Stakeholder-update cadence per severity (durations); a severity not listed uses
    # status_update_every. The seeds' default is every 15 minutes; a P1 wants them more often.
    status_update_cadence: dict[str, str] = field(
        default_factory=lambda: {"P1": "10m", "P2": "15m", "P3": "30m", "P4": "60m"})
    # How far before the declaration the metric history is searched for the breach that began it.
    breach_lookback: float = _duration(3600.0)
    commander: str | None = None
    templates_dir: str | None = None
    incident_log: str | None = None
    timezone: str | None = None

    def update_cadence(self, severity: str | None) -> tuple[float, str]:
        """Seconds between stakeholder updates for ``severity`` and the key that says so
        (``incident.status_update_cadence.P3``, or ``incident.status_update_every`` for a severity
        the table does not name). One rule: the header's countdown, the overdue journal and
        ``warroom runbooks lint`` (a runbook's written cadence) all read it, so they cannot
        disagree about what the configuration asks for."""
        from warroom.durations import parse_duration

        wanted = (severity or "").upper()
        named = [key for key in (self.status_update_cadence or {}) if key.upper() == wanted]
        if not named:
            return float(self.status_update_every), "incident.status_update_every"
        key = named[-1]     # the table is read case-blind; of two spellings the later wins
        return parse_duration(self.status_update_cadence[key]), f"incident.status_update_cadence.{key}"


@dataclass
class RolesConfig:
    # Remind the incident commander to hand over after holding the role this long (scenario time
    # in a drill). PagerDuty's guidance: about hourly, three hours at most, so more is refused.
    handoff_reminder: float = _duration(3600.0)


@dataclass
class ApprovalConfig:
    # Every mutating step at these severities needs a second person's approval (steps whose fence
    # says approval=true always do).
    severities: list[str] = field(default_factory=list)
    # An approval (and a request nobody answered) is good for this long, then it must be asked again.
    expires: float = _duration(900.0)
    # On the shared store with one database role per person: an approval counts only when
    # PostgreSQL recorded a different role for it than for its request.
    distinct_db_roles: bool = False


@dataclass
class ExecuteConfig:
    shell: str = "/bin/bash"
    timeout: float = _duration(300.0)
    kill_grace: float = _duration(5.0)
    memory_lines: int = 2000
    max_output: int = _size(100_000_000)
    evidence_after: list[str] = field(default_factory=lambda: ["5m"])
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class RedactPattern:
    name: str
    regex: str


@dataclass
class RedactionConfig:
    redact_pii: bool = False
    env_names: list[str] = field(default_factory=list)
    patterns: list[RedactPattern] = field(default_factory=list)
    # Values known to be secret that no file names (the shared store's password): redacted
    # like a secret variable's value everywhere a redactor is built from this config.
    known_secrets: dict[str, str] = field(default_factory=dict, metadata={"internal": True})


@dataclass
class KubernetesConfig:
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = "production"
    deployments: list[str] = field(default_factory=lambda: ["flowengine"])
    label_selector: str | None = None
    refresh: float = _duration(10.0)
    timeout: float = _duration(3.0)
    enabled: bool = True


@dataclass
class ProviderConfig:
    name: str
    url: str
    kind: Literal["statuspage", "google"] = "statuspage"
    runbook: str | None = None
    timeout: float = _duration(5.0)
    refresh: float = _duration(60.0)


@dataclass
class WebhookConfig:
    url: str | None = None
    url_env: str | None = None
    kind: Literal["slack", "json"] = "slack"
    timeout: float = _duration(5.0)


@dataclass
class SharedConfig:
    """``[shared]``: where a shared incident's journal lives (PostgreSQL); unset = the local file
    journal. ``--shared DSN`` and ``$WARROOM_DSN`` win over ``dsn`` (``warroom.shared.dsn``)."""

    dsn: str | None = None
    password_env: str | None = None
    connect_timeout: float = _duration(3.0)
    catch_up: float = _duration(5.0)
    presence_every: float = _duration(5.0)
    override: str | None = field(default=None, metadata={"internal": True})   # --shared DSN


@dataclass
class Config:
    """The whole configuration; ``source`` is the file it came from (None: built-in defaults)."""

    read_only: bool = False
    # A read-only seat (an observer's, a trainee's): ``--read-only`` or the file's ``read_only``
    # (``warroom.cli.common.config_from_args``). It writes nothing but its step runs' lines
    # (``warroom.incident.observer_seat``). Apart from ``read_only``, which a replay sets for its world
    # (its commands cannot run) while its rehearsal incident is the team's to work. Not a TOML key.
    observer: bool = field(default=False, metadata={"internal": True})
    prometheus: PrometheusConfig = field(default_factory=PrometheusConfig)
    slo: list[SloConfig] = field(default_factory=lambda: default_slos())
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    runbooks: RunbooksConfig = field(default_factory=RunbooksConfig)
    incident: IncidentConfig = field(default_factory=IncidentConfig)
    execute: ExecuteConfig = field(default_factory=ExecuteConfig)
    redaction: RedactionConfig = field(default_factory=RedactionConfig)
    kubernetes: KubernetesConfig = field(default_factory=KubernetesConfig)
    providers: list[ProviderConfig] = field(default_factory=lambda: default_providers())
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    roles: RolesConfig = field(default_factory=RolesConfig)
    approval: ApprovalConfig = field(default_factory=ApprovalConfig)
    shared: SharedConfig = field(default_factory=SharedConfig)
    params: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    source: Path | None = field(default=None, metadata={"internal": True})
    # The text ``source`` held when it was read (it may have been a pipe, read once): what tells
    # a message the line a value was written on (``source_line``).
    source_text: str | None = field(default=None, repr=False, compare=False,
                                     metadata={"internal": True})
    # ``$WARROOM_NOTIFY_LOG``: the file the dashboard appends every notification (toast) to, one
    # JSON line each, so a toast that showed and vanished can still be read (the e2e harness reads
    # it to tell a refused key from a lost one; a bug report can quote it). Not a TOML key.
    notify_log: Path | None = field(default=None, repr=False, compare=False, metadata={"internal": True})

    def state_dir(self) -> Path:
        """Where incidents and drills are kept, as an absolute path. A relative ``--state-dir``
        (or config value) means the directory it was typed in, and it is written into what
        outlives the command: a drill incident's journal names its drill's directory under it,
        and the resume, replay and quit lines print it. Kept relative, they named nothing from
        another directory ("drill ... is gone", "no incident ... in sd/drills/incidents")."""
        chosen = expand(self.incident.state_dir) if self.incident.state_dir else default_state_dir()
        return chosen.absolute()

    def runbook_dirs(self) -> list[Path]:
        return [expand(d) for d in self.runbooks.dirs]

    def source_line(self, value: str) -> int:
        """The line of the config file where the string ``value`` is written (quoted, as TOML
        writes it), for messages that point at the configuration; 0 when not found (built-in
        defaults, an escaped spelling)."""
        if not self.source_text:
            return 0
        quoted = [f'"{value}"', f"'{value}'", f'"""{value}"""', f"'''{value}'''"]
        for number, line in enumerate(self.source_text.splitlines(), 1):
            code = line.split("#", 1)[0] if "#" not in value else line
            if any(q in code for q in quoted):
                return number
        return 0

    def slo_by_id(self, slo_id: str) -> SloConfig | None:
        return next((s for s in self.slo if s.id == slo_id), None)

    def as_drill(self, panes: list[SloConfig] | None = None, *, runbook: str | None = None,
                 severity: Severity | None = None) -> None:
        """Make this the config of a drill's world: its SLO panes are the world's own, whatever
        ``[[slo]]`` the config sets: a replay's recorded ``panes``, else a simulated drill's
        (``default_slos``: the FlowEngine panes the simulator answers, the ones its scenarios name).
        A drill runs with the team's config (``make demo`` reads the default one), and a team's own
        panes (their metrics) each read "unknown metric in the drill" while the quota climbing
        towards 80% was on no pane, nor in the report or the PIR. Each pane names the drill's
        ``runbook`` and ``severity`` when given (``drill_panes``)."""
        self.slo = drill_panes(list(panes) if panes is not None else default_slos(), runbook, severity)


def default_providers() -> list[ProviderConfig]:
    return [
        ProviderConfig(name="Anthropic", url="https://status.anthropic.com/api/v2/status.json",
                       runbook="RB-CORE-004"),
        ProviderConfig(name="OpenAI", url="https://status.openai.com/api/v2/status.json",
                       runbook="RB-CORE-004"),
        ProviderConfig(name="Google", url="https://status.cloud.google.com/incidents.json",
                       kind="google", runbook="RB-CORE-004"),
    ]
