"""curl's options as curl 7.88 has them (issue 13 item 5): honoured, or refused as not simulated; "is unknown" only
for an option real curl does not have.

The stand-in called ``-D``, ``-O``, ``-x``, ``-Z``, ``-4``, ``-b``, ``--noproxy``, ``--stderr``,
``--retry-max-time``... "unknown", as if curl had no such option, and ``-w '%{remote_ip}'`` printed
"%{remote_ip}" as it stood. It now knows every option ``curl --help all`` lists; it honours ``-G
--data-urlencode`` (the corpus's Prometheus query), ``-u``, ``-D`` and ``-O`` besides the ones it read, refuses
the rest by name, and ``-w`` says which variable it does not simulate."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.actions import read_actions
from warroom.drill.standins import curl

STATUS = "https://status.anthropic.com/api/v2/status.json"
SLACK = "https://hooks.slack.com/services/x"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(Path(tmp_path_factory.mktemp("curl-real")), "provider-outage")


def ask(drill, line: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return run_one(drill, shlex.split(line), 900.0)


@pytest.mark.parametrize("option", ["-D /dev/null", "-x proxy:3128", "-Z", "-4", "-b c=1", "--noproxy '*'",
                                    "--stderr -",
                                    "--retry-max-time 5", "-:", "--next", "--limit-rate 1k", "-v", "--trace-ascii -",
                                    "--cert c.pem", "-E c.pem", "-r 0-10", "-K cfg", "--http3", "-C -", "-T f"])
def test_a_real_option_is_never_called_unknown(drill, option: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = ask(drill, f"curl -s {option} {STATUS}")
    assert "unknown" not in err, err
    assert code == 0 or (code, out) == (2, "") and "curl: drill: `curl` does not simulate --" in err, (code, err)


@pytest.mark.parametrize("option", ["--foo", "-W", "--silently"])
def test_an_option_curl_lacks_is_unknown(drill, option: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = ask(drill, f"curl -s {option} {STATUS}")
    assert code == 2 and err.startswith(f"curl: option {option}: is unknown\n"), err


@pytest.mark.skipif(not shutil.which("curl") or "curl 7.88" not in subprocess.run(
    ["curl", "--version"], capture_output=True, text=True).stdout, reason="curl 7.88 gives the list")
def test_the_table_holds_every_option_curl_7_88_lists() -> None:
    listed = subprocess.run(["curl", "--help", "all"], capture_output=True, text=True).stdout
    names = {w.rstrip(",") for line in listed.splitlines()[1:] for w in line.split()[:2] if w.startswith("-")}
    assert names - set(curl.FLAGS) == {"--help", "-h"}


def test_data_urlencode_with_get_is_the_query(drill) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = ask(drill, f"curl -s -G --data-urlencode 'q=a b&c' --data-urlencode '=x/y' -d z=1 -o /dev/null "
                              f"-w '%{{url_effective}}' {STATUS}")
    assert (code, out) == (0, f"{STATUS}?q=a+b%26c&x%2fy&z=1")      # as curl 7.88 encodes


def test_data_urlencode_is_the_body_of_a_post(drill) -> None:  # type: ignore[no-untyped-def]
    assert ask(drill, f"curl -s --data-urlencode 'text=deploy paused' {SLACK}")[:2] == (0, "ok")
    assert read_actions(drill.path)[-1].detail["message"] == "text=deploy+paused"


def test_user_without_a_password_is_refused_with_one_answers_as_basic_auth(  # type: ignore[no-untyped-def]
        drill) -> None:
    code, out, _ = ask(drill, "curl -s -u key:secret https://api.anthropic.com/v1/usage")
    assert code == 0 and "authentication_error" in out          # the usage API takes a key, not Basic auth
    code, _, err = ask(drill, f"curl -s -u key {STATUS}")        # curl would ask for the password
    assert code == 2 and "drill: " in err and "password" in err, err


def test_dump_header_writes_the_headers_where_asked(drill, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = ask(drill, f"curl -s -D - -o /dev/null {STATUS}")
    assert code == 0 and out.startswith("HTTP/2 200 \r\ncontent-type: application/json\r\n")
    assert out.endswith("\r\n\r\n")
    code, out, _ = ask(drill, f"curl -s -D {tmp_path / 'h'} {STATUS}")
    assert code == 0 and out.startswith("{") and (tmp_path / "h").read_text().startswith("HTTP/2 200")


def test_remote_name_saves_the_body_under_the_urls_file_name(  # type: ignore[no-untyped-def]
        drill, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = ask(drill, f"curl -sO {STATUS}")
    assert (code, out) == (0, "") and (tmp_path / "status.json").read_text().startswith("{")
    code, _, err = ask(drill, "curl -sSO https://status.anthropic.com/")
    assert code == 23 and err == "curl: (23) Failed writing received data to disk/application\n", err


@pytest.mark.parametrize("fmt, said", [
    ("%{method} %{scheme} %{http_version} %{num_redirects}", "GET HTTPS 2 0"),
    ("%{exitcode}:%{errormsg}|%%|%{http_code|a\\\\n\\q\\n", "0:|%|%{http_code|a\\\\n\\q\n"),     # as curl 7.88
])
def test_write_out_variables(drill, fmt: str, said: str) -> None:  # type: ignore[no-untyped-def]
    assert ask(drill, f"curl -s -o /dev/null -w '{fmt}' {STATUS}")[1] == said


def test_write_out_refuses_a_variable_it_does_not_simulate_and_warns_of_an_unknown_one(  # type: ignore[no-untyped-def]
        drill) -> None:
    code, out, err = ask(drill, f"curl -s -o /dev/null -w '%{{remote_ip}}' {STATUS}")
    assert (code, out) == (2, "") and "does not simulate -w %{remote_ip}" in err, err
    code, out, err = ask(drill, f"curl -s -o /dev/null -w '[%{{nope}}]' {STATUS}")
    assert (code, out, err) == (0, "[]", "curl: unknown --write-out variable: 'nope'\n")


OVERLOADED = "https://api.anthropic.com/v1/messages"      # a model call: refused 503 as often as the world refuses


@pytest.fixture
def every_call_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vendor refusing every call (a probe is refused as often as the world refuses FlowEngine's calls, 40% in
    this outage, by a draw on the instant, redteam42 R15): what these tests of curl's own retry rules need."""
    from warroom.drill.model import Signals

    monkeypatch.setattr(Signals, "share_5xx", lambda self, provider, t: 1.0)


def test_retry_asks_again_after_a_transient_answer_as_curl_7_88(  # type: ignore[no-untyped-def]
        drill, tmp_path: Path, every_call_refused: None) -> None:
    """--retry: a 408/429/5xx (or a timeout) is asked again after 1, 2, 4... s (--retry-delay: that), each answer
    written, curl's warning between (checked against curl 7.88.1 and a local server answering 503)."""
    once = ask(drill, f"curl -s {OVERLOADED}")[1]
    assert ask(drill, f"curl -s --retry 2 {OVERLOADED}")[:2] == (0, once * 3)
    code, out, err = ask(drill, f"curl --retry 2 --retry-delay 0 -w %{{http_code}} -o {tmp_path / 'x'} {OVERLOADED}")
    assert (code, out, (tmp_path / "x").read_text()) == (0, "503", once)     # the file holds the last answer
    assert err.count("  % Total") == 1 and [ln for ln in err.splitlines() if ln[:1].isalpha()] == [
        "Warning: Problem : HTTP error. Will retry in 1 seconds. 2 retries left.", f"Throwing away {len(once)} bytes",
        "Warning: Problem : HTTP error. Will retry in 2 seconds. 1 retries left.", f"Throwing away {len(once)} bytes"]
    assert ask(drill, f"curl -sSf --retry 1 --retry-delay 5 {OVERLOADED}")[::2] == (
        22, "curl: (22) The requested URL returned error: 503\n" * 2)
    assert ask(drill, f"curl -s --retry 3 {STATUS}") == ask(drill, f"curl -s {STATUS}")    # nothing to retry
    code, _, err = ask(drill, f"curl -m 0.2 --retry 1 {OVERLOADED}")             # it answers in 0.56 s
    assert code == 28 and "Warning: Problem : timeout. Will retry in 1 seconds. 1 retries left.\n" in err
    assert err.count("curl: (28) Operation timed out after 200 milliseconds") == 2, err


def test_retry_into_dev_null_stops_as_curl_7_88_does(  # type: ignore[no-untyped-def]
        drill, every_call_refused: None) -> None:
    """curl 7.88 truncates the -o file before it asks again; /dev/null cannot be: (23), and no -w."""
    assert ask(drill, f"curl -sS -o /dev/null --retry 1 -w %{{http_code}} {OVERLOADED}") == (
        23, "", "curl: (23) Failed to truncate file\n")


@pytest.mark.parametrize("value, said", [("x", "proper"), ("1.5", "proper"), ("-1", "positive")])
def test_retry_takes_a_whole_number(drill, value: str, said: str) -> None:  # type: ignore[no-untyped-def]
    for option in ("--retry", "--retry-delay"):
        code, _, err = ask(drill, f"curl -s {option} {value} {STATUS}")
        assert code == 2 and err.startswith(f"curl: option {option}: expected a {said} numerical parameter"), err


def test_a_url_is_globbed_as_curl_globs_it(drill) -> None:  # type: ignore[no-untyped-def]
    """world44: PromQL's ``[5m]`` unescaped in a URL was answered; curl 7.88 reads it as a glob and fails (exit 3, at
    the position it points at), ``{1,2}`` asks twice, ``-g`` reads none (answers: /usr/bin/curl 7.88.1)."""
    url = "localhost:9090/api/v1/query?query=rate(x[5m])"
    assert ask(drill, f"curl -sS '{url}'") == (3, "", f"curl: (3) bad range in URL position 42:\n{url}\n{' ' * 41}^\n")
    assert ask(drill, f"curl -s '{url}'") == (3, "", "")
    assert json.loads(ask(drill, f"curl -sg '{url}&time=100'")[1])["data"] == {"resultType": "vector", "result": []}
    assert ask(drill, "curl -s -o /dev/null -w '%{url_effective} ' 'localhost:9090/api/v1/query?query=vector({1,2})"
                      "&time=100'")[1] == "http://localhost:9090/api/v1/query?query=vector(1)&time=100 " \
                                          "http://localhost:9090/api/v1/query?query=vector(2)&time=100 "
    assert curl.globbed("h/a[01-3:2]{x\\,y,z}[]") == ["h/a01x,y[]", "h/a01z[]", "h/a03x,y[]", "h/a03z[]"]
    with pytest.raises(curl.ToolError, match="nested brace in URL position 5:"):
        curl.globbed("h/{x{")
