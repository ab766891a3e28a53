"""One widget per dashboard pane: slo, runbook, output, timeline, pir, cluster, providers, header."""
