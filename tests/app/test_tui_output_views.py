"""One output view per step: highlighting a step with no output never leaves another step's output
on screen under a title (``panes.output.OutputStack``)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from panes.output import OutputPane, OutputStack


class StackApp(App[None]):
    def compose(self) -> ComposeResult:
        yield OutputStack(max_lines=100)


def text_of(pane: OutputPane) -> str:
    return "\n".join(strip.text for strip in pane.lines)


async def test_a_step_without_output_shows_its_own_empty_view() -> None:
    app = StackApp()
    async with app.run_test(size=(100, 30)) as pilot:
        stack = app.query_one(OutputStack)
        first = stack.pane_for(("RB-1", "s1"), "1. Check quota")
        first.add_lines(["quota 91%"], total=1)
        stack.show(("RB-1", "s1"))
        await pilot.pause()
        assert stack.shown() is first and "quota 91%" in text_of(first)

        stack.show(("RB-1", "s2"), "2. Recent 429s", "Not run yet: no output.")   # highlighted
        await pilot.pause()
        shown = stack.shown()
        assert shown is not first and shown.key is None
        assert "2. Recent 429s" in str(shown.border_title) and "1. Check quota" not in str(shown.border_title)
        assert "quota 91%" not in text_of(shown) and "no output" in str(shown.border_subtitle)
        assert "Not run yet" in text_of(shown)

        second = stack.pane_for(("RB-1", "s2"), "2. Recent 429s")   # now it runs: the view is its own
        second.add_lines(["429 x 12"], total=1)
        stack.show(("RB-1", "s2"))
        await pilot.pause()
        assert stack.shown() is second and second.key == ("RB-1", "s2")
        assert "Not run yet" not in text_of(second) and "429 x 12" in text_of(second)
        assert second.border_subtitle == ""

        stack.show(("RB-1", "s1"), "1. Check quota")           # back: the first step's own output
        await pilot.pause()
        assert stack.shown() is first and "quota 91%" in text_of(first)
        assert "429 x 12" not in text_of(first)


async def test_without_a_title_nothing_changes() -> None:
    app = StackApp()
    async with app.run_test(size=(100, 30)) as pilot:
        stack = app.query_one(OutputStack)
        first = stack.pane_for(("RB-1", "s1"), "1. Check quota")
        stack.show(("RB-1", "s1"))
        stack.show(("RB-1", "s9"))
        await pilot.pause()
        assert stack.shown() is first
