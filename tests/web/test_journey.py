"""A freelancer's whole journey in a real browser (Debian's chromium through Playwright):
ask for a sign-in link, read it from the real SMTP server (aiosmtpd), sign in, save the search
on screen as an alert, see the alert of a new listing in the mail and under "Mijn alerts",
pause it (the next new listing alerts nobody), change it, subscribe to its calendar feed,
delete it and sign out. Crawls are real `tenderwatch run --once` runs against a replica."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys

import httpx
import pytest
from icalendar import Calendar

from consumers.broker import free_port
from crawler.sources.flextender.replica import FlextenderReplica
from crawler.sources.flextender.replica.server import open_copy, title_word
from tests.alerts.peers import SmtpServer
from tests.web.test_browser import CHROMIUM, DOCS, pytestmark, wait_until_up  # noqa: F401  (same set-up)


def mail_text(message) -> str:
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    body = parsed.get_body(("plain",))
    return f"Subject: {parsed['Subject']}\nTo: {parsed['To']}\n{body.get_content() if body else ''}"


@pytest.fixture
def journey(tmp_path):
    data_dir = tmp_path / "data"
    with SmtpServer() as smtp, FlextenderReplica(pages={"70001": open_copy(70001)}) as site:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "TENDERWATCH_DATA_DIR": str(data_dir),
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_FLEXTENDER_BASE_URL": site.url,
            "TENDERWATCH_FLEXTENDER_API_URL": site.url,
            "TENDERWATCH_SMTP_HOST": "127.0.0.1",
            "TENDERWATCH_SMTP_PORT": str(smtp.port),
            "TENDERWATCH_SMTP_SECURITY": "none",
            "TENDERWATCH_PUBLIC_URL": url,
        }
        env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)

        def crawl() -> None:
            result = subprocess.run(
                [sys.executable, "-m", "tenderwatch.cli", "run", "--once"],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert result.returncode == 0, result.stderr[-3000:]

        crawl()
        server = subprocess.Popen(
            [sys.executable, "-m", "tenderwatch.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(url)
            yield url, smtp, site, crawl
        finally:
            server.terminate()
            server.wait(timeout=20)


def test_sign_in_save_a_search_get_alerted_pause_change_subscribe_delete_sign_out(browser, journey):
    url, smtp, site, crawl = journey
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url + "/?q=procesregisseur")
    page.get_by_role("link", name="Stuur me alerts over nieuwe opdrachten zoals deze").click()
    assert "/signin" in page.url  # not signed in yet: first the sign-in page
    page.get_by_label("E-mailadres").fill("anna@example.nl")
    page.get_by_role("button", name="Stuur me een inloglink").click()
    assert "inloglink onderweg" in page.get_by_role("status").inner_text()
    (link_mail,) = [mail_text(message) for message in smtp.wait_for(1)]
    link = re.search(rf"{re.escape(url)}/signin/confirm\?\S+", link_mail).group(0)
    page.goto(link)
    page.get_by_role("button", name="Inloggen bij tenderwatch").click()
    assert page.url.startswith(url + "/alerts/new?") and "q=procesregisseur" in page.url

    page.get_by_label("Naam").fill("Procesregie")
    page.get_by_role("button", name="Opslaan").click()
    assert page.url == url + "/alerts"
    assert "Procesregie" in page.locator("section.alert h2").inner_text()

    site.pages["70002"] = open_copy(70002)
    site.listed = [*site.listed, "70002"]
    crawl()
    alerts = [mail_text(message) for message in smtp.wait_for(2)][1:]
    assert len(alerts) == 1 and f"IJsselland {title_word(70002)}" in alerts[0]
    assert f"{url}/tenders/flextender:70002" in alerts[0] and f"{url}/alerts" in alerts[0]
    page.reload()
    assert f"IJsselland {title_word(70002)}" in page.locator("ul.matches").inner_text()
    page.screenshot(path=str(DOCS / "my-alerts.png"), full_page=True)

    page.get_by_role("button", name="Pauzeren").click()
    assert "(gepauzeerd)" in page.locator("section.alert h2").inner_text()
    site.pages["70003"] = open_copy(70003)
    site.listed = [*site.listed, "70003"]
    crawl()
    assert len(smtp.messages) == 2  # paused: nothing for the third listing
    page.get_by_role("button", name="Hervatten").click()

    page.get_by_role("link", name="Wijzigen").click()
    page.get_by_label("Naam").fill("Procesregie Overijssel")
    page.get_by_label("Meld ook wanneer een opdracht verandert").check()
    page.get_by_role("button", name="Opslaan").click()
    assert "Procesregie Overijssel" in page.locator("section.alert h2").inner_text()
    assert "ook wijzigingen" in page.locator("section.alert").inner_text()

    page.get_by_role("button", name="Agendalink").click()
    feed_url = page.locator("code.feed").inner_text()
    feed = httpx.get(feed_url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(event["summary"]) for event in events] == [
        f"Deadline: Procesregisseur Zorg- & Veiligheidshuis IJsselland {title_word(70002)}"
    ]
    assert events[0].decoded("dtstart").year == 2027
    page.get_by_role("button", name="Agendalink stoppen").click()
    assert httpx.get(feed_url).status_code == 404  # revoked

    page.get_by_role("button", name="Verwijderen").click()
    assert page.locator("section.alert").count() == 0
    page.get_by_role("button", name="Afmelden").click()
    assert page.get_by_role("link", name="Inloggen").is_visible()
    assert page.goto(url + "/alerts").url.startswith(url + "/signin")
    context.close()
