"""A subcommand's imports freeze what they built only in the ``warroom`` command's own process (audit57 F5).

``warroom.cli.common.imports_unswept`` imports a subcommand's modules with the GC off and then freezes every object
alive: in the command's own process that is only what warroom built. A test calling the CLI's ``main`` with an argv
holds earlier tests' garbage, and a freeze pinned it for the worker's life (a 50 MB cycle kept).
"""

from __future__ import annotations

import gc
import importlib
import sys
from pathlib import Path

import pytest

from warroom.cli import common


def _import_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    (tmp_path / f"{name}.py").write_text("VALUE = [1, 2, 3]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    with common.imports_unswept():
        importlib.import_module(name)


def test_a_caller_with_an_argv_freezes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "OWN_PROCESS", False)
    frozen = gc.get_freeze_count()
    _import_new(tmp_path, monkeypatch, "warroom_f5_probe_a")
    assert gc.get_freeze_count() <= frozen and gc.isenabled()


def test_the_command_s_own_process_freezes_what_its_imports_built(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "OWN_PROCESS", True)
    frozen = gc.get_freeze_count()
    try:
        _import_new(tmp_path, monkeypatch, "warroom_f5_probe_b")
        assert gc.get_freeze_count() > frozen and gc.isenabled()
    finally:
        # the freeze pinned whatever the worker held then, earlier tests' uncollected garbage too (audit58 Low 1):
        # back to collectable, the garbage collected, and the survivors frozen again as conftest left them
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def test_tui_cli_leaves_the_gc_on_when_one_of_its_imports_fails() -> None:
    """``tui.cli`` imports with the GC off: an import that fails (caught by its importer) left it off for the rest
    of that process (audit57 F3)."""
    import subprocess

    probe = ("import gc, sys\nsys.modules['tui.cli_typed'] = None\ntry:\n    import tui.cli\nexcept ImportError:\n"
             "    pass\nelse:\n    raise SystemExit('tui.cli imported')\nprint(gc.isenabled())\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and done.stdout.strip() == "True", (done.stdout, done.stderr)
