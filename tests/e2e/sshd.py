"""A throwaway OpenSSH server on 127.0.0.1 for end-to-end tests.

Why a real sshd: the thing we promise is that warroom survives the way an IC actually uses it —
``ssh -tt bastion`` — including the connection dropping. A pty we allocate ourselves would not
exercise sshd's SIGHUP to the session, its pty teardown, or the remote command line. The server
runs as the current user (root in CI), on a leased port (tests/ports.py), with a host key, an authorized key and a
config that all live in a temp dir and disappear with it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from tests.ports import PortLease, PortTaken, listens, said_address_in_use, start_leased

SSHD = "/usr/sbin/sshd"


def missing_tools() -> list[str]:
    """Binaries these tests need that this machine lacks (the caller skips naming them)."""
    missing = [] if os.access(SSHD, os.X_OK) else [SSHD]
    missing += [tool for tool in ("ssh", "ssh-keygen", "tmux") if shutil.which(tool) is None]
    return missing


class Sshd:
    """One sshd process in ``-D -e`` mode; ``start()`` waits until it accepts TCP connections."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.lease = PortLease.take()       # held until stop(): no other test is given this port
        self.host_key = self.dir / "ssh_host_ed25519_key"
        self.client_key = self.dir / "id_ed25519"
        self.authorized_keys = self.dir / "authorized_keys"
        self.config = self.dir / "sshd_config"
        self.pidfile = self.dir / "sshd.pid"
        self.log = self.dir / "sshd.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def _keygen(self, path: Path) -> None:
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "warroom-e2e", "-f", str(path)],
            check=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )

    def _write_config(self) -> None:
        lines = [
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"PidFile {self.pidfile}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin yes",
            "UsePAM no",
            "StrictModes no",
            # The client's env is not forwarded; tests pass what they need on the command line.
            "PermitUserEnvironment no",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "ClientAliveInterval 0",
            "LogLevel ERROR",
        ]
        self.config.write_text("\n".join(lines) + "\n")

    @property
    def port(self) -> int:
        return self.lease.port

    def start(self, timeout: float = 30.0) -> None:
        """Keys, config, then sshd; if a non-leasing process bound the leased port, again on a new lease."""
        start_leased(lambda: self._start(timeout), self._relet)

    def _relet(self) -> None:
        self.lease.release()
        self.lease = PortLease.take()

    def _start(self, timeout: float) -> None:
        if not self.host_key.exists():
            self._keygen(self.host_key)
            self._keygen(self.client_key)
        shutil.copyfile(self.client_key.with_suffix(".pub"), self.authorized_keys)
        os.chmod(self.authorized_keys, 0o600)
        self._write_config()
        # sshd refuses to start without its privilege-separation directory.
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        offset = self.log.stat().st_size if self.log.exists() else 0
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                if said_address_in_use(self.log, offset):
                    raise PortTaken(self.log.read_text())
                raise RuntimeError(f"sshd exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    if listens(self.proc.pid, self.port):     # ours answered, not whoever holds the port
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not listen on port {self.port} within {timeout}s")

    def stop(self) -> None:
        """Stop sshd and every session it still serves (they share its process group)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        self.lease.release()

    def ssh_argv(self, remote: Sequence[str] | str, *, tty: bool = True) -> list[str]:
        """The ``ssh`` command line that runs ``remote`` on this server.

        ``remote`` as a list is shell-quoted into one remote command line (sshd hands it to the
        user's login shell, exactly as it does for a person).
        """
        command = remote if isinstance(remote, str) else shlex.join(remote)
        argv = ["ssh"]
        if tty:
            argv.append("-tt")
        argv += [
            "-i", str(self.client_key),
            "-F", "/dev/null",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=20",
            "-p", str(self.port),
            "127.0.0.1",
            command,
        ]  # fmt: skip
        return argv


def sshd_or_skip(workdir: Path) -> Sshd:
    """A started server, or a pytest skip naming what is missing (CI installs it all)."""
    import pytest

    missing = missing_tools()
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian openssh-server, openssh-client, tmux; .ci/run installs them)")
    server = Sshd(workdir)
    server.start()
    return server
