"""What a child process of warroom imports, and how (proc58): most of a stand-in's or a CLI command's CPU is importing.

``warroom.config`` hands out each name from its module when first asked for: a drill stand-in asks for the panes'
names only (``Severity``, ``SloConfig``, ``default_slos``: ``warroom.config.slo``) and must not import the rest of
the schema (13 dataclasses) nor the TOML loader. ``warroom.ImportsUnswept`` is the one way every entry point imports
with the cyclic GC off and freezes what the imports built. Checked through ``sys.modules`` and the GC's own state,
never by timing.
"""

from __future__ import annotations

import gc
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import warroom.config
from tests.conftest import REPO, subprocess_env
from warroom import ImportsUnswept


def test_every_config_name_is_its_module_s_own() -> None:
    """Each public name is the very object its module holds (``Severity`` from ``slo``, ``Config`` from ``schema``,
    ``load_config`` from ``loader``), kept in the package once asked; an unknown name is an AttributeError."""
    import warroom.errors

    for name in warroom.config.__all__:
        home = warroom.errors if name == "ConfigError" else importlib.import_module(
            f"warroom.config.{warroom.config._HOME[name]}")
        assert getattr(warroom.config, name) is getattr(home, name), name
        assert name in vars(warroom.config), name
    assert warroom.config.schema.SloConfig is warroom.config.slo.SloConfig
    assert set(dir(warroom.config)) >= set(warroom.config.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        warroom.config.Nope  # noqa: B018


def test_a_stand_in_imports_the_panes_names_not_the_whole_config(tmp_path: Path) -> None:
    """A fresh interpreter importing the stand-ins as ``bin/standin`` does (base and the tool's module)."""
    probe = ("import json, sys\nimport warroom.drill.standins, warroom.drill.standins.kubectl\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('warroom.config', 'tomllib')))))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=REPO,
                          env=subprocess_env(HOME=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "warroom.config.slo" in loaded
    assert not {"warroom.config.schema", "warroom.config.loader"} & set(loaded), loaded


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)


def test_imports_unswept_freezes_when_a_module_is_new_and_leaves_the_gc_on(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _module(tmp_path, monkeypatch, "warroom_p58_new", "VALUE = [1, 2, 3]\n")
    frozen = gc.get_freeze_count()
    try:
        with ImportsUnswept():
            assert not gc.isenabled()
            importlib.import_module("warroom_p58_new")
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        frozen = gc.get_freeze_count()
        with ImportsUnswept():
            importlib.import_module("warroom_p58_new")      # nothing new: nothing frozen
        assert gc.isenabled() and gc.get_freeze_count() <= frozen
    finally:
        # the freeze pinned whatever the worker held then, earlier tests' uncollected garbage too (audit58 Low 1):
        # back to collectable, the garbage collected, and the survivors frozen again as conftest left them
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def test_imports_unswept_after_a_failed_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The GC is on again and nothing is frozen (the failure's traceback is garbage to collect, not to pin).

    "Nothing frozen" is a count that did not grow: a freeze moves every object alive into the permanent generation
    (thousands in a worker), while a frozen object freed by its refcount leaves it, so the count can fall between two
    reads (ci58a: 354,028 -> 354,025 within this test, and ``==`` failed)."""
    _module(tmp_path, monkeypatch, "warroom_p58_broken", "VALUE = [1]\nraise ImportError('broken on purpose')\n")
    frozen = gc.get_freeze_count()
    with pytest.raises(ImportError, match="broken on purpose"), ImportsUnswept():
        importlib.import_module("warroom_p58_broken")
    assert gc.isenabled() and gc.get_freeze_count() <= frozen


def test_imports_unswept_inside_a_gc_off_block_leaves_it_to_that_block(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _module(tmp_path, monkeypatch, "warroom_p58_nested", "VALUE = {1: 2}\n")
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        with ImportsUnswept(), ImportsUnswept():
            importlib.import_module("warroom_p58_nested")
        assert not gc.isenabled() and gc.get_freeze_count() <= frozen
    finally:
        gc.enable()
