"""A NUL character in any config string or table key is refused by the config, naming the file and the key
(attack54 F8): TOML lets a string hold ``\\u0000``, but no path, URL, query, argument or environment variable can,
so ``config check`` said ok and ``runbooks lint`` then died on "embedded null byte", and the dashboard loaded no
runbook at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config.loader import load_config, parse_config
from warroom.errors import ConfigError

NUL = "\\u0000"       # as a person writes it in TOML


@pytest.mark.parametrize(("text", "key"), [
    (f'[runbooks]\ndirs = ["/srv/runbooks", "/tmp/x{NUL}y"]\n', "runbooks.dirs[1]"),
    (f'[prometheus]\nurl = "http://127.0.0.1:9090{NUL}"\n', "prometheus.url"),
    (f'[prometheus.headers]\n"X-Org" = "a{NUL}b"\n', "prometheus.headers.X-Org"),
    (f'[prometheus.headers]\n"X{NUL}Org" = "ab"\n', "prometheus.headers.'X\\x00Org'"),
    (f'[execute.env]\nNAMESPACE = "prod{NUL}"\n', "execute.env.NAMESPACE"),
])
def test_a_nul_anywhere_is_refused_naming_the_file_and_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "team.toml")
    assert f"team.toml: {key}: a NUL character" in str(caught.value)


def test_config_check_refuses_it_and_the_same_text_without_it_is_fine(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text(f'[runbooks]\ndirs = ["{tmp_path}/x{NUL}y"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml: runbooks\.dirs\[0\]: a NUL character"):
        load_config(bad)
    bad.write_text(f'[runbooks]\ndirs = ["{tmp_path}/xy"]\n', encoding="utf-8")
    assert [str(d) for d in load_config(bad).runbook_dirs()] == [f"{tmp_path}/xy"]
