"""Reading a config file into ``warroom.config.schema``'s classes, and writing one back.

The config file is a public interface (scripts and other teams' configs rely on its keys), so
validation is strict and every error names the file, the key path (``slo[2].warn``) and what was
expected; unknown keys are errors with a "did you mean" suggestion, because a misspelt threshold
that is silently ignored is worse than a refusal to start. The schema is walked generically (type
hints and field metadata), so a key added to a dataclass is read, checked and written back with no
code here; rules across fields are ``_check_semantics``'s.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import types
import typing
from typing import Any, Literal

from warroom.config.schema import Config
from warroom.durations import parse_duration
from warroom.errors import ConfigError
from warroom.input_files import read_text_input
from warroom.paths import expand, user_config_path

_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
               "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "t": 1000**4, "tb": 1000**4, "tib": 1024**4}


def parse_size(value: str | int) -> int:
    """``"100MB"`` -> 100_000_000; ``"1GiB"`` -> 1_073_741_824; a plain integer is bytes."""
    if isinstance(value, bool):
        raise ValueError("not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative size")
        return value
    m = re.fullmatch(r"\s*(\d{1,15}(?:\.\d{1,6})?)\s*([A-Za-z]{0,3})\s*", str(value))
    if not m or m.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(f"not a size: {value!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).lower()])


def _toml_key(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("key", f.name))


def _public_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        # A value written under the wrong key may be a DSN or URL with its password: never echoed.
        value = re.sub(r"(://[^\s:/@]*:)[^\s@/]+@", r"\1***@", value)
        value = re.sub(r"(?i)(\bpassword\s*=\s*)\S+", r"\1***", value)
        return f"string {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Builder:
    """Walks parsed TOML against the dataclass schema, collecting precise errors."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{self.file}: {path}: {message}")

    def build(self, cls: type, data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            self.error(path or "(top level)", f"expected a table, got {_describe(data)}")
            return None
        hints = typing.get_type_hints(cls)
        fields = _public_fields(cls)
        by_key = {_toml_key(f): f for f in fields}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else key
            f = by_key.get(key)
            if f is None:
                import difflib      # only a mistyped key pays for it

                close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                known = ", ".join(sorted(by_key))
                self.error(where, f"unknown key{hint}; known keys here: {known}")
                continue
            converted = self.convert(hints[f.name], value, where, f.metadata)
            if converted is not _INVALID:
                kwargs[f.name] = converted
        for f in fields:
            missing = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if missing and _toml_key(f) not in data:
                where = f"{path}.{_toml_key(f)}" if path else _toml_key(f)
                self.error(where, "required key is missing")
        if any(
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            and f.name not in kwargs
            for f in fields
        ):
            return None
        return cls(**kwargs)

    def convert(self, tp: Any, value: Any, path: str, meta: Any = None) -> Any:
        meta = meta or {}
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            if len(inner) == 1:
                return self.convert(inner[0], value, path, meta)
        if meta.get("duration"):
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                self.error(path, f"expected a duration like \"30s\" or \"5m\", got {_describe(value)}")
                return _INVALID
            try:
                return parse_duration(value)
            except ValueError:
                self.error(path, f"expected a duration like \"30s\" or \"5m\", got {_describe(value)}")
                return _INVALID
        if meta.get("size"):
            try:
                return parse_size(value)
            except ValueError:
                self.error(path, f"expected a size like \"100MB\" or \"1GiB\", got {_describe(value)}")
                return _INVALID
        if origin is Literal:
            if value not in args:
                choices = " | ".join(str(a) for a in args)
                self.error(path, f"expected one of {choices}, got {_describe(value)}")
                return _INVALID
            return value
        if tp is bool:
            if not isinstance(value, bool):
                self.error(path, f"expected true or false, got {_describe(value)}")
                return _INVALID
            return value
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.error(path, f"expected an integer, got {_describe(value)}")
                return _INVALID
            return value
        if tp is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.error(path, f"expected a number, got {_describe(value)}")
                return _INVALID
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                # NaN compares false with everything: a threshold of it never fires (a false all-clear).
                self.error(path, f"expected a finite number, got {_describe(value)}")
                return _INVALID
            return number
        if tp is str:
            if not isinstance(value, str):
                self.error(path, f"expected a string, got {_describe(value)}")
                return _INVALID
            if "\0" in value:
                # TOML lets a string hold \u0000; no path, URL, query, argument or variable can: `config check` said ok,
                # then `runbooks lint` and the dashboard's library load died on "embedded null byte" (attack54 F8)
                self.error(path, "a NUL character (\\u0000) is in the string: no path, URL, query or command holds one")
                return _INVALID
            return value
        if origin is list:
            if not isinstance(value, list):
                self.error(path, f"expected an array, got {_describe(value)}")
                return _INVALID
            out = []
            for i, item in enumerate(value):
                converted = self.convert(args[0], item, f"{path}[{i}]")
                if converted is not _INVALID and converted is not None:
                    out.append(converted)
            return out
        if origin is dict:
            if not isinstance(value, dict):
                self.error(path, f"expected a table, got {_describe(value)}")
                return _INVALID
            out_d = {}
            for k, v in value.items():
                if "\0" in k:
                    self.error(f"{path}.{k!r}", "a NUL character (\\u0000) is in the key: no name holds one")
                    continue
                converted = self.convert(args[1], v, f"{path}.{k}")
                if converted is not _INVALID:
                    out_d[k] = converted
            return out_d
        if dataclasses.is_dataclass(tp):
            built = self.build(tp, value, path)
            return _INVALID if built is None else built
        raise TypeError(f"config schema has an unsupported type at {path}: {tp!r}")


_INVALID = object()


def _check_semantics(cfg: Config, b: _Builder) -> None:
    """Cross-field rules the type walk cannot express."""
    seen: dict[str, int] = {}
    for i, slo in enumerate(cfg.slo):
        if slo.id in seen:
            b.error(f"slo[{i}].id", f"duplicate pane id {slo.id!r} (also slo[{seen[slo.id]}].id)")
        seen.setdefault(slo.id, i)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", slo.id):
            b.error(f"slo[{i}].id", f"expected letters, digits, '_' or '-', got string {slo.id!r}")
        if slo.warn is not None and slo.crit is not None:
            wrong = slo.warn > slo.crit if slo.direction == "above" else slo.warn < slo.crit
            if wrong:
                side = "at or below" if slo.direction == "above" else "at or above"
                b.error(f"slo[{i}].warn",
                        f"expected {side} crit ({slo.crit:g}) for direction {slo.direction!r},"
                        f" got number {slo.warn:g}")
    for sev, every in cfg.incident.status_update_cadence.items():
        if sev.upper() not in ("P1", "P2", "P3", "P4"):
            b.error(f"incident.status_update_cadence.{sev}", "expected a severity P1, P2, P3 or P4")
        try:
            if parse_duration(every) <= 0:
                raise ValueError(every)
        except (ValueError, TypeError):
            b.error(f"incident.status_update_cadence.{sev}", f"expected a duration like \"15m\", got {_describe(every)}")
    reminder = cfg.roles.handoff_reminder
    if not (0 < reminder <= MAX_HANDOFF_REMINDER):
        b.error("roles.handoff_reminder", "expected a duration above 0 and at most 3h (PagerDuty's guidance: hand"
                f" over about hourly, three hours at most), got {reminder / 60:g} minutes")
    for i, sev in enumerate(cfg.approval.severities):
        if str(sev).upper() not in ("P1", "P2", "P3", "P4"):
            b.error(f"approval.severities[{i}]", f"expected a severity P1, P2, P3 or P4, got {_describe(sev)}")
    if not (0 < cfg.approval.expires <= 86400):
        b.error("approval.expires", f"expected a duration above 0 and at most 24h, got {cfg.approval.expires:g} seconds")
    if cfg.execute.memory_lines < 1:
        b.error("execute.memory_lines", f"expected an integer >= 1, got integer {cfg.execute.memory_lines}")
    for i, d in enumerate(cfg.execute.evidence_after):
        try:
            parse_duration(d)
        except ValueError:
            b.error(f"execute.evidence_after[{i}]", f"expected a duration like \"5m\", got {_describe(d)}")
    for i, p in enumerate(cfg.redaction.patterns):
        from warroom.execute.redact_user import UserPatternError, compile_user_pattern

        try:
            compile_user_pattern(p.regex)
        except UserPatternError as exc:
            b.error(f"redaction.patterns[{i}].regex", f"expected a valid regular expression RE2 can run, {exc}")
    url = cfg.prometheus.url
    if url is not None and not re.match(r"https?://", url):
        b.error("prometheus.url", f"expected an http:// or https:// URL, got string {url!r}")


MAX_HANDOFF_REMINDER = 3 * 3600.0   # seconds: three hours at most between commander handoffs


def parse_config(text: str, file: str = "<config>") -> Config:
    """Parse and validate config text; raises ConfigError listing every problem found."""
    import tomllib      # here, not at the top: a command with no config file (most of them) never parses TOML

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{file}: invalid TOML: arrays or tables nest too deeply") from None
    b = _Builder(file)
    cfg = b.build(Config, data, "")
    if cfg is not None:
        _check_semantics(cfg, b)
    if b.errors or cfg is None:
        raise ConfigError("\n".join(b.errors) if b.errors else f"{file}: invalid config")
    return cfg


MAX_CONFIG_BYTES = 4 * 1024 * 1024  # a config is a page of settings: anything bigger is not one


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Find and load the config: explicit path, then $WARROOM_CONFIG, then the XDG config file.

    No file at the default location means built-in defaults; an explicitly named file that does
    not exist is an error, because the user asked for it.
    """
    explicit = path if path is not None else os.environ.get("WARROOM_CONFIG") or None
    if explicit is not None:
        p = expand(explicit)
        if not p.exists():
            raise ConfigError(f"{p}: config file not found")
    else:
        p = user_config_path()
        if not p.exists():
            return _from_environment(Config())
    text = read_text_input(p, "config", MAX_CONFIG_BYTES, ConfigError)
    cfg = parse_config(text, str(p))
    cfg.source = p
    cfg.source_text = text
    return _from_environment(cfg)


NOTIFY_LOG_ENV = "WARROOM_NOTIFY_LOG"


def _from_environment(cfg: Config) -> Config:
    """The settings only the environment gives (not TOML keys): ``$WARROOM_NOTIFY_LOG``."""
    notify_log = os.environ.get(NOTIFY_LOG_ENV)
    cfg.notify_log = expand(notify_log).absolute() if notify_log else None
    return cfg


def config_to_dict(cfg: Config) -> dict[str, Any]:
    """The config as TOML-ready data (durations back to strings, None values dropped)."""

    def dump(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            out: dict[str, Any] = {}
            for f in _public_fields(type(obj)):
                value = getattr(obj, f.name)
                if value is None:
                    continue
                if f.metadata.get("duration"):
                    value = _format_seconds(value)
                elif f.metadata.get("size"):
                    value = _format_size(value)
                out[_toml_key(f)] = dump(value)
            return out
        if isinstance(obj, list):
            return [dump(v) for v in obj]
        if isinstance(obj, dict):
            return {k: dump(v) for k, v in obj.items()}
        return obj

    return dump(cfg)


def _format_size(n: int) -> str:
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if n and n % factor == 0:
            return f"{n // factor}{unit}"
    return str(n)


def _format_seconds(seconds: float) -> str:
    if seconds and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds}s"
