"""`--context` reaches the Kubernetes config from either side of the subcommand."""

from __future__ import annotations

from tui.cli import build_parser
from warroom.cli.common import config_from_args


def test_context_option_overrides_kubernetes_context() -> None:
    parser = build_parser()
    for argv in (["--context", "prod-eu", "status"], ["status", "--context", "prod-eu"]):
        cfg = config_from_args(parser.parse_args(argv))
        assert cfg.kubernetes.context == "prod-eu", argv
    assert config_from_args(parser.parse_args(["status"])).kubernetes.context is None
