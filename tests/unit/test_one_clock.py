"""One clock: every "now" in warroom is read through ``warroom.scenario_time.now`` / ``utcnow``.

A drill's promises (the 15-minute tier, the update countdown, response verdicts, the report) hold
only if every reader sees the same moment; ``$WARROOM_DRILL_AT`` pins it for tests and facilitator
replays — of a drill only: the clock itself decides whether the process works a drill, so no
other module may read the variable (``tests/unit/test_drill_pin_real.py`` attacks real incidents). A module that reads the wall clock itself is a reader that can disagree, so this test
refuses ``time.time()``, ``datetime.now()``/``utcnow()``/``today()`` and ``date.today()`` anywhere in
the product except the clock itself and the layers that time processes and stamp their own files
(``time.monotonic`` stays free everywhere: it measures waits, not the incident).
"""

from __future__ import annotations

import ast
import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import source_trees

ROOT = Path(__file__).resolve().parents[2]
EXEMPT = {
    "warroom/scenario_time.py": "the clock",
    "warroom/execute": "a run's lines carry the incident's clock as it hands it over (RunSpec.clock_held); the wall"
                       " clock read there is that clock for a real incident (test_a_run_s_start_and_end_lines_...)",
    "warroom/journal": "the journal stamps what the incident service hands it (its fallback is for bare use)",
    "warroom/shared": "the shared store's own stamps and retry timers",
    "warroom/incident/journal_repair.py": "names of the backup files a repair writes",
}


_WALL = {("time", "time"), ("time", "time_ns"), ("datetime", "now"), ("datetime", "utcnow"),
         ("datetime", "today"), ("date", "today")}
_WALL_WITHOUT_ARGS = {("time", "gmtime"), ("time", "localtime"), ("time", "ctime"), ("time", "asctime")}
"""Read the wall clock only when called with no time (``time.gmtime()``; ``time.gmtime(t)`` formats ``t``)."""


def wall_reads(source: str) -> list[int]:
    """Lines of ``source`` that read the wall clock: ``time.time``/``datetime.now`` and kin, called
    or passed on (``clock=time.time``), under any name they were imported by (``from time import
    time``, ``import datetime as dt``, ``from datetime import datetime as DT``), and the formatters
    that read it when given no time (``time.gmtime()``, ``time.strftime(fmt)``)."""
    return _wall_reads_in(ast.parse(source))


@functools.cache
def _nodes(tree: ast.Module) -> tuple[ast.AST, ...]:
    """Every node of ``tree`` in ``ast.walk``'s order, walked once: this file's sweeps of the product (the wall
    clock's readers, twice a module; the pin's readers; the hand-written conversions) walked each tree four times,
    ~0.4 s of CPU a walk of the product. Keyed by the tree itself (``source_trees.tree``: one per module for the
    process, never changed), so a tree parsed from a test's own text is walked afresh."""
    return tuple(ast.walk(tree))


def _wall_reads_in(tree: ast.Module) -> list[int]:
    """:func:`wall_reads` of a parsed module (the product's are parsed once for every sweep: tests.source_trees)."""
    names: dict[str, str] = {}           # a local name -> the module or class it stands for
    lines = []
    for node in _nodes(tree):
        if isinstance(node, ast.Import):
            names.update({a.asname or a.name: a.name for a in node.names if a.name in ("time", "datetime")})
        elif isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for a in node.names:
                if (node.module, a.name) in _WALL | _WALL_WITHOUT_ARGS | {("time", "strftime")}:
                    lines.append(node.lineno)          # the bare function, called by a name of its own
                names[a.asname or a.name] = a.name
    for node in _nodes(tree):          # called or passed on (``clock=time.time``): a reader either way
        if isinstance(node, ast.Attribute):
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (names.get(name, name), node.attr) in _WALL:
                lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.keywords:
            owner = node.func.value
            name = names.get(getattr(owner, "id", ""), getattr(owner, "id", ""))
            if ((name, node.func.attr) in _WALL_WITHOUT_ARGS and not node.args) or \
                    ((name, node.func.attr) == ("time", "strftime") and len(node.args) == 1):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_guard_sees_every_way_of_reading_the_wall_clock() -> None:
    """Each line reads the wall clock; before, only ``time.time`` and ``datetime.now`` spelled so
    were seen: an alias, a bare imported function or a formatter with no time slipped past."""
    seen = "\n".join([
        "import time",
        "import datetime as dt",
        "from datetime import datetime as DT",
        "from time import time as wall_now",
        "a = time.time()",
        "b = dt.datetime.now(dt.UTC)",
        "c = DT.now()",
        "d = DT.utcnow",
        "e = time.gmtime()",
        "f = time.strftime('%H:%M')",
        "g = time.localtime()",
        "h = time.ctime()",
    ])
    assert wall_reads(seen) == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    fine = "\n".join([
        "import time",
        "from datetime import datetime, UTC",
        "a = time.gmtime(t)",
        "b = time.strftime('%H:%M', time.gmtime(t))",
        "c = datetime.fromtimestamp(t, UTC)",
        "d = time.monotonic()",
        "e = time.localtime(unix)",
        "f = self.clock.now()",
    ])
    assert wall_reads(fine) == []


def test_no_reader_of_now_but_the_one_clock() -> None:
    found = []
    for path in source_trees.modules("warroom", "tui", "panes"):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel == k or rel.startswith(k + "/") for k in EXEMPT):
            continue
        found += [f"{rel}:{n}" for n in _wall_reads_in(source_trees.tree(path))]
    assert not found, "read the time through warroom.scenario_time.now()/utcnow():\n" + "\n".join(found)


def test_the_pin_is_read_by_scenario_time_alone() -> None:
    """No other module reads ``$WARROOM_DRILL_AT`` itself (a reader of its own would not ask
    whether the process works a drill): the name appears as a string only in scenario_time."""
    from warroom.scenario_time import AT_ENV

    found = []
    for path in source_trees.modules("warroom", "tui", "panes"):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "warroom/scenario_time.py":
            continue
        for node in _nodes(source_trees.tree(path)):
            if isinstance(node, ast.Constant) and node.value == AT_ENV:
                found.append(f"{rel}:{node.lineno}")
    assert not found, found


SCALING_EXEMPT = {
    "warroom/scenario_time.py": "the conversion itself",
    "warroom/drill/directory.py": "the drill world's own clock (Drill.scenario_time / wall_time), which every drill "
                                  "time is read by",
    "warroom/drill/promql/walk.py": "PromQL's @ times and subquery steps are unix times: the evaluator inverts the "
                                    "catalog's own unix() map (its scale: unix seconds per scenario second), and "
                                    "maps timestamp leaves into the drill frame and results back by the same scale",
    "warroom/incident/replay.py": "a replay's own clock (recorded time <-> wall) and its speed relative to the "
                                  "recorded incident's (a ratio of speeds, not a span)",
}


def _speed_like(node: ast.expr) -> bool:
    """``state.time_scale``, ``drill.speed``, a local ``speed``, ``g.speed``, ``self.scale``, ``replay_speed``..."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name in ("time_scale", "speed", "scale") or name.endswith(("_speed", "_scale"))


def hand_conversions(source: str) -> list[int]:
    """Lines of ``source`` that multiply or divide by a speed: a wall <-> drill conversion written in place."""
    return _hand_conversions_in(ast.parse(source))


def _hand_conversions_in(tree: ast.Module) -> list[int]:
    return sorted({node.lineno for node in _nodes(tree)
                   if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div, ast.FloorDiv))
                   and (_speed_like(node.left) or _speed_like(node.right))})


def test_the_guard_sees_every_hand_written_conversion() -> None:
    """What the drill report wrote in place (a local ``speed``, ``drill.speed``) is seen as well as
    ``state.time_scale``; a product of two other things, or a call to the conversion, is not."""
    seen = "\n".join([
        "a = Span((again - a.t) / speed, speed).text()",
        "b = at - 1800.0 / drill.speed",
        "c = grid_step(start, at, BASE_STEP / drill.speed)",
        "d = (value_time - since) * self.speed",
        "e = x * state.time_scale",
        "f = held // g.speed",
        "g = (t - u0) / self.scale",
        "h = span * replay_speed",
    ])
    assert hand_conversions(seen) == list(range(1, 9))
    fine = "share = {'a': 0.42}['a']\nx = latency * share\ny = stime.wall_seconds(t, speed)\nz = speed\n"
    assert hand_conversions(fine) == []


def test_every_wall_to_drill_conversion_goes_through_scenario_time() -> None:
    """A span read as drill time goes through ``scenario_time`` (``span``/``between``/``left``/``after``/
    ``of_scenario`` with an incident's state; ``drill_seconds``/``wall_seconds``/``of_drill`` where
    the caller holds a speed itself: the drill report, the stand-ins, the panes), never ``x * speed``
    or ``x / state.time_scale`` written in place: one place to read drill time by, so a new
    countdown cannot scale one way and the header another (the drill world's own clock is
    ``Drill.scenario_time``)."""
    found = []
    for path in source_trees.modules("warroom", "tui", "panes"):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in SCALING_EXEMPT:
            found += [f"{rel}:{n}" for n in _hand_conversions_in(source_trees.tree(path))]
    assert not found, "convert through warroom.scenario_time:\n" + "\n".join(found)


def test_the_injected_moment_moves_every_reader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With ``$WARROOM_DRILL_AT`` the journal, ``incident show`` and the drill's clock agree on one
    moment: declared at T, shown at T+150 s wall in a x10 drill = 25 drill minutes, the 15-minute
    tier reached and the first update (due 15 drill minutes after declaring) 10 drill minutes late."""
    from warroom import scenario_time
    from warroom.cli.incident_show import render_show
    from warroom.config import Config
    from warroom.drill.directory import create_drill
    from warroom.incident.store import IncidentStore

    t0 = datetime(2026, 12, 1, 23, 58, tzinfo=UTC).timestamp()          # across midnight, too
    monkeypatch.setenv(scenario_time.AT_ENV, repr(t0))
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    d = create_drill(tmp_path / "drills", "rate-limit", speed=10.0, start=t0 - 60)
    inc = IncidentStore(tmp_path, cfg).create(title="quota", severity="P2", source={},
                                              drill={"scenario": "rate-limit", "speed": 10.0})
    assert inc.state.declared_at == datetime.fromtimestamp(t0, UTC)
    assert d.scenario_time() == 600.0
    monkeypatch.setenv(scenario_time.AT_ENV, repr(t0 + 150))
    assert d.scenario_time() == 2100.0
    now = scenario_time.utcnow()
    assert now - inc.state.declared_at == timedelta(seconds=150)
    text = "\n".join(render_show(inc, inc.state, now))
    assert "elapsed 25m00s drill time (2m30s wall) at ×10" in text
    assert "OVERDUE by 5m00s drill time" in text          # P2: 15m, raised to 20m (2 wall minutes) at x10
    tier = inc.state.escalation_tier(now)
    assert tier.label == "page TL" and tier.minutes == 25.0 and tier.next_tier_in == 5.0
    for bad in ("soon", "-1e12", "1e300", "-5", "nan"):     # finite but no date: a traceback in every command
        monkeypatch.setenv(scenario_time.AT_ENV, bad)
        with pytest.raises(Exception, match="WARROOM_DRILL_AT must be a unix time"):
            scenario_time.now()


def test_a_cli_drill_lives_on_the_injected_clock_and_ago_is_drill_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        warm_drills: None) -> None:
    """``warroom incident`` end to end at x10 on ``$WARROOM_DRILL_AT`` (no wall time passes): the
    drill starts at the injected moment, ``--at '10m ago'`` is ten drill minutes (one wall minute;
    it went back ten WALL minutes = 100 drill minutes), and ``show``/``resolve`` read drill time."""
    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 23, 59, tzinfo=UTC).timestamp()
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0))
    code, out, err = cli("new", "--title", "quota climbing", "--severity", "P3", "--drill", "rate-limit",
                         "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    assert cli("mark", inc, "started", "--at", "10m ago")[0] == 0
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0 + 120))          # two wall minutes later, past midnight
    code, out, _ = cli("show", inc)
    assert "elapsed 20m00s drill time (2m00s wall) at ×10" in out
    assert "Time to detect" in out and "10m00s drill time (1m00s wall)" in out
    code, out, err = cli("resolve", inc, "--summary", "breaker on", "--yes")
    assert code == 0, err
    assert "resolved after 20m00s drill time (2m00s wall)" in out


def test_the_dashboard_s_when_field_reads_ago_in_drill_time() -> None:
    from tui.screens.modals.timeline_entry import parse_at

    now = datetime(2026, 12, 2, 0, 0, 30, tzinfo=UTC)
    assert parse_at("15m ago", now, 10.0) == now - timedelta(seconds=90)
    assert parse_at("-15m", now) == now - timedelta(minutes=15)                 # a real incident
    assert parse_at("23:59", now, 10.0) == datetime(2026, 12, 1, 23, 59, tzinfo=UTC)   # an instant stays one


def test_the_drill_report_from_the_cli_on_the_injected_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        warm_drills: None) -> None:
    """``warroom incident drill-report ID``: a headless drill's report, at the pinned moment, in
    drill time — the breaker switched off again is a miss with when, and the retry never done."""
    import json

    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 23, 59, tzinfo=UTC).timestamp()
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0))
    code, out, err = cli("new", "--title", "quota climbing", "--severity", "P3", "--drill", "rate-limit",
                         "--speed", "10", "--runbook", "RB-CORE-003")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    from warroom.incident.store import IncidentStore

    found = IncidentStore(tmp_path / "state").open(inc)
    d = found.open_drill()
    d.record("circuit_breaker", tool="kubectl", argv=("set", "env"), at=t0 + 30)        # +5m drill time
    d.record("circuit_breaker_off", tool="kubectl", argv=("set", "env"), at=t0 + 60)    # +10m
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0 + 150))
    code, out, err = cli("drill-report", inc)
    assert code == 0, err
    assert "×10" in out and "+5m00s 23:59:30 circuit breaker enabled" in out and "+10m00s 00:00:00 circuit breaker disabled" in out
    assert "switched off 5m00s drill time (30s wall) later" in out
    assert "Not done: circuit breaker enabled (ENABLE_CIRCUIT_BREAKER=true) (switched off 5m00s drill time" in out
    # the breaker was taken and lost: said; the retry never taken is the answer while the incident is open
    assert "failed flows retried (never done" not in out and "its steps in order" in out
    code, out, _ = cli("drill-report", inc, "--json")
    assert json.loads(out)["resolution_missing"] == ["circuit_breaker"]


def test_the_drill_report_s_path_is_the_scenario_s_runbook_after_a_go_opened_another(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        warm_drills: None) -> None:
    """A GO in the mass-failure drill opens RB-LAUNCH-002 beside RB-LAUNCH-005: the headless report
    listed RB-LAUNCH-002's steps under 'Runbook RB-LAUNCH-005 path' (it took the runbook attached
    last); it compares with the scenario's own runbook, as the dashboard's does, and a report
    handed another runbook names the one whose steps it lists."""
    from tests.unit.incident_fixtures import Cli
    from warroom.incident.drill_report import drill_report
    from warroom.incident.store import IncidentStore
    from warroom.runbook.library import RunbookLibrary
    from warroom.config import Config

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC).timestamp()
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0))
    code, out, err = cli("new", "--drill", "mass-failure")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    code, out, err = cli("decide", inc, "--go", "--why", "wide outage", "--by", "ic")
    assert code == 0 and "RB-LAUNCH-002 opened" in out, out + err
    code, out, err = cli("drill-report", inc)
    assert code == 0, err
    lib = RunbookLibrary.from_config(Config())
    own, other = lib.get("RB-LAUNCH-005"), lib.get("RB-LAUNCH-002")
    assert own is not None and other is not None
    assert f"Runbook RB-LAUNCH-005 path: 0 of {len(own.steps)} steps done" in out, out
    [own_path] = [ln for ln in out.splitlines() if "Runbook RB-LAUNCH-005 path:" in ln]
    assert other.steps[0].label not in own_path                # RB-LAUNCH-002's first step: not RB-LAUNCH-005's
    # the runbook the GO opened is listed as itself (A25-9), its steps under its own heading
    assert f"Runbook RB-LAUNCH-002 (opened by the GO) path: 0 of {len(other.steps)} steps done" in out, out
    mine = out.split("Runbook RB-LAUNCH-005, its steps in order:")[1].split("Runbook RB-LAUNCH-002 (opened by the GO)")[0]
    assert other.steps[0].label not in mine
    assert cli("resolve", inc, "--summary", "rolled back", "--rollback", "--yes")[0] == 0   # after a GO: said, never defaulted
    code, out, err = cli("drill-report", inc)
    assert "Runbook RB-LAUNCH-005 MTTR target < 30 min: met on the clock, not a recovery (as above)." in out, out   # its own 30m, not RB-LAUNCH-002's 10m; resolved at once, the failures past 1 %
    found = IncidentStore(tmp_path / "state").open(inc)
    assert drill_report(found.open_drill(), found.state, at=t0, runbook=other).runbook == "RB-LAUNCH-002"


def test_a_run_s_start_and_end_lines_carry_the_incident_s_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        warm_drills: None) -> None:
    """The step's supervisor (another process) journals ``step.started``/``step.finished``: on a
    drill pinned by ``$WARROOM_DRILL_AT`` it stamped them (line ``ts``, ``started_at``, ``ended_at``)
    with the wall clock while every other line had the pinned moment — a run "started 16:54:09"
    after a gate deadline of 16:53:23 in the same drill (marks24-1). Every line of the incident
    now carries the incident's one clock; the run's duration stays the real seconds it took."""
    import json

    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 23, 59, 30, tzinfo=UTC)          # never the box's wall clock in this test
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0.timestamp()))
    code, out, err = cli("new", "--drill", "rate-limit", "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    code, out, err = cli("run", inc, "3", "--yes")              # blocks quota show --all, a stand-in
    assert code == 0, out + err
    lines = [json.loads(x) for x in cli.journal(inc).read_text(encoding="utf-8").splitlines() if x.strip()]
    runs = [e for e in lines if e["type"] in ("step.started", "step.finished")]
    assert [e["type"] for e in runs] == ["step.started", "step.finished"]
    pinned = "2026-12-02T23:59:30.000Z"
    assert {e["ts"] for e in lines} == {pinned}, [(e["type"], e["ts"]) for e in lines if e["ts"] != pinned]
    assert runs[0]["data"]["started_at"] == runs[1]["data"]["started_at"] == runs[1]["data"]["ended_at"] == pinned
    assert runs[1]["data"]["status"] == "ok" and runs[1]["data"]["duration"] >= 0
    from warroom.incident.store import IncidentStore

    state = IncidentStore(tmp_path / "state").open(inc).state
    run = state.steps[runs[0]["data"]["step_id"]].last_run
    assert run is not None and run.started_at == run.ended_at == state.declared_at == t0
    assert state.first_action_at == t0                      # the response time is 0, not hours negative


def test_a_run_found_interrupted_is_ended_on_the_incident_s_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        warm_drills: None) -> None:
    """A start whose supervisor died without an end is ended ``interrupted`` by whoever looks next
    (``incident show`` reconciles): that line, too, carries the pinned drill's moment, not the wall."""
    import json

    from tests.unit.incident_fixtures import Cli
    from warroom.journal.log import Journal

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 23, 59, 30, tzinfo=UTC)
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0.timestamp()))
    code, out, err = cli("new", "--drill", "rate-limit", "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    outputs = cli.journal(inc).parent / "outputs"
    outputs.mkdir(exist_ok=True)
    (outputs / "0001-gone.log").write_text("")                         # no supervisor holds it: it died
    Journal(cli.journal(inc)).append("step.started", {"step": 3, "step_id": "gone", "output": "outputs/0001-gone.log",
                                                      "started_at": "2026-12-02T23:59:30.000Z"}, ts=t0)
    assert cli("show", inc)[0] == 0
    lines = [json.loads(x) for x in cli.journal(inc).read_text(encoding="utf-8").splitlines() if x.strip()]
    (end,) = [e for e in lines if e["type"] == "step.finished"]
    assert end["data"]["status"] == "interrupted"
    assert end["ts"] == end["data"]["detected_at"] == "2026-12-02T23:59:30.000Z", end
