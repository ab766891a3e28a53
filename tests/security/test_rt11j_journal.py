"""Red-team round rt11j: journal attacks that differ from test_journal_tamper's.

Each attack must be named by ``verify`` (exit 1), refused by ``note`` and ``run`` (exit 6, the
canary absent) and undone by ``repair`` without losing an acknowledged event.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.security.conftest import Cli
from tests.security.test_journal_tamper import NOTES, _incident, _lines, _write_chain
from warroom.journal.encoding import encode_line, parse_ts
from warroom.journal.reader import read_journal
from warroom.journal.seal import SIG_NAME, Witness, signed_message


def edit_middle_data_only(j: Path) -> None:
    """Change a middle line's data and nothing else (hashes left as they were)."""
    raw = j.read_bytes().split(b"\n")
    edited = raw[22].replace(b'"text":"note', b'"text":"NOTE')
    assert edited != raw[22]
    raw[22] = edited
    j.write_bytes(b"\n".join(raw))


def insert_rechained(j: Path) -> None:
    """Insert a forged event in the middle, renumber and rehash everything, fresh head."""
    events = _lines(j)
    extra = {**events[30], "data": {"tag": "info", "text": "inserted"}}
    events.insert(31, extra)
    _write_chain(j, events, renumber=True)


def swap_ts_rechained(j: Path) -> None:
    events = _lines(j)
    events[12]["ts"], events[13]["ts"] = events[13]["ts"], events[12]["ts"]
    _write_chain(j, events)


def change_actor_rechained(j: Path) -> None:
    events = _lines(j)
    events[44]["actor"] = "mallory@elsewhere"
    _write_chain(j, events)


def append_by_hand(j: Path) -> None:
    """Append one well-formed line with a correct chain and a matching head (no warroom)."""
    last = _lines(j)[-1]
    line = encode_line(last["seq"] + 1, parse_ts(last["ts"]), last["actor"], "note.added",
                       {"tag": "info", "text": "planted by hand"}, last["h"])
    with open(j, "ab") as f:
        f.write(line)
    new = json.loads(line)
    j.with_name("journal.head").write_bytes(json.dumps({"seq": new["seq"], "h": new["h"]}).encode().ljust(127) + b"\n")


def truncate_at_checkpoint(j: Path) -> None:
    """Cut the journal exactly at the last signed checkpoint, head rewritten to match."""
    recs = [json.loads(r) for r in j.with_name(SIG_NAME).read_bytes().split(b"\n") if r]
    cut = max(r["seq"] for r in recs)
    events = [e for e in _lines(j) if e["seq"] <= cut]
    _write_chain(j, events)


def _sign_with_own_key(j: Path, incident: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warroom.journal.seal import _fingerprint

    key = Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    out = []
    for e in _lines(j):
        if e["seq"] % 20 == 0 or e is _lines(j)[-1]:
            out.append({"incident": incident, "seq": e["seq"], "h": e["h"], "ts": e["ts"],
                        "key": _fingerprint(pub), "pub": base64.b64encode(pub).decode(),
                        "sig": base64.b64encode(key.sign(signed_message(incident, e["seq"], e["h"]))).decode()})
    j.with_name(SIG_NAME).write_text("".join(json.dumps(r) + "\n" for r in out))


def replace_sig_and_head(j: Path) -> None:
    """Forge an early line, then replace journal.sig (signed by the attacker's own key) and head."""
    events = _lines(j)
    events[3]["data"]["text"] = "forged under a fresh signature"
    _write_chain(j, events)
    _sign_with_own_key(j, j.parent.name)


def delete_witness_and_forge_late(j: Path) -> None:
    """Delete the witness outside the dir, then rewrite a line after the last checkpoint."""
    Witness(j).path.unlink()
    events = _lines(j)
    events[-1]["data"]["text"] = "rewritten with the witness gone"
    _write_chain(j, events)


def delete_witness_replace_sig(j: Path) -> None:
    """Witness deleted, early line forged, journal.sig and head replaced consistently."""
    Witness(j).path.unlink()
    replace_sig_and_head(j)


def torn_then_good_line(j: Path) -> None:
    """A torn line (no newline) followed by a good line appended by hand: a line in the middle."""
    last = _lines(j)[-1]
    line = encode_line(last["seq"] + 1, parse_ts(last["ts"]), last["actor"], "note.added",
                       {"tag": "info", "text": "after torn"}, last["h"])
    with open(j, "ab") as f:
        f.write(b'{"seq":99,"ts":"2026-')
        f.write(line)


ATTACKS: dict[str, Callable[[Path], None]] = {
    "edit a middle line's data only": edit_middle_data_only,
    "insert a line, renumber and rehash": insert_rechained,
    "swap two lines' ts, rehash": swap_ts_rechained,
    "change actor, rehash": change_actor_rechained,
    "append a well-formed line by hand": append_by_hand,
    "truncate at a checkpoint boundary": truncate_at_checkpoint,
    "replace journal.sig and journal.head consistently": replace_sig_and_head,
    "delete witness, forge after the last checkpoint": delete_witness_and_forge_late,
    "delete witness, replace journal.sig and head": delete_witness_replace_sig,
    "torn line followed by a good line": torn_then_good_line,
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_rt11j_attack(cli: Cli, runbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    before = [e.data.get("text") for e in read_journal(j).events if e.type == "note.added"]
    ATTACKS[name](j)
    code, out, _ = cli("verify", inc)
    assert code == 1, f"{name}: verify did not notice\n{out}"
    assert "proved" in out
    canary = tmp_path / "canary"
    monkeypatch.setenv("WARROOM_TEST_CANARY", str(canary))
    code, _, err = cli("note", inc, "--tag", "info", "after the attack")
    assert code == 6, err
    code, _, err = cli("run", inc, "2", "--yes")
    assert code == 6, err
    assert not canary.exists()
    code, out, _ = cli("repair", inc)
    assert code == 0, out
    code, out, _ = cli("verify", inc)
    assert code == 0, out
    assert cli("note", inc, "--tag", "info", "after the repair")[0] == 0
    assert cli("run", inc, "1")[0] == 0


@pytest.mark.parametrize("tail", [b"\0", b"\0" * 127 + b"\n", b"\0" * 9000, b"\0" * 5000 + b"\n" + b"\0" * 5000 + b"\n",
                                  b"\0\0\0\n\0\0", b"\0" * 64 + b"\n\0"])
def test_rt11j_zero_filled_tail_lengths(cli: Cli, runbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        tail: bytes) -> None:
    """Power loss of various sizes: set aside, nothing acknowledged lost, notes and steps go on."""
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    before = len(read_journal(j).events)
    with open(j, "ab") as f:
        f.write(tail)
    code, out, _ = cli("verify", inc)
    assert code == 0, out
    assert cli("note", inc, "--tag", "info", "after the power cut")[0] == 0
    monkeypatch.setenv("WARROOM_TEST_CANARY", str(tmp_path / "canary"))
    assert cli("run", inc, "1")[0] == 0
    events = read_journal(j).events
    assert len(events) > before + 1
    assert cli("verify", inc)[0] == 0


def test_rt11j_crash_between_write_and_witness_is_not_tampering(cli: Cli, runbook: Path) -> None:
    """The witness announces a line before writing it: a crash right after the write (witness and
    head not yet moved) leaves one line past them, which is not mistaken for a hand-added one."""
    inc = _incident(cli, runbook)
    j = cli.journal(inc)
    events = read_journal(j).events
    last, before = events[-1], events[-2]
    w = Witness(j)
    w.write(before.seq, before.h, last.actor, (last.seq, last.h))
    j.with_name("journal.head").write_bytes(json.dumps({"seq": before.seq, "h": before.h}).encode().ljust(127) + b"\n")
    code, out, _ = cli("verify", inc)
    assert code == 0, out
    assert cli("note", inc, "--tag", "info", "after the crash")[0] == 0


def test_rt11j_views_say_a_hand_appended_line_is_not_ours(cli: Cli, runbook: Path) -> None:
    inc = _incident(cli, runbook)
    append_by_hand(cli.journal(inc))
    code, _, err = cli("show", inc)
    assert code == 0 and "warning:" in err and "added by hand" in err
    code, out, _ = cli("list")
    assert "[journal damaged]" in out
