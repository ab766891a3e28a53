"""warroom core: runbooks, command execution, incident journal, sources and drills.

This package must never import Textual (a test enforces it): everything here is usable
headless, from the CLI, from scripts and from tests, and the UI in ``tui``/``panes`` sits on top.

It also holds the one thing a warroom process needs before it imports anything else of warroom:
``ImportsUnswept``, so that every entry point (the ``warroom`` command, a drill stand-in, the step
supervisor, the library's child) imports the same way.
"""

import gc
import sys

__version__ = "0.1.0"


class ImportsUnswept:
    """``with ImportsUnswept(): import ...``: the imports run with the cyclic GC off, and what they built is frozen
    after (when a module was new and nothing raised), then the GC is on again, even when an import failed.

    A short-lived warroom process (the suite starts hundreds: stand-ins, CLI commands, supervisors) spends most of its
    CPU importing, and a collection during the imports only walks the modules, classes and functions being built,
    none of it garbage, again and again; frozen, no later collection (a stand-in integrating its world, a step's
    supervisor, a long-lived command) walks them either. With the GC already off on entry (an outer block, a caller
    that turned it off) it does nothing: that block's owner decides. ``freeze=False`` for a process whose objects
    are not all warroom's (``warroom.cli.common.imports_unswept``: a test calling the CLI's ``main``)."""

    def __init__(self, *, freeze: bool = True) -> None:
        self.freeze = freeze
        self._was_on = False
        self._loaded = 0

    def __enter__(self) -> None:
        self._was_on = gc.isenabled()
        self._loaded = len(sys.modules)
        gc.disable()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if not self._was_on:
            return
        if self.freeze and kind is None and len(sys.modules) > self._loaded:
            gc.freeze()
        gc.enable()
