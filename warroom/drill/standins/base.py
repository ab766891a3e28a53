"""Command stand-ins for drills: what every tool shares, and ``main`` (what ``bin/standin`` runs).

Each of ``kubectl``, ``psql``, ``aws``, ``curl`` and ``blocks`` (a module each) answers the commands
the shipped and seed runbooks use as the real tool would, from the drill in ``$WARROOM_DRILL_DIR``,
and records what it changed in ``actions.jsonl`` so the simulator bends the curves; nothing touches
a real system. ``tests/unit/test_drill_standins_golden.py`` pins every runbook command's answer.
A duration typed on a command line (``--since 5m``, ``interval '15 minutes'``) is a span of the
drill's world, whatever the speed; printed timestamps are wall times.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TextIO
from weakref import WeakKeyDictionary

from warroom import scenario_time as stime
from warroom.drill.activity import Activity
from warroom.drill.actions import CALLS_FILE, Action, append_actions
from warroom.drill.cluster import Cluster, build_cluster
from warroom.drill.directory import ENV_DIR, READ_ONLY_ENV, Drill, open_drill
from warroom.drill.directory import SHIMS
from warroom.drill.directory import STANDINS as TOOLS      # the tools a drill's bin/ holds
from warroom.drill.fleet import Provider
from warroom.drill.model import Signals
from warroom.drill.promql import SCRAPE
from warroom.drill.series import Series
from warroom.errors import WarroomError

NO_DELAY_ENV = "WARROOM_DRILL_NO_DELAY"
MAX_INPUT = 3 * 1024 * 1024          # characters of a file or stdin read (a manifest, script, -w format)
MAX_PAUSE = 8.0                      # wall seconds: a stand-in never sits longer than this in one pause


class ToolError(Exception):
    """A tool's refusal or failure: ``run_tool`` prints the message on stderr and exits with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Pod:
    """A pod as ``kubectl get pods`` shows it, and the one ``kubectl exec`` runs a command in."""
    name: str
    namespace: str
    deployment: str
    template_hash: str
    ready: bool
    status: str                 # as ``get pods`` shows it: Running, ContainerCreating, Terminating, Pending
    restarts: int
    created: float              # scenario seconds
    node: str | None            # None: Pending, no node would take it
    ip: str | None
    image: str
    container: str
    index: int = 0              # its place in its deployment's schedule (``Cluster.pods``): what a delete names
    tagged: tuple[tuple[str, str], ...] = ()    # its labels (``Deployment.pod_labels``); none: a stateful set's

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.tagged) or {"app": self.deployment, "pod-template-hash": self.template_hash}


# the estate each world (a ``Signals``, one record of actions) was read at, by moment: (the record and the autoscaler's
# decisions it was built with, the estate). Read only, but by ``Context.apply``, which drops it before changing it.
_BUILT: WeakKeyDictionary[Signals, dict[float, tuple[list[Action], list[Action], Cluster]]] = WeakKeyDictionary()


class Context:
    """One stand-in invocation: the drill, the moment it runs at, and lazily built world views."""

    def __init__(self, tool: str, argv: Sequence[str], drill: Drill, *, at: float | None = None,
                 stdout: TextIO | None = None, stderr: TextIO | None = None, in_pod: Pod | None = None) -> None:
        self.tool = tool
        self.argv = list(argv)
        self.drill = drill
        self.at = stime.drill_now(drill.start, f"drill {drill.name}") if at is None else at
        self.t = drill.scenario_time(self.at)
        # On a drill whose now is the wall's, $WARROOM_DRILL_AT replays a moment's answers: never one ahead of the
        # wall, and it changes nothing (redteam43 R15: a pinned `kubectl set env` back-dated a fix into the past
        # every view had shown, a pinned scale left a change in the future nobody would see made)
        self.pinned = at is None and drill.on_wall and stime.held_of(True) is not None
        if self.pinned and (ahead := stime.ahead_of_wall(self.at, "this command")) is not None:
            raise ToolError(f"{tool}: drill: {ahead}", 1)
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.in_pod = in_pod                  # the pod `kubectl exec` runs it in: its revision answers
        self.no_delay = os.environ.get(NO_DELAY_ENV, "") not in ("", "0")
        self.read_only = os.environ.get(READ_ONLY_ENV, "") not in ("", "0")     # a read-only seat: nothing changes

    @classmethod
    def from_env(cls, tool: str, argv: Sequence[str]) -> Context:
        """The invocation a process makes; outside a drill (or with a bad clock) a ToolError, exit 127."""
        if not (path := os.environ.get(ENV_DIR)):
            raise ToolError(f"{tool}: this is warroom's drill stand-in for {tool}; it only answers inside a drill "
                            f"(${ENV_DIR} is not set)", 127)
        try:            # an unreadable drill, or its clock ($WARROOM_DRILL_AT pins it: scenario_time) not a time
            return cls(tool, argv, open_drill(Path(path), wrappers=False))
        except WarroomError as exc:
            raise ToolError(f"{tool}: {exc}", 127) from None

    def sub(self, tool: str, argv: Sequence[str], in_pod: Pod | None = None) -> Context:
        """The same moment, for another tool (``kubectl exec ... -- curl``)."""
        ctx = Context(tool, argv, self.drill, at=self.at, stdout=self.stdout, stderr=self.stderr, in_pod=in_pod)
        # and its pace: ``no_delay`` set on this one in-process (not by the environment) is the pod's too
        shared = ("series", "cluster", "activity", "no_delay")
        ctx.__dict__.update({k: v for k, v in self.__dict__.items() if k in shared})
        return ctx

    @cached_property
    def series(self) -> Series:
        return self.drill.simulator.refresh()

    @property
    def signals(self) -> Signals:
        return self.series.signals

    def quota(self, provider: Provider) -> float:
        """The provider's quota use as its usage API reports it and the quota pane shows it now:
        the value at the newest scrape, so no stand-in reads a figure the pane does not."""
        return self.signals.quota(provider, math.floor(self.t / SCRAPE + 1e-9) * SCRAPE)

    @cached_property
    def cluster(self) -> Cluster:
        """The estate now, with what the autoscaler decided before now (at its sample it decides on what it saw: the
        curves' rule). Built once per world and moment with the same record (``_BUILT``): a corpus of commands run in
        one process (the tests', the stand-in goldens) replayed the same operations for each command at a moment,
        two thirds of its ``build_cluster`` calls (2.6 s of the golden corpus' 4 s)."""
        decided = [a for a in self.signals.capacity.decided(self.t) if a.t < self.t]
        actions, built = self.drill.actions(), _BUILT.setdefault(self.signals, {})
        if (hit := built.get(self.t)) is not None and hit[0] == actions and hit[1] == decided:
            return hit[2]
        cluster = build_cluster(self.drill.scenario, actions, self.t, decided=decided)
        built[self.t] = (actions, decided, cluster)
        return cluster

    @cached_property
    def activity(self) -> Activity:
        return Activity(self.series, self.cluster)

    def wall(self, t: float) -> float:
        return self.drill.wall_time(t)

    def writable(self) -> None:
        """Refuse a change in a read-only session (``READ_ONLY_ENV``: its steps and its drill shell; every change a
        stand-in makes passes here, so none gets through whatever the command line) or under a pinned clock on a
        drill whose now is the wall's (see ``pinned``)."""
        if self.read_only:
            raise ToolError(f"{self.tool}: drill: read-only session (--read-only): this command changes the drill's "
                            "world and was refused (nothing was changed)", 1)
        if self.pinned:
            raise ToolError(f"{self.tool}: drill: ${stime.AT_ENV} pins this command at {stime.utc_said(self.at)}, "
                            f"before the drill's now ({stime.utc_said(stime.wall())}): a pinned clock replays that "
                            f"moment's answers but changes nothing in its past; unset {stime.AT_ENV} to make the "
                            "change now (nothing was changed)", 1)

    def apply(self, op: str, **detail: object) -> list[str]:
        """Record an operation and what it means to the scenario; returns the canonical actions."""
        self.writable()
        action = Action(op, self.t, self.at, self.tool, tuple(self.argv), dict(detail))
        cluster = self.cluster      # built (and memoised) first, then dropped: changed in place below, no other command
        _BUILT.get(self.signals, {}).pop(self.t, None)      # may read it, recorded or not (audit57 F7)
        kinds = cluster.apply(action)
        append_actions(self.drill.path, [action] + [Action(k, self.t, self.at, self.tool, tuple(self.argv),
                                                           {"via": op}) for k in kinds])
        return kinds

    def record(self, kind: str, **detail: object) -> None:
        """Record a canonical action directly (``blocks flow retry``, ``blocks notify``)."""
        self.writable()
        append_actions(self.drill.path, [Action(kind, self.t, self.at, self.tool, tuple(self.argv), dict(detail))])

    def pause(self, scenario_seconds: float, cap: float = MAX_PAUSE) -> None:
        """Take as long as the real command would, compressed by the drill speed."""
        if not self.no_delay and scenario_seconds > 0:
            time.sleep(min(cap, stime.wall_seconds(scenario_seconds, self.drill.speed)))

    @property
    def held(self) -> bool:
        """Whether the drill's clock stands still for this command: ``$WARROOM_DRILL_AT`` holds it (``no_delay``, the
        tests' pace, jumps it instead). A wait there reaches nothing, so a watch answers once, as of that moment
        (redteam50 F3: `rollout status --timeout=1s` slept a second at a time for ever, the held clock never late)."""
        return not self.no_delay and stime.held_of(True) is not None

    def wait_until(self, t: float, cap: float) -> bool:
        """Sleep until scenario time ``t`` (at most ``cap`` wall seconds); True if it was reached. A held clock
        (``held``) reaches it only if it is there already: nothing sleeps."""
        remaining = stime.wall_seconds(t - self.t, self.drill.speed)
        if remaining <= 0 or self.held:
            return remaining <= 0
        if not self.no_delay:
            time.sleep(min(cap, remaining))
        now = t if self.no_delay else self.drill.scenario_time(stime.now())
        self.t, self.at = now, self.drill.wall_time(now)
        return self.t >= t - 1e-6

    def out(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")


def main(tool: str, argv: Sequence[str] | None = None) -> int:
    """The tool's answer, as a process; each one, read-only too, is recorded (``CALLS_FILE``: when it began, its argv
    and exit code), so the drill report credits a runbook step typed by hand in the drill shell (redteam39 F3)."""
    try:
        ctx = Context.from_env(tool, sys.argv[1:] if argv is None else argv)
        wall = stime.wall() if ctx.pinned else ctx.at   # a replayed moment's read was typed now (the report's credit)
        began = (ctx.drill.scenario_time(wall), wall)   # before a wait (``rollout status``) moves the context's clock
        code = _answer(ctx)
        argv_kept = tuple(ctx.argv) if sum(map(len, ctx.argv)) <= 4096 else ()   # a line stays small (none credits)
        detail = {"code": code, **({"seat": "observer"} if ctx.read_only else {})}   # an observer's: no step's credit
        try:          # its answer stands: an unwritable record costs only the report's credit, said here
            append_actions(ctx.drill.path, [Action("call", *began, tool, argv_kept, detail)], CALLS_FILE)
        except (WarroomError, OSError) as exc:
            print(f"{tool}: drill: call not recorded ({exc}); the drill report cannot credit it", file=sys.stderr)
        return code
    except (ToolError, WarroomError) as exc:       # no drill to answer from, or a record it cannot read/write
        print(exc if isinstance(exc, ToolError) else f"{tool}: {exc}", file=sys.stderr)
        return exc.code if isinstance(exc, ToolError) else 127
    except KeyboardInterrupt:
        return 130
    except RecursionError:                          # never a traceback on the commander's screen (attack42 A6)
        print(f"{tool}: drill: the command nests deeper than the stand-in follows (Python's limit of "
              f"{sys.getrecursionlimit()} calls); the real {tool} may answer it", file=sys.stderr)
        return 1


def _answer(ctx: Context) -> int:
    """``run_tool`` as a process ends: a closed pipe (``| head``) is no error, ctrl-c exits 130."""
    try:
        code = run_tool(ctx)
        sys.stdout.flush()
        if "series" in ctx.__dict__:
            ctx.drill.simulator.save_cache()
        return code
    except BrokenPipeError:         # `kubectl logs ... | head`: as with the real tool, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


#: The words that ask each tool for help: curl's and kubectl's ``-h``, psql's ``-?``; blocks (click's) ``--help`` alone
HELP = {"kubectl": {"-h", "--help"}, "curl": {"-h", "--help"}, "psql": {"-?", "--help"}, "aws": {"--help"},
        "blocks": {"--help"}, **{shim: set() for shim in SHIMS}}


def run_tool(ctx: Context) -> int:
    """Answer ``ctx.argv`` with the stand-in for ``ctx.tool``; a ToolError is its stderr and exit code,
    unless the line asks for help (``HELP``, aws's or kubectl's last word ``help``): then the tool's usage."""
    tool = importlib.import_module(f"warroom.drill.standins.{ctx.tool}")
    try:
        return int(tool.run(ctx, list(ctx.argv)))
    except ToolError as exc:
        asked = ctx.argv[:ctx.argv.index("--")] if "--" in ctx.argv else ctx.argv    # not `exec ... -- df -h`
        if HELP[ctx.tool] & set(asked) or asked[-1:] == ["help"] and ctx.tool in ("aws", "kubectl"):
            ctx.out(getattr(tool, "USAGE", None) or str(tool.__doc__).split("\n\n")[0].replace("``", ""))
            return 0
        ctx.err(str(exc))
        return exc.code


def read_input(path: str | Path, too_big: str, code: int = 1) -> str:
    """The file a command line names (``-``: stdin), up to ``MAX_INPUT``; past it, the tool's
    ``too_big`` error ({path}, {limit}), so ``-f /dev/zero`` cannot read until memory runs out.
    An unreadable file is an OSError, which each tool words itself."""
    if str(path) == "-":
        text = sys.stdin.read(MAX_INPUT + 1)
    else:
        with open(path, errors="replace") as stream:
            text = stream.read(MAX_INPUT + 1)
    if len(text) > MAX_INPUT:
        raise ToolError(too_big.format(path=path, limit=MAX_INPUT), code)
    return text


def utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, UTC)


def tabwrite(text: str, padding: int = 2) -> str:
    """``text`` through Go's tabwriter as kubectl's describers set it up (padding 2, spaces): a cell ended
    by a tab is padded to the widest of its column among the run of adjacent lines that have that cell;
    a line's last cell is not aligned. So a run of ``Key:\tvalue`` lines lines up and a line with no tab
    (``Limits:``) starts a new run, as in kubectl's output."""
    rows = [line.split("\t") for line in text.split("\n")]
    widths = [[0] * (len(r) - 1) for r in rows]
    for j in range(max(len(r) for r in rows) - 1):
        i = 0
        while i < len(rows):
            k = i
            while k < len(rows) and len(rows[k]) - 1 > j:
                k += 1
            for x in range(i, k):
                widths[x][j] = max(len(rows[y][j]) for y in range(i, k)) + padding
            i = max(k, i + 1)
    return "\n".join("".join(c.ljust(w) for c, w in zip(r, widths[n], strict=False)) + r[-1]
                     for n, r in enumerate(rows))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], gap: int = 3) -> str:
    """Columns padded the way kubectl's tabwriter pads them."""
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("".join(c.ljust(widths[i] + gap) if i < len(r) - 1 else c for i, c in enumerate(r)).rstrip()
                     for r in cells)


def age(seconds: float) -> str:
    """Kubernetes' human-readable age (``duration.HumanDuration``): a second unit while it still matters."""
    s = int(seconds)            # (towards zero, as Go's int(d.Seconds()): a second either side is "0s")
    if s < 0:
        return "<invalid>" if s < -1 else "0s"
    names = {1: "s", 60: "m", 3600: "h", 86400: "d"}
    # below `limit` seconds: whole `unit`s, then the remainder in `small` units if any (0: never)
    for limit, unit, small in ((120, 1, 0), (600, 60, 1), (10800, 60, 0), (28800, 3600, 60), (172800, 3600, 0),
                               (691200, 86400, 3600), (63072000, 86400, 0)):
        if s < limit:
            rest = (s % unit) // small if small else 0
            return f"{s // unit}{names[unit]}" + (f"{rest}{names[small]}" if rest else "")
    return f"{s // 31536000}y"


def go_duration(text: str) -> float | None:
    """Parse a Go-style duration (``5m``, ``90s``, ``1h30m``, ``1.5h``); None if it is not one."""
    if not re.fullmatch(r"(\d+(\.\d+)?(ns|us|ms|s|m|h))+", text or ""):
        return None
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|ms|s|m|h)", text))


def go_json(data: object, indent: int | None = None, sort_keys: bool = False) -> str:
    """``data`` as Go's encoder writes it: compact (or indented), UTF-8, ``<>&`` and U+2028/2029 escaped; Go sorts a
    map's keys (``sort_keys``), a struct's fields keep their order."""
    text = json.dumps(data, sort_keys=sort_keys, ensure_ascii=False, indent=indent,
                      separators=None if indent else (",", ":"))
    return text.translate({ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


# ------------------------------------------------------------------------------ command-line options
Flag = tuple[str, str]         # (key, kind) — kind "": a switch; "=": takes a value; "=*": repeatable; "?": only "=v"


def flags(spec: str) -> dict[str, Flag]:
    """A flag table from a compact spec, so each tool's options read as one short list.

    A word is a flag's names joined by ``|`` (one letter: ``-x``, longer: ``--name``), then ``=``
    if it takes a value, ``=*`` if it may repeat, ``?`` if it takes one only as ``--name=value``.
    The key is the first long name with ``-`` as ``_``, or the one given after ``:`` (``f:follow``).
    """
    out: dict[str, Flag] = {}
    for word in spec.split():
        if (m := re.fullmatch(r"([^=?:]+)(=\*|=|\?)?(?::(\w+))?", word)) is None:
            raise ValueError(f"bad flag spec {word!r}")
        names = m.group(1).split("|")
        key = m.group(3) or next((n for n in names if len(n) > 1), names[0]).replace("-", "_")
        for n in names:
            out[("-" if len(n) == 1 else "--") + n] = (key, m.group(2) or "")
    return out


@dataclass
class Args:
    """Parsed command line: positional words, options by key, the words after ``--``, and every value
    option as given, in order (psql runs ``-c`` and ``-f`` in the order they come)."""

    pos: list[str]
    opts: dict[str, object] = field(default_factory=dict)
    rest: list[str] = field(default_factory=list)
    given: list[tuple[str, str]] = field(default_factory=list)

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


def refuse_unread(given: Collection[str], reads: Collection[str], command: str, prefix: str, code: int = 1,
                  table: dict[str, Flag] | None = None) -> None:
    """Issue 13 item 5, one rule for every stand-in: an option (by key) ``command``'s answer does not read
    is refused by name ("``{prefix}drill: `{command}` does not simulate --x (it reads ...)``"), never taken
    and ignored. ``reads``: the keys the answer reads, and those the tool lists as changing nothing in the
    drill's world (each tool says why, once). Named by ``table``'s first long name, else ``--key``."""
    names: dict[str, str] = {}
    for name, (key, _) in (table or {}).items():          # the first long name (``-#`` has none)
        if key not in names or (name.startswith("--") and not names[key].startswith("--")):
            names[key] = name
    if unread := sorted(names.get(k, f"--{k}") for k in set(given) - set(reads)):
        raise ToolError(f"{prefix}drill: `{command}` does not simulate {', '.join(unread)} (it reads "
                        f"{' '.join(sorted(names.get(k, f'--{k}') for k in reads)) or 'no option'})", code)


def parse_args(argv: Sequence[str], table: dict[str, Flag], *, words: dict[str, str], code: int = 1,
               short: bool = True, double_dash: bool = True) -> Args:
    """Read ``argv`` with the getopt rules kubectl, curl, psql and blocks share: ``--name=value`` or
    ``--name value``, bundles (``-sS``), attached values (``-nprod``, ``-n=prod``), ``--switch=false``,
    ``--`` ends options unless ``double_dash`` is False, single-dash words are positional if not
    ``short``. A bad option is a ToolError(``code``) in the tool's ``words``: a template per kind
    ("unknown", "needs-value", optionally "-short" for a one-letter flag) of {flag}, {letter}, {token}.
    """
    def bad(kind: str, name: str, token: str) -> ToolError:
        kind += "" if name.startswith("--") else "-short"
        template = words.get(kind, words[kind.removesuffix("-short")])
        return ToolError(template.format(flag=name, letter=name[1:], token=token), code)

    out = Args([])
    i = 0
    while i < len(argv):
        a, i = argv[i], i + 1
        if a == "--" and double_dash:
            out.rest = list(argv[i:])
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            pieces = [(name, value if eq else None)]
        elif short and a.startswith("-") and len(a) > 1:       # a bundle; a flag with a value takes the rest
            pieces = [("-" + c, a[j + 2:].removeprefix("=") or None) for j, c in enumerate(a[1:])]
        else:
            out.pos.append(a)
            continue
        for name, value in pieces:
            if name not in table:
                raise bad("unknown", name, a)
            key, kind = table[name]
            if kind in ("", "?"):
                if value is None or not name.startswith("--"):
                    out.opts[key] = True
                elif kind == "?":                              # --dry-run=client; =none (or =false) is off
                    out.opts[key] = value if value.lower() not in ("none", "false") else False
                else:
                    out.opts[key] = value.lower() != "false"
                continue
            if value is None:
                if i >= len(argv):
                    raise bad("needs-value", name, a)
                value, i = argv[i], i + 1
            out.opts[key] = [*out.all(key), value] if kind == "=*" else value
            out.given.append((key, value))
            break
    return out
