"""redteam41 X1: kubectl refuses a jsonpath template it cannot parse before reading any object
("error: error parsing jsonpath TPL, unclosed action", exit 1); the drill's kubectl printed an
unclosed ``{.spec.replicas`` back as the value with exit 0, so a hurried commander who dropped a
brace read the template as the answer and a script testing ``$?`` carried on. Compared with
Debian's real kubectl (``--dry-run=client``: no server, the parse is the same code path)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill

BROKEN = ["{.spec.replicas", "{.items[*", "{.items[*].metadata.name", "abc{.metadata.name}{",
          '{.metadata.name}{"\\n"', '{"abc}', "{{.metadata.name}}", "x{", "{.items[?(@.x==1}"]
FINE = ["{.metadata.name}}", '{.metadata.name}{"\\n"}', '{.spec.template.spec.containers[?(@.name=="]")].name}',
        "{.metadata.labels['app']}"]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(tmp_path_factory.mktemp("tpl"), "timeout")


@pytest.mark.parametrize("tpl", BROKEN + FINE)
def test_a_template_kubectl_cannot_parse_is_its_error_and_one_it_can_runs(drill, tpl: str) -> None:  # type: ignore[no-untyped-def]
    kubectl = shutil.which("kubectl")
    if kubectl is None or not Path(kubectl).exists():
        pytest.skip("kubectl not installed (Debian package kubectl; .ci/run installs it)")
    real = subprocess.run([kubectl, "create", "configmap", "x", "--dry-run=client", "-o", f"jsonpath={tpl}"],
                          capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    code, out, err = run_one(drill, ["kubectl", "get", "deployment", "flowengine", "-n", "production", "-o",
                                     f"jsonpath={tpl}"], 600.0)
    if tpl in BROKEN:
        assert real.returncode == 1 and real.stderr.startswith("error: error parsing jsonpath"), real
        assert (code, out, err) == (1, "", real.stderr)
    else:
        assert real.returncode == 0, real.stderr
        assert code == 0 and "error" not in err, err
