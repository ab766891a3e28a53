"""The stand-ins' promise, attacked: ANY command line gets the tool's answer or the tool's error.

A facilitator types anything during a drill. Starting from the real command lines of the golden
corpus (``tests/fixtures/drill/standins-golden.json``, collected by ``standins_corpus``), each
example mutates one or two of them (tokens dropped, duplicated or swapped; an option value or an
argument replaced by a hostile value; unknown flags added) and runs them in order on a fresh drill,
then one unmutated corpus command, so a change a bad command made (``--replicas=1e20``) is looked
at afterwards the way the next runbook command would look at it. Each run goes through
``run_tool``, the entry the ``bin/standin`` script uses: a ``ToolError`` is an answer, anything else
escaping is a traceback the facilitator would see. Hangs are not guarded by a timer here: the
stand-ins bound what a command can ask the drill to build, so a hang would show as a stuck test.

Deterministic (``derandomize``): the same examples every run; a failure prints the command line.
"""

from __future__ import annotations

import json
import shlex
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.standins_corpus import GOLDEN, SCENARIOS, SPEED, START, pristine, run_one
from warroom.drill.directory import create_drill
from warroom.drill.standins import TOOLS

COMMANDS: list[list[str]] = [shlex.split(c) for c in json.loads(GOLDEN.read_text(encoding="utf-8"))["commands"]]
BY_TOOL = {tool: [c for c in COMMANDS if c[0] == tool] for tool in TOOLS}
# every option the corpus uses, per tool: the flags a mutation adds with a hostile value
OPTIONS = {tool: sorted({w.split("=", 1)[0] for c in cmds for w in c[1:] if w.startswith("-") and w != "-"})
           for tool, cmds in BY_TOOL.items()}
HUGE = "9" * 25
HOSTILE = st.sampled_from([
    # numbers and durations
    "", "-", "--", "=", "0", "-1", "-0", HUGE, "-" + HUGE, "1e400", "NaN", "nan", "inf", "-inf", "0x1f", "1.5",
    "5m", "-5m", "0s", f"{HUGE}h", "1h2",
    # text, quotes, sizes
    "🔥", "ünï", "日本語", "\u202e", "'", '"', "`", "\\", "\\q", "a=b", "a==b", "x" * 4000, "%s%n%x",
    # JSON / YAML / patches
    "{", "}", "[", "]", "null", "[1,2", '{"spec":', '{"spec":{"replicas":' + HUGE + "}}", '{"spec":{"replicas":-3}}',
    '[{"op":"replace","path":"/spec/replicas","value":"x"}]', '{"data":{"k":[1]}}', "a: [b", "- x\n -y", "---\n",
    "&a [*a]", "[" * 3000,
    # jsonpath, output formats
    "{.items[*", "{.items[999999].x}", "{range .items[*]}{.x}", "{.a\\q}", "{.a[-1:0:0]}", "$..", "{@}",
    "{.items[?(@.x==)]}", "{.kind * 99}", "jsonpath={", "jsonpath={.x", "go-template={{", "custom-columns=",
    "custom-columns=A:", "json", "yaml", "wide", "name",
    # PromQL, SQL
    "rate(x[5m", "sum by (", "1/0", 'x{a=~"("}', "SELECT", "SELECT 1/0;", "';DROP TABLE x;--",
    "SELECT * FROM flows WHERE",
    # paths, names, URLs, selectors
    "../x", "/dev/zero", "/dev/null", "/etc", "*", "?", "pod/", "deploy/", "/", "a/b/c", "nodes", "all", "s3://",
    "s3:///", "s3://x/../y", "http://", "http://[::1", "https://:0/", "http://localhost:99999/", ":", "::", "@", "@-",
    "-X", "app=", "app!=x,", "!x", "a in (b", "metadata.name=",
])
# no absolute paths from generated text: ``curl -o /x`` would write outside the example's directory
TEXT = st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=30).map(lambda s: s.lstrip("/"))
VALUE = HOSTILE | TEXT | st.integers().map(str) | st.floats().map(str)


@st.composite
def mutated(draw: st.DrawFn, tool: str) -> list[str]:
    """One corpus command of ``tool`` with one to three mutations (the tool name itself stays)."""
    argv = list(draw(st.sampled_from(BY_TOOL[tool])))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(1, len(argv)))          # len(argv) means "at the end"
        op = draw(st.sampled_from(("drop", "dup", "swap", "value", "flag", "unknown", "insert")))
        word = argv[i] if i < len(argv) else None
        if op == "drop" and word is not None:
            del argv[i]
        elif op == "dup" and word is not None:
            argv.insert(i, word)
        elif op == "swap" and len(argv) > 2 and word is not None:
            j = draw(st.integers(1, len(argv) - 1))
            argv[i], argv[j] = argv[j], argv[i]
        elif op == "value" and word is not None:
            name, eq, _ = word.partition("=")
            argv[i] = f"{name}={draw(VALUE)}" if eq and draw(st.booleans()) else draw(VALUE)   # --opt=, KEY=
        elif op == "flag" and OPTIONS[tool]:
            flag = draw(st.sampled_from(OPTIONS[tool]))
            argv[i:i] = [f"{flag}={draw(VALUE)}"] if draw(st.booleans()) else [flag, draw(VALUE)]
        elif op == "unknown":
            argv.insert(i, draw(st.sampled_from(("--bogus", "--bogus=1", "-Z", "-zZ", "--no-such-flag=x", "---x"))))
        else:
            argv.insert(i, draw(VALUE))
    return argv


def silent_by_design(argv: list[str]) -> bool:
    """The failures the real tools report with no message: ``curl -s`` without ``-S`` (also run in a
    pod by ``kubectl exec``), and ``aws s3 ls`` when nothing matches (exit 1, nothing printed)."""
    if argv[:3] == ["aws", "s3", "ls"]:
        return True
    if "curl" not in argv:
        return False
    shorts = "".join(w[1:] for w in argv[argv.index("curl") + 1:] if w.startswith("-") and not w.startswith("--"))
    return ("s" in shorts or "--silent" in argv) and "S" not in shorts and "--show-error" not in argv


@pytest.fixture(scope="module")
def drills() -> Iterator[Iterator[Path]]:
    """A fresh directory per example (a drill is a few small files; creating one costs milliseconds)."""
    with tempfile.TemporaryDirectory(prefix="warroom-fuzz-") as root:
        yield (Path(root) / str(n) for n in range(10**9))


def answer_checked(drill: object, argv: list[str], t: float) -> None:
    # here, not in ``attack``: its source seeds the examples. Each example's drill is fresh (its own directory, record
    # and simulator); the world before any action it starts from is its scenario's one, read once (``pristine``)
    pristine(drill)  # type: ignore[arg-type]
    code, _out, err = run_one(drill, argv, t)  # type: ignore[arg-type]
    shown = shlex.join(argv)
    assert type(code) is int and 0 <= code <= 255, f"exit code {code!r} from: {shown}"
    assert code == 0 or err.strip() or silent_by_design(argv), f"exit {code} with nothing on stderr from: {shown}"


# kubectl is most of the corpus and the richest parser; the others are smaller
EXAMPLES = {"kubectl": 240, "blocks": 80, "psql": 60, "aws": 60, "curl": 60}


@pytest.mark.parametrize("tool", TOOLS)
def test_any_command_line_gets_an_answer_or_the_tools_error(tool: str, drills: Iterator[Path],
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)             # ``curl -o NAME``, ``-w @NAME``: relative paths land here
    @settings(max_examples=EXAMPLES[tool], derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(first=mutated(tool), second=mutated(tool), follow=st.sampled_from(COMMANDS),
           scenario=st.sampled_from(SCENARIOS), t=st.sampled_from((60.0, 600.0, 1500.0)))
    def attack(first: list[str], second: list[str], follow: list[str], scenario: str, t: float) -> None:
        directory = next(drills)
        drill = create_drill(directory, scenario, speed=SPEED, start=START, name="fuzz")
        for argv in (first, second, follow):
            answer_checked(drill, argv, t)

    attack()


# Each line once crashed, hung or ate all memory (found by this file's attack and by hand): the
# exit code each answers with now (0: ``--start-time`` in the future finds no events, as AWS says; two
# jsonpath paths are fields no object has: kubectl prints nothing, exit 0).
FOUND = {
    "kubectl get pods -n production -o 'jsonpath={.items[0]&x}'": 1,
    "kubectl get pods -n production -o 'jsonpath={.items.`sorted`}'": 0,     # kubectl: a field named `sorted`
    "kubectl get pods -n production -o 'jsonpath={.items[/metadata]}'": 1,
    "kubectl get pods -n production -o 'jsonpath={.items[*].metadata.name.`sub(/(/, x)`}'": 1,
    "kubectl get pods -n production -o 'jsonpath={.items[*].metadata.name.`split(,)`}'": 1,
    "kubectl get pods -n production -o 'jsonpath={.items[?(@.metadata.name =~ \"(\")]}'": 1,
    "kubectl get pods -n production -o 'jsonpath={.kind * 99999999999}'": 1,
    "kubectl get pods -n production -o 'jsonpath={" + ".a" * 20000 + "}'": 0,     # kubectl: no such key
    "kubectl apply -f /dev/zero": 1,
    "kubectl apply -f DEEP": 1,
    "kubectl patch deploy flowengine -n production -p '" + "[" * 100000 + "'": 1,
    "kubectl patch deploy flowengine -n production -p 'spec: &a {x: *a}'": 1,
    "aws logs filter-log-events --log-group-name /aws/lambda/flowengine --start-time " + HUGE: 0,
    "psql -f /dev/zero": 1,
    "curl -w @/dev/zero https://api.anthropic.com": 27,
    "blocks status": 2,
    "blocks circuit-breaker": 2,
}


@pytest.mark.parametrize("line", FOUND, ids=lambda line: line[:60])
def test_each_line_that_once_broke_a_stand_in_answers(line: str, tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100000)              # nesting deeper than a recursive parser goes
    argv = [str(deep) if w == "DEEP" else w for w in shlex.split(line)]
    drill = pristine(create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="found"))
    code, _out, err = run_one(drill, argv, 600.0)
    assert code == FOUND[line] and bool(err.strip()) == bool(code), f"{line[:200]}: {code} {err[:200]!r}"
