"""Haert: its assignment pages → `Tender`, field by field (expected values by hand, from the
captured page and the rules of `shared/sources/haert.md`), hypothesis on odd pages, and the
spider against the replica: the sitemap as the list, a page read when new, changed or not read
today, query and CMS URLs never fetched, closing under the completeness guard."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.haert.normalize import normalise
from crawler.sources.haert.pages import parse_page
from crawler.sources.haert.replica import PUBLIC_SITE, HaertReplica
from tests.sources.headfirst_crawl import Crawler

NOW = datetime(2026, 9, 17, 12, 0, tzinfo=UTC)
CRAWL_NOW = "2026-09-17T14:00:00+02:00"
PAGES = HaertReplica().pages

# path → (id, title, client, region, hours, deadline, start, end, rate, zzp, vog, status)
EXPECTED = {
    "/opdrachten/zwemonderwijzer-13184": (
        "13184",
        "Zwemonderwijzer",
        "Gemeente Voorne aan Zee",
        "Zuid-Holland",
        (18, 18),
        "2026-09-30T23:59:59+02:00",
        date(2026, 9, 17),
        date(2027, 3, 31),
        55.0,
        False,
        True,
        "open",
    ),
    "/opdrachten/hr-adviseur-39565": (
        "39565",
        "HR-adviseur",
        "GGD Hollands Noorden",
        "Noord-Holland",
        (24, 24),
        "2026-09-03T23:59:59+02:00",
        date(2026, 9, 1),
        date(2026, 12, 31),
        88.0,
        None,
        True,
        "expired",
    ),
    "/opdrachten/projectleider-energietransitie-deta-vast-58213": (
        "58213",
        "Projectleider energietransitie (deta-vast)",
        "Gemeente Gorinchem",
        "Zuid-Holland",
        (32, 40),
        "2026-09-25T23:59:59+02:00",
        date(2026, 9, 7),
        date(2026, 12, 21),
        120.0,
        True,
        False,
        "open",
    ),
    "/opdrachten/teamleider-ccuehhhck-76612": (
        "76612",
        "Teamleider Klant Contact Centrum",
        "Avres",
        "Zuid-Holland",
        (36, 36),
        "2026-09-29T23:59:59+02:00",
        date(2026, 10, 1),
        date(2027, 3, 31),
        75.0,
        False,
        True,
        "open",
    ),
}


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_every_page_maps_field_by_field(path):
    tender = normalise(parse_page(PAGES[path]), f"{PUBLIC_SITE}{path}", fetched_at=NOW, now=NOW)
    external_id, title, client, region, hours, deadline, start, end, rate, zzp, vog, status = (
        EXPECTED[path]
    )
    assert (tender.id, tender.external_id, tender.url) == (
        f"haert:{external_id}",
        external_id,
        f"{PUBLIC_SITE}{path}",
    )
    assert (tender.title, tender.client, tender.region) == (title, client, region)
    assert (tender.hours_per_week.min, tender.hours_per_week.max) == hours
    assert tender.deadline.isoformat() == deadline
    assert (tender.start.date, tender.start.precision, tender.end_date) == (start, "day", end)
    assert (tender.max_hourly_rate, tender.zzp_allowed, tender.requirements.vog, tender.status) == (
        rate,
        zzp,
        vog,
        status,
    )
    assert any(
        warning.startswith("deadline:") for warning in tender.warnings
    )  # no stated closing time
    assert tender.description and tender.content_hash


def test_the_broker_is_never_the_client_and_the_text_never_names_it():
    page = parse_page(PAGES["/opdrachten/zwemonderwijzer-13184"])
    assert page.posting["hiringOrganization"]["name"] == "Haert"
    tender = normalise(
        page, f"{PUBLIC_SITE}/opdrachten/zwemonderwijzer-13184", fetched_at=NOW, now=NOW
    )
    assert tender.client == "Gemeente Voorne aan Zee"  # the text also cites Hoeksche Waard
    assert page.client_seat == "Hellevoetsluis"


def test_only_the_hero_list_is_read_not_the_similar_assignments_cards():
    page = parse_page(PAGES["/opdrachten/teamleider-ccuehhhck-76612"])
    assert "zzp" not in page.hero and page.hero["client"] == ["Avres"]


def test_a_start_without_a_year_and_a_deadline_from_the_badge_say_so():
    path = "/opdrachten/projectleider-energietransitie-deta-vast-58213"
    tender = normalise(parse_page(PAGES[path]), f"{PUBLIC_SITE}{path}", fetched_at=NOW, now=NOW)
    assert any("year not stated" in warning for warning in tender.warnings)
    assert any("taken from the badge" in warning for warning in tender.warnings)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=400))
def test_any_page_is_a_tender_or_unrecognised(junk):
    try:
        page = parse_page(f"<html><body>{junk}</body></html>")
    except UnrecognisedPage:
        return
    normalise(page, f"{PUBLIC_SITE}/opdrachten/x-1", fetched_at=NOW, now=NOW)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["validThrough", "identifier", "baseSalary", "datePosted", "jobLocation", "description"]
        ),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.lists(st.text())),
    )
)
def test_odd_json_ld_values_never_crash_the_mapping(values):
    import json

    posting = {"@type": "JobPosting", "title": "Adviseur", **values}
    script = f'<script type="application/ld+json">{json.dumps(posting)}</script>'
    body = f"<html><head>{script}</head></html>"
    tender = normalise(
        parse_page(body), f"{PUBLIC_SITE}/opdrachten/adviseur-7", fetched_at=NOW, now=NOW
    )
    assert tender.title == "Adviseur"


@pytest.fixture
def site():
    with HaertReplica() as running:
        yield running


@pytest.fixture
def crawl(site, tmp_path):
    return Crawler("haert", "TENDERWATCH_HAERT_URL", site, tmp_path / "data")


def page_requests(site) -> list[str]:
    return [path for path in site.requests if path.startswith("/opdrachten/")]


def test_a_crawl_reads_the_sitemap_and_only_the_assignment_pages(crawl, site):
    code, tenders, stderr = crawl(CRAWL_NOW)
    assert code == 0, stderr[-2000:]
    assert sorted((tender["id"], tender["status"]) for tender in tenders) == [
        ("haert:13184", "open"),
        ("haert:39565", "expired"),  # closed, still in the sitemap
        ("haert:58213", "open"),
        ("haert:76612", "open"),
    ]
    assert sorted(page_requests(site)) == sorted(EXPECTED)  # each page once, the closed one too
    assert '"listed": 4' in stderr  # every listing the sitemap names, new ones included
    assert not any(
        path.startswith(("/kennis", "/professionals")) or path == "/opdrachten"
        for path in site.requests
    )


def test_a_page_is_read_again_only_when_changed_or_on_another_day(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    code, tenders, _ = crawl("2026-09-17T18:00:00+02:00")  # the same day, nothing changed
    # nothing read again, the closed page still in the sitemap included
    assert (code, tenders) == (0, []) and len(page_requests(site)) == len(EXPECTED)
    site.lastmods["/opdrachten/teamleider-ccuehhhck-76612"] = "2026-09-17T16:00Z"
    assert crawl("2026-09-17T19:00:00+02:00")[0] == 0
    assert site.requests_to("/opdrachten/teamleider-ccuehhhck-76612") == 2
    assert crawl("2026-09-18T09:00:00+02:00")[0] == 0  # the next day: every page once more
    assert site.requests_to("/opdrachten/zwemonderwijzer-13184") == 2


def test_a_page_saying_the_period_closed_expires_its_listing(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    path = "/opdrachten/teamleider-ccuehhhck-76612"
    site.pages[path] = site.pages[path].replace("Reageer direct", "Reactietermijn gesloten")
    code, tenders, _ = crawl("2026-09-18T09:00:00+02:00")
    assert code == 0 and [(tender["id"], tender["status"]) for tender in tenders] == [
        ("haert:76612", "expired")
    ]


def test_missing_from_two_complete_sitemaps_is_withdrawn(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    page = site.pages.pop("/opdrachten/zwemonderwijzer-13184")
    site.pages["/opdrachten/inkoper-90001"] = page.replace("13184", "90001")
    assert crawl("2026-09-17T15:00:00+02:00")[1] and True  # the new one; 13184 missing once
    code, tenders, _ = crawl("2026-09-17T16:00:00+02:00")
    assert code == 0 and [(tender["id"], tender["status"]) for tender in tenders] == [
        ("haert:13184", "withdrawn")
    ]


def test_a_sitemap_that_is_not_one_closes_nothing(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    site.sitemap_override = (200, "<html><body>Onderhoud</body></html>")
    code, tenders, stderr = crawl("2026-09-18T09:00:00+02:00")
    assert code == 3 and tenders == [] and "sitemap_unrecognised" in stderr
    site.sitemap_override = (
        200,
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
    )
    code, tenders, stderr = crawl("2026-09-19T09:00:00+02:00")
    assert code == 4 and tenders == [] and "the list is empty" in stderr
