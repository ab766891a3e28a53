"""kubectl's YAML nested past Go's depth (``kubectl.too_deep``) is refused at once, with the error PyYAML's
recursion gave after seconds of its scanner's look-ahead (checked against PyYAML when it landed: 2 s a text, too dear
for the suite); anything else still goes to PyYAML."""

from __future__ import annotations

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
