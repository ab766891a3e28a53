"""A long output's trigger words are found in one pass (RE2's set) and the answer is the per-trigger scan's.

The redactor runs a rule only where one of its trigger words occurs. Looking for ~50 words one scan each
read a newline-free flood at ~15 MB/s (a run of a word's first letter defeats the scan's skip); a probe of
``SET_FROM`` bytes or more is now searched for all of them at once. A trigger the set search missed would be a
secret left in the stored output, so the two answers must be the same on any probe, and a secret behind a
flood must still be redacted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.execute import redact
from warroom.execute.redact import Redactor

ALL = Redactor(redact_pii=True)
"""Every built-in rule, the PII ones too: the most trigger words there are."""


def _scanned(r: Redactor, probe: bytes) -> set[bytes]:
    return {t for t in r._triggers if t in probe}


@settings(max_examples=60)
@given(st.lists(st.one_of(st.sampled_from(ALL._triggers), st.binary(max_size=40),
                          st.text("ae-_@sk", max_size=60).map(str.encode)), max_size=200),
       st.integers(0, 3))
def test_the_set_search_finds_the_triggers_the_scan_finds(parts: list[bytes], pad: int) -> None:
    probe = (b"a" * redact.SET_FROM * pad) + b"".join(parts)
    assert ALL._triggers_in(probe) == _scanned(ALL, probe)


def test_every_trigger_is_found_at_the_end_of_a_flood_of_its_own_first_letter() -> None:
    for t in ALL._triggers:
        probe = t[:1] * (4 * redact.SET_FROM) + t
        assert ALL._triggers_in(probe) == _scanned(ALL, probe), t
        assert t in ALL._triggers_in(probe), t


def test_a_secret_after_a_newline_free_flood_is_redacted_as_a_short_line_is() -> None:
    secret = b"token: ghp_" + b"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    short = Redactor().redact_bytes(secret + b"\n")
    assert b"A1b2C3d4E5f6G7h8" not in short
    flood = b"a" * (5 * redact.SET_FROM) + b" " + secret + b"\n"
    out = Redactor().redact_bytes(flood)
    assert b"A1b2C3d4E5f6G7h8" not in out
    assert out.endswith(short), out[-120:]
