"""The drill report as plain data: one row per response milestone, per action the drill saw and
per pane, and the report holding them (what the dashboard's screen and the CLI's text render)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from warroom.incident.by_hand import BY_HAND, TYPED, ended_before
from warroom.incident import branches, fulfilment, progress
from warroom.incident.marks import state_word
from warroom.incident.verdicts import OPEN, Verdict
from warroom.journal import numbers


@dataclass(frozen=True)
class ResponseRow:
    key: str                      # detected | mobilised | root_cause | mitigated | resolved
    label: str
    target_min: float
    at: float | None              # unix time the milestone was reached
    minutes: float | None         # scenario minutes from its starting point (x speed): what the target judges
    wall_minutes: float | None    # the same span on the wall clock (``IncidentState.response_times``' shape)
    met: bool | None              # within target on the clock; None: not reached (yet) or no starting point
    # the verdict every view shows (``warroom.incident.verdicts``, the PIR's rule): its mark, cell, sentence
    verdict: Verdict = Verdict(OPEN, "not reached", "not reached")


@dataclass(frozen=True)
class ActionRow:
    at: float                     # unix time
    t: float                      # drill seconds
    action: str
    meaning: str                  # its name: the scenario's, for an action an operation meant (said by ``description``)
    command: str
    effective: bool               # it bent the scenario (its prerequisites were met)
    mitigation: bool = True       # it can bend this scenario at all (a page or a status update cannot)
    change: str = ""              # what it changed, from the simulator: the panes with and without it
    why: str = ""                 # why it bent nothing ("already in force"), or when it was undone
    clock: float | None = None    # drill seconds since detection (the incident clock), None before a declaration
    cause: str = ""               # how it bends the faults, as the scenario models it (its mitigations' why)
    tag: str = field(default="", metadata={"internal": True})   # the step run it was done in (``Action.tag``)
    moved: bool = field(default=False, metadata={"internal": True})  # a pane moved by its causes (``change``)
    # the canonical action an operation that meant none was typed for (an undo that stayed on the release in fault:
    # "rollback"), so what was missed says why: its ``why``
    meant: str = field(default="", metadata={"internal": True})
    # the drill is over (``action_rows``' ``told``): the scenario's judgement of it may be said (``judged``)
    told: bool = field(default=True, metadata={"internal": True})
    # weighed with an earlier row (the same change again, a restart in the first's window): its effect is said there
    with_first: bool = field(default=False, metadata={"internal": True})
    # what its command did, in the command's own terms, for an action an operation meant ("deployment image changed
    # (set image v1.2.0 on flowengine)"): its name while the incident is open (``description``); "" for the others
    plain: str = field(default="", metadata={"internal": True})
    # the panes it made worse, the flows it kept waiting (``Changes.worse``): the summary says so
    worse: str = field(default="", metadata={"internal": True})
    # still in force at the end and holding panes the wrong way then (``Changes.left``): the summary says so
    left: str = field(default="", metadata={"internal": True})
    # taken after the incident was resolved, said: "taken 5m00s drill time (30s wall) after the incident was resolved"
    # (its ``why`` ends so); "" before. The post-incident triage's: no part of the response (attack46 X9)
    late: str = field(default="", metadata={"internal": True})
    # a step's command of a runbook closed before it was typed: "typed after RB-LAUNCH-002 was closed (its step 6's
    # command)"; no credit of that runbook's (attack47 Y10), said beside it where it is told outside the steps
    after_close: str = field(default="", metadata={"internal": True})

    @property
    def description(self) -> str:
        """The action's name as it may be said: the scenario's (``meaning``: "FlowEngine moved back onto the bad
        release (set image v1.2.0 on flowengine)", "fallback model routing enabled") names the release in fault or the
        right provider, the answer while the incident is open, so until then what its command did (``plain``). The
        one rule every rendering reads, as ``judged`` is for the verdict (attack43 A8: each label was renamed where it
        was built, and "moved back onto the bad release" was left)."""
        return self.meaning if self.told or not self.plain else self.plain

    @property
    def judged(self) -> tuple[bool | None, bool | None]:
        """(``effective``, ``mitigation``) as they may be said: the scenario's judgement of the action (whether it is
        the fix, or one of the scenario's mitigations at all) is the answer while the incident is open, so (None,
        None) until then. The one rule every rendering reads (the text, the screen, ``--json``, the summary): the
        text hid it while ``--json`` still gave both fields mid-drill (attack42 A7)."""
        return (self.effective, self.mitigation) if self.told else (None, None)


@dataclass(frozen=True)
class PaneOutcome:
    pane: str
    title: str
    crit: float | None
    at_detection: float | None
    worst: float | None
    now: float | None
    recovered: bool
    unit: str = "count"                 # the pane's unit, for ``warroom.units.format_value``
    at_start: float | None = None
    worst_at: float | None = None         # unix time of the worst value
    at_resolution: float | None = None
    worsening: bool = False
    # what the pane's own query reads over the last minutes at that moment (``metric_sync.recent_words``: "; over the
    # last 5m00s the same query reads 0.29%"), said after a pane not recovered: an hour's rate stays critical an hour
    # after the last failure, and rises while the flows it divides by are refused (redteam48 F1)
    recent: str = ""


@dataclass(frozen=True)
class DrillReport:
    drill: str
    scenario: str
    title: str
    runbook: str
    speed: float
    incident: str | None
    breach_at: float | None
    generated_at: float
    declared_before_breach: bool
    responses: tuple[ResponseRow, ...]
    actions: tuple[ActionRow, ...]
    resolution_done: tuple[str, ...]
    resolution_missing: tuple[str, ...]
    panes: tuple[PaneOutcome, ...]
    recovered: bool                      # every pane recovered (each its own ``PaneOutcome.recovered``)
    summary: tuple[str, ...]
    mttr_target_min: float | None = None
    mttr_raised: str = ""                # why the MTTR judged is longer than the runbook's (``people_target``)
    # the runbook's steps in order: (section, label, state, the drill actions its runs recorded); the
    # state is the checklist's (``marks.checklist_state``: "unmet" for an ok run that missed its
    # expectation), said in words by ``path_word``
    runbook_path: tuple[tuple[str, str, str, str], ...] = ()
    # actions no runbook step's run recorded (a shell, another tool) while the incident was open: those after the
    # resolution are no part of the response (``ActionRow.late``: the summary says them apart)
    outside: tuple[str, ...] = ()
    # the rows of all of them, after the resolution too, for the PIR's timeline (``pir.drill_shell``)
    outside_actions: tuple[ActionRow, ...] = field(default=(), metadata={"internal": True})
    failed: int = 0                      # flows the incident's causes failed (the drill's tasks table)
    # of those, the tasks still failed when it ended; None while the incident is open and the team retried none (the
    # retry is the answer then: ``--json`` gives null, the text says nothing, as for any fix not taken)
    unretried: tuple[str, ...] | None = ()
    ended: bool = False                  # its incident resolved: the drill is over (else: the drill so far)
    decisions: tuple[str, ...] = ()      # the Go/No-Go on the drill's clock: verdicts, late ones, none by the deadline
    # each runbook a GO opened: (its id, what the GO opened and how far it got, its path as ``runbook_path``)
    opened: tuple[tuple[str, str, tuple[tuple[str, str, str, str], ...]], ...] = ()
    # the scenario's root cause, told once the drill is over (mid-drill it would give the answer away),
    # beside the team's own root-cause notes, so the debrief compares what was found with what was true
    cause: str = ""
    noted_causes: tuple[str, ...] = ()
    harm: str = ""            # the scenario's harm counted from its onset to the end (``harm.total_text``), or ""
    # the drill shell worked in before any journaled action Time to mobilise counts (``by_hand.shell_unjournaled``)
    shell: str = field(default="", metadata={"internal": True})
    # when each step credited done by hand was typed: (runbook id, step id, unix), for the PIR (``pir.drill_shell``)
    typed_at: tuple[tuple[str, str, float], ...] = field(default=(), metadata={"internal": True})
    # each step credited done by hand: (runbook id, step number, label, its path state, unix when, the actions its
    # calls recorded), for the PIR's timeline (``pir.drill_shell``)
    credited: tuple[tuple[str, int, str, str, float, tuple[ActionRow, ...]], ...] = field(
        default=(), metadata={"internal": True})

    @property
    def met(self) -> int:
        return sum(1 for r in self.responses if r.verdict.ok)

    def to_dict(self) -> dict[str, Any]:
        """The report as ``--json`` gives it: every field but an action's ``internal`` ones (its ``effective`` and
        ``mitigation`` as ``judged`` says them, and ``resolution_done``: null while the incident is open), what the
        report reasons with and says in words (the run ``tag`` pairing it with its step, a random id:
        the runbook path says it; ``moved``: its ``change`` says it)."""
        out = asdict(self)
        for name in (f.name for f in fields(self) if f.metadata.get("internal")):
            del out[name]
        internal = [f.name for f in fields(ActionRow) if f.metadata.get("internal")]
        if not self.ended:      # which actions the scenario counts its fix is its judgement (attack43 A8)
            out["resolution_done"] = None
        out["actions"] = [{("description" if k == "meaning" else k): row.description if k == "meaning" else v
                           for k, v in action.items()}              # its name as ``description`` says it
                          for action, row in zip(out["actions"], self.actions, strict=True)]
        for action, row in zip(out["actions"], self.actions, strict=True):
            action["effective"], action["mitigation"] = row.judged      # null while the incident is open
            for name in internal:
                del action[name]
        return numbers.encode_tree(out)      # standard JSON: a pane's worst of +Inf as "+Inf"




#: a runbook-path step never begun in a branch that did not apply (``path.branched``): not owed, never done
SPARED = "not needed: "
#: one never begun whose branch could not be judged, or a checklist item the journal does not show done (its
#: ``fulfilled_by``: what is lacking): not done, and said so
UNJUDGED = "not done: "
#: a checklist item nobody ticked that the journal shows done (``warroom.incident.fulfilment``): by what did it
JOURNALED = "done: "


def counted(state: str) -> str:
    """A runbook-path step's state as the one count has it (``progress.count``): the checklist's state its words
    say (``done: …`` fulfilled by the journal, ``not needed: …``, ``not done: …`` never begun), or done by hand; one
    typed by hand, not done by it, is as the checklist counts it: its run's end when it ran before (``after_run``: a
    failed run stays failed, attack53 A8), else not done."""
    for prefix, core in ((BY_HAND, progress.DONE_BY_HAND), (JOURNALED, fulfilment.FULFILLED),
                         (SPARED, branches.NOT_NEEDED), (UNJUDGED, "pending"), (TYPED, "pending")):
        if state.startswith(prefix):
            return (ended_before(state) or core) if prefix == TYPED else core
    return state


def path_done(state: str) -> bool:
    """Whether a runbook-path step counts as done, by the one count's rule (``progress.is_done``)."""
    return progress.is_done(counted(state))


def path_word(state: str) -> str:
    """A runbook-path step's state in the checklist's words (``marks.STEP_MARKS``): ``ok``,
    ``ran, expectation not met``, ``ran, verify gate FAILED``…; ``not done`` for one never begun; one typed by hand
    as it says (``done by hand at +6m03s (drill shell, with task_id=tsk_8ff949db)``: its words and the value typed as
    they are; attack44 A6: read as a state's name, "with task id=tsk 8ff949db" named a task that does not exist)."""
    if state == "pending":
        return "not done"
    return state if state.startswith((BY_HAND, TYPED, SPARED, UNJUDGED, JOURNALED)) else state_word(state)


def path_brief(state: str) -> tuple[str, str]:
    """A runbook-path step's state for a table's narrow column, and its why for a wide one: (``not needed``, ``its
    branch did not apply: …``), (``not done``, ``whether its branch applied could not be judged: …``); any other
    state as ``path_word`` says it, with no why."""
    for prefix in (SPARED, UNJUDGED, JOURNALED):
        if state.startswith(prefix):
            return prefix.removesuffix(": "), state.removeprefix(prefix)
    return path_word(state), ""
