"""A new drill starts with its scenario's seed (``warroom.drill.simulator.plant_seed``): the world before any action, as
an earlier drill's warm-up child integrated it, kept in the user's cache dir. The promise: a seeded drill draws the very
world it would have integrated itself, and a seed that is not this code's, this scenario's, action-free and the user's
own is never planted."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from array import array
from pathlib import Path

import pytest

from warroom.config import default_slos
from warroom.drill import directory, simulator
from warroom.drill.actions import Action, append_actions
from warroom.drill.series import GRID
from warroom.drill.simulator import SERIES_CACHE, Simulator

from tui import drill_warmup

SCENARIO = "timeout"


def test_a_new_drill_starts_with_the_seed_and_draws_the_same_world(tmp_path: Path) -> None:
    """A seed there that a drill would not read (its rows do not add up: a header claiming more than its body) is not
    planted, so the first drill starts cold and its warm-up child writes the seed over it (attack54 F5: it was planted,
    the drill integrated in-process, and no warm-up ever ran to replace it)."""
    seed = simulator.seed_file(SCENARIO)
    seed.parent.mkdir(parents=True)
    body = _body(rows=1)
    seed.write_bytes(json.dumps(_valid_header(body, rows=10_000)).encode() + b"\n" + body)
    first = directory.create_drill(tmp_path / "one", SCENARIO, ids="first drill")
    assert not (first.path / SERIES_CACHE).exists()           # no seed to plant: the first drill starts cold
    assert drill_warmup._child(str(first.path)) == 0           # what its warm-up child runs
    assert seed.is_file() and stat.S_IMODE(seed.stat().st_mode) == 0o600
    header = json.loads(seed.read_bytes().partition(b"\n")[0])
    assert header["actions"] == [] and header["rows"] > 7200 / GRID      # the two hours before any action, at least

    second = directory.create_drill(tmp_path / "two", SCENARIO, ids="another drill's ids")   # another state dir
    cache = second.path / SERIES_CACHE
    assert cache.read_bytes() == seed.read_bytes()
    assert drill_warmup.start(second.path, cache) is None     # nothing left for a warm-up child to do

    # The header is under the digest too: the autoscaler's loop in it sets the ready pods a drill draws, so the seed
    # with that changed alone is not planted (attack55 F7: 3 ready pods for 5 drew P95 112.6 s for 103.2, for good).
    written = seed.read_bytes()
    head, _, rows = written.partition(b"\n")
    changed = json.loads(head) | {"capacity": {"state": "tampered", "marks": [], "ready": {}, "decisions": []}}
    seed.write_bytes(json.dumps(changed).encode() + b"\n" + rows)
    assert not (directory.create_drill(tmp_path / "three", SCENARIO).path / SERIES_CACHE).exists()
    seed.write_bytes(written)

    seeded = Simulator(second.scenario, second.actions, second.wall_time, cache=cache, ids=second.ids)
    cold = Simulator(second.scenario, second.actions, second.wall_time, ids=second.ids)
    end = seeded.refresh().t0 + GRID * (header["rows"] + 90)     # past the seed's rows: integrated on from them
    assert seeded._loaded_rows == header["rows"]               # read from the seed, not integrated again
    times = [end - 7200 + 37.5 * i for i in range(193)]
    for slo in default_slos():
        # to the bit (repr: a NaN is one too)
        assert repr(seeded.evaluate_many(slo.query, times)) == repr(cold.evaluate_many(slo.query, times)), slo.id


def _width() -> int:
    from warroom.drill.model import Signals
    from warroom.drill.scenarios import get_scenario
    from warroom.drill.series import Series

    return Series(Signals(get_scenario(SCENARIO), ())).width


def _body(rows: int, width: int | None = None) -> bytes:
    """Rows of zeros as ``Series.dump`` lays them out: one held chunk; its first row and rates, then the chunk."""
    w = _width() if width is None else width
    return array("d", [1.0, *[0.0] * (2 * w), 0.0, float(rows), *[0.0] * (rows * w)]).tobytes()


def _valid_header(body: bytes, **changes: object) -> dict[str, object]:
    """A seed's header with ``changes``, its digest made after them (of that header and ``body``)."""
    header: dict[str, object] = {"v": simulator._CACHE_VERSION, "code": simulator._code_fingerprint(),
                                 "scenario": SCENARIO, "t0": -7200.0, "width": _width(), "rows": 1, "actions": [],
                                 **changes}
    return header | {"digest": simulator.seed_digest(header, body)}


@pytest.mark.parametrize("damage", ["none", "not json", "other code", "other scenario", "with actions", "a row changed",
                                    "no digest", "group-writable", "symlink", "fifo", "a directory", "another start",
                                    "another width", "rows that do not add up", "more rows than its body holds",
                                    "the header changed after its digest", "a digest of the rows alone"])
def test_a_seed_not_this_codes_scenarios_own_is_never_planted(tmp_path: Path, damage: str) -> None:
    """Each refused seed leaves the new drill without a cache file (it starts cold, as with no seed); the one the
    code would take (``none``) is planted, so the refusals are the rules', not a path that never plants."""
    seed = simulator.seed_file(SCENARIO)
    seed.parent.mkdir(parents=True)
    body = _body(rows=2, width=_width() + (damage == "another width"))
    # a seed the drill would not read (attack54 F5): another grid, or rows its body does not hold, its digest right
    changes = {"other code": {"code": "another warroom"}, "other scenario": {"scenario": "rate-limit"},
               "with actions": {"actions": [["scale", 300.0]]}, "another start": {"t0": -3600.0},
               "another width": {"width": _width() + 1}, "rows that do not add up": {"rows": 3},
               "more rows than its body holds": {"rows": 10 ** 12}}
    header = _valid_header(body, **{"rows": 2, **changes.get(damage, {})})
    if damage == "no digest":
        header["digest"] = None
    elif damage == "the header changed after its digest":    # its autoscaler's loop: the ready pods drawn (attack55 F7)
        header["capacity"] = {"ready": 3}
    elif damage == "a digest of the rows alone":              # as stop 54 wrote it: the header not under it
        header["digest"] = hashlib.blake2b(body, digest_size=16).hexdigest()
    text = b"{not json" if damage == "not json" else json.dumps(header).encode()
    if damage == "a row changed":        # one double of the rows, the header as it was: never drawn (attack54 F3)
        body = body[:-8] + b"\x00" * 6 + b"\xf0\x3f"
    if damage == "symlink":
        real = tmp_path / "elsewhere.cache"
        real.write_bytes(text + b"\n" + body)
        seed.symlink_to(real)
    elif damage == "fifo":
        os.mkfifo(seed, 0o600)            # a FIFO nobody writes: never waited on
    elif damage == "a directory":
        seed.mkdir()
    else:
        seed.write_bytes(text + b"\n" + body)
        seed.chmod(0o620 if damage == "group-writable" else 0o600)
    drill = directory.create_drill(tmp_path / "state", SCENARIO)
    assert (drill.path / SERIES_CACHE).exists() is (damage == "none")


def test_a_cache_file_that_does_not_read_leaves_the_drill_to_integrate_itself(tmp_path: Path) -> None:
    """A drill's cache file whose header is right but whose rows do not load: the drill integrates as without one and
    answers (a seed like it is never planted: ``test_a_seed_not_this_codes_scenarios_own_is_never_planted``)."""
    drill = directory.create_drill(tmp_path / "state", SCENARIO)
    body = b"\x01" * 24
    (drill.path / SERIES_CACHE).write_bytes(json.dumps(_valid_header(body) | {"rows": 10_000}).encode() + b"\n" + body)
    pane = default_slos()[0]
    sample = drill.source([pane]).fetch([pane])[0]
    assert sample.error is None and sample.value is not None


def test_no_seed_from_a_world_with_an_action_in_it(tmp_path: Path) -> None:
    drill = directory.create_drill(tmp_path / "state", SCENARIO)
    import time

    wall = time.time()
    append_actions(drill.path, [Action("test_flow", drill.scenario_time(wall), ts=wall, tool="blocks")])
    assert drill_warmup._child(str(drill.path)) == 0
    assert (drill.path / SERIES_CACHE).is_file()              # its own cache file, as ever
    assert not simulator.seed_file(SCENARIO).exists()


def test_a_fifo_where_the_seed_goes_is_never_waited_on(tmp_path: Path) -> None:
    """The warm-up child reads the seed it may replace: a FIFO there hung it for good (attack54 F4)."""
    fifo = tmp_path / "seed.cache"
    os.mkfifo(fifo, 0o600)
    read: list[bytes | None] = []
    reader = threading.Thread(target=lambda: read.append(simulator._read_own(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert read == [None]
