"""Running the dashboard: the one place that starts ``tui.app.WarroomApp`` for a command.

Apart from ``tui.launch`` (which builds the contexts) because the app's own parts ask launch for
things (the command that resumes an incident): launch importing the app would close a cycle.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tui.context import AppContext, Reopen


def run_app(ctx: AppContext, reopen: Callable[[Reopen], AppContext] | None = None) -> int:
    """Run the dashboard. One that asks to reopen on an incident of another world (a drill
    incident chosen from the real dashboard's resume offer) is followed by the dashboard
    ``reopen`` builds for it — the same context ``warroom resume ID`` builds."""
    from tui.app import WarroomApp

    while True:
        app = WarroomApp(ctx)
        result = app.run()
        if not isinstance(result, Reopen):
            _say(app.farewell())
            return int(result or 0)
        if reopen is None:
            print(f"warroom: {result.command}", file=sys.stderr)
            return 0
        ctx = reopen(result)


def _say(line: str | None) -> None:
    """One line on the terminal the dashboard left (gone after a hang-up: then nothing)."""
    if not line:
        return
    try:
        print(line, flush=True)
    except OSError:
        pass
