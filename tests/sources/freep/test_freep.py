"""Freep: the list and detail answers → `Tender`, field by field (expected values by hand, from
the items and the rules of `shared/sources/freep.md`), hypothesis on odd values, and the
spider against the replica: details only for new or changed assignments (counted), closing by
deadline and by absence under the completeness guard."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.freep.normalize import normalise
from crawler.sources.freep.pages import assignments, detail
from crawler.sources.freep.replica import FreepReplica, bundled
from tests.sources.headfirst_crawl import Crawler, events

NOW = datetime(2026, 9, 18, 12, 0, tzinfo=UTC)
ITEMS, DETAILS = bundled()

# id → (title, client, region, hours, deadline, start, end, max rate, zzp, fields of work, warning
# part)
EXPECTED = {
    101112: (
        "Hrm experience specialist",
        "De Dienst Justitiële Inrichtingen (DJI)",
        "Zuid-Holland",
        28,
        "2026-09-23T12:00:00+02:00",
        date(2026, 10, 1),
        date(2027, 6, 30),
        122.0,
        None,
        ["Personeel en Organisatie"],
        None,
    ),
    101113: (
        "Operationeel beheerder microsoft 365",
        "Ministerie van Economische Zaken en Klimaat DICTU",
        "Zuid-Holland",
        36,
        "2026-09-25T16:00:00+02:00",
        None,
        None,
        80.0,
        False,
        ["Verkeer vervoer nautisch"],
        None,
    ),
    101114: (
        "Adviseur informatiebeveiliging",
        "Rijkswaterstaat & Co",
        "Utrecht",
        None,
        "2026-12-04T10:00:00+01:00",
        date(2027, 1, 4),
        date(2027, 12, 31),
        95.0,
        True,
        ["ICT"],
        None,
    ),
    101115: (
        "Projectleider wonen",
        "Gemeente Leeuwarden",
        "Friesland",
        32,
        "2026-11-20T23:59:59+01:00",
        date(2026, 12, 1),
        date(2027, 11, 30),
        None,
        None,
        ["Ruimte en wonen"],
        "closing time not stated",
    ),
    101116: (
        "Beleidsmedewerker klimaat",
        "Provincie Zeeland",
        None,
        24,
        "2026-10-09T11:00:00+02:00",
        date(2026, 11, 2),
        date(2027, 5, 1),
        87.5,
        None,
        ["Beleid"],
        None,
    ),
}


@pytest.mark.parametrize("assignment_id", sorted(EXPECTED))
def test_every_mapped_field_of_every_assignment(assignment_id):
    (title, client, region, hours, deadline, start, end, rate, zzp, fields, warning) = EXPECTED[
        assignment_id
    ]
    item = next(item for item in ITEMS if item["id"] == assignment_id)
    tender = normalise(item, DETAILS[item["slug"]], fetched_at=NOW, now=NOW)
    assert (tender.id, tender.external_id, tender.source) == (
        f"freep:{assignment_id}",
        str(assignment_id),
        "freep",
    )
    assert tender.url == f"https://www.freep.nl/opdracht/{item['slug']}"
    assert (tender.title, tender.client, tender.region) == (title, client, region)
    assert (
        (tender.hours_per_week.min, tender.hours_per_week.max) if tender.hours_per_week else None
    ) == ((hours, hours) if hours else None)
    expected_deadline = datetime.fromisoformat(deadline)
    assert (
        tender.deadline == expected_deadline
        and tender.deadline.utcoffset() == expected_deadline.utcoffset()
    )
    assert (tender.start.date if tender.start else None, tender.end_date) == (start, end)
    assert (tender.max_hourly_rate, tender.zzp_allowed, tender.fields_of_work) == (
        rate,
        zzp,
        fields,
    )
    assert (tender.client_reference, tender.das, tender.education_level) == (None, None, None)
    assert tender.status == "open"
    deadline_warnings = [text for text in tender.warnings if text.startswith("deadline")]
    assert deadline_warnings == ([f"deadline: {warning}; taken as 23:59:59"] if warning else [])


def test_criteria_and_text_come_from_the_detail_content():
    item = ITEMS[0]
    tender = normalise(item, DETAILS[item["slug"]], fetched_at=NOW, now=NOW)
    assert tender.knockout_criteria == [
        "Afgeronde hbo-opleiding",
        "Drie jaar ervaring met HR-projecten",
    ]
    assert [criterion.text for criterion in tender.selection_criteria] == [
        "Ervaring met experience management"
    ]
    assert "candidate journey" in tender.description


def test_without_a_detail_the_list_alone_is_mapped_and_says_so():
    item = ITEMS[0]
    tender = normalise(item, None, fetched_at=NOW, now=NOW)
    assert (tender.deadline, tender.max_hourly_rate, tender.hours_per_week.min) == (None, 122.0, 28)
    assert "deadline: no detail answer yet, so no closing date" in tender.warnings


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502</html>",
        b"{}",
        b'[{"id": "x", "slug": "a", "title": "b"}]',
        b"[1]",
        b'[{"id": 1, "title": "b"}]',
        b"nope",
    ],
)
def test_a_malformed_list_is_a_clear_error(body):
    with pytest.raises(UnrecognisedPage):
        assignments(body)
    with pytest.raises(UnrecognisedPage):
        detail(body)


ODD = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=25)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    item=st.fixed_dictionaries(
        {
            "id": st.integers(1, 10**9),
            "slug": st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True),
            "title": st.text(min_size=1, max_size=20).filter(str.strip),
        },
        optional={
            key: ODD
            for key in ("segment", "location_province", "company_name", "hours", "rate_max")
        },
    ),
    found=st.none()
    | st.dictionaries(
        st.sampled_from(["closing_date", "start_date", "end_date", "rate_max", "content"]), ODD
    ),
)
def test_the_mapping_never_raises_on_odd_values(item, found):
    tender = normalise(item, found, fetched_at=NOW, now=NOW)
    assert tender.id == f"freep:{item['id']}"


@pytest.fixture
def site():
    with FreepReplica() as replica:
        yield replica


@pytest.fixture
def crawl(site, tmp_path, monkeypatch):
    monkeypatch.setenv("TENDERWATCH_FREEP_REQUEST_DELAY", "0")
    return Crawler("freep", "TENDERWATCH_FREEP_URL", site, tmp_path / "data")


def test_details_only_for_new_and_changed_assignments(site, crawl):
    code, tenders, stderr = crawl(now="2026-09-18T12:00:00+02:00")
    assert code == 0, stderr[-2000:]
    assert len(tenders) == 5 and site.detail_requests() == 5
    assert all(tender["deadline"] for tender in tenders)
    code, tenders, _ = crawl(now="2026-09-18T12:00:00+02:00")
    assert (code, tenders, site.detail_requests()) == (0, [], 5)  # nothing new: no detail asked for
    site.items[1] = {**site.items[1], "hours": 32}
    code, tenders, _ = crawl(now="2026-09-18T12:00:00+02:00")
    assert site.detail_requests() == 6 and [tender["id"] for tender in tenders] == ["freep:101113"]
    assert tenders[0]["hours_per_week"] == {"min": 32, "max": 32}


def test_closing_by_deadline_and_by_absence_under_the_guard(site, crawl):
    crawl(now="2026-09-18T12:00:00+02:00")
    code, tenders, _ = crawl(
        now="2026-09-24T12:00:00+02:00"
    )  # after 101112's deadline (23 Sept 12:00)
    assert code == 0 and events(tenders, "expired") == ["freep:101112"]
    assert site.detail_requests() == 5  # expiry needs no detail
    gone = site.items.pop()
    site.answer_override = (200, "[]", "application/json")  # an empty list closes nothing
    code, tenders, _ = crawl(now="2026-09-24T12:00:00+02:00")
    assert code == 4 and events(tenders, "withdrawn") == []
    site.answer_override = None
    assert crawl(now="2026-09-24T12:00:00+02:00")[1] == []  # missing once
    code, tenders, _ = crawl(now="2026-09-24T12:00:00+02:00")
    assert code == 0 and events(tenders, "withdrawn") == [f"freep:{gone['id']}"]


def test_a_failed_detail_is_asked_for_again_next_time(site, crawl):
    site.failing_paths = {"/v1/assignment/projectleider-wonen/"}
    code, tenders, _ = crawl(now="2026-09-18T12:00:00+02:00")
    assert code == 0
    listed_only = next(tender for tender in tenders if tender["id"] == "freep:101115")
    assert listed_only["deadline"] is None
    site.failing_paths = set()
    code, tenders, _ = crawl(now="2026-09-18T12:00:00+02:00")
    assert [tender["id"] for tender in tenders] == ["freep:101115"] and tenders[0]["deadline"]
