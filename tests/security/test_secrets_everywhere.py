"""Secrets in every format and form, through every way they reach an incident, grepped for
across the whole state dir (journal, outputs, runbook snapshot, exports, incident log), the CLI's
stdout and stderr, and what `ps` shows while a step runs.

Ways in: a step's output (every format × form, ``payloads.secret_lines()``), a note, a timeline
entry and a resolution typed by people, a runbook with a literal bearer token in a command, a
secret parameter (given with ``--param`` and with ``--param-env``) used by a step.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from tests.security.payloads import CONTEXTUAL, FORMS, TOKENS, secret_lines
from tui.cli import main

PARAM_SECRET = "Vq8ParamSecretValue2468"
PARAM_SECRET_ENV = "Wd3EnvParamSecret1357"
RUNBOOK_TOKEN = "Pz4LiteralRunbookToken12345"


class Cli:
    def __init__(self, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.state = state
        self.capsys = capsys
        self.transcript: list[str] = []

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["incident", *argv, "--state-dir", str(self.state)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        self.transcript += [out, err]
        return code, out, err


def runbook(path: Path, secrets_file: Path, cmdline_file: Path, ps_file: Path) -> Path:
    path.write_text(
        "+++\n"
        'id = "RB-SECRETS-001"\n'
        'title = "Secrets everywhere"\n'
        'severity = "P2"\n'
        "[params.api_token]\n"
        'help = "the service token"\n'
        "+++\n\n"
        "# Secrets everywhere\n\n"
        "## Investigate\n\n"
        "```bash\n# Print what the service returned\n"
        f"cat {shlex.quote(str(secrets_file))}\n```\n\n"
        "```bash\n# Call the service with the token\n"
        f"tr '\\0' ' ' < /proc/$$/cmdline > {shlex.quote(str(cmdline_file))};"
        f" ps -eo args > {shlex.quote(str(ps_file))}; printf '%s\\n' \"token {{{{ api_token }}}}\"\n```\n\n"
        "```bash\n# Ask the API with the team token\n"
        f"curl -sS -H 'Authorization: Bearer {RUNBOOK_TOKEN}' http://127.0.0.1:9/health\n```\n",
        encoding="utf-8")
    return path


def test_no_secret_reaches_state_exports_output_or_argv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cases = secret_lines()
    secrets_file = tmp_path / "service-output.txt"
    secrets_file.write_text("\n".join(line for _, line, _ in cases) + "\n", encoding="utf-8")
    cmdline_file, ps_file = tmp_path / "cmdline.txt", tmp_path / "ps.txt"
    rb = runbook(tmp_path / "rb.md", secrets_file, cmdline_file, ps_file)
    monkeypatch.setenv("OPS_TOKEN_FOR_TEST", PARAM_SECRET_ENV)
    cli = Cli(tmp_path / "state", capsys)

    code, out, err = cli("new", "--title", "Secrets " + TOKENS["stripe-secret"], "--severity", "P2",
                         "--runbook", str(rb))
    assert code == 0, err
    inc = out.strip()
    # 1. step output: every format × form
    code, out, err = cli("run", inc, "1", "--yes")
    assert code == 0, err
    assert "[REDACTED:" in out
    # 2. a secret parameter, on the command line and from the environment
    code, out, err = cli("run", inc, "2", "--yes", "--param", f"api_token={PARAM_SECRET}")
    assert code == 0, err
    assert "[REDACTED:api_token]" in err            # the echoed command is the redacted one
    assert "token [REDACTED:api_token]" in out
    shell_argv = cmdline_file.read_text()
    assert "WARROOM_STEP_COMMAND" in shell_argv and PARAM_SECRET not in shell_argv  # bash -c LAUNCH
    assert PARAM_SECRET not in ps_file.read_text()  # no process on the machine showed it
    code, out, err = cli("run", inc, "2", "--yes", "--param-env", "api_token=OPS_TOKEN_FOR_TEST")
    assert code == 0, err
    assert PARAM_SECRET_ENV not in cmdline_file.read_text() + ps_file.read_text()
    # a value that does not fit: the error never shows a secret parameter's value
    code, _, err = cli("run", inc, "2", "--param", f"api_tokn={PARAM_SECRET}")
    assert code != 0 and PARAM_SECRET not in err
    code, _, err = cli("run", inc, "2", "--param", f"api_token{PARAM_SECRET}")
    assert code != 0 and PARAM_SECRET not in err
    # 3. a literal token in the runbook: the snapshot does not keep it, and running says why
    code, _, err = cli("run", inc, "3", "--yes")
    assert code != 0 and "held a secret" in err
    # 4. people type secrets into notes, owners, the timeline and the resolution
    everything = "\n".join(line for _, line, _ in cases)
    assert cli("note", inc, "--tag", "root-cause", everything)[0] == 0
    assert cli("note", inc, "--tag", "action", "--owner", f"ops {TOKENS['gitlab-pat']}", "rotate",
               "the", "keys")[0] == 0
    assert cli("timeline", inc, "pasted", CONTEXTUAL["curl-u"][0])[0] == 0
    assert cli("resolve", inc, "--summary", f"rotated {TOKENS['npm']}", "--type", TOKENS["huggingface"])[0] == 0
    code, _, err = cli("export", inc)
    assert code == 0, err
    cli("export", inc, "--stdout")
    cli("show", inc)
    cli("show", inc, "--json")
    cli("list")

    # grep everything
    files = {p: p.read_bytes().decode("utf-8", "replace") for p in (tmp_path / "state").rglob("*") if p.is_file()}
    assert any(p.name == "pir.md" for p in files) and any(p.name == "incident_log.csv" for p in files)
    assert any(p.name.startswith("runbook") for p in files)
    places = {**{str(p.relative_to(tmp_path)): t for p, t in files.items()},
              "stdout+stderr": "".join(cli.transcript)}
    leaks = []
    checked = 0
    for name, _, secret in [*cases, ("param/cli", "", PARAM_SECRET), ("param/env", "", PARAM_SECRET_ENV),
                            ("runbook/bearer", "", RUNBOOK_TOKEN)]:
        for where, text in places.items():
            checked += 1
            if secret in text:
                leaks.append(f"{name} in {where}")
    assert not leaks, leaks
    assert len(cases) == len(TOKENS) * len(FORMS) + len(CONTEXTUAL)
    assert checked == (len(cases) + 3) * len(places)
    print(f"secrets: {len(cases) + 3} secrets x {len(places)} places = {checked} checks, 0 leaks")
    # the snapshot is there and redacted, the output file has the redacted lines
    snapshot = next(t for p, t in files.items() if p.name.startswith("runbook"))
    assert "Bearer [REDACTED:" in snapshot
    outputs = "".join(t for p, t in files.items() if "outputs" in p.parts)
    assert outputs.count("[REDACTED:") >= len(cases)
    journal = json.dumps([t for p, t in files.items() if p.name == "journal.jsonl"])
    assert "[REDACTED:" in journal
    assert os.environ.get("OPS_TOKEN_FOR_TEST") == PARAM_SECRET_ENV
