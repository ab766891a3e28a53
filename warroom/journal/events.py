"""The journal's event vocabulary: one constant per event type and the data each one carries.

This is the contract between everything that writes the journal (CLI, UI, command supervisor,
source watchers) and everything that reads it (state rebuild, PIR, timeline). Add types freely;
never change what an existing field means, since old journals must still replay.

Times inside ``data`` are ISO-8601 UTC strings like the line's own ``ts``. Step references
carry both ``step`` (the runbook step's 1-based ``number``) and ``step_id`` (its stable slug).
"""

from __future__ import annotations

from typing import Final

# ---- incident lifecycle --------------------------------------------------------------------
DECLARED: Final = "incident.declared"
"""{id, title, severity, runbook: {id, title, path, sha256, snapshot} | null, source: {kind:
manual|pane|alert, ref, value?, unit?, started_at?, started_how?, started_slo?, started_value?,
detected_at?, first_look_at?}, drill: {scenario, speed} | null, commander}. ``source.started_at`` is when
impact began (breach/alert start) if known; ``started_slo``/``started_value``: the pane whose crossing
defined it and its value then (what the PIR quotes for that pane at impact start);
``source.detected_at`` when it was noticed (defaults to the event's own time); ``first_look_at`` (a drill's)
when its panes first showed a value, after the impact began: time to detect counts from there."""
RUNBOOK_ATTACHED: Final = "runbook.attached"
"""{id, title, path, sha256, snapshot, beside?, opened_by?}: snapshot is the copy kept in the incident
dir; ``beside`` (the current runbook's id): opened next to it (a GO's follow-up), not replacing it;
``opened_by``: {decision, runbook_id, seq} of the verdict that opened it."""
RUNBOOK_CLOSED: Final = "runbook.closed"
"""{id, title, reason, beside (the current runbook then), attached_seq (the attachment it closes),
progress: {done, failed, total|null}}: the commander closed a runbook open beside the current one
(the GO was reversed, or it was opened by mistake). Its steps stay in the journal; from then on
none of them can be run, ticked, skipped or approved, and its progress is the one recorded here.
Its open approval requests are withdrawn by this line (``warroom.incident.closing``)."""
SEVERITY_CHANGED: Final = "severity.changed"
"""{from, to, reason}"""
STATUS_CHANGED: Final = "status.changed"
"""{from, to}: investigating | identified | mitigating | mitigated | monitoring | resolved"""
PHASE_MARKED: Final = "phase.marked"
"""{phase: started|detected|mobilised|root_cause|mitigated|resolved, at, reason?}: explicit
response-time marks (``at`` may be back-dated); the latest mark of a phase wins."""
RESOLVED: Final = "incident.resolved"
"""{summary, resolution, rollback: bool, type?, affected_repos?}: ``type`` and ``affected_repos``
feed the incident log's columns of the same names."""
REOPENED: Final = "incident.reopened"
"""{reason}"""

# ---- steps ---------------------------------------------------------------------------------
STEP_STARTED: Final = "step.started"
"""{step, step_id, label, kind, command (final, redacted, exactly as run), params, mutating,
confirmed, confirmed_via?, target: {context?, namespace?, host?}, timeout, output (path relative to
the incident dir; unique per run, the key that pairs a start with its end), supervisor_pid, pid,
pgid, started_at?, evidence_before: {slo_id: value} | null}"""
STEP_FINISHED: Final = "step.finished"
"""{step, step_id, status: ok|failed|timed_out|cancelled|interrupted, exit_code, signal,
started_at, ended_at, duration, expect: str|null, expect_met: bool|null, excerpt (last lines,
redacted), output, lines, bytes, output_error?, error?} — ``interrupted`` (journaled on reconcile
when the supervisor died without an end) has ended_at/duration null and carries reason, detected_at."""
STEP_DRY_RUN: Final = "step.dry_run"
"""{step, step_id, label, command (exactly what would have run), params}"""
STEP_REFUSED: Final = "step.refused"
"""{step, step_id, command, reason}: e.g. read-only session, confirmation missing."""
STEP_TICKED: Final = "step.ticked"
"""{step, step_id, label}"""
STEP_UNTICKED: Final = "step.unticked"
"""{step, step_id, label}"""
STEP_SKIPPED: Final = "step.skipped"
"""{step, step_id, label, reason}"""

# ---- metric evidence and verify gates --------------------------------------------------------
EVIDENCE: Final = "evidence.recorded"
"""{step, step_id, when: before|after, offset (seconds after the step ended), values: {slo_id:
{value, unit, state}}}"""
VERIFY_STARTED: Final = "verify.started"
"""{step, step_id, expr, window, deadline}"""
VERIFY_PASSED: Final = "verify.passed"
"""{step, step_id, expr, value, value_text?, how?, confirmed_at?} (value_text: the value with its
pane's unit, e.g. "64.9%"; how: set when not confirmed live, e.g. "confirmed at … (checked after the
fact)"; confirmed_at: then the instant the metric history confirmed it, which the "mitigated"
milestone counts from — the line itself is written when someone looked, after the gate's window)"""
VERIFY_FAILED: Final = "verify.failed"
"""{step, step_id, expr, value, value_text?, reason, ended_at?} (ended_at: a window that ran out, when it
did: the instant the failure is about, which the timeline dates it at, however late it was settled)"""
VERIFY_SUPERSEDED: Final = "verify.superseded"
"""{step, step_id, runbook_id?, expr, started_seq, by_seq, rerun_seq, rerun_at}: an open gate given way to its step's
re-run (the step ran again and opened a gate of its own, ``by_seq``, while this one, ``started_seq``, had no outcome;
``rerun_at``, ISO: when the re-run started). Journaled with the re-run's gate (``GateJournal``): from then on the
re-run's gate judges the step; this one is never watched, settled nor counted (attack42 A14)."""

# ---- people and communication ----------------------------------------------------------------
NOTE: Final = "note.added"
"""{tag: root-cause|went-well|went-wrong|action|lesson|info, text, owner?, due?}"""
TIMELINE_ENTRY: Final = "timeline.added"
"""{at, text}: an entry the IC adds by hand, possibly back-dated."""
CORRECTION: Final = "timeline.corrected"
"""{seq, text}: replaces the displayed text of an earlier entry; the original line stays."""
STATUS_UPDATE: Final = "status_update.sent"
"""{text, channels: [clipboard|webhook|manual], webhook: {kind, ok, status?, error?} | null,
delivery?: drafted|posted|post_failed|recorded}: ``posted`` only when the webhook answered ok;
``drafted`` when warroom only prepared it (copy requested to the clipboard); ``recorded`` when the
IC says it was sent by other means. Line breaks in ``text`` are kept."""
ALERT_SEEN: Final = "alert.seen"
"""{name, severity, runbook, since, labels, annotations, source}"""
PIR_EXPORTED: Final = "pir.exported"
"""{template, path, sha256, log_row: bool}"""
ROLE_ASSIGNED: Final = "role.assigned"
ROLE_NAMES: Final = ("commander", "ops", "comms", "scribe")
"""The roles an incident gives (``warroom.incident.roles.ROLES`` names them); a runbook's ``fulfilled_by`` reads
them."""
"""{role: commander|ops|comms|scribe, person, reason?, brief?}: who holds a role from now on; a new
commander is a handoff (the previous holder is in the state, not repeated here) and carries the
catch-up brief computed from the journal at that moment ({sections: [[title, [lines]]]}); the
incoming commander acknowledges it with ``handoff.acknowledged``. Journals may hold other role
words from before the vocabulary was fixed: they replay as written."""
HANDOFF_ACKNOWLEDGED: Final = "handoff.acknowledged"
"""{handoff_seq (the ``role.assigned`` of the commander handoff), person: {login, uid, host, actor}}:
the incoming commander read the catch-up brief and has the incident (journaled by that person)."""
HANDOFF_REMINDER: Final = "handoff.reminder"
"""{commander, since, due_at, every (seconds, scenario time), period (1, 2, ...)}: the commander has
held the role ``every`` × ``period``; journaled once per period by whoever notices first."""

# ---- two-person approval -----------------------------------------------------------------------
APPROVAL_REQUESTED: Final = "approval.requested"
"""{step, step_id, runbook_id, label, kind, command (final, redacted), command_sha256 (of the exact
final command, kind, target and step: what the approval covers), params (redacted), target,
mutating, reasons: [why approval is needed], dry_run: {lines} | null, verify: gate text | null,
requester: {login, uid, host, actor}, expires_after (incident seconds it is good for), expires_asked
(``[approval] expires``, only when a drill's floor raised it: ``approvals.life``)}. The request's id is ``R<seq>``."""
APPROVAL_GRANTED: Final = "approval.granted"
"""{request (id), command_sha256 (the one approved), approver: {login, uid, host, actor},
expires_at}: a second person approved exactly that command until ``expires_at``."""
APPROVAL_REFUSED: Final = "approval.refused"
"""{request, by: {login, uid, host, actor}, reason}: the approver said no; the request is closed."""
APPROVAL_EXPIRED: Final = "approval.expired"
"""{request, was: pending|approved, expired_at}: journaled once by whoever notices first."""
APPROVAL_USED: Final = "approval.used"
"""{request, step, step_id, runbook_id, command_sha256, by: {login, uid, host, actor}}: the approved
command is being run now; an approval covers one run."""
UPDATE_OVERDUE: Final = "status_update.overdue"
"""{due_at, every (seconds), severity}: the stakeholder update due at ``due_at`` was not sent;
journaled once per due time by whoever notices first (dashboard or CLI)."""
ESCALATED: Final = "escalation.tier"
"""{tier, label, action, minutes (incident minutes from detection: scenario minutes in a drill),
reached_at, detected_at, time_scale, on_reopen?, known_late?}: the incident clock reached escalation tier
``tier`` at ``reached_at`` (``warroom.incident.escalation``); once per tier, in order, by whoever notices
first. ``on_reopen``: due while resolved, reached at the reopening; ``known_late`` ("declared" | "marked"):
due before the journal knew the detection it counts from, reached at the declaration or the back-dating."""

# ---- the metric history ------------------------------------------------------------------------
SLO_BREACHED: Final = "slo.breached"
"""{slo_id, title, at, value, threshold, unit, direction, query, ongoing_at_window_start?}: the
pane crossed its critical threshold at ``at`` (the first sample past it in the metric history,
which may be before the declaration)."""
SLO_RECOVERED: Final = "slo.recovered"
"""{slo_id, title, at, value, threshold (the warn level), unit, direction, query}: back on the good
side of its warn threshold at ``at`` (and not getting worse) after a breach."""
GATE_RELAPSED: Final = "gate.relapsed"
"""{step, step_id, runbook_id?, passed_seq, title, wanted, what, value, value_text, at}: a look (the dashboard's poll,
a CLI command's sync) read a counted verify gate's own measure (the pass ``passed_seq`` settled) past its line at
``at`` after the mitigated milestone: the mitigation did not hold, where no pane may show it (the routing undone by
hand). Once per relapse however many looks see it (judged on the journal's last line about that pass); what
``incident list``, the resume offer and the journal-only views read (``gate_relapse``)."""
GATE_RECOVERED: Final = "gate.recovered"
"""{step, step_id, runbook_id?, passed_seq, title, wanted, what, value?, value_text?, lifted?, at}: after a
``gate.relapsed`` of that pass, a look read its measure back within its line at ``at`` (or the containment it
confirms was lifted: ``lifted``, its words), once."""
METRICS_SUMMARISED: Final = "metrics.summarised"
"""{source, window: {start, end, step}, marks: {started?, detected?, resolved?}, slos: {slo_id:
{title, unit, direction, warn, crit, query, points, at_start, at_detection, at_resolution, worst:
{at, value}, breach_seconds, breaches: [[from, to|null]], last, worsening, impact_count?: {label,
query, value}}}}: values read back from range queries over the incident window (each
``{at, value}`` a sample of the history); the PIR's SLO evidence and impact come from here."""

NOTE_TAGS: Final = ("root-cause", "went-well", "went-wrong", "action", "lesson", "info",
                     "impact", "contributing", "prevention")
"""The first six are the ones the IC is asked for; ``impact``, ``contributing`` and
``prevention`` fill the PIR/RCA sections of the same names."""
NOTE_TAG_LABELS: Final = {"root-cause": "root cause", "went-well": "went well", "went-wrong": "went wrong",
                          "action": "action item", "lesson": "lesson", "info": "info", "impact": "impact",
                          "contributing": "contributing factor", "prevention": "prevention"}
"""How each tag reads on screen; the dashboard offers every one (the CLI takes the same nine)."""
PHASES: Final = ("started", "detected", "mobilised", "root_cause", "mitigated", "resolved")
"""Response-time milestones; ``started`` (impact began) is only known from a source or a mark."""
STATUSES: Final = ("investigating", "identified", "mitigating", "mitigated", "monitoring", "resolved")
SEVERITIES: Final = ("P1", "P2", "P3", "P4")
STEP_END_STATES: Final = ("ok", "failed", "timed_out", "cancelled", "interrupted")
STEP_STATES: Final = ("pending", "running", "ok", "failed", "timed_out", "cancelled", "interrupted",
                      "skipped", "ticked")
"""What ``IncidentState.steps[...].status`` can be: the end states plus the checklist ones."""

# ---- the journal itself ----------------------------------------------------------------------
JOURNAL_REPAIRED: Final = "journal.repaired"
"""{saved_to (the copy of the journal as it was), kept, relinked, renumbered: {old seq: new},
damaged_lines, duplicates, torn_bytes, findings (what verify said), lost (acknowledged events that
could not be recovered), rewrote_from (first seq whose line was re-written, or null),
previous_end}: written by ``warroom incident repair``."""
JOURNAL_DAMAGED_LINE: Final = "journal.damaged_line"
"""{line, problem, bytes, sha256, text, cut}: a line that failed its own hash, kept as text by a
repair (its content cannot be trusted as the event it claims to be)."""

# ---- the shared store ----------------------------------------------------------------------
INCIDENT_SHARED: Final = "incident.shared"
"""{from_host, from_dir, head: {seq, h}}: in the shared store, right after the lines copied in
by ``warroom incident share`` (lines 1..head.seq are the local journal's, byte for byte)."""
INCIDENT_MOVED: Final = "incident.moved"
"""{to (the store, password masked), head: {seq, h}}: in the local journal after it was copied
into the shared store: this local copy is read-only from then on (no split brain)."""

# ---- decisions -------------------------------------------------------------------------------
DECISION_RECORDED: Final = "decision.recorded"
"""{id, runbook_id, question, verdict: GO|NO-GO, by, why, suggestion: GO|NO-GO|undecided,
criteria: [{side: go|no_go, text, state: met|not met|unknown, evidence}], on_go?}: a Go/No-Go
decision of a runbook (``warroom.runbook.decision``), with the criteria as evaluated when taken."""
DECISION_OVERDUE: Final = "decision.overdue"
"""{id, runbook_id, question, deadline, due_at, arose_at?, arisal?, open_since?, open_arisals?}: the decision's
deadline passed with no verdict, once per run of arisals (``decisions.runs``: ``open_since`` is the run's first
arisal, which the deadline counts from)."""
DECISION_AROSE: Final = "decision.arose"
"""{id, named, runbook_id, question, condition: {text, state, evidence, kind, value?, source?}}: a
decision with an ``applies_when`` condition was seen to need taking (its condition held), once per
arisal: the first time, and again only after a ``decision.lapsed``; until then it was "not needed now"
and never overdue. A verdict answers the arisal it was recorded in; one arising again after a verdict is a new
question, one arising again with none between is the same question still open (``decisions.runs``)."""
BRANCH_JUDGED: Final = "branch.judged"
"""{runbook_id, section, condition: {text, state, evidence, kind, value?, source?}, judged_at}: a look (the
dashboard's, a CLI command's) judged the condition of a runbook branch (an ``applies_when`` fence under a section,
``warroom.runbook.branch``) and its state differs from the last one journaled for it (the first judgement too):
met, not met, or unknown when it was read and could not be judged. What the checklist, the drill report and the
PIR say of that branch's steps never begun comes from these lines (``warroom.incident.branches``)."""
DECISION_LAPSED: Final = "decision.lapsed"
"""{id, named, runbook_id, question, condition, judged_at, arose_seq}: the condition of a decision that
arose was seen not to hold any more (once per arisal): a later holding is a new arisal, asked again."""
