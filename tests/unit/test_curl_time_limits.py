"""curl's -m / --connect-timeout in the drill: a limit is an unsigned number of seconds.

``float`` takes "-1", "nan" and "inf", and each read as no limit at all (0 < limit never held), so a
responder's typo answered as if no limit were set, where curl refuses the option."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill

URL = "https://api.anthropic.com/v1/messages"


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "", "2s", "1e"])
def test_a_limit_that_is_not_a_plain_number_is_refused(tmp_path: Path, value: str) -> None:
    drill = create_drill(tmp_path, "provider-outage", speed=10.0, start=START)
    for option in ("-m", "--connect-timeout"):
        code, out, err = run_one(drill, ["curl", "-s", option, value, URL], 600.0)
        assert (code, out) == (2, "") and "expected a proper numerical parameter" in err, (option, err)


def test_a_plain_limit_acts(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "provider-outage", speed=10.0, start=START)
    assert run_one(drill, ["curl", "-s", "-m", "0.2", URL], 600.0)[0] == 28      # the outage answers slower
    assert run_one(drill, ["curl", "-s", "-m", "30.", URL], 600.0)[0] == 0
    assert run_one(drill, ["curl", "-s", "-m", "3e1", URL], 600.0)[0] == 0         # strtod's forms, as curl's
