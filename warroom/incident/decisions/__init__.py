"""Go/No-Go decisions on an open incident: each criterion evaluated from what the tool knows, the
verdict recorded with who and why, a reminder when the deadline passes.

The runbook states the decision (``warroom.runbook.decision``); this package judges it against the
incident: metrics through the incident's metric source, numbers in step outputs, tagged notes,
time since detection (scenario time in a drill). A criterion the tool cannot judge is "unknown",
never "met". The suggestion follows the runbook's rule (``go_when`` / ``no_go_when``; by default
GO when any GO criterion is met, NO-GO only when every NO-GO criterion is), but the commander
decides; the journal keeps both, with each criterion's state, words and the value it was judged on.

One module per part: ``model`` (the states, the judged criterion and decision, what makes two
decisions one), ``criteria`` (one criterion judged), ``runs`` (the one rule of where a deadline
counts from: the first arisal of an unanswered run), ``deadline`` (whether a decision arose, its runs
as the journal has them), ``judging`` (a decision judged at a moment), ``verdicts`` (a
verdict journaled, the GO's runbook opened), ``reminders`` (overdue and arose, journaled once),
``looks`` (the incident's decisions judged through its sources) and ``journal_only`` (what views
that read only the journal say). The names below are the package's public face: the CLI, the
dashboard and the session import them from here.
"""

from warroom.incident.decisions.criteria import judge
from warroom.incident.decisions.deadline import (Answered, Arisal, answered_of, answering, arisals_of, arose_after,
                                                 arose_at, arose_for, arose_of, deadline_start, decided_later,
                                                 missed_by, overdue_due, overdue_run, run_deadline, runs_for,
                                                 same_question)
from warroom.incident.decisions.journal_only import standing, standing_lines
from warroom.incident.decisions.judging import evaluate
from warroom.incident.decisions.looks import (Judged, block_errors, books_of, decisions_of, evaluate_all,
                                              judge_incident, step_output_reader)
from warroom.incident.decisions.model import (MET, NO_OUTPUTS, NOT_HERE, NOT_MET, UNKNOWN, VERDICTS, CriterionVerdict,
                                              DecisionView, Query, Run, StepOutput, answered_in_time,
                                              decision_key, recorded_key, verdict_basis)
from warroom.incident.decisions.reminders import note_arisen, remind_overdue
from warroom.incident.decisions.runs import runs
from warroom.incident.decisions.verdicts import Recorded, record

__all__ = ["MET", "NOT_HERE", "NOT_MET", "NO_OUTPUTS", "UNKNOWN", "VERDICTS", "Answered", "Arisal",
           "CriterionVerdict", "DecisionView", "Judged", "Query", "Recorded", "Run", "StepOutput", "answered_in_time",
           "answered_of", "answering", "arisals_of", "arose_after", "arose_at", "arose_for", "arose_of",
           "block_errors", "books_of", "deadline_start", "decided_later", "decision_key", "decisions_of", "evaluate",
           "evaluate_all", "judge", "judge_incident", "missed_by", "note_arisen", "overdue_due", "overdue_run",
           "record", "recorded_key", "remind_overdue", "run_deadline", "runs", "runs_for", "same_question",
           "standing", "standing_lines", "step_output_reader", "verdict_basis"]
