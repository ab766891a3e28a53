"""Following a flooding step: counting its lines without splitting them all."""

from __future__ import annotations

import random

from tui.controller import split_tail


def test_split_tail_matches_a_full_split_on_random_input() -> None:
    rng = random.Random(6)
    for _ in range(3000):
        data = b"".join(rng.choice([b"a", b"bc", b"\n", b"\x1fd", b"\xff", b""]) for _ in range(rng.randint(0, 40)))
        tail = rng.randint(1, 7)
        lines = data.split(b"\n")
        partial = lines.pop()
        assert split_tail(data, tail) == (len(lines), lines[-tail:], partial)


def test_split_tail_of_a_million_lines_keeps_only_the_newest() -> None:
    data = b"".join(b"%d\n" % i for i in range(1, 1_000_001)) + b"10000"
    count, newest, rest = split_tail(data, 400)
    assert count == 1_000_000
    assert len(newest) == 400 and newest[0] == b"999601" and newest[-1] == b"1000000"
    assert rest == b"10000"
