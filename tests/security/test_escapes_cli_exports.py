"""Terminal escapes through every text channel into the CLI's output and the exports.

One incident is declared from a hostile runbook (title, section, checklist labels, step label,
command, parameter default) and then fed hostile text through every headless command (title,
notes, owner, timeline entries, corrections, status updates, skip reasons, severity reasons,
resolution). Every escape kind of ``payloads.ESCAPES`` travels behind a tag naming its channel;
the test then reads every byte the CLI printed (stdout and stderr of every command) and the
exports (pir.md, the incident log CSV) and checks:

* no forbidden character (C0 but ``\\t \\n``, DEL, C1, bidi controls) anywhere;
* the tag of every channel × kind is there, i.e. the text was shown, visibly, not dropped;
* Rich markup in user text is printed literally;
* a CSV cell a spreadsheet would run starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import pytest

from tests.security.payloads import ESCAPES, forbidden, tagged, tags_seen
from tui.cli import main

BODY_CHANNELS = ("rb-section", "rb-check", "rb-label", "rb-command")
TEXT_CHANNELS = ("title", "note", "owner", "timeline", "correction", "update", "skip", "severity",
                 "resolution", "affected")


def _raw(text: str) -> str:
    # CR would end a markdown line, and a NUL makes the loader refuse the file as binary (a
    # guarantee of its own); everything else goes into the markdown raw.
    return text.replace("\r", "\\r").replace("\x00", "\\0")


def hostile_runbook(path: Path) -> Path:
    """Every kind in the front-matter title (TOML takes them as \\uXXXX escapes, the form
    json.dumps writes) and the section heading; one checklist item and one command step per kind,
    with the kind in its label and its command (labels are shortened for display)."""
    checks = "".join(f"- [ ] «rb-check:{k}»{_raw(p)}\n" for k, p in ESCAPES.items())
    steps = "".join(
        f"```bash\n# «rb-label:{k}»{_raw(p)}\n"
        f"echo {{{{ who }}}} {shlex.quote('«rb-command:' + k + '»' + _raw(p))}\n```\n\n"
        for k, p in ESCAPES.items())
    path.write_text(
        "+++\n"
        'id = "RB-EVIL-001"\n'
        f"title = {json.dumps(tagged('rb-title'))}\n"
        'severity = "P2"\n'
        "[params.who]\n"
        f"default = {json.dumps('ok')}\n"
        "+++\n\n"
        "# Hostile runbook\n\n"
        f"## Triage {_raw(tagged('rb-section'))}\n\n"
        f"{checks}\n"
        f"## Steps\n\n{steps}",
        encoding="utf-8")
    return path


class Cli:
    def __init__(self, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.state = state
        self.capsys = capsys
        self.transcript: list[str] = []

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--state-dir", str(self.state)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        self.transcript += [out, err]
        return code, out, err


def test_every_text_channel_reaches_cli_and_exports_without_an_escape(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rb = hostile_runbook(tmp_path / "evil.md")
    cli = Cli(tmp_path / "state", capsys)
    code, out, err = cli("incident", "new", "--title", tagged("title") + " [bold red]MARKUP[/]",
                         "--severity", "P2", "--runbook", str(rb))
    assert code == 0, err
    inc = out.strip()
    assert inc.startswith("INC-")
    cli("runbooks", "show", str(rb))
    assert cli("incident", "note", inc, "--tag", "root-cause", tagged("note"))[0] == 0
    assert cli("incident", "note", inc, "--tag", "action", "--owner", tagged("owner"), "--due", "2099-12-01",
               "fix it")[0] == 0
    assert cli("incident", "timeline", inc, tagged("timeline"))[0] == 0
    seq = json.loads(cli("incident", "show", inc, "--json")[1])
    entries = [e for e in seq["timeline"] if "timeline:" in json.dumps(e)]
    assert entries, "the timeline entry is in the journal"
    assert cli("incident", "correct", inc, str(entries[0]["seq"]), tagged("correction"))[0] == 0
    assert cli("incident", "update", inc, tagged("update"))[0] == 0
    assert cli("incident", "severity", inc, "P1", "--reason", tagged("severity"))[0] == 0
    code, _, err = cli("incident", "run", inc, str(len(ESCAPES) + 1), "--dry-run")
    assert code == 0, err
    assert cli("incident", "skip", inc, "1", "--reason", tagged("skip"))[0] == 0
    assert cli("incident", "resolve", inc, "--summary", "=1+1 " + tagged("resolution"),
               "--resolution", "=1+1 " + tagged("resolution"), "--type", "@SUM(A1:A2)",
               "--affected-repos", tagged("affected"))[0] == 0
    for argv in (("incident", "list"), ("incident", "show", inc), ("runbooks", "list", "--dir", str(tmp_path)), ("runbooks", "lint", str(rb)),
                 ("incident", "export", inc, "--stdout")):
        cli(*argv)
    code, _, err = cli("incident", "export", inc)
    assert code == 0, err

    printed = "".join(cli.transcript)
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text(encoding="utf-8")
    log_text = (tmp_path / "state" / "incident_log.csv").read_text(encoding="utf-8")

    # 1. nothing a terminal would act on, in any byte the CLI printed or exported
    for name, text in (("CLI output", printed), ("pir.md", pir), ("incident_log.csv", log_text)):
        assert not forbidden(text), f"{name}: {forbidden(text)}"

    # 2. every channel × kind was shown (visibly), not silently dropped
    cli_channels = ("title", "note", "owner", "timeline", "correction", "update", "skip", "severity",
                    "rb-title", *BODY_CHANNELS)
    counted = 0
    for channel in cli_channels:
        seen = tags_seen(printed, channel)
        assert seen == set(ESCAPES), f"CLI {channel}: missing {sorted(set(ESCAPES) - seen)}"
        counted += len(seen)
    for channel in ("title", "note", "correction", "resolution", "rb-title"):
        seen = tags_seen(pir, channel)
        assert seen == set(ESCAPES), f"pir.md {channel}: missing {sorted(set(ESCAPES) - seen)}"
        counted += len(seen)
    for channel in ("note", "resolution", "affected"):
        seen = tags_seen(log_text, channel)
        assert seen == set(ESCAPES), f"csv {channel}: missing {sorted(set(ESCAPES) - seen)}"
        counted += len(seen)
    assert counted == len(ESCAPES) * (len(cli_channels) + 5 + 3)
    assert "␛]0;PWNED-TITLE␇" in printed and "␛]0;PWNED-TITLE␇" in pir   # shown, not hidden

    # 3. markup is text
    assert "[bold red]MARKUP[/]" in printed

    # 4. the spreadsheet sees text, not formulas
    rows = list(csv.DictReader(io.StringIO(log_text)))
    row = rows[-1]
    assert row["Resolution"].startswith("'=1+1")
    assert row["Type"] == "'@SUM(A1:A2)"
    for cell in row.values():
        assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell
