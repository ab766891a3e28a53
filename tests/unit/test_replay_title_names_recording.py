"""A replay's pre-filled title says what the recording holds, so it is true whenever shown (redteam29-7).

Declared before the replay reached the recorded breach, the rehearsal was titled "Flow failure
rate past 1%" with the pane at 0.298% on screen, and its PIR said "declared before Flow failure
rate reached critical". The title names the recording the breach belongs to."""

from __future__ import annotations

from warroom.config import default_slos
from warroom.incident.history import History
from warroom.incident.metric_history import PaneHistory
from warroom.incident.replay import first_breach


def _history(*panes: PaneHistory) -> History:
    return History(incident_id="INC-20261201-3", start=0.0, end=600.0, step=60.0, panes=panes)


def test_the_title_names_the_recording_whose_pane_crossed_first() -> None:
    slos = {s.id: s for s in default_slos()}
    quota, failures = slos["quota"], slos["failure_rate"]
    late = PaneHistory(quota, tuple((t, 70.0 if t < 480 else 90.0) for t in range(0, 601, 60)), 60.0)
    early = PaneHistory(failures, tuple((t, 0.3 if t < 240 else 1.7) for t in range(0, 601, 60)), 60.0)
    title = first_breach(_history(late, early))
    assert title == "Flow failure rate past 1% in INC-20261201-3"
    # the claim is the recording's: that pane has a point past its critical line in it
    assert any(early.bad(v) for _, v in early.points)
    calm = PaneHistory(quota, tuple((t, 50.0) for t in range(0, 601, 60)), 60.0)
    assert first_breach(_history(calm)) is None


def test_a_replay_says_when_its_first_breach_comes() -> None:
    """redteam45 R13: a ×10 replay opened on ~6 wall minutes of healthy panes and nothing said when the incident
    begins: until the replay reaches the breach, when it comes is said (recorded time, wall time from now)."""
    from warroom.incident.replay import ReplaySource, breach_ahead

    slos = {s.id: s for s in default_slos()}
    early = PaneHistory(slos["failure_rate"], tuple((t, 0.3 if t < 240 else 1.7) for t in range(0, 601, 60)), 60.0)
    source = ReplaySource(_history(early), speed=2.0, start=1000.0)      # recorded 240 s in: 120 wall s from start
    assert breach_ahead(source.history, source, 1000.0) == \
        "its first breach (Flow failure rate) comes at recorded 00:04:00 UTC, in 2m00s"
    assert breach_ahead(source.history, source, 1120.0) == ""        # reached: nothing ahead
