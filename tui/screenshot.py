"""Regenerate the README's screenshot from a LIVE drill, mid-incident.

    python -m tui.screenshot [docs/dashboard-120x40.svg] [--size 120x40]

Runs the real dashboard headless (Textual's Pilot) on the real rate-limit drill at high speed,
in a throwaway state dir: declares from the breached quota pane, runs a PromQL step, a stand-in
command and the (confirmed) circuit-breaker step, ticks a checklist item, adds a root-cause note,
starts a slow step, then saves the screen as SVG. Nothing is hand-made: every value on it came
from the simulator, the journal and the runner.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "dashboard-120x40.svg"


async def _until(pilot: Any, predicate: Any, timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise TimeoutError(f"condition not met within {timeout}s")


async def capture(out: Path, size: tuple[int, int] = (120, 40), speed: float = 40.0) -> Path:
    from panes.runbook import ChecklistPane
    from textual.widgets import Select, TextArea
    from tui.app import WarroomApp
    from tui.launch import drill_context
    from warroom.config import Config

    with tempfile.TemporaryDirectory(prefix="warroom-shot-") as tmp:
        cfg = Config()
        cfg.incident.state_dir = str(Path(tmp) / "state")
        ctx = drill_context(cfg, "rate-limit", speed)
        ctx.offer_resume = False
        app = WarroomApp(ctx)
        async with app.run_test(size=size) as pilot:
            dash = app.dashboard

            def state(n: int) -> str:
                step = dash.runbook.step(n) if dash.runbook is not None else None
                sv = dash.view.steps.get(step.id) if step is not None else None
                return sv.state if sv is not None else "pending"

            async def select(n: int) -> None:
                checklist = dash.query_one(ChecklistPane)
                checklist.focus()
                checklist.select_step(n)
                await pilot.pause()

            async def run(n: int, *, confirm: bool = False) -> None:
                await select(n)
                await pilot.press("enter")
                await _until(pilot, lambda: app.screen is not dash)
                await pilot.pause(0.2)
                await pilot.press("ctrl+s")
                if confirm:
                    await pilot.pause(0.3)
                    await pilot.press("ctrl+s")
                await _until(pilot, lambda: app.screen is dash)
                await _until(pilot, lambda: state(n) not in ("pending",))

            await _until(pilot, lambda: any(r.breached for r in dash.readings), 120)
            await pilot.press("d")
            await _until(pilot, lambda: app.screen is not dash)
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: dash.runbook is not None, 30)
            for n, confirm in ((1, False), (3, False), (6, True)):
                await run(n, confirm=confirm)
                await _until(pilot, lambda n=n: state(n) != "running", 60)
            await select(16)
            await pilot.press("space")
            await _until(pilot, lambda: state(16) == "ticked")
            await pilot.press("n")
            await _until(pilot, lambda: app.screen is not dash)
            app.screen.query_one("#tag", Select).value = "root-cause"
            app.screen.query_one("#text", TextArea).insert("Retries of 429s without backoff burned the quota")
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: app.screen is dash)
            await run(8)  # the breaker's status, read back through the stand-in
            await _until(pilot, lambda: state(8) != "running", 60)
            await select(9)
            await pilot.pause(3.0)  # a few more polls: the quota curve bends after the breaker
            out.parent.mkdir(parents=True, exist_ok=True)
            path = app.save_screenshot(filename=out.name, path=str(out.parent))
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tui.screenshot", description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    ap.add_argument("--size", default="120x40", help="COLSxROWS (default 120x40)")
    ap.add_argument("--speed", type=float, default=40.0, help="drill speed (default 40)")
    args = ap.parse_args(argv)
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    path = asyncio.run(capture(Path(args.out), (cols, rows), args.speed))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
