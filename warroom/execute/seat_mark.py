"""The mark a read-only seat's run lines carry: its own module, so what only reads it (the incident's observer seat)
need not import ``run_spec`` and the redaction it holds."""

#: ``warroom.execute.run_spec`` re-exports it; ``warroom.incident.observer_seat.KEY``/``OBSERVER`` read it from here
OBSERVER_MARK: dict[str, str] = {"seat": "observer"}
