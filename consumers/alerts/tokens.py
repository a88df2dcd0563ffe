"""Signed one-click unsubscribe links.

A link names one saved search and carries an HMAC-SHA256 over its id with the service's
secret key, so it works without logging in and cannot be forged for another search. The key
is `TENDERWATCH_SECRET_KEY` or, on one machine, generated once into `<data dir>/secret.key`
(mode 0600); the API and the deliverer must share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import quote

from tenderwatch.common.settings import Settings

KEY_FILE = "secret.key"


def secret_key(settings: Settings) -> bytes:
    """`TENDERWATCH_SECRET_KEY`, or the key generated once into `<data dir>/secret.key`. The file
    appears whole or not at all (written beside it, then linked into place: a process starting
    at the same moment reads the one key, never an empty file)."""
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_urlsafe(48))
            key_file.flush()
            os.fsync(key_file.fileno())
        try:
            os.link(
                partial, path
            )  # fails if another process put its key there first: that one wins
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_bytes().strip()


def same_secret(one: str, other: str) -> bool:
    """Constant-time comparison of two texts as bytes: `hmac.compare_digest` raises TypeError on
    `str` with non-ASCII characters, and any value can arrive from a request."""
    return hmac.compare_digest(
        one.encode("utf-8", "surrogatepass"), other.encode("utf-8", "surrogatepass")
    )


def _mac(key: bytes, saved_search_id: str) -> str:
    digest = hmac.new(key, f"unsubscribe:{saved_search_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(key: bytes, saved_search_id: str) -> str:
    return f"{saved_search_id}.{_mac(key, saved_search_id)}"


def verify_unsubscribe_token(key: bytes, token: str) -> str | None:
    """The saved search id the token was issued for, or None when it is not genuine."""
    saved_search_id, _, mac = token.rpartition(".")
    if not saved_search_id or not same_secret(_mac(key, saved_search_id), mac):
        return None
    return saved_search_id


def unsubscribe_url(settings: Settings, key: bytes, saved_search_id: str) -> str:
    token = quote(unsubscribe_token(key, saved_search_id))
    return f"{settings.public_url.rstrip('/')}/unsubscribe?token={token}"
