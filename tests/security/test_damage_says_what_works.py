"""What the refusal on a damaged journal says still works, works (A24-6).

The refusal said "show and export still work on the N valid events" for every kind of damage.
For a witness or checkpoint problem (the incident dir moved or copied: "the witness kept outside
the incident dir … is gone") export was refused too (exit 6, no PIR written): it signs the head
it cites. Only damaged lines let it cite the last valid one. Each sentence is checked here
against the command it names."""

from __future__ import annotations

from pathlib import Path

from tests.security.conftest import Cli
from warroom.journal.seal import Witness


def _resolved(cli: Cli, runbook: Path) -> str:
    code, out, _ = cli("new", "--title", "Quota exhausted", "--severity", "P3", "--runbook", str(runbook))
    assert code == 0
    inc = out.strip()
    assert cli("note", inc, "--tag", "info", "breaker on")[0] == 0
    assert cli("resolve", inc, "--summary", "breaker on", "--no-rollback", "--yes")[0] == 0
    return inc


def test_a_missing_witness_refusal_does_not_promise_an_export(cli: Cli, runbook: Path) -> None:
    inc = _resolved(cli, runbook)
    Witness(cli.journal(inc)).path.unlink()
    code, _, err = cli("export", inc)
    assert code == 6 and "is gone" in err                     # export signs the head it cites
    assert "show and export still work" not in err and "export once repaired" in err
    assert cli("show", inc)[0] == 0                          # what it says works, works
    assert cli("repair", inc)[0] == 0
    assert cli("export", inc)[0] == 0


def test_damaged_lines_still_export_as_said(cli: Cli, runbook: Path) -> None:
    inc = _resolved(cli, runbook)
    j = cli.journal(inc)
    lines = j.read_bytes().split(b"\n")
    lines[-2] = lines[-2][:-7] + b"garbage"                   # the last line no longer parses
    j.write_bytes(b"\n".join(lines))
    code, _, err = cli("note", inc, "--tag", "info", "after")
    assert code == 6 and "show and export still work on the" in err
    code, out, err = cli("export", inc)
    assert code == 0 and "not recorded in the damaged journal" in out + err
