"""The layers hold: import-linter's contracts (``[tool.importlinter]`` in pyproject.toml) — no
cycles between the packages nor between the modules of a package, in the core, in ``tui`` and in
``panes`` (TYPE_CHECKING and in-function imports count, and no edge is exempted), the core never
imports Textual, ``panes`` never imports ``tui``; ``warroom.syntax`` (PromQL's one parser among it)
imports nothing else of the core, and the runbook format and the drill do not import each other."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def lint_imports() -> list[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("lint-imports")
    if found is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return [found]


def test_import_contracts_are_kept(tmp_path: Path) -> None:
    proc = subprocess.run([*lint_imports(), "--no-cache"], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert "Contracts: 8 kept, 0 broken." in report, report


def test_no_contract_exempts_an_import() -> None:
    """Every contract holds for every import: none lists ``ignore_imports`` (an exempted edge is
    a cycle the test no longer sees), and the dashboard's modules are under an acyclic contract."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = config["contracts"]
    assert all(not c.get("ignore_imports") for c in contracts), [c["id"] for c in contracts if c.get("ignore_imports")]
    acyclic = {a for c in contracts if c["type"] == "acyclic_siblings" for a in c["ancestors"]}
    assert {"warroom", "tui", "tui.screens", "tui.screens.modals", "panes"} <= acyclic
    assert config.get("exclude_type_checking_imports") is False
    # one PromQL parser (warroom.syntax.promql) below both its readers, which do not import each other
    assert {"syntax-below", "runbook-not-drill", "drill-not-runbook"} <= {c["id"] for c in contracts}


def test_a_new_cycle_is_caught(tmp_path: Path) -> None:
    """The contract is live: a package that imports back into one that imports it is reported."""
    pkg = tmp_path / "layered"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "high" / "__init__.py").write_text("")
    (pkg / "high" / "user.py").write_text("from layered.low import base\n")
    (pkg / "low" / "base.py").write_text("def f():\n    from layered.high import user  # hidden in a function\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = layered\n\n[importlinter:contract:1]\nname = acyclic\n"
        "type = acyclic_siblings\nancestors = layered\n")
    proc = subprocess.run([*lint_imports(), "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)})
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout
