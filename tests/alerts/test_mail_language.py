"""Every mail in its reader's language: alert mails (new, changed), the daily digest and the
sign-in mail are rendered in Dutch and in English, and no message of the other language (no
untranslated message id) appears in them; the unsubscribe pages likewise. The mail language is
the saved search's: chosen at the first sign-in from the page, changed in My alerts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from consumers.alerts import mail
from consumers.alerts.tokens import secret_key, unsubscribe_token
from crawler.sources import platforms
from schemas.saved_search import Alert, KeywordHit, Reasons, SavedSearchRef
from schemas.tender import Listing
from tenderwatch.common.i18n import LOCALES
from tenderwatch.common.settings import Settings
from tenderwatch.web.app import create_app
from tests.alerts.conftest import saved_search
from tests.web.test_accounts import PUBLIC, client_for, csrf_of, saved_searches, sign_in

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
MAIL_SOURCES = ("consumers/alerts/", "tenderwatch/web/templates/unsubscribe.html")


def _fragments(text: str) -> list[str]:
    """The literal parts of a message (between its placeholders) long enough to recognise."""
    return [part.strip() for part in re.split(r"%\(\w+\)[sd]", text) if len(part.strip()) >= 6]


def catalog_pairs() -> list[tuple[str, str]]:
    """(English, Dutch) of every message the mails and the unsubscribe page use that differs."""
    catalog = read_po((LOCALES / "nl" / "LC_MESSAGES" / "messages.po").open("rb"), locale="nl")
    pairs = []
    for message in catalog:
        if not message.id or not any(
            path.startswith(MAIL_SOURCES) for path, _ in message.locations
        ):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(english, dutch) for english, dutch in zip(ids, strings) if english != dutch]
    return pairs


def untranslated(text: str, language: str) -> list[str]:
    """Fragments of the other language's messages found in `text`."""
    words = " ".join(text.split())
    found = []
    for english, dutch in catalog_pairs():
        other = english if language == "nl" else dutch
        own = dutch if language == "nl" else english
        found += [
            fragment for fragment in _fragments(other) if fragment in words and fragment not in own
        ]
    return found


def alert(tender, search, kind: str = "new") -> Alert:
    return Alert(
        id=f"{search.id}/{tender.id}",
        saved_search=SavedSearchRef(id=search.id, name=search.name, owner=search.owner),
        kind=kind,
        event="nl.tenderwatch.tender.published",
        event_id="event-1",
        sequence=1,
        tender=tender,
        reasons=Reasons(
            keywords=[KeywordHit(keyword="adviseur", term="adviseur", found_in=["title"])],
            filters=["region is Overijssel"],
        ),
        created=NOW,
    )


def mails(language: str, seed_tenders) -> dict[str, str]:
    """Every alert mail and the sign-in mail, as text and HTML, in `language`."""
    settings = Settings(public_url=PUBLIC)
    search = saved_search(
        f"ss_{language}", regions=("Overijssel",), keyword="adviseur", language=language
    )
    tender = seed_tenders["30922"].model_copy(
        update={
            "max_hourly_rate": 95.5,
            "also_on": [Listing(source="striive", id="striive:1", url="https://striive.com/1")],
        }
    )
    kinds = {
        "new": [alert(tender, search)],
        "changed": [alert(tender, search, "changed")],
        "digest": [alert(tender, search), alert(seed_tenders["31050"], search)],
    }
    rendered = {}
    for name, alerts in kinds.items():
        message = mail.compose(settings, search, alerts, f"{PUBLIC}/unsubscribe?t=x", platforms())
        assert message["Content-Language"] == language
        rendered[f"{name} subject"] = str(message["Subject"])
        rendered[f"{name} text"] = message.get_body(("plain",)).get_content()
        rendered[f"{name} html"] = message.get_body(("html",)).get_content()
    signin = mail.compose_signin(settings, "anna@example.nl", f"{PUBLIC}/signin/x", language)
    rendered["signin subject"] = str(signin["Subject"])
    rendered["signin text"] = signin.get_content()
    return rendered


def test_the_check_finds_an_untranslated_message():
    """The check itself can fail: English text in a Dutch mail is found."""
    assert untranslated("Je krijgt: Why it matched: iets", "nl") == ["Why it matched"]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_mail_is_in_its_readers_language(language, seed_tenders):
    rendered = mails(language, seed_tenders)
    assert {part: untranslated(text, language) for part, text in rendered.items()} == {
        part: [] for part in rendered
    }
    if language == "nl":
        assert rendered["new subject"].startswith("Nieuwe opdracht: ")
        assert rendered["digest subject"] == "2 opdrachten voor \u201css_nl\u201d"
        assert (
            "€ 95,50 excl. btw" in rendered["new text"]
            and "8 jul 2026 09:00" in rendered["new text"]
        )
        assert "Ook op Striive" in rendered["new text"] and "Op Flextender" in rendered["new html"]
        assert "je filters: Overijssel" in rendered["new text"]
        assert rendered["signin subject"] == "Inloggen bij tenderwatch"
    else:
        assert rendered["changed subject"].startswith("Changed assignment: ")
        assert (
            "€95.50 excl. VAT" in rendered["new text"]
            and "8 Jul 2026 09:00" in rendered["new text"]
        )
        assert "Also on Striive" in rendered["new text"]
        assert rendered["signin subject"] == "Sign in to tenderwatch"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_unsubscribe_pages_speak_the_searchs_language(tmp_path, language):
    from consumers.alerts.repository import AlertRepository

    settings = Settings(data_dir=tmp_path, public_url=PUBLIC)
    repository = AlertRepository(settings.alerts_path)
    repository.save(saved_search("ss_off", language=language))
    repository.close()
    token = unsubscribe_token(secret_key(settings), "ss_off")
    with TestClient(create_app(settings)) as client:
        asked = client.get("/unsubscribe", params={"token": token}).text
        done = client.post("/unsubscribe", params={"token": token}).text
    for page in (asked, done):
        assert f'<html lang="{language}">' in page and 'name="viewport"' in page
        assert untranslated(re.sub(r"<[^>]+>", " ", page), language) == []


def test_the_first_sign_in_chooses_the_language_and_my_alerts_changes_it(tmp_path):
    data_dir = tmp_path / "data"
    app = create_app(Settings(data_dir=data_dir, public_url=PUBLIC))
    dutch, english = client_for(app, "10.0.0.1"), client_for(app, "10.0.0.2")
    english.get("/?lang=en")  # the switch: its cookie holds for the sign-in pages
    for client, address in ((dutch, "anna@example.nl"), (english, "bo@example.nl")):
        csrf = sign_in(client, data_dir, address)
        form = client.get("/alerts/new?q=adviseur&region=Utrecht")
        assert "adviseur · Utrecht" in form.text  # the search in words, not a URL query
        created = client.post(
            "/alerts",
            data={
                "csrf": csrf,
                "name": "Mijn zoekopdracht",
                "query": "q=adviseur",
                "by_email": "1",
                "frequency": "instant",
            },
            follow_redirects=False,
        )
        assert created.status_code == 303
    assert {search.owner: search.language for search in saved_searches(data_dir)} == {
        "anna@example.nl": "nl",
        "bo@example.nl": "en",
    }
    page = dutch.get("/alerts").text
    changed = dutch.post(
        "/alerts/language",
        data={"csrf": csrf_of(page, "/alerts/language"), "language": "en"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert {search.language for search in saved_searches(data_dir)} == {"en"}
    refused = dutch.post("/alerts/language", data={"csrf": "forged", "language": "nl"})
    assert refused.status_code in (400, 403)
    assert {search.language for search in saved_searches(data_dir)} == {"en"}


def test_the_alert_forms_refusals_are_in_the_pages_language(tmp_path):
    data_dir = tmp_path / "data"
    client = client_for(create_app(Settings(data_dir=data_dir, public_url=PUBLIC)))
    csrf = sign_in(client, data_dir, "anna@example.nl")
    for data, dutch in (
        ({"name": "n" * 201, "query": "q=adviseur"}, "Naam: 1 tot 200 tekens op één regel"),
        ({"name": "x", "query": "pay_min=99"}, "Functieschaal vanaf: een heel getal van 1"),
        (
            {"name": "x", "query": "", "webhook_url": "https://u:p@example.com/hook"},
            "Webhook-URL: een http(s)-adres zonder gebruikersnaam of wachtwoord",
        ),
    ):
        refused = client.post("/alerts", data={"csrf": csrf, "by_email": "1", **data})
        assert refused.status_code == 400 and dutch in refused.text, refused.text[-800:]
    assert saved_searches(data_dir) == []
