"""Typed, validated configuration: ``from warroom.config import Config, load_config``.

Two things live here, one module each: ``schema`` says what the configuration holds (a dataclass
per table of the config file, each key's type, default and unit, the built-in SLO panes and
providers); ``loader`` reads a TOML file into it with strict checks that name the file, the key
path and what was expected, and writes a config back (``warroom config init``). Callers import
from the package: which module holds a name is this package's business.
"""

from __future__ import annotations

from warroom.config.loader import (MAX_CONFIG_BYTES, MAX_HANDOFF_REMINDER, config_to_dict, load_config,
                                   parse_config, parse_size)
from warroom.config.schema import (AlertsConfig, ApprovalConfig, Config, Direction, ExecuteConfig,
                                   IncidentConfig, KubernetesConfig, PrometheusConfig, ProviderConfig,
                                   RedactionConfig, RedactPattern, RolesConfig, RunbooksConfig, Severity,
                                   SharedConfig, SloConfig, Unit, WebhookConfig, default_providers,
                                   default_slos, drill_panes)
from warroom.errors import ConfigError

__all__ = [
    "MAX_CONFIG_BYTES", "MAX_HANDOFF_REMINDER", "AlertsConfig", "ApprovalConfig", "Config", "ConfigError",
    "Direction", "ExecuteConfig", "IncidentConfig", "KubernetesConfig", "PrometheusConfig", "ProviderConfig",
    "RedactPattern", "RedactionConfig", "RolesConfig", "RunbooksConfig", "Severity", "SharedConfig", "SloConfig",
    "Unit", "WebhookConfig", "config_to_dict", "default_providers", "default_slos", "drill_panes", "load_config",
    "parse_config", "parse_size",
]
