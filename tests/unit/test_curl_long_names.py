"""curl 7.88 reads a long option as its own parser does (issue 13 item 5): a unique start of a name is that name
(``--verb`` is ``--verbose``), two or more names that start so are ambiguous, ``--no-NAME`` turns a boolean switch off
(``--no-silent``) and is refused for any other, ``--name=value`` is no option at all. The stand-in called all of these
"is unknown" (``--verb``, ``--no-silent``) or took ``--max-time=5`` where curl refuses it.

Each answer below is what /usr/bin/curl 7.88.1 said on this machine (``-s WORD -o /dev/null http://127.0.0.1:1/``);
``test_words_as_the_real_curl_reads_them`` asks it again when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.standins import curl

STATUS = "https://status.anthropic.com/api/v2/status.json"
# word -> curl 7.88.1's complaint (None: it takes the word)
SAID = {"--verb": None, "--sil": None, "--fail-w": None, "--max-t 5": None, "--no-silent": None, "--no-verbose": None,
        "--no-include": None, "--no-fail": None, "--no-fail-with-body": None, "--no-progress-meter": None,
        "--no-keepalive": None, "--no-sessionid": None, "--no-buffer": None, "--keepalive": None, "--buffer": None,
        "--progress-meter": None, "--no-remote-name": None, "--no-show-error": None, "--no-location": None,
        "--ver": "is ambiguous", "--s": "is ambiguous", "--max": "is ambiguous", "--hea": "is ambiguous",
        "--compress": "is ambiguous", "--prog": "is ambiguous", "--http1": "is ambiguous", "--remote-n": "is ambiguous",
        "--no-verb": "is unknown", "--no-sil": "is unknown", "--no-progress": "is unknown", "--no-keep": "is unknown",
        "--no-no-buffer": "is unknown", "--no-foo": "is unknown", "--verbose=1": "is unknown",
        "--max-time=5": "is unknown", "--silent=false": "is unknown",
        "--no-max-time": "used '--no-' for option that isn't a boolean",
        "--no-data": "used '--no-' for option that isn't a boolean",
        "--no-http2": "used '--no-' for option that isn't a boolean",
        "--no-ipv4": "used '--no-' for option that isn't a boolean"}


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(Path(tmp_path_factory.mktemp("curl-long")), "provider-outage")


@pytest.mark.parametrize("word", list(SAID))
def test_a_long_word_is_read_as_curl_reads_it(drill, word: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_one(drill, ["curl", "-s", *word.split(), "-o", "/dev/null", STATUS], 900.0)
    name = word.split()[0]
    if SAID[word] is None:
        assert "is unknown" not in err and "ambiguous" not in err and "boolean" not in err, (word, err)
    else:
        assert (code, err) == (2, f"curl: option {name}: {SAID[word]}{curl.TRY}\n"), word


def test_abbreviations_and_negations_act(drill) -> None:  # type: ignore[no-untyped-def]
    """``--verb`` is --verbose (refused by name, as -v is), ``--sil`` is -s, ``--no-silent`` after -s is as if
    neither were given, ``--no-verbose`` after -v leaves verbose off."""
    assert "does not simulate --verbose" in run_one(drill, ["curl", "--verb", STATUS], 900.0)[2]
    assert run_one(drill, ["curl", "--sil", STATUS], 900.0) == run_one(drill, ["curl", "-s", STATUS], 900.0)
    assert run_one(drill, ["curl", "-s", "--no-silent", STATUS], 900.0) == run_one(drill, ["curl", STATUS], 900.0)
    assert run_one(drill, ["curl", "-s", "-v", "--no-verbose", STATUS], 900.0) == run_one(
        drill, ["curl", "-s", STATUS], 900.0)
    assert run_one(drill, ["curl", "--progress-m", "--no-progress-meter", STATUS], 900.0)[2] == ""
    # a value that looks like an option is the value
    assert run_one(drill, ["curl", "-s", "-H", "--verb: x", STATUS], 900.0)[0] == 0
    # -- ends the options: what follows is a URL (curl 7.88 takes "-x" after it as a host it cannot resolve: 6)
    assert run_one(drill, ["curl", "-s", "--", STATUS], 900.0) == run_one(drill, ["curl", "-s", STATUS], 900.0)
    assert run_one(drill, ["curl", "-s", "--", "-x"], 900.0)[0] == 6


@pytest.mark.skipif(shutil.which("curl") is None or "7.88" not in subprocess.run(
    ["curl", "--version"], capture_output=True, text=True).stdout, reason="curl 7.88 is not installed")
@pytest.mark.parametrize("word", list(SAID))
def test_words_as_the_real_curl_reads_them(word: str) -> None:
    """The table above is curl 7.88.1's answer on this machine (a refused connection to 127.0.0.1:1 when it takes the
    word: exit 7)."""
    run = subprocess.run(["curl", "-s", *word.split(), "--connect-timeout", "1", "-o", "/dev/null",
                          "http://127.0.0.1:1/"], capture_output=True, text=True, timeout=10)
    if SAID[word] is None:
        assert run.returncode == 7 and "curl: option" not in run.stderr, (word, run.stderr)
    else:
        assert (run.returncode, run.stderr.splitlines()[0]) == (2, f"curl: option {word.split()[0]}: {SAID[word]}")
