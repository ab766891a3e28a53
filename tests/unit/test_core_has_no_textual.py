"""The core must stay UI-free: importing every core module must not load Textual."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import warroom
from tests.conftest import subprocess_env


def test_importing_every_core_module_loads_no_textual() -> None:
    names = [m.name for m in pkgutil.walk_packages(warroom.__path__, "warroom.")
             if ".drill.bin" not in m.name and not m.name.endswith("__main__")]
    code = (
        "import importlib, json, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=subprocess_env(), check=True)
    assert json.loads(proc.stdout) == []
    assert len(names) >= 3
