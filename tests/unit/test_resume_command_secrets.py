"""A resume command is printed (quit dialog, farewell line): a ``--shared`` DSN typed on the
command line must come back with its password masked, in every way a DSN can carry one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.launch import global_options, resume_invocation

SECRET = "s3cr%3Et-PW"


@pytest.mark.parametrize("argv", [
    ["--shared", f"postgresql://ic:{SECRET}@db:5432/warroom"],
    [f"--shared=postgresql://ic:{SECRET}@db/warroom"],
    ["--shared", f"host=db user=ic password={SECRET} dbname=w"],
    ["--shared", f"host=db password='{SECRET}' dbname=w"],
    ["--shared", f"postgresql://ic@db/w?sslmode=require&password={SECRET}"],
])
def test_a_shared_dsn_password_never_reaches_the_resume_command(argv: list[str]) -> None:
    opts = global_options(["--config", "c.toml", *argv, "--read-only"])
    cmd = resume_invocation("INC-1", Path("/tmp/state"), opts)
    assert "s3cr" not in cmd and "***" in cmd
    assert "--read-only" in opts and opts[:2] == ["--config", str(Path("c.toml").absolute())]   # works after a cd
    assert sum(o.startswith("--shared") for o in opts) == 1     # said once, not twice


def test_a_dsn_without_password_is_kept_as_typed() -> None:
    assert global_options(["--shared", "postgresql://ic@db/w"]) == ["--shared", "postgresql://ic@db/w"]
    assert global_options(["--shared=postgresql://ic@db/w"]) == ["--shared=postgresql://ic@db/w"]
