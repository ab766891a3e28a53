"""The drill world answers exactly as it did before the engine was halved (issue 13 item 7).

``tests/golden/drill_characterisation.json`` was written by ``tests/unit/drill_golden.py`` from the
engine as it stood before the refactor: every pane and runbook query, the signals the stand-ins
read, the flows behind the tasks table, and a scripted drill report, for every scenario with and
without its key actions. Floats may differ only by rounding (relative 1e-9); anything else is a
behaviour change and must be a deliberate, documented fix (regenerate the golden with it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.unit.drill_golden import GOLDEN, characterise, report_run


def _diff(path: str, want: Any, got: Any, out: list[str]) -> None:
    if len(out) > 20:
        return
    if isinstance(want, float) or isinstance(got, float):
        if isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(want, bool) \
                and math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-12):
            return
        out.append(f"{path}: {want!r} != {got!r}")
    elif isinstance(want, dict) and isinstance(got, dict):
        if set(want) != set(got):
            out.append(f"{path}: keys {sorted(set(want) ^ set(got))} differ")
        for k in want:
            if k in got:
                _diff(f"{path}.{k}", want[k], got[k], out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append(f"{path}: {len(want)} items != {len(got)}")
        for i, (a, b) in enumerate(zip(want, got, strict=False)):
            _diff(f"{path}[{i}]", a, b, out)
    elif want != got:
        out.append(f"{path}: {want!r} != {got!r}")


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_simulator_answers_as_the_golden(golden: dict[str, Any]) -> None:
    got = json.loads(json.dumps(characterise()))
    out: list[str] = []
    _diff("", {k: golden[k] for k in got}, got, out)
    assert not out, "\n".join(out)


def test_drill_report_of_a_scripted_run_is_the_golden(golden: dict[str, Any], tmp_path: Path) -> None:
    out: list[str] = []
    _diff("reports", golden["reports"], report_run(tmp_path), out)
    assert not out, "\n".join(out)
