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

    needs_terminal()
    while True:
        app = WarroomApp(ctx)
        try:
            result = app.run()
        finally:
            if app.ending is not None:
                app.ending.close()
        if not isinstance(result, Reopen):
            _say(app.farewell())
            return int(result or 0)
        if reopen is None:
            print(f"warroom: {result.command}", file=sys.stderr)
            return 0
        ctx = reopen(result)


def needs_terminal() -> None:
    """Refuse to start the dashboard without a terminal to read keys from and a place to draw.

    Textual reads keys from ``sys.__stdin__``: from ``/dev/null`` or a drained pipe its input
    thread reads end-of-file again and again without waiting, so ``warroom demo </dev/null`` (a
    script, a cron job, an editor's shell) would sit at a busy core for ever, showing nothing to
    nobody. It draws on ``sys.__stderr__`` (``tui.signals.terminal_fds`` watches the same two):
    ``warroom demo 2>/dev/null`` ran a dashboard nobody could see, taking keys typed blind (a
    declare, a step run), and ``2>err.log`` filled the file with escape codes (55 kB in 8 s).
    A pipe or a socket is let be: ``2>&1 | tee session.log`` draws on the terminal tee writes to."""
    from warroom.errors import WarroomError
    from warroom.paths import command

    def refuse(what: str) -> WarroomError:
        return WarroomError(f"the dashboard needs a terminal, and {what}; in a script use"
                            f" `{command('incident', '--help')}` (every action is a command of its own)")

    stdin, stderr = sys.__stdin__, sys.__stderr__
    if stdin is None or not stdin.isatty():
        raise refuse("standard input is not one")
    if stderr is None or not (stderr.isatty() or _leads_on(stderr.fileno())):
        refusal = refuse("standard error, where it draws, is not one (a file or /dev/null: nobody would see it)")
        # The refusal goes to stderr too (a log keeps it), but nobody reads it there: with
        # ``2>/dev/null`` the command ended with status 2 and not a word. Say it where they look.
        if (stdout := sys.__stdout__) is not None and stdout.isatty():
            print(f"warroom: {refusal}", file=sys.stdout, flush=True)
        raise refusal


def _leads_on(fd: int) -> bool:
    """A pipe or socket: what reads it may put the screen on a terminal (``| tee``)."""
    import os
    import stat

    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _say(line: str | None) -> None:
    """One line on the terminal the dashboard left (gone after a hang-up: then nothing)."""
    if line:
        try:
            print(line, flush=True)
        except OSError:
            pass
    let_go_of_dead_streams()


def let_go_of_dead_streams() -> None:
    """Point stdout or stderr at ``/dev/null`` when it can no longer be flushed (its terminal
    hung up, its pipe's reader died). Python flushes both at exit, and text a failed write left
    in a buffer would fail again there and turn the exit status into 120: the status is to say
    how the dashboard ended (129 for a hang-up), not that nobody was left to read it. This is
    the standard library's own advice for ``EPIPE`` (the ``signal`` module's docs)."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass    # no descriptor to repoint: the exit flush fails as it would have
