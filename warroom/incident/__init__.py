"""Incidents: the journal, state rebuilt from it, PIR rendering and the incident log."""
