"""The UI subcommands' argument handling (no terminal needed)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import subprocess_env, warroom_cmd


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*warroom_cmd(), *args], capture_output=True, text=True, timeout=60,
                          env=subprocess_env(), stdin=subprocess.DEVNULL)


def test_drill_list_names_every_scenario() -> None:
    p = run("drill", "--list")
    assert p.returncode == 0, p.stderr
    for name in ("rate-limit", "provider-outage", "timeout", "mass-failure", "audit-gap"):
        assert name in p.stdout


def test_unknown_scenario_and_bad_speed_are_clear_errors() -> None:
    p = run("drill", "nope")
    assert p.returncode == 2
    assert "unknown drill scenario 'nope'" in p.stderr
    assert "Traceback" not in p.stderr
    p = run("demo", "--speed", "0")
    assert p.returncode == 2
    assert "--speed must be a number from 1 (real time) up to 3600, got 0" in p.stderr


def test_registering_ui_commands_does_not_import_textual() -> None:
    code = ("import sys; from tui.cli import build_parser; build_parser(); "
            "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=subprocess_env())
    assert out.stdout.strip() == "False", out.stderr


def test_no_subcommand_means_dashboard() -> None:
    from tui.cli import build_parser
    from tui.commands import cmd_dashboard

    parser = build_parser()
    args = parser.parse_args([])
    assert getattr(args, "default_func", None) is cmd_dashboard
