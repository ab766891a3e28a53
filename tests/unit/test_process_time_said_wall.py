"""A process's run time is real seconds whatever a drill's speed, and in a drill every view says so
(``scenario_time.process_text``: ``1s wall``), the CLI's too (redteam31-3): ``incident run``'s last line
and ``incident show``'s checklist said a bare ``1s`` beside drill-time figures, where the timeline, the
dashboard and the PIR said ``1s wall``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from warroom.cli.incident_run import _report_run
from warroom.cli.incident_show import _run_detail


def _run() -> SimpleNamespace:
    return SimpleNamespace(status="ok", exit_code=0, duration=1.2, expect_met=True, output="outputs/0001.log",
                           notes=[], record_error=None, verdict=None)


@pytest.mark.parametrize("scale, said", [(10.0, "1.2s wall"), (1.0, "1.2s")])
def test_incident_run_says_a_process_time_is_wall_in_a_drill(capsys, scale: float, said: str) -> None:
    prepared = SimpleNamespace(number=6)
    assert _report_run(prepared, _run(), SimpleNamespace(time_scale=scale)) == 0
    line = capsys.readouterr().err
    assert f"exit 0, {said};" in line, line


@pytest.mark.parametrize("scale, said", [(10.0, "1.2s wall"), (1.0, "1.2s")])
def test_incident_show_says_a_process_time_is_wall_in_a_drill(scale: float, said: str) -> None:
    step = SimpleNamespace(status="ok", last_run=_run(), attempts=1)
    assert _run_detail(step, SimpleNamespace(time_scale=scale)).startswith(f" — exit 0, {said}")
