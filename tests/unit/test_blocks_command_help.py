"""``blocks GROUP COMMAND --help`` prints that command's usage and options, as click does. It printed the top-level
help (redteam36: ``blocks status flows --help`` listed the groups), although every usage error of the stand-in
ends "Try 'blocks status flows --help' for help": the advice it gave led nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.standins.blocks import COMMANDS


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(tmp_path_factory.mktemp("blocks-help"), "timeout")


@pytest.mark.parametrize("group, name", sorted(COMMANDS))
def test_the_help_a_usage_error_points_to_lists_the_commands_options(  # type: ignore[no-untyped-def]
        drill, group: str, name: str) -> None:
    words = [w for w in ("blocks", group, name) if w]
    code, _, err = run_one(drill, [*words, "--no-such-option"], 600.0)
    assert code == 2
    advice = re.search(r"Try '(.+) --help' for help", err)
    assert advice is not None, err
    code, out, err = run_one(drill, [*advice[1].split(), "--help"], 600.0)
    assert code == 0 and not err
    assert out.startswith(f"Usage: {' '.join(words)} [OPTIONS]"), out
    _, spec, _ = COMMANDS[(group, name)]
    for option in spec.split():
        assert re.search(rf"^  --{re.escape(option.rstrip('=!'))}\b", out, re.M), (option, out)
    assert re.search(r"^  --help +Show this message and exit\.$", out, re.M)
    assert "Commands:" not in out


def test_help_is_answered_before_the_rest_is_read(drill) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_one(drill, ["blocks", "status", "update", "--help"], 600.0)      # required options missing
    assert code == 0 and re.search(r"^  --status TEXT +\[required\]$", out, re.M), out
