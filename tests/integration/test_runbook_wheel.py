"""The shipped library is found from an installed wheel, run from an unrelated directory.

Builds the wheel, installs it (without dependencies) into a fresh venv in tmp, lets that venv
see this environment's dependencies through a ``.pth`` line (plain path entries do not activate
the editable install, so ``warroom`` itself can only come from the wheel), and runs the real
``warroom`` console script from another directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)], cwd=tmp)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stdout[-2000:]}\n{build.stderr[-2000:]}")
    [wheel] = dist.glob("warroom-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # pip from this environment, installing into the new venv (console script included). The
    # new venv must not see this environment yet: pip would take the editable warroom for an
    # installed copy and uninstall it from here.
    install = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "--no-index", "--ignore-installed", str(wheel)], cwd=tmp)
    if install.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{install.stderr[-2000:]}")
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).stdout.strip())
    # Dependencies come from this environment; warroom itself only from the wheel (a plain path
    # entry does not activate the editable install's import hook).
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(XDG_CONFIG_HOME=str(tmp / "cfg"), XDG_STATE_HOME=str(tmp / "state"))
    return env_dir, elsewhere, env


def test_warroom_comes_from_the_wheel(installed) -> None:
    env_dir, elsewhere, env = installed
    proc = _run([str(env_dir / "bin" / "python"), "-c",
                 "import warroom, warroom.paths as p; print(warroom.__file__); "
                 "print(p.shipped_runbooks_dir())"], cwd=elsewhere, env=env)
    assert proc.returncode == 0, proc.stderr
    module, shipped = proc.stdout.split()
    assert module.startswith(str(env_dir)) and str(REPO) not in module
    assert shipped.startswith(str(env_dir)) and shipped.endswith("_shipped/runbooks")


def test_runbooks_list_finds_the_shipped_library(installed) -> None:
    env_dir, elsewhere, env = installed
    proc = _run([str(env_dir / "bin" / "warroom"), "runbooks", "list"], cwd=elsewhere, env=env)
    assert proc.returncode == 0, proc.stderr
    ids = {line.split()[0] for line in proc.stdout.splitlines()[1:]}
    shipped = {p.name.split("-")[0] + "-" + p.name.split("-")[1] + "-" + p.name.split("-")[2]
               for p in (REPO / "runbooks").glob("RB-*.md")}
    assert shipped, "no shipped runbooks in runbooks/"
    assert shipped <= ids
    assert "RB-CORE-003" in ids


def test_show_json_lists_the_go_no_go_decision(installed) -> None:
    env_dir, elsewhere, env = installed
    if not list((REPO / "runbooks").glob("RB-LAUNCH-005*.md")):
        pytest.skip("RB-LAUNCH-005 is not in the shipped library yet")
    proc = _run([str(env_dir / "bin" / "warroom"), "runbooks", "show", "RB-LAUNCH-005", "--json"],
                cwd=elsewhere, env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["id"] == "RB-LAUNCH-005"
    (decision,) = data["decisions"]
    assert decision["on_go"] == "RB-LAUNCH-002"
    texts = [c["text"] for c in decision["go"]]
    assert "Root cause still unknown after 15 minutes of investigation" in texts
    assert any(c["kind"] == "metric" for c in decision["go"]) and decision["no_go"]
