"""curl without -s shows its progress meter on stderr (a bar with -#) unless the body goes to a terminal.

The drill's curl showed none, and took -# as changing nothing. The shapes below are curl 7.88's, read
from a real curl against a local server (issue-13-fidelity.md): a header, a line of zeros, and the
transfer's line (``\\r`` between, a newline after); a host that does not resolve leaves the zeros and
the error on one line; -# draws a 72-wide bar per direction and ends with a newline after any error.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import Drill, create_drill
from warroom.drill.standins.base import Context, run_tool

T = 600.0
STATUS = "https://status.anthropic.com/api/v2/status.json"
HEADER = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
          "                                 Dload  Upload   Total   Spent    Left  Speed\n")
ZEROS = "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
BAR = "\r" + "#" * 72 + " 100.0%"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    return create_drill(tmp_path_factory.mktemp("d"), "provider-outage", speed=10.0, start=START)


def test_the_meter_shows_the_transfer_the_world_made(drill: Drill) -> None:
    size = len(run_one(drill, ["curl", "-s", STATUS], T)[1].encode())
    code, out, err = run_one(drill, ["curl", "-o", "/dev/null", STATUS], T)
    assert (code, out) == (0, "") and err.startswith(HEADER + "\r" + ZEROS + "\r") and err.endswith("\n"), err
    line = err[len(HEADER + ZEROS) + 2:-1]
    assert len(line) == len(ZEROS) and line.split()[:6] == ["100", str(size), "100", str(size), "0", "0"], line
    assert run_one(drill, ["curl", "-s", "-o", "/dev/null", STATUS], T) == (0, "", "")
    code, out, err = run_one(drill, ["curl", "-f", STATUS + "x"], T)          # a 404: its length, nothing received
    assert code == 22 and err.split("\r")[2].split()[:4] == ["0", err.split("\r")[2].split()[1], "0", "0"], err
    assert err.endswith("\ncurl: (22) The requested URL returned error: 404\n"), err
    code, out, err = run_one(drill, ["curl", "https://nowhere.invalid/"], T)
    assert (code, err) == (6, HEADER + "\r" + ZEROS + "curl: (6) Could not resolve host: nowhere.invalid\n")


def test_a_bar_with_hash_and_none_to_a_terminal(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_one(drill, ["curl", "-#", "-o", "/dev/null", STATUS], T) == (0, "", BAR + "\n")
    assert run_one(drill, ["curl", "-#", "-d", "a=b", "-o", "/dev/null", "https://hooks.slack.com/services/x"], T) \
        == (0, "", BAR * 2 + "\n")
    assert run_one(drill, ["curl", "-#", "https://nowhere.invalid/"], T) == (
        6, "", "curl: (6) Could not resolve host: nowhere.invalid\n\n")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True
    for argv in (["curl", STATUS], ["curl", "-#", STATUS]):
        out, err = Terminal(), io.StringIO()
        ctx = Context("curl", argv[1:], drill, at=drill.wall_time(T), stdout=out, stderr=err)
        ctx.no_delay = True
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        assert run_tool(ctx) == 0 and out.getvalue() and err.getvalue() == "", err.getvalue()


def test_no_progress_meter_and_progress_bar_are_curl_s_own(drill: Drill) -> None:
    """``--no-progress-meter`` (curl >= 7.67: no meter, errors still said, unlike -s) and ``--progress-bar``
    (-#'s long name) were refused as unknown options; curl 7.88 takes both (issue-13-redteam32.md)."""
    assert run_one(drill, ["curl", "--no-progress-meter", "-o", "/dev/null", STATUS], T) == (0, "", "")
    assert run_one(drill, ["curl", "--no-progress-meter", "https://nowhere.invalid/"], T) == (
        6, "", "curl: (6) Could not resolve host: nowhere.invalid\n")
    assert run_one(drill, ["curl", "--no-progress-meter", "-#", "-o", "/dev/null", STATUS], T) == (0, "", "")
    assert run_one(drill, ["curl", "--no-progress-meter", "--progress-meter", "-o", "/dev/null", STATUS], T)[2] \
        .startswith(HEADER)
    assert run_one(drill, ["curl", "--progress-bar", "-o", "/dev/null", STATUS], T) == (0, "", BAR + "\n")


def test_each_transfer_its_own_output_and_the_last_one_s_status(drill: Drill, tmp_path: Path) -> None:
    """curl 7.88 against a local server (issue-13-redteam32.md): -o pairs with the first URL only (the next goes to
    stdout); the exit status is the last transfer's (a bad host, then a good one: 0; the stand-in said 6); a file -o
    cannot open is a Warning after the meter's zeros (unless -s), then curl: (23)."""
    body = run_one(drill, ["curl", "-s", STATUS], T)[1]
    assert run_one(drill, ["curl", "-s", "https://nowhere.invalid/", STATUS], T) == (0, body, "")
    assert run_one(drill, ["curl", "-s", STATUS, "https://nowhere.invalid/"], T)[0] == 6
    assert run_one(drill, ["curl", "-s", "-o", "/dev/null", STATUS, STATUS], T) == (0, body, "")
    bad = tmp_path / "no" / "x"
    code, out, err = run_one(drill, ["curl", "-o", str(bad), STATUS], T)
    warning = f"Warning: Failed to open the file {bad}: No such file or directory\n"
    assert code == 23 and err.startswith(HEADER + "\r" + ZEROS + warning + "\r100 "), err
    assert err.endswith("\ncurl: (23) Failure writing output to destination\n"), err
    assert run_one(drill, ["curl", "--no-progress-meter", "-o", str(bad), STATUS], T) == (
        23, "", warning + "curl: (23) Failure writing output to destination\n")
    assert run_one(drill, ["curl", "-s", "-o", str(bad), STATUS], T) == (23, "", "")
    code, _, err = run_one(drill, ["curl", "-f", "-o", str(bad), STATUS + "x"], T)     # a 404 under -f: no file opened
    assert code == 22 and "Warning" not in err and "(23)" not in err, err
    assert run_one(drill, ["curl", "-s", "-f", "-o", str(tmp_path / "f"), STATUS + "x"], T)[0] == 22
    assert not (tmp_path / "f").exists()
    assert run_one(drill, ["curl", "-sS", "-o", str(bad), STATUS], T) == (
        23, "", "curl: (23) Failure writing output to destination\n")
