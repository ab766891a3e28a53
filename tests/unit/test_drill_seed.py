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
    first = directory.create_drill(tmp_path / "one", SCENARIO, ids="first drill")
    assert not (first.path / SERIES_CACHE).exists()           # no seed yet: the first drill starts cold
    assert drill_warmup._child(str(first.path)) == 0           # what its warm-up child runs
    seed = simulator.seed_file(SCENARIO)
    assert seed.is_file() and stat.S_IMODE(seed.stat().st_mode) == 0o600
    header = json.loads(seed.read_bytes().partition(b"\n")[0])
    assert header["actions"] == [] and header["rows"] > 7200 / GRID      # the two hours before any action, at least

    second = directory.create_drill(tmp_path / "two", SCENARIO, ids="another drill's ids")   # another state dir
    cache = second.path / SERIES_CACHE
    assert cache.read_bytes() == seed.read_bytes()
    assert drill_warmup.start(second.path, cache) is None     # nothing left for a warm-up child to do

    seeded = Simulator(second.scenario, second.actions, second.wall_time, cache=cache, ids=second.ids)
    cold = Simulator(second.scenario, second.actions, second.wall_time, ids=second.ids)
    end = seeded.refresh().t0 + GRID * (header["rows"] + 90)     # past the seed's rows: integrated on from them
    assert seeded._loaded_rows == header["rows"]               # read from the seed, not integrated again
    times = [end - 7200 + 37.5 * i for i in range(193)]
    for slo in default_slos():
        # to the bit (repr: a NaN is one too)
        assert repr(seeded.evaluate_many(slo.query, times)) == repr(cold.evaluate_many(slo.query, times)), slo.id


def _valid_header(body: bytes) -> dict[str, object]:
    return {"v": simulator._CACHE_VERSION, "code": simulator._code_fingerprint(), "scenario": SCENARIO,
            "t0": -7200.0, "width": 1, "rows": 1, "actions": [],
            "digest": hashlib.blake2b(body, digest_size=16).hexdigest()}


@pytest.mark.parametrize("damage", ["none", "not json", "other code", "other scenario", "with actions", "a row changed",
                                    "no digest", "group-writable", "symlink", "fifo", "a directory"])
def test_a_seed_not_this_codes_scenarios_own_is_never_planted(tmp_path: Path, damage: str) -> None:
    """Each refused seed leaves the new drill without a cache file (it starts cold, as with no seed); the one the
    code would take (``none``) is planted, so the refusals are the rules', not a path that never plants."""
    seed = simulator.seed_file(SCENARIO)
    seed.parent.mkdir(parents=True)
    body = b"\x00" * 64
    header = _valid_header(body)
    changes = {"other code": {"code": "another warroom"}, "other scenario": {"scenario": "rate-limit"},
               "with actions": {"actions": [["scale", 300.0]]}, "no digest": {"digest": None}}
    text = b"{not json" if damage == "not json" else json.dumps(header | changes.get(damage, {})).encode()
    if damage == "a row changed":        # one double of the rows, the header as it was: never drawn (attack54 F3)
        body = b"\x00" * 56 + b"\x01" + b"\x00" * 7
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


def test_a_seed_that_does_not_read_leaves_the_drill_to_integrate_itself(tmp_path: Path) -> None:
    """Planted (its header is right) but its rows do not load: the drill integrates as without one and answers."""
    seed = simulator.seed_file(SCENARIO)
    seed.parent.mkdir(parents=True)
    body = b"\x01" * 24
    seed.write_bytes(json.dumps(_valid_header(body) | {"rows": 10_000}).encode() + b"\n" + body)
    drill = directory.create_drill(tmp_path / "state", SCENARIO)
    assert (drill.path / SERIES_CACHE).exists()
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
