"""Freelancers' accounts in the web pages: sign-in by e-mail link, sessions, rate limits and
calendar feed tokens, in `<data dir>/accounts.sqlite3`.

- A sign-in link carries a random token; only its SHA-256 is stored, it is valid 15 minutes
  and used once. An account (its e-mail address, which is also the owner of its saved
  searches) exists from the first sign-in.
- A session is a random id (only its hash stored) in a cookie signed with the service's key
  (`HttpOnly`, `SameSite=Lax`, `Secure` over https), made anew at each sign-in, ended by
  signing out or after 30 days. Each session has its own CSRF token for the forms.
- Sign-in requests are limited per address (3 in 5 minutes, shorter than a link lives, so an
  address cannot be locked out) and per client address (behind a proxy the one it forwarded
  for); neither answer tells whether an address has an account.
- An account has a mail language: the page's at its first sign-in, changed in My alerts.
- A calendar feed token (per saved search, hashed) lets a calendar app subscribe without a
  session; a new one revokes the old.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from consumers.alerts.repository import hash_token as digest
from consumers.alerts.tokens import same_secret
from tenderwatch.common.sqlite import connect, immediate_transaction

ACCOUNTS_FILE = "accounts.sqlite3"
LINK_VALID_S = 15 * 60
SESSION_VALID_S = 30 * 24 * 3600
LIMITS = {"address": (3, 5 * 60), "client": (10, 3600)}  # kind → (requests, per seconds)
assert LIMITS["address"][1] < LINK_VALID_S  # a refused owner has a valid link (`refused_by`)

SCHEMA = """
CREATE TABLE IF NOT EXISTS signin_links (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, expires
REAL NOT NULL,
                                         used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS accounts (email TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT
NULL,
                                     expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS signin_requests (kind TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT
NULL);
CREATE INDEX IF NOT EXISTS signin_requests_by_key ON signin_requests (kind, key, at);
CREATE TABLE IF NOT EXISTS account_languages (email TEXT PRIMARY KEY, language TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feed_tokens (saved_search_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
                                        token_hash TEXT NOT NULL UNIQUE);
"""


def signin_address(text: str) -> str | None:
    """One mail address, as email-validator reads it (lower case), or None: a list of
    addresses, a line break or anything else that is not one address gets no mail."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@dataclass(frozen=True)
class Session:
    email: str
    csrf: str


class Accounts:
    """One connection, used by the web app's threads in turn."""

    def __init__(self, path: Path, key: bytes, clock=time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = connect(path, check_same_thread=False)
        self.connection.executescript(SCHEMA)
        self.key, self.clock = key, clock
        self.lock = threading.Lock()

    @classmethod
    def in_data_dir(cls, data_dir: Path, key: bytes) -> Accounts:
        return cls(Path(data_dir) / ACCOUNTS_FILE, key)

    def close(self) -> None:
        self.connection.close()

    # sign-in links ------------------------------------------------------------------------

    def refused_by(self, email: str, client: str) -> str | None:
        """Count a sign-in request: None when allowed, else the limit it hit ("address" or
        "client").

        The address limit is short (`LIMITS`) and shorter than a link lives, so while it
        refuses, a link sent within it (by whoever asked) is still valid in that mailbox: nobody
        can keep the owner of an address from signing in."""
        now = self.clock()
        keys = {"address": email, "client": client}
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute(
                "DELETE FROM signin_requests WHERE at < ?",
                (now - max(s for _, s in LIMITS.values()),),
            )
            for kind, (most, seconds) in LIMITS.items():
                (count,) = connection.execute(
                    "SELECT COUNT(*) FROM signin_requests WHERE kind = ? AND key = ? AND at > ?",
                    (kind, keys[kind], now - seconds),
                ).fetchone()
                if count >= most:
                    return kind
            connection.executemany(
                "INSERT INTO signin_requests (kind, key, at) VALUES (?, ?, ?)",
                [(kind, key, now) for kind, key in keys.items()],
            )
        return None

    def new_link_token(self, email: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute(
                "INSERT INTO signin_links (token_hash, email, expires) VALUES (?, ?, ?)",
                (digest(token), email, self.clock() + LINK_VALID_S),
            )
        return token

    def link_address(self, token: str) -> str | None:
        """The address a link that can still be used signs into (without using it): the confirm
        page names it, so nobody is signed into an account that is not theirs unawares."""
        row = self.connection.execute(
            "SELECT email, expires, used FROM signin_links WHERE token_hash = ?", (digest(token),)
        ).fetchone()
        return None if row is None or row[2] or row[1] < self.clock() else row[0]

    def use_link_token(self, token: str) -> str | None:
        """The address the link was for, once: None for an unknown, used or expired token."""
        with self.lock, immediate_transaction(self.connection) as connection:
            row = connection.execute(
                "SELECT email, expires, used FROM signin_links WHERE token_hash = ?",
                (digest(token),),
            ).fetchone()
            if row is None or row[2] or row[1] < self.clock():
                return None
            connection.execute(
                "UPDATE signin_links SET used = 1 WHERE token_hash = ?", (digest(token),)
            )
            connection.execute(
                "INSERT OR IGNORE INTO accounts (email, created) VALUES (?, ?)",
                (row[0], self.clock()),
            )
            return row[0]

    # the language of an account's mails ------------------------------------------------

    def choose_language(self, email: str, language: str, *, first_time_only: bool = False) -> None:
        """The language the account's new saved searches mail in. Chosen at the first sign-in
        (the page's language then, `first_time_only`), changed in My alerts."""
        verb = "INSERT OR IGNORE" if first_time_only else "INSERT OR REPLACE"
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute(
                f"{verb} INTO account_languages (email, language) VALUES (?, ?)", (email, language)
            )

    def language(self, email: str) -> str | None:
        row = self.connection.execute(
            "SELECT language FROM account_languages WHERE email = ?", (email,)
        ).fetchone()
        return row[0] if row else None

    # sessions -----------------------------------------------------------------------------

    def start_session(self, email: str, previous_cookie: str | None = None) -> str:
        """A new session (the previous one, if any, ended): the signed cookie value."""
        if previous_cookie:
            self.end_session(previous_cookie)
        session_id = secrets.token_urlsafe(32)
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute("DELETE FROM sessions WHERE expires < ?", (self.clock(),))
            connection.execute(
                "INSERT INTO sessions (id_hash, email, csrf, expires) VALUES (?, ?, ?, ?)",
                (
                    digest(session_id),
                    email,
                    secrets.token_urlsafe(24),
                    self.clock() + SESSION_VALID_S,
                ),
            )
        return f"{session_id}.{self._signature(session_id)}"

    def session(self, cookie: str | None) -> Session | None:
        session_id = self._verified(cookie)
        if session_id is None:
            return None
        with self.lock:
            row = self.connection.execute(
                "SELECT email, csrf, expires FROM sessions WHERE id_hash = ?", (digest(session_id),)
            ).fetchone()
        if row is None or row[2] < self.clock():
            return None
        return Session(email=row[0], csrf=row[1])

    def end_session(self, cookie: str | None) -> None:
        session_id = self._verified(cookie)
        if session_id is None:
            return
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute("DELETE FROM sessions WHERE id_hash = ?", (digest(session_id),))

    def _signature(self, session_id: str) -> str:
        return hmac.new(self.key, b"session:" + session_id.encode(), hashlib.sha256).hexdigest()[
            :32
        ]

    def _verified(self, cookie: str | None) -> str | None:
        if not cookie or "." not in cookie:
            return None
        session_id, _, signature = cookie.rpartition(".")
        return session_id if same_secret(signature, self._signature(session_id)) else None

    # calendar feeds -----------------------------------------------------------------------

    def new_feed_token(self, saved_search_id: str, owner: str) -> str:
        """A new secret feed token for the saved search; the old one stops working."""
        token = secrets.token_urlsafe(24)
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute(
                "INSERT OR REPLACE INTO feed_tokens (saved_search_id, owner, token_hash) VALUES "
                "(?, ?, ?)",
                (saved_search_id, owner, digest(token)),
            )
        return token

    def revoke_feed(self, saved_search_id: str, owner: str) -> None:
        with self.lock, immediate_transaction(self.connection) as connection:
            connection.execute(
                "DELETE FROM feed_tokens WHERE saved_search_id = ? AND owner = ?",
                (saved_search_id, owner),
            )

    def has_feed(self, saved_search_id: str) -> bool:
        with self.lock:
            return (
                self.connection.execute(
                    "SELECT 1 FROM feed_tokens WHERE saved_search_id = ?", (saved_search_id,)
                ).fetchone()
                is not None
            )

    def feed_search(self, token: str) -> tuple[str, str] | None:
        """(saved search id, owner) of a feed token, or None."""
        with self.lock:
            row = self.connection.execute(
                "SELECT saved_search_id, owner FROM feed_tokens WHERE token_hash = ?",
                (digest(token),),
            ).fetchone()
        return (row[0], row[1]) if row else None
