"""A formatting filter is credited only when it cannot fail on what the read printed by its own options (attack49 F1).

Each pipe below exits non-zero run for real while the read exited 0, and was credited "done by hand" from the read's
record: jq fed no JSON (``curl -i``/``-w``, kubectl's last ``-o`` wins, ``jq -C`` colour), a jq program failing on a
constant (``"x"|tonumber``), ``@csv`` of the read's objects, an endless ``range``, values of the allowed shape the
filter refuses (``sort -k0``, ``cut -f0``, ``cut -f3-1``, ``fold -w0``, ``head -n`` past 2^63). And harmless common
ones were refused: jq interpolation and variables, a read quieted with ``2>/dev/null``, a stand-in's name in a grep
pattern. Pure functions on a parsed runbook: no drill, no process.
"""

from __future__ import annotations

import shlex

import pytest

from warroom.incident.by_hand import Call, Hands, Typed
from warroom.runbook.parser import parse_runbook

START = 1_790_000_000.0
DONE = "done by hand at +1m40s (drill shell)"
NOT_CHECKED = "typed by hand at +1m40s (drill shell), not checked"
URL = "https://status.openai.com/api/v2/status.json"
PODS = "kubectl get pods -n production"


def _credit(command: str) -> str | None:
    """The step ``command``'s credit from its read's record (exit 0), its argv as the stand-in recorded it."""
    read = shlex.split(command.split("|")[0].replace("2>/dev/null", ""))
    book = parse_runbook(f"# RB-TEST-001 Reads\n\n## Triage\n\n```bash\n# Read\n{command}\n```\n")
    call = Call(START + 100, 200.0, read[0], tuple(read[1:]), 0, "")
    hand = Hands(Typed((call,), 100.0, START + 1000)).steps(book, lambda _sid: True, {}, [], {}).get(book.steps[0].id)
    return None if hand is None else hand.state


@pytest.mark.parametrize("command", [
    f"curl -si {URL} | jq -r '.status.indicator'",
    f"curl -sI {URL} | jq -r '.status.indicator'",
    f"curl -s -D - {URL} | jq -r '.status.indicator'",
    f"curl -s -w '%{{http_code}}' {URL} | jq -r '.status.indicator'",
    f"{PODS} -o json -o wide | jq .items",
    f"{PODS} -o json --output=name | jq .items",
    "aws help | jq .",
    f"{PODS} -o json | jq -C . | jq -r .kind",
    f"{PODS} -o json | jq --color-output . | jq -r .kind",
    f"{PODS} -o json | jq 'if (.items|length) > 0 then (\"verdict\"|tonumber) else . end'",
    f"{PODS} -o json | jq 'null | keys'",
    f"{PODS} -o json | jq '{{}} | .[0]'",
    f"{PODS} -o json | jq '.items[] | @csv'",
    f"{PODS} -o json | jq '[range(100000000000)] | length'",
    f"{PODS} -o json | jq '.items as $n | $ENV'",
    f"{PODS} -o json | jq '$undefined'",
    f"{PODS} | sort -k0", f"{PODS} | sort -k1.0", f"{PODS} | cut -f0", f"{PODS} | cut -c0-2", f"{PODS} | cut -f3-1",
    f"{PODS} | fold -w0", f"{PODS} | head -n 99999999999999999999999",
    f"{PODS} >/dev/null | head", f"{PODS} 2>/tmp/x | head",
])
def test_a_pipe_that_fails_while_the_read_exited_0_is_not_credited(command: str) -> None:
    assert _credit(command) in (NOT_CHECKED, None), command


@pytest.mark.parametrize("command", [
    f"curl -s {URL} | jq -r '.status.indicator'",
    f"{PODS} -o wide -o json | jq .items",
    f"{PODS} -o json | jq -r '.items[] | \"\\(.metadata.name) \\(.status.phase)\"'",
    f"{PODS} -o json | jq -r '.items[] | [.metadata.name, .status.phase] | @tsv'",
    f"{PODS} -o json | jq '.items as $n | $n | length'",
    f"{PODS} -o json | jq 'reduce .items[] as $i (0; . + 1)'",
    f"{PODS} -o json | jq '[range(5)]'",
    f"{PODS} 2>/dev/null | head",
    "kubectl logs deploy/flowengine -n production --tail=200 | grep -i aws | head",
    "kubectl logs deploy/flowengine -n production --tail=200 | grep -i 'psql' | tail -5",
    f"{PODS} | sort -k2,2", f"{PODS} | cut -f1-3,5", f"{PODS} | cut -c-5", f"{PODS} | fold -w80", f"{PODS} | head -n 0",
])
def test_a_harmless_formatting_pipe_is_credited(command: str) -> None:
    assert _credit(command) == DONE, command
