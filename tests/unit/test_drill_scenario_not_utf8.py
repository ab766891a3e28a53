"""A scenario file that is not UTF-8 is a ScenarioError naming the file, not a traceback (found by
attack13e: ``load_scenario`` caught OSError, TOML and validation errors, but a byte such as 0xff
raised ``UnicodeDecodeError`` — a ValueError — straight through)."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.drill.scenarios import HERE, ScenarioError, load_scenario


def test_a_scenario_file_that_is_not_utf8_names_the_file_and_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes((HERE / "timeout.toml").read_bytes() + b"\n# caf\xe9\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and "not UTF-8" in str(err.value) and "byte" in str(err.value)
