"""Red team: a parameter value never becomes code, whatever context its placeholder sits in.

Every context × value is rendered by the real substitution (``warroom.runbook.params.substitute``,
once as a default parameter and once as one that declares a catch-all pattern) and, unless the
value is refused with a ParamError naming the parameter, run through ``bash -c`` with an
environment that holds a booby-trapped variable (``EVIL='a[$(touch CANARY)]'``: naming it in
arithmetic would run it). The canary file must never appear. A fixed matrix covers every context
with every attack; hypothesis then composes attacks and arbitrary text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.runbook.params import ParamError, substitute

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")

#: Where a placeholder can sit. C is replaced by the canary path.
CONTEXTS = [
    "echo $(( {{p}} + 1 ))",
    "(( {{p}} > 0 )) && echo big",
    "echo $[ {{p}} ]",
    "bash -c 'echo $(( {{p}} ))'",
    "[[ {{p}} -eq 1 ]] && echo one",
    "declare -i n={{p}}; echo $n",
    "echo ${EVILS[{{p}}]}",
    "sh -c 'echo {{p}}'",
    "bash -c \"echo {{p}}\"",
    "bash -c 'echo \"{{p}}\"'",
    "bash <<EOF\necho {{p}}\nEOF",
    "bash <<'EOF'\necho {{p}}\nEOF",
    "eval \"echo {{p}}\"",
    "eval echo {{p}}",
    "awk 'BEGIN{print \"{{p}}\"}'",
    "awk 'BEGIN{x={{p}}; print x}'",
    "echo x | xargs -I{} sh -c 'echo {} {{p}}'",
    "xargs sh -c 'echo {{p}}' <<< x",
    "echo {{p}}",
    "echo \"{{p}}\"",
    "echo '{{p}}'",
    "printf '%s\\n' pre{{p}}post",
    "X={{p}}; echo $X",
    "X=\"{{p}}\"; eval \"echo $X\"",
    "env X={{p}} bash -c 'echo $X'",
    "test {{p}} = x && echo",
    "cat <<EOF\n{{p}}\nEOF",
    "find /nonexistent-dir -name {{p}} 2>/dev/null",
    "grep -e {{p}} /dev/null",
    "sort -k{{p}} /dev/null",
    "echo --output={{p}}",
    "tail -n {{p}} /dev/null",
    "sed 's/x/{{p}}/' <<< x",
    "sed -n '/{{p}}/p' /dev/null",
    "ls -w{{p}} / >/dev/null",
    "echo $( echo {{p}} )",
    "echo `echo {{p}}`",
    "{ echo {{p}}; }",
    "bash -c 'bash -c \"echo {{p}}\"'",
    "echo ${X:-{{p}}}",
] + (COMMAND_CONTEXTS := [
    "echo {{p}} | sh",
    "printf '%s\\n' {{p}} | bash",
    "bash <<EOF\n{{p}}\nEOF",
    "sh -c 'true; {{p}}'",
    "sudo -n {{p}} 2>/dev/null",
])

ATTACKS = [
    "$(touch C)", "`touch C`", ";touch C", "\ntouch C\n", "'; touch C; '", "\"; touch C; \"",
    "a[$(touch C)]", "EVIL", "$EVIL", "${EVIL}", "1)); touch C; ((1", "|touch C", "&touch C",
    ">C", "--output=C", "-oProxyCommand=touch C", "system(\"touch C\")",
    "\"; system(\"touch C\"); \"", "x' ; touch C ; '", "EOF\ntouch C\nEOF", "$((EVIL))",
    "1;touch C", "\\\"$(touch C)\\\"", "${EVIL:-$(touch C)}", "e touch C", "1/e",
    "x/touch C/e", "!touch C", "EVILS[EVIL]", "0,EVIL", "-exec touch C ;",
]


def _render(template: str, value: str, wide: bool) -> str | None:
    try:
        return substitute(template, {"p": value}, wide=["p"] if wide else [])
    except ParamError as exc:
        assert "parameter 'p'" in str(exc)
        return None


def _run(cmd: str, tmp: Path, canary: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LC_ALL": "C",
           "EVIL": f"a[$(touch {canary})]", "X": f"a[$(touch {canary})]"}
    prelude = f"EVILS=(1 2); EVIL='a[$(touch {canary})]'\n"
    subprocess.run(["bash", "-c", prelude + cmd], cwd=tmp, env=env, capture_output=True,
                   timeout=20, stdin=subprocess.DEVNULL)


COUNTS = {"combinations": 0, "ran": 0, "refused": 0}


@pytest.mark.parametrize("wide", [False, True], ids=["default", "pattern"])
@pytest.mark.parametrize("template", CONTEXTS, ids=[c.split("\n")[0][:40] for c in CONTEXTS])
def test_context_by_attack_matrix(template: str, wide: bool, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    for attack in ATTACKS:
        value = attack.replace("C", str(canary)) if "C" in attack else attack
        COUNTS["combinations"] += 1
        cmd = _render(template, value, wide)
        if cmd is None:
            COUNTS["refused"] += 1
            continue
        COUNTS["ran"] += 1
        _run(cmd, tmp_path, canary)
        assert not canary.exists(), f"{value!r} in {template!r} ran code: {cmd!r}"
    cmd = _render(template, "1", wide)
    if template in COMMAND_CONTEXTS:
        # a command position: refused whatever the value (a value never chooses the program)
        assert cmd is None
        return
    # the context itself works: a plain value renders and runs
    assert cmd is not None
    _run(cmd, tmp_path, canary)
    assert not canary.exists()


def test_the_booby_trap_is_armed(tmp_path: Path) -> None:
    """Positive control: naming EVIL in arithmetic does run the trap, so the matrix would see it."""
    canary = tmp_path / "canary"
    _run("echo $(( EVIL + 1 ))", tmp_path, canary)
    assert canary.exists()


attack_piece = st.sampled_from(ATTACKS)
text_piece = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                     max_size=12)
values = st.lists(st.one_of(attack_piece, text_piece), min_size=1, max_size=4).map("".join)


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(template=st.sampled_from(CONTEXTS), value=values, wide=st.booleans())
def test_hypothesis_contexts_by_values_never_run_code(template: str, value: str, wide: bool,
                                                       tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    canary.unlink(missing_ok=True)
    value = value.replace("C", str(canary))
    cmd = _render(template, value, wide)
    if cmd is None:
        return
    _run(cmd, tmp_path, canary)
    assert not canary.exists(), f"{value!r} in {template!r} ran code: {cmd!r}"


def test_matrix_size() -> None:
    assert len(CONTEXTS) * len(ATTACKS) * 2 >= 2000


def test_the_cli_refuses_an_injecting_value_before_anything_runs(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """End to end: `warroom incident run … --param` with a value that would inject is refused
    (exit 2, the parameter named, the value never echoed), nothing runs, nothing is journaled as
    run; a safe value runs."""
    canary = tmp_path / "canary"
    rb = tmp_path / "rb-inj.md"
    rb.write_text('+++\nid = "RB-SEC-INJ"\ntitle = "Injection"\n+++\n# Injection\n\n## Triage\n\n'
                  "Count:\n\n```bash\necho $(( {{ n }} + 1 ))\n```\n\n"
                  "Nested:\n\n```bash\nsh -c 'echo {{ p }}'\n```\n")
    code, out, err = cli("new", "--title", "Injection", "--severity", "P3", "--runbook", str(rb))
    assert code == 0, err
    inc = out.split()[0]
    for step, name, value in (("1", "n", f"a[$(touch {canary})]"), ("1", "n", "EVIL"),
                              ("2", "p", f"x'; touch {canary}; '"),
                              ("2", "p", f"$(touch {canary})")):
        code, out, err = cli("run", inc, step, "--param", f"{name}={value}", "--yes")
        assert code == 2, (value, out, err)
        assert f"parameter '{name}'" in err and value not in err + out
        assert not canary.exists()
    assert '"step.started"' not in cli.journal(inc).read_text()
    code, out, _ = cli("run", inc, "1", "--param", "n=41", "--read-only")
    assert code == 0 and "42" in out


@pytest.mark.parametrize("template", ["echo `echo {{p}}`", "echo \"`echo {{p}}`\"",
                                      "echo \"$(echo \"it's\") `echo {{p}}`\"",
                                      "echo `echo \\`echo {{p}}\\``", "kubectl get pod `echo {{p}}`"])
@pytest.mark.parametrize("value", ["`touch C`", "x`touch C`y", "'`touch C`'", "\\`touch C\\`"])
def test_a_pattern_never_widens_a_value_after_a_backtick(template: str, value: str, tmp_path: Path) -> None:
    """Found by the hypothesis test: a declared pattern quoted a value with backticks into one
    word, but inside a backtick substitution the shell ends the substitution at the value's own
    backtick whatever the quotes. Such values are refused there (the error names the parameter)."""
    canary = tmp_path / "canary"
    value = value.replace("C", str(canary))
    with pytest.raises(ParamError, match="parameter 'p'"):
        substitute(template, {"p": value}, wide=["p"])
    assert substitute(template, {"p": "web-1"}, wide=["p"])  # the safe alphabet still goes there


def test_a_pattern_still_widens_a_plain_argument_before_any_backtick(tmp_path: Path) -> None:
    cmd = substitute("kubectl get pod {{p}} -o name; echo `date`", {"p": "a b"}, wide=["p"])
    assert cmd.startswith("kubectl get pod 'a b' ")
