"""``date`` for drills: a relative date is read on the drill's clock, everything else by the real ``date``.

Runbooks pull "the last 15 minutes" with ``$(date -d '15 minutes ago' +%s)`` beside psql's ``now() - interval '15
minutes'``; a span typed on a command line is a span of the drill's world (``base``), so ``-d``'s relative items are
drill time (at x10, 15 minutes ago is 90 wall seconds back) and "now" is the drill's clock. The real ``date`` prints
the instant (every format, ``-u``, ``-I``); an absolute date or a file's time goes to it untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from warroom import scenario_time as stime
from warroom.drill.standins.base import Context

EPOCH = "1970-01-01 00:00:00 UTC"   # read before a -d string, the real date adds up its relative items alone
ITS_OWN = ("-r", "--reference", "-f", "--file", "-s", "--set", "--help", "--version")   # no "now" to give it
# Set in the environment of the host's date this shim runs: a drill's date that finds it set was run as "the host's
# date" by another drill's, so it answers with an error instead of running a third (redteam46: two drills' bin on
# PATH, each date ran the other's, each adding a process, until the host ran out of memory)
CALLED_AS_REAL = "WARROOM_DRILL_DATE_SHIM"
MARKS = (b"# stand-in for date in warroom's drill",   # a drill's ``bin/date`` (``directory._WRAPPER``)
         b"WARROOM_DRILL_DIR=",                       # any drill's wrapper, of any warroom version
         b"warroom drill stand-in")                   # the shipped script, in every warroom checkout since the first


def real_date() -> str | None:
    """The host's ``date``: the first on PATH that is no drill's (this drill's, another drill's wrapper, or a
    warroom stand-in script by any link to it)."""
    dirs = [d for d in os.environ.get("PATH", os.defpath).split(os.pathsep) if d]
    for found in filter(None, (shutil.which("date", path=d) for d in dirs)):
        if not _standin(Path(found)):
            return found
    return None


def _standin(path: Path) -> bool:
    """``path`` is a drill's date: a wrapper a drill wrote, or (by any link) warroom's stand-in script, of this
    checkout or any other (attack46 X4: an older checkout's link, taken for the host's date, ran itself for ever)."""
    try:
        with path.resolve().open("rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return any(mark in head for mark in MARKS)


def drill_date(ctx: Context, real: str, value: str) -> str:
    """``value`` (a ``-d`` string) as the drill reads it: ``@unix`` when it is relative items alone, else itself."""
    said = subprocess.run([real, "-u", "-d", f"{EPOCH} {value}", "+%s.%N"], capture_output=True, text=True,
                          check=False, env={**os.environ, "LC_ALL": "C", CALLED_AS_REAL: "1"})
    try:
        offset = float(said.stdout)
    except ValueError:          # an absolute date, or nothing date reads: the real one answers it as typed
        return value
    return f"@{ctx.at + stime.wall_seconds(offset, ctx.drill.speed):.9f}" if said.returncode == 0 and value.strip() \
        else value


def run(ctx: Context, argv: list[str]) -> int:
    if os.environ.get(CALLED_AS_REAL):
        ctx.err("date: a drill's date was run as the host's date (a drill's bin directory on PATH twice?): the host's "
                "date is needed, and none was found before a drill's")
        return 127
    if (real := real_date()) is None:
        ctx.err("date: command not found (only a drill's date is on PATH)")
        return 127
    out, rest, dated = [], list(argv), any(a.split("=")[0] in ITS_OWN for a in argv)
    while rest:
        arg = rest.pop(0)
        cut = arg.index("d") + 1 if arg[:1] == "-" != arg[1:2] and "d" in arg and set(arg[1:arg.index("d")]) <= {"u"} \
            else 6 if arg == "--date" else 7 if arg.startswith("--date=") else 0       # -d, -ud, -dSTR; --date[=]
        if not cut:
            out.append(arg)
            continue
        value = arg[cut:] if arg[cut:] or cut == 7 or not rest else rest.pop(0)
        out += [arg[:cut].rstrip("="), drill_date(ctx, real, value)]
        dated = True
    said = subprocess.run([real, *out, *(() if dated else ("-d", f"@{ctx.at:.9f}"))], capture_output=True,
                          text=True, check=False, env={**os.environ, CALLED_AS_REAL: "1"})
    ctx.stdout.write(said.stdout)
    ctx.stderr.write(said.stderr)
    return said.returncode
