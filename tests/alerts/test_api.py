"""The saved-search API: tokens, ownership, bad input refused with 4xx and nothing changed,
unsubscribe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from consumers.alerts.tokens import secret_key, unsubscribe_token
from consumers.broker import free_port
from tenderwatch.web.app import create_app


@pytest.fixture
def api(settings):
    app = create_app(settings)
    with TestClient(app) as client:
        client.repository = app.state.repository
        client.tokens = {name: client.repository.add_user(name) for name in ("anna", "bram")}
        yield client


def auth(api, user: str) -> dict:
    return {"Authorization": f"Bearer {api.tokens[user]}"}


NEW = {
    "name": "Overijssel 11+",
    "email": "anna@example.nl",
    "filter": {"regions": ["Overijssel"], "pay_scale_min": 11},
}


def test_a_token_is_required(api):
    assert api.get("/saved-searches").status_code == 401
    assert (
        api.get("/saved-searches", headers={"Authorization": "Bearer tw_forged"}).status_code == 401
    )
    assert api.post("/saved-searches", json=NEW).status_code == 401
    assert api.repository.list() == []


def test_users_create_list_pause_and_remove_their_own(api):
    created = api.post(
        "/saved-searches",
        json={**NEW, "webhook_url": "http://127.0.0.1:9/hook"},
        headers=auth(api, "anna"),
    )
    assert created.status_code == 201
    body = created.json()
    assert body["owner"] == "anna" and len(body["webhook"]["secret"]) >= 16  # shown once
    listed = api.get("/saved-searches", headers=auth(api, "anna")).json()["saved_searches"]
    assert [item["id"] for item in listed] == [body["id"]] and listed[0]["webhook"][
        "secret"
    ] == "**********"
    assert (
        api.patch(
            f"/saved-searches/{body['id']}", json={"active": False}, headers=auth(api, "anna")
        ).json()["active"]
        is False
    )
    assert api.delete(f"/saved-searches/{body['id']}", headers=auth(api, "anna")).status_code == 204
    assert api.get(f"/saved-searches/{body['id']}", headers=auth(api, "anna")).status_code == 404


def test_another_users_saved_search_is_refused_and_unchanged(api):
    mine = api.post("/saved-searches", json=NEW, headers=auth(api, "anna")).json()
    path = f"/saved-searches/{mine['id']}"
    assert api.get(path, headers=auth(api, "bram")).status_code == 404
    assert api.patch(path, json={"active": False}, headers=auth(api, "bram")).status_code == 404
    assert api.delete(path, headers=auth(api, "bram")).status_code == 404
    assert api.get("/saved-searches", headers=auth(api, "bram")).json() == {"saved_searches": []}
    assert api.repository.get(mine["id"]).active is True


@pytest.mark.parametrize(
    "body, reason",
    [
        (
            {
                "name": "x",
                "filter": {"pay_scale_min": 12, "pay_scale_max": 10},
                "email": "a@example.nl",
            },
            "lowest pay scale",
        ),
        (
            {"name": "x", "filter": {"keyword": "de het een"}, "email": "a@example.nl"},
            "too common to search for",
        ),
        (
            {"name": "x", "filter": {"pay_scale_min": 40}, "email": "a@example.nl"},
            "less than or equal",
        ),
        ({"name": "x", "filter": {"colour": "red"}, "email": "a@example.nl"}, "Extra inputs"),
        ({"name": "x"}, "email address or a webhook"),
        ({"name": "x", "email": "not-an-address"}, "email"),
        ({"name": "x", "webhook_url": "file:///etc/passwd"}, "http or https"),
        (
            {"name": "x", "webhook_url": "http://169.254.169.254/latest/meta-data"},
            "private or reserved",
        ),
        ({"name": "x", "webhook_url": "http://10.0.0.8/hook"}, "private or reserved"),
        ({"name": "", "email": "a@example.nl"}, "at least 1"),
    ],
)
def test_bad_input_is_refused_with_4xx_and_nothing_stored(api, body, reason):
    answer = api.post("/saved-searches", json=body, headers=auth(api, "anna"))
    assert answer.status_code == 422 and reason in answer.text
    assert api.repository.list() == []


def test_an_oversized_body_is_refused(api):
    answer = api.post(
        "/saved-searches",
        content=b"{" + b" " * 20_000 + b"}",
        headers={**auth(api, "anna"), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413 and api.repository.list() == []


def test_query_injection_in_keywords_is_only_text(api):
    body = {**NEW, "filter": {"keyword": "'; DROP TABLE saved_searches; -- \" OR 1=1 *:*"}}
    created = api.post("/saved-searches", json=body, headers=auth(api, "anna"))
    assert created.status_code == 201
    assert api.repository.get(created.json()["id"]).filter.keyword == body["filter"]["keyword"]
    assert len(api.get("/saved-searches", headers=auth(api, "anna")).json()["saved_searches"]) == 1


def test_the_signed_unsubscribe_link_switches_the_search_off(api, settings):
    mine = api.post("/saved-searches", json=NEW, headers=auth(api, "anna")).json()
    token = unsubscribe_token(secret_key(settings), mine["id"])
    page = api.get("/unsubscribe", params={"token": token})
    assert (
        page.status_code == 200
        and "Overijssel 11+" in page.text
        and api.repository.get(mine["id"]).active
    )
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert api.post("/unsubscribe", params={"token": forged}).status_code == 404
    assert (
        api.post(
            "/unsubscribe", params={"token": f"{mine['id']}x.{token.split('.')[1]}"}
        ).status_code
        == 404
    )
    assert api.repository.get(mine["id"]).active
    assert (
        api.post(
            "/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "One-Click"}
        ).status_code
        == 200
    )
    assert api.repository.get(mine["id"]).active is False


def test_openapi_documents_the_endpoints(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/saved-searches", "/saved-searches/{saved_search_id}", "/unsubscribe"} <= set(paths)


def test_tenderwatch_serve_answers_over_real_http(settings):
    port = free_port()
    token = subprocess.run(
        [
            sys.executable,
            "-m",
            "tenderwatch.cli",
            "user",
            "add",
            "anna",
            "--data-dir",
            str(settings.data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tenderwatch.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(settings.data_dir),
        ],
        env={**os.environ, "TENDERWATCH_LOG_FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        created = httpx.post(
            f"{base}/saved-searches", json=NEW, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201
        assert (
            httpx.get(
                f"{base}/saved-searches", headers={"Authorization": "Bearer nope"}
            ).status_code
            == 401
        )
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    assert token not in output  # tokens never reach the logs


def test_patch_changes_any_field_and_keeps_the_rest(api):
    mine = api.post("/saved-searches", json=NEW, headers=auth(api, "anna")).json()
    path = f"/saved-searches/{mine['id']}"
    renamed = api.patch(
        path,
        json={
            "name": "Overijssel, schaal 12+",
            "filter": {"regions": ["Overijssel"], "pay_scale_min": 12},
        },
        headers=auth(api, "anna"),
    )
    assert renamed.status_code == 200, renamed.text
    stored = api.repository.get(mine["id"])
    assert stored.name == "Overijssel, schaal 12+" and stored.filter.pay_scale_min == 12
    assert str(stored.email) == "anna@example.nl" and stored.active  # untouched fields stay
    assert (
        api.patch(
            path, json={"frequency": "daily", "alert_on_updates": True}, headers=auth(api, "anna")
        ).json()["frequency"]
        == "daily"
    )
    refused = api.patch(
        path, json={"email": None}, headers=auth(api, "anna")
    )  # would leave no channel
    assert refused.status_code == 422 and "email address or a webhook" in refused.text
    assert api.patch(path, json={"owner": "bram"}, headers=auth(api, "anna")).status_code == 422
    assert str(api.repository.get(mine["id"]).email) == "anna@example.nl"


def test_a_document_read_back_is_accepted_as_sent(api):
    """What GET shows can be sent back: the webhook object (masked secret keeps the secret)."""
    created = api.post(
        "/saved-searches",
        json={**NEW, "webhook": {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20}},
        headers=auth(api, "anna"),
    )
    assert created.status_code == 201, created.text
    read = api.get(f"/saved-searches/{created.json()['id']}", headers=auth(api, "anna")).json()
    assert read["webhook"] == {"url": "http://127.0.0.1:9/hook", "secret": "**********"}
    read["name"] = "renamed"
    sent_back = api.patch(f"/saved-searches/{read['id']}", json=read, headers=auth(api, "anna"))
    assert sent_back.status_code == 200, sent_back.text
    stored = api.repository.get(read["id"])
    assert stored.name == "renamed" and stored.webhook.secret.get_secret_value() == "s" * 20
    copy = {
        key: value for key, value in read.items() if key not in ("id", "owner", "created", "active")
    }
    again = api.post(
        "/saved-searches", json=copy, headers=auth(api, "anna")
    )  # masked secret: a new one
    assert again.status_code == 201 and again.json()["webhook"]["secret"] != "**********"
    both = api.post(
        "/saved-searches",
        json={**copy, "webhook_url": "http://127.0.0.1:9/x"},
        headers=auth(api, "anna"),
    )
    assert both.status_code == 422 and "not both" in both.text


def test_docs_load_without_a_cdn(api):
    page = api.get("/docs")
    assert page.status_code == 200
    scripts = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert scripts and all(url.startswith("/") for url in scripts), (
        scripts
    )  # nothing from another host
    for url in scripts:
        asset = api.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert "SwaggerUIBundle" in api.get(next(url for url in scripts if url.endswith(".js"))).text


def test_the_unsubscribe_page_says_when_alerts_are_already_off(api, settings):
    mine = api.post("/saved-searches", json=NEW, headers=auth(api, "anna")).json()
    token = unsubscribe_token(secret_key(settings), mine["id"])
    asked = api.get("/unsubscribe", params={"token": token}).text  # the search's language: Dutch
    assert "stoppen?" in asked and 'lang="nl"' in asked and "/static/style.css" in asked
    assert "Stop alerts for" in api.get("/unsubscribe", params={"token": token, "lang": "en"}).text
    done = api.post("/unsubscribe", params={"token": token, "lang": "en"})
    assert "no more alerts" in done.text
    after = api.get("/unsubscribe", params={"token": token, "lang": "en"})
    assert (
        after.status_code == 200 and "are off" in after.text and "Stop alerts for" not in after.text
    )
    assert "<form" not in after.text
    english = api.post(
        "/saved-searches",
        json={**NEW, "name": "Engels", "language": "en"},
        headers=auth(api, "anna"),
    ).json()
    assert english["language"] == "en" and mine["language"] == "nl"
    other = unsubscribe_token(secret_key(settings), english["id"])
    api.cookies.clear()  # the switch's cookie no longer speaks: the search's own language does
    assert "Stop alerts for" in api.get("/unsubscribe", params={"token": other}).text


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "Zwolle\nBcc: all@example.nl"),
        ("name", "a\u2028b"),
        ("name", "x\x1cy"),
        ("name", "n" * 201),
        ("name", "   "),
        ("webhook_url", "https://example.com/a\x01"),
        ("webhook_url", "https://u:p@example.com/hook"),
        ("webhook_url", "ftp://example.com/hook"),
        ("webhook_url", "https://exa mple.com/"),
    ],
)
def test_hostile_names_and_webhook_urls_are_refused_at_save_time_with_a_422(api, field, value):
    body = {**NEW, field: value}
    created = api.post("/saved-searches", json=body, headers=auth(api, "anna"))
    assert created.status_code == 422
    assert [error["loc"][-1] for error in created.json()["detail"]] == [field]
    mine = api.post("/saved-searches", json=NEW, headers=auth(api, "anna")).json()
    changed = api.patch(
        f"/saved-searches/{mine['id']}", json={field: value}, headers=auth(api, "anna")
    )
    assert changed.status_code == 422
    assert (
        api.get(f"/saved-searches/{mine['id']}", headers=auth(api, "anna")).json()["name"]
        == NEW["name"]
    )


def test_a_name_is_trimmed_when_saved(api):
    created = api.post(
        "/saved-searches", json={**NEW, "name": "  Zwolle, schaal 11  "}, headers=auth(api, "anna")
    )
    assert created.status_code == 201 and created.json()["name"] == "Zwolle, schaal 11"


def test_an_account_has_at_most_the_configured_number_of_saved_searches(settings):
    app = create_app(settings.model_copy(update={"max_saved_searches": 3}))
    with TestClient(app) as client:
        token = app.state.repository.add_user("anna")
        headers = {"Authorization": f"Bearer {token}"}
        assert [
            client.post("/saved-searches", json=NEW, headers=headers).status_code for _ in range(4)
        ] == [201, 201, 201, 422]
        assert (
            "at most 3 saved searches"
            in client.post("/saved-searches", json=NEW, headers=headers).text
        )
        assert len(client.get("/saved-searches", headers=headers).json()["saved_searches"]) == 3


def test_the_api_stays_consistent_under_concurrent_requests(api):
    """Request threads share one repository: 8 threads create, read, change and list at once;
    every answer is right and nothing is lost (one SQLite connection per thread)."""
    from concurrent.futures import ThreadPoolExecutor

    def work(number: int) -> list[int]:
        owner = ("anna", "bram")[number % 2]
        headers = auth(api, owner)
        created = api.post(
            "/saved-searches", json={**NEW, "name": f"search {number}"}, headers=headers
        )
        path = f"/saved-searches/{created.json()['id']}"
        read = api.get(path, headers=headers)
        changed = api.patch(path, json={"active": False}, headers=headers)
        listed = api.get("/saved-searches", headers=headers)
        right = (
            read.json()["name"] == f"search {number}"
            and changed.json()["active"] is False
            and f"search {number}" in {saved["name"] for saved in listed.json()["saved_searches"]}
        )
        return [
            created.status_code,
            read.status_code,
            changed.status_code,
            listed.status_code,
            int(right),
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(work, range(40)))
    assert all(answer == [201, 200, 200, 200, 1] for answer in answers), answers
    assert len(api.get("/saved-searches", headers=auth(api, "anna")).json()["saved_searches"]) == 20
