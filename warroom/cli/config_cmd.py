"""``warroom config init|check``: write a starter config, validate one."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from warroom.cli.common import out
from warroom.config import Config, config_to_dict, load_config
from warroom.errors import ConfigError
from warroom.paths import expand, user_config_path


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("config", help="write or check a config file", parents=[common])
    csub = p.add_subparsers(dest="config_cmd", metavar="{init,check}", required=True)
    init = csub.add_parser("init", help="write a starter config (refuses to overwrite)", parents=[common])
    init.add_argument("path", nargs="?", help=f"where to write it (default: {user_config_path()})")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_init)
    check = csub.add_parser("check", help="validate a config file", parents=[common])
    check.add_argument("path", nargs="?", help="file to check (default: the config warroom would use)")
    check.set_defaults(func=cmd_check)


def cmd_init(args: argparse.Namespace) -> int:
    import tomli_w

    path = expand(args.path) if args.path else user_config_path()
    if path.exists() and not args.force:
        raise ConfigError(f"{path}: already exists; use --force to overwrite it")
    data = config_to_dict(Config())
    text = (
        "# A warroom configuration: see config.example.toml in the project for every key, commented.\n"
        + tomli_w.dumps(data)
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write config: {exc.strerror or exc}") from None
    out(f"wrote {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    target = args.path if args.path else getattr(args, "config", None)
    cfg = load_config(target)
    where = cfg.source or Path("(built-in defaults)")
    out(f"{where}: ok ({len(cfg.slo)} SLO panes, {len(cfg.runbooks.dirs)} extra runbook dirs)")
    return 0
