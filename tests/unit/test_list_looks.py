"""attack52 F6: ``incident list`` looks at a mitigation's gates before it says "mitigated".

The list read the journal alone: with the CLI only, rate-limit's routing undone by hand after its gate passed read
"mitigated" until some other command (``show``, ``brief``, the dashboard's poll) looked and journaled the relapse. The
list now reads each counted gate's measure once (``incident_metrics.listed_status``), journals what it sees as every
look does (dated when the measure crossed its line), and says a gate it could not read: "NOT CHECKED", never
"mitigated" as if checked. Through the CLI in-process; the drill world, runbook and journal are real, the clock pinned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_gate_relapse_journaled import ROUTE, UNDO, _lines, _mitigated, _unpinned  # noqa: F401


class Down:
    """A metric source that cannot be reached (Prometheus down): every query refused."""

    name = "prometheus"

    def query(self, expr: str, at: float | None = None) -> list[Any]:
        raise ConnectionRefusedError("connection refused")

    def close(self) -> None:
        return None


def _list(tmp_path: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[str, str]:
    from tui.cli import main

    assert main(["incident", "list", "--state-dir", str(tmp_path / "incidents"), *more]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return out, err


def test_list_reads_the_gate_says_the_relapse_at_its_crossing_and_never_an_unchecked_mitigated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    d, clock, inc = _mitigated(tmp_path)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)       # the gate's measure is past its line; nothing has looked
    capsys.readouterr()

    # the source down: the list cannot look, so it does not say "mitigated" as if it had
    with monkeypatch.context() as m:
        m.setattr("warroom.cli.incident_metrics.metric_source", lambda inc: (Down(), d.speed))
        out, err = _list(tmp_path, capsys)
    [row] = [line for line in out.splitlines() if line.startswith(inc.id)] or [out + err]
    assert " mitigated · NOT CHECKED " in row, out
    assert f"warning: {inc.id}: the verify gate of step 10 (Failure rate (5m)) was not read: connection refused" \
           in err, err
    assert not _lines(inc)

    # the source up: the list reads the gate, journals the relapse once, dated when the measure crossed its line
    out, err = _list(tmp_path, capsys)
    [line] = _lines(inc) or [{"out": out + err}]
    assert line.get("type") == "gate.relapsed" and line["seen_at"] > line["at"], line
    [row] = [r for r in out.splitlines() if r.startswith(inc.id)]
    assert f" mitigated · RELAPSED since {line['at'][11:19]} " in row, out
    out, _ = _list(tmp_path, capsys, "--json")
    [listed] = [i for i in json.loads(out) if i["id"] == inc.id]
    assert listed["relapsed"]["since"][11:19] == line["at"][11:19] and listed["not_checked"] is None, listed
    assert len(_lines(inc)) == 1        # looked at again: nothing more to say


def test_a_drill_left_open_far_behind_its_now_is_not_simulated_for_a_list(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """attack53 A12: the look simulated the drill's world from its cache up to now, however far: a drill incident left
    mitigated a day at x60 (sixty drill days) made every ``incident list`` run minutes before it printed a row, the
    real incidents' rows too. Past ``LIST_LOOK_BEHIND`` of drill time the list does not look: NOT CHECKED and why."""
    from warroom.cli.incident_metrics import LIST_LOOK_BEHIND
    from warroom.drill.series import GRID, Series
    from warroom.paths import command

    d, clock, inc = _mitigated(tmp_path)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(2500.0 + LIST_LOOK_BEHIND + 7200.0)     # two drill hours past what a list simulates
    capsys.readouterr()
    rows: list[int] = []
    integrate = Series._integrate

    def counted(self: Series, first: int, last: int, *args: Any) -> None:
        rows.append(last - first + 1)
        integrate(self, first, last, *args)

    monkeypatch.setattr(Series, "_integrate", counted)
    out, err = _list(tmp_path, capsys)
    [row] = [line for line in out.splitlines() if line.startswith(inc.id)] or [out + err]
    assert " mitigated · NOT CHECKED " in row, out
    assert "the drill's world is simulated only up to " in err, err
    assert "a list does not simulate more than 4h00m00s" in err, err
    assert f"`{command('incident', 'show', inc.id)}` looks" in err, err
    assert sum(rows) * GRID < 3600.0, sum(rows)       # what a look would have simulated: ~6 drill hours
    assert not _lines(inc)


def _three_mitigated(tmp_path: Path) -> tuple[Any, Any, list[Any]]:
    """Three incidents on one rate-limit drill, each mitigated by the routing's gate (run once in the drill world, by
    the first: the others journal the same run, so the world is simulated once), the routing then undone by hand:
    each gate's measure past its line at drill second 3100, where the clock is left."""
    from warroom.drill.directory import DrillSource
    from warroom.incident.live import LiveIncident
    from warroom.incident.store import IncidentStore
    from warroom.journal import events as ev
    from warroom.sources.verify import settle_open
    from tests.unit.test_gate_relapse_journaled import KEY, ROUTE, RUNBOOK

    d, clock, first = _mitigated(tmp_path)
    incs = [first]
    for i in (1, 2):
        clock.t = d.wall_time(1500.0)
        inc = IncidentStore(tmp_path / "incidents", first.config, clock=clock).create(
            title=f"Flows failing {i}", severity="P3", runbook=str(RUNBOOK),
            drill={"scenario": "rate-limit", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
        step = inc.runbook().step(KEY[1])
        data = {"step": step.number, "step_id": step.id, "runbook_id": KEY[0], "label": step.label,
                "mutating": True, "command": " ".join(ROUTE),
                "params": {"deployment": "flowengine", "namespace": "production"}}
        inc.append(ev.STEP_STARTED, data)
        clock.t = d.wall_time(1501.0)
        inc.append(ev.STEP_FINISHED, {**data, "status": "ok", "exit_code": 0})
        LiveIncident(inc, DrillSource(d), speed=d.speed).open_gate(KEY, step.number, str(step.verify))
        clock.t = d.wall_time(2401.0)
        settle_open(inc, inc.read().events, DrillSource(d), [], now=clock.t, speed=d.speed)
        assert inc.refresh().status == "mitigated"
        incs.append(inc)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)
    return d, clock, incs


class Answers:
    """A Prometheus (by its URL: the list's key for it) whose instant queries answer ``value``, or raise ``instant``,
    and whose range reads raise ``history``; every query counted by kind."""

    name = "prometheus"

    def __init__(self, asked: list[str], *, value: float = 14.5, instant: Exception | None = None,
                 history: Exception | None = None) -> None:
        self.url, self.asked, self.value, self.instant, self.history = "http://prom.test:9090", asked, value, \
            instant, history

    def query(self, expr: str, at: float | None = None) -> list[Any]:
        self.asked.append("instant")
        if self.instant is not None:
            raise self.instant
        return [({}, self.value, at or 0.0)]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Any]:
        self.asked.append("range")
        if self.history is not None:
            raise self.history
        return []

    def close(self) -> None:
        return None


def test_a_list_asks_a_dead_source_once_and_says_so_once_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """attack53 A2: each mitigated incident's look asked the Prometheus afresh and waited its whole timeout, in series,
    against a server the previous incident had just found dead: N incidents, N timeouts before a row, and N identical
    warnings. Within one list a source that could not be reached (no connection, no answer within its timeout) is not
    asked again: the later incidents say NOT CHECKED with its reason, the warning names the source once. A source
    that answered, however badly, is asked for each incident; one whose history read found no answer in time is still
    asked its instant reads. Against a real socket on 127.0.0.1 that accepts (the kernel's backlog) and never
    answers: the connections are counted, not the time. Reached and late, the source is asked `vector(1)` once
    (attack54 F6: one late answer is the query's unless the source answers nothing): two connections a list.
    attack55 F1: a history read the list declined (the source found too slow for history by another incident's look,
    the list's budget spent between a gate's read and its crossing's, or before what came before the relapse)
    journaled the relapse "seen" at the look, though the history was there to read; held back "for the next look"
    instead, it was lost once the measure came back before that look (attack56 A1): what a look read is journaled
    all the same, dated at the look, and the list says whose refusal left it undated."""
    import socket

    from warroom.cli import sources_down
    from warroom.cli.incident_metrics import metric_source as drill_source
    from warroom.incident.gate_relapse import NotAsked
    from warroom.config.schema import PrometheusConfig
    from warroom.sources.prom_results import QueryError
    from warroom.sources.prometheus import PrometheusSource

    d, clock, incs = _three_mitigated(tmp_path)
    ids = [inc.id for inc in incs]
    capsys.readouterr()
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        opened: list[str] = []

        def dead(inc: Any) -> tuple[Any, float]:
            opened.append(inc.id)
            return PrometheusSource(PrometheusConfig(url=url, timeout=0.3)), d.speed

        monkeypatch.setattr("warroom.cli.incident_metrics.metric_source", dead)
        out, err = _list(tmp_path, capsys)
        listed, _ = _list(tmp_path, capsys, "--json")
        server.setblocking(False)
        connections = 0
        while True:
            try:
                server.accept()[0].close()
            except BlockingIOError:
                break
            connections += 1
    assert sorted(opened) == sorted(ids * 2)        # each incident's source opened, for the text and for --json
    # the query and the probe a list, the later incidents' never: at most 4. At least one a list: a request whose
    # deadline (the source's 0.3 s) ran out on a busy box before its connection was made is a source not reached,
    # and is not probed (ci57a: 3, under load ~5 on 2 cores); the count is what the claim is about, not the clock
    assert 2 <= connections <= 4, connections
    for inc in incs:
        [row] = [line for line in out.splitlines() if line.startswith(inc.id)] or [out + err]
        assert " mitigated · NOT CHECKED " in row, out
    said = f"prometheus at {url}: no answer from {url[7:]} within 0.3s, and none to `vector(1)` either: it answers" \
           " nothing"
    assert err.splitlines() == [f"warning: {said}: 3 mitigated incidents NOT CHECKED ({', '.join(ids)}):"
                                " their status is the journal's, not checked now"], err
    gate = "the verify gate of step 10 (Failure rate (5m)) was not read: "
    assert {i["id"]: i["not_checked"] for i in json.loads(listed)} == {
        ids[0]: [gate + said],
        **{i: [f"{gate}{said} (found so looking at {ids[0]}'s gates: not asked again)"] for i in ids[1:]}}
    assert not any(_lines(inc) for inc in incs)

    # an answer, however bad, was about its query: each incident's own gate is asked, and says its own problem
    asked: list[str] = []
    monkeypatch.setattr("warroom.cli.incident_metrics.metric_source",
                        lambda inc: (Answers(asked, instant=QueryError("bad_data: parse error", kind="error")), 1.0))
    out, err = _list(tmp_path, capsys)
    assert asked == ["instant"] * 3 and " mitigated · NOT CHECKED " in out, (asked, out)
    assert [line.split(": ", 2)[1] for line in err.splitlines()] == ids and "bad_data: parse error" in err, err

    # its history (the relapse's crossing) not given in time: not asked again, its instant reads still are
    asked.clear()
    monkeypatch.setattr("warroom.cli.incident_metrics.metric_source", lambda inc: (
        Answers(asked, history=QueryError("no answer from prom.test:9090 within 2s", kind="slow")), d.speed))
    out, err = _list(tmp_path, capsys)
    assert asked == ["instant", "range", "instant", "instant"], asked
    # attack53 A5: the first incident's own history read failed: dated at the look, as nothing could say when it
    # crossed, and said so ("seen", never "since"); the others' were the list's refusal (attack56 A1: held back "for
    # the next look", they were lost once the measure came back before it): journaled all the same, dated at the look
    assert all(" mitigated · RELAPSED, seen " in line for line in out.splitlines() if line[:18].strip() in ids), out
    assert [len(_lines(inc)) for inc in incs] == [1, 1, 1], err
    assert all("seen_at" not in _lines(inc)[0] for inc in incs), [_lines(inc) for inc in incs]
    assert err.splitlines() == [
        f"warning: prometheus at http://prom.test:9090: its history: no answer from prom.test:9090 within 2s: 2"
        f" mitigated incidents read and journaled without all of their history ({ids[1]}, {ids[2]}): not read: when"
        " what was read began (journaled as read at the look)"], err
    for inc in incs:
        [entry] = [t for t in inc.state.sorted_timeline() if t.kind == "gate.relapsed"]
        assert entry.text.endswith("past its line (when a look read it: when it crossed its line was not read)"), entry

    # the routing put back by hand before anyone looks again; the list's budget spent between the second incident's
    # gate read and its crossing's read (each gate read takes 8s of the list's clock, counted): its recovery read is
    # journaled, dated at the look, the third not looked at (attack56 A1: before, the second's relapse was in no
    # journal, and nothing was due once the measure was back: the incident "held")
    assert typed_in_shell(d, ROUTE, 3200.0) == 0
    clock.t = d.wall_time(4200.0)

    class Costly:
        def __init__(self, source: Any) -> None:
            self._source = source

        def __getattr__(self, name: str) -> Any:
            found = getattr(self._source, name)
            if name not in ("query", "fetch", "instant") or not callable(found):
                return found

            def read(*args: Any, **kwargs: Any) -> Any:
                try:
                    return found(*args, **kwargs)
                finally:
                    now[0] += 8.0
            return read

    now = [0.0]
    with monkeypatch.context() as m:
        m.setattr(sources_down, "list_clock", lambda: now[0])
        m.setattr("warroom.cli.incident_metrics.metric_source",
                  lambda inc: (lambda opened: (Costly(opened[0]), opened[1]))(drill_source(inc)))
        out, err = _list(tmp_path, capsys)
    assert now[0] == 16.0 and [len(_lines(inc)) for inc in incs] == [2, 2, 1], (now, err)
    first, second = _lines(incs[0])[1], _lines(incs[1])[1]
    assert first["type"] == second["type"] == "gate.recovered", (first, second)
    assert first["seen_at"] > first["at"] and "seen_at" not in second, (first, second)   # its crossing: not read
    rows = {i: next(line for line in out.splitlines() if line.startswith(i)) for i in ids}
    assert all(" P3  mitigated  " in rows[i] for i in ids[:2]) and " mitigated · RELAPSED, seen " in rows[ids[2]], out
    assert err.splitlines() == [
        f"warning: this list's 15s for reading gates was spent: 1 mitigated incident NOT CHECKED ({ids[2]}): its"
        " status is the journal's, not checked now",
        f"warning: this list's 15s for reading gates was spent: 1 mitigated incident read and journaled without all"
        f" of its history ({ids[1]}): not read: when what was read began (journaled as read at the look)"], err

    # undone again; the read of what came before a relapse (its flaps, ``gate_relapse.earlier``) declined after its
    # crossing was read: the relapse is journaled all the same, dated when it crossed, only what came before unsaid
    assert typed_in_shell(d, UNDO, 4300.0) == 0
    clock.t = d.wall_time(5000.0)
    monkeypatch.setattr("warroom.cli.incident_metrics.metric_source", drill_source)
    why = "not read: declined by its asker"

    def declined(*args: Any, **kwargs: Any) -> Any:
        raise NotAsked(why, "elsewhere")

    with monkeypatch.context() as m:
        m.setattr("warroom.sources.verify.flaps", declined)
        out, err = _list(tmp_path, capsys)
    assert [len(_lines(inc)) for inc in incs] == [3, 3, 1], err
    assert err.splitlines() == [f"warning: {i}: its gates were read and journaled without all of their history: not"
                                f" read: what came before the relapse read: {why}" for i in ids[:2]], err

    # the next look has nothing more to say: every relapse is journaled once, each dated as its look could
    out, err = _list(tmp_path, capsys)
    assert not err, err
    for inc in incs[:2]:
        line = _lines(inc)[-1]
        assert line["type"] == "gate.relapsed" and line["seen_at"] > line["at"] and line["crossed_text"], line
        [row] = [r for r in out.splitlines() if r.startswith(inc.id)]
        assert f" mitigated · RELAPSED since {line['at'][11:19]} " in row, out
    listed, _ = _list(tmp_path, capsys, "--json")
    assert [i["relapsed"]["since_is"] for i in json.loads(listed) if i["id"] in ids] == ["crossed", "crossed", "seen"]
    assert [len(_lines(inc)) for inc in incs] == [3, 3, 1]


def test_a_slow_source_never_keeps_the_lists_from_journaling_what_they_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """attack56 A7: a source answering each read in 5 s, within its timeout (a loaded Prometheus, a heavy gate): a
    relapse's look needs three reads (the gate's instant, its crossing, the finer read or its flaps), so the list's 15 s
    declined the third on every list, the look held the relapse back "for the next look", the next list began with the
    same incident and declined the same read: no list ever journaled anything, the others NOT CHECKED for good. What a
    look read is journaled (dated at the look when its history was declined): the next list's look at that incident is
    one instant read, and its budget reaches the next. Every read costs 5 s of the list's clock, counted, never
    waited."""
    from warroom.cli import sources_down
    from warroom.cli.incident_metrics import metric_source as drill_source

    d, clock, incs = _three_mitigated(tmp_path)
    capsys.readouterr()

    class Slow:
        """The drill's own source as a Prometheus (by its URL), each read moving the list's clock 5 s."""

        url, name = "http://prom.test:9090", "prometheus"

        def __init__(self, source: Any) -> None:
            self._source = source

        def __getattr__(self, name: str) -> Any:
            found = getattr(self._source, name)
            if name not in ("query", "fetch", "instant", "query_range", "range_aged") or not callable(found):
                return found

            def read(*args: Any, **kwargs: Any) -> Any:
                try:
                    return found(*args, **kwargs)
                finally:
                    now[0] += 5.0
            return read

    journaled = []
    for _ in range(3):
        now = [0.0]
        with monkeypatch.context() as m:
            m.setattr(sources_down, "list_clock", lambda: now[0])
            m.setattr("warroom.cli.incident_metrics.metric_source",
                      lambda inc: (lambda opened: (Slow(opened[0]), opened[1]))(drill_source(inc)))
            _out, err = _list(tmp_path, capsys)
        assert now[0] <= 15.0 + 5.0, now                          # within the budget, and one read begun in it
        journaled.append([len(_lines(inc)) for inc in incs])
        clock.t += 1.0
    assert journaled == [[1, 0, 0], [1, 1, 0], [1, 1, 1]], (journaled, err)
    assert all(line["type"] == "gate.relapsed" for inc in incs for line in _lines(inc))


class _Late:
    """A Prometheus on 127.0.0.1 that holds each instant query of a gate while ``late[0]`` says so (True), until the
    asker gives up and shuts the connection (no sleep; no answer ever sent), answers it with a body cut after 10 of
    its 500 bytes when it says "cut", and answers every other query at once: the gate's measure past its line, an
    empty history; ``vector(1)`` is held as a gate's is while ``hold_probe``. ``late`` moves on one word per gate
    query (its last word stays). Each held gate query moves the list's clock (``clock``) on ``cost`` seconds: what a
    held query costs, counted, never waited. Every query is kept in ``asked``."""

    def __init__(self, late: list[bool | str], cost: float) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        self.asked: list[str] = []
        self.now, self.cost, self.hold_probe = 0.0, cost, False
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return None

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)["query"][0]
                gate = parts.path == "/api/v1/query" and query != "vector(1)"
                how = late[0] if gate else owner.hold_probe and query == "vector(1)"
                if gate and len(late) > 1:
                    late.pop(0)
                owner.asked.append(("held " if how is True else "cut " if how == "cut" else "")
                                   + ("vector(1)" if query == "vector(1)" else parts.path))
                if how is True:
                    owner.now += owner.cost if gate else 0.0
                    self.rfile.read()                   # until the asker's deadline shuts the connection
                    return
                kind, result = ("matrix", []) if parts.path.endswith("_range") else \
                    ("vector", [{"metric": {}, "value": [1, "14.5"]}])
                body = json.dumps({"status": "success", "data": {"resultType": kind, "result": result}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(500 if how == "cut" else len(body)))
                self.end_headers()
                self.wfile.write(body[:10] if how == "cut" else body)     # cut: the connection closes mid-body

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def clock(self) -> float:
        return self.now

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_late_answer_is_its_query_s_and_a_list_looks_within_its_budget(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """attack54 F6: one incident's late answer (a GC pause, one heavy gate query) marked a healthy Prometheus down for
    the list: every later incident NOT CHECKED, "not asked again", its cheap query never asked. Late on a made
    connection, the source is asked `vector(1)`: answered, only that query failed, the others are asked. And a list
    reads within its budget (``LIST_BUDGET`` on the list's clock, here moved by the held queries) by construction:
    each query and the probe are given the source's timeout or what is left of the budget, whichever is shorter
    (attack55 F2: 15 s plus a query and its probe each to the source's timeout, 30.5 s with a 10 s one; and "answered
    `vector(1)` at once" said of a probe that took 9.8 s); a request the budget ended is the list's, never the
    source's. An answer cut mid-body is the source reached (attack55 F3: "down" for the whole list, never probed).
    The incidents left say NOT CHECKED and why, once. A real HTTP server on 127.0.0.1; queries counted."""
    from warroom.cli import sources_down
    from warroom.config.schema import PrometheusConfig
    from warroom.paths import command
    from warroom.sources.prometheus import PrometheusSource

    d, clock, incs = _three_mitigated(tmp_path)
    ids = [inc.id for inc in incs]
    capsys.readouterr()
    late: list[bool | str] = [True]                     # every gate's query held, the probes answered
    server = _Late(late, cost=10.0)
    timeout = [0.3]
    gate = "the verify gate of step 10 (Failure rate (5m)) was not read: "
    where = f"prometheus at {server.url}"
    own = f"no answer from {server.url[7:]} within 0.3s ({where} answered `vector(1)`: it serves, this query alone" \
          " failed)"
    ran_out = "this list's 15s for reading gates ran out"
    spent = [f"warning: this list's 15s for reading gates was spent: {n} NOT CHECKED ({', '.join(left)}):"
             f" {'their status is' if len(left) > 1 else 'its status is'} the journal's, not checked now"
             for n, left in (("1 mitigated incident", ids[2:]), ("3 mitigated incidents", ids),
                             ("2 mitigated incidents", ids[1:]))]
    try:
        monkeypatch.setattr(sources_down, "list_clock", server.clock, raising=False)   # none before
        monkeypatch.setattr("warroom.cli.incident_metrics.metric_source", lambda inc: (
            PrometheusSource(PrometheusConfig(url=server.url, timeout=timeout[0])), d.speed))
        out, err = _list(tmp_path, capsys)
        # 10s, then 20s >= 15s: the second late query's probe is not asked (none left of the budget), nor the third
        assert server.asked == ["held /api/v1/query", "vector(1)", "held /api/v1/query"], server.asked
        rows = {i: next(line for line in out.splitlines() if line.startswith(i)) for i in ids}
        assert all(" mitigated · NOT CHECKED " in row for row in rows.values()), out
        assert err.splitlines() == [
            f"warning: {ids[0]}: {gate}{own}: its status is the journal's, not checked now",
            f"warning: {ids[1]}: {gate}no answer from {server.url[7:]} within 0.3s ({ran_out} before {where}"
            " answered `vector(1)`: whether it serves was not read): its status is the journal's, not checked now",
            spent[0]], err
        assert not any(_lines(inc) for inc in incs)
        server.now = 0.0
        out, _ = _list(tmp_path, capsys, "--json")
        assert json.loads(out)[2]["not_checked"] == [
            f"{gate}not read: {ran_out} (`{command('incident', 'show', ids[2])}` looks at it alone)"], out

        # attack55 F2: a query begun with 0.1s of the budget left, on a source whose timeout is 3s, is ended by the
        # budget (its 3s never waited): the list's, so no probe, the source not marked; nothing more is asked
        server.asked.clear()
        server.now, server.cost, timeout[0] = 0.0, 0.0, 3.0
        with monkeypatch.context() as m:
            m.setattr(sources_down, "LIST_BUDGET", 0.1)
            out, err = _list(tmp_path, capsys)
        assert server.asked in ([], ["held /api/v1/query"]), server.asked     # [] when aborted before it was read
        assert err.splitlines() == [spent[1].replace("15s", "0.1s")], err
        assert all(" mitigated · NOT CHECKED " in line for line in out.splitlines() if line[:18].strip() in ids), out

        # ... and a probe begun with 0.05s left, held: not known whether the source serves, so not said down
        server.asked.clear()
        server.now, server.cost, server.hold_probe, timeout[0] = 0.0, 14.95, True, 0.3
        out, err = _list(tmp_path, capsys)
        assert server.asked[:1] == ["held /api/v1/query"] and server.asked[1:] in ([], ["held vector(1)"]), \
            server.asked                                # the probe: [] when aborted before it was read
        assert err.splitlines() == [
            f"warning: {ids[0]}: {gate}no answer from {server.url[7:]} within 0.3s ({ran_out} before {where}"
            " answered `vector(1)`: whether it serves was not read): its status is the journal's, not checked now",
            spent[2]], err

        # one late answer, then a healthy source: only that incident's gate is not read, the others are
        server.asked.clear()
        server.now, server.cost, server.hold_probe = 0.0, 10.0, False
        late[:] = [True, False]
        out, err = _list(tmp_path, capsys)
        assert server.asked == ["held /api/v1/query", "vector(1)", "/api/v1/query", "/api/v1/query_range",
                                "/api/v1/query", "/api/v1/query_range"], server.asked
        rows = {i: next(line for line in out.splitlines() if line.startswith(i)) for i in ids}
        assert " mitigated · NOT CHECKED " in rows[ids[0]] and all(     # its history empty: seen, crossing not read
            " mitigated · RELAPSED, seen " in rows[i] for i in ids[1:]), out
        assert err.splitlines() == [f"warning: {ids[0]}: {gate}{own}: its status is the journal's, not checked now"], \
            err
        assert [len(_lines(inc)) for inc in incs] == [0, 1, 1]

        # attack55 F3: one answer cut mid-body, then a healthy source: the source was reached, so it is probed (and
        # answers); only that incident's gate is not read, the others are (their relapses journaled: no history read)
        server.asked.clear()
        server.now = 0.0
        late[:] = ["cut", False]
        out, err = _list(tmp_path, capsys)
    finally:
        server.close()
    assert server.asked == ["cut /api/v1/query", "vector(1)", "/api/v1/query", "/api/v1/query"], server.asked
    rows = {i: next(line for line in out.splitlines() if line.startswith(i)) for i in ids}
    assert " mitigated · NOT CHECKED " in rows[ids[0]] and all(
        " mitigated · RELAPSED, seen " in rows[i] for i in ids[1:]), out
    [cut] = err.splitlines()
    assert cut.startswith(f"warning: {ids[0]}: {gate}request to {server.url[7:]} failed: peer closed connection"
                          " without sending complete message body") and \
        cut.endswith(f" ({where} answered `vector(1)`: it serves, this query alone failed): its status is the"
                     " journal's, not checked now"), err


def test_every_seat_and_view_dates_the_relapse_at_its_crossing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """attack53 A4: one journal, one instant, two moments. The writing list dated the relapse when the measure crossed
    its line (the journal's line); a read-only seat's list said "RELAPSED since" the look (it journals nothing, so it
    read no history), ``show --json``'s ``holding.since`` was the look and its gate's ``crossed_at`` null, and the
    headers of ``show`` and ``brief`` said no "since" at all. Each says the crossing now: a seat that writes nothing
    reads the same history, and a gate read past its line whose relapse is journaled is dated by that line."""
    from tui.cli import main

    d, clock, inc = _mitigated(tmp_path)
    assert typed_in_shell(d, UNDO, 2500.0) == 0
    clock.t = d.wall_time(3100.0)
    state_dir = ["--state-dir", str(tmp_path / "incidents")]

    def run(*args: str) -> str:
        capsys.readouterr()
        assert main(["incident", *args]) == 0
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return out

    [seat] = [r for r in run("--read-only", *state_dir, "list").splitlines() if r.startswith(inc.id)]
    assert not _lines(inc)                                      # a read-only seat wrote nothing

    # attack53 A7: the journal's lock held by another process when the look came to journal what it read: the list
    # said NOT CHECKED, "its gates were not looked at"; it says what was read, and that it was not journaled
    import fcntl

    from warroom.cli.incident_metrics import listed_status

    inc.journal.lock_timeout = 0.05
    with open(inc.dir / "journal.jsonl", "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)                        # another open file: this process waits as another
        locked, whys = listed_status(inc)
    assert not _lines(inc) and not whys, whys
    assert "its gates were read, but what they said was not journaled: " in capsys.readouterr().err

    run(*state_dir, "list")                                     # the writing list journals the relapse
    [line] = _lines(inc)
    hms = line["at"][11:19]
    assert line["seen_at"] > line["at"] and f" mitigated · RELAPSED since {hms} " in seat, (line, seat)
    assert locked.text() == f"mitigated · RELAPSED since {hms}", locked
    shown = json.loads(run(*state_dir, "show", inc.id, "--json"))["holding"]
    assert shown["since"][:19] == line["at"][:19] and shown["gates"][0]["crossed_at"][:19] == line["at"][:19], shown
    [head] = run(*state_dir, "show", inc.id).splitlines()[:1]
    assert f"MITIGATED · RELAPSED since {hms}: Failure rate (5m) now " in head, head
    assert f"mitigated, RELAPSED since {hms}: Failure rate (5m) now " in run(*state_dir, "brief", inc.id)
