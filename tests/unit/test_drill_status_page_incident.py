"""The vendor's Statuspage in a drill speaks the v2 API an IC reads for "wait or fail over" (redteam45 R3): an incident
with its updates once the outage shows, an ETA the vendor keeps, ``updated_at`` the page's last change (not the moment
asked), and nothing on a provider that is fine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import fleet

PAGE = "https://status.anthropic.com/api/v2/"


def _get(drill: object, url: str, t: float) -> dict:
    code, out, err = run_one(drill, ["curl", "-s", url], t)   # type: ignore[arg-type]
    assert code == 0, err
    return json.loads(out)


def test_the_outage_has_an_incident_whose_eta_is_kept(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage")
    sig = drill.simulator.signals
    index = next(i for i, f in enumerate(sig.scenario.faults) if "api_5xx:anthropic" in f.impacts)
    early = _get(drill, PAGE + "incidents/unresolved.json", -30.0)      # the fault began at -40 s: not yet shown
    assert early["incidents"] == []
    asked = [_get(drill, PAGE + "status.json", t)["page"]["updated_at"] for t in (1200.0, 1300.0)]
    assert asked[0] == asked[1]                 # nothing posted between two looks: the page did not change
    now = _get(drill, PAGE + "summary.json", 1200.0)
    [incident] = now["incidents"]
    assert now["status"]["indicator"] == "major" and incident["status"] == "identified"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    assert incident["updated_at"] == now["page"]["updated_at"] == incident["incident_updates"][0]["created_at"]
    body = incident["incident_updates"][0]["body"]
    hhmm = body.split("full recovery by ")[1].split(" UTC")[0]
    said = datetime.fromtimestamp(drill.wall_time(1200.0), UTC)
    eta = said.replace(hour=int(hhmm[:2]), minute=int(hhmm[3:]), second=0, microsecond=0).timestamp()
    kept = drill.scenario_time(eta)
    assert kept - 1200.0 > 1800.0                # more than half an hour away: the runbook's "wait" does not hold
    assert sig.raw_strength(index, kept) <= 0.1  # and by then the vendor's trouble is over, as promised
    assert _get(drill, PAGE + "status.json", kept + 60.0)["status"]["indicator"] == "none"
    later = _get(drill, PAGE + "incidents.json", kept + 3600.0)
    [closed] = later["incidents"]
    assert closed["status"] == "resolved" and closed["resolved_at"] == closed["updated_at"]
    assert [u["status"] for u in closed["incident_updates"]] == ["resolved", "monitoring", "identified", "investigating"]
    assert _get(drill, PAGE + "incidents/unresolved.json", kept + 3600.0)["incidents"] == []
    assert _get(drill, "https://status.openai.com/api/v2/incidents.json", 1200.0)["incidents"] == []


def test_the_page_is_green_only_once_the_errors_are_back_at_their_everyday_share(tmp_path: Path) -> None:
    """redteam47 F7: the page read "All Systems Operational" while the fault's fade still failed 1.8% of Claude calls
    (nine times the everyday share), so RB-CORE-004's recovery, run as soon as its step 20 passed, put the provider
    back into an outage's tail. It stays "minor" while the vendor watches its fix, green once resolved."""
    drill = warm_drill(tmp_path, "provider-outage")
    sig, seen = drill.simulator.signals, {}
    for t in map(float, range(3000, 5100, 60)):
        page = _get(drill, PAGE + "summary.json", t)
        state = (page["status"]["indicator"], page["incidents"][0]["status"] if page["incidents"] else "resolved")
        seen.setdefault(state, sig.share_5xx(fleet.PRIMARY_PROVIDER, t))
        assert (state[0] == "none") == (state[1] == "resolved"), (t, state)
        assert state[0] != "none" or sig.share_5xx(fleet.PRIMARY_PROVIDER, t) <= 2.5 * fleet.BASE_5XX, t
    assert seen[("minor", "monitoring")] > 10 * fleet.BASE_5XX and ("none", "resolved") in seen, seen


def test_updated_at_moves_when_the_indicator_does(tmp_path: Path) -> None:
    """redteam49 F11: the indicator went major -> minor at the fade (no post then) while ``page.updated_at`` kept the
    last post's time: a reader takes the page as unchanged since. Each change of the indicator is a change of the
    page."""
    drill = warm_drill(tmp_path, "provider-outage")
    last = None
    for t in map(float, range(1200, 5100, 30)):
        page = _get(drill, PAGE + "status.json", t)
        now = (page["status"]["indicator"], page["page"]["updated_at"])
        if last is not None and now[0] != last[0]:
            assert now[1] != last[1] and now[1] <= iso_at(drill, t), (t, last, now)
        last = now


def iso_at(drill: object, t: float) -> str:
    """The page's clock: a scenario second as the API stamps it."""
    from warroom.drill.activity import iso
    return iso(drill.wall_time(t))      # type: ignore[attr-defined]
