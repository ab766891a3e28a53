"""Drill mode: the scenario simulator and the command stand-ins that feed back into it.

The public entry points, for the dashboard and tests:

* ``create_drill(state_dir, scenario, speed)`` / ``open_drill(path)`` / ``latest_drill(state_dir)``
  (``warroom.drill.simulator``): a drill directory with its clock and recorded actions;
* ``Drill.source()``: the ``MetricSource`` the SLO panes read in drill mode;
* ``drill_env(drill_dir)`` (``warroom.drill.env``): what a step's environment needs so that
  ``kubectl``/``psql``/``aws``/``curl``/``blocks`` are the drill stand-ins;
* ``write_openmetrics`` (``warroom.drill.openmetrics``) and ``MetricsExporter``
  (``warroom.drill.exporter``): the same series for a real Prometheus;
* ``drill_report`` (``warroom.drill.report``): response times against the targets.

Names are imported lazily so the stand-ins (which import this package on every command) stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Drill": "warroom.drill.simulator",
    "DrillSource": "warroom.drill.simulator",
    "Simulator": "warroom.drill.simulator",
    "create_drill": "warroom.drill.simulator",
    "open_drill": "warroom.drill.simulator",
    "list_drills": "warroom.drill.simulator",
    "latest_drill": "warroom.drill.simulator",
    "drill_env": "warroom.drill.env",
    "MetricsExporter": "warroom.drill.exporter",
    "drill_report": "warroom.drill.report",
    "breach_time": "warroom.drill.report",
    "write_openmetrics": "warroom.drill.openmetrics",
    "get_scenario": "warroom.drill.scenarios",
    "list_scenarios": "warroom.drill.scenarios",
    "SCENARIOS": "warroom.drill.scenarios",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'warroom.drill' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_EXPORTS)
