"""Webhook delivery: URL safety, HMAC signature, one POST.

A webhook URL must be http(s). Every address its host resolves to is checked, when the
search is saved and again before each POST (the DNS answer may have changed): every address
that is not global (RFC 1918 and unique-local, carrier-grade NAT 100.64.0.0/10, link-local with
cloud metadata at 169.254.169.254, multicast, reserved, unspecified) is refused unless
`webhook_allow_private`; loopback unless `webhook_allow_loopback` (allowed on the embedded
default while `serve` listens on loopback only: one user on one machine), and then only when
the URL names it (`localhost`, 127.0.0.1, [::1]): a name that resolves to this machine is a
rebinding attempt. The POST connects to the address that was checked: the name
is not looked up a second time (DNS rebinding). Refusals name the host, never the address it
resolved to. Redirects are not followed: a 3xx is a failed delivery.

One attempt has one deadline (`webhook_timeout`) for all of it: connecting, TLS, sending, the
answer's head and at most `MAX_ANSWER_BYTES` of its body. A receiver that trickles a byte every
few seconds is cut off at the deadline, so it cannot hold the deliverer.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import time
from urllib.parse import urlsplit

import httpcore

from schemas.saved_search import webhook_url_syntax

SIGNATURE_HEADER = "X-Tenderwatch-Signature"
ALERT_ID_HEADER = "X-Tenderwatch-Alert-Id"
MAX_ANSWER_BYTES = 4096  # of a receiver's answer body: only its status counts


class UnsafeWebhook(ValueError):
    """The URL may not receive webhooks; the message says why."""


class DeliveryFailed(Exception):
    """The receiver did not take the alert (network error, timeout, non-2xx)."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


def check_webhook_url(
    url: str, *, allow_private: bool, allow_loopback: bool, resolve: bool = True
) -> str | None:
    """Refuse a URL that may not receive webhooks (`UnsafeWebhook`); return the address to
    connect to (None when not resolved)."""
    try:
        webhook_url_syntax(url)  # the save-time rule, again: a stored URL may predate it
    except ValueError as exc:
        raise UnsafeWebhook(str(exc)) from None
    parts = urlsplit(url)
    if not parts.hostname:
        raise UnsafeWebhook("a webhook URL must be http or https (http:// or https:// and a host)")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not resolve:
        return None
    try:
        answers = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeWebhook(
            f"webhook host {parts.hostname} does not resolve: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    addresses = [ipaddress.ip_address(answer[4][0].split("%", 1)[0]) for answer in answers]
    for address in addresses:
        if address.is_loopback:
            if not allow_loopback or not names_loopback(parts.hostname):
                raise UnsafeWebhook(
                    f"webhook host {parts.hostname} is this machine (a loopback address)"
                )
        elif not address.is_global and not allow_private:
            raise UnsafeWebhook(
                f"webhook host {parts.hostname} is a private or reserved address, not one on "
                "the internet"
            )
    return str(addresses[0])


def names_loopback(host: str) -> bool:
    """Whether a host, as written, is this machine: `localhost` or a loopback address."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _PinnedStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self.stream, self.deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _left(self.deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _left(self.deadline, timeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self, ssl_context, server_hostname: str | None = None, timeout: float | None = None
    ):
        return _PinnedStream(
            self.stream.start_tls(ssl_context, server_hostname, _left(self.deadline, timeout)),
            self.deadline,
        )

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the checked address whatever name the URL carries (TLS still verifies the
    certificate against the name), with the attempt's deadline on every step."""

    def __init__(self, address: str, deadline: float) -> None:
        self.address, self.deadline = address, deadline
        self.backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        return _PinnedStream(
            self.backend.connect_tcp(
                self.address, port, _left(self.deadline, timeout), local_address, socket_options
            ),
            self.deadline,
        )

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise httpcore.ConnectError("webhooks are delivered over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _left(deadline: float, timeout: float | None) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("the receiver did not answer within the deadline")
    return remaining if timeout is None else min(timeout, remaining)


# NetworkError covers ConnectError; OSError covers ssl.SSLError.
_FAILURES = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    OSError,
)


def post(
    url: str,
    secret: str,
    document: dict,
    *,
    alert_id: str,
    timeout_s: float,
    allow_private: bool,
    allow_loopback: bool,
) -> int:
    """POST the document; returns the 2xx status or raises `DeliveryFailed` / `UnsafeWebhook`."""
    address = check_webhook_url(url, allow_private=allow_private, allow_loopback=allow_loopback)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        (SIGNATURE_HEADER, sign(secret, body)),
        (ALERT_ID_HEADER, alert_id),
        ("User-Agent", "tenderwatch-webhook/1"),
    ]
    deadline = time.monotonic() + timeout_s
    try:
        with (
            httpcore.ConnectionPool(
                ssl_context=ssl.create_default_context(),
                retries=0,
                network_backend=_PinnedBackend(address, deadline),
            ) as pool,
            pool.stream("POST", url, headers=headers, content=body) as response,
        ):
            status = response.status
            received = 0
            for chunk in response.iter_stream():  # a little of the answer, never all of a huge one
                received += len(chunk)
                if received >= MAX_ANSWER_BYTES:
                    break
    except _FAILURES as exc:
        if time.monotonic() >= deadline:
            raise DeliveryFailed(f"no complete answer within {timeout_s:g} s") from exc
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
    return status
