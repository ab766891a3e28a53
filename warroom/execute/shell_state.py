"""Carrying shell variables from one step of an incident to the next.

Each step runs in a fresh ``bash -c``; a runbook is written as one session
(``BAD_REV=$(...)`` in one step, ``--to-revision=$BAD_REV`` in a later one). So:

* the runbook model says which variables a step sets (:mod:`warroom.runbook.shellvars`);
* when such a step runs, a trailer appended to the command *as executed* (the command shown,
  confirmed and journaled is unchanged) writes those variables' values, NUL-separated, to a
  private file next to the step's output, keeping the command's exit status;
* the supervisor records in ``step.finished`` which variables were set, each value as
  ``[REDACTED]`` (values may be tokens), and where the file is;
* a later step of the same incident gets the values in its environment, literally.

A step that ends with ``exit`` or is killed records nothing; a command whose text is incomplete
(an open heredoc or quote) is never given a trailer (it would become part of the command).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REDACTED = "[REDACTED]"
MAX_VALUE = 64 * 1024


def supervisor_fields(command: str, names: Iterable[str], output: Path, rel: str) -> dict[str, Any]:
    """What the supervisor spec carries so the step's variables are captured (empty: none)."""
    from warroom.syntax import shell

    wanted = [n for n in dict.fromkeys(names) if _NAME.match(n)]
    if not wanted or not shell.scan(command).complete:
        return {}
    return {"capture_vars": wanted, "vars_file": str(output) + ".vars", "vars_rel": rel + ".vars"}


def wrap(command: str, names: Iterable[str], path: str) -> str:
    """The command as executed: itself, then a trailer that saves ``names`` to ``path``."""
    quoted = "'" + path.replace("'", "'\"'\"'") + "'"
    saves = "; ".join(f"[ \"${{{n}+set}}\" = set ] && printf '{n}=%s\\0' \"${n}\""
                      for n in names if _NAME.match(n))
    return (f"{command}\n__warroom_rc=$?\n"
            f"{{ umask 077; {{ {saves}; }} > {quoted}; }} 2>/dev/null\n"
            "exit $__warroom_rc\n")


def read_values(path: str | os.PathLike[str]) -> dict[str, str]:
    """``NAME=value`` records written by the trailer; unreadable or malformed parts are skipped."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError:
        return {}
    out: dict[str, str] = {}
    for rec in data.split(b"\0"):
        name, sep, value = rec.partition(b"=")
        text = name.decode("ascii", "replace")
        if sep and _NAME.match(text) and len(value) <= MAX_VALUE:
            out[text] = value.decode("utf-8", "replace")
    return out


def carried(incident_dir: Path, events: Iterable[Any], observer: str | None = None) -> dict[str, str]:
    """The variables earlier steps of the incident set, later steps overriding earlier ones. Not a read-only seat's
    run's (its start marked ``run_spec.OBSERVER_MARK``, its end paired by output): the observer's run is not the
    step's, so what it set is no value of the response's (a later step would act on a value no step of the PIR set).
    ``observer``: the asking seat is a read-only one, this actor's: its own runs are its session, so what they set
    carries to its own later runs as the response's do (attack48 Z8: its step 7 ran with the ``$SUSPECT_IMAGE`` its
    step 2 read empty), never another seat's."""
    from warroom.execute.run_spec import OBSERVER_MARK

    values: dict[str, str] = {}
    observed: set[str] = set()
    for e in events:
        data: Mapping[str, Any] = getattr(e, "data", None) or {}
        if getattr(e, "type", None) == "step.started" and data.get("output") \
                and all(data.get(k) == v for k, v in OBSERVER_MARK.items()):
            if observer is None or getattr(e, "actor", None) != observer:
                observed.add(str(data["output"]))
            continue
        if getattr(e, "type", None) != "step.finished" or not data.get("vars_file") \
                or str(data.get("output")) in observed:
            continue
        path = (incident_dir / str(data["vars_file"])).resolve()
        if incident_dir.resolve() not in path.parents:
            continue  # never read outside the incident directory
        values.update(read_values(path))
    return values
