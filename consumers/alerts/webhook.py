"""Webhook delivery: URL safety, HMAC signature, one POST.

A webhook URL must be http(s). Every address its host resolves to is checked, when the
search is saved and again before each POST (the DNS answer may have changed): private
(RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254), multicast,
reserved and unspecified addresses are refused unless `webhook_allow_private`; loopback
unless `webhook_allow_loopback` (allowed on the embedded default, one user on one machine).
Redirects are not followed: a 3xx is a failed delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from urllib.parse import urlsplit

import httpx

SIGNATURE_HEADER = "X-Tenderwatch-Signature"
ALERT_ID_HEADER = "X-Tenderwatch-Alert-Id"


class UnsafeWebhook(ValueError):
    """The URL may not receive webhooks; the message says why."""


class DeliveryFailed(Exception):
    """The receiver did not take the alert (network error, timeout, non-2xx)."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


def check_webhook_url(url: str, *, allow_private: bool, allow_loopback: bool, resolve: bool = True) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeWebhook(f"webhook URL must be http or https, not {parts.scheme or 'schemeless'}")
    if not parts.hostname:
        raise UnsafeWebhook("webhook URL has no host")
    if parts.username or parts.password:
        raise UnsafeWebhook("webhook URL must not carry credentials; use the secret for authenticity")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeWebhook(f"webhook URL has an invalid port: {exc}") from None
    if not resolve:
        return
    try:
        answers = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeWebhook(f"webhook host {parts.hostname} does not resolve: {exc.strerror}") from None
    for answer in answers:
        address = ipaddress.ip_address(answer[4][0].split("%", 1)[0])
        if address.is_loopback:
            if not allow_loopback:
                raise UnsafeWebhook(f"webhook host {parts.hostname} is a loopback address ({address})")
        elif (address.is_private or address.is_link_local or address.is_multicast or address.is_reserved
              or address.is_unspecified) and not allow_private:
            raise UnsafeWebhook(f"webhook host {parts.hostname} is a private or reserved address ({address})")


def post(url: str, secret: str, document: dict, *, alert_id: str, client: httpx.Client, allow_private: bool,
         allow_loopback: bool) -> int:
    """POST the document; returns the 2xx status or raises `DeliveryFailed` / `UnsafeWebhook`."""
    check_webhook_url(url, allow_private=allow_private, allow_loopback=allow_loopback)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(secret, body),
               ALERT_ID_HEADER: alert_id, "User-Agent": "tenderwatch-webhook/1"}
    try:
        response = client.post(url, content=body, headers=headers, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}")
    return response.status_code
