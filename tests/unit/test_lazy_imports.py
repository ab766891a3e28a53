"""What the dashboard's first frame does not need is not imported before it: the clients of real
servers (Kubernetes, HTTP, Prometheus, PostgreSQL), the PIR's templates and crypto, the runbook
parser (the library is parsed in a child process), the incident service. Each is imported by the
code path that uses it, so a drill or a bare ``warroom`` starts without paying for them.

Checked in a fresh interpreter (``sys.modules`` after the imports), never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env

#: Never imported by loading the dashboard (module or package prefixes).
NOT_FOR_THE_FIRST_FRAME = (
    "kubernetes", "httpx", "prometheus_api_client", "cryptography", "jinja2", "psycopg",
    "markdown_it", "linkify_it", "yaml",
    "warroom.runbook.parser", "warroom.runbook.library", "warroom.incident.session",
    "warroom.incident.live", "warroom.incident.pir", "warroom.execute.prove",
    "warroom.execute.supervisor", "warroom.sources.prometheus", "warroom.sources.kubernetes",
    "warroom.shared.db", "warroom.shared.store", "warroom.shared.listen", "warroom.shared.journal",
)


def loaded_after(code: str, tmp_path: Path) -> list[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=subprocess_env(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"),
                                             XDG_CONFIG_HOME=str(tmp_path / "config")))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def heavy(modules: list[str], names: tuple[str, ...] = NOT_FOR_THE_FIRST_FRAME) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_loading_the_dashboard_imports_nothing_the_first_frame_does_not_need(tmp_path: Path) -> None:
    modules = loaded_after("import tui.app, tui.launch, tui.commands, tui.screens.dashboard", tmp_path)
    assert "textual.app" in modules          # the check looks at a real import
    assert heavy(modules) == []


def test_a_drill_context_loads_the_drill_world_but_not_the_runbook_parser(tmp_path: Path) -> None:
    modules = loaded_after(
        "from warroom.config import Config\n"
        "from tui.launch import drill_context\n"
        "import tui.app\n"
        "ctx = drill_context(Config(), 'rate-limit', None)\n"
        "assert ctx.runbook_loader is not None and not ctx.runbooks\n", tmp_path)
    assert "warroom.drill.directory" in modules
    assert heavy(modules) == []


def test_the_entry_point_does_not_import_textual_or_the_drill(tmp_path: Path) -> None:
    modules = loaded_after("import tui.cli", tmp_path)
    assert heavy(modules, ("textual", "warroom.drill", *NOT_FOR_THE_FIRST_FRAME)) == []
