"""The checks of one runbook: what its own text gets wrong (``lint_runbook``: commands, placeholders, variables,
fences, ``mutating`` overrides, expectations, rollbacks) and what it gets wrong against a configuration
(``config_findings``: secrets its incident copy would drop, verify gates, Go/No-Go criteria, the update cadence).

``warroom.runbook.lint`` runs them for each file and adds what only a set of files shows (a shadowed id, a case
twin, a GO that opens a runbook the library does not hold). Each check returns findings and never raises.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import Any

from warroom.config import Config
from warroom.execute.classify import classify
from warroom.input_files import Unreadable, read_bounded
from warroom.runbook import fence, placeholders, shell
from warroom.runbook.criterion_query import criteria_findings, on_pane, on_panes, pane_queries
from warroom.runbook.fence import SHELL_LANGS
from warroom.runbook.gate import gate_findings
from warroom.runbook.inline import _neutralised
from warroom.runbook.model import Finding, Runbook
from warroom.runbook.parser import MAX_BYTES
from warroom.runbook.update_cadence import cadence_findings


def config_findings(rb: Runbook, config: Config) -> list[Finding]:
    """What ``rb`` gets wrong against ``config``: its stakeholder-update cadence, the secrets an incident's copy of it
    would not keep, its verify gates' and its Go/No-Go criteria's queries against the configured panes."""
    return [*cadence_findings(rb, config), *_snapshot_findings(rb, config), *_gate_findings(rb, config),
            *_criteria_findings(rb, config)]


def _snapshot_findings(rb: Runbook, config: Config) -> list[Finding]:
    """What an incident's copy of this runbook would not keep. Attaching a runbook copies it
    redacted (``warroom.incident.runbook_shelf``: a secret written in it never lands in the
    incident directory), and a step whose command lost a secret is refused when run. Lint makes the
    same copy with the same rules (the built-in formats and the configured ``[redaction]``; not the
    values of this shell's secret variables, which belong to the machine that attaches it), parses
    it, and reports each step whose command the copy changes and each default it drops."""
    from warroom.execute.redact import RedactionSettings, Redactor
    from warroom.runbook.parser import parse_runbook

    if rb.path is None or not (rb.sections or rb.steps):
        return []
    try:
        text = rb.path.read_bytes().decode("utf-8", "replace")     # as the incident reads it
    except OSError:
        return []                               # unreadable: load_runbook has said so
    copy = Redactor.from_env({}, RedactionSettings.for_config(config)).redact_text(text)
    if copy == text:
        return []
    kept = parse_runbook(copy, rb.path)
    file = str(rb.path)
    out: list[Finding] = []
    steps = {s.number: s for s in kept.steps}
    for step in rb.steps:
        other = steps.get(step.number)
        if step.command and (other is None or other.command != step.command):
            kinds = sorted(set(re.findall(r"\[REDACTED:([^\]]+)\]", other.command or ""))) if other else []
            out.append(Finding(file, step.line, "error",
                               f"step {step.number} ({step.label}): its command holds a secret"
                               f"{' (' + ', '.join(kinds) + ')' if kinds else ''}, which an incident's "
                               "copy of the runbook does not keep: warroom refuses to run the step; read "
                               "it at run time instead (an environment variable such as \"$API_TOKEN\", "
                               "or a parameter {{ token }})"))
    for key, param in rb.params.items():
        other_param = kept.params.get(key)
        if param.default and (other_param is None or other_param.default != param.default):
            now = other_param.default if other_param is not None else None
            out.append(Finding(file, _param_line(rb, param.name), "warning",
                               f"params.{param.name}: its default holds a secret, which an incident's "
                               f"copy of the runbook does not keep (it reads {now!r} there, and that is "
                               "what the step is offered): leave the default out and give the value "
                               "when the step runs"))
    return out


def _param_line(rb: Runbook, name: str) -> int:
    """The front-matter line of ``[params.NAME]`` (the first line when it cannot be found)."""
    for i, line in enumerate((rb.path.read_text("utf-8", "replace") if rb.path else "").split("\n"), 1):
        if re.match(rf"\s*\[\s*params\s*\.\s*\"?{re.escape(name)}\"?\s*\]", line):
            return i
    return 1


def _gate_findings(rb: Runbook, config: Config) -> list[Finding]:
    """The verify gates' problems (``warroom.runbook.gate.gate_findings``) against this runbook's
    named queries and the configuration's panes, each at the line of the fence that writes it."""
    file = str(rb.path) if rb.path else "<text>"
    out: list[Finding] = []
    fences = sorted(int(c.get("line") or 0) for c in rb.code_blocks)

    def fence_line(step: Any) -> int:
        return max((n for n in fences if n <= step.line), default=step.line)

    gate_findings(rb.steps, rb.queries, {s.id: s.unit for s in config.slo}, fence_line,
                  lambda line, level, msg: out.append(Finding(file, line, level, msg)),  # type: ignore[arg-type]
                  rb.refused_queries, _source(rb) if any(getattr(s, "verify", None) for s in rb.steps) else None)
    return out


def _criteria_findings(rb: Runbook, config: Config) -> list[Finding]:
    """The Go/No-Go criteria's query problems (``warroom.runbook.criterion_query``): a name the
    runbook does not declare (nor a pane of the configuration) or declared but refused, PromQL that
    cannot be read, a value in another unit than its query's; each at the line of its key."""
    file = str(rb.path) if rb.path else "<text>"
    out: list[Finding] = []
    panes = pane_queries(config.slo)
    branches = [replace(b, condition=on_pane(b.condition, panes)) for b in rb.branches]
    criteria_findings([on_panes(d, panes) for d in rb.decisions], rb.queries, rb.refused_queries,
                      lambda line, level, msg: out.append(Finding(file, line, level, msg)),  # type: ignore[arg-type]
                      branches, _source(rb) if rb.decisions or rb.branches else None)
    return out


def _source(rb: Runbook) -> str | None:
    """The runbook's text as its parse read it, so a PromQL error is placed at its line and column in the file;
    None when there is no file to read (the error is then said in the query's own line and column)."""
    if rb.path is None:
        return None
    try:
        return read_bounded(rb.path, MAX_BYTES, pipes=False).decode("utf-8", "replace")
    except (Unreadable, OSError, ValueError):
        return None                 # unreadable now: load_runbook has said so, or it changed under lint


def lint_runbook(rb: Runbook) -> list[Finding]:
    """Checks beyond what parsing reports (the parser's own findings are on ``rb.findings``)."""
    out: list[Finding] = []
    file = str(rb.path) if rb.path else "<text>"
    for step in rb.steps:
        if step.kind != "shell" or not step.command:
            continue
        problem = shell.scan(step.command).problem()
        if problem:
            out.append(Finding(file, step.line, "warning",
                               f"step {step.number} ({step.label}): command is incomplete: "
                               f"{problem}"))
    out.extend(_placeholder_findings(rb, file))
    out.extend(_variable_findings(rb, file))
    out.extend(_outside_fence_findings(rb, file))
    out.extend(_output_fence_findings(rb, file))
    out.extend(_mutating_override_findings(rb, file))
    out.extend(_healthy_expect_findings(rb))
    out.extend(_undo_one_revision_findings(rb, file))
    out.extend(_lifted_by_findings(rb, file))
    out.extend(Finding(file, step.line, "warning", f"step {step.number} ({step.label}): mitigates=false with no verify"
                       " gate: only a gate's pass could have been the mitigation, so it says nothing")
               for step in rb.steps if not step.mitigates and not step.verify)
    broken = any("front matter" in f.message and f.level == "error" for f in rb.findings)
    if rb.front_matter == "toml" and not rb.steps and not broken:
        out.append(Finding(file, 1, "warning", "runbook has no steps"))
    return out


def _placeholder_findings(rb: Runbook, file: str) -> list[Finding]:
    """Blanks the author meant to be filled in: undeclared, ambiguous, or not marked at all."""
    from warroom.runbook.params import find_params

    out: list[Finding] = []
    strict = rb.front_matter == "toml"
    seen: set[str] = set()
    declared = [k for k, p in rb.params.items() if p.declared]
    for step in rb.steps:
        if not step.command or step.kind != "shell":
            continue
        for ref in find_params(step.command, declared, step.kind):
            if ref.key in seen:
                continue
            seen.add(ref.key)
            if ref.syntax == "dollar" and ref.key not in declared:
                kind = placeholders.dollar_kind(ref.name)
                if kind == "ambiguous":
                    msg = (f"step {step.number}: {ref.text} could be a command or a placeholder; "
                           f"read as the parameter {ref.key!r} (no program {ref.name!r} here): "
                           f"write {{{{ {ref.key} }}}} if it is one, or `$(command {ref.name})`"
                           " to run it")
                else:
                    msg = (f"step {step.number}: {ref.text} is a placeholder, not a command "
                           f"substitution: read as the parameter {ref.key!r}; write "
                           f"{{{{ {ref.key} }}}} to make that explicit")
                out.append(Finding(file, step.line, "warning", msg))
            elif not strict and ref.key not in declared:
                out.append(Finding(file, step.line, "warning",
                                   f"step {step.number}: placeholder {ref.text} is asked for "
                                   f"before the step runs (parameter {ref.key!r}); declare it in "
                                   "front matter to give it help text and a default"))
        spans = [(r.start, r.end) for r in find_params(step.command, declared, step.kind)]
        for offset, text in placeholders.fillers(step.command):
            ctx = shell.scan(step.command).contexts
            if ctx and offset < len(ctx) and ctx[offset] == shell.COMMENT:
                continue
            if any(a <= offset < b for a, b in spans):
                continue  # already a placeholder (`<YOUR_SECRET>`)
            name = (text[5:].lower() if text.upper().startswith("YOUR_")
                    else placeholders.suggest_name(step.command, offset))
            out.append(Finding(file, step.line, "warning",
                               f"step {step.number}: {text!r} looks like a blank to fill in; it "
                               f"would run as written: write it as {{{{ {name} }}}}"))
    return out


def _variable_findings(rb: Runbook, file: str) -> list[Finding]:
    """A shell variable read by a step before any step sets it (one finding per variable).

    Secrets (``$API_KEY``, ``$DB_PASSWORD``) are meant to come from the operator's environment,
    never from a runbook step, so they are not reported as unset."""
    from warroom.execute.redact_rules import looks_secret_name

    out: list[Finding] = []
    setters: dict[str, int] = {}
    for step in rb.steps:
        for v in step.sets_vars:
            setters.setdefault(v, step.number)
    set_so_far: set[str] = set()
    reported: set[str] = set()
    for step in rb.steps:
        for v in step.uses_vars:
            if v in set_so_far or v in reported:
                continue
            if v not in setters and looks_secret_name(v):
                continue
            reported.add(v)
            later = setters.get(v)
            if later is not None and later > step.number:
                msg = (f"step {step.number} uses ${v}, which only the later step {later} sets: "
                       "move the step that sets it first")
            else:
                msg = (f"step {step.number} uses ${v}, which no step sets: add a step that sets "
                       f"it (`export {v}=...`) or write it as a parameter "
                       f"{{{{ {v.lower()} }}}}")
            out.append(Finding(file, step.line, "warning", msg))
        set_so_far.update(step.sets_vars)
    return out


def _outside_fence_findings(rb: Runbook, file: str) -> list[Finding]:
    return [Finding(file, s.line, "warning",
                    f"step {s.number}: command `{_short(s.command or '')}` is written in inline "
                    "code, outside a fence: it runs as a step; put it in a ```bash block to "
                    "give it a label, an # Expected: line and its sample output")
            for s in rb.steps if s.lang == "inline" and s.command]


def _output_fence_findings(rb: Runbook, file: str) -> list[Finding]:
    out = []
    for b in rb.code_blocks:
        if b.get("lang") in SHELL_LANGS and b.get("kind") == "shell" and b.get("steps") == 0:
            out.append(Finding(file, b["line"], "warning",
                               f"the ```{b['lang']} block holds no command (it reads as sample "
                               "output): fence it as ```text, or put the command above the "
                               "output"))
    return out


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= 60 else first[:57] + "..."


def _mutating_override_findings(rb: Runbook, file: str) -> list[Finding]:
    """A ``mutating=false`` the read-only prover cannot back: a --read-only session refuses the
    step anyway, and other sessions would run it without asking."""
    out: list[Finding] = []
    declared = [k for k, p in rb.params.items() if p.declared]
    for step in rb.steps:
        if step.kind != "shell" or not step.command or "mutating" not in step.attrs:
            continue
        if fence.parse_bool(step.attrs.get("mutating", "")) is not False:
            continue
        verdict = classify(_neutralised(step.command, declared, step.kind), step.kind)
        if verdict.mutating:
            out.append(Finding(file, step.line, "warning",
                               f"step {step.number} ({step.label}) is marked mutating=false but "
                               f"the read-only check cannot prove it: {verdict.reason}; a "
                               "--read-only session refuses it and other sessions run it without "
                               "asking"))
    return out


# An expectation's checked clause, then guidance naming another value as the finding:
# "none; minor, major or critical confirms an outage", "normally 99 or more; below 95 is a mass failure".
_FIRST_CLAUSE = re.compile(r"\s*(?:[;,]|\.(?:\s|$)|\s[-—–]\s)")
_FINDING_WORDS = re.compile(r"\b(?:confirms?|means?|indicates?|is an?)\b")
_BASELINE_WORDS = re.compile(r"^(?:normally|usually|typically|ideally|when healthy)\b|\bwhen healthy\b")


def _healthy_expect_findings(rb: Runbook) -> list[Finding]:
    """A detection or investigation read whose checked expectation is the healthy value while its
    own guidance names another value as the finding: the read that confirms the diagnosis is then
    marked "expectation NOT met", counted "failed or unmet" and raised again at resolve. The
    expectation of a read says what the step expects to see (the confirming value first)."""
    from warroom.execute.expectation import parse_comparison
    from warroom.runbook.inline import checkable

    file = str(rb.path) if rb.path else "<text>"
    phases = {sec.title: sec.phase for sec in rb.sections}
    out: list[Finding] = []
    for step in rb.steps:
        text = " ".join((step.expect or "").split())
        if not step.command or step.mutating or phases.get(step.section) not in ("detect", "investigate"):
            continue
        if not text or (parse_comparison(text) is None and checkable(text) is None):
            continue                       # prose is shown, never judged: no false "NOT met"
        cut = _FIRST_CLAUSE.search(text)
        rest = text[cut.end():].strip() if cut else ""
        if _BASELINE_WORDS.search((text[:cut.start()] if cut else text).lower()) or (cut and _FINDING_WORDS.search(rest.lower())):
            out.append(Finding(file, step.line, "warning",
                               f"step {step.number} ({step.label}) expects {text.split(';')[0]!r}, the healthy "
                               f"value, while its guidance says {rest or text!r}: the read that confirms the "
                               "diagnosis would show \"expectation NOT met\"; write the value it is run to "
                               "find first (\"above 5 confirms …; below 1 when healthy\")"))
    return out


def undoes_one_revision(command: str, kind: str = "shell") -> bool:
    """Whether ``command`` runs ``rollout undo`` without naming the revision to go back to.

    ``kubectl rollout undo`` alone returns to the previous *revision*, and every template change
    makes one: after the runbook's own ``set env`` (route around a provider, switch a breaker on,
    throttle) or a ``rollout restart``, the previous revision is that change, still on the suspect
    release. A rollback step names its target (``--to-revision=N``, read from ``rollout history``)
    so it goes back to the release before the suspect one whatever changed since.
    """
    if kind == "k8s":
        words = command.split()
        return words[:2] == ["rollout", "undo"] and not any(
            w.lstrip("-").startswith(("to-revision=", "revision=")) for w in words[2:])
    for cmd in shell.scan(command).commands:
        argv = cmd.argv
        if not argv or os.path.basename(argv[0]) != "kubectl":
            continue
        undo = any(a == "rollout" and b == "undo" for a, b in zip(argv, argv[1:]))
        named = any(w == "--to-revision" or w.startswith("--to-revision=") for w in argv)
        if undo and not named:
            return True
    return False


def _undo_one_revision_findings(rb: Runbook, file: str) -> list[Finding]:
    """A rollback step that would keep the bad release once any change came after it (see
    :func:`undoes_one_revision`)."""
    return [Finding(file, step.line, "warning",
                    f"step {step.number} ({step.label}): `rollout undo` without --to-revision goes back "
                    "one revision; after a `set env`, `set image` or `rollout restart` that is the change, "
                    "still on the release to roll back: name the revision from `kubectl rollout history` "
                    "(--to-revision=N)")
            for step in rb.steps
            if step.command and step.kind in ("shell", "k8s") and undoes_one_revision(step.command, step.kind)]


def _lifted_by_findings(rb: Runbook, file: str) -> list[Finding]:
    """A ``lifted_by`` that lifts nothing: on a step with no verify gate, or naming no later step of the runbook (a
    typo would leave the containment watched, and its planned end called a relapse: ``incident.relapse``), or one
    that lifts too easily: a step that only reads."""
    from warroom.execute.safety import classify_mutating

    out: list[Finding] = []
    for step in rb.steps:
        if not step.lifted_by:
            continue
        if not step.verify:
            out.append(Finding(file, step.line, "warning", f"step {step.number} ({step.label}): lifted_by without"
                               " verify: only a verify gate's measure is watched for relapse, so nothing is lifted"))
        for name in step.lifted_by:
            later = next((s for s in rb.steps if s.id == name), None)
            if later is None or later.number <= step.number:
                out.append(Finding(file, step.line, "error", f"step {step.number} ({step.label}): lifted_by"
                                   f" {name!r} names no later step of this runbook (a step's name=)"))
            elif not (later.command and (later.mutating or classify_mutating(later.command, later.kind) is not False)):
                # a read run after the halt would end the containment's watch (attack50 A9)
                out.append(Finding(file, step.line, "error", f"step {step.number} ({step.label}): lifted_by"
                                   f" {name!r} names step {later.number}, which changes nothing: only a change"
                                   " (bringing back what the containment stopped) can end a containment"))
    return out
