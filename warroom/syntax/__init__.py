"""Command text, read without running it: shell words and operators (``shell``), the
``kubectl``-like action syntax of ``k8s`` steps (``k8s``). Below both the runbook parser and the
step runner, which both need it; it imports nothing else of warroom."""
