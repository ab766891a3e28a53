"""Telling people: ``notify`` and ``incident create``.

Nothing is sent anywhere: both only record what was said and to whom in ``actions.jsonl``, where a
drill's record of the response is kept.
"""

from __future__ import annotations

from warroom.drill.activity import unit
from warroom.drill.standins.base import Context
from warroom.drill.standins.blocks.options import Usage, parse_opts


def notify(ctx: Context, argv: list[str]) -> int:
    pos, opts = parse_opts(argv, set(), {"--channel", "--message"})
    if not pos or pos[0] not in ("slack", "email", "pagerduty"):
        raise Usage("Missing argument 'TARGET' (slack, email or pagerduty).", "blocks notify [OPTIONS] TARGET")
    if not opts.get("--message"):
        raise Usage("Missing option '--message'.", "blocks notify [OPTIONS] TARGET")
    channel = str(opts.get("--channel") or "ops-alerts").lstrip("#")
    ctx.record("notify", channel=channel, message=str(opts["--message"])[:300])
    ctx.out(f"✓ posted to #{channel} ({pos[0]})")
    return 0


def incident_create(ctx: Context, argv: list[str]) -> int:
    _, opts = parse_opts(argv, set(), {"--severity", "--title", "--assignee"})
    if not opts.get("--title"):
        raise Usage("Missing option '--title'.", "blocks incident create [OPTIONS]")
    number = 48000 + int(unit(ctx.at, "inc") * 999)
    ctx.record("page", severity=str(opts.get("--severity") or "P2"), assignee=str(opts.get("--assignee") or ""))
    ctx.out(f"✓ created incident PD-{number} ({opts.get('--severity') or 'P2'}): {opts['--title']}")
    if opts.get("--assignee"):
        ctx.out(f"  paged {opts['--assignee']} (2 responders notified)")
    return 0
