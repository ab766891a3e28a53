"""redteam45 R5: ``warroom incident update ID --state-dir DIR "text"`` was refused ("unrecognized arguments") where
``incident note ID --state-dir DIR --tag T "text"`` takes the same order: a command's words after its options are its
text, wherever the options sit; an unknown option is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main


def test_an_update_takes_its_text_after_an_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = ["--state-dir", str(tmp_path)]
    assert main(["incident", "new", "--title", "slow flows", "--severity", "P3", *state]) == 0
    inc = next(w for w in capsys.readouterr().out.split() if w.startswith("INC-"))
    assert main(["incident", "update", inc, *state, "Mitigated: v1.2.0 rolled back;", "monitoring"]) == 0
    assert "Mitigated: v1.2.0 rolled back; monitoring" in "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    with pytest.raises(SystemExit):
        main(["incident", "update", inc, *state, "text", "--no-such-option"])


def test_an_update_whose_text_starts_with_a_dash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """attack45 X2: words argparse reads as text (a space in them, or after ``--``) are the update's text after the
    options too; a lone word spelled like an option is still refused."""
    state = ["--state-dir", str(tmp_path)]
    assert main(["incident", "new", "--title", "slow flows", "--severity", "P3", *state]) == 0
    inc = next(w for w in capsys.readouterr().out.split() if w.startswith("INC-"))
    assert main(["incident", "update", inc, *state, "-5% errors since the rollback"]) == 0
    assert main(["incident", "update", inc, *state, "--", "-5%", "--fewer", "errors"]) == 0
    said = "".join(p.read_text() for p in tmp_path.rglob("*.jsonl"))
    assert "-5% errors since the rollback" in said and "-5% --fewer errors" in said
    for lone in (["-5%"], ["text", "-x"]):
        with pytest.raises(SystemExit):
            main(["incident", "update", inc, *state, *lone])
