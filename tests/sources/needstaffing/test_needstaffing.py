"""Need Staffing: its cards and detail pages → `Tender`, field by field (expected values by
hand, from the captured pages and the rules of `shared/sources/needstaffing.md`), hypothesis on
odd pages, and the spider against the replica: paging by id, the header's total as the
completeness check, details only for new or changed cards, closing by deadline and absence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.needstaffing.normalize import normalise
from crawler.sources.needstaffing.pages import detail_page, list_page
from crawler.sources.needstaffing.replica import NeedStaffingReplica, bundled
from tests.sources.headfirst_crawl import Crawler

NOW = datetime(2026, 9, 10, 12, 0, tzinfo=UTC)
CRAWL_NOW = "2026-09-01T12:00:00+02:00"  # every replica listing is open then
CARDS, DETAILS = bundled()

# id → (client, reference, region, hours, deadline, start, duration, rate, zzp, end, hybrid)
EXPECTED = {
    "15574": (
        "Belastingdienst",
        "2026-GV-0465",
        "Gelderland",
        (36, 36),
        "2026-09-18T16:00:00+02:00",
        date(2026, 10, 10),
        3,
        90.0,
        False,
        None,
        None,
    ),
    "15601": (
        "Ministerie van Defensie",
        "23746454",
        "Utrecht",
        (32, 32),
        "2026-09-18T15:00:00+02:00",
        date(2026, 10, 30),
        12,
        95.0,
        None,
        date(2027, 10, 31),
        None,
    ),
    "15582": (
        "Belastingdienst",
        None,
        "Gelderland",
        (36, 36),
        "2026-09-21T16:00:00+02:00",
        date(2026, 9, 25),
        4,
        126.0,
        False,
        None,
        True,
    ),
    "15581": (
        "Belastingdienst",
        "2026-IV&D-0471",
        "Gelderland",
        (32, 36),
        "2026-09-21T13:00:00+02:00",
        date(2026, 9, 29),
        2,
        114.0,
        False,
        None,
        None,
    ),
    "15570": (
        "Rijksdienst voor Ondernemend Nederland (RVO)",
        "202609A077",
        "Zuid-Holland",
        (36, 36),
        "2026-09-15T16:00:00+02:00",
        date(2026, 9, 30),
        3,
        93.0,
        False,
        None,
        True,
    ),
    "15520": (
        "Belastingdienst",
        "2026-BZB-0457",
        "Zuid-Holland",
        (36, 36),
        "2026-09-07T13:00:00+02:00",
        date(2026, 9, 26),
        4,
        102.0,
        False,
        None,
        None,
    ),
    "15605": (
        "Ministerie van Defensie",
        "24835384",
        None,
        (32, 32),
        "2026-09-23T22:00:00+02:00",
        date(2026, 10, 28),
        12,
        82.0,
        None,
        None,
        True,
    ),
    "15604": (
        "Belastingdienst",
        "2026-BZB-0474",
        "Zuid-Holland",
        (36, 36),
        "2026-09-24T16:00:00+02:00",
        date(2026, 9, 28),
        3,
        100.0,
        None,
        None,
        None,
    ),
}


def card(number: str):
    (found,) = [card for card in list_page(f"<html><body>{CARDS[number]}</body></html>").cards]
    return found


def tender_of(number: str):
    detail = detail_page(DETAILS[number]) if number in DETAILS else None
    return normalise(card(number), detail, fetched_at=NOW, now=NOW)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_every_card_and_detail_map_field_by_field(number):
    tender = tender_of(number)
    client, reference, region, hours, deadline, start, months, rate, zzp, end, hybrid = EXPECTED[
        number
    ]
    assert (tender.id, tender.url) == (
        f"needstaffing:{number}",
        f"https://www.needstaffing.nl/Opdrachten/{number}",
    )
    assert (tender.client, tender.client_reference, tender.region) == (client, reference, region)
    assert (tender.hours_per_week.min, tender.hours_per_week.max) == hours
    assert tender.deadline.isoformat() == deadline
    assert (tender.start.date, tender.duration_months, tender.max_hourly_rate) == (
        start,
        months,
        rate,
    )
    assert (tender.zzp_allowed, tender.end_date, tender.hybrid) == (zzp, end, hybrid)
    assert tender.title == card(number).title


def test_the_epoch_not_the_visible_text_decides_the_dates():
    """15574's card is an en-US capture ("9/18/2026 2:00 PM"); its detail text says 16:00."""
    shown = card("15574").items["Deadline voor reageren"].text
    assert "PM" in shown and tender_of("15574").deadline.hour == 16
    assert "Deadline: vrijdag 18 september 2026 16:00 uur" in tender_of("15574").description


def test_the_detail_gives_text_criteria_and_education():
    tender = tender_of("15570")
    assert tender.education_level == "HBO" and len(tender.knockout_criteria) == 3
    assert len(tender.competencies) == 6 and "Werklocatie" in tender.sections
    assert tender_of("15574").knockout_criteria  # "KO-eisen (aantoonbaar op CV!):"


def test_a_card_without_a_detail_is_mapped_from_the_card_alone():
    tender = normalise(card("15604"), None, fetched_at=NOW, now=NOW)
    assert (
        tender.description == "" and tender.zzp_allowed is None and tender.max_hourly_rate == 100.0
    )


def test_an_open_ended_hours_figure_and_a_rate_band_say_so():
    warnings = tender_of("15601").warnings
    assert any("open-ended" in warning for warning in warnings)
    assert any("a band" in warning for warning in warnings)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300), st.text(max_size=20), st.text(max_size=20))
def test_odd_cards_map_or_are_not_recognised(title, hours, rate):
    html = (
        '<html><body><p class="subtitle">1 opdrachten</p><a '
        f'href="/Opdrachten/1"><h2>{title}x</h2>'
        '<div class="vacancies-overview-item-information-item"><img alt="Verwacht aantal uren '
        'per week">'
        f'<p>{hours}</p></div><div class="vacancies-overview-item-information-item">'
        f'<img alt="Verwachte compensatie"><p>{rate}</p></div></a></body></html>'
    )
    try:
        page = list_page(html)
    except UnrecognisedPage:
        return
    for found in page.cards:
        normalise(found, None, fetched_at=NOW, now=NOW)


def test_a_page_without_a_total_or_a_card_is_not_recognised():
    with pytest.raises(UnrecognisedPage):
        list_page("<html><body><h1>Onderhoud</h1></body></html>")


@pytest.fixture
def site():
    with NeedStaffingReplica() as running:
        yield running


@pytest.fixture
def crawl(site, tmp_path):
    return Crawler("needstaffing", "TENDERWATCH_NEEDSTAFFING_URL", site, tmp_path / "data")


def test_a_crawl_pages_by_id_and_fetches_each_detail_once(crawl, site):
    site.page_size = 3
    code, tenders, stderr = crawl(CRAWL_NOW)
    assert code == 0, stderr[-2000:]
    assert sorted(tender["id"] for tender in tenders) == sorted(
        f"needstaffing:{number}" for number in site.listed
    )
    assert site.requests_to("/Opdrachten?") == 3 and site.requests_to("/Opdrachten/") == len(
        site.listed
    )
    code, tenders, _ = crawl(CRAWL_NOW)
    # nothing changed: only the details that failed (no captured page) are asked again
    assert (code, tenders) == (0, []) and site.requests_to("/Opdrachten/") == len(site.listed) + 1


def test_a_list_short_of_its_total_closes_nothing(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    site.listed.remove("15581")
    site.total_override = 43
    code, tenders, stderr = crawl(CRAWL_NOW)
    assert code == 4 and tenders == [] and "the header says 43" in stderr


def test_missing_from_two_complete_lists_is_withdrawn_and_the_deadline_expires(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    site.listed.remove("15581")
    assert crawl(CRAWL_NOW)[1] == []
    code, tenders, _ = crawl(CRAWL_NOW)
    assert code == 0 and [(tender["id"], tender["status"]) for tender in tenders] == [
        ("needstaffing:15581", "withdrawn")
    ]
    code, tenders, _ = crawl(
        "2026-09-08T09:00:00+02:00"
    )  # 15520 closed the day before, still listed
    assert ("needstaffing:15520", "expired") in [
        (tender["id"], tender["status"]) for tender in tenders
    ]


def test_a_failing_later_page_keeps_the_first_page_s_listings_but_closes_nothing(crawl, site):
    site.page_size = 3
    assert crawl(CRAWL_NOW)[0] == 0
    site.failing_paths.add("/Opdrachten?PageNumber=2&SortOrder=NewestFirst")
    code, tenders, stderr = crawl(CRAWL_NOW)
    assert code == 4 and tenders == [] and "list page 2 failed" in stderr


def test_a_later_page_that_is_not_there_keeps_the_listings_already_read(crawl, site):
    """A capture of page 1 alone, still linking page 2: its cards are crawled, nothing closed."""
    site.page_size, site.last_page = 3, 1
    code, tenders, stderr = crawl(CRAWL_NOW)
    assert code == 4 and "list page 2 was not recognised" in stderr
    assert sorted(tender["id"] for tender in tenders) == sorted(
        f"needstaffing:{number}" for number in site.listed[:3]
    )
