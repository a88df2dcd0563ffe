"""Honest and hostile users share one `tenderwatch run --once` on the embedded default.

Honest: an instant mail search, a daily digest search and a webhook search (through the CLI).
Hostile: every input the review of issue 26 found, through the CLI, the API and crafted web-form
POSTs to a real `serve --host 0.0.0.0`, plus a receiver that trickles a byte every 2 s and
saved searches stored by an older version before the save-time rules (a control character in
the webhook URL, a line break in a daily search's name). The run exits 0, every honest alert
arrives within its deadline, every hostile input is refused at save time or its alert ends dead
with a reason, and `health alerts` is healthy.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from consumers.alerts.repository import AlertRepository
from consumers.broker import free_port
from crawler.sources.flextender.replica import FlextenderReplica
from tests.alerts.conftest import saved_search
from tests.alerts.peers import SmtpServer, WebhookReceiver
from tests.alerts.test_webhook_safety import Trickler
from tests.kafka.test_search_after_run import SEED_TIME, tenderwatch
from tests.web.test_accounts import csrf_of
from tests.web.test_browser import wait_until_up

pytestmark = pytest.mark.slow  # a whole run --once against the replica, and a real serve

SECRET = "honest-webhook-secret-0123456789"
WEBHOOK_TIMEOUT_S = 3.0
MAX_SAVED_SEARCHES = 5
OVERIJSSEL = ["28671", "30922", "31050"]  # the replica's open listings in Overijssel


def saved(data_dir: str, *options: str, env: dict) -> subprocess.CompletedProcess:
    return tenderwatch("saved-search", "add", *options, "--data-dir", data_dir, env=env)


def refused_by_the_cli(data_dir: str, env: dict) -> None:
    hostile = [
        ("--name", "twee\nregels", "--email", "eve@example.nl"),
        ("--name", "scheiding\u2028regel", "--email", "eve@example.nl"),
        ("--name", "x" * 201, "--email", "eve@example.nl"),
        ("--name", "stuur", "--webhook", "https://example.com/a\x01"),
        ("--name", "stuur", "--webhook", "https://user:pw@example.com/hook"),
        ("--name", "stuur", "--webhook", "ftp://example.com/hook"),
        ("--name", "stuur", "--webhook", "http://100.64.0.1/hook"),
        ("--name", "stuur", "--webhook", "http://169.254.169.254/latest/meta-data"),
        ("--name", "stuur", "--email", "eve@example.nl, all@example.nl"),
    ]
    for options in hostile:
        result = saved(data_dir, *options, env=env)
        assert result.returncode == 2, (options, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 3, (
            result.stderr
        )


def refused_by_the_api(url: str, token: str, own_search: str) -> None:
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    base = {"email": "eve@example.nl", "filter": {"keyword": "zzzgeenmatch"}}
    for body in (
        {**base, "name": "regel\x85einde"},
        {**base, "name": "bel\x1cscheiding"},
        {
            **base,
            "name": "lus",
            "webhook_url": f"{url}/hook",
        },  # this machine: serve listens on 0.0.0.0
        {**base, "name": "lus", "webhook_url": "http://[::ffff:127.0.0.1]:9/hook"},
        {**base, "name": "nat", "webhook_url": "http://100.64.1.1/hook"},
    ):
        answer = api.post("/saved-searches", json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert (
        api.post(
            "/saved-searches",
            content=b"{" + b" " * 17_000 + b"}",
            headers={"Content-Type": "application/json"},
        ).status_code
        == 413
    )
    made = [
        api.post("/saved-searches", json={**base, "name": f"vulling {number}"}).status_code
        for number in range(MAX_SAVED_SEARCHES + 1)
    ]
    assert made == [201] * MAX_SAVED_SEARCHES + [422]
    assert api.patch(f"/saved-searches/{own_search}", json={"name": "van mij"}).status_code == 404
    assert api.delete(f"/saved-searches/{own_search}").status_code == 404


def refused_by_the_web_form(url: str, smtp: SmtpServer) -> None:
    browser = httpx.Client(base_url=url, timeout=10)
    form = browser.get("/signin")
    for address in (
        "mallory@example.nl\r\nBcc: all@example.nl",
        "mallory@example.nl, all@example.nl",
    ):
        answer = browser.post(
            "/signin", data={"email": address, "csrf": csrf_of(form.text, "/signin")}
        )
        assert answer.status_code == 200
    browser.post(
        "/signin", data={"email": "mallory@example.nl", "csrf": csrf_of(form.text, "/signin")}
    )
    (link_mail,) = smtp.wait_for(1)
    assert link_mail["To"] == "mallory@example.nl"
    link = re.search(r"http://\S+/signin/confirm\?\S+", link_mail.get_content()).group(0)
    token = parse_qs(urlparse(link).query)["token"][0]
    confirm = browser.get("/signin/confirm", params={"token": token})
    assert "mallory@example.nl" in confirm.text
    browser.post(
        "/signin/confirm", data={"token": token, "csrf": csrf_of(confirm.text, "/signin/confirm")}
    )
    csrf = csrf_of(browser.get("/alerts").text)
    crafted = [
        {"name": "Zwolle\r\nBcc: all@example.nl", "by_email": "1"},
        {"name": "Zwolle", "webhook_url": f"{url}/hook"},
        {"name": "Zwolle", "webhook_url": "https://example.com/\x01"},
        {"name": "x" * 300, "by_email": "1"},
    ]
    for fields in crafted:
        answer = browser.post(
            "/alerts", data={"csrf": csrf, "query": "region=Overijssel", **fields}
        )
        assert answer.status_code == 400 and "Niet opgeslagen" in answer.text, (
            fields,
            answer.status_code,
        )
    assert (
        browser.post("/alerts", data={"name": "zonder token", "by_email": "1"}).status_code == 403
    )
    assert [message["To"] for message in smtp.messages] == [
        "mallory@example.nl"
    ]  # no mail to all@example.nl


def stored_before_the_rules(data_dir: Path) -> dict[str, str]:
    """Two saved searches as an older version could store them: saved valid, then the document
    changed in the file the way the old save-time checks let through."""
    repository = AlertRepository.in_data_dir(data_dir)
    try:
        repository.save(
            saved_search(
                "ss_legacy_url",
                email=None,
                webhook=("https://example.com/hook", SECRET),
                regions=("Overijssel",),
            )
        )
        repository.save(
            saved_search("ss_legacy_name", email="olga@example.nl", regions=("Overijssel",))
        )
    finally:
        repository.close()
    connection = sqlite3.connect(data_dir / "alerts.sqlite3")
    connection.execute(
        "UPDATE saved_searches SET document = json_set(document, '$.webhook.url', ?) WHERE id = ?",
        ("https://example.com/a\x01b", "ss_legacy_url"),
    )
    connection.execute(
        "UPDATE saved_searches SET document = json_set(document, '$.name', ?, '$.frequency', "
        "'daily') "
        "WHERE id = ?",
        ("Olga\nBcc: all@example.nl", "ss_legacy_name"),
    )
    connection.commit()
    connection.close()
    return {"legacy_url": "ss_legacy_url", "legacy_name": "ss_legacy_name"}


def test_hostile_users_cannot_stop_or_slow_the_honest_ones(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        FlextenderReplica() as site,
        SmtpServer() as smtp,
        WebhookReceiver(SECRET) as honest_receiver,
        Trickler(interval_s=2.0) as trickler,
    ):
        env = {
            "TENDERWATCH_NOW": SEED_TIME,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_FORMAT": "json",
            "TENDERWATCH_SMTP_HOST": "127.0.0.1",
            "TENDERWATCH_SMTP_PORT": str(smtp.port),
            "TENDERWATCH_SMTP_SECURITY": "none",
            "TENDERWATCH_WEBHOOK_TIMEOUT": str(WEBHOOK_TIMEOUT_S),
            "TENDERWATCH_ALERT_MAX_ATTEMPTS": "1",
            "TENDERWATCH_DIGEST_HOUR": "0",
            "TENDERWATCH_MAX_SAVED_SEARCHES": str(MAX_SAVED_SEARCHES),
            "TENDERWATCH_PUBLIC_URL": url,
        }
        honest = {
            "instant": saved(
                str(data_dir),
                "--name",
                "Anna Overijssel",
                "--email",
                "anna@example.nl",
                "--region",
                "Overijssel",
                env=env,
            ),
            "digest": saved(
                str(data_dir),
                "--name",
                "Dora dagelijks",
                "--email",
                "dora@example.nl",
                "--daily",
                "--region",
                "Overijssel",
                env=env,
            ),
            "webhook": saved(
                str(data_dir),
                "--name",
                "Wim webhook",
                "--webhook",
                honest_receiver.url,
                "--webhook-secret",
                SECRET,
                "--region",
                "Overijssel",
                env=env,
            ),
            # Loopback is allowed from the CLI on the embedded default: it passes the save-time
            # rules, and its receiver trickles.
            "trickler": saved(
                str(data_dir),
                "--name",
                "Traag",
                "--webhook",
                trickler.url,
                "--webhook-secret",
                SECRET,
                "--region",
                "Overijssel",
                env=env,
            ),
        }
        assert all(result.returncode == 0 for result in honest.values()), {
            k: v.stderr for k, v in honest.items()
        }
        ids = {name: result.stdout.strip().splitlines()[0] for name, result in honest.items()}
        ids |= stored_before_the_rules(data_dir)
        refused_by_the_cli(str(data_dir), env)
        token = (
            tenderwatch("user", "add", "eve", "--data-dir", str(data_dir), env=env)
            .stdout.strip()
            .splitlines()[-1]
        )

        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "serve",
                "--host",
                "0.0.0.0",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_up(url)
            refused_by_the_api(url, token, ids["instant"])
            refused_by_the_web_form(url, smtp)
        finally:
            server.terminate()
            _, served_log = server.communicate(timeout=20)
        assert "Traceback" not in served_log and '"status": 500' not in served_log

        site.listed = OVERIJSSEL
        mail_before_run = len(smtp.messages)
        run = tenderwatch(
            "run",
            "--once",
            "--base-url",
            site.url,
            "--api-url",
            site.url,
            "--data-dir",
            str(data_dir),
            env=env,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        health = tenderwatch("health", "alerts", "--data-dir", str(data_dir), env=env)
        assert health.returncode == 0, health.stdout + health.stderr

        calls = honest_receiver.wait_for(len(OVERIJSSEL))
        mails = smtp.wait_for(mail_before_run + len(OVERIJSSEL) + 2)[mail_before_run:]
    assert sorted(call.body["tender"]["external_id"] for call in calls) == OVERIJSSEL
    assert all(call.signature_valid for call in calls)
    to_anna = [message for message in mails if message["To"] == "anna@example.nl"]
    (digest,) = [message for message in mails if message["To"] == "dora@example.nl"]
    (legacy_digest,) = [message for message in mails if message["To"] == "olga@example.nl"]
    assert len(to_anna) == len(OVERIJSSEL) and digest["Subject"].startswith(
        f"{len(OVERIJSSEL)} opdrachten voor"
    )
    assert "\n" not in legacy_digest["Subject"] and legacy_digest["Bcc"] is None
    assert not any(
        "all@example.nl" in str(message["To"]) + str(message["Bcc"] or "") for message in mails
    )

    database = sqlite3.connect(data_dir / "alerts.sqlite3")
    outcome: dict[str, list[tuple[str, str, str | None, str | None]]] = {}
    for saved_search_id, created, status, delivered_at, last_error in database.execute(
        "SELECT alerts.saved_search_id, alerts.created, deliveries.status, "
        "deliveries.delivered_at, "
        "deliveries.last_error FROM deliveries JOIN alerts ON alerts.id = deliveries.alert_id "
        "WHERE deliveries.channel != 'topic'"
    ):  # the alerts topic: every alert, no user's receiver
        took = (
            (datetime.fromisoformat(delivered_at) - datetime.fromisoformat(created)).total_seconds()
            if delivered_at
            else None
        )
        outcome.setdefault(saved_search_id, []).append((status, created, took, last_error))
    database.close()
    for name in ("instant", "webhook"):
        assert len(outcome[ids[name]]) == len(OVERIJSSEL), name
        for status, _, took, _ in outcome[ids[name]]:
            assert status == "delivered" and took < WEBHOOK_TIMEOUT_S + 5, (
                name,
                status,
                took,
            )  # the trickler held nobody
    assert {status for status, *_ in outcome[ids["digest"]]} == {"delivered"}
    for name, reason in (
        ("trickler", f"no complete answer within {WEBHOOK_TIMEOUT_S:.0f} s"),
        ("legacy_url", "unsafe webhook"),
    ):
        assert [status for status, *_ in outcome[ids[name]]] == ["dead"] * len(OVERIJSSEL), name
        assert all(reason in (last_error or "") for *_, last_error in outcome[ids[name]]), (
            name,
            outcome[ids[name]],
        )
    repository = AlertRepository.in_data_dir(data_dir)
    searches = {search.id: search for search in repository.list()}
    repository.close()
    bad_names = [
        search.name
        for search in searches.values()
        if any(character in search.name for character in "\n\r\x85\x1c\u2028")
        or len(search.name) > 200
    ]
    assert bad_names == ["Olga\nBcc: all@example.nl"]  # only what was stored before the rules
    assert not any(
        search.webhook and ("127.0.0.1:" + str(port)) in search.webhook.url
        for search in searches.values()
    )
