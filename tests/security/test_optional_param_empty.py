"""Red team: a parameter declared ``required = false`` runs empty, and empty opens nothing (dash29-1).

Empty is a value like any other for the one rule (``param_safety``): refused where a value chooses
the program or sits in arithmetic, quoted (``''``) everywhere else, so it never ends a quote, joins
two words or runs code. What a value cannot do and an empty one could is *widen* a word:
``rm -rf /srv/cache/{{ dir }}`` with ``dir`` empty is ``rm -rf /srv/cache/``; a step that changes
things refuses an empty parameter anywhere but as a whole word of its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.security.test_param_injection import COMMAND_CONTEXTS, CONTEXTS, _render, _run
from warroom.incident.prepared import ParamError
from warroom.incident.store import IncidentStore

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")

RUNBOOK = '''+++
id = "RB-SEC-OPT"
title = "Optional parameters"

[params.suffix]
required = false
help = "an extra word, if any"

[params.dir]
required = false

[params.pod]
required = false
pattern = "^[a-z0-9-]+$"

[params.prog]
required = false

[params.n]
required = false

[params.name]
help = "required: no required key"

[params.ns]
default = "production"
+++
# Optional parameters

## Triage

Show it:

```bash
printf '<%s>' {{ suffix }}; echo
```

Clean the cache:

```bash
rm -rf /srv/cache/{{ dir }}
```

Delete the pod:

```bash {mutating=true}
kubectl delete pod {{ pod }} -n {{ ns }}
```

As root:

```bash
sudo -n {{ prog }} --version
```

Count:

```bash
echo $(( {{ n }} + 1 ))
```

Name it:

```bash
echo {{ name }}
```

Labels:

```bash
kubectl get pods -n {{ ns }} -l app={{ dir }}
```
'''


@pytest.mark.parametrize("template", CONTEXTS, ids=[c.split("\n")[0][:40] for c in CONTEXTS])
def test_an_empty_value_in_every_context_runs_nothing(template: str, tmp_path: Path) -> None:
    """Every context of the injection matrix, with the empty value an optional parameter gets:
    refused where a value may never go (a command position, arithmetic), else run under bash with
    the booby trap armed, and nothing runs."""
    canary = tmp_path / "canary"
    cmd = _render(template, "", wide=False)
    if template in COMMAND_CONTEXTS:
        assert cmd is None, cmd
        return
    if cmd is None:
        assert any(a in template for a in ("$((", "((", "$[", "-eq", "declare -i", "[{{p}}]")), template
        return
    _run(cmd, tmp_path, canary)
    assert not canary.exists(), f"empty in {template!r} ran code: {cmd!r}"


def test_an_empty_whole_word_is_one_empty_argument(tmp_path: Path) -> None:
    """Quoted by the one rule, empty is an argument of its own: it neither vanishes (shifting the
    next argument into its place) nor joins its neighbours."""
    out = tmp_path / "out"
    for template, want in (("printf '<%s>' a {{p}} b > OUT", "<a><><b>"), ('printf "<%s>" "x{{p}}y" > OUT', "<xy>"),
                           ("printf '<%s>' 'x{{p}}y' > OUT", "<xy>")):
        cmd = _render(template.replace("OUT", str(out)), "", wide=False)
        assert cmd is not None
        _run(cmd, tmp_path, tmp_path / "canary")
        assert out.read_text() == want, (template, cmd)


@pytest.fixture
def incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    rb = tmp_path / "rb-opt.md"
    rb.write_text(RUNBOOK)
    return IncidentStore(tmp_path / "state").create(title="opt", severity="P3", runbook=str(rb))


def test_optional_parameters_run_empty_and_required_ones_do_not(incident) -> None:  # type: ignore[no-untyped-def]
    shown = incident.prepare_step(1)                                # never given: its default, empty
    assert shown.command == "printf '<%s>' ''; echo" and shown.params["suffix"] == ""
    assert incident.prepare_step(1, {"suffix": "x"}).command == "printf '<%s>' x; echo"
    # a pattern constrains a value given, never the empty one the runbook allows
    assert incident.prepare_step(3).command == "kubectl delete pod '' -n production"
    with pytest.raises(ParamError, match="does not"):
        incident.prepare_step(3, {"pod": "Bad Pod"})
    # no ``required = false``: empty is missing, and so is a default cleared by the caller
    with pytest.raises(ParamError, match="missing required parameter name"):
        incident.prepare_step(6)
    with pytest.raises(ParamError, match="missing required parameter ns"):
        incident.prepare_step(3, {"ns": ""})


def test_empty_never_chooses_the_program_or_a_number(incident) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParamError, match="parameter 'prog' sits where sudo takes the command it runs"):
        incident.prepare_step(4)
    with pytest.raises(ParamError, match="parameter 'n' sits inside shell arithmetic"):
        incident.prepare_step(5)


def test_empty_never_widens_what_a_changing_step_acts_on(incident) -> None:  # type: ignore[no-untyped-def]
    """``rm -rf /srv/cache/{{ dir }}`` empty would remove the whole cache: refused, naming the
    parameter; the read-only label query may run with ``app=`` (it changes nothing)."""
    with pytest.raises(ParamError, match=r"step 2 \(Clean the cache\) changes things and dir is empty inside a word"):
        incident.prepare_step(2)
    assert incident.prepare_step(2, {"dir": "tmp-1"}).command == "rm -rf /srv/cache/tmp-1"
    assert incident.prepare_step(7).command == "kubectl get pods -n production -l app=''"


def test_the_cli_runs_an_optional_parameter_empty(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """End to end: ``incident run`` with no --param, and with ``--param suffix=``, runs the step
    with the empty argument; a required parameter given empty is refused (exit 2)."""
    rb = tmp_path / "rb-opt.md"
    rb.write_text(RUNBOOK)
    code, out, err = cli("new", "--title", "opt", "--severity", "P3", "--runbook", str(rb))
    assert code == 0, err
    inc = out.split()[0]
    for extra in ((), ("--param", "suffix=")):
        code, out, err = cli("run", inc, "1", *extra, "--read-only")
        assert code == 0 and "<>" in out, (extra, out, err)
    code, out, err = cli("run", inc, "6", "--param", "name=", "--read-only")
    assert code == 2 and "missing required parameter name" in err, (out, err)


def test_empty_never_changes_a_query_s_shape_or_drops_a_native_word() -> None:
    """Outside a quoted PromQL string empty would reshape the query (``sum by ({{ l }})`` is
    ``sum by ()``, another aggregation): refused; inside one it is a value like any other. A
    native step has no shell to pass an empty argument: its word would vanish, so it is refused."""
    from warroom.runbook.params import ParamError as ValueRefused, substitute

    with pytest.raises(ValueRefused, match="parameter 'l' is empty outside a quoted PromQL string"):
        substitute("sum by ({{ l }}) (flowengine_flows_total)", {"l": ""}, kind="promql")
    assert substitute('flowengine_flows_total{job="{{ l }}"}', {"l": ""}, kind="promql") == 'flowengine_flows_total{job=""}'
    with pytest.raises(ValueRefused, match="parameter 'l' is empty, which a native k8s step cannot take"):
        substitute("scale deployment/flowengine --replicas={{ l }}", {"l": ""}, kind="k8s")
