"""Someone with write access to the incident dir tries to rewrite the journal unnoticed.

Each attack is done the way an attacker would (hashes recomputed, ``journal.head`` rewritten or
deleted, lines cut and new ones appended), then ``warroom incident verify`` must name it, no
command may record or run anything on it, and ``warroom incident repair`` must bring the
incident back without losing an acknowledged event. Power-loss damage (a zero-filled tail) is
not an attack: it must be set aside on its own, like a torn line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.security.conftest import Cli
from warroom.journal.encoding import GENESIS, _check_line, encode_line, parse_ts
from warroom.journal.reader import read_journal
from warroom.journal.seal import SIG_NAME, Witness

NOTES = 45  # enough for two periodic checkpoints (every 20 events)


def _incident(cli: Cli, runbook: Path) -> str:
    """An incident with NOTES notes, the journal every attack edits. The notes are written by the
    call ``incident note`` makes (the incident opened afresh for each, as each command opens it),
    not through the CLI itself: building its argument parser 45 times was 0.7 s of the 1.2 s this
    setup took, in every test of this file and test_rt11j_journal. The commands under attack
    (verify, note, run, repair, show, list) still go through the CLI."""
    from warroom.config import load_config
    from warroom.incident.store import IncidentStore

    code, out, _ = cli("new", "--title", "Quota exhausted", "--severity", "P3", "--runbook", str(runbook))
    assert code == 0
    inc = out.strip()
    cfg = load_config(None)
    cfg.incident.state_dir = str(cli.state)             # what `--state-dir` does (config_from_args)
    store = IncidentStore(cfg.state_dir(), cfg)
    for i in range(NOTES):
        store.open(inc).note("info", f"note {i}", owner=None, due=None)
    return inc


def _lines(journal: Path) -> list[dict]:
    return [json.loads(raw) for raw in journal.read_bytes().split(b"\n") if raw]


def _write_chain(journal: Path, events: list[dict], *, renumber: bool = False, head: bool = True) -> None:
    """Write ``events`` as a well-formed chain with every hash recomputed (what a forger does)."""
    prev = GENESIS
    out = []
    for i, e in enumerate(events, start=1):
        seq = i if renumber else e["seq"]
        line = encode_line(seq, parse_ts(e["ts"]), e["actor"], e["type"], e["data"], prev)
        ev, problem = _check_line(line[:-1], i)
        assert ev is not None and problem is None
        prev = ev.h
        out.append(line)
    journal.write_bytes(b"".join(out))
    if head:
        last, _ = _check_line(out[-1][:-1], 0)
        assert last is not None
        record = json.dumps({"seq": last.seq, "h": last.h}).encode().ljust(127) + b"\n"
        journal.with_name("journal.head").write_bytes(record)


# ---------------------------------------------------------------------------- the attacks


def forge_early_line(j: Path) -> None:
    """Change what an early note says and recompute every hash after it (and the head)."""
    events = _lines(j)
    events[4]["data"]["text"] = "nothing happened here"
    _write_chain(j, events)


def forge_late_line(j: Path) -> None:
    """Same, on a line after the last checkpoint: only the witness speaks for it."""
    events = _lines(j)
    events[-1]["data"]["text"] = "rewritten after the last checkpoint"
    _write_chain(j, events)


def truncate_and_forge_append(j: Path) -> None:
    """Cut the last 15 lines and append new ones by hand, chained and with a fresh head."""
    events = _lines(j)[:-15]
    extra = dict(events[-1])
    for n in range(3):
        extra = {**extra, "seq": extra["seq"] + 1, "data": {"tag": "info", "text": f"planted {n}"}, "type": "note.added"}
        events.append(extra)
    _write_chain(j, events)


def delete_head_and_truncate(j: Path) -> None:
    """Cut the tail and delete journal.head, so nothing in the incident dir remembers the end."""
    events = _lines(j)[:-10]
    _write_chain(j, events, head=False)
    j.with_name("journal.head").unlink()


def reorder(j: Path) -> None:
    raw = j.read_bytes().split(b"\n")
    raw[10], raw[11] = raw[11], raw[10]
    j.write_bytes(b"\n".join(raw))


def reorder_and_renumber(j: Path) -> None:
    """Swap two events and renumber and rehash everything: a clean-looking chain."""
    events = _lines(j)
    events[10], events[11] = events[11], events[10]
    _write_chain(j, events, renumber=True)


def duplicate_seq(j: Path) -> None:
    raw = j.read_bytes().split(b"\n")
    raw.insert(20, raw[19])
    j.write_bytes(b"\n".join(raw))


def drop_middle_line_rechained(j: Path) -> None:
    events = _lines(j)
    del events[7]
    _write_chain(j, events, renumber=True)


def forge_checkpoint(j: Path) -> None:
    """Rewrite a line, then rewrite journal.sig's records to match (without the key)."""
    forge_early_line(j)
    sig = j.with_name(SIG_NAME)
    events = {e["seq"]: e for e in _lines(j)}
    recs = [json.loads(r) for r in sig.read_bytes().split(b"\n") if r]
    for r in recs:
        r["h"] = events[r["seq"]]["h"] if r["seq"] in events else r["h"]
    sig.write_text("".join(json.dumps(r) + "\n" for r in recs))


def forge_everything_but_the_witness(j: Path) -> None:
    """Rewrite a line and delete journal.sig too: the witness outside the dir still tells."""
    forge_late_line(j)
    j.with_name(SIG_NAME).unlink()


ATTACKS: dict[str, Callable[[Path], None]] = {
    "forge early line, hashes recomputed": forge_early_line,
    "forge line after last checkpoint, hashes recomputed": forge_late_line,
    "truncate tail, append forged lines": truncate_and_forge_append,
    "truncate tail, delete journal.head": delete_head_and_truncate,
    "reorder two lines": reorder,
    "reorder two lines, renumber and rehash": reorder_and_renumber,
    "duplicate a line (duplicate seq)": duplicate_seq,
    "drop a middle line, renumber and rehash": drop_middle_line_rechained,
    "forge line and rewrite journal.sig records": forge_checkpoint,
    "forge line and delete journal.sig": forge_everything_but_the_witness,
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_is_detected_refused_and_repairable(cli: Cli, runbook: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    acknowledged = len(read_journal(j).events)
    ATTACKS[name](j)

    code, out, _ = cli("verify", inc)
    assert code == 1, f"{name}: verify did not notice\n{out}"
    assert "tampered" in out

    # Nothing is recorded and nothing runs on it.
    canary = tmp_path / "canary"
    monkeypatch.setenv("WARROOM_TEST_CANARY", str(canary))
    code, _, err = cli("note", inc, "--tag", "info", "after the attack")
    assert code == 6 and "nothing more" in err
    code, _, err = cli("run", inc, "2", "--yes")
    assert code == 6, err
    assert not canary.exists()

    # Repair keeps a copy of the evidence and records what it found; work goes on.
    code, out, _ = cli("repair", inc)
    assert code == 0 and "repaired" in out
    saved = list(j.parent.glob("journal.damaged-*.jsonl"))
    assert len(saved) == 1
    code, out, _ = cli("verify", inc)
    assert code == 0, out
    events = read_journal(j).events
    assert events[-1].type == "journal.repaired" and events[-1].data["findings"]
    assert cli("note", inc, "--tag", "info", "after the repair")[0] == 0
    if name in ("reorder two lines", "duplicate a line (duplicate seq)"):
        # Lines that still pass their own hash are acknowledged events: none is lost.
        texts = [e.data.get("text") for e in events if e.type == "note.added"]
        assert all(f"note {i}" in texts for i in range(NOTES))
        assert len(events) >= acknowledged


def test_zero_filled_tail_is_set_aside_and_no_acknowledged_event_is_lost(cli: Cli, runbook: Path) -> None:
    """Power loss: the file grew but the last write's data never reached the disk."""
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    before = len(read_journal(j).events)
    with open(j, "ab") as f:
        f.write(b"\0" * 300 + b"\n" + b"\0" * 200)
    code, out, _ = cli("verify", inc)
    assert code == 0 and "torn" in out
    assert cli("show", inc)[0] == 0
    code, _, err = cli("note", inc, "--tag", "info", "after the power cut")
    assert code == 0, err
    events = read_journal(j).events
    assert len(events) == before + 1 and events[-1].data["text"] == "after the power cut"
    assert b"\0" * 300 in j.with_name("journal.torn").read_bytes()
    assert cli("verify", inc)[0] == 0


def test_zero_filled_last_line_with_its_newline(cli: Cli, runbook: Path) -> None:
    """The last line's bytes turned to NULs but its length (and newline) survived."""
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    # Make the last line unacknowledged: as if its fsync never returned (witness and head lag).
    raw = j.read_bytes().split(b"\n")
    zero = b"\0" * len(raw[-2])
    raw[-2] = zero
    j.write_bytes(b"\n".join(raw))
    last = read_journal(j).events[-1]
    Witness(j).write(last.seq, last.h)
    j.with_name("journal.head").write_bytes(json.dumps({"seq": last.seq, "h": last.h}).encode().ljust(127) + b"\n")
    code, out, _ = cli("verify", inc)
    assert code == 0, out
    assert cli("note", inc, "--tag", "info", "next")[0] == 0
    code, out, _ = cli("repair", inc)
    assert code == 0 and "nothing to repair" in out


def test_zero_filled_tail_over_an_acknowledged_line_is_reported_not_hidden(cli: Cli, runbook: Path) -> None:
    """If NULs replaced a line that *was* acknowledged, the witness says so: not silently dropped."""
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    raw = j.read_bytes().split(b"\n")
    raw[-2] = b"\0" * len(raw[-2])
    j.write_bytes(b"\n".join(raw))
    code, out, _ = cli("verify", inc)
    assert code == 1 and "removed" in out
    assert cli("note", inc, "--tag", "info", "x")[0] == 6
    code, out, _ = cli("repair", inc)
    assert code == 0 and "NOT recoverable" in out
    assert cli("verify", inc)[0] == 0


def test_mid_journal_damage_repair_keeps_every_acknowledged_event(cli: Cli, runbook: Path,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    raw = j.read_bytes().split(b"\n")
    raw[9] = raw[9].replace(b"note 8", b"note X")  # a flipped byte in line 10
    j.write_bytes(b"\n".join(raw))
    canary = tmp_path / "canary"
    monkeypatch.setenv("WARROOM_TEST_CANARY", str(canary))
    assert cli("run", inc, "2", "--yes")[0] == 6 and not canary.exists()
    assert cli("run", inc, "1")[0] == 6
    code, out, _ = cli("repair", inc)
    assert code == 0 and "1 damaged line(s) (10)" in out
    events = read_journal(j).events
    texts = [e.data.get("text") for e in events if e.type == "note.added"]
    assert [f"note {i}" for i in range(NOTES) if i != 8] == texts
    damaged = [e for e in events if e.type == "journal.damaged_line"]
    assert len(damaged) == 1 and "note X" in damaged[0].data["text"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    code, out, _ = cli("verify", inc)
    assert code == 0, out
    assert cli("run", inc, "1")[0] == 0


def test_verify_states_what_it_proved_and_what_it_could_not(cli: Cli, runbook: Path) -> None:
    inc = _incident(cli, runbook)
    assert cli("note", inc, "--tag", "info", "one more")[0] == 0
    code, out, _ = cli("verify", inc)
    assert code == 0
    last = NOTES + 2
    assert f"hash chain intact from #1 to #{last}" in out
    assert "signed checkpoint at #40 by key SHA256:" in out
    assert f"lines after the last checkpoint (#41..#{last}) are unsigned" in out
    assert cli("update", inc, "still mitigating")[0] == 0
    code, out, _ = cli("verify", inc)
    assert f"signed checkpoint at #{last} by key SHA256:" in out


def test_exports_record_the_head_and_a_later_rewrite_no_longer_matches(cli: Cli, runbook: Path) -> None:
    inc = _incident(cli, runbook)
    assert cli("resolve", inc, "--summary", "fixed")[0] == 0
    code, out, _ = cli("export", inc)
    assert code == 0
    pir = (cli.journal(inc).parent / "pir.md").read_text()
    assert "Journal head `#" in pir and "sha256:" in pir
    log = (cli.state / "incident_log.csv").read_text()
    assert "Journal Head" in log.splitlines()[0] and "sha256:" in log.splitlines()[1]
    # Rewrite the whole chain, witness and signatures gone too: the export still remembers.
    j = cli.journal(inc)
    forge_early_line(j)
    j.with_name(SIG_NAME).unlink()
    Witness(j).clear()
    code, out, _ = cli("verify", inc)
    assert code == 1 and "pir.md's footer" in out and "incident_log.csv's row" in out


def test_key_and_witness_live_outside_the_incident_dir_private(cli: Cli, runbook: Path) -> None:
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    w = Witness(j)
    assert w.read() is not None
    assert j.parent not in w.path.parents
    key = w.path.parent.parent / "journal_ed25519"
    assert key.is_file()
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert os.stat(key.parent).st_mode & 0o777 == 0o700
    assert os.stat(j.with_name(SIG_NAME)).st_mode & 0o777 == 0o600


@pytest.mark.parametrize("name", ["forge early line, hashes recomputed",
                                  "forge line after last checkpoint, hashes recomputed",
                                  "truncate tail, delete journal.head"])
def test_every_view_says_a_clean_looking_chain_was_rewritten(cli: Cli, runbook: Path, name: str) -> None:
    """A forged chain reads clean link by link: show and list must still say it was tampered with."""
    inc = _incident(cli, runbook)
    ATTACKS[name](cli.journal(inc))
    code, out, err = cli("show", inc)
    assert code == 0 and "warning:" in err and ("rewritten" in err or "removed" in err)
    code, out, _ = cli("show", inc, "--json")
    assert json.loads(out)["journal_issues"]
    code, out, _ = cli("list")
    assert "[journal damaged]" in out
