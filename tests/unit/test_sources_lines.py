"""The sources lines: every pod its own reason, failures in place with their kind, no false
all-clear; and kubernetes.enabled = false sends nothing."""

from __future__ import annotations

from panes.sources import alerts_line, cluster_line
from warroom.config import KubernetesConfig
from warroom.sources.alerts import AlertsResult
from warroom.sources.kube_snapshot import ClusterSnapshot, PodState
from warroom.sources.kubernetes import KubeSource
from warroom.sources.model import Alert, poll_health
from warroom.sources.native import run_k8s_step


def test_each_pod_its_own_reason() -> None:
    snap = ClusterSnapshot(None, pods=(
        PodState("a", "Running", "0/1", 6, reason="CrashLoopBackOff (OOMKilled)"),
        PodState("b", "Pending", "0/1", 0, reason="ImagePullBackOff"),
        PodState("c", "Running", "0/1", 2, reason="CrashLoopBackOff (OOMKilled)"),
        PodState("d", "Running", "1/1", 0)))
    text = cluster_line(snap).plain
    assert "2 pods CrashLoopBackOff (OOMKilled)" in text and "1 pod ImagePullBackOff" in text
    assert "restarts 8" in text


def test_cluster_failures_say_their_kind() -> None:
    for kind, word in (("unauthorized", "UNAUTHORIZED"), ("slow", "SLOW"), ("down", "DOWN"),
                       ("refused", "REFUSED")):
        snap = ClusterSnapshot(None, error="it failed", error_kind=kind)
        assert cluster_line(snap).plain == f"cluster ✖ {word} it failed"
        assert poll_health(snap) == kind


def test_alerts_never_all_clear_without_every_answer() -> None:
    fine = AlertsResult((), {}, {}, 100.0, {}, {}, ("alertmanager", "prometheus"))
    assert alerts_line(fine, 100.0).plain == "alerts ✔ none firing" and fine.all_clear
    half = AlertsResult((), {"alertmanager": "no answer from Alertmanager at h:1 within 2s"}, {}, 100.0,
                        {"alertmanager": "slow"}, {}, ("alertmanager", "prometheus"))
    text = alerts_line(half, 100.0).plain
    assert "none firing" not in text and not half.all_clear
    assert "alertmanager SLOW (no good answer yet)" in text and "nothing firing per prometheus" in text
    assert poll_health(half) == "error"
    old = (40.0, (Alert("X", "critical", 10.0, priority="P1"),))
    down = AlertsResult((), {"alertmanager": "cannot connect"}, {}, 100.0, {"alertmanager": "refused"},
                        {"alertmanager": old}, ("alertmanager",))
    text = alerts_line(down, 100.0).plain
    assert text == "alerts ? alertmanager REFUSED (last good answer 1m00s ago: 1 firing then): cannot connect"
    assert poll_health(down) == "refused"


def test_kubernetes_disabled_sends_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = KubernetesConfig(kubeconfig=str(tmp_path / "kubeconfig"), enabled=False)
    snap = KubeSource(cfg).snapshot()
    assert snap.error_kind == "off" and snap.target is None   # not even the kubeconfig was read
    res = run_k8s_step("scale deployment/flowengine replicas=3", cfg)
    assert res.status == "failed" and "kubernetes.enabled = false" in (res.error or "")
