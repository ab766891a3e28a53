"""Screens: the dashboard, and the modal dialogs in ``tui.screens.modals``."""
