"""Ports for test servers cannot be given to two tests at once (tests/ports.py).

The old ``free_port()`` bound port 0, closed the socket and handed the number on: until the server
bound it, the kernel could give the same number to anyone (another xdist worker's bind(0), any
outgoing connection on the box), and a second test handing on a closed port could pick it too.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO, subprocess_env
from tests.ports import PortLease, ephemeral_range, listens, refused_port


def test_a_leased_port_is_one_the_kernel_never_hands_out_by_itself() -> None:
    low, high = ephemeral_range()
    leases = [PortLease.take() for _ in range(20)]
    try:
        assert all(not low <= lease.port <= high for lease in leases), [lease.port for lease in leases]
    finally:
        for lease in leases:
            lease.release()


def test_no_two_leases_share_a_port_while_held_in_this_process_or_another() -> None:
    leases = [PortLease.take() for _ in range(40)]
    try:
        ports = [lease.port for lease in leases]
        assert len(set(ports)) == len(ports)
        held = ports[0]
        # another test process asks for exactly that port: refused while we hold it
        probe = textwrap.dedent(f"""
            from tests.ports import PortLease
            try:
                PortLease.take([{held}])
            except RuntimeError:
                print("refused")
            else:
                print("given")
        """)
        run = lambda: subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=subprocess_env(),  # noqa: E731
                                     capture_output=True, text=True, timeout=60)
        assert run().stdout.strip() == "refused"
        with pytest.raises(RuntimeError, match="no free port"):
            PortLease.take([held])            # a second lease in the same process: refused too
        leases[0].release()
        assert run().stdout.strip() == "given"       # released: the next test may have it
    finally:
        for lease in leases:
            lease.release()


def test_a_port_bound_by_a_server_that_does_not_lease_is_not_leased() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        with pytest.raises(RuntimeError, match="no free port"):
            PortLease.take([taken])


def test_a_refused_port_refuses_and_nobody_else_can_listen_there() -> None:
    with refused_port() as port:
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        with socket.socket() as other, pytest.raises(OSError) as err:
            other.bind(("127.0.0.1", port))
        assert "in use" in str(err.value).lower()


def test_listens_tells_our_listener_from_a_bound_socket_and_from_another_process() -> None:
    import os

    with socket.socket() as srv, refused_port() as quiet:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        assert listens(os.getpid(), port)
        assert not listens(os.getpid(), quiet)          # bound but not listening
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            assert not listens(child.pid, port)       # someone else's listener is not the child's
        finally:
            child.kill()
            child.wait(timeout=10)
