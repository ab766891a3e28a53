"""redteam45 R10: ``DISABLE_PROVIDERS=openai`` (the healthy provider) typed before ``DISABLE_PROVIDERS=anthropic`` (the
one down: the incident's ``failed_provider``) was credited as RB-CORE-004 step 9, "with failed_provider=openai", and
the call that was the step read "done outside the runbook's steps". A call typed with the incident's own values is the
step; one typed with another value stands for it only when none was."""

from __future__ import annotations

import math
import shlex
from datetime import UTC, datetime
from pathlib import Path

from warroom.incident.by_hand import Call, Hands, Typed
from warroom.incident.drill_report.path import runbook_path
from warroom.incident.drill_report.rows import ActionRow
from warroom.runbook.parser import parse_runbook

BOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-004-provider-outage.md"
T0 = 1_800_000_000.0


def _disable(provider: str, t: float) -> tuple[Call, ActionRow]:
    argv = ("kubectl", "set", "env", "deployment/flowengine", f"DISABLE_PROVIDERS={provider}", "-n", "production")
    return Call(T0 + t, t, argv[0], argv[1:], 0, ""), ActionRow(T0 + t, t, "set_env", f"disabled {provider}",
                                                                  shlex.join(argv), True)


def test_the_call_with_the_incidents_value_is_the_step_and_the_other_is_outside() -> None:
    book = parse_runbook(BOOK.read_text(encoding="utf-8"))
    (wrong, wrong_row), (right, right_row) = _disable("openai", 436.0), _disable("anthropic", 462.0)
    out = runbook_path(book, None, [wrong_row, right_row], datetime.fromtimestamp(T0 + 9000, UTC),
                       Hands(Typed((wrong, right), 0.0, math.inf)))
    step9 = next(row for row, st in zip(out["runbook_path"], book.steps, strict=True) if st.number == 9)
    assert step9[2].startswith("typed by hand at +7m42s (drill shell), not verified"), step9     # anthropic's call
    assert step9[3] == "disabled anthropic", step9
