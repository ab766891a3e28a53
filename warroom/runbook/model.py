"""The parsed runbook: sections and steps, as every other part of warroom sees it.

``Runbook.to_json()`` is the stable machine-readable interface printed by
``warroom runbooks show --json`` (documented in the README); fields may be added, never renamed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

StepKind = Literal["shell", "promql", "manual", "k8s"]
Phase = Literal["detect", "investigate", "mitigate", "verify", "communicate", "post-incident"]


def param_key(name: str) -> str:
    """Normalise a written parameter name to its key: ``instance label`` -> ``instance_label``."""
    key = re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()
    return key or "_"


@dataclass
class Param:
    """A declared parameter (front matter ``[params.NAME]``) or one found in a command.

    ``name`` is the form written in the runbook (shown to the user); ``key`` is its normalised
    form, used in ``Runbook.params``, ``Step.params`` and value mappings.
    """

    name: str
    default: str | None = None
    help: str | None = None
    pattern: str | None = None
    declared: bool = False
    key: str = ""
    # ``required = false`` in the front matter: the step may run with it empty (an empty word,
    # quoted like any value); every other parameter must have a value, its default included
    optional: bool = False

    def __post_init__(self) -> None:
        if not self.key:
            self.key = param_key(self.name)

    @property
    def required(self) -> bool:
        """Whether a caller must supply a value (no default): the JSON's word, kept as it was."""
        return self.default is None


@dataclass
class Step:
    """One thing to do: a command to run, a PromQL query, or a manual item to tick.

    ``number`` is 1-based across the whole runbook (what users type: ``incident run ID 3``);
    ``id`` is a stable slug (fence ``name=`` or derived from the label) that also works as a ref.
    """

    number: int
    id: str
    kind: StepKind
    label: str
    section: str
    line: int
    command: str | None = None
    # What the runbook says to expect, as written (shown to the person running the step).
    expect: str | None = None
    # What is checked against the output (a substring, or ``/regex/``): the ``expect=`` fence
    # attribute, else a literal the prose pins down (see ``parser.checkable``). Prose like
    # "Retry succeeds in <60s" cannot be checked mechanically, so it stays informational and
    # the step's expectation is then neither met nor not met.
    check: str | None = None
    text: str = ""
    params: list[str] = field(default_factory=list)
    mutating: bool = False
    confirm: bool = False
    # A second person must approve the exact command before it runs (fence ``approval=true``).
    approval: bool = False
    timeout: float | None = None
    verify: str | None = None
    depth: int = 0
    attrs: dict[str, str] = field(default_factory=dict)
    # Why the step counts as mutating or read-only (shown in the UI before confirmation).
    reason: str = ""
    # Whether a pass of its verify gate is the incident's mitigation (fence ``mitigates=false``: the gate checks that
    # the step took effect, as a breaker's 429 share does, while the harm goes on until a later step ends it).
    mitigates: bool = True
    # Example output the runbook shows for the command (never run, never compared).
    example_output: str | None = None
    # Fence language the step came from ("bash", "console", "promql", ...; "" for checklists).
    lang: str = ""
    # For checklist items: ticked in the source (`- [x]`).
    checked: bool = False
    # Shell variables this step assigns or exports (carried to later steps of an incident) and
    # the ones it reads without setting them (see warroom.runbook.shellvars).
    sets_vars: list[str] = field(default_factory=list)
    uses_vars: list[str] = field(default_factory=list)
    # The phase of its section (inherited from the heading above one that names none: a ``###`` sub-section of
    # Mitigation is mitigating), journaled with each run: what kind of run it is (``verdicts.said_unbacked``).
    phase: str | None = None

    @property
    def runnable(self) -> bool:
        return self.command is not None

    @property
    def lifted_by(self) -> tuple[str, ...]:
        """The steps (names) that end on purpose what this step's verify gate confirmed (fence ``lifted_by``, comma
        separated): a halt the runbook's recovery undoes is no relapse once they ran ok (``incident.relapse``)."""
        return tuple(n.strip() for n in self.attrs.get("lifted_by", "").split(",") if n.strip())

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number, "id": self.id, "kind": self.kind, "label": self.label,
            "section": self.section, "line": self.line, "command": self.command,
            "expect": self.expect, "check": self.check, "text": self.text, "params": list(self.params),
            "mutating": self.mutating, "confirm": self.confirm, "approval": self.approval, "timeout": self.timeout,
            "verify": self.verify, "depth": self.depth, "attrs": dict(self.attrs),
            "reason": self.reason, "example_output": self.example_output, "lang": self.lang,
            "checked": self.checked, "runnable": self.runnable,
            "sets_vars": list(self.sets_vars), "uses_vars": list(self.uses_vars),
        }


@dataclass
class Section:
    title: str
    level: int
    line: int
    phase: Phase | None = None
    steps: list[Step] = field(default_factory=list)
    # The section's markdown body (between its heading and the next), for display.
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "level": self.level, "line": self.line, "phase": self.phase,
            "steps": [s.number for s in self.steps], "text": self.text,
        }


@dataclass
class Finding:
    """A lint finding; ``str()`` is the ``file:line: level: message`` form the CLI prints."""

    file: str
    line: int
    level: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        # Line 0 means "the whole file or directory" (e.g. a directory that does not exist).
        if self.line <= 0:
            return f"{self.file}: {self.level}: {self.message}"
        return f"{self.file}:{self.line}: {self.level}: {self.message}"


@dataclass
class Runbook:
    id: str
    title: str
    path: Path | None
    severity: str | None = None
    triggers: list[str] = field(default_factory=list)
    mttr_target: str | None = None
    params: dict[str, Param] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # One entry per code block: {"line", "lang", "kind": shell|promql|k8s|display|indented,
    # "steps"}; used by lint and statistics, not part of to_json().
    code_blocks: list[dict[str, Any]] = field(default_factory=list)
    # Line where the id is written (front matter), for messages about duplicate ids.
    id_line: int = 1
    # "toml" (warroom's own +++ block), "yaml" (--- block, as public runbooks have) or None.
    front_matter: str | None = None
    # Top-level front-matter keys the file actually sets (to tell an explicit id from a
    # file-name one, for instance).
    declared_keys: list[str] = field(default_factory=list)
    # Go/No-Go decisions (``decision`` fences; warroom.runbook.decision.Decision).
    decisions: list[Any] = field(default_factory=list)
    # Sections that apply only in some states (``applies_when`` fences; warroom.runbook.branch.Branch).
    branches: list[Any] = field(default_factory=list)
    # What in the journal fulfils a manual item (``fulfilled_by`` fences; warroom.runbook.fulfil.Fulfil).
    fulfils: list[Any] = field(default_factory=list)
    # Each "update ... every N minutes" its prose asks for
    # (``warroom.runbook.update_cadence.StatedCadence``): lint checks it against the configured
    # cadence; not part of to_json().
    update_cadences: list[Any] = field(default_factory=list)
    # The queries its verify gates may name (front matter ``[queries.NAME]``;
    # ``warroom.runbook.gate.NamedQuery``), by name.
    queries: dict[str, Any] = field(default_factory=dict)
    # Names declared in ``[queries]`` but refused (their findings say why); not part of to_json().
    refused_queries: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[Step]:
        return [s for sec in self.sections for s in sec.steps]

    def step(self, ref: str | int) -> Step | None:
        """Find a step by number, id, or (case-insensitive) label."""
        steps = self.steps
        text = str(ref).strip()
        if text.isdigit():
            n = int(text)
            return next((s for s in steps if s.number == n), None)
        low = text.lower()
        return (next((s for s in steps if s.id == text), None)
                or next((s for s in steps if s.label.lower() == low), None))

    def phase_counts(self) -> dict[str, int]:
        """Steps per phase ("other" for sections naming no phase); phases without steps omitted."""
        counts: dict[str, int] = {}
        for sec in self.sections:
            if sec.steps:
                key = sec.phase or "other"
                counts[key] = counts.get(key, 0) + len(sec.steps)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "path": str(self.path) if self.path else None,
            "severity": self.severity, "triggers": list(self.triggers),
            "mttr_target": self.mttr_target,
            "params": {n: {"name": p.name, "default": p.default, "help": p.help,
                           "pattern": p.pattern, "declared": p.declared, "required": p.required,
                           "optional": p.optional}
                       for n, p in self.params.items()},
            "meta": self.meta,
            "sections": [s.to_json() for s in self.sections],
            "steps": [s.to_json() for s in self.steps],
            "findings": [str(f) for f in self.findings],
            "decisions": [d.to_json() for d in self.decisions],
            "branches": [b.to_json() for b in self.branches],
            "fulfilled_by": [f.to_json() for f in self.fulfils],
            "queries": {n: q.to_json() for n, q in self.queries.items()},
        }
