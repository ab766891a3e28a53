"""The built-in redaction rules' regexes are compiled when a rule first runs (``redact_rules.Deferred``), not when the
rules are imported: importing them is what every journaling command and step supervisor pays. Every one of them still
compiles, and a rule runs the same compiled or deferred."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import subprocess_env
from warroom.execute.redact import Redactor
from warroom.execute.redact_rules import BUILTIN_RULES, PII_RULES, Deferred

PROBE = """
import json, re._compiler as compiler
compiled = []
real = compiler.compile
def counting(p, flags=0):
    compiled.append(p if isinstance(p, str) else p.decode("latin-1"))
    return real(p, flags)
compiler.compile = counting
from warroom.execute import redact
before = len(compiled)
redactor = redact.Redactor()
out = redactor.redact_bytes(b"GET /healthz 200 ok\\nquota 42%\\n")
print(json.dumps([before, compiled[before:], out.decode()]))
"""


def test_importing_the_rules_compiles_none_of_them() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                          env=subprocess_env())
    assert proc.returncode == 0, proc.stderr
    at_import, on_plain_text, out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == "GET /healthz 200 ok\nquota 42%\n"
    rules = {r.regex.pattern.decode("latin-1") for r in BUILTIN_RULES + PII_RULES}
    # text holding no rule's trigger (nor passing a precheck) runs, and so compiles, none of them
    assert not rules & set(on_plain_text), sorted(rules & set(on_plain_text))
    assert at_import < 40, at_import        # the module-level patterns of redact and its imports, not ~50 rules more


def test_every_builtin_rule_compiles_and_finds_what_it_did() -> None:
    for rule in BUILTIN_RULES + PII_RULES:
        assert isinstance(rule.regex, Deferred)
        assert rule.regex.compiled.pattern == rule.regex.pattern
        assert rule.regex == Deferred(rule.regex.pattern) and hash(rule.regex) == hash(Deferred(rule.regex.pattern))
        text = b"x " + rule.regex.pattern[:3] + b" y"
        assert [m.span() for m in rule.regex.finditer(text)] == [m.span() for m in re.finditer(rule.regex.pattern,
                                                                                                text)]
    secret = b"export TOKEN=ghp_" + b"a" * 36 + b"\ncurl -H 'Authorization: Bearer abcdefgh12345678'\n"
    redacted = Redactor().redact_bytes(secret)
    assert b"ghp_aaaa" not in redacted and b"abcdefgh12345678" not in redacted
