"""How drill steps find the stand-ins: wrapper scripts in the drill dir and the step environment.

The stand-ins ship as Python scripts in ``warroom/drill/bin/``. Their ``#!/usr/bin/env python3``
line would pick whatever ``python3`` is first on PATH, which on a bastion is rarely the venv
warroom was installed into. So at drill creation we write one tiny ``/bin/sh`` wrapper per tool
into ``<drill>/bin/`` that execs the shipped script with *this* interpreter (``sys.executable``),
and ``drill_env`` puts that directory first on the step's PATH. The wrapper also defaults
``WARROOM_DRILL_DIR`` to its own drill, so running it by hand works too.

The environment also points kubectl/psql/aws at things that cannot reach production (a
kubeconfig for an ``.invalid`` cluster, a drill database host) and sets obviously fake API keys,
so a drill step can never touch a real system or leak a real credential even if a stand-in is
bypassed with an absolute path.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from warroom.drill import fleet

STANDINS: tuple[str, ...] = ("kubectl", "psql", "aws", "curl", "blocks")
SHIPPED_BIN = Path(__file__).resolve().parent / "bin"
ENV_DIR = "WARROOM_DRILL_DIR"

_KUBECONFIG = f"""apiVersion: v1
kind: Config
clusters:
- name: drill
  cluster:
    server: https://drill-cluster.invalid:6443
contexts:
- name: drill
  context:
    cluster: drill
    namespace: {fleet.NAMESPACE}
    user: drill
current-context: drill
users:
- name: drill
  user:
    token: drill-not-a-real-token
"""


def shipped_standins() -> list[str]:
    """The stand-in scripts shipped with the package (those present in ``warroom/drill/bin``)."""
    return [name for name in STANDINS if (SHIPPED_BIN / name).is_file()]


def wrapper_text(tool: str, drill_dir: Path, python: str | None = None) -> str:
    python = python or sys.executable
    script = SHIPPED_BIN / tool
    return (
        "#!/bin/sh\n"
        f"# warroom drill stand-in for {tool}: generated when the drill was created; runs the\n"
        "# shipped stand-in with the Python warroom runs on. Nothing here touches a real system.\n"
        f": \"${{{ENV_DIR}:={shlex.quote(str(drill_dir))}}}\"\n"
        f"export {ENV_DIR}\n"
        f"exec {shlex.quote(python)} {shlex.quote(str(script))} \"$@\"\n"
    )


def install_wrappers(drill_dir: Path, python: str | None = None) -> list[Path]:
    """Write ``<drill_dir>/bin/<tool>`` wrappers and the drill kubeconfig; returns the wrappers.

    Called again whenever a drill is reopened: a resumed drill may run under another venv or
    checkout, and its wrappers must point at the interpreter and package doing the resuming.
    Unchanged wrappers are left alone.
    """
    drill_dir = Path(drill_dir)
    bin_dir = drill_dir / "bin"
    bin_dir.mkdir(mode=0o700, exist_ok=True)
    written = []
    for tool in shipped_standins():
        path = bin_dir / tool
        text = wrapper_text(tool, drill_dir, python)
        try:
            if path.read_text(encoding="utf-8") == text:
                written.append(path)
                continue
        except OSError:
            pass
        tmp = path.with_name(f".{tool}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, path)
        written.append(path)
    kube = drill_dir / "kubeconfig"
    if not kube.exists():
        kube.write_text(_KUBECONFIG, encoding="utf-8")
        kube.chmod(0o600)
    return written


def drill_env(drill_dir: Path, base_path: str | None = None) -> dict[str, str]:
    """Variables the command runner adds for a drill step: stand-ins first on PATH, drill dir, fakes.

    ``base_path`` is the PATH to prefix (default: this process's PATH).
    """
    drill_dir = Path(drill_dir)
    base = os.environ.get("PATH", os.defpath) if base_path is None else base_path
    bin_dir = str(drill_dir / "bin")
    return {
        "PATH": bin_dir + (os.pathsep + base if base else ""),
        ENV_DIR: str(drill_dir),
        "WARROOM_DRILL": "1",
        "KUBECONFIG": str(drill_dir / "kubeconfig"),
        "PGHOST": "taskdb.drill.invalid",
        "PGDATABASE": "flowengine_db",
        "PGUSER": "flowengine_user",
        "AWS_PAGER": "",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "ANTHROPIC_API_KEY": "sk-ant-drill-0000-not-a-real-key",
        "OPENAI_API_KEY": "sk-drill-0000-not-a-real-key",
    }
