"""Delivery with real peers: an HTTP receiver checking the signature, an aiosmtpd SMTP server,
and the alerts topic on a real broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from consumers.alerts.consumer import AlertMatcher
from consumers.alerts.delivery import Deliverer
from consumers.alerts.tokens import secret_key, verify_unsubscribe_token
from crawler.sources import platforms
from schemas.events import TenderEvent
from schemas.saved_search import AlertEvent
from tests.alerts.conftest import EVENT_TIME, handle, saved_search
from tests.alerts.peers import SmtpServer, WebhookReceiver
from tests.kafka.conftest import read_topic, wait_for

SECRET = "s3cret-webhook-key-0123"


@pytest.fixture
def smtp(kafka_alert_settings):
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_settings(kafka_alert_settings, smtp):
    return kafka_alert_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "mail_from": "tenderwatch <alerts@example.nl>",
        }
    )


def alert_for(repository, tender, *searches) -> None:
    for search in searches:
        repository.save(search)
    handle(
        AlertMatcher(repository),
        TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, EVENT_TIME),
    )


def deliver_until_settled(deliverer: Deliverer, timeout_s: float = 20.0) -> None:
    def done() -> bool:
        deliverer.deliver_due()
        return not deliverer.repository.due(float("inf"))

    assert wait_for(done, timeout_s=timeout_s, interval_s=0.05)


def test_webhook_gets_the_signed_alert_with_reasons_and_the_topic_gets_the_event(
    kafka_alert_settings, repository, seed_tenders
):
    with WebhookReceiver(SECRET) as receiver:
        alert_for(
            repository,
            seed_tenders["30922"],
            saved_search(
                "ss_hook",
                email=None,
                webhook=(receiver.url, SECRET),
                keyword="procesregisseurs",
                regions=("Overijssel",),
            ),
        )
        deliverer = Deliverer(kafka_alert_settings, repository)
        deliver_until_settled(deliverer)
        (call,) = receiver.calls
    assert call.signature_valid
    assert call.headers["x-tenderwatch-alert-id"] == "ss_hook/flextender:30922"
    body = call.body
    assert body["saved_search"] == {"id": "ss_hook", "name": "ss_hook"}
    assert (
        body["event"] == "nl.tenderwatch.tender.published"
        and body["tender"]["id"] == "flextender:30922"
    )
    assert body["reasons"]["keywords"][0]["keyword"] == "procesregisseurs"
    assert "region is Overijssel" in body["reasons"]["filters"]
    token = body["unsubscribe"].split("token=")[1]
    assert (
        verify_unsubscribe_token(secret_key(kafka_alert_settings), token.replace("%2F", "/"))
        == "ss_hook"
    )
    (record,) = read_topic(kafka_alert_settings, kafka_alert_settings.alerts_topic, 1)
    event = AlertEvent.model_validate_json(record.value)
    assert (record.key, event.type, event.subject, event.data.id) == (
        b"ss_hook",
        "nl.tenderwatch.alert.matched",
        "flextender:30922",
        "ss_hook/flextender:30922",
    )
    assert {d.status for d in repository.deliveries()} == {"delivered"}


def test_a_receiver_that_fails_twice_then_succeeds_gets_the_alert_once(
    kafka_alert_settings, repository, seed_tenders
):
    with WebhookReceiver(SECRET) as receiver:
        receiver.fail_next(2)
        alert_for(
            repository,
            seed_tenders["30922"],
            saved_search(
                "ss_flaky", email=None, webhook=(receiver.url, SECRET), regions=("Overijssel",)
            ),
        )
        deliverer = Deliverer(kafka_alert_settings, repository)
        deliver_until_settled(deliverer)
        assert receiver.attempts == 3 and len(receiver.calls) == 1
        deliverer.deliver_due()
        assert len(receiver.calls) == 1
    (webhook,) = [d for d in repository.deliveries() if d.channel == "webhook"]
    assert (webhook.status, webhook.attempts) == ("delivered", 3)


def test_a_receiver_that_never_answers_is_dead_lettered_with_the_reason(
    kafka_alert_settings, repository, seed_tenders
):
    settings = kafka_alert_settings.model_copy(update={"alert_max_attempts": 3})
    with WebhookReceiver(SECRET) as receiver:
        receiver.fail_next(10)
        alert_for(
            repository,
            seed_tenders["30922"],
            saved_search(
                "ss_down", email=None, webhook=(receiver.url, SECRET), regions=("Overijssel",)
            ),
        )
        deliver_until_settled(Deliverer(settings, repository))
        assert receiver.attempts == 3 and receiver.calls == []
    (webhook,) = [d for d in repository.deliveries() if d.channel == "webhook"]
    assert (webhook.status, webhook.attempts, webhook.last_error) == ("dead", 3, "HTTP 503")
    (dead,) = read_topic(settings, settings.dead_letter_topic, 1)
    assert dict(dead.headers)["dlq.reason"] == b"HTTP 503" and dead.key == b"ss_down"


def test_a_webhook_that_turned_private_is_refused_at_send_time(
    kafka_alert_settings, repository, seed_tenders
):
    settings = kafka_alert_settings.model_copy(update={"webhook_allow_loopback": False})
    with WebhookReceiver(SECRET) as receiver:
        alert_for(
            repository,
            seed_tenders["30922"],
            saved_search(
                "ss_loop", email=None, webhook=(receiver.url, SECRET), regions=("Overijssel",)
            ),
        )
        deliver_until_settled(Deliverer(settings, repository))
        assert receiver.attempts == 0
    (webhook,) = [d for d in repository.deliveries() if d.channel == "webhook"]
    assert webhook.status == "dead" and "loopback" in webhook.last_error


def test_mail_has_both_parts_the_facts_the_reasons_and_list_unsubscribe(
    mail_settings, smtp, repository, seed_tenders
):
    hostile = seed_tenders["30922"].model_copy(
        update={"title": "Adviseur <script>alert(1)</script> & co"}
    )
    alert_for(
        repository,
        hostile,
        saved_search(
            "ss_mail",
            email="anna@example.nl",
            keyword="adviseur",
            regions=("Overijssel",),
            pay_scale_min=10,
            language="en",
        ),
    )
    deliver_until_settled(Deliverer(mail_settings, repository))
    (message,) = smtp.wait_for(1)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "New assignment: Adviseur <script>alert(1)</script> & co"
    assert message["Content-Language"] == "en"
    assert message["To"] == "anna@example.nl" and smtp.inbox.envelopes[0][1] == ["anna@example.nl"]
    assert message["List-Unsubscribe"].startswith(
        "<https://tenderwatch.example.nl/unsubscribe?token=ss_mail."
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = parsedate_to_datetime(
        message["Date"]
    )  # RFC 5322 requires it; some servers reject mail without
    assert sent.tzinfo is not None and abs((datetime.now(UTC) - sent).total_seconds()) < 120
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    tender = seed_tenders["30922"]
    for part in (text, html):
        assert tender.url in part and "Overijssel" in part and tender.pay_scale.label in part
        assert "8 Jul 2026 09:00" in part  # the deadline, Amsterdam time
    assert "the word “adviseur” in the title" in text
    assert "your filters: Overijssel · Pay scale from: 10" in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_the_mail_names_every_platform_the_assignment_is_on(
    mail_settings, smtp, repository, seed_tenders
):
    from schemas.tender import Listing

    copy = Listing(
        source="opdrachtoverheid",
        id="opdrachtoverheid:flextender_30922",
        url="https://www.opdrachtoverheid.nl/inhuuropdracht/x/y/<b>&key",
    )
    listed_twice = seed_tenders["30922"].model_copy(
        update={"assignment_id": "flextender:30922", "also_on": [copy]}
    )
    alert_for(
        repository,
        listed_twice,
        saved_search("ss_twice", email="anna@example.nl", regions=("Overijssel",)),
    )
    deliver_until_settled(Deliverer(mail_settings, repository, platforms=platforms()))
    (message,) = smtp.wait_for(1)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Ook op Opdrachtoverheid: {copy.url}" in " ".join(text.split())  # Dutch by default
    assert f"Op Flextender: {seed_tenders['30922'].url}" in text
    assert '<a href="https://www.opdrachtoverheid.nl/inhuuropdracht/x/y/&lt;b&gt;&amp;key">' in html
    assert seed_tenders["30922"].url in text  # the listing itself too


def test_daily_searches_get_one_digest_a_day(mail_settings, smtp, repository, seed_tenders):
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    repository.save(
        saved_search(
            "ss_daily", email="anna@example.nl", regions=("Overijssel",), frequency="daily"
        )
    )
    matcher = AlertMatcher(repository)
    for number in ("30922", "31050", "28671"):
        handle(
            matcher,
            TenderEvent.build(
                "nl.tenderwatch.tender.published", seed_tenders[number], 1, EVENT_TIME
            ),
        )
    tomorrow = datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=1)
    clock = {
        "now": datetime.combine(
            tomorrow, time(7, 30), tzinfo=ZoneInfo("Europe/Amsterdam")
        ).timestamp()
    }
    deliverer = Deliverer(mail_settings, repository, clock=lambda: clock["now"])
    deliver_until_settled(deliverer)  # the topic goes out at once; the mail waits for 08:00
    assert deliverer.send_digests() == 0 and smtp.messages == []
    clock["now"] += 3600
    assert deliverer.send_digests() == 1
    assert deliverer.send_digests() == 0  # once a day
    (digest,) = smtp.wait_for(1)
    assert digest["Subject"] == "3 opdrachten voor \u201css_daily\u201d"  # Dutch by default
    assert all(
        seed_tenders[number].url in digest.get_body(("plain",)).get_content()
        for number in ("30922", "31050", "28671")
    )
    assert {(d.channel, d.status) for d in repository.deliveries()} == {
        ("email", "delivered"),
        ("topic", "delivered"),
    }


def test_a_removed_search_gets_nothing_more(mail_settings, smtp, repository, seed_tenders):
    alert_for(repository, seed_tenders["30922"], saved_search("ss_gone", regions=("Overijssel",)))
    repository.remove("ss_gone")
    deliver_until_settled(Deliverer(mail_settings, repository))
    assert smtp.messages == []
    assert {(d.channel, d.status) for d in repository.deliveries()} == {
        ("email", "cancelled"),
        ("topic", "cancelled"),
    }


def test_without_an_smtp_server_mail_is_written_to_the_data_directory(
    kafka_alert_settings, repository, seed_tenders
):
    alert_for(repository, seed_tenders["30922"], saved_search("ss_file", regions=("Overijssel",)))
    deliver_until_settled(Deliverer(kafka_alert_settings, repository))
    (mail_file,) = (kafka_alert_settings.data_dir / "mail").iterdir()
    assert b"Subject: Nieuwe opdracht:" in mail_file.read_bytes()
    assert json.loads(json.dumps(repository.stats())) == {
        "email_delivered": 1,
        "topic_delivered": 1,
    }


def test_a_name_with_line_breaks_gives_a_one_line_digest_subject(
    mail_settings, smtp, repository, seed_tenders
):
    """A name holding CR/LF, U+2028 or the FS separator once made the mail package refuse the
    Subject, and the exception stopped the deliverer for every user."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    repository.save(
        saved_search(
            "ss_breaks",
            name="Zwolle\r\nBcc: all@example.nl\u2028x\x1cy",
            regions=("Overijssel",),
            frequency="daily",
        )
    )
    matcher = AlertMatcher(repository)
    for number in ("30922", "31050"):
        handle(
            matcher,
            TenderEvent.build(
                "nl.tenderwatch.tender.published", seed_tenders[number], 1, EVENT_TIME
            ),
        )
    tomorrow = datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=1)
    moment = datetime.combine(tomorrow, time(9), tzinfo=ZoneInfo("Europe/Amsterdam")).timestamp()
    deliverer = Deliverer(mail_settings, repository, clock=lambda: moment)
    deliver_until_settled(deliverer)
    assert deliverer.send_digests() == 1
    (digest,) = smtp.wait_for(1)
    assert digest["Subject"] == "2 opdrachten voor \u201cZwolle Bcc: all@example.nl x y\u201d"
    assert digest["Bcc"] is None


def test_an_alert_that_cannot_be_sent_is_dead_with_its_reason_and_the_others_still_go(
    kafka_alert_settings, repository, seed_tenders
):
    """A webhook URL httpx refuses at delivery (a control character) once raised out of the
    deliverer; now that alert is dead with the reason, and the next user's alert goes out."""
    with WebhookReceiver(SECRET) as receiver:
        alert_for(
            repository,
            seed_tenders["30922"],
            saved_search(
                "ss_bad_url",
                email=None,
                webhook=(receiver.url + "/a\x01b", SECRET),
                regions=("Overijssel",),
            ),
            saved_search(
                "ss_good", email=None, webhook=(receiver.url, SECRET), regions=("Overijssel",)
            ),
        )
        deliverer = Deliverer(kafka_alert_settings, repository)
        deliver_until_settled(deliverer)
        (call,) = receiver.calls
    assert call.headers["x-tenderwatch-alert-id"] == "ss_good/flextender:30922"
    by_alert = {
        (delivery.alert_id, delivery.channel): delivery for delivery in repository.deliveries()
    }
    bad = by_alert[("ss_bad_url/flextender:30922", "webhook")]
    assert bad.status == "dead" and "control characters" in bad.last_error


def test_an_unexpected_failure_of_one_alert_is_retried_with_its_reason_and_the_others_still_go(
    mail_settings, smtp, repository, seed_tenders, monkeypatch
):
    """Mock: an exception nobody foresaw while composing one mail (a library bug) cannot be
    produced on demand; composing the first search's mail raises, the second's goes out."""
    from consumers.alerts import mail

    compose = mail.compose

    def flaky(settings, saved_search, alerts, unsubscribe, platforms=None):
        if saved_search.id == "ss_unlucky":
            raise RuntimeError("a fault nobody foresaw")
        return compose(settings, saved_search, alerts, unsubscribe, platforms)

    monkeypatch.setattr(mail, "compose", flaky)
    alert_for(
        repository,
        seed_tenders["30922"],
        saved_search("ss_unlucky", regions=("Overijssel",)),
        saved_search("ss_lucky", regions=("Overijssel",)),
    )
    deliverer = Deliverer(mail_settings, repository)
    deliverer.deliver_due()
    assert len(smtp.wait_for(1)) == 1
    by_alert = {(d.alert_id, d.channel): d for d in repository.deliveries()}
    assert by_alert[("ss_lucky/flextender:30922", "email")].status == "delivered"
    unlucky = by_alert[("ss_unlucky/flextender:30922", "email")]
    assert unlucky.status == "pending" and unlucky.attempts == 1
    assert (
        unlucky.last_error == "could not be composed or sent: RuntimeError: a fault nobody foresaw"
    )
