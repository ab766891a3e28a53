"""Export: hand edits kept, the incident log's CSV, template errors, damaged journals, full disks."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.unit.incident_fixtures import Clock
from warroom.config import Config
from warroom.errors import NotFoundError, WarroomError
from warroom.incident import csvlog
from warroom.incident.pir import TemplateError, render_pir
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore


@pytest.fixture
def inc(tmp_path: Path) -> Incident:
    cfg = Config()
    cfg.incident.timezone = "UTC"
    store = IncidentStore(tmp_path / "state", cfg, clock=Clock())
    i = store.create(title="Quota, again", severity="P2")
    i.note("root-cause", 'retry storm, "amplified"\nby a deploy')
    i.resolve("back to normal", "breaker, then a fix", rollback=True, affected_repos="repo-a, repo-b")
    return i


def test_reexport_keeps_hand_edits_and_says_so(inc: Incident) -> None:
    first = inc.export("pir")
    assert first.path == inc.dir / "pir.md" and first.kept_edits is None
    again = inc.export("pir")  # unchanged since export: overwritten in place
    assert again.path == inc.dir / "pir.md" and again.kept_edits is None
    edited = first.path.read_text() + "\nHand-written analysis.\n"
    first.path.write_text(edited)
    third = inc.export("pir")
    assert third.path == inc.dir / "pir.1.md" and third.kept_edits == inc.dir / "pir.md"
    assert first.path.read_text() == edited
    assert "hand edits" in third.message() and "pir.1.md" in third.message()
    fourth = inc.export("pir")
    assert fourth.path == inc.dir / "pir.2.md"
    record = json.loads((inc.dir / "pir.exported").read_text())
    assert set(record) == {"pir.md", "pir.1.md", "pir.2.md"}
    exports = inc.state.exports
    assert [Path(e.path).name for e in exports] == ["pir.md", "pir.md", "pir.1.md", "pir.2.md"]


def test_export_to_out_dir_and_other_templates(inc: Incident, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    r = inc.export("rca", out_dir=out)
    assert r.path == out / "rca.md" and r.path.read_text().startswith("# Root Cause Analysis: Quota, again")
    assert inc.export("postmortem", out_dir=out).path == out / "postmortem.md"


def test_incident_log_row_quoting_and_no_duplicates(inc: Incident) -> None:
    r = inc.export("pir")
    assert r.log_row and r.log_path == inc.dir.parent.parent / "incident_log.csv"
    inc.export("pir")  # the same row again is not duplicated
    raw = r.log_path.read_text()
    assert raw.splitlines()[0] == ",".join(f'"{c}"' if "," in c else c for c in csvlog.COLUMNS)
    rows = csvlog.read_rows(r.log_path)
    assert len(rows) == 1
    row = rows[0]
    assert row["Incident ID"] == inc.id and row["Severity"] == "P2"
    assert row["Root Cause"] == 'retry storm, "amplified"\nby a deploy'
    assert row["Affected Repos"] == "repo-a, repo-b"
    assert row["Resolution"] == "breaker, then a fix" and row["Rollback?"] == "Yes"
    assert row["Type"] == ""          # not given at resolve: blank, as the PIR asks a human for it
    assert row["Duration (min)"].isdigit()
    with open(r.log_path, newline="") as f:
        assert len(list(csv.reader(f))) == 2  # a newline inside a cell stays inside it


def test_open_incident_gets_no_log_row(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.incident_log = str(tmp_path / "logs" / "incidents.csv")
    inc = IncidentStore(tmp_path / "state", cfg, clock=Clock()).create(title="open", severity="P4")
    r = inc.export("pir")
    assert not r.log_row and "still open" in r.log_note
    assert not (tmp_path / "logs" / "incidents.csv").exists()


def test_missing_template_lists_what_exists(inc: Incident) -> None:
    with pytest.raises(NotFoundError) as err:
        inc.export("nope")
    msg = str(err.value)
    assert "no PIR template 'nope'" in msg and "pir, postmortem, rca" in msg
    assert not (inc.dir / "nope.md").exists()


def test_template_errors_name_file_and_line(inc: Incident, tmp_path: Path) -> None:
    tdir = tmp_path / "templates"
    tdir.mkdir()
    (tdir / "broken.md.j2").write_text("# {{ incident.title }}\n\nline three\n{% for x in %}\n")
    (tdir / "typo.md.j2").write_text("# {{ incident.title }}\nok\n{{ incident.titel }}\n")
    (tdir / "weekly.md.j2").write_text("# Weekly: {{ incident.id }} ({{ incident.severity }})\n")
    inc.config.incident.templates_dir = str(tdir)
    with pytest.raises(TemplateError) as err:
        inc.export("broken")
    assert f"{tdir / 'broken.md.j2'}:4: template syntax error" in str(err.value)
    with pytest.raises(TemplateError) as err:
        inc.export("typo")
    assert f"{tdir / 'typo.md.j2'}:3: template error" in str(err.value) and "titel" in str(err.value)
    assert not (inc.dir / "broken.md").exists() and not (inc.dir / "typo.md").exists()
    weekly = inc.export("weekly").path.read_text()
    # The template's text, then the journal head it was made from (a tamper-evidence footer).
    assert weekly.startswith(f"# Weekly: {inc.id} (P2)\n\n---\n\n_Journal head `#")
    # A template given as a path works too.
    assert inc.export(str(tdir / "weekly.md.j2"), out_dir=tmp_path / "o").path.name == "weekly.md"


def test_export_of_a_damaged_journal_uses_the_valid_prefix_and_says_so(inc: Incident) -> None:
    lines = inc.journal.path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"retry storm", b"retry STORM")  # seq 2: the root-cause note
    inc.journal.path.write_bytes(b"\n".join(lines))
    fresh = IncidentStore(inc.dir.parent.parent, inc.config).open(inc.id)
    r = fresh.export("pir")
    text = r.path.read_text()
    assert "Journal warning" in text and "seq 2" in text and "up to seq 1" in text
    assert any("seq 2" in w for w in r.warnings) and "not recorded" in r.message()
    assert r.event is None


def test_render_without_runbook_or_events_is_still_a_draft(tmp_path: Path) -> None:
    inc = IncidentStore(tmp_path / "s", clock=Clock()).create(title="bare", severity="P4")
    text = render_pir(inc.state, "pir", None, now=Clock()())
    assert "_No commands were run from the runbook._" in text and "ongoing" in text


DISK_FULL = r"""
import resource, signal, sys, os
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from tui.cli import main
state = sys.argv[1]
journal = next(Path(state, "incidents").glob("INC-*/journal.jsonl"))
limit = journal.stat().st_size + 40   # room for a fragment, not for a whole line
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.exit(main(["incident", "note", sys.argv[2], "--tag", "info", "--state-dir", state, "x" * 400]))
"""


def test_disk_full_is_a_clear_error_and_nothing_is_half_written(inc: Incident) -> None:
    before = inc.journal.path.read_bytes()
    state = inc.dir.parent.parent
    p = subprocess.run([sys.executable, "-c", DISK_FULL, str(state), inc.id], env=subprocess_env(),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 6, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    assert "cannot append to journal" in p.stderr and "nothing recorded" in p.stderr
    assert inc.journal.path.read_bytes() == before
    assert inc.verify().ok


def test_bad_timezone_names_the_key(inc: Incident) -> None:
    inc.config.incident.timezone = "Mars/Olympus"
    with pytest.raises(WarroomError, match="incident.timezone"):
        inc.render("pir")
