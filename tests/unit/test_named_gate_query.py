"""A verify gate a commander can read: a runbook names the query its gate watches
(``[queries.NAME]`` title, promql, unit), and every surface says the title, the value with its unit,
what is needed and when the window ends, never the PromQL. Lint names file and line for every
problem; runbooks whose gates name a pane or write bare PromQL keep working."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from panes.header import gate_text
from tests.unit.incident_fixtures import Cli
from tests.unit.standins_corpus import warmed
from tests.unit.test_sources_evidence_verify import T0, ScriptedSource, _events, _journal
from tui.view import gate_view
from warroom.config import SloConfig
from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore
from warroom.runbook.lint import lint_paths
from warroom.runbook.parser import parse_runbook
from warroom.sources.verify import VerifyRun, journal_started, open_gates, parse_verify, settle_open

SHARE = ("100 * max(sum by (provider) (rate(flowengine_model_api_requests_total{code='429'}[5m]))"
         " / sum by (provider) (rate(flowengine_model_api_requests_total[5m])))")

NAMED = """+++
id = "RB-TEST-NAMED"
title = "Named gate"
severity = "P3"

[queries.worst_quota]
title = "Worst provider quota"
promql = "100 * max(flowengine_model_quota_used_ratio)"
unit = "percent"
+++

# Named gate

## Mitigation

```bash {name="holds" mutating=false verify="worst_quota < 1000 for 2m within 10m"}
# A fix that works
echo breaker on
```

```bash {name="open" mutating=false verify="worst_quota < 1000 for 2m within 10m"}
# A fix left to settle
echo breaker on again
```
"""

BROKEN = """+++
id = "RB-TEST-BROKEN"
title = "Broken gates"
severity = "P3"

[queries.share_429]
title = "429 share (worst provider)"
promql = "100 * max(rate(x[5m])"
unit = "percent"

[queries.ratio_ok]
title = "Share answered"
promql = "sum(rate(ok_total[5m])) / sum(rate(all_total[5m]))"
unit = "ratio"

[queries.failure_rate]
title = "Failed flows"
promql = "sum(rate(flowengine_flow_failures_total[5m]))"
unit = "count"

[queries.spent]
title = "Quota \\u001b]0;pwned\\u0007 used"
promql = "100 * max(flowengine_model_quota_used_ratio)"
unit = "percent"

[queries.weird]
title = "Weird"
promql = "up"
unit = "percents"
colour = "red"
+++

# Broken

## Mitigation

```bash {name="typo" verify="share_492 < 10 for 2m within 10m"}
# Gate on a typo of a named query
echo one
```

```bash {name="badpromql" verify="sum(rate(x[5m]) < 10 within 10m"}
# Gate on PromQL that does not parse
echo two
```

```bash {name="percent" verify="ratio_ok > 95% within 10m"}
# Gate with a percent threshold on a ratio
echo three
```

```bash {name="unknown" verify="no_such_thing < 1 within 10m"}
# Gate on a name nothing declares
echo six
```

```bash {name="pane" verify="quota < 80 within 10m"}
# Gate on a pane, as older runbooks write it
echo four
```

```bash {name="bare" verify="sum(rate(errors_total[5m])) < 0.5 within 5m"}
# Gate on bare PromQL, as older runbooks write it
echo five
```
"""


def _lines(text: str) -> dict[str, int]:
    """The 1-based line of each fence or key the findings should name."""
    return {line.strip(): n for n, line in enumerate(text.splitlines(), 1)}


def test_lint_names_file_and_line_of_every_named_query_and_gate_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text(BROKEN)
    found = {str(f) for f in lint_paths([path])}
    at = _lines(BROKEN)

    def line_of(start: str) -> int:
        return next(n for text, n in at.items() if text.startswith(start))

    def has(start: str, level: str, *words: str) -> None:
        prefix = f"{path}:{line_of(start)}: {level}: "
        assert any(f.startswith(prefix) and all(w in f for w in words) for f in found), (prefix, words, found)

    has('promql = "100 * max(rate(x[5m])"', "error", "queries.share_429", "invalid PromQL")
    has('unit = "percents"', "error", "queries.weird", "unit 'percents'", "did you mean 'percent'")
    has('colour = "red"', "error", "queries.weird", "unknown key 'colour'")
    has('title = "Quota', "error", "queries.spent", "control characters")
    has("[queries.failure_rate]", "warning", "queries.failure_rate has the id of a pane")
    # the gate naming a query that lint refused, and a typo of it: an error, with the name it meant
    has('```bash {name="typo"', "error", "'share_492'", "did you mean 'share_429'")
    has('```bash {name="badpromql"', "error", "not a query this runbook names", "not PromQL")
    has('```bash {name="percent"', "error", "written with %", "in ratio")
    has('```bash {name="unknown"', "error", "'no_such_thing' is not a query this runbook names", "[queries.no_such_thing]")
    # older runbooks: a pane id and bare PromQL are not findings
    quiet = (f"{path}:{line_of('```bash {name=' + chr(34) + 'pane')}:", f"{path}:{line_of('```bash {name=' + chr(34) + 'bare')}:")
    assert not any(f.startswith(quiet) for f in found), found


def test_the_shipped_library_lints_clean_and_rb_core_003_gate_reads_as_its_query() -> None:
    from warroom.paths import shipped_runbooks_dir
    from warroom.runbook.library import RunbookLibrary

    assert [str(f) for f in lint_paths([shipped_runbooks_dir()]) if "verify" in f.message
            or "queries" in f.message] == []
    rb = RunbookLibrary([shipped_runbooks_dir()]).get("RB-CORE-003")
    assert rb is not None
    step = rb.step("enable-circuit-breaker")
    assert step is not None and step.verify is not None
    gate = parse_verify(step.verify, (), rb.queries)
    assert (gate.title, gate.unit, gate.expr, gate.said) == (
        "429 share (worst provider)", "percent", SHARE, "429 share (worst provider) < 15% for 2m")


def test_a_named_gate_reads_in_its_words_in_the_header_at_80_and_120_columns() -> None:
    rb = parse_runbook(NAMED.replace("worst_quota < 1000", "worst_quota < 10"))
    at = datetime(2026, 12, 2, 14, 22, 10, tzinfo=UTC).timestamp()
    g = gate_view(6, "worst_quota < 10 for 2m within 10m", "pending", 12.34, 492.0, None, hold=120.0,
                  now=at, queries=rb.queries)
    wide = gate_text(g, at, 140).plain
    assert wide == (" VERIFY  step 6 · Worst provider quota 12.3% · needs < 10% for 2m · held 00:00/02:00 · 08:12 left"
                    " · window ends 14:30:22 UTC")
    assert gate_text(g, at, 120).plain == wide.replace("window ends 14:30:22 UTC", "ends 14:30:22")
    narrow = gate_text(g, at, 78).plain
    assert len(narrow) <= 78 and "…" not in narrow
    for part in ("step 6", "Worst provider quota 12.3%", "needs < 10%", "08:12 left"):
        assert part in narrow, narrow
    assert "worst_quota" not in wide + narrow and "flowengine" not in wide + narrow
    # the rate-limit drill's own gate, with the longest title the shipped library has, at 80 columns
    share = parse_verify("share_429 < 10 for 2m within 10m", (), {"share_429": _share_query()})
    holding = gate_view(6, share.text, "pending", 9.1, 492.0, "holding 40s of 2m00s", held=40.0, hold=120.0,
                        now=at, queries={"share_429": _share_query()})
    line = gate_text(holding, at, 78).plain        # 80 columns less the header's padding
    assert line == " VERIFY  step 6 · 429 share (worst provider) 9.1% held 0:40/2:00 · 08:12 left"
    waiting = gate_view(6, share.text, "pending", 12.3, 492.0, None, hold=120.0, now=at,
                        queries={"share_429": _share_query()})
    assert gate_text(waiting, at, 78).plain == (
        " VERIFY  step 6 · 429 share (worst provider) 12.3% · needs < 10% · 08:12 left")


def _share_query():  # type: ignore[no-untyped-def]
    from warroom.runbook.gate import NamedQuery

    return NamedQuery("share_429", "429 share (worst provider)", SHARE, "percent")


def test_a_gate_settled_after_a_restart_watches_the_promql_it_was_opened_on(tmp_path: Path) -> None:
    """The journal carries the named query's PromQL, title and unit: settling reads them from the
    event, not from a runbook (a gate read as the bare word ``share_429`` would watch a metric that
    does not exist and fail with no data)."""
    j = _journal(tmp_path)
    src = ScriptedSource(lambda e, t: 4.0 if e == SHARE else None, clock=lambda: T0)
    gate = parse_verify("share_429 < 10 for 2m within 10m", (), {"share_429": _share_query()})
    started = datetime.fromtimestamp(T0, tz=UTC)

    class AtT0:            # the gate opened at T0: its journal line says so
        def append(self, type_: str, data: dict) -> object:  # type: ignore[type-arg]
            return j.append(type_, data, ts=started)

    journal_started(AtT0(), 6, "enable-circuit-breaker", VerifyRun(gate, src, started_at=T0), "RB-CORE-003")
    (opened,) = open_gates(_events(tmp_path))
    assert opened.gate().expr == SHARE and opened.gate().title == "429 share (worst provider)"
    assert opened.said() == "429 share (worst provider) < 10% for 2m"      # `incident run`'s catch-up line
    ((_, check),) = settle_open(j, _events(tmp_path), src, [], now=T0 + 900, step=10)
    assert check is not None and check.status == "passed" and check.value == 4.0
    passed = _events(tmp_path)[-1].data
    assert (passed["title"], passed["value_text"], passed["wanted"], passed["measure"]) == (
        "429 share (worst provider)", "4%", "< 10%", "share_429")


def _drill_incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    state = tmp_path / "state"
    rb = tmp_path / "named.md"
    rb.write_text(NAMED)
    drill = warmed(create_drill(state / "drills", "rate-limit", speed=600))     # nothing here patches the world
    inc = IncidentStore(state).create(title="Named gate drill", severity="P3", runbook=rb,
                                      drill={"scenario": "rate-limit", "speed": 600, "dir": str(drill.path)})
    return state, inc


class _Ran:
    """What ``warroom incident ARGS`` gave: its exit code, stdout and stderr."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _cli(capsys: pytest.CaptureFixture[str], state: Path, *args: str) -> _Ran:
    """``warroom incident ARGS`` in-process (the CLI's own ``main``, ``incident_fixtures.Cli``): what is tested is the
    words run/show/brief say of a named gate, not the process boundary (each call was an interpreter of its own); the
    steps are still real processes."""
    return _Ran(*Cli(state, capsys)(*args))


def test_run_show_json_brief_and_pir_say_the_named_query_in_words(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    state, inc = _drill_incident(tmp_path)
    run = _cli(capsys, state, "run", inc.id, "holds")
    assert run.returncode == 0, run.stderr
    # < 1000% held from before the step to the pass: said as held before, never "passed" (P25-1)
    assert "verify Worst provider quota < 1000% for 2m: held before the step (now " in run.stderr, run.stderr
    assert "worst_quota" not in run.stderr
    left_open = _cli(capsys, state, "run", inc.id, "open", "--no-wait")
    assert left_open.returncode == 0, left_open.stderr

    show = _cli(capsys, state, "show", inc.id)
    assert show.returncode == 0, show.stderr
    rows = [ln for ln in show.stdout.splitlines() if ln.startswith("  ") and "[" in ln]
    (done,) = [ln for ln in rows if "A fix that works" in ln]
    assert "verify held before the step (now " in done and "mitigated (Worst provider quota < 1000% for 2m)" in done, done
    (pending,) = [ln for ln in rows if "A fix left to settle" in ln]
    # open, or (x600: ten minutes pass in a wall second) ended unwatched: either way in its words
    assert ("verify pending, window ends " in pending or "verify window ended " in pending) \
        and " UTC" in pending and "(Worst provider quota < 1000% for 2m)" in pending, pending

    data = json.loads(_cli(capsys, state, "show", inc.id, "--json").stdout)
    gates = {g["step_id"]: g for g in data["verify_gates"]}
    assert {k: gates["holds"][k] for k in ("title", "unit", "wanted", "hold", "measure", "query", "what")} == {
        "title": "Worst provider quota", "unit": "percent", "wanted": "< 1000%", "hold": 120.0,
        "measure": "worst_quota", "query": "100 * max(flowengine_model_quota_used_ratio)",
        "what": "Worst provider quota < 1000% for 2m"}

    brief = _cli(capsys, state, "brief", inc.id)
    assert brief.returncode == 0, brief.stderr
    # at x600 its 10-minute window ended a wall second later: the brief says so, in the same words
    assert "step 2: Worst provider quota < 1000% for 2m (window end" in brief.stdout, brief.stdout

    from warroom.incident.review.timeline import timeline

    lines = [row.text for row in timeline(inc.refresh(), datetime.now(UTC))]
    assert any(t.startswith("Verification held before the step (step 1): Worst provider quota < 1000% for 2m (value ")
               for t in lines), lines
    assert not any("worst_quota" in t for t in lines)


def test_a_pane_gate_says_the_panes_title_and_an_old_journal_its_text() -> None:
    """Runbooks that name a pane keep working, now in the pane's words; a gate journaled before
    gates carried their words is shown as written."""
    from warroom.incident.gates import GateState

    quota = SloConfig(id="quota", title="Model API quota used", query="q", unit="percent")
    assert parse_verify("quota < 75 for 2m within 10m", [quota]).said == "Model API quota used < 75% for 2m"
    old = GateState(runbook_id="RB", step=1, step_id="s", expr="quota < 75 within 10m", status="pending", seq=3,
                    at=None, deadline="2026-12-02T00:10:00Z", value=None, reason=None)
    assert old.describe(datetime(2026, 12, 2, 0, 5, tzinfo=UTC)) == (
        "verify pending, window ends 00:10:00 UTC (quota < 75 within 10m)")


def test_runbooks_show_lists_the_named_queries_and_says_each_gate_in_words() -> None:
    from warroom.cli.runbooks import render_text

    text = render_text(parse_runbook(NAMED))
    assert "  worst_quota — Worst provider quota (percent): 100 * max(flowengine_model_quota_used_ratio)" in text
    assert ("verify: then watches Worst provider quota < 1000% held 2m00s, within 10m00s of the step ending ok"
            in text), text


def test_at_80_columns_a_long_value_shortens_the_title_never_the_time_left() -> None:
    """Found in a real terminal: a 429 share of 0.241% (six characters) while the hold ran cut
    "08:12 left" at 80 columns. The leanest form shortens the title as much as it must."""
    at = datetime(2026, 12, 2, 14, 22, 10, tzinfo=UTC).timestamp()
    for value, title in ((0.241, "429 share (worst provider)"), (0.00123, "A much longer title than the lint allows")):
        query = {"q": NamedQuery_("q", title)}
        g = gate_view(6, "q < 10 for 2m within 10m", "pending", value, 492.0, "holding 40s of 2m00s", held=40.0,
                      hold=120.0, now=at, queries=query)
        line = gate_text(g, at, 78).plain
        assert len(line) <= 78 and line.endswith(" held 0:40/2:00 · 08:12 left"), line
        assert f"{g.value} held" in line and title[:8] in line, line


def NamedQuery_(name: str, title: str):  # type: ignore[no-untyped-def]
    from warroom.runbook.gate import NamedQuery

    return NamedQuery(name, title, "100 * max(x)", "percent")
