"""Opdrachtoverheid: every mapped field of every record (expected values by hand from the
records and `shared/sources/opdrachtoverheid.md`), hypothesis on odd values, and the spider
against the replica: the full filter body and paging to the end, the sitemap + JSON-LD
fallback (the same fields for the same assignment where the JSON-LD has them), closing by
deadline and by absence under the completeness guard."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.pages.structured import job_posting
from crawler.sources.opdrachtoverheid.normalize import normalise
from crawler.sources.opdrachtoverheid.pages import records, search_body, sitemap_urls
from crawler.sources.opdrachtoverheid.replica import OpdrachtoverheidReplica, bundled
from tests.sources.headfirst_crawl import Crawler, events

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
RECORDS, POSTINGS = bundled()
BY_ID = {record["tender_id"]: record for record in RECORDS}

# tender_id → (title, client, region, hours, deadline, start, end, rate, zzp, education, origin
# platform,
#              professionals, status at NOW)
EXPECTED = {
    "amstelveenhuurtin_2177": (
        "Junior projectleider energietransitie (SO26-1658)",
        "Gemeente Amstelveen",
        "Noord-Holland",
        (32, 32),
        "2026-09-29T16:00:00+02:00",
        date(2026, 11, 1),
        date(2027, 6, 30),
        None,
        None,
        "MBO",
        "amstelveenhuurtin",
        1,
        "open",
    ),
    "amstelveenhuurtin_2123": (
        "Senior juridisch adviseur Grondzaken (Nieuw Legmeer) - SO26-1614",
        "Gemeente Amstelveen",
        "Noord-Holland",
        (16, 24),
        "2026-04-02T16:00:00+02:00",
        date(2026, 5, 4),
        date(2027, 5, 1),
        None,
        None,
        None,
        "amstelveenhuurtin",
        1,
        "expired",
    ),
    "striive_HFSSC000444_392359": (
        "Senior SAP Basis Consultant",
        "Shared Service Center-ICT (SSC-ICT)",
        "Zuid-Holland",
        (36, 36),
        "2026-09-21T16:00:00+02:00",
        date(2026, 10, 26),
        date(2027, 4, 30),
        None,
        False,
        "HBO",
        "striive",
        2,
        "open",
    ),
    "flextender_31050": (
        "Coördinator Sectorale Aanpak",
        "Regio Zwolle",
        "Overijssel",
        (16, 24),
        "2026-12-15T16:00:00+01:00",
        None,
        None,
        95.5,
        True,
        None,
        "flextender",
        1,
        "open",
    ),
    "harveynash_298847": (
        "Data-analist Netbeheer",
        "Enexis",
        None,
        None,
        "2026-10-01T16:00:00+02:00",
        date(2026, 11, 1),
        date(2027, 10, 31),
        None,
        None,
        None,
        "harveynash",
        None,
        "open",
    ),
}


@pytest.mark.parametrize("tender_id", sorted(EXPECTED))
def test_every_mapped_field_of_every_record(tender_id):
    (
        title,
        client,
        region,
        hours,
        deadline,
        start,
        end,
        rate,
        zzp,
        education,
        origin,
        professionals,
        status,
    ) = EXPECTED[tender_id]
    tender = normalise(BY_ID[tender_id], fetched_at=NOW, now=NOW)
    assert (tender.id, tender.external_id, tender.source) == (
        f"opdrachtoverheid:{tender_id}",
        tender_id,
        "opdrachtoverheid",
    )
    assert tender.url.startswith("https://www.opdrachtoverheid.nl/inhuuropdracht/")
    assert tender.url.endswith(BY_ID[tender_id]["web_key"])
    assert (tender.title, tender.client, tender.region) == (title, client, region)
    assert (
        (tender.hours_per_week.min, tender.hours_per_week.max) if tender.hours_per_week else None
    ) == hours
    expected_deadline = datetime.fromisoformat(deadline)
    assert (
        tender.deadline == expected_deadline
        and tender.deadline.utcoffset() == expected_deadline.utcoffset()
    )
    assert (tender.start.date if tender.start else None, tender.end_date) == (start, end)
    assert (tender.max_hourly_rate, tender.zzp_allowed, tender.education_level) == (
        rate,
        zzp,
        education,
    )
    assert tender.origin.platform == origin and tender.origin.url == BY_ID[tender_id]["tender_url"]
    assert (tender.professionals.min if tender.professionals else None) == professionals
    assert tender.status == status


def test_weighted_wishes_requirements_and_categories():
    sap = normalise(BY_ID["striive_HFSSC000444_392359"], fetched_at=NOW, now=NOW)
    assert [(criterion.text, criterion.points) for criterion in sap.selection_criteria] == [
        ("Kennis van HANA", 30),
        ("Ervaring bij het Rijk", 20),
    ]
    assert sap.knockout_criteria == ["Minimaal 5 jaar ervaring als SAP Basis Consultant"]
    assert sap.competencies == ["Proactief"] and sap.fields_of_work == ["ICT"]
    assert (
        sap.origin.url == "https://supplier.striive.com/inbox/all/392359"
    )  # pins the Striive item (recordId)
    amstelveen = normalise(BY_ID["amstelveenhuurtin_2177"], fetched_at=NOW, now=NOW)
    assert amstelveen.max_hourly_rate is None  # tender_no_max_tariff overrides the 80.0 beside it
    assert amstelveen.fields_of_work == ["Project- en Programmamanagement", "Beleid"]


def test_the_search_body_carries_the_sites_filter_in_amsterdam_time():
    body = search_body(200, datetime(2026, 9, 17, 18, 6, tzinfo=UTC))
    (group,) = body["filters"]["and_filters"]
    rules = {rule["field_name"]: (rule["operator"], rule["value"]) for rule in group["filters"]}
    assert rules == {
        "tender_offline_date": (">=", ["2026-09-17 20:06:00"]),
        "publish": ("neq", ["0"]),
        "oim_vacancy": ("neq", ["true"]),
        "direct_recruitment_vacancy": ("neq", ["true"]),
    }
    assert (body["limit"], body["offset"], body["order_by"]) == (
        100,
        200,
        [{"field": "tender_first_seen", "direction": "desc"}],
    )


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Application Error</html>",
        b"[]",
        b'{"tenders": []}',
        b'{"negometrix_tenders": [{"tender_id": "x"}]}',
        b"garbage",
    ],
)
def test_a_malformed_search_answer_is_a_clear_error(body):
    with pytest.raises(UnrecognisedPage):
        records(body)


def test_the_real_job_posting_is_found_and_a_page_without_one_is_refused():
    site = OpdrachtoverheidReplica()
    try:
        page = site.detail_page("534E2948-3C99-4976-BA42-F7D6FCD88F27")
    finally:
        site._server.server_close()
    assert job_posting(page) == POSTINGS["amstelveenhuurtin_2177"]
    with pytest.raises(UnrecognisedPage):
        job_posting("<html><body>Nothing here</body></html>")
    with pytest.raises(UnrecognisedPage):
        sitemap_urls(b"<html>not xml")


ODD = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=25)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.sampled_from(["province", "type", "x"]), st.text(max_size=10), max_size=2)
)
FIELDS = [
    "tender_buying_organization",
    "opdracht_overheid_url",
    "web_key",
    "tender_offline_date",
    "tender_start_date",
    "tender_end_date",
    "tender_min_hours",
    "tender_max_hours",
    "tender_hours_week",
    "tender_maximum_tariff",
    "tender_no_max_tariff",
    "organization_location",
    "vacancies_location",
    "tender_job_location",
    "education_level_obj",
    "tender_categories",
    "tender_requirements",
    "tender_competences",
    "tender_overview",
    "tender_description_html",
    "tender_number_of_professionals",
    "tender_source",
    "tender_url",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.fixed_dictionaries({}, optional={field: ODD for field in FIELDS}),
    name=st.text(min_size=1, max_size=30).filter(str.strip),
)
def test_the_mapping_never_raises_on_odd_values(values, name):
    tender = normalise({"tender_id": "x_1", "tender_name": name, **values}, fetched_at=NOW, now=NOW)
    assert tender.id == "opdrachtoverheid:x_1"


@pytest.fixture
def site():
    with OpdrachtoverheidReplica() as replica:
        yield replica


class OpdrachtoverheidCrawler(Crawler):
    def __init__(self, site, data_dir) -> None:
        super().__init__("opdrachtoverheid", "TENDERWATCH_OPDRACHTOVERHEID_API_URL", site, data_dir)

    def __call__(self, now: str = "2026-09-15T12:00:00+02:00"):
        import os

        os.environ["TENDERWATCH_OPDRACHTOVERHEID_URL"] = self.site.url
        try:
            return super().__call__(now)
        finally:
            del os.environ["TENDERWATCH_OPDRACHTOVERHEID_URL"]


@pytest.fixture
def crawl(site, tmp_path):
    return OpdrachtoverheidCrawler(site, tmp_path / "data")


OPEN_AT_THE_CLOCK = [
    "opdrachtoverheid:amstelveenhuurtin_2177",
    "opdrachtoverheid:flextender_31050",
    "opdrachtoverheid:harveynash_298847",
    "opdrachtoverheid:striive_HFSSC000444_392359",
]


def test_a_full_crawl_with_the_filter_body(site, crawl):
    code, tenders, stderr = crawl()
    assert code == 0, stderr[-2000:]
    assert (
        sorted(tender["id"] for tender in tenders) == OPEN_AT_THE_CLOCK
    )  # closed and unpublished filtered out
    (body,) = site.search_bodies
    assert body["filters"]["and_filters"][0]["filters"][0] == {
        "field_name": "tender_offline_date",
        "value": ["2026-09-15 12:00:00"],
        "operator": ">=",
    }


def test_paging_follows_the_offset_to_the_end(site, crawl):
    template = site.records[0]
    site.records = []
    for number in range(250):
        record = copy.deepcopy(template)
        record.update(
            {
                "tender_id": f"amstelveenhuurtin_{9000 + number}",
                "web_key": f"00000000-0000-4000-8000-{number:012d}",
                "tender_first_seen": f"2026-09-{1 + number % 14:02d}",
                "opdracht_overheid_url": None,
            }
        )
        site.records.append(record)
    code, tenders, stderr = crawl()
    assert code == 0, stderr[-2000:]
    assert [body["offset"] for body in site.search_bodies] == [0, 100, 200]
    assert len({tender["id"] for tender in tenders}) == 250


def test_a_stripped_body_would_page_wrongly(site):
    """Why the spider always sends the filter: without it the endpoint answers the archive."""
    archive = site.search({"limit": 100, "offset": 0})
    assert any(
        record.get("publish") is False or record.get("tender_status") == "closed"
        for record in archive
    )
    assert site.search({"limit": 100, "offset": 100}) == archive  # offsets misbehave


def test_the_fallback_gives_the_same_fields_for_the_same_assignment(site, crawl, tmp_path):
    code, from_search, _ = crawl()
    assert code == 0
    fallback_site_crawl = OpdrachtoverheidCrawler(site, tmp_path / "other-data")
    site.search_status = 502
    code, from_pages, stderr = fallback_site_crawl()
    assert code == 0, stderr[-2000:]
    assert "search_unavailable_falling_back_to_sitemap" in stderr
    assert site.detail_requests() == 4  # the open pages of the sitemap; closed ones are not listed
    searched = {tender["url"].rsplit("/", 1)[-1]: tender for tender in from_search}
    paged = {tender["url"].rsplit("/", 1)[-1]: tender for tender in from_pages}
    assert set(paged) == set(searched)
    for web_key, tender in paged.items():
        assert (
            tender["url"] == searched[web_key]["url"]
        )  # the real public page, not the replica's host
        assert (tender["title"], tender["client"]) == (
            searched[web_key]["title"],
            searched[web_key]["client"],
        )
        assert tender["deadline"] is None and tender["status"] == "open"
    real = paged["534E2948-3C99-4976-BA42-F7D6FCD88F27"]  # the captured JSON-LD
    assert (
        real["region"]
        == searched["534E2948-3C99-4976-BA42-F7D6FCD88F27"]["region"]
        == "Noord-Holland"
    )
    assert fallback_site_crawl.status()["failing_since"]  # the source shows it is degraded


def test_the_fallback_adds_only_listings_not_known_and_closes_nothing(site, crawl):
    crawl()
    site.records = [record for record in site.records if record["tender_id"] != "harveynash_298847"]
    site.search_status = 500
    code, tenders, _ = crawl()
    assert (code, tenders) == (0, [])  # known ones left as the search said; nothing withdrawn
    site.search_status = 200
    assert crawl()[1] == []  # the first complete list without it
    code, tenders, _ = crawl()
    assert code == 0 and events(tenders, "withdrawn") == ["opdrachtoverheid:harveynash_298847"]


def test_closing_by_deadline_and_a_shrunken_list_closes_nothing(site, crawl):
    crawl()
    code, tenders, _ = crawl(now="2026-09-22T12:00:00+02:00")  # past the SAP copy's 21 Sept 16:00
    assert code == 0 and events(tenders, "expired") == [
        "opdrachtoverheid:striive_HFSSC000444_392359"
    ]
    site.answer_override = (200, '{"negometrix_tenders": []}', "application/json")
    code, tenders, stderr = crawl(now="2026-09-22T12:00:00+02:00")
    assert (
        code == 4
        and events(tenders, "withdrawn") == []
        and "list_incomplete_closes_nothing" in stderr
    )


def test_an_unpublished_record_without_a_closing_moment():
    """The third real record: unpublished, `tender_offline_date` null (the filter keeps such
    records out; mapped anyway, it has no deadline and says so)."""
    tender = normalise(BY_ID["amstelveenhuurtin_2150"], fetched_at=NOW, now=NOW)
    assert (
        tender.title == "Consultant Optimalisatie samenwerking in Teams en SharePoint (AI26-1635)"
    )
    assert (tender.client, tender.region) == ("Gemeente Amstelveen", "Noord-Holland")
    assert (tender.deadline, tender.status) == (
        None,
        "open",
    ) and "deadline: no tender_offline_date" in tender.warnings
    assert (tender.hours_per_week.min, tender.hours_per_week.max) == (
        32,
        32,
    )  # from tender_hours_week
    assert (tender.start.date, tender.end_date) == (date(2026, 8, 3), date(2027, 7, 30))
    assert (tender.max_hourly_rate, tender.education_level, tender.professionals) == (
        None,
        None,
        None,
    )
    assert tender.url.endswith("3D477173-44E9-4B46-87FE-06E5EA01A217")
