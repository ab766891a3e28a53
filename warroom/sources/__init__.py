"""Live data: Prometheus, alerts, Kubernetes, provider status pages and webhooks.

Every call below is blocking and meant for a worker thread; none raises for a source problem
(failures come back as data with an ``error`` sentence), and none imports Textual. Poll, render,
then schedule the next poll (polls never overlap):

- SLO panes: ``factory.open_metric_source(cfg)`` → ``source.fetch(cfg.slo)`` → ``SloSample``
  list → ``evaluate.SloTracker(cfg.slo, cfg.prometheus.stale_after).update(samples)`` →
  ``SloReading`` list (state ok/warn/crit/nodata/stale/error, value, series, age, error, note,
  breached). Keep one tracker per session: it holds last-good values (STALE with age while the
  server is down, automatic recovery) and ``for`` history. ``warroom.units.format_value`` renders.
  Interval: ``cfg.prometheus.refresh``.
- Alerts: ``alerts.AlertSource(cfg.alerts, cfg.prometheus, RunbookIndex.from_library(lib))``
  → ``.fetch()`` → ``AlertsResult(alerts, errors, notes)``; ``alert_event_data`` for the journal.
  Interval: ``cfg.alerts.refresh``.
- Cluster pane: ``kubernetes.KubeSource(cfg.kubernetes)`` → ``.snapshot()`` →
  ``ClusterSnapshot(target, deployments, pods, events, error)``; ``describe_target`` is the blast
  radius (kubeconfig only, no network). Interval: ``cfg.kubernetes.refresh``.
- Providers pane: ``statuspage.fetch_providers(cfg.providers)`` → ``ProviderStatus`` list.
- Status updates: ``webhooks.post_status_update(cfg.webhook, text)`` → ``WebhookResult``
  (``.journal()`` is the event's ``webhook`` field).
- Steps: ``native.run_native_step(kind, command, cfg, ...)`` for ``k8s``/``promql`` steps →
  ``NativeResult``; ``evidence.record_before`` / ``evidence.record_due`` / ``evidence.collect``
  / ``format_evidence``; ``verify.parse_verify`` / ``VerifyRun.check`` / ``run_verify`` /
  ``settle_open``.
"""
