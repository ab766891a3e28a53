"""A real PostgreSQL for the shared-store tests: Debian's binaries, a temporary data dir, a leased
127.0.0.1 port (tests/ports.py), started once per test worker and stopped at the end.

PostgreSQL refuses to run as root (CI is root), so as root the server runs as an unprivileged
system user (``postgres`` when the package created it, else ``warroom-pg``, created here) through
``runuser``, with the data dir owned by that user; as anyone else it runs directly. Tests skip
with the reason when the binaries are absent.

Authentication is scram-sha-256 over TCP, so a wrong password really is refused. Each test gets
its own database (:meth:`PgServer.new_database`) so incident ids never collide between tests.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.ports import PortLease, PortTaken, said_address_in_use, start_leased

ADMIN = "warroom_admin"
ADMIN_PASSWORD = "adm1n-s3cret-Pw"   # a test server's throwaway secret; tests assert it never shows
_counter = itertools.count(1)


def pg_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<ver>/bin with initdb and pg_ctl (not on PATH in Debian)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    for initdb in reversed(found):
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists() and (bindir / "postgres").exists():
            return bindir
    return None


def _run_user() -> str | None:
    """The unprivileged user to run PostgreSQL as when we are root (None: not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "warroom-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "warroom-pg"],
                   check=True, capture_output=True, timeout=30)
    return "warroom-pg"


class PgServer:
    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin"
                                    " (apt-get install postgresql)")
        self.bindir = bindir
        self.user = _run_user()
        self.base = Path(tempfile.mkdtemp(prefix="warroom-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.lease = PortLease.take()       # held until cleanup(): a stop/start keeps the port
        self.running = False
        self._started = False

    @property
    def port(self) -> int:
        return self.lease.port

    # ------------------------------------------------------------------ process control

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        return ["runuser", "-u", self.user, "--", *args]

    def _run(self, *args: str, timeout: float = 60) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=self.base)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr[-2000:]}\n{log}")

    def init(self) -> None:
        pwfile = self.base / "pw"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if self.user is not None:
            info = pwd.getpwnam(self.user)
            os.chown(self.base, info.pw_uid, info.pw_gid)
            os.chown(pwfile, info.pw_uid, info.pw_gid)
        os.chmod(self.base, 0o700)
        os.chmod(pwfile, 0o600)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", ADMIN, "--auth-host=scram-sha-256",
                  "--auth-local=trust", f"--pwfile={pwfile}", "-E", "UTF8", "--no-instructions", "--no-sync",
                  timeout=120)
        pwfile.unlink()
        self._make_tls()

    def _make_tls(self) -> None:
        """A throwaway CA and a server certificate for 127.0.0.1 (TLS is offered; clients choose
        with sslmode): ``self.ca`` is the CA file a client verifies against."""
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        def name(cn: str) -> x509.Name:
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (x509.CertificateBuilder().subject_name(name("warroom test CA")).issuer_name(name("warroom test CA"))
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        self.ca = self.base / "ca.pem"
        self.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        os.chmod(self.ca, 0o644)
        crt, keyfile = self.data / "server.crt", self.data / "server.key"
        crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        os.chmod(keyfile, 0o600)
        if self.user is not None:
            info = pwd.getpwnam(self.user)
            for f in (crt, keyfile, self.ca):
                os.chown(f, info.pw_uid, info.pw_gid)

    def start(self) -> None:
        """Start the server; a first start whose leased port a non-leasing process bound moves to a new lease."""
        if self._started:
            self._start_on_port()           # a restart: the same port, which the lease kept
        else:
            start_leased(self._start_on_port, self._relet)
        self._started = True
        self.running = True
        self._guard()

    def _relet(self) -> None:
        self.lease.release()
        self.lease = PortLease.take()

    def _start_on_port(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.base}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                " -c shared_buffers=16MB -c ssl=on")
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts,
                      "-w", "-t", "60", "start", timeout=90)
        except RuntimeError as err:
            if said_address_in_use(self.log, offset):
                raise PortTaken(str(err)) from err
            raise

    def _guard(self) -> None:
        """A small watcher that stops the server and removes its dir if this test process dies
        without cleaning up (killed by a timeout, kill -9): no server outlives the tests."""
        if getattr(self, "_guard_proc", None) is not None and self._guard_proc.poll() is None:
            return
        stop = self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        code = (
            "import os, shutil, subprocess, sys, time\n"
            f"owner, stop, base = {os.getpid()}, {stop!r}, {str(self.base)!r}\n"
            "while True:\n"
            "    try:\n"
            "        os.kill(owner, 0)\n"
            "    except ProcessLookupError:\n"
            "        break\n"
            "    time.sleep(1)\n"
            "subprocess.run(stop, capture_output=True, timeout=60, cwd='/')\n"
            "shutil.rmtree(base, ignore_errors=True)\n")
        self._guard_proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True)

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop",
                  timeout=90)
        self.running = False

    def cleanup(self) -> None:
        try:
            self.stop("immediate")
        finally:
            self.lease.release()
            shutil.rmtree(self.base, ignore_errors=True)
            guard = getattr(self, "_guard_proc", None)
            if guard is not None and guard.poll() is None:
                guard.kill()       # the watcher this object started: the server is gone already
                guard.wait(10)

    # ------------------------------------------------------------------ DSNs

    def dsn(self, dbname: str = "postgres", user: str = ADMIN, password: str | None = ADMIN_PASSWORD,
            **params: str) -> str:
        auth = f"{user}:{password}@" if password is not None else f"{user}@"
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://{auth}127.0.0.1:{self.port}/{dbname}" + (f"?{query}" if query else "")

    def admin(self, dbname: str = "postgres") -> object:
        import psycopg

        return psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=10)

    def new_database(self) -> str:
        """A fresh, empty database for one test (incident ids start again at 1)."""
        name = f"t_{os.getpid()}_{next(_counter)}"
        with self.admin() as conn:  # type: ignore[attr-defined]
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def freeze(self) -> list[int]:
        """SIGSTOP the server and its backends: connections stay open, nothing answers (a hung
        server). Returns the pids for :meth:`thaw`."""
        import signal

        import psutil

        master = int((self.data / "postmaster.pid").read_text().split()[0])
        procs = [psutil.Process(master), *psutil.Process(master).children(recursive=True)]
        for p in procs:
            os.kill(p.pid, signal.SIGSTOP)
        return [p.pid for p in procs]

    def thaw(self, pids: list[int]) -> None:
        import signal

        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def wait_down(self, limit: float = 30.0) -> None:
        """Bounded: until a connection is refused (after ``stop``)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("PostgreSQL still accepting connections")
