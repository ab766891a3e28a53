"""What reaches a real tool by a way past the drill's PATH (an absolute path, an alias, a prompt hook) is
fenced off by the environment itself (attack38 F5): the drill's ``aws`` environment names its own config
and credentials files (profile ``drill``, fake keys) and an ``.invalid`` endpoint, and the IC's session
token is unset, so RB-CORE-005's ``aws iam put-user-policy`` typed into a drill shell never reaches the
IC's real account with their credentials, as KUBECONFIG and PGHOST already fence kubectl and psql.

Every child process is bounded by a timeout; nothing depends on how fast it runs.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tui.drill_shell import export_line
from warroom.drill.directory import create_drill

BOUND = 120
REAL_AWS = ('#!/bin/sh\necho "profile=$AWS_PROFILE key=$AWS_ACCESS_KEY_ID token=${AWS_SESSION_TOKEN-UNSET}'
            ' endpoint=$AWS_ENDPOINT_URL config=$AWS_CONFIG_FILE creds=$AWS_SHARED_CREDENTIALS_FILE"\n')


@pytest.fixture
def drill(tmp_path: Path) -> object:
    return create_drill(tmp_path / "state", "audit-gap", speed=10)


def test_the_drills_env_fences_aws_off_the_users_account(drill, tmp_path: Path) -> None:
    env = drill.env()
    assert env["AWS_PROFILE"] == "drill"
    assert env["AWS_ENDPOINT_URL"].endswith(".invalid")
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    for key in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        path = Path(env[key])
        assert path.is_relative_to(drill.path) and "[" in path.read_text(encoding="utf-8")
    assert "[profile drill]" in Path(env["AWS_CONFIG_FILE"]).read_text(encoding="utf-8")
    assert "[drill]" in Path(env["AWS_SHARED_CREDENTIALS_FILE"]).read_text(encoding="utf-8")


def test_a_real_aws_reached_by_absolute_path_after_the_printed_line_sees_no_user_credential(drill,
                                                                                          tmp_path: Path) -> None:
    real = tmp_path / "aws"
    real.write_text(REAL_AWS)
    real.chmod(0o755)
    user = {**os.environ, "AWS_PROFILE": "prod-admin", "AWS_ACCESS_KEY_ID": "AKIAREALREALREAL",
            "AWS_SECRET_ACCESS_KEY": "real-secret", "AWS_SESSION_TOKEN": "real-token"}
    got = subprocess.run(["sh", "-c", f"{export_line(drill)}\n{real}"], capture_output=True, text=True,
                         timeout=BOUND, env=user)
    assert got.returncode == 0, got.stderr
    assert "profile=drill " in got.stdout and "token=UNSET" in got.stdout, got.stdout
    assert "AKIAREAL" not in got.stdout and ".invalid" in got.stdout and str(drill.path) in got.stdout


def test_a_drill_under_a_path_with_the_path_separator_is_refused_by_name(tmp_path: Path, capsys) -> None:
    """``:`` splits PATH and KUBECONFIG (attack38 F6): the drill's bin/ was no entry of PATH at all and the
    real kubectl answered, in the shell, its ``--print`` line and a step. Refused where drills are made, and
    wherever a drill's environment is built (a drill moved under such a path, a shell, a step)."""
    from tui.cli import main
    from warroom.drill.directory import DrillError

    state = tmp_path / f"a{os.pathsep}colon"
    with pytest.raises(DrillError, match="colon"):
        create_drill(state, "audit-gap", speed=10)
    assert not (state / "drills").exists()
    assert main(["incident", "new", "--drill", "audit-gap", "--state-dir", str(state)]) != 0
    assert str(state) in capsys.readouterr().err
    moved = create_drill(tmp_path / "plain", "audit-gap", speed=10)
    moved.path = state / "drills" / moved.name
    with pytest.raises(DrillError, match="colon"):
        moved.env()


def test_bash_drill_shell_holds_against_a_prompt_hook_an_alias_and_a_function_and_claims_no_inner_shell(
        tmp_path: Path) -> None:
    """attack38 F4: a user's PROMPT_COMMAND (mise, direnv) put the real tools back in front after the drill's
    re-export, before the first command; an alias or a function named aws/kubectl beat PATH. F7: a shell
    started inside said "drill" ($WARROOM_DRILL_SHELL exported) while its rc made the tools real: the marker
    is now the drill shell's own variable, not exported."""
    import sys

    bash = "/bin/bash"
    if not Path(bash).is_file():
        pytest.skip("no bash")
    real = tmp_path / "real"
    real.mkdir()
    for tool in ("kubectl", "aws"):
        (real / tool).write_text(f"#!/bin/sh\necho REAL {tool}\n")
        (real / tool).chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text(f'_hook() {{ PATH="{real}:$PATH"; export KUBECONFIG="$HOME/.kube/config"; }}\n'
                                  f"PROMPT_COMMAND=_hook\nalias aws={real}/aws\nkubectl() {{ {real}/kubectl; }}\n")
    fake = tmp_path / "fake" / "bash"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nexec {bash} "$@" -i\n')
    fake.chmod(0o755)
    state = tmp_path / "state"
    from warroom.paths import drills_store

    drill = create_drill(drills_store(state), "audit-gap", speed=10)
    typed = ('echo ":$(command -v kubectl):$(type -t aws):$(command -v aws):$KUBECONFIG:"\n'
             'kubectl version --client; aws --version\necho "shell=$WARROOM_DRILL_SHELL"\n'
             f"{bash} -c 'echo inner=${{WARROOM_DRILL_SHELL-none}}'\nexit 3\n")
    env = {**os.environ, "SHELL": str(fake), "HOME": str(home), "PYTHONPATH": str(Path(__file__).parents[2]),
           "WARROOM_DRILL_SHELL": "stale"}
    got = subprocess.run([sys.executable, "-m", "tui", "drill", "shell", drill.name, "--state-dir", str(state)],
                         input=typed, capture_output=True, text=True, timeout=BOUND, env=env)
    assert got.returncode == 3, got.stderr
    bin_ = drill.path / "bin"
    assert f":{bin_}/kubectl:file:{bin_}/aws:{drill.path / 'kubeconfig'}:" in got.stdout, got.stdout + got.stderr
    assert "REAL" not in got.stdout
    assert f"shell={drill.name}" in got.stdout and "inner=none" in got.stdout
