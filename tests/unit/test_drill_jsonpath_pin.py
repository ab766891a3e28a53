"""The kubectl stand-in's jsonpath refusals rest on jsonpath-ng 1.x's grammar; pyproject keeps it there.

The stand-in refuses what kubectl's jsonpath lacks by the node jsonpath-ng 1.x parses it to
(``kubeobj._kubectl_grammar``): ``&`` parses to an intersection node and is refused with kubectl's
"unrecognized character in action". jsonpath-ng 2.0 drops ``&`` from its grammar, so the same
template would fail in its lexer with jsonpath-ng's own message (and 2.0 moves modules kubeobj
imports). pyproject allowed any version from 1.6 on; it is now capped below 2.0. And a template
jsonpath-ng cannot parse (``&`` between two paths, a stray ``(``) answered in jsonpath-ng's words
("Parse error at 1:25 near token . (.)"), words that change with its version; now kubectl's.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_admits_the_installed_jsonpath_ng_and_no_2x() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    spec = next(r.specifier for d in deps if (r := Requirement(d)).name == "jsonpath-ng")
    assert spec.contains(version("jsonpath-ng")), spec
    assert not any(spec.contains(v) for v in ("2.0", "2.0.0rc1", "2.1.3", "3.0")), spec


def test_an_intersection_or_a_template_jsonpath_ng_cannot_parse_is_refused_in_kubectls_words(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="jsonpath")
    for path in (".items[0]&x", ".items[0].metadata.name&.items[1].metadata.name", ".items[0](", ".items[0]#"):
        code, out, err = run_one(drill, ["kubectl", "get", "pods", "-n", "production", "-o", f"jsonpath={{{path}}}"],
                                 300.0)
        assert (code, out) == (1, ""), (path, out)
        assert err.startswith(f'error: error executing jsonpath "{{{path}}}": Error executing template: '
                              f"unrecognized character in action: {path}. "), err
