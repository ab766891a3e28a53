"""``warroom.units`` is the one formatter for a value with its unit: its forms, properties that
hold for any value (hypothesis), and a check that no second formatter has crept back in."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import source_trees
from warroom.units import UNITS, format_threshold, format_value

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (130.0, "seconds", "130s"), (120.0, "seconds", "120s"), (73.44, "seconds", "73.4s"),
    (599.4, "seconds", "599s"), (725.0, "seconds", "12m05s"), (3700.0, "seconds", "1h02m"),
    (-725.0, "seconds", "-12m05s"), (400 * 3600.0, "seconds", "16d16h"),
    (0.304, "percent", "0.304%"), (85.0, "percent", "85%"), (85.04, "percent", "85%"),
    (99.95, "percent", "99.9%"), (99.996, "percent", "99.9%"), (100.0, "percent", "100%"),   # "100%" is all of it
    (-3.5, "percent", "-3.5%"), (1500000, "bytes", "1.5 MB"), (999, "bytes", "999 B"),
    (0.0321, "ratio", "0.032"), (0.0004, "ratio", "0.0004"), (4.2e-7, "count", "4.2e-07"), (7.0, "count", "7"), (12.25, "count", "12.2"),
    (None, "percent", "—"), (math.nan, "seconds", "NaN"), (-math.inf, "count", "-Inf"),
])
def test_forms(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_a_threshold_reads_like_the_value_beside_it() -> None:
    # The pane showed "2.2m" for 130 s next to "crit>2m" for 120 s; now both are seconds.
    assert format_threshold(120.0, "seconds") == ">120s"
    assert format_value(130.0, "seconds") == "130s"
    assert format_threshold(99.9, "percent", "below") == "<99.9%"


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@given(finite, st.sampled_from(UNITS))
def test_any_value_keeps_its_sign_and_has_no_exponent_from_a_thousandth_up(value: float, unit: str) -> None:
    text = format_value(value, unit)
    assert text and text.strip() == text
    assert text.startswith("-") == (value < 0 and text.lstrip("-") != text)
    if value < 0 and format_value(-value, unit) != format_value(0.0, unit):
        assert text == "-" + format_value(-value, unit)
    if abs(value) >= 0.001:
        assert "e" not in text.replace("ms", ""), text


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0.001, max_value=1e6),
       st.sampled_from(("percent", "seconds", "count")))
def test_the_shown_number_is_within_rounding_of_the_value(value: float, unit: str) -> None:
    text = format_value(value, unit)
    if unit == "seconds" and re.fullmatch(r"\d+[mhd]\d+[smh]", text):
        parts = re.fullmatch(r"(\d+)([mhd])(\d+)([smh])", text)
        assert parts
        scale = {"m": 60, "h": 3600, "d": 86400, "s": 1}
        shown = int(parts[1]) * scale[parts[2]] + int(parts[3]) * scale[parts[4]]
        assert abs(shown - value) <= scale[parts[4]] / 2 + 0.5
        return
    number = float(re.sub(r"[%s]$", "", text))
    assert math.isclose(number, value, rel_tol=0.006, abs_tol=0.0006), (value, text)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
       st.sampled_from(("percent", "seconds", "ratio", "bytes")))
def test_a_pane_cell_holds_it(value: float, unit: str) -> None:
    assert len(format_value(value, unit)) <= 10


@given(st.floats(), st.sampled_from((*UNITS, None)))
def test_no_value_of_any_unit_is_longer_than_fourteen_characters(value: float, unit: str | None) -> None:
    """A broken exporter can send 1e300: it was a 302-character figure (S26-6), which no pane, table
    or PIR cell holds; past ten trillion it reads in scientific notation, sign and unit kept."""
    text = format_value(value, unit)
    assert len(text) <= 14, (value, unit, text)
    if math.isfinite(value) and abs(value) >= (1e25 if unit == "bytes" else 1e13):   # bytes: TB, PB first
        assert "e+" in text and text.startswith("-") == (value < 0), text


@pytest.mark.parametrize(("value", "unit", "text"), [
    (1e300, "percent", "1e+300%"), (-1.234e15, "count", "-1.23e+15"), (1e13, "seconds", "1e+13s"),
    (9.99e12, "count", "9990000000000"), (2.5e30, "bytes", "2.5e+15 PB"), (1e14, "ratio", "1e+14"),
])
def test_huge_values_in_scientific_notation(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize("value", [9.99999999995e25, 1e26, -1e25, 9.99e26, 1e28, -9.99999999e24])
def test_petabytes_past_ten_billion_fit_a_cell(value: float) -> None:
    """digits-1: 1e26 bytes read '100000000000 PB' (15 characters): the PB form ran in whole digits
    up to 1e28. From ten billion PB it is scientific, so every byte figure fits 14 characters."""
    text = format_value(value, "bytes")
    assert len(text) <= 14 and text.endswith(" PB"), text
    assert ("e+" in text) == (abs(value) >= 1e25 - 5e14), text


#: ``def`` and a formatter's name, what every ``FunctionDef`` the check below looks for is written as (whitespace or
#: a line continuation between them): the text of a module that has none holds no such definition.
DEFINES_A_FORMATTER = re.compile(r"\bdef[\s\\]+_?(fmt|format)_(value|threshold)s?\b")


def test_there_is_one_formatter() -> None:
    """No module but ``warroom.units`` defines a function that formats a value with a unit."""
    offenders = []
    for path in source_trees.modules("warroom", "tui", "panes"):   # parsed once for every sweep
        if path.name == "units.py" and path.parent.name == "warroom":
            continue
        # A function is defined by its name after ``def`` in the text: a module whose text has no such name defines
        # none, so its tree is neither parsed nor walked (the whole product's were, ~3 s of CPU, to find a handful)
        if not DEFINES_A_FORMATTER.search(source_trees.source(path)):
            continue
        for node in ast.walk(source_trees.tree(path)):
            if isinstance(node, ast.FunctionDef) and re.fullmatch(r"_?(fmt|format)_(value|threshold)s?", node.name):
                body = ast.unparse(node)
                # a thin wrapper over the one formatter (any of warroom.units' forms of it) is fine
                if not re.search(r"\bformat_(value|stated|reading|comparison)\(", body):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not offenders, offenders
