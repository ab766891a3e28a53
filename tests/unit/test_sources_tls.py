"""The sources' HTTP clients share one TLS context per verification setting (``warroom.sources.tls``) instead of
httpx building one per client, and the shared one is what httpx would have built for the same ``verify``."""

from __future__ import annotations

import os
import shutil
import ssl
from pathlib import Path

import certifi
import pytest

from warroom.sources import tls
from warroom.sources.deadline import DeadlineHTTP


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Every ``ssl.create_default_context`` call made, by its keyword arguments."""
    calls: list[dict[str, object]] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        calls.append(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    for cached in (tls._verified, tls._unverified, tls._ca):
        cached.cache_clear()
    return calls


def test_clients_with_the_same_settings_build_one_context(built: list[dict[str, object]]) -> None:
    clients = [DeadlineHTTP(2.0, "a server") for _ in range(3)]
    clients += [DeadlineHTTP(2.0, "a server", verify=False) for _ in range(2)]
    for client in clients:
        client.close()
    assert built == [{"cafile": certifi.where()}]          # httpx's default bundle, once for the three
    assert tls.context(True) is tls.context(True)
    unverified = tls.context(False)
    assert unverified is tls.context(False)
    assert (unverified.verify_mode, unverified.check_hostname) == (ssl.CERT_NONE, False)
    verified = tls.context(True)
    assert (verified.verify_mode, verified.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_the_environment_httpx_reads_picks_the_context(built: list[dict[str, object]], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = shutil.copy(certifi.where(), tmp_path / "env.pem")
    default = tls.context(True)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    from_env = tls.context(True)
    assert from_env is not default and from_env is tls.context(True)
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert tls.context(True) not in (default, from_env)
    assert built == [{"cafile": certifi.where()}, {"cafile": str(bundle)}, {"capath": str(tmp_path)}]
    given = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert tls.context(given) is given


def test_the_environment_s_bundle_is_read_again_when_it_changes(built: list[dict[str, object]], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """attack56 A4: the ``$SSL_CERT_FILE`` context was keyed by the path alone: a bundle rewritten in a running process
    (a CA removed) was never read again, the removed CA still trusted. Keyed by the file's identity, as ``ca_context``
    is: a rewritten bundle is read again, an unchanged one shared; the same for ``$SSL_CERT_DIR``'s directory."""
    bundle = tmp_path / "env.pem"
    shutil.copy(certifi.where(), bundle)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    first = tls.context(True)
    assert tls.context(True) is first and first.cert_store_stats()["x509_ca"] > 1
    one, _ = bundle.read_text().split("-----END CERTIFICATE-----", 1)
    bundle.write_text(one + "-----END CERTIFICATE-----\n")   # every CA but one removed
    now = tls.context(True)
    assert now is not first and now.cert_store_stats()["x509_ca"] == 1 and tls.context(True) is now
    assert built == [{"cafile": str(bundle)}] * 2
    monkeypatch.delenv("SSL_CERT_FILE")
    certs = tmp_path / "certs"
    certs.mkdir()
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))
    in_dir = tls.context(True)
    (certs / "added.pem").write_text(bundle.read_text())      # a CA added to the directory, a second later (the
    os.utime(certs, ns=(certs.stat().st_atime_ns, certs.stat().st_mtime_ns + 10**9))   # kernel's clock is coarse)
    assert tls.context(True) is not in_dir
    assert built[2:] == [{"capath": str(certs)}] * 2


def test_a_ca_file_is_read_again_when_it_changes(built: list[dict[str, object]], tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    shutil.copy(certifi.where(), ca)
    first = tls.ca_context(str(ca))
    assert tls.ca_context(str(ca)) is first
    ca.write_text(ca.read_text() + "\n")                    # rotated: another file's contents
    assert tls.ca_context(str(ca)) is not first
    assert built == [{"cafile": str(ca)}] * 2
    with pytest.raises(OSError) as missing:
        tls.ca_context(str(tmp_path / "gone.pem"))
    with pytest.raises(OSError) as before:
        ssl.create_default_context(cafile=str(tmp_path / "gone.pem"))
    assert str(missing.value) == str(before.value)          # the same sentence the sources word as before
    (tmp_path / "bad.pem").write_text("not a certificate\n")
    with pytest.raises(ssl.SSLError):
        tls.ca_context(str(tmp_path / "bad.pem"))
