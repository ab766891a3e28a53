"""Config: the example loads, defaults are sane, and every error message is exact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO
from tui.cli import main
from warroom.config import Config, load_config, parse_config
from warroom.errors import ConfigError

GOOD_SLO = 'id = "a"\ntitle = "A"\nquery = "up"\n'


def error_of(text: str, file: str = "c.toml") -> str:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, file)
    return str(exc.value)


def test_example_config_loads_and_documents_every_section() -> None:
    cfg = load_config(REPO / "config.example.toml")
    assert [s.id for s in cfg.slo] == ["failure_rate", "p95_latency", "quota", "error_5xx", "audit_gap"]
    assert cfg.prometheus.timeout == 2.0 and cfg.prometheus.refresh == 5.0
    assert cfg.incident.status_update_every == 900.0
    assert [p.name for p in cfg.providers] == ["Anthropic", "OpenAI", "Google"]
    text = (REPO / "config.example.toml").read_text()
    for section in ("[prometheus]", "[[slo]]", "[alerts]", "[runbooks]", "[incident]", "[execute]",
                    "[redaction]", "[kubernetes]", "[[providers]]", "[webhook]", "[params]", "[keys]"):
        assert section in text


def test_every_public_key_appears_in_the_example() -> None:
    import dataclasses

    text = (REPO / "config.example.toml").read_text()

    def walk(cls: type) -> None:
        for f in dataclasses.fields(cls):
            if f.metadata.get("internal"):
                continue
            key = f.metadata.get("key", f.name)
            assert f"{key} =" in text or f"{key}=" in text or f"[{key}" in text or f".{key}]" in text, key
            tp = f.type if isinstance(f.type, type) else None
            if tp is not None and dataclasses.is_dataclass(tp):
                walk(tp)

    import warroom.config as c
    for cls in (c.Config, c.PrometheusConfig, c.SloConfig, c.AlertsConfig, c.RunbooksConfig,
                c.IncidentConfig, c.ExecuteConfig, c.RedactionConfig, c.KubernetesConfig,
                c.ProviderConfig, c.WebhookConfig, c.RedactPattern):
        walk(cls)


def test_defaults_without_a_file() -> None:
    cfg = load_config()
    assert cfg.source is None
    assert len(cfg.slo) == 5
    assert cfg.slo_by_id("quota").crit == 80.0


def test_wrong_type_names_key_path_and_expectation() -> None:
    text = f"[[slo]]\n{GOOD_SLO}\n[[slo]]\n{GOOD_SLO.replace('a', 'b')}\n[[slo]]\n{GOOD_SLO.replace('a', 'c')}warn = \"high\"\n"
    assert error_of(text) == "c.toml: slo[2].warn: expected a number, got string 'high'"


def test_unknown_key_suggests_nearest() -> None:
    msg = error_of(f"[[slo]]\n{GOOD_SLO}wran = 1\n")
    assert msg == ("c.toml: slo[0].wran: unknown key (did you mean 'warn'?); known keys here: "
                   "absent, age_query, crit, direction, for, id, impact_label, impact_query, query, range_query,"
                   " runbook, severity, spark_from_zero, title, unit, warn")


def test_unknown_top_level_section_suggests_nearest() -> None:
    msg = error_of("[prometeus]\nurl = 'http://x'\n")
    assert msg.startswith("c.toml: prometeus: unknown key (did you mean 'prometheus'?)")


def test_missing_required_key() -> None:
    assert error_of('[[slo]]\nid = "a"\ntitle = "A"\n') == "c.toml: slo[0].query: required key is missing"


def test_bad_enum_duration_bool_and_url() -> None:
    assert error_of(f"[[slo]]\n{GOOD_SLO}direction = 'up'\n") == \
        "c.toml: slo[0].direction: expected one of above | below, got string 'up'"
    assert error_of("[prometheus]\ntimeout = 'soon'\n") == \
        "c.toml: prometheus.timeout: expected a duration like \"30s\" or \"5m\", got string 'soon'"
    assert error_of("read_only = 'yes'\n") == "c.toml: read_only: expected true or false, got string 'yes'"
    assert error_of("[prometheus]\nurl = 'localhost:9090'\n") == \
        "c.toml: prometheus.url: expected an http:// or https:// URL, got string 'localhost:9090'"
    assert error_of("[execute]\nmemory_lines = 1.5\n") == \
        "c.toml: execute.memory_lines: expected an integer, got number 1.5"


def test_thresholds_in_wrong_order() -> None:
    assert error_of(f"[[slo]]\n{GOOD_SLO}warn = 5\ncrit = 1\n") == \
        "c.toml: slo[0].warn: expected at or below crit (1) for direction 'above', got number 5"


def test_duplicate_pane_ids() -> None:
    assert error_of(f"[[slo]]\n{GOOD_SLO}[[slo]]\n{GOOD_SLO}") == \
        "c.toml: slo[1].id: duplicate pane id 'a' (also slo[0].id)"


def test_bad_regex_pattern() -> None:
    msg = error_of("[[redaction.patterns]]\nname = 'x'\nregex = '('\n")
    assert msg.startswith("c.toml: redaction.patterns[0].regex: expected a valid regular expression RE2 can run, ")


def test_several_errors_are_all_reported() -> None:
    msg = error_of("read_only = 1\n[prometheus]\nrefresh = true\n")
    assert msg.splitlines() == [
        "c.toml: read_only: expected true or false, got integer 1",
        "c.toml: prometheus.refresh: expected a duration like \"30s\" or \"5m\", got boolean true",
    ]


def test_invalid_toml_names_file_and_position() -> None:
    msg = error_of("[prometheus\nurl = 1\n")
    assert msg.startswith("c.toml: invalid TOML: ") and "line 1" in msg


def test_config_found_via_env_then_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = Path(os.environ["XDG_CONFIG_HOME"]) / "warroom"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text("read_only = true\n")
    assert load_config().read_only is True
    env_file = tmp_path / "env.toml"
    env_file.write_text("[incident]\nstatus_update_every = '10m'\n")
    monkeypatch.setenv("WARROOM_CONFIG", str(env_file))
    cfg = load_config()
    assert cfg.source == env_file and cfg.read_only is False and cfg.incident.status_update_every == 600
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("read_only = true\n")
    assert load_config(explicit).source == explicit


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.toml")
    assert str(exc.value) == f"{tmp_path / 'nope.toml'}: config file not found"


def test_non_utf8_config(tmp_path: Path) -> None:
    p = tmp_path / "bin.toml"
    p.write_bytes(b"read_only = \xff\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(exc.value) == f"{p}: config is not valid UTF-8 (byte 12)"


def test_config_init_writes_a_loadable_file_and_refuses_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "sub" / "config.toml"
    assert main(["config", "init", str(target)]) == 0
    cfg = load_config(target)
    assert [s.id for s in cfg.slo] == [s.id for s in Config().slo]
    assert main(["config", "init", str(target)]) == 2
    assert f"{target}: already exists; use --force to overwrite it" in capsys.readouterr().err
    assert main(["config", "init", str(target), "--force"]) == 0


def test_config_check_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[slo]]\nid = 'a'\ntitle = 'A'\nquery = 'up'\nwran = 1\n")
    assert main(["config", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"warroom: {bad}: slo[0].wran: unknown key (did you mean 'warn'?)")
    assert "Traceback" not in err
    assert main(["config", "check", str(REPO / "config.example.toml")]) == 0


def test_entry_point_imports_only_the_module_of_the_command_it_runs() -> None:
    import subprocess
    import sys

    from tests.conftest import subprocess_env

    code = ("import sys; from tui.cli import main; main(['--config', 'x.toml', 'config', '--help'])")
    proc = subprocess.run([sys.executable, "-c", code + "\n"], capture_output=True, text=True,
                          env=subprocess_env())
    assert "init" in proc.stdout
    probe = ("import sys\nfrom tui.cli import build_parser\nbuild_parser(['--state-dir', 'd', 'runbooks', 'list'])\n"
             "print(sorted(m for m in ('warroom.cli.incident', 'tui.commands', 'warroom.cli.runbooks', 'textual')"
             " if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=subprocess_env(), check=True)
    assert proc.stdout.strip() == "['warroom.cli.runbooks']"


def test_an_incident_command_imports_only_the_handlers_it_runs() -> None:
    """Every ``warroom incident`` process builds the incident parser: ``note`` must not load ``show``'s, ``run``'s
    or ``decide``'s readers, nor a drill's world (``by_hand`` names the stand-ins without it): ~75 ms a process."""
    import subprocess
    import sys

    from tests.conftest import subprocess_env

    probe = ("import sys\nfrom tui.cli import build_parser\n"
             "build_parser(['--state-dir', 'd', 'incident', 'note', 'INC-1', '--tag', 'lesson', 'words'])\n"
             "import warroom.incident.by_hand\n"
             "print(sorted(m for m in ('warroom.cli.incident_show', 'warroom.cli.incident_run',"
             " 'warroom.cli.incident_decide', 'warroom.incident.decisions', 'warroom.drill.simulator')"
             " if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=subprocess_env(), check=True)
    assert proc.stdout.strip() == "[]"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for word in ("demo", "drill", "resume", "incident", "runbooks", "status", "config"):
        assert word in text
