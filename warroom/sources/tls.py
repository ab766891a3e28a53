"""The TLS contexts every HTTP client of warroom's sources hands to httpx: one per verification setting, built once.

httpx builds a fresh ``ssl.SSLContext`` for every ``Client`` it is given ``verify=True`` (or a bool) for, and loading
the CA bundle into it is most of what making a client costs (0.7 % of the whole test suite's CPU, one per source
client, webhook post, status-page read). A context is only read once built (warroom's clients speak HTTP/1.1 alone,
so the ALPN list httpcore sets on it per connection is the same every time), so clients with the same verification
settings can share one. ``context`` builds exactly what httpx would for the same ``verify`` (its
``create_ssl_context``: ``$SSL_CERT_FILE``, then ``$SSL_CERT_DIR``, then certifi's bundle; ``False``: no checks), keyed
by what it reads: the variable's value and the file's (or directory's) identity, so a changed variable, or a CA bundle
rewritten in place (a CA removed, or added), gets a new context as a new client did before (attack56 A4: keyed by the
path alone, a running dashboard kept trusting a CA the operator had removed from the bundle until restarted).
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache

__all__ = ["ca_context", "context"]


def context(verify: bool | ssl.SSLContext) -> ssl.SSLContext:
    """The context for httpx's ``verify=``: a given context as it is, else the shared one for ``True``/``False``."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if not verify:
        return _unverified()
    cert_file, cert_dir = os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None
    return _verified(cert_file, cert_dir, _identity(cert_file or cert_dir))


def _identity(path: str | None) -> tuple[int, int, int] | None:
    """What tells one version of the file (or directory) at ``path`` from another: (inode, mtime, size); None when
    there is none to read (``create_default_context`` then raises what it raised before, uncached)."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def ca_context(cafile: str) -> ssl.SSLContext:
    """A context trusting ``cafile`` alone (``ssl.create_default_context(cafile=...)``), shared while the file is
    unchanged. Raises what ``create_default_context`` raises for it (OSError, ssl.SSLError), every time."""
    if (identity := _identity(cafile)) is None:    # unreadable: the error ``create_default_context`` gives for it
        return ssl.create_default_context(cafile=cafile)
    return _ca(cafile, *identity)


@lru_cache(maxsize=8)
def _verified(cert_file: str | None, cert_dir: str | None, identity: tuple[int, int, int] | None) -> ssl.SSLContext:
    del identity                    # the file's (or directory's): only the cache's key
    if cert_file:
        return ssl.create_default_context(cafile=cert_file)
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


@lru_cache(maxsize=1)
def _unverified() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@lru_cache(maxsize=8)
def _ca(cafile: str, inode: int, mtime_ns: int, size: int) -> ssl.SSLContext:
    del inode, mtime_ns, size       # the file's identity: only the cache's key
    return ssl.create_default_context(cafile=cafile)
