"""The web pages without a browser: the language rules, the catalogs, the filter from the
query, highlighting, the calendar file, the headers, bad input and an empty data directory."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from icalendar import Calendar
from starlette.datastructures import QueryParams

from crawler.sources import platforms
from schemas.search import SearchFilter
from schemas.search_query import FilterProblem, filter_of, page_query
from tenderwatch.common.settings import Settings
from tenderwatch.web.app import create_app
from tenderwatch.web.calendar import deadline_calendar
from tenderwatch.web.i18n import LOCALES, best_accepted, language_of
from tenderwatch.web.search_pages import highlighted


@pytest.mark.parametrize(
    "header, language",
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.5", "en"),
        ("fr-FR", "nl"),
        ("", "nl"),
        ("en;q=0, nl;q=0.1", "nl"),
        ("*", "nl"),
        ("x;q=abc,en", "en"),
    ],
)
def test_the_language_follows_accept_language_and_dutch_is_the_default(header, language):
    assert best_accepted(header) == language


def test_the_switch_and_its_cookie_win_over_the_browser():
    assert language_of("en", "nl", "nl-NL") == "en"
    assert language_of(None, "en", "nl-NL") == "en"
    assert language_of("xx", None, "en-US") == "en"
    assert language_of("xx", "en", "nl-NL", default="nl") == "en"  # a valid cookie wins
    assert language_of(None, None, "nl-NL", default="en") == "en"  # over the browser's


def test_every_message_of_the_pages_has_a_dutch_translation():
    template = read_po((LOCALES / "messages.pot").open("rb"))
    dutch = read_po((LOCALES / "nl" / "LC_MESSAGES" / "messages.po").open("rb"), locale="nl")
    ids = {message.id for message in template if message.id}
    assert ids == {message.id for message in dutch if message.id}, (
        "run pybabel extract and update the catalogs"
    )
    untranslated = [
        message.id
        for message in dutch
        if message.id
        and not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert untranslated == []


def test_the_query_becomes_the_one_search_filter():
    query = QueryParams(
        "q=projectleider&region=Utrecht&region=Overijssel&pay_min=9&closing=7&source=striive"
        "&das=yes&zzp=no&education=HBO&status=all"
    )
    search = filter_of(query, date(2026, 3, 1), known_sources=platforms())
    assert (search.keyword, search.regions, search.pay_scale_min, search.sources) == (
        "projectleider",
        ("Utrecht", "Overijssel"),
        9,
        ("striive",),
    )
    assert (search.deadline_after, search.deadline_before) == (date(2026, 3, 1), date(2026, 3, 8))
    assert (search.das, search.zzp_allowed, search.education_level, search.status) == (
        True,
        False,
        "HBO",
        "all",
    )


def test_a_filter_and_its_page_query_go_back_and_forth():
    search = SearchFilter(
        keyword="projectleider",
        regions=("Utrecht", "Overijssel"),
        pay_scale_min=9,
        hours_max=32,
        deadline_after=date(2026, 3, 1),
        sources=("striive",),
        education_level="HBO",
        das=True,
        zzp_allowed=False,
        status="all",
    )
    assert filter_of(QueryParams(page_query(search)), date(2026, 3, 1)) == search
    assert page_query(SearchFilter()) == ""


@pytest.mark.parametrize(
    "query, field",
    [
        ("pay_min=zeventien", "pay_min"),
        ("hours_max=-3", "hours_max"),
        ("deadline_after=31-12-2026", "deadline_after"),
        ("region=Atlantis", "region"),
        ("source=monsterboard", "source"),
        ("das=misschien", "das"),
        ("pay_min=12&pay_max=9", "pay_min"),
        ("deadline_after=2026-05-01&deadline_before=2026-04-01", "deadline_after"),
        ("q=de het een", "q"),
        ("education=PhD", "education"),
        ("status=gone", "status"),
    ],
)
def test_a_bad_value_names_its_field(query, field):
    with pytest.raises(FilterProblem) as problem:
        filter_of(QueryParams(query), date(2026, 3, 1), known_sources=platforms())
    assert problem.value.field == field


def test_highlighting_marks_the_words_the_keyword_found():
    parts = highlighted("Procesregisseurs & <b>Jeugd</b>", "procesregisseur jeugd")
    assert [(part.text, part.marked) for part in parts if part.marked] == [
        ("Procesregisseurs", True),
        ("Jeugd", True),
    ]
    assert "".join(part.text for part in parts) == "Procesregisseurs & <b>Jeugd</b>"


def test_the_deadline_file_is_rfc_5545_in_utc(seed_tenders):
    tender = seed_tenders["30922"]
    calendar = Calendar.from_ical(deadline_calendar(tender, datetime(2026, 3, 1, tzinfo=UTC)))
    [event] = calendar.walk("VEVENT")
    assert (
        event.decoded("dtstart") == tender.deadline
        and event.decoded("dtstart").utcoffset().total_seconds() == 0
    )
    assert str(event["uid"]) == "deadline-flextender:30922@tenderwatch" and calendar.walk("VALARM")


def test_an_empty_data_directory_says_so_and_bad_input_is_a_page(tmp_path):
    client = TestClient(create_app(Settings(data_dir=tmp_path / "nothing")))
    page = client.get("/", headers={"accept-language": "en"})
    assert page.status_code == 200 and "Nothing has been collected yet" in page.text
    assert page.headers["content-security-policy"].startswith(
        "default-src 'self'; script-src 'self'"
    )
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert (
        page.headers["x-content-type-options"] == "nosniff"
        and page.headers["referrer-policy"] == "same-origin"
    )
    bad = client.get("/?hours_min=veel&lang=nl")
    assert bad.status_code == 400 and "hours_min" in bad.text and "<form" in bad.text
    assert bad.cookies.get("lang") == "nl"
    assert client.get("/tenders/flextender:1").status_code == 404
    assert (
        "content-security-policy" not in client.get("/docs").headers
    )  # Swagger UI keeps its inline script
    assert not (tmp_path / "nothing" / "search.sqlite3").exists()  # looking creates nothing


def test_pages_rendered_at_once_on_many_threads_each_come_out_in_their_own_language(tmp_path):
    """Requests run on a thread pool: each page is in the language it asked for, also when Dutch
    and English pages are rendered at the same moment (one template environment per language)."""
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from tenderwatch.common.settings import Settings
    from tenderwatch.web.app import create_app

    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:

        def heading(language: str) -> tuple[str, bool]:
            page = client.get(f"/signin?lang={language}").text
            return language, ("<h1>Inloggen</h1>" in page) == (language == "nl") and (
                "<h1>Sign in</h1>" in page
            ) == (language == "en")

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(heading, ["nl", "en"] * 100))
    assert [language for language, right in results if not right] == []


@pytest.mark.parametrize(
    "query, dutch, english",
    [
        (
            "pay_min=12&pay_max=9",
            "Functieschaal vanaf: hoogstens de waarde van “Functieschaal tot en met”",
            "Pay scale from: at most the value of “Pay scale to”",
        ),
        (
            "hours_min=veel",
            "Uren per week vanaf: een heel getal van 0 tot en met 168",
            "Hours per week from: a whole number from 0 to 168",
        ),
        ("das=misschien", "ja of nee", "yes or no"),
        ("deadline_after=31-12-2026", "een datum zoals 2026-12-31", "a date such as 2026-12-31"),
        ("region=Atlantis", "een Nederlandse provincie", "a Dutch province"),
        ("q=de het een", "niet alleen gewone woorden", "not only common words"),
        ("page=0", "Pagina: een heel getal van 1", "Page: a whole number from 1"),
    ],
)
def test_a_bad_value_is_said_in_the_pages_language(tmp_path, query, dutch, english):
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        in_dutch = html.unescape(client.get(f"/?{query}&lang=nl").text)
        in_english = html.unescape(client.get(f"/?{query}&lang=en").text)
    assert dutch in in_dutch and english not in in_dutch
    assert english in in_english and dutch not in in_english
    assert "is above the highest" not in in_dutch  # pydantic's English words stay out
