"""Non-finite numbers on disk: ``+Inf``, ``-Inf`` and ``NaN``, written as Prometheus writes them.

A pane whose query answers +Inf (``histogram_quantile`` past its top bucket, a division by zero)
is CRIT "+Inf" on screen; the journal and ``metrics.json`` must carry that reading, not drop it
(a PIR that reads "no data" where the pane read +Inf contradicts the screen). Standard JSON has
no infinity, so the files hold Prometheus' own string forms, and this module is the one codec
every writer and reader of a metric value goes through:

* ``encode_tree`` (writers): every non-finite float in a JSON-able tree becomes its string form.
  The journal's line encoder applies it, so no writer can fail on, or write, a bare infinity.
* ``decode`` / ``decode_values`` (readers): the string forms, in a place that holds a number,
  read back as the float. Only places that hold a number are decoded (``NUMBER_KEYS``), so a
  note or a title that happens to read "NaN" stays text.
* ``dumps``: the JSON a command prints for a script (``status --json``, ``incident show --json``,
  ``decide --json``, ``drill-report --json``, ``runbooks … --json``): the same forms, so a pane at
  +Inf reads ``"value": "+Inf"`` there as in the journal; never ``null`` (that is "no sample") and
  never a bare ``Infinity``, which ``json.dumps`` writes by default and no strict parser (``jq``) reads.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: The string forms, as Prometheus' HTTP API writes them in a sample value.
FORMS: dict[str, float] = {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
#: Keys whose value is a metric number in the journal's metric events (``slo.breached``,
#: ``slo.recovered``, ``metrics.summarised``): a sample's ``value``, a transition's ``threshold``.
NUMBER_KEYS = frozenset({"value", "threshold"})


def sample(value: float | None) -> float | None:
    """A pane's value as a reading: finite or ±Inf (a division by zero: the pane's CRIT "+Inf"),
    None for NaN, which is no reading (the pane's NO DATA), as the journal's evidence holds it."""
    return None if value is None or math.isnan(value) else value


def encode(value: float) -> float | str:
    """A float as it is written to disk: itself when finite, else ``+Inf``/``-Inf``/``NaN``."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


def decode(raw: Any) -> float | None:
    """A number read from disk: an int or float, or one of ``FORMS``; anything else is None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str) and raw in FORMS:
        return FORMS[raw]
    return None


def encode_tree(obj: Any) -> Any:
    """``obj`` (dicts, lists, tuples, scalars) with every non-finite float in its string form."""
    if isinstance(obj, float):
        return encode(obj)
    if isinstance(obj, dict):
        return {k: encode_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(encode_tree(v) for v in obj) if isinstance(obj, tuple) else [encode_tree(v) for v in obj]
    return obj


def decode_values(obj: Any) -> Any:
    """``obj`` with every ``NUMBER_KEYS`` entry that holds a string form read back as its float,
    at any depth (a summary's ``slos.<id>.worst.value``, ``steps.<seq>.values.<id>.after.value``)."""
    if isinstance(obj, dict):
        return {k: (FORMS[v] if k in NUMBER_KEYS and isinstance(v, str) and v in FORMS else decode_values(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode_values(v) for v in obj]
    return obj


def reading(raw: Any) -> dict[str, Any]:
    """One pane's journaled evidence as ``{value, unit, state, ...}``: an entry (a dict) with its
    ``value`` decoded, or a bare value (``step.started``'s ``evidence_before``) as ``{"value": it}``."""
    if isinstance(raw, dict):
        return decode_values(dict(raw))
    return {"value": decode(raw)}


def dumps(obj: Any, **options: Any) -> str:
    """``obj`` as standard JSON text, every non-finite float in its string form (``encode_tree``).
    ``allow_nan=False``: a non-finite float that reached here some other way is an error, not a
    bare ``Infinity`` a script cannot parse. Other options are ``json.dumps``' own."""
    return json.dumps(encode_tree(obj), allow_nan=False, **options)
