"""Port checks that tell a listener apart from connections still in TIME_WAIT.

``sandbox.deploy.ministack.ensure_port_free`` binds without ``SO_REUSEADDR``, so for about
a minute after a sandbox stops (its closed connections linger in TIME_WAIT) it reports the
port as taken, although ministack (hypercorn, which sets ``SO_REUSEADDR``) could bind it.
Until that check changes, the sandbox waits those connections out instead of refusing.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable

from sandbox.deploy.ministack import HOST, PortInUseError, ensure_port_free

TIME_WAIT_S = 75.0  # Linux keeps TIME_WAIT for 60 s


def ensure_listenable(port: int) -> None:
    """PortInUseError when something listens on ``port`` (TIME_WAIT does not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(port) from None
            raise


def wait_until_free(port: int, log: Callable[[str], None],
                    timeout: float = TIME_WAIT_S) -> None:  # fmt: skip
    """Refuse a listened port at once; wait out TIME_WAIT leftovers of a previous run."""
    ensure_listenable(port)
    deadline, told = time.monotonic() + timeout, False
    while True:
        try:
            ensure_port_free(port)
            return
        except PortInUseError:
            if time.monotonic() > deadline:
                raise
            if not told:
                log(f"port {port}: waiting for the previous run's closed connections "
                    "to clear (TIME_WAIT, up to a minute)")  # fmt: skip
                told = True
            time.sleep(1.0)
