"""What the dashboard's parts need of the application they run in: ``WarroomHost``.

The presenter, the key actions, the extra-source polls, the palette and the screens are all run
by ``tui.app.WarroomApp``, which imports them. Naming that class in their type hints made each of
them import ``tui.app`` back (behind ``TYPE_CHECKING``, but a cycle all the same, and the import
contract ``tui-acyclic`` forbids it). They name this protocol instead: the app's own few members
(``ctx``, ``dashboard``, ``key_for``) and the Textual ``App`` methods they call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.message import Message
    from textual.screen import Screen
    from textual.timer import Timer
    from textual.worker import Worker

    from tui.context import AppContext


class WarroomHost(Protocol):
    """``tui.app.WarroomApp`` as its parts see it."""

    ctx: AppContext

    @property
    def dashboard(self) -> Any:
        """The ``DashboardScreen`` (Any: the screen's module sits above this one)."""
        ...

    @property
    def screen(self) -> Screen[Any]: ...

    def key_for(self, binding: Binding) -> str:
        """The key a binding is on now (after the user's keymap)."""
        ...

    def push_screen(self, screen: Any, callback: Callable[[Any], object] | None = None,
                    *args: Any, **kwargs: Any) -> Any: ...

    def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Worker[Any]: ...

    def post_message(self, message: Message) -> bool: ...

    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True, about: str | None = None) -> None: ...

    def show_notices(self) -> None:
        """Draw the live notices on the screen on top (``tui.notices``)."""
        ...

    def withdraw(self, about: str) -> None:
        """End the notices about ``about``."""
        ...

    def copy_to_clipboard(self, text: str) -> None: ...

    def set_timer(self, delay: float, callback: Any = None, *args: Any, **kwargs: Any) -> Timer: ...

    def set_interval(self, interval: float, callback: Any = None, *args: Any, **kwargs: Any) -> Timer: ...

    def run_action(self, action: str, *args: Any, **kwargs: Any) -> Any: ...
