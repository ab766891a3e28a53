"""A fault's failure message states no wait its flow did not take (issue 13 item 5).

A flow a fault fails ends by the fail-fast law (``model.flow_seconds`` "fast": about 0.4 x the median, 2 s at least);
only a flow killed at the hard timeout runs 180 s, and its words (``model.KILLED``) say so. provider-outage said
"timeout exceeded: anthropic did not answer within 60s" on flows psql showed ending 14 s after they began.
"""

from __future__ import annotations

import re

from warroom.drill.scenarios import list_scenarios


def test_no_faults_words_state_a_duration() -> None:
    said = [(sc.name, m) for sc in list_scenarios() for f in sc.faults for m in f.messages
            if re.search(r"\b\d+(\.\d+)?\s?(s|sec|seconds|ms|min|minutes)\b", m)]
    assert not said, said
