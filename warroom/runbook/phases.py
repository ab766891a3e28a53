"""Which incident phase a section heading names.

Teams title their sections in many ways ("Triage", "Diagnosis", "Rollback", "Post-incident
review"...); the word lists below are deliberately generous. A heading that names no phase
inherits the phase of the heading it sits under ("### Check the logs" under "## Diagnosis").
"""

from __future__ import annotations

import re

from warroom.runbook.model import Phase

# The first phase word in a heading decides; this order breaks ties between words that start
# at the same place.
_PHASE_WORDS: list[tuple[Phase, tuple[str, ...]]] = [
    ("post-incident", ("post incident", "post-incident", "postincident", "postmortem",
                       "post mortem", "post-mortem", "pir", "retrospective", "retro",
                       "lessons learned", "lessons", "follow up", "follow-up", "followup",
                       "action items", "after the incident", "after action", "rca",
                       "root cause analysis", "incident review", "blameless", "close out",
                       "closeout", "wrap up", "wrap-up", "learnings")),
    ("communicate", ("communicate", "communication", "communications", "comms", "stakeholder",
                     "stakeholders", "status update", "status updates", "status page",
                     "statuspage", "notify", "notification", "notifications", "announce",
                     "announcement", "escalate", "escalation", "escalations", "inform",
                     "update customers", "customer update", "messaging", "broadcast",
                     "declare", "declaring")),
    ("verify", ("verify", "verification", "validate", "validation", "validating", "verifying",
                "confirm", "confirmation", "check recovery", "post-check", "post check",
                "postcheck", "smoke test", "smoke tests", "health check", "sanity check",
                "ensure recovery", "monitor recovery", "test the fix", "acceptance")),
    ("mitigate", ("mitigate", "mitigation", "mitigations", "mitigating", "resolve",
                  "resolution", "resolving", "remediate", "remediation", "remedy", "fix",
                  "fixes", "fixing", "recover", "recovery", "recovering", "rollback",
                  "roll back", "rolling back", "roll-back", "revert", "reverting", "restore",
                  "restoring", "restoration", "workaround", "workarounds", "failover",
                  "fail over", "contain", "containment", "eradicate", "eradication",
                  "immediate action", "immediate actions", "response", "respond", "repair",
                  "execution", "execute", "procedure", "actions", "action plan", "restart",
                  "scale", "scaling", "drain", "purge", "cleanup", "clean up", "stabilise",
                  "stabilize", "stabilisation", "stabilization", "emergency")),
    ("investigate", ("investigate", "investigation", "investigating", "diagnose", "diagnosis",
                     "diagnostic", "diagnostics", "diagnosing", "troubleshoot",
                     "troubleshooting", "debug", "debugging", "analysis", "analyse", "analyze",
                     "root cause", "inspect", "inspection", "examine", "dig deeper",
                     "gather", "gathering", "collect", "evidence", "findings", "checks",
                     "identify cause", "determine")),
    ("detect", ("detect", "detection", "detecting", "triage", "triaging", "symptom", "symptoms",
                "alert", "alerts", "alerting", "identify", "identification", "recognise",
                "recognize", "recognition", "assess", "assessment", "severity", "impact",
                "signals", "indicators", "trigger", "triggers", "monitoring", "observe",
                "first response", "initial response", "first steps", "intake")),
]

_COMPILED = [(phase, re.compile(r"(?<![a-z0-9])(" + "|".join(
    re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![a-z0-9])"))
    for phase, words in _PHASE_WORDS]

# "Impact" and "Meaning" sections of alert runbooks describe, they are not a phase of work;
# only map "impact" when it is phrased as an action ("assess impact").
_DESCRIPTIVE = {"impact", "meaning", "overview", "summary", "background", "context",
                "description", "about", "introduction", "prerequisites", "references",
                "see also", "links", "alert", "alerts", "severity", "triggers", "trigger"}


def phase_for(heading: str, *, leading_only: bool = False) -> Phase | None:
    """The phase a heading names, or None when it names none.

    The phase word that comes first in the heading wins ("Triage: Go/No-Go" is triage, "Verify
    the rollback" is verification); the list order above only breaks ties between words at the
    same place. ``leading_only`` accepts a phase word only at the very start: a sub-heading
    overrides the phase of the section it sits in only when it opens with one ("6. After the
    rollback" under Post-incident stays post-incident).
    """
    text = re.sub(r"^[\s#]*(\d+[.)]\s*|phase\s+\d+\s*[:.-]\s*|step\s+\d+\s*[:.-]\s*)", "",
                  heading.strip().lower())
    text = re.sub(r"[`*_]", "", text).replace("&", " and ").strip(" :.")
    if not text or text in _DESCRIPTIVE:
        return None
    best: tuple[int, int, Phase] | None = None
    for rank, (phase, pattern) in enumerate(_COMPILED):
        m = pattern.search(text)
        if m is not None and (best is None or (m.start(), rank) < best[:2]):
            best = (m.start(), rank, phase)
    if best is None or (leading_only and best[0] != 0):
        return None
    return best[2]
