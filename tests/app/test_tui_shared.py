"""Two dashboards and a CLI on one shared incident (real PostgreSQL): each sees the others'
events through LISTEN/NOTIFY (the clock tick is off, so nothing else could bring them), the
header shows who has the incident open and on which step, and a stopped store is said at once,
actions are refused, and everything comes back on its own when it restarts."""

from __future__ import annotations

import subprocess
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from panes.header import IncidentHeader
from tests.app.drill_support import select_step
from tests.app.tui_support import make_ctx, record_notifications, wait_for
from tests.conftest import subprocess_env, warroom_cmd
from tests.integration.shared_fixtures import shared_config
from tui.app import WarroomApp
from warroom.incident.store import IncidentStore

pytestmark = pytest.mark.integration


def header_text(app: Any) -> str:
    header = app.dashboard.query_one(IncidentHeader)
    return " ".join(str(w.render()) for w in header.query("Static"))


def timeline(app: Any) -> list[str]:
    view = app.dashboard.data.view
    return [t.text for t in view.timeline] if view is not None else []


def shared_app(dsn: str, tmp: Path, name: str, inc_id: str) -> tuple[WarroomApp, list[str]]:
    ctx = make_ctx(None, drill=False)
    # connect_timeout also bounds each heartbeat: past it the header says SHARED STORE DOWN and new
    # actions are refused. 1 s was shorter than a healthy heartbeat takes on a loaded CI box (a
    # false DOWN refused the notes this test sends); 5 s still shows the frozen server well within
    # the waits below.
    ctx.config = shared_config(dsn, tmp, name, catch_up=30.0, presence_every=0.5, connect_timeout=5.0)
    ctx.resume_id = inc_id
    ctx.runbooks = []
    app = WarroomApp(ctx)
    return app, record_notifications(app)


async def test_two_dashboards_and_a_cli_share_one_incident(shared_dsn: str, tmp_path: Path,
                                                           pg_server: Any) -> None:
    inc = IncidentStore.from_config(shared_config(shared_dsn, tmp_path, "alice")).create(
        title="Shared quota", severity="P3", runbook="RB-SHARED-T")
    app_a, said_a = shared_app(shared_dsn, tmp_path, "alice", inc.id)
    app_b, said_b = shared_app(shared_dsn, tmp_path, "bob", inc.id)
    async with AsyncExitStack() as stack:
        pa = await stack.enter_async_context(app_a.run_test(size=(160, 40)))
        pb = await stack.enter_async_context(app_b.run_test(size=(160, 40)))
        for pilot, app in ((pa, app_a), (pb, app_b)):
            await wait_for(pilot, lambda app=app: inc.id in header_text(app) and "shared ● ok" in header_text(app),
                           timeout=30)
        # presence: each sees the other, and the step the other is on
        await wait_for(pa, lambda: "bob@" in header_text(app_a), timeout=30)
        await wait_for(pb, lambda: app_b.dashboard.runbook is not None, timeout=30)
        await select_step(pb, 2)     # bob moves to step 2, as a person would: alice sees where he is
        await wait_for(pa, lambda: "(2. Wait for the go file)" in header_text(app_a), timeout=30)
        await wait_for(pb, lambda: "alice@" in header_text(app_b), timeout=30)

        # a note from the CLI on a third "host" reaches both dashboards
        env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "xdg-cli"), WARROOM_DSN=shared_dsn)
        cli = subprocess.run([*warroom_cmd(), "incident", "note", "--state-dir", str(tmp_path / "state-cli"),
                              inc.id, "--tag", "info", "from the shell"], capture_output=True, text=True,
                             env=env, timeout=60)
        assert cli.returncode == 0, cli.stderr
        show = subprocess.run([*warroom_cmd(), "incident", "show", "--state-dir", str(tmp_path / "state-cli"),
                               inc.id], capture_output=True, text=True, env=env, timeout=60)
        here = show.stdout.rsplit("open now: ", 1)[-1]
        assert "alice@" in here and "bob@" in here and "(2. Wait for the go file)" in here
        for pilot, app in ((pa, app_a), (pb, app_b)):
            await wait_for(pilot, lambda app=app: any("from the shell" in t for t in timeline(app)), timeout=30)

        # a note from dashboard A reaches B, and one from B reaches A
        pres_a = app_a.dashboard.presenter
        pres_a.call(pres_a.incident.note, "info", "alice on the breaker")
        await wait_for(pb, lambda: any("alice on the breaker" in t for t in timeline(app_b)), timeout=30)
        pres_b = app_b.dashboard.presenter
        pres_b.call(pres_b.incident.note, "root-cause", "bob found the retry storm")
        await wait_for(pa, lambda: any("bob found the retry storm" in t for t in timeline(app_a)), timeout=30)

        # the store stops: both headers say so, the last state stays, actions are refused
        pg_server.stop()
        try:
            for pilot, app in ((pa, app_a), (pb, app_b)):
                await wait_for(pilot, lambda app=app: "SHARED STORE DOWN" in header_text(app), timeout=30)
                assert any("bob found the retry storm" in t for t in timeline(app))
            pres_b.call(pres_b.incident.note, "info", "while it is down")
            await wait_for(pb, lambda: any("new actions are refused" in s for s in said_b), timeout=30)
        finally:
            pg_server.start()
        # back on its own: no restart of either dashboard
        for pilot, app in ((pa, app_a), (pb, app_b)):
            await wait_for(pilot, lambda app=app: "SHARED STORE DOWN" not in header_text(app)
                           and "shared ● ok" in header_text(app), timeout=60)
        pres_a.call(pres_a.incident.note, "info", "after the restart")
        await wait_for(pb, lambda: any("after the restart" in t for t in timeline(app_b)), timeout=30)

        # a server that hangs (stopped, its TCP still up) is said to be down too, and back
        frozen = pg_server.freeze()
        try:
            await wait_for(pa, lambda: "SHARED STORE DOWN" in header_text(app_a), timeout=30)
            assert "no answer within" in header_text(app_a)
        finally:
            pg_server.thaw(frozen)
        await wait_for(pa, lambda: "SHARED STORE DOWN" not in header_text(app_a)
                       and "shared ● ok" in header_text(app_a), timeout=60)
    texts = [e.data.get("text") for e in inc.read().events if e.type == "note.added"]
    assert texts == ["from the shell", "alice on the breaker", "bob found the retry storm", "after the restart"]
    assert inc.verify().ok
