"""The expectation checker (``warroom.execute.expectation``): prose comparisons are read and
checked against the one number an output holds, and anything the output cannot decide is "not
checked", never met. Property tests attack the parser and the checker with generated prose and
outputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.execute.expectation import (
    OutputExpectation,
    check_text,
    parse_comparison,
    verdict_of,
)
from warroom.runbook.inline import checkable


@pytest.mark.parametrize(("prose", "op", "number", "rows"), [
    ("below 1, the flow failure SLO", "<", 1, False),
    ("above 80 confirms this runbook; at 85 or more the breaker should be on", ">", 80, False),
    ("less than 5%", "<", 5, False),
    ("Under 300; above 300 means the audit log has failed", "<", 300, False),
    ("at most 3", "<=", 3, False),
    ("no more than 2 retries", "<=", 2, False),
    ("5 or more confirms a mass failure", ">=", 5, False),
    ("99 or more", ">=", 99, False),
    ("more than 0; a count of 0 confirms an audit-log failure", ">", 0, False),
    ("0", "==", 0, False),
    ("200, the Phase 6 setting", "==", 200, False),
    ("0 rows", "==", 0, True),
    ("no rows", "==", 0, True),
    ("none", "==", 0, True),
    ("Empty or 0; 1 means the breaker is open", "==", 0, True),
    ("above 30 (seconds) confirms the alert", ">", 30, False),
    ("under 2m", "<", 120, False),
    ("fewer than 10 errors", "<", 10, False),
    ("normally 99 or more; below 95 is a mass failure", ">=", 99, False),
    ("should be below 2", "<", 2, False),
])
def test_prose_comparisons(prose: str, op: str, number: float, rows: bool) -> None:
    cmp = parse_comparison(prose)
    assert cmp is not None
    assert (cmp.op, cmp.number, cmp.rows) == (op, number, rows)


@pytest.mark.parametrize("prose", [
    "below 300 and falling as new events arrive",      # a trend one run cannot show
    "falling, and below 80 within 10 minutes of enabling the breaker",
    "below 1 for the whole window",
    "the revision list; the newest one before the failures began is the suspect",
    "P95 under 120s; if it is still above, escalate",  # a subject we cannot find in the output
    "used_memory well below maxmemory",
    "",
])
def test_prose_that_is_not_a_plain_comparison_is_not_read_as_one(prose: str) -> None:
    assert parse_comparison(prose) is None
    if prose:
        assert check_text(None, prose, "0\n").state == "unchecked"  # type: ignore[union-attr]


@pytest.mark.parametrize(("prose", "output", "state"), [
    ("below 1", "{}  0.42\n", "met"),
    ("below 1", "{}  3.7\n", "unmet"),
    ("above 80 confirms this runbook", '{provider="anthropic"}  81.9\n', "met"),
    ("0", " count \n-------\n    12\n(1 row)\n", "unmet"),      # the old substring check found "0" in "120"
    ("0", " count \n-------\n     0\n(1 row)\n", "met"),
    ("more than 0", " count \n-------\n     0\n(1 row)\n", "unmet"),
    ("no rows", " task_id | flow_type \n---------+-----------\n(0 rows)\n", "met"),
    ("no rows", " task_id | flow_type \n---------+-----------\n t-1     | review\n(1 row)\n", "unmet"),
    ("none", "none\n", "met"),
    ("none", "minor\n", "unmet"),
    ("none", "", "met"),
    ("less than 5%", "error rate 3.2%\n", "met"),
    ("less than 5%", "error rate 7%\n", "unmet"),
    ("below 1", "", "unchecked"),                              # no number: not checked, never ✔
    ("below 1", "everything looks fine\n", "unchecked"),
    ("below 1", "pod-1 1/1 Running 3 10m\n", "unchecked"),   # several numbers: which one?
    ("under 2m", "90\n", "unchecked"),                         # 90 what?
    ("under 2m", "took 90s\n", "met"),
    ("below 1", "(no series)\n", "unchecked"),
])
def test_verdicts(prose: str, output: str, state: str) -> None:
    v = check_text(None, prose, output)
    assert v is not None and v.state == state, v
    assert v.reason


def test_a_literal_matches_whole_words_only() -> None:
    assert check_text("OK", None, "BROKEN\n").state == "unmet"  # type: ignore[union-attr]
    assert check_text("0 active", None, "10 active flows\n").state == "unmet"  # type: ignore[union-attr]
    assert check_text("0 active", None, "0 active flows\n").state == "met"  # type: ignore[union-attr]
    assert check_text("/rolled (out|back)/", None, "deployment rolled back\n").state == "met"  # type: ignore[union-attr]


def test_a_bare_number_in_prose_is_compared_not_searched() -> None:
    assert checkable("0") is None and checkable("99.9%") is None
    assert checkable("PONG") == "PONG" and checkable('"rolled out" (within 45s)') == "rolled out"


def test_a_number_on_stderr_is_not_the_answer_but_a_literal_there_is_found() -> None:
    exp = OutputExpectation(None, "below 1")
    exp.feed("0.2\nwarning: 7 retries\n", stdout="0.2\n")
    assert exp.verdict().state == "met"
    lit = OutputExpectation("done", None)
    lit.feed("line 1\ndone\n", stdout="line 1\n")
    assert lit.verdict().state == "met"


def test_a_flood_is_not_checked_for_one_number() -> None:
    exp = OutputExpectation(None, "below 1")
    for _ in range(100):
        exp.feed("0.5\n" * 500)
    assert exp.verdict().state == "unchecked"


def test_old_journals_read_back() -> None:
    assert verdict_of({"expect": "patched", "expect_met": True}).state == "met"  # type: ignore[union-attr]
    assert verdict_of({"expect": "patched", "expect_met": False}).state == "unmet"  # type: ignore[union-attr]
    assert verdict_of({"expect": "below 1", "expect_met": None}).state == "unchecked"  # type: ignore[union-attr]
    assert verdict_of({"expect": None, "expect_met": None}) is None
    assert verdict_of({"expect": "x", "expect_verdict": "unmet", "expect_reason": "r"}).reason == "r"  # type: ignore[union-attr]


# ------------------------------------------------------------------------------ properties

OPS = {"below": "<", "under": "<", "less than": "<", "above": ">", "over": ">", "more than": ">",
       "at most": "<=", "at least": ">="}
def plain(x: float) -> str:
    """A number as a runbook or a command writes it: 1000000, 0.25 (no exponent)."""
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return text or "0"


numbers = st.integers(min_value=0, max_value=10**6) | st.floats(min_value=0, max_value=1e6,
                                                                 allow_nan=False).map(lambda f: round(f, 3))


@given(st.sampled_from(sorted(OPS)), numbers, numbers,
       st.sampled_from(["", ", the SLO", "; above it follow RB-CORE-001", " confirms it"]))
def test_one_number_in_the_output_decides(phrase: str, want: float, got: float, guidance: str) -> None:
    v = check_text(None, f"{phrase} {plain(want)}{guidance}", f"{plain(got)}\n")
    assert v is not None
    import operator

    truth = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}[OPS[phrase]](
        float(plain(got)), float(plain(want)))
    assert v.state == ("met" if truth else "unmet"), (phrase, want, got, v)


@given(st.sampled_from(sorted(OPS)), numbers, st.lists(numbers, min_size=2, max_size=5))
def test_several_numbers_are_never_met(phrase: str, want: float, got: list[float]) -> None:
    out = "\n".join(f"row-{i}  {plain(g)}" for i, g in enumerate(got)) + "\n"
    v = check_text(None, f"{phrase} {plain(want)}", out)
    assert v is not None and v.state == "unchecked"


@given(st.text(max_size=60), st.text(max_size=300))
def test_any_prose_and_output_give_a_verdict_with_a_reason(prose: str, output: str) -> None:
    v = check_text(None, prose or "x", output)
    assert v is not None and v.state in ("met", "unmet", "unchecked")
    if v.state != "unchecked":
        # met / NOT met only from a comparison the parser found
        assert parse_comparison(prose) is not None
    assert v.reason


def test_a_numeric_expectation_the_output_cannot_decide_is_never_ok() -> None:
    from warroom.incident.marks import step_state

    undecided = check_text(None, "below 1", "no data\n")
    prose = check_text(None, "the revision list", "rev 3\n")
    assert undecided is not None and prose is not None
    assert step_state("ok", undecided) == "unchecked"      # ≟, not ✔
    assert step_state("ok", prose) == "ok"                  # ✔ with ? beside it: the reader judges prose
    assert step_state("failed", undecided) == "failed"
