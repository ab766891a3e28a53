"""Reading ``blocks`` options the way click does, and the errors it prints.

``Usage`` (exit 2) and ``Failed`` (exit 1) carry click's two kinds of failure up to ``cli.run``,
which prints them; ``--last`` windows are read here because several commands take them.
"""

from __future__ import annotations

import re

from warroom.drill.standins.base import Context

class Usage(Exception):
    def __init__(self, message: str, usage: str = "blocks [OPTIONS] COMMAND [ARGS]...", code: int = 2) -> None:
        super().__init__(message)
        self.usage = usage
        self.code = code


class Failed(Exception):
    """A command that ran and failed: message on stderr, exit 1."""


def parse_opts(argv: list[str], flags: set[str], values: set[str]) -> tuple[list[str], dict[str, str | bool]]:
    pos: list[str] = []
    opts: dict[str, str | bool] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name in flags or re.fullmatch(r"--last-\d+(min|m|h|d)", name):
                opts[name] = True
            elif name in values:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise Usage(f"Option '{name}' requires an argument.")
                    value = argv[i]
                opts[name] = value
            else:
                raise Usage(f"No such option: {name}")
        else:
            pos.append(a)
        i += 1
    return pos, opts


def window(ctx: Context, opts: dict[str, str | bool], default: float = 3600.0) -> float:
    """``--last 1h`` / ``--last-15min`` as scenario seconds (a wall duration, like the timestamps)."""
    text = opts.get("--last")
    for k in opts:
        m = re.fullmatch(r"--last-(\d+)(min|m|h|d)", k)
        if m:
            text = m.group(1) + m.group(2)
    if not text or text is True:
        return ctx.scenario_span(default)
    m = re.fullmatch(r"(\d+)\s*(s|sec|m|min|h|d)", str(text))
    if not m:
        raise Usage(f"Invalid value for '--last': '{text}' is not a duration like 15m, 1h or 24h.")
    secs = int(m.group(1)) * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}[m.group(2)]
    return ctx.scenario_span(secs)


def span_label(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"
