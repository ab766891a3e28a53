"""``aws s3 cp|mv`` to a local file or ``-`` is refused by name, never a success that wrote nothing (redteam49 F5).

The drill's buckets hold each bundle's name and size, not its bytes: ``aws s3 cp s3://context-bundles/ctx_….json ./A1``
said ``copy: … to ./A1``, exit 0, and wrote no file, while RB-CORE-005 asks to keep and export evidence and the drill's
``curl -o`` does write its file. A copy or move between buckets is unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill


def test_a_download_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "audit-gap", name="s3")
    key = run_one(drill, ["aws", "s3", "ls", "s3://context-bundles/"], 900.0)[1].splitlines()[-1].split()[-1]
    source = f"s3://context-bundles/{key}"
    work = tmp_path / "work"
    work.mkdir()
    here = os.getcwd()
    os.chdir(work)
    try:
        for argv in (["cp", source, "./A1"], ["cp", source, "-"], ["mv", source, "A2"]):
            code, out, err = run_one(drill, ["aws", "s3", *argv], 900.0)
            assert (code, out) == (1, ""), (argv, code, out)
            assert "not simulated" in err and "nothing was written" in err, err
        code, out, _ = run_one(drill, ["aws", "s3", "cp", source, "./A1", "--dryrun"], 900.0)
        assert (code, out.strip()) == (0, f"(dryrun) download: {source} to ./A1")
    finally:
        os.chdir(here)
    assert list(work.iterdir()) == []
    assert not [a for a in drill.actions() if a.action == "s3_move"]      # the refused mv moved nothing
    code, out, _ = run_one(drill, ["aws", "s3", "mv", source, "s3://quarantine-bucket/" + key], 950.0)
    assert (code, out.strip()) == (0, f"move: {source} to s3://quarantine-bucket/{key}")
