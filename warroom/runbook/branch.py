"""A runbook branch's condition: a section the runbook says applies only in some states.

A runbook often branches on the state of the incident: "One provider down", "Two providers down",
"All providers down". The steps of a branch that did not apply are not work left undone: with one
provider down, turning on the circuit breaker or switching to manual review is what the commander
must *not* do (redteam45 R4: the drill report and the PIR listed them "not done" beside the real
misses). A section states its condition in an ``applies_when`` fence, right under its heading,
before its first step::

    ### Two providers down: protect the one that is left

    ```applies_when
    text = "Two or more providers down (over 10% of their calls answered 5xx, or out of routing with no calls)"
    query = "providers_down"        # a [queries.NAME] of the runbook, a pane id, or PromQL
    op = ">="
    value = 2
    ```

The body is one criterion of a Go/No-Go decision (``warroom.runbook.decision``), read by the same
code with the same rules as a decision's ``[applies_when]``: ``query`` + ``op`` + ``value``, ``step`` +
``pattern`` + ``op`` + ``value``, ``note`` / ``no_note`` (with ``after``), ``after`` alone or ``ran`` (a step that
ran ok: not run is "not met", as ``not_ran`` reads the journal); it must
measure something (a condition only the commander can judge would make the branch "not needed" on
nobody's evidence), never ``not_ran`` / ``unless_ran``. It covers every step of its section and of
the sections below it (deeper headings) up to the next heading of the same or a higher level.
Errors — bad TOML, an unknown key, a query the runbook does not name, a step it does not have, a
block after the section's first step, outside any section, nested in another branch, twice in one
section or under a title another branch has — name the file line of the key (lint and the loader report
them as any finding).

How the condition is judged and what a step of a branch that did not apply is called (never "not
done", never ✔) is the incident's rule: ``warroom.incident.branches``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from warroom.runbook.decision import Criterion, DecisionError, _criterion, _Lines
from warroom.runbook.fence import toml_body

WHERE = "applies_when block"


@dataclass(frozen=True)
class Branch:
    """A section's condition: the steps it covers (ids, in the runbook's order) apply only while it holds."""

    section: str                      # its section's title, as the checklist and the PIR name the branch
    heading_line: int                 # file line of that heading
    line: int                         # file line of the ``applies_when`` fence
    condition: Criterion
    steps: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """What the journal names the branch by: its section's title (a line moves with every edit above it)."""
        return self.section

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "heading_line": self.heading_line, "line": self.line,
                "condition": self.condition.to_json(), "steps": list(self.steps)}


class _TopLines(_Lines):
    """File lines of the fence's keys: the criterion's keys are at the body's top level, not in a table."""

    def of(self, key: str | None = None, side: str | None = None, n: int = 0) -> int:
        return self._of_top(key) if key else self.fence


def parse_branch_fences(fences: list[tuple[int, str, bool]], sections: list[Any]) -> tuple[list[Branch],
                                                                                          list[tuple[int, str]]]:
    """The branches of a runbook from its ``applies_when`` fences (file line, body, closed?) and its
    parsed ``sections`` (their steps already numbered), and the (line, message) problems."""
    out: list[Branch] = []
    problems: list[tuple[int, str]] = []
    owner: dict[int, int] = {}            # section index -> the fence line whose branch governs it
    for line, body, closed in fences:
        data = toml_body(line, body, closed, WHERE)
        if isinstance(data, tuple):
            problems.append(data)
            continue
        at = _TopLines(body, line)
        try:
            cond = _criterion(data, "applies_when", 1, at, where=WHERE)
        except DecisionError as exc:
            problems.append((exc.line, str(exc)))
            continue
        if cond.kind == "judgement":
            problems.append((cond.line, f"{WHERE}: it must measure something ('query', 'step', 'note', 'no_note' or"
                                        " 'after'): a condition only the commander can judge would call the"
                                        " branch's steps 'not needed' on nobody's evidence"))
            continue
        if cond.not_ran:
            problems.append((at.of("not_ran"), f"{WHERE}: 'not_ran' cannot say when a branch applies (it would"
                                               " hold from the start and lapse when the step runs): measure the"
                                               " state itself"))
            continue
        index = max((i for i, s in enumerate(sections) if s.line <= line and s.level > 0), default=None)
        if index is None:
            problems.append((line, f"{WHERE}: it belongs right under the heading of the section it conditions"))
            continue
        head = sections[index]
        covered = [index]
        for j in range(index + 1, len(sections)):
            if sections[j].level <= head.level:
                break
            covered.append(j)
        steps = [st for j in covered for st in sections[j].steps]
        if any(st.line < line for st in sections[index].steps):
            problems.append((line, f"{WHERE}: it must come before the first step of section {head.title!r} (put it"
                                   " right under the heading)"))
            continue
        twin = next((b for b in out if b.key == head.title), None)
        if twin is not None:      # one key, two questions: each judged on the other's evidence (attack46 X2)
            problems.append((line, f"{WHERE}: section {head.title!r} has the title of the branch at line"
                                   f" {twin.heading_line}: the journal names a branch by its title, so a branch's"
                                   " title must be unique in its runbook"))
            continue
        clash = next((owner[j] for j in covered if j in owner), None)
        if clash is not None:
            problems.append((line, f"{WHERE}: section {head.title!r} is already conditioned by the block at line"
                                   f" {clash} (one condition per branch; nested branches are not supported)"))
            continue
        for j in covered:
            owner[j] = line
        out.append(Branch(head.title, head.line, line, replace(cond, line=cond.line or line),
                          tuple(st.id for st in steps)))
    return out, problems


def branch_of(branches: list[Branch], step_id: str) -> Branch | None:
    """The branch whose condition covers a step, or None (a step every incident owes)."""
    return next((b for b in branches if step_id in b.steps), None)
