"""Red team: --read-only cannot be bypassed.

Two layers. The corpus (``readonly_corpus.py``: every known bypass kind, ~280 mutating commands
across tools and ~110 read-only ones) is classified directly: every mutating command must be
mutating, every read-only one read-only. Then every corpus command with an observable effect runs
end to end through the real CLI (``warroom incident run ID STEP --read-only``), written into a
runbook whose fences all say ``mutating=false``: each must be refused (exit 5, recorded), no
canary file may appear and the local HTTP logger must receive nothing — with and without
``--yes``. Positive controls show the canary and the logger do catch a command that runs.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.conftest import Cli
from tests.security.readonly_corpus import ADVERSARIAL, MUTATING, READ_ONLY
from warroom.execute.classify import classify
from warroom.runbook.parser import load_runbook

KINDS = sorted({k for _, k in MUTATING})


def _fill(command: str, canary: Path, url: str) -> str:
    return command.replace("CANARY", str(canary)).replace("URL", url)


@pytest.mark.parametrize(("command", "kind"), MUTATING, ids=[f"{k}:{c[:40]}" for c, k in MUTATING])
def test_every_bypass_is_mutating(command: str, kind: str) -> None:
    c = classify(_fill(command, Path("/tmp/warroom-canary"), "http://127.0.0.1:9/x"))
    assert c.mutating, f"{kind} bypass classified read-only: {c.reason}"
    assert c.reason


@pytest.mark.parametrize("command", ADVERSARIAL, ids=[c[:50] for c in ADVERSARIAL])
def test_adversarial_pass_is_mutating(command: str) -> None:
    c = classify(command)
    assert c.mutating, c.reason


@pytest.mark.parametrize("command", READ_ONLY, ids=[c[:50] for c in READ_ONLY])
def test_read_only_forms_stay_read_only(command: str) -> None:
    c = classify(command)
    assert not c.mutating, c.reason


def test_corpus_size() -> None:
    # the brief: at least 100 mutating forms across tools and 60 read-only ones
    assert len(MUTATING) >= 100 and len(READ_ONLY) >= 60
    assert len({c for c, _ in MUTATING}) == len(MUTATING)


class _Logger(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def _any(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def logger() -> Iterator[tuple[str, list[str]]]:
    _Logger.seen = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Logger)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/probe", _Logger.seen
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=10)


def _observable(command: str) -> bool:
    return "CANARY" in command or "URL" in command


def _runbook(tmp: Path, commands: list[str], name: str = "rb-ro.md") -> Path:
    parts = ['+++\nid = "RB-SEC-RO"\ntitle = "Read-only bypasses"\n+++\n# Read-only bypasses\n',
             "## Triage\n"]
    for i, c in enumerate(commands, 1):
        parts.append(f"Bypass {i}:\n\n```bash {{mutating=false}}\n{c}\n```\n")
    p = tmp / name
    p.write_text("\n".join(parts))
    return p


def _new_incident(cli: Cli, runbook: Path) -> str:
    code, out, err = cli("new", "--title", "Read-only red team", "--severity", "P3",
                         "--runbook", str(runbook))
    assert code == 0, err
    return out.split()[0]


def test_read_only_session_refuses_every_bypass_end_to_end(tmp_path: Path, cli: Cli,
                                                           logger: tuple[str, list[str]],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen = logger
    canary = tmp_path / "canary"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cases = [_fill(c, canary, url) for c, _ in MUTATING if _observable(c)]
    assert len(cases) >= 100
    ran: list[str] = []
    incidents: list[str] = []
    total = 0
    for start in range(0, len(cases), 20):  # small runbooks and journals keep each run quick
        chunk = cases[start:start + 20]
        rb = _runbook(tmp_path, chunk, f"rb-ro-{start}.md")
        # (a block the runbook parser does not take as a command, e.g. one starting with "{",
        # is not a step at all, so it cannot run; the rest are exactly the bypasses)
        commands = [s.command for s in load_runbook(rb).steps]
        assert set(commands) <= set(chunk) and len(commands) >= len(chunk) - 2
        inc = _new_incident(cli, rb)
        incidents.append(inc)
        for n, command in enumerate(commands, 1):
            total += 1
            for extra in ([], ["--yes"]):
                code, _out, err = cli("run", inc, str(n), "--read-only", *extra)
                if code != 5 or canary.exists() or seen:
                    ran.append(f"{command!r} {extra}: exit {code}: {err.strip()[:200]}")
                canary.unlink(missing_ok=True)
                seen.clear()
    assert total >= 100
    assert not ran, "\n".join(ran)
    assert not list(work.iterdir()), "a refused step left a file in the working directory"
    refused = sum(cli.journal(i).read_text().count('"step.refused"') for i in incidents)
    assert refused == 2 * total


def test_positive_controls_the_canary_and_the_logger_do_catch_a_run(
        tmp_path: Path, cli: Cli, logger: tuple[str, list[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen = logger
    canary = tmp_path / "canary"
    monkeypatch.chdir(tmp_path)
    rb = _runbook(tmp_path, [f"touch {canary}", f"curl -s -X DELETE {url}",
                             f"curl -s {url} >/dev/null", "kubectl version --client >/dev/null "
                             "2>&1; echo read-only ran"])
    inc = _new_incident(cli, rb)
    # mutating=false in the runbook never loosens --read-only ...
    assert cli("run", inc, "1", "--read-only")[0] == 5 and not canary.exists()
    # ... but the same step does run in a normal session once confirmed: the canary works
    assert cli("run", inc, "1", "--yes")[0] == 0 and canary.exists()
    assert cli("run", inc, "2", "--read-only", "--yes")[0] == 5 and not seen
    assert cli("run", inc, "2", "--yes")[0] == 0 and seen == ["DELETE /probe"]
    seen.clear()
    # a plain GET is read-only and runs in a read-only session, unconfirmed
    assert cli("run", inc, "3", "--read-only")[0] == 0 and seen == ["GET /probe"]
    code, out, _ = cli("run", inc, "4", "--read-only")
    assert code == 0 and "read-only ran" in out
