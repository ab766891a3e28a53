"""kubectl's YAML nested past Go's depth (``kubectl.too_deep``) is refused at once, with the error PyYAML's
recursion gave after seconds of its scanner's look-ahead (checked against PyYAML when it landed: 2 s a text, too dear
for the suite); anything else still goes to PyYAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from warroom.drill.standins import kubectl
from warroom.drill.standins.base import Args, ToolError

DEEP = [kubectl.MAX_DEPTH + 1, 100_000]


def refused(text: str) -> str:
    with pytest.raises(ToolError) as exc:
        kubectl.patch_body(Args([], {"patch": text}))
    return str(exc.value)


@pytest.mark.parametrize("text", ["[" * n for n in DEEP] + ["{[" * 5001 + "x: y]}", "{" * 10_001 + "\n- a: [b"],
                         ids=["10001", "100000", "mixed", "then-block"])
def test_nesting_past_go_is_told_without_composing(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def composed(*_: object) -> None:
        raise AssertionError("PyYAML was asked to compose a text too deep for Go's reader")
    monkeypatch.setattr(yaml.SafeLoader, "get_single_data", composed)
    assert refused(text) == f'error: unable to parse "{text}": yaml: exceeded max depth of 10000'
    assert kubectl.too_deep(text)


@pytest.mark.parametrize("text", ["[" * 10_000,                       # as deep as Go reads: PyYAML's answer
                                  " " + "[" * 10_001,                 # not brackets first
                                  "[" * 10_001 + "\x01",              # PyYAML's reader refuses it first
                                  "\ufeff" + "[" * 10_001], ids=["10000", "space", "unprintable", "bom"])
def test_anything_else_is_pyyamls(text: str) -> None:
    assert not kubectl.too_deep(text)


def test_a_directory_is_read_file_by_file_the_first_wrong_told(tmp_path: Path) -> None:
    """``apply -f DIR``: a.yaml's own error is told, not b.yaml's depth checked before any file was read (audit57 F2:
    the depth of a later file hid an earlier file's error, which kubectl, reading in order, tells)."""
    from tests.unit.standins_corpus import run_one, warm_drill

    drill = warm_drill(tmp_path / "drills", "rate-limit")
    manifests = tmp_path / "m"
    manifests.mkdir()
    (manifests / "a.yaml").write_text("kind: Deployment\nmetadata: {name: x\n  bad: : :\n", encoding="utf-8")
    (manifests / "b.yaml").write_text("[" * (kubectl.MAX_DEPTH + 1) + "\n", encoding="utf-8")
    code, _out, err = run_one(drill, ["kubectl", "apply", "-f", str(manifests)], 300.0)
    assert code != 0 and "error converting YAML to JSON" in err and "exceeded max depth" not in err, err
    (manifests / "a.yaml").unlink()
    code, _out, err = run_one(drill, ["kubectl", "apply", "-f", str(manifests)], 300.0)
    assert code != 0 and "exceeded max depth of 10000" in err, err
