"""Command text, read without running it: shell words and operators (``shell``), the
``kubectl``-like action syntax of ``k8s`` steps (``k8s``), PromQL as Prometheus 2.42 parses it
(``promql``). Below the runbook parser, the step runner and the drill, which all need it; it
imports nothing else of warroom (import-linter contract ``syntax-below``)."""
