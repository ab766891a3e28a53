"""Live data: Prometheus, alerts, Kubernetes, provider status pages and webhooks."""
