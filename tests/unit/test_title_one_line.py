"""An incident's title is one line everywhere (found by attack13e): typed with a line break
(`incident new --title "$(printf 'a\\nb')"`), the dashboard's header showed "a" only, `incident
list` and `incident show` printed it over two lines (a bogus row for a script reading the list),
the timeline showed "a ⏎ b" and the PIR "a b". The state folds every whitespace run of the
journaled title into one space, so every view reads one title; other control characters stay
visible through the sanitiser."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import subprocess_env, warroom_cmd
from warroom.config import Config
from warroom.incident.store import IncidentStore

TYPED = "quota\nclimbing\r\nfast\tnow \x1b[31m"


def test_a_title_typed_over_several_lines_is_one_line_in_every_view(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg).create(title=TYPED, severity="P3", source={})
    want = "quota climbing fast now \x1b[31m"
    assert inc.state.title == want
    assert inc.state.timeline[0].text.startswith(f"Incident declared: {want} (P3)")
    assert inc.render("pir").splitlines()[0] == "# Post-Incident Review: quota climbing fast now ␛[31m"
    proc = subprocess.run([*warroom_cmd(), "incident", "list", "--state-dir", str(tmp_path)],
                          capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    (row,) = proc.stdout.splitlines()
    assert row.startswith(inc.id) and row.endswith("quota climbing fast now ␛[31m")
