"""``warroom status`` outside a drill reads its configured Prometheus and never imports a drill's world (the simulator,
its PromQL, the scenarios: ~0.05 s CPU of every run, and the test suite runs it dozens of times); in a drill's shell
(``$WARROOM_DRILL_DIR``) it reads the drill. Checked in a fresh interpreter through ``sys.modules``, never by timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env
from warroom.cli import status
from warroom.drill import directory

DRILL_WORLD = ("warroom.drill.directory", "warroom.drill.simulator", "warroom.drill.promql", "warroom.drill.scenarios")


def test_status_outside_a_drill_imports_no_drill_world(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[prometheus]\nurl = "http://127.0.0.1:9"\ntimeout = "1s"\n', encoding="utf-8")
    probe = (
        "import contextlib, io, json, sys\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['--config', {str(config)!r}, 'status', '--json'])\n"
        "print(json.dumps([code, out.getvalue(), sorted(sys.modules)]))\n"
    )
    env = subprocess_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
                         XDG_STATE_HOME=str(tmp_path / "state"))
    env.pop(directory.ENV_DIR, None)            # outside a drill's shell
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    code, out, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    doc = json.loads(out)
    # it did read its configured source (nothing listens there: every pane says so), as status does
    assert doc["source"] == "http://127.0.0.1:9" and doc["panes"] and code == doc["exit_code"] != 0, proc.stderr
    assert all(p.get("error") for p in doc["panes"]), doc
    assert sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in DRILL_WORLD)) == []


def test_status_reads_the_drill_variable_the_drill_shell_sets() -> None:
    assert status.DRILL_DIR_ENV == directory.ENV_DIR
