"""The test session's network guard: no test may reach a host other than this machine.

Loaded in the pytest processes by `tests/conftest.py` and in every Python child process they
start (this folder is put first on PYTHONPATH, so Python imports this file at start-up as
`sitecustomize`). While `TENDERWATCH_TEST_NETWORK_LOG` names a file, a connection to an
address that is not loopback, or a lookup of a name that is not this machine's, is refused
(as on a machine without network) and written to that file; the session's fixture then fails
the test that caused it, naming the host. Not a mock: a fault that would otherwise only show
on a machine with network (a spider crawling its real host from a test) made visible here.
"""

from __future__ import annotations

import ipaddress
import os
import socket

LOG_VARIABLE = "TENDERWATCH_TEST_NETWORK_LOG"
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


def is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    name = host.strip("[]").split("%")[0].lower()
    if name in LOCAL_NAMES or name == socket.gethostname().lower():
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_address(host: str) -> bool:
    """An address written out: looking it up asks no name server (connecting is guarded)."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def _refuse(what: str, host: str) -> None:
    with open(os.environ[LOG_VARIABLE], "a", encoding="utf-8") as log:
        log.write(f"{what} {host} (pid {os.getpid()})\n")


def install() -> None:
    if not os.environ.get(LOG_VARIABLE) or getattr(socket, "_tenderwatch_guarded", False):
        return
    socket._tenderwatch_guarded = True
    connect, connect_ex, getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
            _refuse("connection to", address[0])
            raise ConnectionRefusedError(
                111, f"test network guard: {address[0]} is not this machine"
            )
        return connect(self, address)

    def guarded_connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
            _refuse("connection to", address[0])
            return 111
        return connect_ex(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        text = host.decode() if isinstance(host, bytes) else host
        if host is not None and not is_local(text) and not is_address(text):
            _refuse("lookup of", text)
            raise socket.gaierror(
                socket.EAI_NONAME, f"test network guard: {text} is not this machine"
            )
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = guarded_connect, guarded_connect_ex
    socket.getaddrinfo = guarded_getaddrinfo


install()
