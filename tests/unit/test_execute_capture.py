"""What a real step's output becomes: secrets gone everywhere, escapes gone, memory bounded."""

from __future__ import annotations

import io
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from warroom.execute.capture import read_lines, read_tail
from warroom.execute.runner import RunSpec, start
from warroom.execute.safety import Confirmation

SECRET = "s3cr3t-9f8e7d6c5b4a3928"
BEARER = "zzTopSecretBearerValue123"
PARAM_PW = "p4ss-w0rd-xyz-991"


@pytest.fixture
def incident(tmp_path: Path) -> Path:
    d = tmp_path / "INC-1"
    d.mkdir(mode=0o700)
    return d


def run(incident: Path, command: str, **kw: object) -> RunSpec:
    opts: dict[str, object] = {"timeout": 30.0, "kill_grace": 0.2, "confirmation": Confirmation.of(command), **kw}
    return RunSpec(incident_dir=incident, command=command, **opts)  # type: ignore[arg-type]


def everything_stored(incident: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(incident.rglob("*")) if p.is_file())


def test_secrets_appear_nowhere(incident: Path) -> None:
    command = (
        'echo "token is $API_TOKEN"; echo "Authorization: Bearer ' + BEARER + '" >&2; '
        'printf "split %s" "${API_TOKEN:0:7}"; sleep 0.2; printf "%s done\\n" "${API_TOKEN:7}"; '
        "echo connecting with " + PARAM_PW
    )
    spec = run(incident, command, env={"API_TOKEN": SECRET}, params={"db_password": PARAM_PW},
               expect="token is " + SECRET)
    h = start(spec)
    shown = io.StringIO()
    h.stream_to(shown)
    followed: list[str] = []
    h.follow(lambda lines: followed.extend(ln.text for ln in lines))
    result = h.wait(60)
    assert result.status == "ok"
    stored = everything_stored(incident)
    for secret in (SECRET, BEARER, PARAM_PW):
        assert secret.encode() not in stored
        assert secret not in shown.getvalue()
        assert not any(secret in t for t in followed)
        assert secret not in repr(result) and secret not in str(h.started)
        assert not any(secret in ln.text for ln in h.tail)
    texts = [ln.text for ln in read_lines(h.output_path)]
    assert "token is [REDACTED:API_TOKEN]" in texts
    assert "Authorization: Bearer [REDACTED:authorization]" in texts
    assert "split [REDACTED:API_TOKEN] done" in texts, "a secret split across two reads is still caught"
    assert "connecting with [REDACTED:db_password]" in texts
    assert h.started["params"] == {"db_password": "[REDACTED:db_password]"}
    assert "[REDACTED:db_password]" in str(h.started["command"])


def test_terminal_escapes_never_stored_or_shown_colour_kept(incident: Path) -> None:
    command = (
        r"printf '\033]52;c;ZWNobyBwd25lZAo=\007clipboard\n'; "
        r"printf '\033]0;owned title\033\\title\n'; "
        r"printf '\033[2J\033[H\033[5;10H\033[Kcursor\n'; "
        r"printf '\033]8;;http://evil.example\033\\link\033]8;;\033\\\n'; "
        r"printf '\033[31mred\033[0m and \033[1;32mgreen\033[0m\n'; "
        r"printf 'bell\a\n' >&2"
    )
    h = start(run(incident, command))
    followed: list[str] = []
    h.follow(lambda lines: followed.extend(ln.text for ln in lines))
    h.wait(60)
    stored = h.output_path.read_bytes()
    assert b"\x1b]" not in stored and b"\x07" not in stored and b"\x1b[2J" not in stored and b"\x1b[H" not in stored
    assert stored.replace(b"\x1b[31m", b"").replace(b"\x1b[1;32m", b"").replace(b"\x1b[0m", b"").count(b"\x1b") == 0
    stored_lines = list(read_lines(h.output_path))
    assert [ln.text for ln in stored_lines if ln.stream == "out"] == [
        "clipboard", "title", "cursor", "link", "\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[0m"]
    assert [ln.text for ln in stored_lines if ln.stream == "err"] == ["bell"]
    assert sorted(followed) == sorted(ln.text for ln in stored_lines)


def _vm(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"{key} not in /proc/{pid}/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads peak RSS from /proc")
def test_ten_megabytes_memory_bounded_file_complete(incident: Path) -> None:
    """The supervisor's memory does not grow with the output's volume.

    Its first output costs it a fixed few MiB (lazily built redaction and sanitising state, the
    allocator's arenas): CI once saw 5.2 MiB of that counted against the 10 MiB. So a warm-up of
    the same text runs first and the baseline is the peak after it; the 10 MiB that follow may
    then raise the peak by no more than a quarter of their size.
    """
    warm, size = 2 * 1024 * 1024, 10 * 1024 * 1024
    line = b"the quick brown fox 0123456789 jumps over\n"
    text = line[:-1].decode()
    go, done = incident / "go", incident / "done"
    command = (f"yes '{text}' | head -c {warm}; echo; "
               f"while [ ! -e {go} ]; do sleep 0.01; done; "
               f"yes '{text}' | head -c {size}; echo; "
               f"while [ ! -e {done} ]; do sleep 0.01; done")
    h = start(run(incident, command, memory_lines=500))
    deadline = time.monotonic() + 60
    while h.output_path.stat().st_size < warm + 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    base = _vm(h.supervisor_pid, "VmHWM")  # the peak after the warm-up
    me = psutil.Process()
    caller_before = me.memory_info().rss
    go.touch()
    delivered = [0]
    t = threading.Thread(target=h.follow, args=(lambda lines: delivered.__setitem__(0, delivered[0] + len(lines)),))
    t.start()
    total = warm + 1 + size + 1
    while h.output_path.stat().st_size < total and time.monotonic() < deadline + 60:
        time.sleep(0.01)
    peak = _vm(h.supervisor_pid, "VmHWM")  # the supervisor's peak RSS over the whole capture
    done.touch()
    t.join(60)
    result = h.wait(60)
    caller_growth = me.memory_info().rss - caller_before
    assert peak - base < size // 4, f"supervisor grew {(peak - base) >> 20} MiB for a 10 MiB output"
    assert caller_growth < size // 2, f"caller grew {caller_growth >> 20} MiB"
    assert len(h.tail) == 500 and h.tail[-1].n == result.lines
    expected = (line * (warm // len(line) + 1))[:warm] + b"\n" + (line * (size // len(line) + 1))[:size] + b"\n"
    assert h.output_path.read_bytes() == expected
    assert result.bytes == total and result.lines == expected.count(b"\n")
    lines, count, _ = read_tail(h.output_path, 3)
    assert count == result.lines and [ln.n for ln in lines] == [count - 2, count - 1, count]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to simulate a full disk")
def test_full_disk_keeps_counting_and_says_so() -> None:
    import os

    from warroom.execute.capture import OutputWriter
    from warroom.execute.redact import Redactor

    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        w = OutputWriter(fd, Redactor({}), "two")
        w.feed("out", b"one\ntwo\n")
        w.feed("err", b"three\n")
        w.close()
    finally:
        os.close(fd)
    assert w.error is not None and "No space left" in w.error and "from line 1" in w.error
    assert w.lines == 3 and w.expect is not None and w.expect.met
