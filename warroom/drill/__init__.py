"""Drill mode: the scenario simulator and the command stand-ins that feed back into it.

The public entry points, for the dashboard and tests:

* ``create_drill(state_dir, scenario, speed)`` / ``open_drill(path)`` / ``latest_drill(state_dir)``
  (``warroom.drill.directory``): a drill directory with its clock and recorded actions;
* ``Drill.source()``: the ``MetricSource`` the SLO panes read in drill mode;
* ``drill_env(drill_dir)`` (``warroom.drill.env``): what a step's environment needs so that
  ``kubectl``/``psql``/``aws``/``curl``/``blocks`` are the drill stand-ins;
* ``write_openmetrics`` (``warroom.drill.openmetrics``) and ``MetricsExporter``
  (``warroom.drill.exporter``): the same series for a real Prometheus;

The end-of-drill report judges an incident, so it lives with the incident
(``warroom.incident.drill_report``): the drill never imports the incident service.

Names are imported lazily so the stand-ins (which import this package on every command) stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Drill": "warroom.drill.directory",
    "DrillSource": "warroom.drill.source",
    "Simulator": "warroom.drill.simulator",
    "create_drill": "warroom.drill.directory",
    "open_drill": "warroom.drill.directory",
    "list_drills": "warroom.drill.directory",
    "latest_drill": "warroom.drill.directory",
    "drill_env": "warroom.drill.env",
    "MetricsExporter": "warroom.drill.exporter",
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
