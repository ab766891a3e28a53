"""A journal-damage hint, pasted, opens the incident it was written about (parse-1).

The dashboard keeps its drill incidents in the drills' store (``<state>/drills/incidents/ID``),
apart from real ones, and each store numbered its own ``INC-<date>-1`` up (until redteam37 F10). The hints said
`incident verify ID` / `incident repair ID` with no ``--state-dir``: pasted, `verify` and `repair`
look in the state dir only, so for a drill incident they answered "no incident", or, when a real
incident carries the same id, verified (and would have repaired) that one instead. Now every such
hint names the drills' store (``paths.store_option``); the test runs the pasted commands. And
`verify` / `repair` typed with the id alone find a drill incident, as the other commands do.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from tests import source_trees
from tests.legacy_ids import numbered_apart
from warroom.config import Config
from warroom.incident.session import JournalDamaged
from warroom.incident.store import IncidentStore
from warroom.paths import store_option

ROOT = Path(__file__).resolve().parents[2]


def _pasted(text: str) -> list[list[str]]:
    """Every command a message tells the person to type, as its words after the program's name."""
    return [shlex.split(c)[1:] for c in re.findall(r"`([^`]+)`", text) if c.split()[1:2] == ["incident"]]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from tui.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def test_the_pasted_hints_verify_and_repair_the_drill_incident(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = Config()
    state = cfg.state_dir()                      # the default state dir (tests/conftest.py: under tmp)
    real = IncidentStore(state, cfg).create(title="Real one", severity="P3")
    with numbered_apart(state / "drills"):       # as each store numbered its own (tests/legacy_ids.py)
        drill = IncidentStore(state / "drills", cfg).create(
            title="Quota climbing", severity="P3", drill={"scenario": "rate-limit", "speed": 60.0, "dir": "/nowhere"})
    assert drill.id == real.id
    real_bytes = (real.dir / "journal.jsonl").read_bytes()
    journal = drill.dir / "journal.jsonl"
    first, *rest = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(first + b'{"edited": "by hand"}\n' + b"".join(rest))

    with pytest.raises(JournalDamaged) as refused:
        IncidentStore(state / "drills", cfg).open(drill.id).require_intact()
    verify, repair = _pasted(str(refused.value))
    assert verify[:3] == ["incident", "verify", drill.id] and repair[:3] == ["incident", "repair", drill.id]

    code, said = _run(verify, capsys)
    assert code == 1 and f"{journal}: " in said, said        # the drill's journal, its damage named
    (hint,) = _pasted(said)                                   # verify's own hint: repair, pasted as well
    assert hint == repair
    code, said = _run(repair, capsys)
    assert code == 0, said
    IncidentStore(state / "drills", cfg).open(drill.id).require_intact()   # repaired: it records again
    assert (real.dir / "journal.jsonl").read_bytes() == real_bytes          # the real one never touched


def test_verify_and_repair_find_a_drill_incident_by_its_id_alone(capsys: pytest.CaptureFixture[str]) -> None:
    """Typed by hand from the header's id, as `show` and the others are: they looked in the state
    dir only ("no incident")."""
    cfg = Config()
    drill = IncidentStore(cfg.state_dir() / "drills", cfg).create(
        title="Quota climbing", severity="P3", drill={"scenario": "rate-limit", "speed": 60.0, "dir": "/nowhere"})
    for verb in ("verify", "repair"):
        code, said = _run(["incident", verb, drill.id], capsys)
        assert code == 0 and f"{drill.id} is a drill incident under" in said, said


def test_the_option_names_only_the_drills_store(tmp_path: Path) -> None:
    assert store_option(tmp_path / "state" / "incidents" / "INC-1") == ()
    assert store_option(tmp_path / "state" / "drills" / "incidents" / "INC-1") == \
        ("--state-dir", str(tmp_path / "state" / "drills"))
    assert store_option(tmp_path / "state" / "drills" / "drills" / "rate-limit-1") == ()   # a drill's world
    assert store_option(None) == ()


# A document sent to people elsewhere: the PIR's footer names the command without a local path.
NOT_A_HINT = {"warroom/incident/pir.py"}


def test_every_verify_and_repair_hint_carries_the_store() -> None:
    """By construction: every ``command('incident', 'verify'|'repair', ID, …)`` in warroom/ and tui/
    passes the incident's store words (``*store_option(dir)`` or a name bound to it)."""
    found, bare = 0, []
    for path in source_trees.modules("warroom", "tui"):     # read and parsed once for every sweep
        rel, text = path.relative_to(ROOT).as_posix(), source_trees.source(path)
        if "'verify'" not in text and "'repair'" not in text:
            continue
        for node in ast.walk(source_trees.tree(path)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "command"):
                continue
            words = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if words not in (["incident", "verify"], ["incident", "repair"]) or rel in NOT_A_HINT:
                continue
            found += 1
            if not any(isinstance(a, ast.Starred) for a in node.args[3:]):
                bare.append(f"{rel}:{node.lineno}")
    assert found >= 10 and not bare, bare
