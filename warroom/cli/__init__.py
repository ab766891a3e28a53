"""Headless command-line interface: every subcommand that works without a terminal UI.

Each module here exposes ``register(subparsers, common)``; ``tui.cli`` wires them into the one
``warroom`` entry point. Handlers import heavy modules lazily so ``warroom --help`` stays fast.

Exit codes (documented in the README):
  0 success, 1 findings / check failed / step failed, 2 usage or input error,
  3 source error (status), 4 not found, 130 interrupted.
"""
