"""What in the journal fulfils a runbook's manual checklist item: a ``fulfilled_by`` fence under the item.

A checklist item such as "Record the root cause and the bundle sizes seen" or "Send a stakeholder update every
30 minutes" is done by something the incident journals anyway: a tagged note, a status update. Without a way to
say so, the drill report and the PIR listed it "not done (runbook step with no journal event)" beside their own
quotes of that note and those updates (redteam46 R4). The item says what fulfils it in a ``fulfilled_by`` fence
(TOML, one key) indented under it (or right below it)::

    - [ ] Record the root cause and the bundle sizes seen.
      ```fulfilled_by
      note = "root-cause"          # a note of this tag (a decision criterion's ``note``, the same tags)
      ```

One key, what the journal records:

* ``note = TAG`` — a note of that tag (``warroom.journal.events.NOTE_TAGS``, the Go/No-Go criteria's ``note``);
* ``update = "sent"`` — a stakeholder update was sent; ``update = "cadence"`` — every update the severity's cadence
  made due was sent (``warroom.incident.cadence.missed_updates``: never "done" while one fell due unsent);
* ``role = ROLE`` — the role was given (``commander``, ``ops``, … ``warroom.incident.roles.ROLES``);
* ``severity = "set"`` — a severity was set (at the declaration, or changed since);
* ``phase = PHASE`` — the incident reached the phase (``mobilised``, ``root_cause``, ``mitigated`` …: marked, or
  derived as the PIR's milestones are).

Only what happened while the incident was open counts. How an item is judged and shown ("done: root-cause note at
+41m [#43]") is the incident's rule: ``warroom.incident.fulfilment``. Errors — bad TOML, an unknown key, two keys,
a tag/role/phase the tool does not have, a fence not under a checklist item (a command step, a heading between, or
no item at all) or a second one for the same item — name the file line of the key (lint and the loader report them
as any finding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warroom.runbook.fence import toml_body

WHERE = "fulfilled_by block"
KEYS = ("note", "update", "role", "severity", "phase")
UPDATES = ("sent", "cadence")


@dataclass(frozen=True)
class Fulfil:
    """A manual item's fulfilment: ``kind`` (one of ``KEYS``) and ``value`` (a tag, ``sent``/``cadence``, a role,
    ``set``, a phase), read from the fence at file ``line`` under the item ``step``."""

    step: str
    kind: str
    value: str
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, self.kind: self.value, "line": self.line}


def _allowed(kind: str) -> tuple[str, ...]:
    """The values a key takes: the tool's own vocabularies (note tags, roles, phases), never a copy."""
    if kind == "note":
        from warroom.runbook.decision import _note_tags

        return _note_tags()
    if kind == "update":
        return UPDATES
    if kind == "severity":
        return ("set",)
    if kind == "role":
        from warroom.journal.events import ROLE_NAMES

        return tuple(ROLE_NAMES)
    from warroom.journal.events import PHASES

    return tuple(PHASES)


def _key_line(body: str, fence_line: int, key: str) -> int:
    """The file line of ``key`` in the body (the fence's line when it is not found)."""
    for i, ln in enumerate(body.split("\n")):
        stripped = ln.strip().strip("\"'")
        if stripped.startswith(key) and stripped[len(key):].lstrip().lstrip("\"'").lstrip().startswith("="):
            return fence_line + 1 + i
    return fence_line


def parse_fulfil_fences(fences: list[tuple[int, str, bool]], steps: list[Any],
                        headings: list[int]) -> tuple[list[Fulfil], list[tuple[int, str]]]:
    """The fulfilments of a runbook's items from its ``fulfilled_by`` fences (file line, body, closed?), its steps
    (numbered) and the file lines of its headings, and the (line, message) problems."""
    out: list[Fulfil] = []
    problems: list[tuple[int, str]] = []
    taken: dict[str, int] = {}
    for line, body, closed in fences:
        data = toml_body(line, body, closed, WHERE)
        if isinstance(data, tuple):
            problems.append(data)
            continue
        extra = sorted(set(data) - set(KEYS))
        if extra:
            problems.append((_key_line(body, line, extra[0]), f"{WHERE}: unknown key {extra[0]!r} (one of: "
                                                              f"{', '.join(KEYS)})"))
            continue
        if len(data) != 1:
            problems.append((_key_line(body, line, sorted(data)[1]) if data else line,
                             f"{WHERE}: one key says what fulfils the item (one of: {', '.join(KEYS)})"
                             + (f", not both {sorted(data)[0]!r} and {sorted(data)[1]!r}" if data else ", none given")))
            continue
        (kind, value), = data.items()
        allowed = _allowed(kind)
        if not isinstance(value, str) or value not in allowed:
            problems.append((_key_line(body, line, kind), f"{WHERE}: {kind!r}: {value!r} is not one of "
                                                          f"{', '.join(allowed)}"))
            continue
        item = max((s for s in steps if s.line < line), key=lambda s: s.line, default=None)
        if item is None or any(item.line < h < line for h in headings):
            problems.append((line, f"{WHERE}: it belongs right under the checklist item it fulfils"))
            continue
        if item.kind != "manual" or item.runnable:
            problems.append((line, f"{WHERE}: step {item.number} ({item.label!r}) runs a command: its run is"
                                   " journaled already; only a checklist item to tick takes a fulfilled_by"))
            continue
        if item.id in taken:
            problems.append((line, f"{WHERE}: step {item.number} ({item.label!r}) already has one at line"
                                   f" {taken[item.id]} (one per item)"))
            continue
        taken[item.id] = line
        out.append(Fulfil(item.id, kind, value, _key_line(body, line, kind)))
    return out, problems


def fulfil_of(fulfils: list[Fulfil], step_id: str) -> Fulfil | None:
    """The fulfilment a runbook states for a step, or None."""
    return next((f for f in fulfils if f.step == step_id), None)
