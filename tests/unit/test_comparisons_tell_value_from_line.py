"""Every view that states a value beside its line tells one from the other (redteam-1's LEFT part).

``units.format_value(value, unit, against=...)`` adds digits where a value would read as the
threshold it is past, and the timeline, resolve and the PIR used it (b0f61dd). A Go/No-Go
criterion still said "Pilot failure share: 5% >= 5% is false" of 4.996% (a true comparison
reading as a false statement), a verify gate "still 10% (wanted < 10%)" of 10.004%, the pane
cell "1% ✖ CRIT crit>1%", the declare dialog "Flow failure rate 1% (threshold 1%)" and the
drill report's pane table "crit 1% … worst 1%". The rule: a comparison is written by
``units.format_comparison``, a pane's reading by ``units.format_reading``, any other value beside
a line passes ``against=`` it. The sweep below finds, in every module, a scope that formats a
line and also formats a value with none of these: that is a value stated beside its line raw.
"""

from __future__ import annotations

import ast
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import source_trees
from warroom.config import SloConfig
from warroom.incident import decisions as dec
from warroom.runbook.criterion_query import NamedQuery
from warroom.runbook.decision import Criterion
from warroom.sources.verify import parse_verify
from warroom.units import format_comparison, format_reading

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
STATE = SimpleNamespace(clock_start=NOW, notes=[], time_scale=1.0)
SHARE = NamedQuery(name="pilot_failure_share", title="Pilot failure share",
                   promql="100 * sum(rate(failures[5m])) / sum(rate(executions[5m]))", unit="percent")
FAILURES = SloConfig(id="failure_rate", title="Flow failure rate", unit="percent", warn=0.5, crit=1.0,
                     direction="above", query="100 * sum(rate(f[1h])) / sum(rate(e[1h]))")

# What a line's text looks like in the argument a formatter is given (slo.crit, self.threshold, c.value ...)
_LINE = re.compile(r"\b(crit|warn|threshold|target|limit)\b|\bc\.value\b")
_FORMATTERS = {"format_value"}
# A pane's reading in its pane's unit (reading.value, slo.unit): it stands beside the pane's warn and
# crit wherever a pane is drawn or named, so it is written by format_reading (panes/slo.py's cell
# "1% ✖ CRIT" beside "crit>1%" drawn by another function of the module)
_READING = re.compile(r"\.value\b.*\bslo\.unit\b")


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _wrappers(tree: ast.Module) -> set[str]:
    """A module's own helpers that hand their first parameter to format_value (``_num(v, unit)``):
    a call to one is a call to the formatter, so a table of ``_num(p.crit)`` beside ``_num(p.worst)``
    is seen."""
    out = set()
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.args.args:
            first = fn.args.args[0].arg
            for call in ast.walk(fn):
                if (isinstance(call, ast.Call) and _name(call) in _FORMATTERS and call.args
                        and isinstance(call.args[0], ast.Name) and call.args[0].id == first):
                    out.add(fn.name)
    return out


def _raw_beside_a_line(path: Path) -> list[str]:
    src = path.read_text(encoding="utf-8")
    return _raw_in(path, src, ast.parse(src))


def _raw_in(path: Path, src: str, tree: ast.Module) -> list[str]:
    """:func:`_raw_beside_a_line` of a module already read and parsed (the product's are, once for every
    sweep: tests.source_trees)."""
    formatters = _FORMATTERS | _wrappers(tree)
    found = []
    for scope in tree.body:
        if not isinstance(scope, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) or scope.name in formatters:
            continue
        lines, raw = [], []
        for call in ast.walk(scope):
            if not isinstance(call, ast.Call):
                continue
            name = _name(call)
            if name == "format_threshold":
                lines.append(call.lineno)
            elif name in formatters and call.args:
                told = any(k.arg == "against" for k in call.keywords) or len(call.args) > 2
                if not told and len(call.args) > 1 and _READING.search(
                        f"{ast.get_source_segment(src, call.args[0])} {ast.get_source_segment(src, call.args[1])}"):
                    found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{call.lineno} "
                                 f"({scope.name}: a pane's reading written raw; its pane shows its lines)")
                if _LINE.search(ast.get_source_segment(src, call.args[0]) or ""):
                    lines.append(call.lineno)
                elif not told:
                    raw.append(call.lineno)
        if lines and raw:
            found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{raw[0]} ({scope.name}: a value written raw beside "
                         f"the line at :{lines[0]})")
    return found


def test_no_view_writes_a_value_raw_beside_its_line() -> None:
    found = [hit for p in source_trees.modules("warroom", "panes", "tui")
             for hit in _raw_in(p, source_trees.source(p), source_trees.tree(p))]
    assert not found, "use units.format_comparison / format_reading / against=:\n" + "\n".join(found)


def test_the_sweep_sees_the_forms_it_must(tmp_path: Path) -> None:
    """The sweep is not vacuous: each form this finding met is flagged, its fixed form is not."""
    cases = {
        "def f(c, v, unit):\n    return f'{format_value(v, unit)} {c.op} {format_value(c.value, unit)}'\n": True,
        "class G:\n    def show(self, v):\n        return format_value(v, self.unit)\n"
        "    def wanted(self):\n        return format_value(self.threshold, self.unit)\n": True,
        "def _num(v, unit):\n    return format_value(v, unit)\n"
        "def rows(p):\n    return [_num(p.crit, p.unit), _num(p.worst, p.unit)]\n": True,
        "def f(c, v, unit):\n    return format_comparison(v, c.op, c.value, unit)\n": False,
        "def f(slo, v):\n    return f'{format_value(v, slo.unit, against=(slo.crit,))} {format_value(slo.crit, slo.unit)}'\n": False,
        "def alone(v, unit):\n    return format_value(v, unit)\n": False,
        "class Pane:\n    def draw(self, reading):\n        return format_value(reading.value, self.slo.unit)\n": True,
        "class Pane:\n    def draw(self, reading):\n        return format_reading(reading.value, self.slo)\n": False,
    }
    for i, (code, flagged) in enumerate(cases.items()):
        path = tmp_path / f"case_{i}.py"
        path.write_text(code, encoding="utf-8")
        assert bool(_raw_beside_a_line(path)) == flagged, code


@pytest.mark.parametrize(("value", "op", "words"), [
    (4.996, ">=", "Pilot failure share: 4.996% >= 5% is false"),
    (5.004, "<", "Pilot failure share: 5.004% < 5% is false"),
    (5.0, ">=", "Pilot failure share: 5% >= 5% is true"),
    (7.0, ">=", "Pilot failure share: 7% >= 5% is true"),
])
def test_a_metric_criterion_never_states_a_false_comparison(value: float, op: str, words: str) -> None:
    c = Criterion(f"pilot failure share {op} 5%", query="pilot_failure_share", op=op, value=5.0, percent=True,
                  measure=SHARE)
    assert dec.judge(c, "go", None, NOW, lambda _e: [value], lambda _s: None).evidence == words


def test_a_step_criterion_never_states_a_false_comparison() -> None:
    c = Criterion("failure share", step="share", pattern=r"share: ([0-9.]+)", op=">=", value=5.0)
    out = dec.StepOutput("share: 4.9996\n", "ok", 12, 0, NOW)
    v = dec.judge(c, "go", STATE, NOW, None, lambda _s: out)
    assert (v.state, v.evidence) == (dec.NOT_MET,
                                     f"step share (run 0s ago, ended {NOW:%H:%M:%S} UTC): 4.9996 >= 5 is false")


def test_a_gate_value_beside_what_it_wants() -> None:
    gate = parse_verify("flow_failure_rate < 10 within 10m")
    assert (gate.show(10.004), gate.wanted) == ("10.004", "< 10")
    assert gate.show(9.5) == "9.5", "no clash, no digits"


def test_the_comparison_and_the_reading_rules() -> None:
    assert format_comparison(4.996, ">=", 5.0, "percent") == "4.996% >= 5%"
    assert format_comparison(1.0019642137448406, ">", 1.0, "percent") == "1.002% > 1%"
    assert format_comparison(None, ">", 1.0, "percent") == "— > 1%"
    assert format_reading(1.0019642137448406, FAILURES) == "1.002%"
    assert format_reading(0.4996, FAILURES) == "0.4996%"


def test_every_value_the_record_states_says_what_a_inf_is() -> None:
    """decide-6: the PIR, the brief and the timeline stated a ±Inf pane as bare "+Inf" while the
    pane's note, a gate and a criterion said "a division by zero?". Everything the incident's record
    writes (warroom/incident/, a gate's value, a step's evidence) states a value through
    ``units.format_stated`` (or format_comparison, whose criterion adds the words itself); a bare
    ``format_value`` there formats a line only."""
    places = sorted((ROOT / "warroom" / "incident").rglob("*.py")) + [
        ROOT / "warroom" / "sources" / "verify.py", ROOT / "warroom" / "sources" / "evidence.py"]
    raw = []
    for path in places:
        src = source_trees.source(path)
        for call in ast.walk(source_trees.tree(path)):
            if isinstance(call, ast.Call) and _name(call) == "format_value" and call.args \
                    and not _LINE.search(ast.get_source_segment(src, call.args[0]) or ""):
                raw.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not raw, "a value stated bare (use units.format_stated):\n" + "\n".join(raw)


def test_the_stated_form() -> None:
    from warroom.runbook import series
    from warroom.units import format_stated

    assert format_stated(math.inf, "percent", against=(5.0,)) == "+Inf (a division by zero?)"
    assert format_stated(-math.inf, "seconds") == "-Inf (a division by zero?)"
    assert format_stated(1.0019642137448406, "percent", against=(1.0,)) == "1.002%"
    assert format_stated(math.nan, "percent") == "NaN"
    assert series.infinite(math.inf) == f"+Inf: {series.INFINITE}", "one text for the words"
    assert parse_verify("flow_failure_rate < 10 within 10m").show(math.inf) == "+Inf (a division by zero?)"
