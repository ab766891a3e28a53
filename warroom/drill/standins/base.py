"""What every stand-in shares: the drill it answers from, its clock, recording, pauses, options, tables."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TextIO

from warroom.drill.activity import Activity
from warroom.drill.actions import Action, append_actions
from warroom.drill.cluster import Cluster, build_cluster, meaning
from warroom.drill.model import Signals
from warroom.drill.series import Series
from warroom.drill.directory import ENV_DIR, Drill, open_drill
from warroom.errors import WarroomError

NO_DELAY_ENV = "WARROOM_DRILL_NO_DELAY"
AT_ENV = "WARROOM_DRILL_AT"          # run as of this unix time (tests, facilitator replays)
MAX_PAUSE = 8.0           # wall seconds: a stand-in never sits longer than this in one pause


class DrillMissing(Exception):
    """No drill to answer from: the stand-in was run outside a drill."""


class Context:
    """One stand-in invocation: the drill, the moment it runs at, and lazily built world views."""

    def __init__(self, tool: str, argv: Sequence[str], drill: Drill, *, at: float | None = None,
                 stdout: TextIO | None = None, stderr: TextIO | None = None, in_pod: str | None = None) -> None:
        self.tool = tool
        self.argv = list(argv)
        self.drill = drill
        self.at = time.time() if at is None else at
        self.t = drill.scenario_time(self.at)
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.in_pod = in_pod                  # set when run through `kubectl exec` (the pod's name)
        self.no_delay = os.environ.get(NO_DELAY_ENV, "") not in ("", "0")

    @classmethod
    def from_env(cls, tool: str, argv: Sequence[str]) -> Context:
        path = os.environ.get(ENV_DIR)
        if not path:
            raise DrillMissing(f"this is the warroom drill stand-in for {tool}; it only answers inside a "
                               f"drill (${ENV_DIR} is not set)")
        try:
            drill = open_drill(Path(path), wrappers=False)
        except WarroomError as exc:
            raise DrillMissing(str(exc)) from None
        at = os.environ.get(AT_ENV)
        try:
            return cls(tool, argv, drill, at=float(at) if at else None)
        except ValueError:
            raise DrillMissing(f"${AT_ENV} must be a unix time, got {at!r}") from None

    def sub(self, tool: str, argv: Sequence[str], in_pod: str | None = None) -> Context:
        """The same moment, for another tool (``kubectl exec ... -- curl``)."""
        ctx = Context(tool, argv, self.drill, at=self.at, stdout=self.stdout, stderr=self.stderr, in_pod=in_pod)
        ctx.__dict__.update({k: v for k, v in self.__dict__.items() if k in ("series", "cluster", "activity")})
        return ctx

    # ------------------------------------------------------------------ world views

    @cached_property
    def series(self) -> Series:
        return self.drill.simulator.refresh()

    @property
    def signals(self) -> Signals:
        return self.series.signals

    @cached_property
    def cluster(self) -> Cluster:
        return build_cluster(self.drill.scenario, self.drill.actions(), self.t)

    @cached_property
    def activity(self) -> Activity:
        return Activity(self.series, self.cluster)

    @property
    def scenario(self) -> str:
        return self.drill.scenario.name

    def wall(self, t: float) -> float:
        return self.drill.wall_time(t)

    def scenario_span(self, seconds: float) -> float:
        """A relative duration typed on the command line (``--since=5m``, ``--last 1h``).

        It means the last N minutes *of the drill's world*, whatever the speed, so outputs read
        the same at ``--speed 1`` and ``--speed 100`` (printed timestamps are wall times, so at
        high speed they sit closer together). Absolute times (``--start-time`` in epoch ms) go
        through the drill clock instead.
        """
        return seconds

    # ------------------------------------------------------------------ effects

    def apply(self, op: str, **detail: object) -> list[str]:
        """Record an operation and what it means to the scenario; returns the canonical actions."""
        action = Action(op, self.t, self.at, self.tool, tuple(self.argv), dict(detail))
        kinds = meaning(self.cluster, action)
        records = [action] + [Action(k, self.t, self.at, self.tool, tuple(self.argv), {"via": op}) for k in kinds]
        append_actions(self.drill.path, records)
        self.cluster.apply(action)
        return kinds

    def record(self, kind: str, **detail: object) -> None:
        """Record a canonical action directly (``blocks flow retry``, ``blocks notify``)."""
        append_actions(self.drill.path, [Action(kind, self.t, self.at, self.tool, tuple(self.argv), dict(detail))])

    def pause(self, scenario_seconds: float, cap: float = MAX_PAUSE) -> None:
        """Take as long as the real command would, compressed by the drill speed."""
        if self.no_delay or scenario_seconds <= 0:
            return
        time.sleep(min(cap, scenario_seconds / self.drill.speed))

    def wait_until(self, t: float, cap: float) -> bool:
        """Sleep until scenario time ``t`` (at most ``cap`` wall seconds); True if it was reached."""
        remaining = (t - self.t) / self.drill.speed
        if remaining <= 0:
            return True
        if self.no_delay:
            self._advance(t)
            return True
        time.sleep(min(cap, remaining))
        self._advance(self.drill.scenario_time(time.time()))
        return self.t >= t - 1e-6

    def _advance(self, t: float) -> None:
        self.t = t
        self.at = self.drill.wall_time(t)

    # ------------------------------------------------------------------ output

    def out(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], gap: int = 3) -> str:
    """Columns padded the way kubectl's tabwriter pads them."""
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for r in cells:
        parts = [c.ljust(widths[i] + gap) if i < len(r) - 1 else c for i, c in enumerate(r)]
        lines.append("".join(parts).rstrip())
    return "\n".join(lines)


def age(seconds: float) -> str:
    """Kubernetes' human-readable age (``duration.HumanDuration``)."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d" if hours % 24 == 0 else f"{days}d{hours % 24}h"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def go_duration(text: str) -> float | None:
    """Parse a Go-style duration (``5m``, ``90s``, ``1h30m``, ``1.5h``); None if it is not one."""
    if not re.fullmatch(r"(\d+(\.\d+)?(ns|us|ms|s|m|h))+", text or ""):
        return None
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|ms|s|m|h)", text))


# ------------------------------------------------------------------------------ command-line options


@dataclass(frozen=True)
class Flag:
    key: str
    value: str = ""                # "": a switch; "=": takes a value; "=*": repeatable; "?": value only after "="


def flags(spec: str) -> dict[str, Flag]:
    """A flag table from a compact spec, so each tool's options read as one short list.

    Words are separated by spaces; a word is a flag's names joined by ``|`` (one letter: ``-x``,
    longer: ``--name``), then ``=`` if it takes a value, ``=*`` if it may repeat, ``?`` if it
    takes one only as ``--name=value``. The key is the first long name with ``-`` as ``_``
    (``sort-by`` -> ``sort_by``), or the one given after ``:`` (``f:follow``).
    """
    table: dict[str, Flag] = {}
    for word in spec.split():
        m = re.fullmatch(r"([^=?:]+)(=\*|=|\?)?(?::(\w+))?", word)
        if m is None:
            raise ValueError(f"bad flag spec {word!r}")
        names = m.group(1).split("|")
        key = m.group(3) or next((n for n in names if len(n) > 1), names[0]).replace("-", "_")
        for n in names:
            table[("-" if len(n) == 1 else "--") + n] = Flag(key, m.group(2) or "")
    return table


class OptionError(Exception):
    """A bad option: ``kind`` is "unknown" or "needs-value"; each tool words it its own way."""

    def __init__(self, kind: str, flag: str, token: str) -> None:
        super().__init__(f"{kind}: {token}")
        self.kind = kind
        self.flag = flag          # the option as named: "--bogus", "-Z"
        self.token = token        # the whole word it came in: "--bogus=1", "-sZ"


@dataclass
class Args:
    """Parsed command line: positional words, options by key, and the words after ``--``."""

    pos: list[str]
    opts: dict[str, object] = field(default_factory=dict)
    rest: list[str] = field(default_factory=list)

    def get(self, key: str, default: object = None) -> object:
        return self.opts.get(key, default)

    def text(self, key: str, default: str = "") -> str:
        """A value option as text (``default`` when absent)."""
        value = self.opts.get(key)
        return default if value is None or value is True else str(value)

    def all(self, key: str) -> list[str]:
        """Every value of a repeatable option (``-H a -H b``), in order."""
        value = self.opts.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []


def parse_args(argv: Sequence[str], table: dict[str, Flag], *, short: bool = True,
               double_dash: bool = True) -> Args:
    """Read ``argv`` with getopt-style rules shared by kubectl, curl, psql and blocks.

    ``--name=value`` or ``--name value``; short flags bundle (``-sS``, ``-it``) and take a value
    attached or as the next word (``-nprod``, ``-n=prod``, ``-n prod``); ``--flag=false`` turns a
    switch off; ``--`` ends options unless ``double_dash`` is False; a lone ``-`` is positional,
    and with ``short=False`` so is every word with a single dash.
    """
    out = Args([])
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--" and double_dash:
            out.rest = list(argv[i:])
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            flag = table.get(name)
            if flag is None:
                raise OptionError("unknown", name, a)
            if flag.value == "?" and eq:          # --dry-run=client|server; =none (or =false) is off
                out.opts[flag.key] = value if value.lower() not in ("none", "false") else False
                continue
            if flag.value in ("", "?"):
                out.opts[flag.key] = value.lower() != "false" if eq else True
                continue
            if not eq:
                if i >= len(argv):
                    raise OptionError("needs-value", name, a)
                value, i = argv[i], i + 1
            _store(out.opts, flag, value)
        elif short and a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                name = "-" + a[j]
                flag = table.get(name)
                if flag is None:
                    raise OptionError("unknown", name, a)
                if flag.value in ("", "?"):
                    out.opts[flag.key] = True
                    j += 1
                    continue
                value = a[j + 1:].removeprefix("=")
                if not value:
                    if i >= len(argv):
                        raise OptionError("needs-value", name, a)
                    value, i = argv[i], i + 1
                _store(out.opts, flag, value)
                break
        else:
            out.pos.append(a)
    return out


def _store(opts: dict[str, object], flag: Flag, value: str) -> None:
    previous = opts.get(flag.key)
    if flag.value == "=*":
        opts[flag.key] = (previous if isinstance(previous, list) else []) + [value]
    else:
        opts[flag.key] = value
