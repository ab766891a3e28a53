"""Red team (redteam47 F9): a ``--read-only`` seat (an observer's, a trainee's) changes nothing of the incident.

An observer's ``incident decide --go`` opened the rollback runbook beside the current one, its ``severity``
and ``resolve`` changed the incident and finished the drill: only the step runs asked the flag. The rule now
lives in the core (``warroom.incident.observer_seat``, applied in ``Incident._append``). These tests enumerate
the ways in, not a list of the ones known today: every ``warroom incident`` subcommand the parser has, and every
event type the journal knows. A subcommand or an event type added later fails here until it is classified:
refused from a read-only seat (nothing written), or a reader.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, install_fake_runbook

ID = "{id}"

#: Every subcommand that writes, as a read-only seat would type it: each is refused (exit 5, the seat named)
#: and the journal stays byte for byte as it was. Arguments are valid, so only the seat can refuse them.
WRITERS: dict[str, list[str]] = {
    "new": ["new", "--title", "observer declares", "--severity", "P2"],
    "tick": ["tick", ID, "4"],
    "untick": ["untick", ID, "5"],
    "skip": ["skip", ID, "1", "--reason", "observer skips"],
    "note": ["note", ID, "--tag", "root-cause", "observer's guess"],
    "severity": ["severity", ID, "P1"],
    "status": ["status", ID, "mitigated"],
    "mark": ["mark", ID, "mitigated"],
    "timeline": ["timeline", ID, "observer's entry"],
    "correct": ["correct", ID, "{entry}", "observer's words"],
    "update": ["update", ID, "observer's update"],
    "attach": ["attach", ID, "RB-TEST-001"],
    "close-runbook": ["close-runbook", ID, "--reason", "observer closes"],
    "resolve": ["resolve", ID, "--summary", "observer resolved it", "--yes"],
    "reopen": ["reopen", ID, "--reason", "observer reopens"],
    "decide": ["decide", ID, "--go", "--why", "read-only observer says go"],
    "export": ["export", ID],
    "repair": ["repair", ID],
    "share": ["share", ID],
    "role": ["role", ID, "commander", "observer"],
    "ack": ["ack", ID],
    "request": ["request", ID, "3", "--param", "namespace=prod"],
    "approve": ["approve", ID, "R1"],
}

#: Subcommands that only read: from a read-only seat they write nothing either (their watchers are quiet).
READERS: dict[str, list[str]] = {
    "list": ["list"],
    "show": ["show", ID],
    "brief": ["brief", ID],
    "approvals": ["approvals", ID],
    "draft-update": ["draft-update", ID],
    "drill-report": ["drill-report", ID],
    "verify": ["verify", ID],
    "follow": ["follow", ID, "--for", "0.001"],
    "export --stdout": ["export", ID, "--stdout"],
}

#: The step rule (README, ``test_readonly_bypass``): a step that changes things is refused and the attempt
#: journaled (``step.refused``), one that only reads runs. What ``run`` may add, and nothing else.
STEP_RULE = {"run": (["run", ID, "3", "--param", "namespace=prod", "--yes"], ["step.refused"])}


def _subcommands() -> set[str]:
    from tui.cli import build_parser

    parser = build_parser(["incident"])
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    incident = top.choices["incident"]
    sub = next(a for a in incident._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    install_fake_runbook(monkeypatch, tmp_path)
    return Cli(tmp_path / "state", capsys)


def test_every_incident_subcommand_is_classified() -> None:
    """A new subcommand is a new way in: it is refused from a read-only seat, or it only reads."""
    known = set(WRITERS) | {k.split()[0] for k in READERS} | set(STEP_RULE)
    assert _subcommands() == known, "classify it in WRITERS (and refuse it) or READERS"


def test_a_read_only_seat_writes_nothing_through_any_incident_subcommand(cli: Cli) -> None:
    code, out, _ = cli("new", "--title", "Quota exhausted", "--severity", "P3", "--runbook", "RB-TEST-001")
    assert code == 0
    inc = out.strip()
    assert cli("tick", inc, "5")[0] == 0                   # something to untick
    code, out, _ = cli("timeline", inc, "customer report")
    assert code == 0
    entry = out.split("seq ")[-1].split()[0].strip(")")   # something to correct
    journal = cli.journal(inc)
    before = journal.read_bytes()
    incidents = sorted(p.name for p in (cli.state / "incidents").iterdir())

    def argv(words: list[str]) -> list[str]:
        return ["--read-only", *(w.replace(ID, inc).replace("{entry}", entry) for w in words)]

    wrote, open_ = [], []
    for name, words in WRITERS.items():
        code, _out, err = cli(*argv(words))
        if code != 5 or "read-only session (--read-only): nothing recorded" not in err \
                or "an observer's seat reads and cannot change the incident" not in err:
            open_.append(f"{name}: exit {code}: {err.strip()[:160]}")
        if journal.read_bytes() != before:
            wrote.append(name)
            before = journal.read_bytes()
    for name, words in READERS.items():
        cli(*argv(words))
        if journal.read_bytes() != before:
            wrote.append(name)
            before = journal.read_bytes()
    assert not open_, "\n".join(open_)
    assert not wrote, f"a read-only seat wrote to the journal: {wrote}"
    assert sorted(p.name for p in (cli.state / "incidents").iterdir()) == incidents      # no incident declared
    for name, (words, allowed) in STEP_RULE.items():
        lines = len(before.splitlines())
        code, _out, err = cli(*argv(words))
        added = journal.read_bytes().splitlines()[lines:]
        assert code == 5 and "read-only" in err, name
        assert [json.loads(line)["type"] for line in added] == allowed, name
        before = journal.read_bytes()
    # the same commands from the commander's seat do write: the refusals above are the seat's
    assert cli("severity", inc, "P1")[0] == 0 and journal.read_bytes() != before


def test_a_drill_is_not_made_for_an_observers_declaration(cli: Cli) -> None:
    code, _out, err = cli("--read-only", "new", "--drill", "rate-limit", "--speed", "60")
    assert code == 5 and "cannot declare an incident" in err
    assert not (cli.state / "drills").exists() and not (cli.state / "incidents").exists()


def test_the_core_refuses_every_event_type_a_read_only_seat_does_not_write(tmp_path: Path) -> None:
    """By construction: every journal line goes through ``Incident._append``, which takes from a read-only seat
    only the step runs' lines (``observer_seat.RECORDS``); every other type the journal knows, a new one too,
    is refused there with nothing written."""
    from warroom.config import Config
    from warroom.incident.observer_seat import RECORDS, ReadOnlySeat
    from warroom.incident.store import IncidentStore
    from warroom.journal import events as ev

    cfg = Config()
    inc = IncidentStore(tmp_path, cfg).create(title="quota", severity="P3")
    cfg.read_only = cfg.observer = True
    types = {v for k, v in vars(ev).items() if k.isupper() and isinstance(v, str) and "." in v}
    assert len(types) > 40 and set(RECORDS) < types
    before = (inc.dir / "journal.jsonl").read_bytes()
    for type_ in sorted(types - set(RECORDS)):
        with pytest.raises(ReadOnlySeat, match="an observer's seat reads and cannot change the incident"):
            inc.append(type_, {})
    assert inc.append_once(lambda st: (ev.UPDATE_OVERDUE, {})) is None          # a watcher: quiet
    assert inc.record_alert({"name": "QuotaHigh"}) is None
    assert (inc.dir / "journal.jsonl").read_bytes() == before
