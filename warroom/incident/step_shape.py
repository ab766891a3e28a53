"""A step's command as a shape with a place for each parameter (``Shape``): what a typed call must equal word for word
but for those places, the value each place took (said with the credit), and a workload's place kept to the incident's
value (``_names_object``, ``param_answers.may_fill``); one step's part of a ``set env`` that does several steps'
changes at once (``share``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from warroom.incident.param_answers import may_fill
from warroom.incident.standin_calls import _OUTPUT, _read, spelled

if TYPE_CHECKING:
    from warroom.runbook.model import Runbook, Step


_TOKEN = "WARROOMPARAM{}X"     # a parameter's place in a step's command, a word of the safe alphabet anywhere


@dataclass(frozen=True)
class Shape:
    """A step's command with each parameter a place any value may fill: a parameter is the IC's to choose (``kubectl
    patch hpa … minReplicas: 12`` is RB-CORE-002's step 9, whose ``replicas`` defaults to 8; ``blocks flow retry
    tsk_… --enable-pruning`` is step 8, whose ``task_id`` has no default), so a call typed with another value is that
    step (redteam44 T3: compared with the defaults put in, such a step read "not done" and its call "outside the
    runbook's steps"). A value must fill its place alike in every call of the step, and match its ``pattern``."""

    command: str                                  # substituted with the places (``_TOKEN``)
    calls: tuple[list[tuple[str, ...]], bool]     # ``_read`` of it
    places: dict[str, str]                        # a place's token -> its parameter's key
    names: dict[str, str]                         # a parameter's key -> its name as written
    patterns: dict[str, str]                      # a parameter's key -> the pattern its value must match
    optional: frozenset[str]                      # keys that may be empty

    @classmethod
    def of(cls, runbook: Runbook, step: Step) -> Shape | None:
        """The step's shape; None when it cannot be read off its text (``_read``)."""
        from warroom.incident.runbook_ref import substitute
        from warroom.runbook.params import find_params

        declared = tuple(k for k, p in runbook.params.items() if p.declared)
        keys = list(dict.fromkeys(r.key for r in find_params(str(step.command), declared, step.kind)))
        places = {_TOKEN.format(n): k for n, k in enumerate(keys)}
        try:
            command = substitute(str(step.command), {k: t for t, k in places.items()}, kind=step.kind,
                                 declared=declared, wide=tuple(k for k, p in runbook.params.items() if p.pattern))
        except WarroomError:
            return None
        read = _read(command)
        if read is None:
            return None
        params = runbook.params
        # a ``$(…)``'s output: a place any value fills, said with no credit (no parameter of the IC's)
        places |= {m: m for argv in read[0] for w in argv for m in re.findall(_OUTPUT.format(*[r"\d+"] * 3), w)}
        return cls(command, read, places, {k: params[k].name if k in params else k for k in keys},
                   {k: str(params[k].pattern) for k in keys if k in params and params[k].pattern},
                   frozenset(k for k in keys if k in params and params[k].optional))

    def chose(self, bound: Mapping[str, str], values: Mapping[str, str]) -> str:
        """The parameters' values typed (``bound``) where the runbook's (``values``) differ or it has none, as a credit
        says them (``replicas=5``); what a ``$(…)`` gave is no parameter's, and not said."""
        return ", ".join(f"{self.names[k]}={v}" for k, v in bound.items() if k in self.names and values.get(k) != v)

    def match(self, wanted: tuple[str, ...], call: tuple[str, ...], bound: Mapping[str, str],
              values: Mapping[str, str] | None = None) -> dict[str, str] | None:
        """``bound`` with the values ``call`` typed in the places of ``wanted`` (one of ``calls``), or None when it is
        another command: a word without a place equal, word for word, each as the tool reads it (``spelled``); a place
        filled alike wherever it is, and never with an option where it starts its word (``blocks flow retry
        --enable-pruning`` is no task id). With the incident's ``values``, a place in a word naming what a kubectl
        call acts on (``deployment/{{ deployment }}``, ``-n {{ namespace }}``: ``_names_object``) holds its
        parameter's value there, when it has one (one it may be, when doubted: ``may_fill``): the workload the step
        names is no value to choose (redteam49 F11: ``scale deployment/audit-shipper`` was RB-CORE-005's "Bring
        FlowEngine back", "with deployment=audit-shipper"); an amount, a task id, an image or an env value stays the
        IC's."""
        wanted, call = spelled(wanted), spelled(call)
        if len(wanted) != len(call):
            return None
        got = dict(bound)
        for n, (want, word) in enumerate(zip(wanted, call, strict=True)):
            if not any(t in want for t in self.places):
                if want != word:
                    return None
                continue
            parts = re.split("(" + "|".join(map(re.escape, self.places)) + ")", want)
            found = re.fullmatch("".join(f"({'.*' if self.places[p] in self.optional else '.+'}?)" if p in self.places
                                         else re.escape(p) for p in parts), word, re.DOTALL)
            if found is None or not parts[0] and word.startswith("-"):
                return None
            pinned = values is not None and _names_object(wanted, n)
            for key, value in zip((self.places[p] for p in parts if p in self.places), found.groups(), strict=True):
                if got.setdefault(key, value) != value or (
                        key in self.patterns and re.fullmatch(self.patterns[key], value) is None) or (
                        pinned and values is not None and not may_fill(values, key, value)):
                    return None
        return got


def _names_object(argv: tuple[str, ...], n: int) -> bool:
    """Whether word ``n`` of a spelled call (``spelled``) names what a kubectl call acts on: a ``KIND/NAME`` before
    its options (``deployments/flowengine``, ``hpa/flowengine``) or its namespace."""
    from warroom.drill.standins.kubeobj import KINDS

    word = argv[n]
    if argv[0] != "kubectl" or n < 2:
        return False
    kind, slash, _ = word.partition("/")
    return word.startswith("--namespace=") or bool(slash) and not word.startswith("-") and kind in KINDS.values()


def _filled(wanted: tuple[str, ...], shape: Shape, values: Mapping[str, str]) -> tuple[str, ...] | None:
    """A call of a step's ``shape`` with each place filled by ``values`` (by parameter key); None if one has none."""
    out = []
    for word in wanted:
        for token, key in shape.places.items():
            if token in word:
                if key not in values:
                    return None
                word = word.replace(token, values[key])
        out.append(word)
    return tuple(out)


def share(shape: Shape, wanted: tuple[str, ...], argv: tuple[str, ...], values: Mapping[str, str],
          steps: Sequence[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The step's part of a call that does several steps' changes at once: a ``set env`` (``argv``) whose assignments
    are those of the step's call ``wanted`` with those of other ``set env`` steps of its runbook (``steps``: filled
    with ``values``, spelled), each whole, on the same deployment and namespace: the call spelled with the step's
    assignments alone (its values as typed). One command line that both turns the breaker on and routes to the
    secondary is each step, as if typed alone (redteam51 R7: it credited neither, one call one step); an assignment
    no such step makes, or one of theirs in part, leaves it one call of its own (None)."""
    said, filled = spelled(argv), _filled(wanted, shape, values)
    want = None if filled is None else spelled(filled)
    if want is None or said[1:3] != ("set", "env") or want[1:3] != ("set", "env") or said[3:4] != want[3:4]:
        return None
    options = [w for w in said[4:] if w.startswith("--")]
    if options != [w for w in want[4:] if w.startswith("--")]:
        return None
    mine, keys = [w for w in said[4:] if not w.startswith("--")], _env_keys(want)
    rest = {w for w in mine if _env_keys(("", "", "", "", w)).isdisjoint(keys)}
    if not rest or not keys <= _env_keys(said):
        return None
    others = [{w for w in s[4:] if not w.startswith("--")} for s in steps if s[3:4] == said[3:4]
              and [w for w in s[4:] if w.startswith("--")] == options and not keys & _env_keys(s)]
    for other in sorted(others, key=len, reverse=True):     # covered whole by other steps' assignments, none in part
        if other and other <= rest:
            rest -= other
    ours = [w for w in mine if not _env_keys(("", "", "", "", w)).isdisjoint(keys)]
    return None if rest or not ours else (*said[:4], *ours, *options)


def _env_keys(said: tuple[str, ...]) -> set[str]:
    """The env keys a spelled ``set env`` call sets or unsets."""
    return {w.split("=", 1)[0] if "=" in w else w.removesuffix("-") for w in said[4:] if not w.startswith("--")}
