"""warroom core: runbooks, command execution, incident journal, sources and drills.

This package must never import Textual (a test enforces it): everything here is usable
headless, from the CLI, from scripts and from tests, and the UI in ``tui``/``panes`` sits on top.
"""

__version__ = "0.1.0"
