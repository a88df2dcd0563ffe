"""Signing in and managing alerts, attacked: every refusal leaves everything as it was.
The app runs in-process on a real data directory (SQLite files, the mail folder)."""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from consumers.alerts.repository import AlertRepository
from schemas.saved_search import SavedSearch
from schemas.search import SearchFilter
from tenderwatch.common.settings import Settings
from tenderwatch.web.accounts import ACCOUNTS_FILE
from tenderwatch.web.app import create_app

PUBLIC = "https://tenderwatch.example.nl"
SESSION_COOKIE = "__Host-tw_session"  # an https site: Secure, host-only


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(data_dir):
    return create_app(Settings(data_dir=data_dir, public_url=PUBLIC))


def client_for(app, address: str = "testclient") -> TestClient:
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def mails(data_dir: Path) -> list[str]:
    """The text of every sign-in mail in the mail folder."""
    folder = data_dir / "mail"
    if not folder.exists():
        return []
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in folder.glob("signin-*.eml")
    ]
    return sorted(f"To: {message['To']}\n{message.get_content()}" for message in messages)


def csrf_of(page: str, action: str | None = None) -> str:
    """The CSRF token of the page's form posting to `action` (default: the first form)."""
    start = page.index(f'action="{action}"') if action else 0
    return re.search(r'name="csrf" value="([^"]+)"', page[start:]).group(1)


def request_link(client: TestClient, email: str):
    form = client.get("/signin")
    return client.post(
        "/signin", data={"email": email, "csrf": csrf_of(form.text, "/signin"), "next": "/alerts"}
    )


def link_token(mail_text: str) -> str:
    link = re.search(rf"{re.escape(PUBLIC)}/signin/confirm\?\S+", mail_text).group(0)
    return parse_qs(urlparse(link).query)["token"][0]


def sign_in(client: TestClient, data_dir: Path, email: str) -> str:
    """Ask for a link, read it from the mail folder, use it; returns the session's CSRF token."""
    before = set(mails(data_dir))
    assert request_link(client, email).status_code == 200
    (new,) = set(mails(data_dir)) - before
    confirm = client.get("/signin/confirm", params={"token": link_token(new)})
    response = client.post(
        "/signin/confirm",
        data={
            "token": link_token(new),
            "csrf": csrf_of(confirm.text, "/signin/confirm"),
            "next": "/alerts",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/alerts"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=2592000" in cookie
    return csrf_of(client.get("/alerts").text)


def saved_searches(data_dir: Path) -> list[SavedSearch]:
    repository = AlertRepository.in_data_dir(data_dir)
    try:
        return repository.list()
    finally:
        repository.close()


def test_the_same_answer_for_a_known_an_unknown_and_a_wrong_address(app, data_dir):
    known = client_for(app, "10.0.0.1")
    sign_in(known, data_dir, "anna@example.nl")

    def answer(email: str, address: str) -> str:
        page = request_link(client_for(app, address), email)
        assert page.status_code == 200
        return re.sub(r'name="csrf" value="[^"]+"', "", page.text)

    assert (
        answer("anna@example.nl", "10.0.0.2")
        == answer("nobody@example.nl", "10.0.0.3")
        == answer("not an address", "10.0.0.4")
    )
    assert (
        len(mails(data_dir)) == 3
    )  # anna's two links and nobody's: accounts are made at first sign-in


def test_a_link_works_once_and_only_for_15_minutes(app, data_dir):
    client = client_for(app)
    request_link(client, "bram@example.nl")
    token = link_token(mails(data_dir)[0])
    confirm = client.get("/signin/confirm", params={"token": token})
    first = client.post(
        "/signin/confirm",
        data={"token": token, "csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert first.status_code == 303
    other = client_for(app, "10.9.9.9")
    confirm = other.get("/signin/confirm", params={"token": token})
    again = other.post(
        "/signin/confirm",
        data={"token": token, "csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert again.status_code == 400 and SESSION_COOKIE not in again.headers.get("set-cookie", "")
    assert "werkt niet (meer)" in again.text

    request_link(client_for(app, "10.1.1.1"), "carla@example.nl")
    (late,) = [mail for mail in mails(data_dir) if "carla" in mail]
    accounts = sqlite3.connect(data_dir / ACCOUNTS_FILE)  # a quarter of an hour passes
    accounts.execute("UPDATE signin_links SET expires = expires - 901")
    accounts.commit()
    accounts.close()
    fresh = client_for(app, "10.1.1.2")
    confirm = fresh.get("/signin/confirm", params={"token": link_token(late)})
    expired = fresh.post(
        "/signin/confirm",
        data={"token": link_token(late), "csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert (
        expired.status_code == 400
        and fresh.get("/alerts", follow_redirects=False).status_code == 303
    )


def test_requests_are_limited_per_address_and_per_client(app, data_dir):
    for number in range(3):
        assert (
            request_link(client_for(app, f"10.2.0.{number}"), "dirk@example.nl").status_code == 200
        )
    assert request_link(client_for(app, "10.2.0.9"), "dirk@example.nl").status_code == 429
    assert len(mails(data_dir)) == 3
    one_client = client_for(app, "10.3.0.1")
    codes = [
        request_link(one_client, f"user{number}@example.nl").status_code for number in range(11)
    ]
    assert codes == [200] * 10 + [429] and len(mails(data_dir)) == 13


def test_a_missing_or_forged_csrf_token_changes_nothing(app, data_dir):
    client = client_for(app)
    csrf = sign_in(client, data_dir, "eva@example.nl")
    created = client.post(
        "/alerts",
        data={"csrf": csrf, "name": "Zwolle", "query": "region=Overijssel", "by_email": "1"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    (saved,) = saved_searches(data_dir)
    assert saved.owner == "eva@example.nl" and saved.filter == SearchFilter(regions=("Overijssel",))
    for forged in ({}, {"csrf": "forged"}, {"csrf": csrf[:-1] + "x"}):
        assert client.post(f"/alerts/{saved.id}/delete", data=forged).status_code == 403
        assert (
            client.post("/alerts", data={**forged, "name": "x", "by_email": "1"}).status_code == 403
        )
    assert (
        client.post("/signin", data={"email": "eva@example.nl", "csrf": "forged"}).status_code
        == 403
    )
    assert [search.id for search in saved_searches(data_dir)] == [saved.id]


def test_a_stolen_cookie_is_worthless_after_sign_out(app, data_dir):
    client = client_for(app)
    csrf = sign_in(client, data_dir, "frank@example.nl")
    stolen = client.cookies.get(SESSION_COOKIE)
    client.post("/alerts", data={"csrf": csrf, "name": "Alles", "query": "", "by_email": "1"})
    assert client.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    thief = client_for(app, "10.66.6.6")
    thief.cookies.set(SESSION_COOKIE, stolen)
    assert thief.get("/alerts", follow_redirects=False).status_code == 303  # to the sign-in page
    (saved,) = saved_searches(data_dir)
    assert (
        thief.post(
            f"/alerts/{saved.id}/delete", data={"csrf": csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    assert len(saved_searches(data_dir)) == 1
    forged_cookie = stolen.rsplit(".", 1)[0] + ".0123456789abcdef0123456789abcdef"
    thief.cookies.set(SESSION_COOKIE, forged_cookie)
    assert thief.get("/alerts", follow_redirects=False).status_code == 303


def test_another_users_alert_is_not_there(app, data_dir):
    owner, other = client_for(app, "10.4.0.1"), client_for(app, "10.4.0.2")
    owner_csrf = sign_in(owner, data_dir, "gerda@example.nl")
    owner.post(
        "/alerts",
        data={
            "csrf": owner_csrf,
            "name": "Gerda zoekt adviseurs",
            "query": "q=adviseur",
            "by_email": "1",
        },
    )
    (saved,) = saved_searches(data_dir)
    other_csrf = sign_in(other, data_dir, "hans@example.nl")
    assert other.get(f"/alerts/{saved.id}/edit").status_code == 404
    for action in ("pause", "delete", "feed"):
        assert (
            other.post(f"/alerts/{saved.id}/{action}", data={"csrf": other_csrf}).status_code == 404
        )
    assert (
        other.post(
            f"/alerts/{saved.id}/edit",
            data={"csrf": other_csrf, "name": "Gestolen", "by_email": "1"},
        ).status_code
        == 404
    )
    assert "Gerda zoekt" not in other.get("/alerts").text
    (unchanged,) = saved_searches(data_dir)
    assert (unchanged.name, unchanged.active, unchanged.owner) == (
        "Gerda zoekt adviseurs",
        True,
        "gerda@example.nl",
    )


def test_the_session_is_rotated_at_sign_in_and_next_stays_on_this_site(app, data_dir):
    client = client_for(app)
    sign_in(client, data_dir, "ingrid@example.nl")
    first = client.cookies.get(SESSION_COOKIE)
    sign_in(client, data_dir, "ingrid@example.nl")
    assert client.cookies.get(SESSION_COOKIE) != first
    stale = client_for(app, "10.5.5.5")
    stale.cookies.set(SESSION_COOKIE, first)
    assert stale.get("/alerts", follow_redirects=False).status_code == 303  # the old session ended
    page = client_for(app, "10.5.5.6").get("/signin", params={"next": "https://evil.example/steal"})
    assert 'name="next" value="/alerts"' in page.text


def test_serve_on_loopback_without_smtp_logs_the_link_and_files_the_mail(tmp_path):
    """The embedded default's one user finds the link on the console as well as in the mail
    folder."""
    import os
    import subprocess
    import sys

    import httpx

    from consumers.broker import free_port
    from tests.web.test_browser import wait_until_up

    port = free_port()
    env = {
        **os.environ,
        "TENDERWATCH_DATA_DIR": str(tmp_path / "data"),
        "TENDERWATCH_LOG_FORMAT": "json",
        "TENDERWATCH_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("TENDERWATCH_SMTP_HOST", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "tenderwatch.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        with httpx.Client(base_url=url) as client:
            form = client.get("/signin")
            client.post(
                "/signin", data={"email": "kees@example.nl", "csrf": csrf_of(form.text, "/signin")}
            )
    finally:
        server.terminate()
        _, logged = server.communicate(timeout=20)
    (mail_text,) = mails(tmp_path / "data")
    assert (
        '"event": "signin_link"' in logged and link_token(mail_text.replace(url, PUBLIC)) in logged
    )


@pytest.mark.parametrize(
    "address",
    [
        "anna@example.nl, bram@example.nl",
        "anna@example.nl\nbram@example.nl",
        "anna@example.nl\r\nBcc: bram@example.nl",
        "anna",
        "a" * 300 + "@example.nl",
    ],
)
def test_a_sign_in_for_anything_but_one_address_gets_the_same_answer_and_no_mail(
    app, data_dir, address
):
    client = client_for(app)
    answer = request_link(client, address)
    honest = request_link(client_for(app, "10.1.1.2"), "x@example.nl")

    def without_tokens(page: str) -> str:
        return re.sub(r'name="csrf" value="[^"]+"', "", page)

    assert answer.status_code == 200 and without_tokens(answer.text) == without_tokens(honest.text)
    assert [text for text in mails(data_dir) if "anna" in text or "bram" in text] == []


def test_a_csrf_token_with_non_ascii_characters_is_refused_not_a_server_error(app):
    client = client_for(app)
    client.get("/signin")
    answer = client.post(
        "/signin", data={"email": "anna@example.nl", "csrf": "tökén\u2028", "next": "/alerts"}
    )
    assert 400 <= answer.status_code < 500


def test_every_answer_but_the_api_docs_carries_the_security_headers_and_private_ones_are_not_stored(
    app, data_dir
):
    client = client_for(app)
    for path in ("/", "/signin", "/unsubscribe?token=forged.x", "/healthz", "/openapi.json"):
        answer = client.get(path)
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
    for path in ("/signin", "/unsubscribe?token=forged.x", "/alerts", "/saved-searches"):
        assert client.get(path, follow_redirects=False).headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/").headers.get(
        "cache-control", ""
    )  # a public page may be cached
    sign_in(client, data_dir, "anna@example.nl")
    assert client.get("/").headers["cache-control"] == "no-store"  # signed in: it names the user
    assert (
        "content-security-policy" not in client.get("/docs").headers
    )  # Swagger UI's inline scripts


def test_the_confirm_page_names_the_address_it_signs_into_and_an_unusable_link_says_so(
    app, data_dir
):
    """Login CSRF: someone who mails you their own link must not sign you into their account
    unawares; the page says whose account it is before the button."""
    client = client_for(app)
    before = set(mails(data_dir))
    request_link(client, "mallory@example.nl")
    (mail_text,) = set(mails(data_dir)) - before
    token = link_token(mail_text)
    dutch = client.get("/signin/confirm", params={"token": token, "lang": "nl"})
    assert dutch.status_code == 200 and "Je logt in als mallory@example.nl." in dutch.text
    english = client.get("/signin/confirm", params={"token": token, "lang": "en"})
    assert "You sign in as mallory@example.nl." in english.text
    unknown = client.get("/signin/confirm", params={"token": "not-a-token"})
    assert unknown.status_code == 400 and "mallory" not in unknown.text
