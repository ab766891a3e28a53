"""The shared store's DSN: where it comes from, and its password masked in every form it can take."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, subprocess_env
from warroom.config import Config
from warroom.errors import ConfigError
from warroom.shared.dsn import DSN_ENV, make_dsn, resolve


@pytest.mark.parametrize("dsn, secret", [
    ("postgresql://alice:s3cr3t-Pw@db:5432/warroom", "s3cr3t-Pw"),
    ("postgres://alice:p%40ss%3Aw0rd@db/warroom?sslmode=verify-full", "p@ss:w0rd"),
    ("host=db user=alice password=hunter2-xyz dbname=warroom", "hunter2-xyz"),
    ("host=db user=alice password='with space\\'q' dbname=warroom", "with space'q"),
    ("postgresql://alice@db/warroom?password=qp-secret-1&sslmode=require", "qp-secret-1"),
])
def test_password_is_masked_in_every_form(dsn: str, secret: str) -> None:
    d = make_dsn(dsn)
    assert secret not in d.safe and "***" in d.safe
    assert secret not in repr(d)
    # libpq / psycopg echo the password in several shapes: raw, URL-encoded, key=value
    from urllib.parse import quote

    for text in (f"failed for {secret}", f"uri postgresql://alice:{quote(secret, safe='')}@db/x",
                 f"password={secret} host=db", f"connection to {dsn} failed"):
        assert secret not in d.redact(text)
        assert quote(secret, safe="") not in d.redact(text)


def test_password_env_and_pgpassword_are_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WR_DB_PW", "from-env-Pw9")
    monkeypatch.setenv("PGPASSWORD", "pg-env-Pw7")
    d = make_dsn("postgresql://alice@db/warroom", "WR_DB_PW")
    assert d.password == "from-env-Pw9"
    assert "from-env-Pw9" not in d.redact("auth failed: from-env-Pw9") and "pg-env-Pw7" not in d.redact("x pg-env-Pw7")
    monkeypatch.delenv("WR_DB_PW")
    with pytest.raises(ConfigError, match="WR_DB_PW is not set"):
        make_dsn("postgresql://alice@db/warroom", "WR_DB_PW")


def test_where_and_store_key_never_use_user_or_password() -> None:
    a = make_dsn("postgresql://alice:pw1@db.internal:6543/warroom")
    b = make_dsn("postgresql://bob:pw2@db.internal:6543/warroom")
    assert a.where() == "db.internal:6543/warroom" and a.store_key() == b.store_key()
    assert make_dsn("host=db port=5433 dbname=w").where() == "db:5433/w"


def test_flag_wins_over_env_over_config(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config()
    assert resolve(cfg) is None            # no DSN: the local file journal
    cfg.shared.dsn = "postgresql://cfg@db/x"
    assert resolve(cfg).text == "postgresql://cfg@db/x"   # type: ignore[union-attr]
    monkeypatch.setenv(DSN_ENV, "postgresql://env@db/x")
    assert resolve(cfg).text == "postgresql://env@db/x"   # type: ignore[union-attr]
    cfg.shared.override = "postgresql://flag@db/x"
    assert resolve(cfg).text == "postgresql://flag@db/x"  # type: ignore[union-attr]
    with pytest.raises(ConfigError):
        make_dsn("   ")


def test_no_dsn_never_loads_psycopg(tmp_path: Path) -> None:
    """Startup time: without a DSN the driver is never imported (local incidents, the CLI)."""
    code = ("import sys; from tui.cli import main;"
            f" main(['incident', 'new', '--state-dir', {str(tmp_path)!r}, '--title', 't', '--severity', 'P3']);"
            f" main(['incident', 'list', '--state-dir', {str(tmp_path)!r}]);"
            " print('psycopg' in sys.modules)")
    env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    env.pop(DSN_ENV, None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_failures_are_down_only_when_the_connection_failed() -> None:
    """Down (retry later) is a connection that failed or broke; a server that said no refused."""
    psycopg = pytest.importorskip("psycopg")
    from warroom.shared.db import SharedDB, SharedStoreDown, SharedStoreError

    db = SharedDB(make_dsn("postgresql://alice:pw-Zx81@db:5432/w"))
    down = db.failure(psycopg.OperationalError("connection to server failed: Connection refused (pw-Zx81)"))
    assert isinstance(down, SharedStoreDown) and "pw-Zx81" not in str(down) and "shared store down" in str(down)
    for exc in (psycopg.OperationalError('password authentication failed for user "alice"'),
                psycopg.errors.RaiseException("warroom: seq 3 of INC-1 does not chain to the line before it"),
                psycopg.errors.UniqueViolation("duplicate key value violates unique constraint"),
                psycopg.errors.InsufficientPrivilege("permission denied for table events")):
        refused = db.failure(exc)
        assert isinstance(refused, SharedStoreError) and not isinstance(refused, SharedStoreDown)
        assert "refused" in str(refused)
    assert "warroom shared init" in str(db.failure(psycopg.errors.UndefinedTable("relation does not exist")))


def test_a_dsn_under_the_wrong_config_key_is_not_echoed(tmp_path: Path) -> None:
    from warroom.config import load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text('[shared]\nconnect_timeout = "postgresql://u:TopSecret1@h/db"\n')
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "TopSecret1" not in str(err.value) and "shared.connect_timeout" in str(err.value)
