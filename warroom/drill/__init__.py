"""Drill mode: a simulated incident with nothing installed, for demos and tabletop exercises.

A newcomer's reading order: ``scenarios/*.toml`` (what goes wrong, as data) and ``fleet`` (the
healthy estate); ``model`` (the signals: shares and rates as pure functions of scenario time and the
recorded ``actions``); ``series`` (the counters a scrape would see, integrated from the signals);
``promql`` (the panes' and runbooks' queries evaluated on those counters as Prometheus would, its
``bucket_quantile`` shared with ``blocks``); ``simulator`` (all of that for one drill, cached for
the short-lived stand-ins); ``directory`` (a drill on disk, its clock, the ``MetricSource`` the
dashboard reads, its stand-in wrappers, which drill a launch opens); ``activity`` (individual flows
and log lines, consistent with the counters); ``bin/``, ``cluster`` and ``standins/`` (the commands
a runbook step runs: kubectl, psql, aws, curl, blocks, answering from the same world).

The end-of-drill report judges an incident, so it lives with the incident
(``warroom.incident.drill_report``): the drill never imports the incident service. The package
imports nothing on its own, so the stand-ins (which import it on every command) stay fast.
"""

#: The tools a drill's bin/ holds (``directory`` writes their wrappers): here, so a reader of a drill's calls
#: (``warroom.incident.by_hand``) names them without importing the drill's world.
STANDINS: tuple[str, ...] = ("kubectl", "psql", "aws", "curl", "blocks")
