"""Typed, validated configuration: ``from warroom.config import Config, load_config``.

Three things live here, one module each: ``slo`` holds the SLO panes' part (``[[slo]]``'s dataclass, severities,
the built-in panes), ``schema`` says what the whole configuration holds (a dataclass per table of the config file,
each key's type, default and unit, the built-in providers; the panes' part among it); ``loader`` reads a TOML file
into it with strict checks that name the file, the key path and what was expected, and writes a config back
(``warroom config init``). Callers import from the package: which module holds a name is this package's business.

A name is imported from its module when first asked for (PEP 562), not when the package is: the drill's stand-ins
(a process per command of a drill step, hundreds a test run) ask for ``Severity``, ``SloConfig`` and
``default_slos`` only, and importing the schema's other dataclasses and the loader was a tenth of what they import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from warroom.errors import ConfigError

if TYPE_CHECKING:       # the names as the type checker (and import-linter's graph) sees them; imported on use below
    from warroom.config.loader import (MAX_CONFIG_BYTES, MAX_HANDOFF_REMINDER, config_to_dict, load_config,
                                       parse_config, parse_size)
    from warroom.config.schema import (AlertsConfig, ApprovalConfig, Config, ExecuteConfig, IncidentConfig,
                                       KubernetesConfig, PrometheusConfig, ProviderConfig, RedactionConfig,
                                       RedactPattern, RolesConfig, RunbooksConfig, SharedConfig, WebhookConfig,
                                       default_providers)
    from warroom.config.slo import Direction, Severity, SloConfig, Unit, default_slos, drill_panes

#: each public name → the module that holds it
_HOME: dict[str, str] = {
    **dict.fromkeys(["MAX_CONFIG_BYTES", "MAX_HANDOFF_REMINDER", "config_to_dict", "load_config", "parse_config",
                     "parse_size"], "loader"),
    **dict.fromkeys(["AlertsConfig", "ApprovalConfig", "Config", "ExecuteConfig", "IncidentConfig",
                     "KubernetesConfig", "PrometheusConfig", "ProviderConfig", "RedactPattern", "RedactionConfig",
                     "RolesConfig", "RunbooksConfig", "SharedConfig", "WebhookConfig", "default_providers"], "schema"),
    **dict.fromkeys(["Direction", "Severity", "SloConfig", "Unit", "default_slos", "drill_panes"], "slo"),
}

__all__ = [
    "MAX_CONFIG_BYTES", "MAX_HANDOFF_REMINDER", "AlertsConfig", "ApprovalConfig", "Config", "ConfigError",
    "Direction", "ExecuteConfig", "IncidentConfig", "KubernetesConfig", "PrometheusConfig", "ProviderConfig",
    "RedactPattern", "RedactionConfig", "RolesConfig", "RunbooksConfig", "Severity", "SharedConfig", "SloConfig",
    "Unit", "WebhookConfig", "config_to_dict", "default_providers", "default_slos", "drill_panes", "load_config",
    "parse_config", "parse_size",
]
assert set(__all__) == {"ConfigError", *_HOME}, "every public name has a home module"


def __getattr__(name: str) -> Any:
    """``warroom.config.NAME``: imported from its module on first use, then kept in the package like an eager
    import's name (a later lookup never comes here)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
