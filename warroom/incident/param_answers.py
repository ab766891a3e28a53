"""The runbook's parameters as the incident had answered them at a moment (``param_values``, ``Answers.at``): what a
step's command reads, and what a typing's places that name a workload must keep. Known answers are runs through
warroom that acted and ended ok by then; a run that had not (failed, stopped, still running), a read-only run (a look
acts nowhere) or a dry run is only doubted
(``Answers.doubted``, ``may_fill``). A typing is judged by the answers given before it, so nothing journaled later
re-judges it (attack55 F4, F5, F8)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook


class Given(NamedTuple):
    """One answer of the runbook's parameters the journal holds: a run through warroom's, or a dry run's."""

    seq: int                    # its line in the journal: the later answer wins
    at: float                   # unix: when it was given (a run's start, a dry run's line)
    known: float                # unix: from when it is known to be the incident's (an ok run's end, as journaled:
                                # ``StepRun.known_at``); inf: never
    params: tuple[tuple[str, str], ...]


class Answers(dict[str, str]):
    """The runbook's parameters as the incident is known to have answered them, else their defaults (``param_values``):
    what a step's command reads. ``doubted``: a parameter whose last answer only a run that did not end ok (or a dry
    run) gave, to the values its place in a typing that names a workload may hold (``may_fill``): the value beneath it
    (an earlier ok run's, the default) and each such answer's. Such a key is not in the mapping itself, so a typing's
    own value fills the command it is judged by (``Hands.means``) and is said with the credit (``Shape.chose``): which
    one was typed. The mapping is what the whole journal answered; ``at(moment)`` is what had been answered by then,
    which a typing is judged by (attack55 F5)."""

    def __init__(self, known: Mapping[str, str], doubted: Mapping[str, frozenset[str]],
                 defaults: Mapping[str, str] | None = None, given: Sequence[Given] = ()) -> None:
        super().__init__({k: v for k, v in known.items() if k not in doubted})
        self.doubted: dict[str, frozenset[str]] = dict(doubted)
        self._defaults = dict(defaults or {})
        self._given = tuple(given)
        self._moments: dict[tuple[int, int], Answers] = {}

    def at(self, moment: float) -> Answers:
        """The answers given by ``moment`` (unix), each as known then: a run started by then that had not ended ok by
        then (still running, or it never did) is doubted, however it ends later. What a typing then is judged by, so
        nothing journaled after it (a dry run, a run, its end) re-judges a typing that was credited (and may have
        lifted a containment): the credit, once given, is the typing's for good."""
        if not self._given:
            return self
        key = (sum(g.at <= moment for g in self._given), sum(g.known <= moment for g in self._given))
        if (hit := self._moments.get(key)) is None:
            hit = self._moments[key] = _answers(self._defaults, self._given, moment)
        return hit


def moment_of(values: Mapping[str, str], at: float) -> Mapping[str, str]:
    """``values`` as answered by ``at`` (unix), when they say (``Answers.at``); else as they are."""
    return values.at(at) if isinstance(values, Answers) else values


def may_fill(values: Mapping[str, str], key: str, value: str) -> bool:
    """Whether ``value`` may fill ``key``'s place in a word that names what a kubectl call acts on (``_names_object``):
    the incident's value, else, when it is doubted (``Answers``), one of the values it may be; any when it has none."""
    if isinstance(values, Answers) and key in values.doubted:
        return value in values.doubted[key]
    return values.get(key, value) == value


def param_values(runbook: Runbook, state: Any) -> Answers:
    """The runbook's parameters as the incident answered them, else their defaults: what a step's command reads, and
    what a typing's places that name a workload must keep (``_names_object``); ``Answers.at`` as answered by a moment,
    which a typing is judged by. A value only runs that did not end ok (or dry runs) gave is not known to be the
    incident's (``answered``): that place takes the value beneath it (an earlier ok run's, the default) or one of those
    answers', never any other (attack55 F8: after a run with the typo ``flowengin`` failed, ``scale
    deployment/audit-shipper`` was "Bring FlowEngine back"), the one typed said with the credit; with no value beneath,
    any value, as before those runs."""
    defaults = {k: str(p.default) for k, p in runbook.params.items() if p.default is not None}
    given = answers_given(state)
    if given is None:       # a state without step records: the answers a prompt offers, none doubted
        return Answers(defaults | dict(getattr(state, "param_answers", None) or {}), {})
    return _answers(defaults, given, math.inf)


def _answers(defaults: Mapping[str, str], given: Sequence[Given], moment: float) -> Answers:
    """``param_values`` as answered by ``moment`` (unix)."""
    kept, doubted = answered(given, moment)
    values = {**defaults, **kept}
    return Answers(values, {k: frozenset({values[k], *v}) for k, v in doubted.items()
                            if k in values and v != {values[k]}}, defaults, given)


def answers_given(state: Any) -> tuple[Given, ...] | None:
    """Every answer of the parameters the incident's journal holds (``Given``), in its order: each run's through
    warroom, known to be the incident's once it ended ok, if it acted (``mutating`` as journaled at its start); each
    read-only run's and dry run's, never known. A dry run runs nothing: nothing says its values were the incident's
    (attack55 F5). A read-only run acts nowhere: its values say where someone looked, not where the incident acts
    (``rollout status … -n staging``, exit 0, made the production restore then typed "not the step" and the halt's
    lift went, attack56 A5). An observer's (a read-only seat's) is no answer of the incident's. None for a state
    without step records."""
    steps = getattr(state, "steps", None)
    if not isinstance(steps, Mapping):
        return None
    out = [Given(run.seq, run.started_at.timestamp(),
                 run.known_at.timestamp() if run.status == "ok" and run.mutating and run.known_at is not None
                 else math.inf,
                 tuple((str(k), str(v)) for k, v in run.params.items() if v is not None))
           for st in steps.values() for run in st.runs]
    out += [Given(int(dry.get("seq") or 0), dry["at"].timestamp() if isinstance(dry.get("at"), datetime) else -math.inf,
                  math.inf, tuple((str(k), str(v)) for k, v in (dry.get("params") or {}).items() if v is not None))
            for st in steps.values() for dry in st.dry_runs if not dry.get("seat")]
    return tuple(sorted(out, key=lambda g: g.seq))


def answered(given: Sequence[Given], moment: float = math.inf) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(the parameters' values the answers ``given`` by ``moment`` (unix) that were known then to be the incident's
    gave, the later winning; per parameter, the values the others gave after any known answer of it). Known: a run
    through warroom that acted and had ended ok by then (a read-only run's values are only doubted: a look, attack56
    A5). A restore run with ``namespace=staging`` that failed (exit 1: no
    FlowEngine there) made the production restore then typed by hand "not this step", its halt's gate read flows
    finishing again as the mitigation's relapse, until a later run with the production value re-judged the same typing
    as the step (attack53 A9). A failed run's value may be why it failed, or not (a transient error): the incident's
    value is not known from it. The same holds of every run that did not end ``ok``: ``timed_out``, ``interrupted`` and
    ``cancelled`` (the IC who saw ``staging`` in the run's output and cancelled it, then typed the production restore,
    attack55 F4), one still running then (its outcome not known yet), and a dry run, which runs nothing (a preview
    given staging, before or after the production restore typed by hand, made that typing "not the step", attack55
    F5). An answer given after ``moment`` is none of it: a typing is judged by what was answered before it."""
    kept: dict[str, str] = {}
    doubted: dict[str, set[str]] = {}
    for g in given:
        if g.at > moment:
            continue
        for k, v in g.params:
            if g.known <= moment:
                kept[k] = v
                doubted.pop(k, None)
            else:
                doubted.setdefault(k, set()).add(v)
    return kept, doubted
