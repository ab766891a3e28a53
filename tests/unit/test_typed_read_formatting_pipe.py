"""A read typed in the drill shell with a filter that only formats what it printed (fix47credit: RB-CORE-004's
``aws logs … | jq -r '.events[].message'`` stayed "typed by hand, not checked"): the stand-in's own record of the read
holds its exit code, which is the step's outcome when everything after it in its one pipeline only formats or selects
(``formatting.FILTERS``: each filter given only options known to reshape its output, attack48 Z2). A filter cannot
make a failed read succeed (a call that exited 1 credits nothing), and what
runs or writes (``| sh``, ``| xargs …``, ``| tee f``, ``> f``), a list (``&&``), a ``grep`` last (its exit code is the
verdict) or ``jq -e`` is no formatting: still "typed by hand, not checked"."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.incident.by_hand import Call, Hands, Typed
from warroom.incident.standin_calls import _read
from warroom.incident.formatting import FILTERS
from warroom.runbook.parser import parse_runbook

START = 1_790_000_000.0


def _credit(command: str, code: int = 0, argv: tuple[str, ...] = ("get", "pods", "-n", "production")) -> str | None:
    book = parse_runbook(f"# RB-TEST-001 Reads\n\n## Triage\n\n```bash\n# Read the pods\n{command}\n```\n")
    call = Call(START + 100, 200.0, "kubectl", argv, code, "")
    hand = Hands(Typed((call,), 100.0, START + 1000)).steps(book, lambda _sid: True, {}, [], {}).get(book.steps[0].id)
    return None if hand is None else hand.state


DONE = "done by hand at +1m40s (drill shell)"
NOT_CHECKED = "typed by hand at +1m40s (drill shell), not checked"


@pytest.mark.parametrize(("tail", "said"), [
    ("", DONE),
    (" | jq -r '.items[].metadata.name'", NOT_CHECKED),      # a table into jq: a parse error, exit 2 (attack48 Z2)
    (" | grep ERROR | sort | uniq -c | sort -rn | head -10", DONE),
    (" | tail -20", DONE),
    (" | wc -l", DONE),
    (" | grep redis", NOT_CHECKED),              # grep last: no match fails the step, the record cannot say
    (" | jq -e '.items | length > 0'", NOT_CHECKED),
    (" | jq -re .kind", NOT_CHECKED),
    # what writes or runs is a change (the classifier's): credited only from an action it recorded, never typed
    (" | sort -o /tmp/pods", None),
    (" | tee /tmp/pods", None),
    (" | jq . > /tmp/pods", None),
    (" | sh", None),
    (" | bash", None),
    (" | awk '{print $1}'", NOT_CHECKED),
    (" && echo pods listed", NOT_CHECKED),
    (" | grep -wF Running && echo healthy", NOT_CHECKED),
])
def test_a_formatting_filter_after_a_read_leaves_it_judged_by_its_own_record(tail: str, said: str | None) -> None:
    assert _credit(f"kubectl get pods -n production{tail}") == said


def test_a_filter_cannot_make_a_failed_read_succeed_nor_run_a_stand_in() -> None:
    assert _credit("kubectl get pods -n production | jq -r .kind", code=1) is None
    assert _credit("kubectl get pods -n production | xargs kubectl delete") is None


def test_jq_after_a_read_that_prints_json_is_formatting() -> None:
    argv = ("get", "pods", "-n", "production", "-o", "json")
    assert _credit("kubectl get pods -n production -o json | jq -r '.items[].metadata.name'", argv=argv) == DONE


@pytest.mark.parametrize("tail", [
    # attack48 Z2: filters credited by their names alone. A verdict on the output (exit 1 when unsorted, jq's own
    # error), a file written (sort's abbreviated --output, uniq's second operand, less's log), another input read, a
    # program run, a filter that never ends, an option jq does not have, a value the last filter refuses
    " | sort -c", " | sort --check", " | grep x | sort -c", " | sort --out=/tmp/x", " | sort --o=/tmp/x",
    " | uniq - /tmp/x", " | uniq -c - out.txt", " | less -o /tmp/x", " | less --log-file=/tmp/x",
    " | head -n1 /etc/passwd", " | cat /etc/hostname", " | sort --compress-program=sh", " | tail -f",
    " | sort -T /tmp", " | head -n x", " | cut -d,", " | jq --exit .",
])
def test_a_filter_given_what_is_not_known_to_only_reshape_its_output_is_no_formatting(tail: str) -> None:
    assert _credit(f"kubectl get pods -n production{tail}") != DONE


@pytest.mark.parametrize("program", ["halt_error", 'error("none")', "input", "$ENV.HOME", '"\\(halt_error)"',
                                     "env.HOME", "debug", "recurse(.[])", "def f: f; f", "input_filename"])
def test_a_jq_program_that_may_fail_halt_or_read_elsewhere_is_no_formatting(program: str) -> None:
    argv = ("get", "pods", "-n", "production", "-o", "json")
    assert _credit(f"kubectl get pods -n production -o json | jq '{program}'", argv=argv) != DONE


_JSON = '{"items": [{"metadata": {"name": "a-1"}, "status": {"phase": "Running"}}]}'
_OPTIONS = ["-c", "-C", "--check", "-o", "-oout.txt", "--out=out.txt", "--o=out.txt", "--output=out.txt", "-n", "-n1",
            "-n", "x", "-r", "-rn", "-e", "-q", "-f", "-F", "--follow", "-u", "-k2", "-kx", "-t=", "-s", "-d,", "-f1",
            "-l", "-w", "-i", "-v", "-20", "--log-file=out.txt", "-T", "/tmp", "--exit-status", "--exit", "-R",
            "--compress-program=sh", "-m1", "--", "-S", "-j", "-M", "-x", "-p", "--indent", "9", "-", "out.txt", "a",
            "--lines=2", "--files0-from=out.txt", "-Lout.txt", "--pid=1", "-z", "--random-source=out.txt"]
_PROGRAMS = [".", ".items[].metadata.name", "halt_error", 'error("no")', "input", "$ENV.HOME", ".items | length",
             "[.items[] | .metadata.name] | join(\",\")", "{items}", '"\\(halt_error)"', "env.HOME", "keys",
             "debug", ".items[] | select(.status.phase == \"Running\") | .metadata.name", "halt", "1e3"]


@settings(max_examples=60, deadline=None)
@given(st.booleans(), st.lists(st.tuples(st.sampled_from(sorted(FILTERS)), st.lists(st.sampled_from(_OPTIONS),
                                                                                   max_size=3),
                                         st.sampled_from(_PROGRAMS)), min_size=1, max_size=3))
def test_red_team_every_pipe_called_formatting_only_reshapes_what_the_read_printed(
        as_json: bool, filters: list[tuple[str, list[str], str]]) -> None:
    """A property over pipelines of the filters' real options (and some they must not be given): every one
    ``_formats`` takes as only formatting, run for real on what the read would print (JSON when asked ``-o json``,
    else a table), exits 0, writes no file and ends. Red before attack48 Z2's fix (``sort -c``, ``sort --out=F``,
    ``uniq - F``, ``jq halt_error``, a table into jq were all "formatting")."""
    words = [" ".join([name, *opts, *([shlex.quote(program)] if name == "jq" else [])])
             for name, opts, program in filters]
    read = "kubectl get pods -n production" + (" -o json" if as_json else "")
    command = " | ".join([read, *words])
    calls = _read(command)
    if calls is None or calls[1]:
        return                          # not taken as formatting: "typed by hand, not checked" (or none of it)
    printed = _JSON if as_json else "NAME   READY   STATUS\na-1    1/1     Running\n"
    with tempfile.TemporaryDirectory() as here:
        done = subprocess.run(["bash", "-c", command.replace(read, f"printf %s {shlex.quote(printed)}", 1)],
                              cwd=here, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=5,
                              env={"PATH": os.environ["PATH"], "HOME": here, "LC_ALL": "C"})
        assert done.returncode == 0 and not os.listdir(here), (command, done.returncode, done.stderr)
