"""``warroom --help`` (and any command line that builds the whole parser: an unknown command, a
bare ``warroom incident``) imports the parsers, not the commands: no Textual, no incident service,
no runbook library, no status table (rich), no drill world, no client of a real server. Each
handler imports what it runs when it runs (``warroom.cli.incident_args._open``, ``status.cmd_status``,
``runbooks._library``), so the parser of every command costs what argparse costs, ≈ 0.2 s less CPU
than it did (0.50 -> 0.21 s user, ``/usr/bin/time warroom --help``, stop 53). Checked in a fresh
interpreter through ``sys.modules``, never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env

#: Imported by no parser: each belongs to a command's handler (module or package prefixes).
NOT_FOR_THE_PARSER = (
    "textual", "rich", "kubernetes", "httpx", "psycopg", "jinja2", "markdown_it", "cryptography",
    "warroom.incident.session", "warroom.incident.store", "warroom.incident.approvals",
    "warroom.incident.metric_watch", "warroom.runbook.library", "warroom.runbook.parser",
    "warroom.fit_table", "warroom.sources.evaluate", "warroom.drill.simulator", "warroom.drill.directory",
    "warroom.execute.supervisor", "warroom.execute.run_spec", "warroom.execute.redact", "tui.app", "tui.launch",
)


def test_the_whole_parser_and_its_help_import_no_command(tmp_path: Path) -> None:
    probe = (
        "import contextlib, io, json, sys\n"
        "from tui.cli import build_parser, main\n"
        "parser = build_parser()\n"                           # every command's parser, as --help builds it
        "actions = [a for a in parser._actions if a.dest == 'command']\n"
        "with contextlib.redirect_stdout(io.StringIO()) as help_text:\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit as done:\n"
        "        code = done.code\n"
        "print(json.dumps([code, help_text.getvalue(), sorted(actions[0].choices), sorted(sys.modules)]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env=subprocess_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
                                             XDG_STATE_HOME=str(tmp_path / "state")))
    assert proc.returncode == 0, proc.stderr
    code, help_text, commands, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    # the check looks at a real, whole parser: every command registered, its help printed
    assert {"demo", "drill", "resume", "incident", "runbooks", "status", "config", "shared"} <= set(commands)
    assert code == 0 and "incident" in help_text and "runbooks" in help_text
    assert "warroom.cli.incident" in modules and "warroom.cli.status" in modules and "warroom.cli.runbooks" in modules
    loaded = sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_FOR_THE_PARSER))
    assert loaded == []
