"""How the site is reached: reverse proxies, https (Secure `__Host-` cookies, HSTS), the
sign-in limits behind a proxy and per address, and what the browser shows once (the webhook
secret). Through the real app (Starlette's test client speaks ASGI to it)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from consumers.alerts.webhook import UnsafeWebhook, check_webhook_url
from tenderwatch.common.settings import Settings
from tenderwatch.web.accounts import LIMITS, LINK_VALID_S, Accounts
from tenderwatch.web.api import served_settings
from tenderwatch.web.app import create_app
from tests.web.test_accounts import (
    csrf_of,
    link_token,
    mails,
    request_link,
    saved_searches,
    sign_in,
)

HTTPS = "https://tenderwatch.example.nl"
PROXY = "10.8.0.2"


def client(app, address: str, scheme: str = "https") -> TestClient:
    return TestClient(app, base_url=f"{scheme}://testserver", client=(address, 50000))


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(tmp_path):
    app = create_app(
        Settings(data_dir=tmp_path, public_url=HTTPS, trusted_proxies=f"{PROXY},10.9.0.0/16")
    )
    for number in range(10):
        assert request_link(client(app, PROXY), f"user{number}@example.nl").status_code == 200
    proxy = client(app, "10.9.1.1")  # another proxy of the trusted network
    proxy.headers["X-Forwarded-For"] = "203.0.113.7"
    assert request_link(proxy, "another@example.nl").status_code == 200  # not the proxy's own count
    forwarded = client(app, PROXY)
    forwarded.headers["X-Forwarded-For"] = "203.0.113.8"
    codes = [
        request_link(forwarded, f"next{number}@example.nl").status_code for number in range(11)
    ]
    assert codes == [200] * 10 + [429]


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, public_url=HTTPS, trusted_proxies=PROXY))
    spoofer = client(app, "198.51.100.1")
    codes = []
    for number in range(11):
        spoofer.headers["X-Forwarded-For"] = f"203.0.113.{number}"  # a new "address" each time
        codes.append(request_link(spoofer, f"user{number}@example.nl").status_code)
    assert codes == [200] * 10 + [429]


def test_trusted_proxies_must_be_addresses_or_networks():
    assert Settings(trusted_proxies="10.0.0.0/8, 192.0.2.1,::1").trusted_proxy_list == [
        "10.0.0.0/8",
        "192.0.2.1",
        "::1",
    ]
    for wrong in ("*", "proxy.example.nl", "10.0.0.0/33"):
        with pytest.raises(ValueError, match="not an IP address or network"):
            Settings(trusted_proxies=wrong)


def test_over_https_cookies_are_host_only_and_secure_and_every_answer_has_hsts(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, public_url=HTTPS))
    browser = client(app, "10.1.0.1")
    form = browser.get("/signin")
    (csrf_cookie,) = form.headers.get_list("set-cookie")
    assert (
        csrf_cookie.startswith("__Host-tw_csrf=")
        and "Secure" in csrf_cookie
        and "Path=/" in csrf_cookie
    )
    assert "Domain" not in csrf_cookie
    sign_in(browser, tmp_path, "anna@example.nl")
    assert browser.cookies.get("__Host-tw_session") and "tw_session" not in browser.cookies
    for path in ("/", "/signin", "/unsubscribe?token=forged.x", "/healthz", "/docs", "/alerts"):
        answer = browser.get(path, follow_redirects=False)
        assert answer.headers["strict-transport-security"].startswith("max-age=31536000"), path
    assert browser.get("/?lang=en").headers["set-cookie"].startswith("__Host-lang=en")


def test_over_plain_http_a_forwarded_proto_header_does_not_make_cookies_secure(tmp_path):
    """The decision follows TENDERWATCH_PUBLIC_URL, never a header a client sends."""
    app = create_app(Settings(data_dir=tmp_path, public_url="http://127.0.0.1:8000"))
    browser = client(app, "127.0.0.1", scheme="http")
    answer = browser.get("/signin", headers={"X-Forwarded-Proto": "https"})
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("tw_csrf=") and "Secure" not in cookie
    assert "strict-transport-security" not in answer.headers


def test_an_address_cannot_be_locked_out_for_longer_than_a_short_window(tmp_path):
    """Whoever fills an address's quota mails that address links: while it refuses, a link
    from within the window still works, and the window is over in minutes."""
    app = create_app(Settings(data_dir=tmp_path, public_url=HTTPS))
    most, window = LIMITS["address"]
    assert window <= 5 * 60 < LINK_VALID_S
    for number in range(most):
        request_link(client(app, f"198.51.100.{number}"), "victim@example.nl")
    victim = client(app, "10.5.0.1")
    refused = request_link(victim, "victim@example.nl")
    assert refused.status_code == 429 and "gebruik de nieuwste in je mailbox" in refused.text
    newest = link_token(mails(tmp_path)[-1])
    confirm = victim.get("/signin/confirm", params={"token": newest})
    assert "victim@example.nl" in confirm.text
    signed_in = victim.post(
        "/signin/confirm",
        data={"token": newest, "csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and victim.get("/alerts").status_code == 200

    now = [1_000_000.0]
    accounts = Accounts(tmp_path / "limits.sqlite3", b"k" * 32, clock=lambda: now[0])
    for _ in range(most):
        assert accounts.refused_by("victim@example.nl", f"attacker-{now[0]}") is None
    assert accounts.refused_by("victim@example.nl", "victim") == "address"
    now[0] += window + 1
    assert accounts.refused_by("victim@example.nl", "victim") is None


def test_a_webhook_made_in_the_browser_shows_its_secret_once_on_create_and_on_edit(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, public_url=HTTPS))
    browser = client(app, "10.6.0.1")
    csrf = sign_in(browser, tmp_path, "ilse@example.nl")
    created = browser.post(
        "/alerts",
        data={
            "csrf": csrf,
            "name": "Met webhook",
            "query": "q=adviseur",
            "webhook_url": "http://127.0.0.1:9/hook",
        },
    )
    (saved,) = saved_searches(tmp_path)
    secret = saved.webhook.secret.get_secret_value()
    assert created.status_code == 200 and f'id="webhook-secret">{secret}<' in created.text
    assert (
        secret not in browser.get("/alerts").text
        and secret not in browser.get(f"/alerts/{saved.id}/edit").text
    )

    plain = browser.post(
        "/alerts",
        data={"csrf": csrf, "name": "Zonder webhook", "by_email": "1"},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    (without,) = [search for search in saved_searches(tmp_path) if search.name == "Zonder webhook"]
    edited = browser.post(
        f"/alerts/{without.id}/edit",
        data={
            "csrf": csrf,
            "name": "Zonder webhook",
            "by_email": "1",
            "webhook_url": "http://127.0.0.1:9/other",
        },
    )
    (now_with,) = [search for search in saved_searches(tmp_path) if search.id == without.id]
    assert edited.status_code == 200 and now_with.webhook is not None
    assert (
        re.search(r'id="webhook-secret">([^<]+)<', edited.text).group(1)
        == now_with.webhook.secret.get_secret_value()
    )
    unchanged = browser.post(
        f"/alerts/{without.id}/edit",
        data={
            "csrf": csrf,
            "name": "Hernoemd",
            "by_email": "1",
            "webhook_url": "http://127.0.0.1:9/other",
        },
        follow_redirects=False,
    )
    assert (
        unchanged.status_code == 303
    )  # the same receiver: its secret stays and is not shown again


def test_a_webhook_added_through_the_api_without_a_secret_gets_one_shown_once(tmp_path):
    from consumers.alerts.repository import AlertRepository

    repository = AlertRepository.in_data_dir(tmp_path)
    token = repository.add_user("api-user")
    repository.close()
    api = client(create_app(Settings(data_dir=tmp_path, public_url=HTTPS)), "10.7.0.1")
    api.headers["Authorization"] = f"Bearer {token}"
    created = api.post(
        "/saved-searches", json={"name": "Via API", "email": "a@example.nl", "filter": {}}
    )
    assert created.status_code == 201, created.text
    changed = api.patch(
        f"/saved-searches/{created.json()['id']}", json={"webhook_url": "http://127.0.0.1:9/x"}
    )
    assert changed.status_code == 200, changed.text
    secret = changed.json()["webhook"]["secret"]
    assert (
        len(secret) >= 32 and secret not in api.get(f"/saved-searches/{created.json()['id']}").text
    )


@pytest.mark.parametrize(
    ("host", "loopback_allowed"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.0.2.10", False),
    ],
)
def test_webhooks_to_this_machine_only_while_serve_listens_on_loopback(
    tmp_path, host, loopback_allowed
):
    settings = served_settings(Settings(data_dir=tmp_path), host)
    assert settings.webhooks_may_use_loopback is loopback_allowed
    if not loopback_allowed:
        with pytest.raises(UnsafeWebhook, match="loopback"):
            check_webhook_url(
                "http://127.0.0.1:8080/hook",
                allow_private=settings.webhook_allow_private,
                allow_loopback=settings.webhooks_may_use_loopback,
            )
    at_scale = served_settings(
        Settings(data_dir=tmp_path, kafka_bootstrap_servers="kafka:9092"), "127.0.0.1"
    )
    assert at_scale.webhooks_may_use_loopback is False
    chosen = served_settings(Settings(data_dir=tmp_path, webhook_allow_loopback=True), "0.0.0.0")
    assert chosen.webhooks_may_use_loopback is True  # the operator said so
