"""What responders did during a drill: the canonical action vocabulary and ``actions.jsonl``.

Stand-ins append one JSON line per effective command (``kubectl set env ... ENABLE_CIRCUIT_BREAKER=true`` is
recorded as ``circuit_breaker``), stamped with the step run whose process did it (its ``tag``); the simulator
reads the file back and bends the curves (``<action>_off`` ends a bend). Each line carries the scenario time ``t``
it happened at, so the same lines always give the same curves, whoever reads them and when."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError
from warroom.execute.watchdog import TAG_ENV

HISTORY = 7200.0
"""Scenario seconds of the world before the drill starts (``series.HISTORY``: its rows begin there); an action
recorded before that moment is no action the world can follow."""

ACTIONS_FILE = "actions.jsonl"
CALLS_FILE = "calls.jsonl"     # every stand-in invocation, read-only too: the steps a drill report credits as typed
MAX_REPLICAS = 1000      # the most replicas a stand-in records (kubectl's, the HPA's bounds)
MAX_TIME = 1e11          # seconds (year 5138): beyond it, or not a number, a recorded time is damage
RETRIES = ("retry", "retry_pruned")     # ``blocks flow retry``: one task run again (``Signals.retries``)
#: What these mend lives in the pods they replace, so they act as ``kubectl get pods`` shows them replaced, with no
#: delay or tau of their own (``Signals.held``): the bad release's code; an audit shipper stuck since a stall.
BY_POD = ("rollback", "audit_restart")

#: Every canonical action; one change that means several records them in this order (``cluster._env_meaning``).
ACTIONS: dict[str, str] = {
    "circuit_breaker": "circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true)",
    "circuit_breaker_off": "circuit breaker disabled",
    "fallback_routing": "fallback model routing enabled (FALLBACK_MODEL / DISABLE_PROVIDERS)",
    "fallback_routing_off": "fallback model routing removed",
    "context_pruning": "context pruning enabled for new flows",
    "context_pruning_off": "context pruning disabled",
    "retry": "failed flows retried",
    "retry_pruned": "failed flows retried with context pruning",
    "rollback": "FlowEngine rolled back off the bad release",
    "rollback_off": "FlowEngine moved back onto the bad release",
    "canary": "a canary on the bad release took a share of FlowEngine's flows",
    "canary_off": "no canary on the bad release takes FlowEngine's flows any more",
    "rollback_to_pilot": "orchestrator limited to the pilot repo",
    "restart": "FlowEngine rollout restarted",
    "schema_hotfix": "schema hot-patch applied (flowengine-config schema.emit_version: read at the next restart)",
    "audit_restart": "audit pipeline restarted",
    "redaction": "PII redaction re-enabled",
    "flowengine_stop": "FlowEngine scaled to zero (all flows halted)",
    "flowengine_start": "FlowEngine scaled back up",
    "scale": "FlowEngine replicas added",
    "scale_down": "FlowEngine replicas removed",
    "manual_review": "manual review mode enabled",
    "manual_review_off": "manual review mode disabled",
    "throttle": "concurrent flows throttled (MAX_CONCURRENT_FLOWS)",
    "throttle_off": "concurrent flow cap raised (MAX_CONCURRENT_FLOWS): flows waiting for a slot start",
    "retry_attempts": "attempts per model call changed (retry.max_attempts)",
    "set_env": "deployment environment changed",
    "set_image": "deployment image changed",
    "iam_change": "an IAM user's policy changed (aws iam)",
    "s3_move": "an object moved out of its S3 bucket (aws s3 mv)",
    "db_snapshot": "a database snapshot taken (aws rds)",
    "notify": "stakeholders notified",
    "page": "responders paged (blocks incident create)",
    "status_page": "status page updated",
}


@dataclass(frozen=True)
class Action:
    action: str
    t: float                                  # scenario seconds
    ts: float = 0.0                           # unix wall time it was recorded
    tool: str = ""
    argv: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    tag: str = ""        # $WARROOM_STEP_TAG of the step run whose process recorded it ("" for none: a shell)

    def to_json(self) -> str:
        return json.dumps({"action": self.action, "t": round(self.t, 3), "ts": round(self.ts, 3), "tool": self.tool,
                           "argv": list(self.argv), "detail": self.detail} | ({"tag": self.tag} if self.tag else {}),
                          sort_keys=True)


def read_actions(drill_dir: Path) -> list[Action]:
    """All recorded actions in file order; a line that is no whole record (torn, edited, a time that is no
    moment) is an error naming it, never skipped: the world redrawn without it hid what a responder did."""
    try:
        raw = (drill_dir / ACTIONS_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    out: list[Action] = []
    for n, line in ((n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()):   # blank: no record
        try:
            d = json.loads(line)
            if missing := [k for k in ("action", "t", "ts", "tool", "argv", "detail") if k not in d]:
                raise ValueError(f"no {', '.join(missing)}: warroom writes every one")     # redteam41 X6: a forged
            if not isinstance(d["argv"], list) or not isinstance(d["detail"], dict):    # line rewrote the past
                raise ValueError("argv is a list and detail an object in every record warroom writes")
            for key in ("replicas", "min", "max"):       # counts the stand-ins bound (kubectl's MAX_REPLICAS): one
                count = d["detail"].get(key)             # of "many" or 1e300 crashed the report or ran out of memory
                if count is not None and (type(count) is not int or not 0 <= count <= MAX_REPLICAS):   # (attack41 A10)
                    raise ValueError(f"its {key} {count!r} is no count of replicas the drill runs "
                                     f"(0 to {MAX_REPLICAS})")
            # a drill recorded before the operation was named scale_to wrote it as "scale" (the
            # canonical "replicas added"): told apart by its replica count
            name = "scale_to" if d["action"] == "scale" and "replicas" in (d.get("detail") or {}) else d["action"]
            a = Action(str(name), float(d["t"]), float(d.get("ts", 0.0)), str(d.get("tool", "")),
                       tuple(str(a) for a in d.get("argv", ())), dict(d.get("detail") or {}), str(d.get("tag") or ""))
            if not (abs(a.t) < MAX_TIME and 0 <= a.ts < MAX_TIME):
                raise ValueError(f"t {a.t:g} and ts {a.ts:g} are not both moments")
            if a.t <= -HISTORY:     # the world's first row is before any action: its flows were counted without it
                raise ValueError(f"t {a.t:g} is not after the drill world's first moment (-{HISTORY:g} s)")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WarroomError(f"{drill_dir / ACTIONS_FILE}:{n}: not a whole action record ({exc}); the drill's world"
                               " is rebuilt from every one: repair or delete that line (nothing was changed)") from None
        out.append(a)
    return out


def append_actions(drill_dir: Path, actions: Iterable[Action], name: str = ACTIONS_FILE) -> None:
    """Append under a lock with one write: concurrent stand-ins never interleave, nor glue onto a torn line."""
    lines = "".join(replace(a, tag=a.tag or os.environ.get(TAG_ENV, "")).to_json() + "\n" for a in actions)
    if not lines:
        return
    fd = os.open(drill_dir / name, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if (size := os.lseek(fd, 0, os.SEEK_END)) and os.pread(fd, 1, size - 1) != b"\n":
            raise WarroomError(f"{drill_dir / name}: its last line is torn (no newline); a record appended"
                               " to it would be lost with it: repair or delete that line (nothing was recorded)")
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
