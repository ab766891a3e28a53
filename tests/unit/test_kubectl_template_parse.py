"""The drill's ``kubectl -o jsonpath=TPL`` against Debian's real kubectl: exit code, stdout, stderr's error line.

redteam41 X1 / attack41 A1: the stand-in read templates with a brace/quote check in front of jsonpath-ng, so it
answered exit 0 to templates kubectl refuses at parse (``{.metadata[x]}``, ``{"\\q"}``, ``{.a,b}``, a newline in an
action), printed the value of a brace-less path where kubectl prints the text, stripped quotes and spaces, refused
``{1}``, ``{@}``, ``}`` that kubectl answers, and said most parse errors in the executing error's words. It now
parses as client-go's util/jsonpath does (warroom/drill/standins/jsonpath.py); this table is the measure.

kubectl's answers are recorded in tests/fixtures/drill/kubectl-jsonpath-real.json by
``python -m tests.unit.test_kubectl_template_parse`` (kubectl's ``--dry-run=client`` needs no server: the parse
and the evaluation are the same code as against a cluster). Two objects: a Secret, asked with the same argv of
the stand-in (its whole answer, error wording and all), and a Deployment (lists: indices, slices, filters,
ranges), whose ``-o json`` the stand-in's jsonpath reads with kubectl's numbers (a typed object's JSON: float64).
Re-asking kubectl for every row costs ~60 ms each, so the live check re-asks a few; regenerate to re-ask all.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill
from warroom.drill.standins.jsonpath import JSONPathError, jsonpath

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drill" / "kubectl-jsonpath-real.json"
OBJECTS = {"secret": ["create", "secret", "generic", "x", "--from-literal=a=b"],
           "deployment": ["create", "deployment", "web", "--image=nginx:1", "--image=redis", "--replicas=2"]}
TAIL = ["-n", "production", "--dry-run=client"]
# -o values asked of the Secret: the parse (every refusal kubectl's parser has), text outside actions, literals
SECRET = [f"jsonpath={t}" for t in [
    # redteam41 X1 and the templates of stop 41
    "{.spec.replicas", "{.items[*", "{.items[*].metadata.name", "abc{.metadata.name}{", '{.metadata.name}{"\\n"',
    '{"abc}', "{{.metadata.name}}", "x{", "{.items[?(@.x==1}", "{.metadata.name}}", '{.metadata.name}{"\\n"}',
    "{.metadata.labels['app']}",
    # attack41 A1
    "{.metadata[x]}", '{.a["b"]}', '{.metadata.name}{"\\q"}', "{.a[?(@.b && @.c)]}", "{.a,b}", "{.metadata.name\n}",
    "{\n}", ".metadata.name", "'{.metadata.name}'", " {.metadata.name}", "{1}", "{+1}", "{@}", "{.kind.}", "}",
    "{!}", "{*}", "{#}", "{-}", "{.a[1:2:3:4]}", "{.a | x}", '{.a[?(@.b=~"x")]}', '{.a[?(@.b=="x\\")]}', "{'abc}",
    "{abc}", "{.a b}",
    # attack41's "holds": still kubectl's
    "{.metadata.name }", "{ .metadata.name}", "{.metadata..name}", "{.}", "{$}", "{.items[0:}", "{.a.b-c}",
    "{.a['b'}", '{"\\t"}', "{'\\''}", "{.a{}", "{}", "{{}", "{.kind}}",
    # more of the grammar: numbers, bools, escapes, identifiers, recursion, wildcards over a string's bytes
    "{.metadata.creationTimestamp}", "{true}{false}", "{1000000.0}{1.50}{-0}", "{1.2.3}", "{.kind.*}", "{.kind[0]}",
    "{.metadata[?(@.a)]}", "{.data[]}", "{.data.*}", '{"\\x41\\101\\u00e9"}', '{"a\\\\"}', '{"\\u00e9\\"}',
    '{.metadata}{"<&>"}', "{.me\\tadata}", "{\t}", "{....name}", "{.metadata['name','namespace']}", "{range}",
    "{range .data.*}[{@}]{end}", "{range .data.*}[{@}]", "{end}", "{.metadata.name==1}", "{.a[?(@.b)]x}",
    "{.metadata.name\r}", "{.kind}\n{.metadata.name}", "{.metadata.name[0]}\n", "{1[*]}",
]] + ["jsonpath=", "jsonpath", 'jsonpath-as-json={.metadata.name}{"a"}{.data}x{.nope}']
# asked of the Deployment: evaluation over lists
C = "{.spec.template.spec.containers"
DEPLOYMENT = [f"jsonpath={t}" for t in [
    "{.spec.replicas}", f"{C}[*].name}}", f"{C}[0].image}}", f"{C}[-1].image}}", f"{C}[5].image}}", f"{C}[-3]}}",
    f"{C}[1:].name}}", f"{C}[:1].name}}", f"{C}[::2].name}}", f"{C}[0:2:0]}}", f"{C}[1:0]}}", f"{C}[1:1]}}",
    f"{C}[0,1].name}}", f"{C}[*]['name','image']}}", f'{C}[?(@.name=="redis")].image}}', f"{C}[?(@.image)].name}}",
    f'{C}[?(@.name>"n")].name}}', f"{C}[?(@.name==1)]}}", f"{C}[?(@.x==1)]}}", f"{C}[?(@.name[0])].name}}",
    f"{C}[?(@.name<=true)]}}", f'{C}[?(@.name=<"z")]}}', f'{C}[?(@.*=="x")]}}', "{.spec.replicas[?(@.a)]}",
    "{.spec[?(@.a)]}", "{..image}", "{.spec.template.spec..name}",
    f'{{range {C[1:]}[*]}}{{.name}}={{.image}}{{"\\n"}}{{end}}',
    f"{{range {C[1:]}[*]}}{{range .resources}}x{{end}}{{.name}}{{end}}", "{range .status.x[*]}{.a}{end}",
    f"{C}[*].resources}}", f"{C}}}",
]]
LIVE = {"jsonpath={.spec.replicas", "jsonpath={.metadata[x]}", 'jsonpath={.metadata.name}{"\\q"}', "jsonpath={1}",
        "jsonpath={abc}", "jsonpath=.metadata.name", "jsonpath={.a,b}", f"jsonpath={C}[5].image}}",
        f'jsonpath={{range {C[1:]}[*]}}{{.name}}={{.image}}{{"\\n"}}{{end}}'}


def kubectl(obj: str, output: str) -> list[object]:
    """Real kubectl's (exit code, stdout, first stderr line) for ``-o OUTPUT`` on ``obj``."""
    real = subprocess.run(["kubectl", *OBJECTS[obj], *TAIL, "-o", output], capture_output=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})      # bytes: a "\r" is not a line's end
    return [real.returncode, real.stdout.decode(), real.stderr.decode().split("\n")[0]]


@pytest.fixture(scope="module")
def recorded() -> dict[str, object]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_the_table_is_the_one_recorded(recorded: dict[str, object]) -> None:
    answers = recorded["answers"]
    assert isinstance(answers, dict)
    assert list(answers) == ["secret", "deployment"]
    assert (list(answers["secret"]), list(answers["deployment"])) == (SECRET, DEPLOYMENT), \
        "the table changed: python -m tests.unit.test_kubectl_template_parse records kubectl's answers"


def test_the_standin_answers_the_secret_as_kubectl_did(recorded: dict[str, object], tmp_path: Path) -> None:
    """The same argv, asked of the stand-in in-process: a parse error in kubectl's words, the executing error's
    first line, the text printed (a template kubectl cannot parse prints nothing and exits 1)."""
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="jsonpath")
    differ = []
    for output, want in recorded["answers"]["secret"].items():     # type: ignore[index]
        code, out, err = run_one(drill, ["kubectl", *OBJECTS["secret"], *TAIL, "-o", output], 300.0)
        if [code, out, err.split("\n")[0]] != want:
            differ.append((output, want, [code, out, err.split("\n")[0]]))
    assert not differ, "\n".join(map(repr, differ))


def test_the_standins_jsonpath_reads_the_deployment_as_kubectl_did(recorded: dict[str, object]) -> None:
    """kubectl's Deployment (numbers as a typed object's JSON gives them: float64) through the stand-in's jsonpath:
    the text printed, or the reason in kubectl's error line."""
    data = json.loads(json.dumps(recorded["deployment"]), parse_int=float)
    differ = []
    for output, (code, out, err) in recorded["answers"]["deployment"].items():     # type: ignore[index]
        try:
            got = [0, jsonpath(output.partition("=")[2], data), ""]
        except JSONPathError as exc:
            got = [1, "", str(exc)]
        why = re.sub(r"^error: error (parsing jsonpath .*?, |executing jsonpath .*?: Error executing template: )"
                     r"|\. Printing more information for debugging the template:$", "", str(err))
        if got != [code, out, why]:
            differ.append((output, [code, out, why], got))
    assert not differ, "\n".join(map(repr, differ))


def test_a_number_in_a_filter_compares_with_a_servers_whole_numbers() -> None:
    """An object from a server holds int64s (the dry-run's typed object float64s, so the table cannot show it):
    Go compares them with a template's int, and a float with neither."""
    data = {"a": [{"n": 1}, {"n": 2}, {"n": 2.5}]}
    assert jsonpath("{.a[?(@.n>1)].n}", {"a": data["a"][:2]}) == "2"
    with pytest.raises(JSONPathError, match="incompatible types for comparison"):
        jsonpath("{.a[?(@.n>1)].n}", data)


def test_kubectl_still_answers_as_recorded(recorded: dict[str, object]) -> None:
    """A few rows re-asked of the installed kubectl (every one: regenerate), so a kubectl upgrade that answers
    otherwise is seen."""
    if shutil.which("kubectl") != "/usr/bin/kubectl":
        pytest.skip("kubectl not installed (Debian package kubectl; .ci/run installs it)")
    answers = recorded["answers"]
    for obj, output in [(obj, o) for obj in OBJECTS for o in answers[obj] if o in LIVE]:    # type: ignore[index]
        assert kubectl(obj, output) == answers[obj][output], output                      # type: ignore[index]


if __name__ == "__main__":
    version = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True, check=True)
    FIXTURE.write_text(json.dumps({
        "kubectl": version.stdout.split("\n")[0],
        "deployment": json.loads(kubectl("deployment", "json")[1]),        # type: ignore[arg-type]
        "answers": {obj: {o: kubectl(obj, o) for o in table} for obj, table in
                    (("secret", SECRET), ("deployment", DEPLOYMENT))}}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8")
    print(f"wrote {FIXTURE}")


def test_ranges_nested_past_pythons_stack_answer_as_kubectl() -> None:
    """attack42 A6: 1500 nested ``{range}`` crashed the stand-in with a RecursionError traceback (one Python call
    per range); kubectl v1.32.4 prints ``Secret`` for the first and nothing, exit 0, for the second."""
    deep = "{range @}" * 1500
    assert jsonpath(deep + "{.kind}" + "{end}" * 1500, {"kind": "Secret"}) == "Secret"
    assert jsonpath("{range .data.*}" + deep + "{end}" * 1501, {"data": {"a": "Yg=="}}) == ""


def test_no_traceback_reaches_the_commander_from_a_stand_in(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """What still nests past Python's stack (a filter inside a filter, ...) is a drill error naming the limit."""
    from warroom.drill.standins import base

    def too_deep(ctx: object) -> int:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(base.Context, "from_env", classmethod(lambda cls, tool, argv: SimpleNamespace(
        t=0, at=0, pinned=False, drill=SimpleNamespace(scenario_time=lambda wall: 0.0))))
    monkeypatch.setattr(base, "_answer", too_deep)
    assert base.main("kubectl", ["get", "pods"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kubectl: drill: ") and "Traceback" not in err and f"{sys.getrecursionlimit()}" in err
