"""BlueTrail: its listing pages → `Tender`, field by field (expected values by hand, from the
captured pages and the rules of `shared/sources/bluetrail.md`), hypothesis on odd pages, and
the spider against the replica: the job sitemap as the list, its query URLs never fetched,
pages read when new, changed or not read today, closing under the completeness guard."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.bluetrail.normalize import normalise
from crawler.sources.bluetrail.pages import parse_page
from crawler.sources.bluetrail.replica import PUBLIC_SITE, BlueTrailReplica
from tests.sources.headfirst_crawl import Crawler

NOW = datetime(2026, 9, 16, 12, 0, tzinfo=UTC)
CRAWL_NOW = "2026-09-16T14:00:00+02:00"
PAGES = BlueTrailReplica().pages
# The capturer's trimmed page of the IBD listing (shared/sources/samples/bluetrail/): no time row.
TRIMMED_CAPTURE = Path(__file__).parent / "detail-adviseur-privacy-ibd-2026-09-15.html"

# path → (id, title, client, region, hours, deadline, start, end, zzp, status, reference)
EXPECTED = {
    "/opdrachten/Interim/architect-ict-en-informatielandschap/": (
        "a0jMI00000QAkfKYAT",
        "Architect ICT- en Informatielandschap",
        "Gemeente Stichtse Vecht",
        "Utrecht",
        (24, 24),
        "2026-09-17T18:00:00+02:00",
        date(2026, 10, 5),
        date(2027, 10, 5),
        None,
        "open",
        "2026-08469",
    ),
    "/opdrachten/Interim/adviseur-privacy-ibd/": (
        "a0jMI00000QCHfdYAH",
        "Adviseur Privacy IBD",
        "VNG Realisatie",
        "Zuid-Holland",
        (32, 32),
        "2026-03-31T15:00:00+02:00",
        date(2026, 9, 21),
        date(2026, 12, 31),
        None,
        "expired",
        "2026-08525",
    ),
    "/opdrachten/Interim/ciam-tester/": (
        "a0jMI00000Q9xTeYAJ",
        "CIAM Tester",
        "Circle8",
        "Overijssel",
        (36, 36),
        "2026-09-28T23:59:59+02:00",
        date(2026, 10, 1),
        date(2027, 3, 31),
        None,
        "open",
        "2026-08102",
    ),
    "/opdrachten/Interim/systeembeheerder/": (
        "a0jMI00000Q7pLmYAF",
        "Systeembeheerder Linux",
        "Ministerie van Defensie",
        "Noord-Holland",
        (32, 36),
        "2026-09-30T10:00:00+02:00",
        date(2026, 10, 5),
        date(2027, 10, 4),
        False,
        "open",
        "2026-07988",
    ),
}


def tender_of(path: str):
    return normalise(parse_page(PAGES[path]), f"{PUBLIC_SITE}{path}", fetched_at=NOW, now=NOW)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_every_page_maps_field_by_field(path):
    tender = tender_of(path)
    external_id, title, client, region, hours, deadline, start, end, zzp, status, reference = (
        EXPECTED[path]
    )
    assert (tender.id, tender.url) == (f"bluetrail:{external_id}", f"{PUBLIC_SITE}{path}")
    assert (tender.title, tender.client, tender.region) == (title, client, region)
    assert (tender.hours_per_week.min, tender.hours_per_week.max) == hours
    assert tender.deadline.isoformat() == deadline
    assert (tender.start.date, tender.end_date) == (start, end)
    assert (tender.zzp_allowed, tender.status) == (zzp, status)
    assert tender.max_hourly_rate is None  # baseSalary's "100" is a placeholder
    assert tender.listing_refs == [f"bluetrail:ref:{reference}"] and tender.client_reference is None
    assert tender.knockout_criteria and tender.description


def test_the_deadline_is_the_table_s_not_valid_through():
    tender = tender_of("/opdrachten/Interim/architect-ict-en-informatielandschap/")
    assert tender.deadline.date() == date(
        2026, 9, 17
    )  # validThrough says 16 Oct: capture + 30 days


def test_a_broker_front_without_an_end_client_and_a_missing_time_say_so():
    warnings = tender_of("/opdrachten/Interim/ciam-tester/").warnings
    assert any("Circle8 is a broker" in warning for warning in warnings)
    assert any("closing time not stated" in warning for warning in warnings)


def test_a_stale_table_is_kept_and_named():
    tender = tender_of("/opdrachten/Interim/adviseur-privacy-ibd/")
    assert any("before the posting date" in warning for warning in tender.warnings)
    assert tender.education_level == "HBO"


def test_the_trimmed_ibd_capture_without_a_time_row_closes_at_the_end_of_its_day():
    page = parse_page(TRIMMED_CAPTURE.read_text(encoding="utf-8"))
    tender = normalise(
        page, f"{PUBLIC_SITE}/opdrachten/Interim/adviseur-privacy-ibd/", fetched_at=NOW, now=NOW
    )
    assert tender.deadline.isoformat() == "2026-03-31T23:59:59+02:00"


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["identifier", "hiringOrganization", "jobLocation", "description", "datePosted"]
        ),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.lists(st.text())),
    ),
    st.text(max_size=40),
)
def test_odd_values_never_crash_the_mapping(values, closing):
    posting = {"@type": "JobPosting", "title": "Adviseur", **values}
    script = f'<script type="application/ld+json">{json.dumps(posting)}</script>'
    table = f'<span class="ysdms-job-metafield"><b>Sluitingsdatum</b>{closing}</span>'
    body = f"<html><head>{script}</head><body>{table}</body></html>"
    tender = normalise(
        parse_page(body), f"{PUBLIC_SITE}/opdrachten/Interim/x/", fetched_at=NOW, now=NOW
    )
    assert tender.title == "Adviseur"


def test_a_page_without_a_job_posting_is_not_recognised():
    with pytest.raises(UnrecognisedPage):
        parse_page("<html><body><h1>Opdracht niet gevonden</h1></body></html>")


@pytest.fixture
def site():
    with BlueTrailReplica() as running:
        yield running


@pytest.fixture
def crawl(site, tmp_path):
    return Crawler("bluetrail", "TENDERWATCH_BLUETRAIL_URL", site, tmp_path / "data")


def test_a_crawl_fetches_the_listings_and_never_a_query_url(crawl, site):
    code, tenders, stderr = crawl(CRAWL_NOW)
    assert code == 0, stderr[-2000:]
    assert sorted((tender["id"], tender["status"]) for tender in tenders) == sorted(
        (f"bluetrail:{spec[0]}", spec[9]) for spec in EXPECTED.values()
    )
    assert not any("?" in path for path in site.requests) and "/opdrachten/" not in site.requests
    assert sorted(path for path in site.requests if path.startswith("/opdrachten/")) == sorted(
        EXPECTED
    )


def test_unchanged_pages_are_not_read_again_the_same_day(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    code, tenders, _ = crawl("2026-09-16T20:00:00+02:00")
    assert (code, tenders) == (0, []) and site.requests_to("/opdrachten/Interim/ciam-tester/") == 1


def test_missing_from_two_complete_sitemaps_is_withdrawn(crawl, site):
    assert crawl(CRAWL_NOW)[0] == 0
    del site.pages["/opdrachten/Interim/ciam-tester/"]
    assert crawl("2026-09-16T15:00:00+02:00")[1] == []  # missing once
    code, tenders, _ = crawl("2026-09-16T16:00:00+02:00")
    assert code == 0 and [(tender["id"], tender["status"]) for tender in tenders] == [
        ("bluetrail:a0jMI00000Q9xTeYAJ", "withdrawn")
    ]


def test_the_robots_delay_is_the_default_and_a_replica_needs_none():
    from crawler.settings import CrawlerSettings
    from crawler.sources import SOURCES

    assert CrawlerSettings().bluetrail_request_delay == 5.0
    assert (
        SOURCES["bluetrail"].replica_values("http://127.0.0.1:1")["bluetrail_request_delay"] == 0.0
    )
    assert "Crawl-delay: 5" in resources.files("crawler.sources.bluetrail.replica").joinpath(
        "__init__.py"
    ).read_text(encoding="utf-8")
