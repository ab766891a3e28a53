"""The handoff brief's "What happened" keeps what acted and drops filler first (redteam47 F1).

INC-20261206-1 (rate-limit): the brief held exactly the last eight key moments, from a tier to "Role ops: bob", two
runs of a read-only step among them; the declaration, the breaker (step 6, the one change that mitigated) and its
verify gate passing were cut. The brief now keeps the declaration, every change that acted and every verify verdict,
fills the rest by weight with filler last, and says how many moments it left out and of what kind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.incident.handoff import BRIEF_MOMENTS, what_happened
from warroom.incident.md_text import Md, code
from warroom.incident.review.lines import Line
from warroom.incident.review.timeline import TYPED_MOVED
from warroom.journal import events as ev

T0 = datetime(2026, 12, 6, 9, 16, 42, tzinfo=UTC)


def _rows() -> list[Line]:
    """The timeline of F1's incident, as ``review.timeline.timeline`` weighs it (one row a moment)."""
    rows: list[tuple[str, int, str, tuple[str, str] | None]] = [
        ("Declared P3: quota climbing", 100, ev.DECLARED, None),
        ("SLO breached: Model API 429 share 12%", 95, ev.SLO_BREACHED, None),
        ("Step 1 (Check the quota, read-only): ok", 20, "run.read", ("RB", "s1")),
        ("Step 2 (Read the logs, read-only): ok", 20, "run.read", ("RB", "s2")),
        ("Step 3 (List failed tasks, read-only): ok", 20, "run.read", ("RB", "s3")),
        ("Step 6 (Turn the circuit breaker on, changes things): ok, exit 0", 78, "run.acted", ("RB", "s6")),
        ("Verification passed (step 6)", 85, ev.VERIFY_PASSED, None),
        ("Escalated to tier 1", 65, ev.ESCALATED, None),
        ("Step 7 (Check the breaker, read-only): ok", 20, "run.read", ("RB", "s7")),
        ("Step 8 (Breaker status, read-only): ok", 20, "run.read", ("RB", "s8")),
        ("Escalated to tier 2", 65, ev.ESCALATED, None),
        ("SLO recovered: Model API 429 share 0.1%", 85, ev.SLO_RECOVERED, None),
        ("Status → mitigated", 88, ev.PHASE_MARKED, None),
        ("Step 14 (Check quota reset, read-only): ok", 20, "run.read", ("RB", "s14a")),
        ("Escalated to tier 3", 65, ev.ESCALATED, None),
        ("SLO breached: Flow failure rate 3.2%", 95, ev.SLO_BREACHED, None),
        ("Severity P3 → P2", 80, ev.SEVERITY_CHANGED, None),
        ("Note [root-cause]: a batch job burnt the quota", 90, ev.NOTE, None),
        ("Step 14 (Check quota reset, read-only): ok", 20, "run.read", ("RB", "s14b")),
        ("Role ops: bob", 75, ev.ROLE_ASSIGNED, None),
    ]
    return [Line(text, (i + 1,), at=T0 + timedelta(seconds=20 * i), weight=w, kind=kind, step=step)
            for i, (text, w, kind, step) in enumerate(rows)]


def test_the_brief_keeps_the_declaration_the_change_that_acted_and_its_verdict_and_says_what_it_left_out() -> None:
    happened = what_happened(_rows())
    said = "\n".join(happened)
    for kept in ("Declared P3", "Step 6 (Turn the circuit breaker on", "Verification passed (step 6)",
                 "Note [root-cause]", "SLO breached", "Status → mitigated"):
        assert kept in said, said
    assert "Role ops: bob" not in said and "Escalated to tier" not in said and "Step 14" not in said, said
    head, *moments = happened
    assert len(moments) == BRIEF_MOMENTS, happened
    # what was left out, counted by kind, biggest first
    assert head == "5 moments not shown: 3 escalation tiers, 1 severity change, 1 role change", head
    assert [m[:8] for m in moments] == sorted(m[:8] for m in moments)      # still in time order


def test_a_change_typed_in_the_drill_shell_is_kept_as_an_act_and_said_in_plain_text() -> None:
    rows = _rows()
    typed = Line(Md("Typed in the drill shell, outside the runbook's steps: {} ({}): failure rate 55% later").format(
        "deployment environment changed (set DISABLE_PROVIDERS=anthropic,openai,google on flowengine)",
        code("kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic,openai,google -n production")),
        (), at=T0 + timedelta(seconds=170), weight=TYPED_MOVED, kind="typed.moved")
    happened = what_happened([*rows, typed])
    [line] = [ln for ln in happened if "Typed in the drill shell" in ln]
    assert line.startswith("09:19:32 UTC Typed in the drill shell, outside the runbook's steps: deployment"
                           " environment changed (set DISABLE_PROVIDERS=anthropic,openai,google on flowengine)"
                           " (`kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic,openai,google"
                           " -n production`)"), line
    assert "\\" not in line
    assert any("Verification passed" in ln for ln in happened) and any("Declared" in ln for ln in happened)


def test_read_only_checks_run_again_and_again_go_before_a_breach() -> None:
    rows = [r for r in _rows() if r.kind in (ev.DECLARED, ev.SLO_BREACHED, "run.read")]
    happened = what_happened(rows)
    assert happened[0] == "2 moments not shown: 2 read-only checks", happened   # the oldest two
    assert sum("SLO breached" in ln for ln in happened) == 2 and any("Declared" in ln for ln in happened)


def test_nothing_is_said_left_out_when_everything_fits() -> None:
    rows = _rows()[:6]
    happened = what_happened(rows)
    assert len(happened) == 6 and not any("not shown" in ln for ln in happened), happened
