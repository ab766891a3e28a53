"""Lint and the app agree on which steps an incident can run: attaching a runbook copies it redacted
(``warroom.incident.runbook_shelf``) and a step whose command lost a secret is refused when run.

Before, the redaction also ate the ways a runbook reads a secret at run time, the ones lint and the
refusal itself recommend: a ``{{ token }}`` or ``<password>`` placeholder, ``$(vault read ...)``,
backticks. ``Authorization: Bearer {{ token }}`` became ``Bearer [REDACTED:authorization]`` (the
step lost its parameter and was refused), ``mysql -p$(cat pw)`` became ``-p[REDACTED:password] pw)``.
And a step with a secret written into it linted clean, then was refused mid-incident. Now those
references are kept (``warroom.execute.redact_rules._RUNTIME``), and lint makes the incident's copy
with the same rules and reports, at the step's line, each step the copy changes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.errors import WarroomError
from warroom.execute.redact import Redactor
from warroom.incident.store import IncidentStore
from warroom.runbook.lint import lint_paths
from warroom.runbook.parser import load_runbook

# Each step reads its secret at run time: the incident's copy must keep it and the step must run.
RUNTIME = {
    "token": 'curl -H "Authorization: token {{ token }}" https://api.example.com/v1/x',
    "bearer": 'curl -H "Authorization: Bearer {{ token }}" https://api.example.com/v1/x',
    "basic": 'curl -u "admin:{{ password }}" https://api.example.com/v1/x',
    "angle": "curl -u admin:<password> https://api.example.com/v1/x",
    "url": 'psql "postgres://app:{{ db_password }}@db.internal/app" -c "select 1"',
    "vault": "export PGPASSWORD=$(vault kv get -field=pw secret/db)\npsql -h db.internal -c 'select 1'",
    "mysql": "mysql -h db.internal -p$(cat /run/secrets/pw) -e 'select 1'",
    "gcloud": 'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://api.example.com/v1/x',
    "cookie": 'curl -b "session=$(cat /run/secrets/session)" https://api.example.com/v1/x',
    "header": 'curl -H "Cookie: session={{ session }}" https://api.example.com/v1/x',
    "backtick": "export API_TOKEN=`cat /run/secrets/token`\ncurl -H \"Authorization: Bearer $API_TOKEN\" https://x",
    "flag": "vault login --token={{ token }}",
}
# Each step has a secret written into it: the copy drops it and the step is refused.
WRITTEN = {
    "hard bearer": 'curl -H "Authorization: Bearer abcdefghijklmnopqrstu" https://api.example.com/v1/x',
    "hard url": 'psql "postgres://app:s3cretpassw0rd@db.internal/app" -c "select 1"',
    "hard mysql": "mysql -h db.internal -ps3cretpassw0rd -e 'select 1'",
}
GIVEN = {"token": "abc123", "password": "abc123", "db_password": "abc123", "session": "abc123"}


def runbook(tmp_path: Path, steps: dict[str, str]) -> Path:
    blocks = "\n".join(f"```bash\n# {label}\n{command}\n```\n" for label, command in steps.items())
    params = "".join(f'\n[params.{k}]\nhelp = "read from the vault"\n' for k in GIVEN)
    path = tmp_path / "secrets.md"
    path.write_text(textwrap.dedent(f'''\
        +++
        id = "RB-SEC-001"
        title = "Rotate credentials"
        severity = "P3"
        ''') + params + "+++\n# Rotate credentials\n\n## Mitigation\n\n" + blocks, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", list(RUNTIME.values()), ids=list(RUNTIME))
def test_a_secret_read_at_run_time_is_not_redacted(command: str) -> None:
    assert Redactor({}).redact_text(command) == command


def test_every_step_lint_passes_runs_and_every_step_it_refuses_is_refused(tmp_path: Path) -> None:
    path = runbook(tmp_path, {**RUNTIME, **WRITTEN})
    original = load_runbook(path)
    findings = lint_paths([path], Config())
    flagged = {f.line for f in findings if f.level == "error"}
    assert [f for f in findings if f.level == "error" and "holds a secret" not in f.message] == []
    inc = IncidentStore(tmp_path / "state", Config()).create(title="creds", severity="P3", runbook=str(path),
                                                             source={})
    copy = inc.runbook()
    refused: set[int] = set()
    for step in original.steps:
        (kept,) = [s for s in copy.steps if s.number == step.number]
        try:
            inc.prepare_step(step.number, params={k: v for k, v in GIVEN.items() if k in step.params})
        except WarroomError as exc:
            assert "held a secret" in str(exc), (step.label, exc)
            refused.add(step.line)
        else:
            assert kept.command == step.command and kept.params == step.params, step.label
    assert flagged == refused == {s.line for s in original.steps if s.label in WRITTEN}
    for f in findings:
        if f.level == "error":
            assert f.file == str(path) and "warroom refuses to run the step" in f.message


def test_a_secret_default_is_reported_at_its_params_line(tmp_path: Path) -> None:
    path = tmp_path / "default.md"
    path.write_text('+++\nid = "RB-SEC-002"\ntitle = "t"\nseverity = "P3"\n\n[params.token]\n'
                    'default = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n+++\n# T\n\n## Mitigation\n\n'
                    '```bash\n# Call\ncurl -H "Authorization: token {{ token }}" https://x\n```\n', encoding="utf-8")
    (finding,) = lint_paths([path], Config())
    assert (finding.line, finding.level) == (6, "warning")
    assert "'[REDACTED:github_token]'" in finding.message
    inc = IncidentStore(tmp_path / "state", Config()).create(title="t", severity="P3", runbook=str(path), source={})
    assert inc.runbook().params["token"].default == "[REDACTED:github_token]"     # what the warning says
