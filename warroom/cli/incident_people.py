"""``warroom incident role|ack|request|approvals|approve``: roles, handoff and two-person approval.

Each is one journal append through the incident service (``Incident.assign_role``,
``acknowledge_handoff``, ``Incident.approvals``), so the dashboard and these commands keep the
same rules. There is no ``--actor`` or ``--as`` option on purpose: who approves or acknowledges is
the OS account running the command (see ``warroom.incident.identity``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from warroom.cli.common import out
from warroom.cli.incident_args import _env_params, _open, _params
from warroom.cli.incident_metrics import panes_now, sync
from warroom.errors import WarroomError
from warroom.paths import command

Add = Callable[[str, str, Any], argparse.ArgumentParser]


def register(add: Add) -> None:
    sp = add("role", "give a role (commander/ic, ops, comms, scribe) to a person (their login name); a new"
                     " commander is a handoff: the catch-up brief is printed and journaled", cmd_role)
    sp.add_argument("id")
    sp.add_argument("role", help="commander (incident commander, ic), ops (ops lead), comms (comms lead), scribe")
    sp.add_argument("person", help="the person's login name (the incoming commander acknowledges as that login)")
    sp.add_argument("--reason", default="")

    sp = add("ack", "acknowledge a commander handoff (run by the incoming commander): prints the brief", cmd_ack)
    sp.add_argument("id")

    sp = add("brief", "print the catch-up brief an incoming commander would get now", cmd_brief)
    sp.add_argument("id")

    sp = add("request", "ask a second person to approve a step (the exact command, target, dry run and verify"
                        " gate are recorded)", cmd_request)
    sp.add_argument("id")
    sp.add_argument("step", help="step number, id or label")
    sp.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    sp.add_argument("--param-env", action="append", default=[], metavar="NAME=ENVVAR")

    sp = add("approvals", "list approval requests: what each covers and where it stands", cmd_approvals)
    sp.add_argument("id")
    sp.add_argument("--all", action="store_true", help="also closed ones (used, refused, expired)")

    sp = add("approve", "approve a request (never your own), or refuse it with --refuse --why", cmd_approve)
    sp.add_argument("id")
    sp.add_argument("request", help="request id, e.g. R12")
    sp.add_argument("--refuse", action="store_true", help="refuse instead of approving")
    sp.add_argument("--why", default="", help="the reason (required with --refuse)")


def cmd_role(args: argparse.Namespace) -> int:
    from warroom.incident.handoff import ROLES, Brief

    inc = _open(args)
    sync(inc)           # a handoff journals a brief: first what the journal is owed (see cmd_brief)
    e = inc.assign_role(args.role, args.person, args.reason, readings=lambda: panes_now(inc)[0])
    out(f"{ROLES[e.data['role']]}: {e.data['person']} (seq {e.seq})")
    brief = Brief.from_json(e.data.get("brief"))
    if brief is not None:
        out(f"handoff to {e.data['person']}: catch-up brief (they acknowledge with"
            f" `{command('incident', 'ack', inc.id)}`)")
        out(brief.text())
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    from warroom.incident.handoff import Brief, pending_handoff

    inc = _open(args)
    pend = pending_handoff(inc.state)
    e = inc.acknowledge_handoff()
    brief = Brief.from_json(pend.get("brief")) if pend else None
    if brief is not None:
        out(brief.text())
    out(f"handoff acknowledged (seq {e.seq}): {pend['person'] if pend else '?'} is incident commander")
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from warroom.incident.handoff import catch_up_brief

    inc = _open(args)
    # What the metrics and the clock did while nobody looked (breaches, recoveries, tiers reached,
    # an overdue update) is journaled first, as `show` and `draft-update` do: else "What happened"
    # stops at the last look while "Current state" says the tier of now, and an SLO that recovered
    # unseen is still "BREACHED" to the commander taking over.
    sync(inc)
    readings, gates = panes_now(inc)      # "Current state" read now, as draft-update reads it
    typed, by_hand = inc.drill_shell_read()         # the drill shell read once
    out(catch_up_brief(inc.state, inc.clock(), update_every=inc.update_every_of, config=inc.config,
                       runbooks=inc.open_runbooks(), readings=readings, typed=typed, by_hand=by_hand,
                       gates=gates).text())
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    from warroom.incident.approval_desk import describe

    inc = _open(args)
    prepared = inc.prepare_step(args.step, {**_params(args.param), **_env_params(args.param_env)})
    done = inc.approvals.request(prepared)
    out(f"requested {done.request.id} (seq {done.event.seq}); another person approves it with"
        f" `{command('incident', 'approve', inc.id, done.request.id)}`")
    out("\n".join(describe(done.request, "pending", inc.state)))
    return 0


def cmd_approvals(args: argparse.Namespace) -> int:
    from warroom.incident.approval_desk import describe

    inc = _open(args)
    inc.approvals.expire_due()
    rows = [(r, s) for r, s in inc.approvals.listing() if args.all or s in ("pending", "approved")]
    if not rows:
        out(f"{inc.id}: no open approval requests" + ("" if args.all else " (--all shows closed ones)"))
        return 0
    for req, state in rows:
        out("\n".join(describe(req, state, inc.state)))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    inc = _open(args)
    if args.refuse:
        e = inc.approvals.refuse(args.request, args.why)
        out(f"refused {e.data['request']} (seq {e.seq}): {e.data['reason']}")
        return 0
    if args.why:
        raise WarroomError("--why goes with --refuse (an approval needs no reason)")
    e = inc.approvals.approve(args.request)
    from warroom.incident.approvals import good_until

    good = good_until(inc.state.approvals[e.data["request"]])
    out(f"approved {e.data['request']} (seq {e.seq}) as {inc.person().shown}, good until {good};"
        " it covers that exact command, one run")
    return 0
