"""A read typed in the drill shell with a filter that only formats what it printed (fix47credit: RB-CORE-004's
``aws logs … | jq -r '.events[].message'`` stayed "typed by hand, not checked"): the stand-in's own record of the read
holds its exit code, which is the step's outcome when everything after it in its one pipeline only formats or selects
(``by_hand.FORMATTING``). A filter cannot make a failed read succeed (a call that exited 1 credits nothing), and what
runs or writes (``| sh``, ``| xargs …``, ``| tee f``, ``> f``), a list (``&&``), a ``grep`` last (its exit code is the
verdict) or ``jq -e`` is no formatting: still "typed by hand, not checked"."""

from __future__ import annotations

import pytest

from warroom.incident.by_hand import Call, Hands, Typed
from warroom.runbook.parser import parse_runbook

START = 1_790_000_000.0


def _credit(command: str, code: int = 0) -> str | None:
    book = parse_runbook(f"# RB-TEST-001 Reads\n\n## Triage\n\n```bash\n# Read the pods\n{command}\n```\n")
    call = Call(START + 100, 200.0, "kubectl", ("get", "pods", "-n", "production"), code, "")
    hand = Hands(Typed((call,), 100.0, START + 1000)).steps(book, lambda _sid: True, {}, [], {}).get(book.steps[0].id)
    return None if hand is None else hand.state


DONE = "done by hand at +1m40s (drill shell)"
NOT_CHECKED = "typed by hand at +1m40s (drill shell), not checked"


@pytest.mark.parametrize(("tail", "said"), [
    ("", DONE),
    (" | jq -r '.items[].metadata.name'", DONE),
    (" | grep ERROR | sort | uniq -c | sort -rn | head -10", DONE),
    (" | tail -20", DONE),
    (" | wc -l", DONE),
    (" | grep redis", NOT_CHECKED),              # grep last: no match fails the step, the record cannot say
    (" | jq -e '.items | length > 0'", NOT_CHECKED),
    (" | jq -re .kind", NOT_CHECKED),
    # what writes or runs is a change (the classifier's): credited only from an action it recorded, never typed
    (" | sort -o /tmp/pods", None),
    (" | tee /tmp/pods", None),
    (" | jq . > /tmp/pods", None),
    (" | sh", None),
    (" | bash", None),
    (" | awk '{print $1}'", NOT_CHECKED),
    (" && echo pods listed", NOT_CHECKED),
    (" | grep -wF Running && echo healthy", NOT_CHECKED),
])
def test_a_formatting_filter_after_a_read_leaves_it_judged_by_its_own_record(tail: str, said: str | None) -> None:
    assert _credit(f"kubectl get pods -n production{tail}") == said


def test_a_filter_cannot_make_a_failed_read_succeed_nor_run_a_stand_in() -> None:
    assert _credit("kubectl get pods -n production | jq -r .kind", code=1) is None
    assert _credit("kubectl get pods -n production | xargs kubectl delete") is None
