"""Markdown runbooks turned into sections and steps (DESIGN.md §3)."""
