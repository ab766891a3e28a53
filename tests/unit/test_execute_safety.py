"""Confirmation tokens, read-only sessions and dry runs: forgetting something refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import Config
from warroom.execute.runner import RunSpec, start
from warroom.execute.safety import Confirmation, StepRefused, decide
from warroom.journal.log import read_journal

SCALE = "kubectl scale deployment/flowengine --replicas=6 -n production"


@pytest.fixture
def incident(tmp_path: Path) -> Path:
    d = tmp_path / "INC-1"
    d.mkdir(mode=0o700)
    return d


def mk(incident: Path, command: str = SCALE, **kw: object) -> RunSpec:
    opts: dict[str, object] = {"timeout": 30.0, "kill_grace": 0.2, "step": 4, "step_id": "scale", **kw}
    return RunSpec(incident_dir=incident, command=command, **opts)  # type: ignore[arg-type]


def nothing_ran(incident: Path) -> bool:
    return not read_journal(incident / "journal.jsonl").events and not (incident / "outputs").exists()


def test_mutating_without_token_is_refused_and_nothing_runs(incident: Path) -> None:
    d = decide(mk(incident, mutating=True))
    assert d.action == "refuse" and "not confirmed" in (d.reason or "") and "--yes" in (d.reason or "")
    assert d.event_data() == {"step": 4, "step_id": "scale", "command": SCALE, "reason": d.reason}
    with pytest.raises(StepRefused, match="not confirmed"):
        start(mk(incident, mutating=True))
    assert nothing_ran(incident)


def test_unclassified_step_counts_as_mutating(incident: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import warroom.execute.safety as safety

    monkeypatch.setattr(safety, "classify_mutating", lambda command, kind="shell": None)
    assert decide(mk(incident, mutating=None)).mutating is True
    assert decide(mk(incident, mutating=None)).action == "refuse"
    assert decide(mk(incident, "kubectl get pods", mutating=False)).action == "run"


def test_token_for_exact_command_runs(incident: Path) -> None:
    cmd = "echo scaled"
    s = mk(incident, cmd, mutating=True, confirmation=Confirmation.of(cmd, via="--yes"))
    assert decide(s).action == "run"
    h = start(s)
    assert h.wait(60).status == "ok"
    started = [e for e in read_journal(incident / "journal.jsonl").events if e.type == "step.started"][0]
    assert started.data["confirmed"] is True and started.data["confirmed_via"] == "--yes"
    assert started.data["mutating"] is True


def test_token_for_another_command_is_refused(incident: Path) -> None:
    s = mk(incident, SCALE + "0", mutating=True, confirmation=Confirmation.of(SCALE))
    d = decide(s)
    assert d.action == "refuse" and "different command" in (d.reason or "")
    with pytest.raises(StepRefused):
        start(s)
    assert nothing_ran(incident)


def test_confirm_attribute_needs_token_even_when_read_only(incident: Path) -> None:
    s = mk(incident, "echo hi", mutating=False, confirm=True)
    assert decide(s).action == "refuse"
    assert decide(mk(incident, "echo hi", mutating=False, confirm=True,
                     confirmation=Confirmation.of("echo hi"))).action == "run"


def test_read_only_session_refuses_mutating_even_with_token(incident: Path) -> None:
    s = mk(incident, mutating=True, read_only=True, confirmation=Confirmation.of(SCALE))
    d = decide(s)
    assert d.action == "refuse" and d.reason and d.reason.startswith("read-only session")
    with pytest.raises(StepRefused, match="read-only session"):
        start(s)
    assert nothing_ran(incident)
    assert decide(mk(incident, "kubectl get pods", mutating=False, read_only=True)).action == "run"


def test_dry_run_returns_exact_command_redacted_for_the_record(incident: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", "correct-horse-battery")
    cmd = "psql 'postgres://app:correct-horse-battery@db/app' -c 'select 1' --token abcdef123456"
    d = decide(mk(incident, cmd, mutating=True, read_only=True, params={"db_password": "hunter22hunter"}),
               dry_run=True)
    assert d.action == "dry_run" and d.command == cmd
    assert "correct-horse-battery" not in d.command_redacted and "abcdef123456" not in d.command_redacted
    assert d.event_data()["command"] == d.command_redacted
    assert d.event_data()["params"] == {"db_password": "[REDACTED:db_password]"}


def test_from_config_uses_config_defaults(incident: Path) -> None:
    cfg = Config()
    cfg.read_only = True
    cfg.execute.env = {"KUBECONFIG": "/tmp/kc"}
    s = RunSpec.from_config(cfg, incident_dir=incident, command="kubectl get pods", mutating=False,
                            env={"EXTRA": "1"})
    assert s.read_only and s.timeout == cfg.execute.timeout and s.kill_grace == cfg.execute.kill_grace
    assert s.env == {"KUBECONFIG": "/tmp/kc", "EXTRA": "1"}
    assert RunSpec.from_config(cfg, incident_dir=incident, command="x", timeout=7.0).timeout == 7.0


def test_unclassified_spec_is_classified_on_the_final_command(incident: Path) -> None:
    """A bare command (no prepared step's verdict) is classified here."""
    d = decide(mk(incident, "kubectl get pods > /etc/motd", mutating=None))
    assert d.mutating and d.action == "refuse"
    assert decide(mk(incident, "kubectl get pods -n production", mutating=None)).action == "run"


def test_prepared_verdict_is_authoritative(incident: Path) -> None:
    """Team decision: the prepared step's ``mutating`` (runbook classification + the author's
    fence attributes) is what the person was shown, so the runner does not re-classify it.
    A read-only-by-attribute command runs unconfirmed; an unconfirmed mutating one is refused."""
    ro = decide(mk(incident, "blocks quota show --all", mutating=False))
    assert ro.action == "run" and ro.mutating is False
    d = decide(mk(incident, "kubectl get pods", mutating=True))
    assert d.action == "refuse" and d.mutating and "not confirmed" in (d.reason or "")
    with pytest.raises(StepRefused, match="not confirmed"):
        start(mk(incident, "kubectl get pods", mutating=True))
    assert nothing_ran(incident)
