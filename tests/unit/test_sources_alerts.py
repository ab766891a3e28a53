"""Runbook references on alerts: ids, file names, URL tails, mappings and callables."""

from __future__ import annotations

import pytest

from warroom.sources.alerts import RunbookIndex, as_resolver, map_runbook, reference_candidates

INDEX = RunbookIndex([
    ("RB-CORE-003", "/x/runbooks/RB-CORE-003-rate-limit-exhaustion.md", ["quota", "QuotaHigh"]),
    ("AGENT-DOWN", "/x/runbooks/agent-down.md", []),
])


@pytest.mark.parametrize(("ref", "expected"), [
    ("RB-CORE-003", "RB-CORE-003"),
    ("rb-core-003", "RB-CORE-003"),
    ("RB-CORE-003-rate-limit-exhaustion.md", "RB-CORE-003"),
    ("rb-core-003-rate-limit-exhaustion", "RB-CORE-003"),
    ("https://git.example.com/r/blob/main/runbooks/RB-CORE-003-rate-limit-exhaustion.md", "RB-CORE-003"),
    ("https://wiki.example.com/runbooks/RB-CORE-003/", "RB-CORE-003"),
    ("https://wiki.example.com/runbooks#rb-core-003", "RB-CORE-003"),
    ("https://runbooks.example.com/agent-down.html?x=1", "AGENT-DOWN"),
    ("https://runbooks.example.com/agent%2Ddown", "AGENT-DOWN"),
    ("https://runbooks.example.com/", None),
    ("", None),
    ("something-else", None),
])
def test_resolve(ref: str, expected: str | None) -> None:
    assert INDEX.resolve(ref) == expected


def test_candidates_are_unique_and_lower_case() -> None:
    assert reference_candidates("https://h/a/B.md#Sec") == ["https://h/a/b.md#sec", "b.md", "sec", "b"]


def test_precedence_label_then_annotations_then_map_then_triggers() -> None:
    r = INDEX.resolve
    assert map_runbook({"alertname": "QuotaHigh", "runbook": "agent-down"}, {}, r, {}, INDEX) == "AGENT-DOWN"
    assert map_runbook({"alertname": "QuotaHigh"}, {"runbook_url": "https://h/agent-down.md"}, r, {}, INDEX) == "AGENT-DOWN"
    assert map_runbook({"alertname": "QuotaHigh"}, {}, r, {"QuotaHigh": "AGENT-DOWN"}, INDEX) == "AGENT-DOWN"
    assert map_runbook({"alertname": "QuotaHigh"}, {}, r, {}, INDEX) == "RB-CORE-003"
    # An unresolvable label falls through to the next way of naming a runbook.
    assert map_runbook({"alertname": "X", "runbook": "nope"}, {"runbook": "rb-core-003"}, r, {}, INDEX) == "RB-CORE-003"
    assert map_runbook({"alertname": "X"}, {}, r, {}, INDEX) is None


def test_mapping_and_callable_resolvers() -> None:
    m = as_resolver({"rate-limit": "RB-CORE-003"})
    assert m("https://h/rate-limit.md") == "RB-CORE-003" and m("RB-CORE-003") == "RB-CORE-003"
    assert m("other") is None
    assert as_resolver(lambda ref: "X" if ref == "y" else None)("y") == "X"
    assert as_resolver(None)("anything") is None


def test_from_library_duck_types() -> None:
    class RB:
        def __init__(self, id: str, path: str) -> None:
            self.id, self.path, self.triggers = id, path, ["t"]

    class Lib:
        def all(self) -> list[RB]:
            return [RB("A-1", "/p/a-one.md")]

    idx = RunbookIndex.from_library(Lib())
    assert idx.resolve("a-one.md") == "A-1" and idx.for_trigger("T") == "A-1"
    assert RunbookIndex.from_library([RB("B-2", "/p/b.md")]).resolve("b") == "B-2"
