"""A whole incident from the shell alone: new -> run -> tick -> skip -> note -> resolve -> export.

The ``warroom`` CLI's own process declares the incident and runs its first step (its output streamed to a real
stdout); every later command is the same ``main(argv)`` called in this process, its stdout and stderr read at the
file descriptors (what a terminal would have shown): ~0.5 s CPU of interpreter start-up and imports each, the
same commands, parser and exit codes. Real throughout: the runbook parser on a fixture runbook and the execute
engine's supervised runner (a process of its own) running real ``echo`` / ``true`` commands.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, subprocess_env, warroom_cmd
from tests.in_process import warroom_here

RUNBOOK = REPO / "tests" / "fixtures" / "incident" / "echo-runbook.md"


def _wr(state: Path, *argv: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """``warroom incident ARGV --state-dir STATE`` in a process of its own (the console script)."""
    p = subprocess.run([*warroom_cmd(), "incident", *argv, "--state-dir", str(state)], env=subprocess_env(),
                       capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    if ok:
        assert p.returncode == 0, (argv, p.returncode, p.stderr)
    return p


def in_process(capfd: pytest.CaptureFixture[str], state: Path, *argv: str, ok: bool = True,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The same command as :func:`_wr`, through ``tui.cli.main`` in this process (``warroom_here``), with ``env`` set
    for the call: what reached file descriptors 1 and 2 (a step's streamed output too) is its stdout and stderr, and an
    argparse refusal (``SystemExit``) its exit code, as the console script's ``sys.exit(main())`` would make it."""
    p = warroom_here("incident", *argv, "--state-dir", str(state), env=env, fds=capfd)
    if ok:
        assert p.returncode == 0, (argv, p.returncode, p.stderr)
    return p


def test_whole_incident_from_the_shell(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    inc = _wr(state, "new", "--title", "Echo drill, from the shell", "--severity", "P3",
              "--runbook", str(RUNBOOK)).stdout.strip()
    assert inc.startswith("INC-")

    hello = _wr(state, "run", inc, "1")
    assert hello.stdout == "hello\n"  # the step's output, streamed to stdout
    assert "expectation met" in hello.stderr

    def cli(state: Path, *argv: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        """Every later command: ``main(argv)`` in this process (the console script's process is the two above)."""
        return in_process(capfd, state, *argv, ok=ok)

    greet = cli(state, "run", inc, "greet-someone", "--param", "name=team")
    assert greet.stdout == "hi team\n"
    bad = cli(state, "run", inc, "2", "--param", "name=Team 1", ok=False)
    assert bad.returncode == 2 and "does not match" in bad.stderr

    refused = cli(state, "run", inc, "restart", ok=False)
    assert refused.returncode == 5 and "--yes" in refused.stderr
    cli(state, "run", inc, "restart", "--yes")
    cli(state, "run", inc, "6", "--dry-run")

    cli(state, "tick", inc, "4")
    cli(state, "skip", inc, "5", "--reason", "the breaker was enough")
    notes = {
        "root-cause": "A retry loop multiplied calls",
        "went-well": "Runbook steps ran first time",
        "went-wrong": "Nobody had the quota dashboard open",
        "lesson": "Put the quota pane on the main screen",
        "impact": "Two repos saw failed flows",
    }
    for tag, text in notes.items():
        cli(state, "note", inc, "--tag", tag, text)
    cli(state, "note", inc, "--tag", "action", "--owner", "sre", "--due", "2099-12-01", "Alert at 75% quota")
    cli(state, "resolve", inc, "--summary", "Quota back to normal", "--resolution", "Breaker, then a retry cap")

    exported = cli(state, "export", inc)
    pir_path = state / "incidents" / inc / "pir.md"
    assert str(pir_path) in exported.stdout and "row appended" in exported.stdout
    pir = pir_path.read_text()
    for label in ("Say hello", "Greet someone", "Restart the thing", "Page the tech lead",
                  "Ask the provider for more quota", "Show the date"):
        assert label in pir, label
    for text in [*notes.values(), "Alert at 75% quota", "Owner: sre", "Due: 2099-12-01"]:
        assert text in pir, text
    for metric in ("Time to detect", "Time to mobilise", "Time to root cause", "Time to mitigate",
                   "Time to resolve"):
        assert metric in pir, metric
    assert "`echo hello`" in pir and "the breaker was enough" in pir
    assert "Step 6 (Show the date) not done" in pir  # dry run only: nothing ran
    assert "dry run" in pir

    rows = list(csv.DictReader(open(state / "incident_log.csv", newline="")))
    assert [r["Incident ID"] for r in rows] == [inc]
    # resolved without --rollback / --no-rollback: not said, so blank, never a default "No"
    assert rows[0]["Root Cause"] == notes["root-cause"] and rows[0]["Rollback?"] == ""

    verify = cli(state, "verify", inc)
    assert "hash chain intact" in verify.stdout
    outputs = sorted(p.name for p in (state / "incidents" / inc / "outputs").glob("0*.log"))
    assert len(outputs) == 3  # one full output file per step run
    assert "hello" in (state / "incidents" / inc / "outputs" / outputs[0]).read_text()


def test_show_marks_a_step_whose_supervisor_died_as_interrupted(tmp_path: Path,
                                                               capfd: pytest.CaptureFixture[str]) -> None:
    import os
    import signal
    import time

    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    state = tmp_path / "state"
    book = tmp_path / "slow.md"
    book.write_text("+++\nid = \"RB-TEST-SLOW\"\ntitle = \"Slow\"\n+++\n\n## Triage\n\n```bash\n# Wait a while\n"
                    "sleep 30\n```\n")
    inc = IncidentStore(state, Config()).create(title="slow", severity="P4", runbook=str(book))
    handle = inc.run_step(inc.prepare_step(1), confirm=True)
    assert handle.running()
    # Supervisor and watchdog both gone (as after a reboot): nobody journals the end until a
    # warroom looks (the watchdog's own path is tests/security/test_processes.py).
    os.kill(int(handle.started["watchdog_pid"]), signal.SIGKILL)
    os.kill(handle.supervisor_pid, signal.SIGKILL)
    try:
        os.killpg(handle.pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 60
    while handle.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inc.state.steps["wait-a-while"].status == "running"  # nobody journaled the end
    shown = in_process(capfd, state, "show", inc.id)
    assert "marked interrupted" in shown.stderr
    assert "[INTR]" in shown.stdout
    assert inc.state.steps["wait-a-while"].status == "interrupted"


def test_promql_step_runs_against_the_configured_prometheus(tmp_path: Path,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    """A ```promql``` step is a query, not a shell command: it goes to the configured server (the commands are
    ``main(argv)`` in this process: the query is made by the command, whichever process runs it)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlparse

    seen: list[str] = []

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            seen.append(parse_qs(url.query).get("query", [""])[0])
            body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"provider": "anthropic"}, "value": [1700000000, "91.5"]}]}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)     # binds a free port itself: nobody else's
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cfg = tmp_path / "config.toml"
        cfg.write_text(f'[prometheus]\nurl = "http://127.0.0.1:{port}"\n')
        book = tmp_path / "q.md"
        book.write_text('+++\nid = "RB-TEST-Q"\ntitle = "Query"\n+++\n\n## Triage\n\n'
                        "```promql\n# Quota used\n100 * max(flowengine_model_quota_used_ratio)\n```\n")
        state = tmp_path / "state"
        inc = in_process(capfd, state, "new", "--title", "q", "--severity", "P3", "--runbook", str(book),
                         "--config", str(cfg)).stdout.strip()
        ran = in_process(capfd, state, "run", inc, "1", "--config", str(cfg))
        assert "anthropic" in ran.stdout and "91.5" in ran.stdout
        # The SLO panes' queries first (the "before" evidence every run records), then the step's.
        assert seen[-1] == "100 * max(flowengine_model_quota_used_ratio)"
        no_prom = in_process(capfd, state, "run", inc, "1", ok=False)  # without the config: no server to ask
        assert no_prom.returncode == 1 and "no Prometheus configured" in no_prom.stdout
    finally:
        server.shutdown()
        server.server_close()


def test_a_secret_appears_nowhere(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """$API_TOKEN printed by a step, a bearer header, and the token pasted into a note: the value
    is in no journal line, output file, PIR, CSV row or stdout of `incident run` (the commands are ``main(argv)``
    in this process, the two variables set for each call as the shell's environment had them; the steps' own
    processes inherit them from it)."""
    secret = "tok-7f3c9a1b5d2e8f4a6c0b"
    bearer = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig9f8e7d6c5b4a"
    book = tmp_path / "leak.md"
    book.write_text('+++\nid = "RB-TEST-LEAK"\ntitle = "Leak"\n+++\n\n## Triage\n\n```bash\n# Print the token\n'
                    'echo "token=$API_TOKEN"\n\n# Print a header\n'
                    'echo "Authorization: Bearer $HDR_VALUE"\n```\n')
    state = tmp_path / "state"
    env = {"API_TOKEN": secret, "HDR_VALUE": bearer}  # HDR_VALUE: no secret-looking name

    def wr(*argv: str) -> subprocess.CompletedProcess[str]:
        return in_process(capfd, state, *argv, env=env)

    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    # declared in this process (set-up: `new` from the shell is test_whole_incident_from_the_shell's); the secret
    # goes through the real CLI's run, note, resolve and export
    inc = IncidentStore(state, Config()).create(title="leak", severity="P2", runbook=str(book)).id
    printed = wr("run", inc, "1").stdout + wr("run", inc, "2").stdout
    assert "REDACTED" in printed
    wr("note", inc, "--tag", "root-cause", f"someone pasted {secret} and Bearer {bearer}")
    wr("resolve", inc, "--summary", f"rotated {secret}")
    wr("export", inc)
    files = [p for p in state.rglob("*") if p.is_file()]
    assert any(p.name == "pir.md" for p in files) and any(p.name == "incident_log.csv" for p in files)
    for p in files:
        blob = p.read_bytes()
        assert secret.encode() not in blob, p
        assert bearer.encode() not in blob, p
    assert secret not in printed and bearer not in printed
