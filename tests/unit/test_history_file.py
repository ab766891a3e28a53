"""``metrics.json`` read as untrusted input (issue 13 item 8, "replay a real incident"): one loader
for every reader, each refusal naming the file and its line (bytes that are not JSON) or key path
(JSON that is not a history) and what was expected; nothing hangs, nothing read is changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.errors import NotFoundError, WarroomError
from warroom.incident.history import load_history
from warroom.incident.state import IncidentState

INC = "INC-20261203-1"
START = 1_796_000_000.0


def _doc(**top: Any) -> dict[str, Any]:
    """A history as ``record_history`` writes it: two panes, five points each, 15 s apart."""
    def pane(slo_id: str, base: float) -> dict[str, Any]:
        return {"id": slo_id, "title": slo_id.title(), "query": f"q_{slo_id}", "unit": "percent", "warn": 70.0,
                "crit": 80.0, "direction": "above", "runbook": None, "severity": "P3",
                "points": [[START + 15 * k, base + k] for k in range(5)], "readings": [], "stale": [], "error": None}

    return {"version": 1, "incident": INC, "title": "quota climbing", "severity": "P3", "runbook": None,
            "start": START, "end": START + 60, "step": 15.0, "time_scale": 1.0,
            "panes": [pane("quota", 40.0), pane("failure_rate", 0.2)], **top}


def _put(tmp_path: Path, content: bytes | dict[str, Any]) -> Path:
    where = tmp_path / INC
    where.mkdir(exist_ok=True)
    data = content if isinstance(content, bytes) else json.dumps(content, indent=1).encode()
    (where / "metrics.json").write_bytes(data)
    return where


def _refused(where: Path, **check: Any) -> str:
    """The error reading ``where``'s history gives; the file is as it was (bytes and mtime)."""
    path = where / "metrics.json"

    def seen() -> tuple[object, ...] | None:
        if not path.is_file():
            return None
        st = path.stat()
        return st.st_size, st.st_mtime_ns, path.read_bytes() if st.st_size < 2**20 else None

    before = seen()
    with pytest.raises(WarroomError) as err:
        load_history(where, **check)
    assert str(path) in str(err.value) and "Traceback" not in str(err.value)
    assert seen() == before
    return str(err.value).split("cannot be read: ", 1)[-1]


def _edit(change) -> bytes:
    doc = _doc()
    change(doc)
    return json.dumps(doc, indent=1).encode()


def test_a_written_history_reads_back(tmp_path: Path) -> None:
    history = load_history(_put(tmp_path, _doc()))
    assert [p.slo.id for p in history.panes] == ["quota", "failure_rate"]
    assert history.pane("quota").points == tuple((START + 15 * k, 40.0 + k) for k in range(5))


@pytest.mark.parametrize("content, says", ids=[
    "truncated", "empty", "blank", "syntax-line-3", "not-utf8", "nan", "1e999", "huge-int-time", "bool", "negative-time",
    "out-of-order", "repeated-time", "point-and-stale", "unicode-key", "misspelt-key", "unicode-pane-id",
    "duplicate-key", "version-2"], argvalues=[
    (json.dumps(_doc(), indent=1).encode()[:-30], "the file is cut short"),
    (b"", "the file is empty (0 bytes)"),
    (b" \n\t", "the file is empty (3 bytes)"),
    (json.dumps(_doc(), indent=1).replace('"incident"', '"incident" 1,', 1).encode(), "line 3, column 13: not JSON"),
    (b"\xff\xfe garbage", "line 1, column 1: not JSON"),
    (json.dumps(_doc(), indent=1).replace("40.0", "NaN", 1).encode(), ": not JSON (invalid character)"),
    # values warroom never writes: each key path names the pane, and what was expected
    (json.dumps(_doc(), indent=1).replace("41.0", "1e999", 1).encode(),
     "$.panes[0].points[1][1] (pane 'quota'): a number too large for a float"),
    (_edit(lambda d: d["panes"][1]["points"][2].__setitem__(0, 10**40)), "$.panes[1].points[2][0] (pane 'failure_rate')"),
    (_edit(lambda d: d["panes"][0]["points"][2].__setitem__(1, True)), "$.panes[0].points[2][1] (pane 'quota'): expected"),
    (_edit(lambda d: d["panes"][0]["points"][0].__setitem__(0, -1.0)), "$.panes[0].points[0][0] (pane 'quota'): expected"),
    (_edit(lambda d: d["panes"][1]["points"].reverse()),
     "$.panes[1].points[1] (pane 'failure_rate'): time 1796000045.0 is not after the one before it (1796000060.0)"),
    (_edit(lambda d: d["panes"][0]["points"].__setitem__(3, [START + 30, 9.0])), "$.panes[0].points[3] (pane 'quota')"),
    (_edit(lambda d: d["panes"][0]["stale"].extend([[START, 1.0, 99.0]])), "two values at 1796000000.0"),
    (_edit(lambda d: d.update({"pänes": []})), "$: a key warroom never writes: `pänes`"),
    (_edit(lambda d: d["panes"][1].update(warm=3)), "$.panes[1] (pane 'failure_rate'): a key warroom never writes: `warm`"),
    (_edit(lambda d: d["panes"][0].update(id="quötä")), "$.panes[0].id (pane 'quötä'): expected `str` matching"),
    (json.dumps(_doc(), indent=1).replace('"warn": 70.0', '"warn": 1, "warn": 70.0', 1).encode(),
     "key 'warn' appears twice in one object (pane 'quota')"),
    (_edit(lambda d: d.update(version=2)), "$.version: invalid enum value 2: expected 1"),
])
def test_a_bad_history_is_refused_naming_the_file_and_the_place(tmp_path: Path, content: bytes, says: str) -> None:
    assert says in _refused(_put(tmp_path, content))


def test_what_is_not_a_file_is_refused_from_its_type_or_size_without_reading_it(tmp_path: Path, monkeypatch) -> None:
    where = tmp_path / INC
    where.mkdir()
    path = where / "metrics.json"
    assert isinstance(pytest.raises(NotFoundError, load_history, where).value, NotFoundError)
    path.mkdir()
    assert "it is a directory" in _refused(where)
    path.rmdir()
    os.mkfifo(path)            # nothing writes to it: an open for reading would wait forever
    assert "it is a FIFO" in _refused(where)
    path.unlink()
    path.symlink_to("/dev/zero")
    assert "it is a device" in _refused(where)
    path.unlink()
    with open(path, "wb") as fh:
        fh.truncate(500 * 2**20)                    # sparse: 500 MB that take no disk
    def no_read(*_a: object) -> bytes:
        raise AssertionError("read a file refused by its size")

    monkeypatch.setattr(os, "read", no_read)
    assert "524288000 bytes, larger than the 16 MiB" in _refused(where)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(json.dumps(_doc(), indent=1)) - 1),
       flip=st.integers(min_value=0, max_value=255))
def test_a_cut_or_flipped_byte_is_refused_or_reads_the_same(tmp_path: Path, cut: int, flip: int) -> None:
    """Any prefix of a good file, or the file with one byte changed, reads as the original or is
    refused by a WarroomError naming it: never another exception, never a different history."""
    good = json.dumps(_doc(), indent=1).encode()
    want = load_history(_put(tmp_path, good))
    _refused(_put(tmp_path, good[:cut]))
    changed = good[:cut] + bytes([flip]) + good[cut + 1:]
    where = _put(tmp_path, changed)
    try:
        got = load_history(where)
    except WarroomError as exc:
        assert str(where / "metrics.json") in str(exc)
    else:       # a change JSON ignores (whitespace), or a value still valid: exactly what the file says
        doc = json.loads(changed)
        assert [(p.slo.id, [list(pt) for pt in p.points]) for p in got.panes] == [
            (p["id"], p["points"]) for p in doc["panes"]]
        assert (got.start, got.end, got.step) == (doc["start"], doc["end"], doc["step"])
    assert want.pane("quota") is not None


def _state(**fields: Any) -> IncidentState:
    return IncidentState(id=INC, **fields)


def test_a_runbook_or_pane_the_incident_never_had_is_refused(tmp_path: Path) -> None:
    """Checked against the incident's journal (``state``) and its world's panes: a spliced or
    edited file is refused, naming the key; a pane dropped from the config since is still known
    from the journal's numbers, so a real recording is never lost to a config change."""
    attached = [{"id": "RB-CORE-003", "title": "Quota"}]
    where = _put(tmp_path, _doc(runbook="RB-CORE-003"))
    assert load_history(where, state=_state(runbooks=attached), panes=["quota", "failure_rate"]).runbook == "RB-CORE-003"
    says = _refused(where, state=_state(runbooks=[]), panes=["quota", "failure_rate"])
    assert says.startswith("$.runbook: 'RB-CORE-003' is not a runbook INC-20261203-1 was worked with")
    says = _refused(where, state=_state(runbooks=attached), panes=["quota"])
    assert says.startswith("$.panes[1].id: 'failure_rate' is not a pane of INC-20261203-1 (its world and journal"
                           " know quota)")
    summary = {"slos": {"failure_rate": {}}}        # summarised at resolve: the pane the config has since dropped
    assert load_history(where, state=_state(runbooks=attached, metric_summary=summary), panes=["quota"])
    breached = [{"slo_id": "failure_rate", "seq": 3}]
    assert load_history(where, state=_state(runbooks=attached, breaches=breached), panes=["quota"])
    drill = {"scenario": "rate-limit"}              # a simulated drill's world: its own five panes
    assert load_history(where, state=_state(runbooks=attached, drill=drill), panes=[])


def test_the_replay_command_says_why_and_exits_non_zero(tmp_path: Path) -> None:
    """``warroom drill --replay INC-…`` on a damaged recording: one line naming the file and the
    key on stderr, a non-zero exit, no traceback, the file untouched."""
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    inc = IncidentStore(tmp_path / "state", cfg).create(title="quota climbing", severity="P3", runbook=None, source={})
    inc.resolve("breaker on", resolution="circuit breaker")
    doc = _doc(incident=inc.id)
    doc["panes"][0]["points"].reverse()
    path = inc.dir / "metrics.json"
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                          env.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "tui", "drill", "--replay", inc.id, "--state-dir", str(tmp_path / "state")],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert f"{path}: the saved metric history cannot be read: $.panes[0].points[1] (pane 'quota')" in done.stderr
    assert path.read_bytes() == before
