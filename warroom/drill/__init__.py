"""Drill mode: the scenario simulator and the command stand-ins that feed back into it."""
