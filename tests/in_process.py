"""``warroom ARGV`` through ``tui.cli.main`` in the test's own process: one helper for every test that runs a command
for what it says and does, not for what its own process does.

Each such command was an interpreter of its own, ~0.5 s CPU of start-up and imports, for what the same ``main``
says in the test's process. A command whose promise is about its own process (run as typed, killed, raced, a
fresh one meeting a hung server) is still started as one (``tests.conftest.warroom_cmd``).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
from collections.abc import Mapping

import pytest


def warroom_here(*argv: str, env: Mapping[str, str | None] | None = None,
                 fds: pytest.CaptureFixture[str] | None = None) -> subprocess.CompletedProcess[str]:
    """``warroom ARGV`` run to its end through ``tui.cli.main(list(argv))`` in this process, as the console script's
    ``sys.exit(main())`` would end it; its result as ``subprocess.run`` gives a child's (args ``["warroom", *argv]``).

    ``env``: the environment for the call only, undone after it (a step's own process inherits it): a name mapped to
    None is removed (``WARROOM_DSN``, so the command meets no server a caller's environment names).

    Capture mode. With ``fds`` (the test's ``capfd``), stdout and stderr are what reached file descriptors 1 and 2
    during the call (what came before it is read away first): a step's child's streamed output and libpq's own writes
    too, as a terminal would have shown them. Without it, what the command wrote to ``sys.stdout`` / ``sys.stderr``
    (redirected to strings; a child's output does not go there): for a test without ``capfd``, and cheaper.

    A ``SystemExit`` out of ``main`` (an argparse refusal, ``--help``) is its exit status: an int as it is, anything
    else 1. No output may hold a traceback (an in-process crash raises to the test; a child's, or one ``main`` printed
    and carried on from, is caught here)."""
    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    if fds is not None:
        fds.readouterr()                                # what came before is not this command's
    with pytest.MonkeyPatch.context() as patch, contextlib.ExitStack() as redirected:
        for key, value in (env or {}).items():
            if value is None:
                patch.delenv(key, raising=False)
            else:
                patch.setenv(key, value)
        if fds is None:
            redirected.enter_context(contextlib.redirect_stdout(out))
            redirected.enter_context(contextlib.redirect_stderr(err))
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    said = fds.readouterr() if fds is not None else (out.getvalue(), err.getvalue())
    assert "Traceback" not in said[0] + said[1], said[1]
    return subprocess.CompletedProcess(["warroom", *argv], code, said[0], said[1])
