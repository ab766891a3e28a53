"""The values PromQL expressions produce, and the one error they raise.

Shared by the parser, the catalogue and both evaluators, so it depends on none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

Labels = tuple[tuple[str, str], ...]
Getter = Callable[[float], float]


class PromQLError(ValueError):
    """An expression the drill cannot evaluate; the message says where and why."""


class Sample(NamedTuple):
    labels: Labels
    value: float

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


Vector = list[Sample]
Value = float | Vector
