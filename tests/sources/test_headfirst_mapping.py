"""Striive and Inhuurdesk items → `Tender`, field by field, on every item of the shared
samples (expected values written by hand from the items and the rules of
`shared/sources/striive.md`), and on the awkward cases the replicas add; the page object of
the list answer; the mapping never raises on arbitrary JSON values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.headfirst.pages import list_page
from crawler.sources.inhuurdesk.normalize import normalise as inhuurdesk
from crawler.sources.striive.normalize import normalise as striive

SAMPLES = Path(__file__).resolve().parents[2] / "crawler" / "sources"
NOW = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)  # every sample listing was open then


def items(source: str) -> dict[str, dict]:
    found = {}
    for path in sorted((SAMPLES / source / "replica" / "answers").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["data"]:
            found[item["id"]] = item
    return found


def mapped(source: str, item_id: str):
    normalise = striive if source == "striive" else inhuurdesk
    return normalise(items(source)[item_id], fetched_at=NOW, now=NOW)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# id prefix → (title, client, region, hours, deadline, start, end, max rate, zzp, das, reference,
# professionals)
STRIIVE = {
    "c86af53e": (
        "User Experience-designer (UX'er)",
        "Centraal Orgaan opvang asielzoekers - ICT",
        "Zuid-Holland",
        (32, 36),
        "2026-09-22T16:00:00+02:00",
        date(2026, 10, 1),
        date(2027, 10, 1),
        None,
        None,
        None,
        "10097213",
        1,
    ),
    "6cb79652": (
        "Contractmanager",
        "Waterschap Drents Overijsselse Delta",
        "Overijssel",
        (24, 24),
        "2026-09-22T13:00:00+02:00",
        date(2026, 10, 1),
        date(2027, 9, 30),
        None,
        None,
        None,
        None,
        1,
    ),
    "08443f5d": (
        "Senior SAP Basis Consultant",
        "Shared Service Center-ICT (SSC-ICT)",
        "Zuid-Holland",
        (36, 36),
        "2026-09-22T08:00:00+02:00",
        date(2026, 10, 26),
        date(2027, 4, 30),
        None,
        False,
        None,
        "SRQ202742",
        1,
    ),
    "7601f27b": (
        "HRM experience specialist",
        "HR - De Dienst Justitiële Inrichtingen (DJI)",
        "Zuid-Holland",
        (24, 28),
        "2026-09-22T12:00:00+02:00",
        date(2026, 10, 1),
        date(2027, 7, 1),
        None,
        None,
        None,
        "A0923873",
        1,
    ),
    "43aa4842": (
        "Klantmanager Schulddienstverlening",
        "Gemeente Hoeksche Waard",
        "Zuid-Holland",
        (20, 36),
        "2026-09-21T12:00:00+02:00",
        date(2026, 10, 1),
        date(2026, 12, 31),
        75.0,
        False,
        None,
        None,
        2,
    ),
    "445d466d": (
        "UCC Specialist",
        "Ministerie van Defensie",
        "Zuid-Holland",
        (32, 32),
        "2026-09-23T12:00:00+02:00",
        date(2026, 10, 30),
        date(2027, 10, 29),
        None,
        None,
        None,
        "24835384",
        1,
    ),
    # the awkward cases written beside the samples
    "5a1d0c2e-0000-4000-8000-00000000000a": (
        "Adviseur Klimaat & Water",
        "Gemeente Amersfoort & Regio",
        "Utrecht",
        None,
        "2026-11-30T09:00:00+01:00",
        date(2027, 1, 1),
        None,
        75.0,
        True,
        None,
        None,
        2,
    ),
    "5a1d0c2e-0000-4000-8000-00000000000b": (
        "Informatiemanager Sociaal Domein",
        "Gemeente Groningen",
        "Groningen",
        None,
        "2026-06-15T15:00:00+02:00",
        date(2026, 6, 1),
        date(2026, 12, 31),
        None,
        True,
        None,
        "SRQ300001",
        1,
    ),
    "5a1d0c2e-0000-4000-8000-00000000000c": (
        "Beheerder Openbare Ruimte",
        "Sogeti Nederland B.V.",
        None,
        (40, 40),
        "2026-10-02T12:00:00+02:00",
        None,
        None,
        None,
        None,
        None,
        "202609A168",
        None,
    ),
}
INHUURDESK = {
    "7b9e123f": (
        "Programmasecretaris",
        "Gemeente Aa en Hunze",
        None,
        (30, 30),
        "2026-09-09T14:00:00+02:00",
        date(2026, 9, 21),
        date(2027, 9, 30),
        None,
        None,
        None,
        "SRQ178204",
        1,
    ),
    "27ff4e06": (
        "Senior Data Engineer Snowflake, Matillion & dbt",
        "Alliander",
        None,
        (36, 36),
        "2026-09-04T13:00:00+02:00",
        date(2026, 9, 1),
        date(2027, 4, 1),
        110.0,
        False,
        None,
        "SRQ149514",
        1,
    ),
    "92c6acf6": (
        "Communicatieadviseur",
        "Zuid-Holland Bereikbaar",
        "Zuid-Holland",
        (32, 32),
        "2026-09-15T00:00:00+02:00",
        date(2026, 11, 1),
        date(2028, 10, 30),
        109.0,
        False,
        True,
        "SRQ178209",
        1,
    ),
    "6b2e1d3f-0000-4000-8000-00000000000d": (
        "Beleidsmedewerker Ruimte & Wonen",
        "Gemeente Zwolle",
        "Overijssel",
        (24, 32),
        "2026-09-25T00:00:00+02:00",
        date(2026, 10, 1),
        date(2027, 3, 31),
        77.5,
        True,
        True,
        "SRQ180001",
        1,
    ),
    "6b2e1d3f-0000-4000-8000-00000000000e": (
        "Projectleider Netcongestie",
        "Provincie Utrecht",
        "Utrecht",
        None,
        "2026-12-15T12:00:00+01:00",
        date(2027, 1, 4),
        date(2027, 12, 31),
        95.0,
        False,
        None,
        "SRQ180002",
        1,
    ),
}


def full_id(source: str, prefix: str) -> str:
    (found,) = [item_id for item_id in items(source) if item_id.startswith(prefix)]
    return found


@pytest.mark.parametrize(
    "source, prefix",
    [("striive", prefix) for prefix in STRIIVE] + [("inhuurdesk", prefix) for prefix in INHUURDESK],
)
def test_every_mapped_field_of_every_item(source, prefix):
    expected = (STRIIVE if source == "striive" else INHUURDESK)[prefix]
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
        das,
        reference,
        professionals,
    ) = expected
    item_id = full_id(source, prefix)
    tender = mapped(source, item_id)
    assert (tender.id, tender.source, tender.external_id) == (
        f"{source}:{item_id}",
        source,
        item_id,
    )
    assert (tender.title, tender.client, tender.region) == (title, client, region)
    assert (
        (tender.hours_per_week.min, tender.hours_per_week.max) if tender.hours_per_week else None
    ) == hours
    assert (
        tender.deadline == moment(deadline)
        and tender.deadline.utcoffset() == moment(deadline).utcoffset()
    )
    assert (tender.start.date if tender.start else None, tender.end_date) == (start, end)
    assert tender.start is None or (tender.start.precision, tender.start.asap) == ("day", False)
    assert (tender.max_hourly_rate, tender.zzp_allowed, tender.das, tender.client_reference) == (
        rate,
        zzp,
        das,
        reference,
    )
    assert (tender.professionals.min if tender.professionals else None) == professionals
    assert tender.status == ("expired" if tender.deadline <= NOW else "open")
    assert (
        tender.description and "<" not in tender.description and "&amp;" not in tender.description
    )
    assert tender.content_hash == tender.compute_content_hash()


def test_public_urls_are_the_real_listing_pages():
    assert (
        mapped("striive", full_id("striive", "c86af53e")).url
        == "https://striive.com/nl/opdrachten?id=c86af53e-dddb-4f96-9852-52189ed8a623"
    )
    assert (
        mapped("inhuurdesk", full_id("inhuurdesk", "92c6acf6")).url
        == "https://inhuurdesk.nl/aanvragen/zuid-holland-bereikbaar/communicatieadviseur/92c6acf6-2f34-4342-8dc0-80e23b0a5d48"
    )
    item = {**items("striive")[full_id("striive", "445d466d")], "brokerUrl": None}
    assert (
        striive(item, fetched_at=NOW, now=NOW).url
        == "https://striive.com/nl/opdrachten?id=445d466d-538f-4974-95b2-67621dbba674"
    )


def test_requirements_wishes_and_competencies_come_from_the_sections():
    tender = mapped("striive", "5a1d0c2e-0000-4000-8000-00000000000a")
    assert tender.knockout_criteria == [
        "Afgeronde hbo-opleiding",
        "Minimaal 3 jaar ervaring met klimaatadaptatie",
    ]
    assert [criterion.text for criterion in tender.selection_criteria] == [
        "Ervaring bij een gemeente",
        "Kennis van de Omgevingswet",
    ]
    assert all(criterion.points is None for criterion in tender.selection_criteria)
    assert tender.competencies == ["Samenwerken", "Overtuigingskracht"]
    sap = mapped("striive", full_id("striive", "08443f5d"))
    assert (
        sap.knockout_criteria[0]
        == "Minimaal 5 jaar aantoonbare ervaring als senior SAP Basis Consultant"
    )
    assert "Proactief" in sap.competencies
    inhuur = mapped("inhuurdesk", "6b2e1d3f-0000-4000-8000-00000000000d")
    assert inhuur.knockout_criteria == ["Hbo werk- en denkniveau", "Kennis van de Omgevingswet"]
    assert "Tarief" not in inhuur.sections  # a bold "Key: value" line is text, not a header


def test_what_could_not_be_read_is_a_warning_never_a_guess():
    unknown_place = mapped("striive", "5a1d0c2e-0000-4000-8000-00000000000c")
    assert "region: no province for location 'Onbekendeplaats'" in unknown_place.warnings
    assert any(
        warning.startswith("zzp_allowed: soft wording") for warning in unknown_place.warnings
    )
    later_invoice = mapped("striive", "5a1d0c2e-0000-4000-8000-00000000000b")
    assert any(
        "closingDateInvoice is after closingDateClient" in warning
        for warning in later_invoice.warnings
    )
    building = mapped("inhuurdesk", full_id("inhuurdesk", "27ff4e06"))
    assert (
        building.region is None
        and "region: no province for location 'Arnhem Bellevue'" in building.warnings
    )
    assert mapped("striive", full_id("striive", "c86af53e")).warnings == []


def test_a_deadline_passed_is_expired():
    item = items("striive")[full_id("striive", "c86af53e")]
    after = datetime(2026, 9, 22, 14, 0, tzinfo=UTC)  # 16:00 in Amsterdam: the deadline itself
    assert striive(item, fetched_at=after, now=after).status == "expired"
    assert striive(item, fetched_at=NOW, now=NOW).status == "open"


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"<html><body>502 Bad Gateway</body></html>", "HTML page"),
        (b"not json", "not JSON"),
        (b'{"total": 3, "items": []}', "no `data` array"),
        (b'{"total": "many", "data": []}', "not a count"),
        (b'{"total": 1, "data": ["x"]}', "item 0 is not an object"),
        (b'{"total": 1, "data": [{"id": "", "title": "x"}]}', "item 0 has no id"),
    ],
)
def test_a_malformed_answer_is_a_clear_error(body, reason):
    with pytest.raises(UnrecognisedPage, match=reason):
        list_page(body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "content",
    "clientName",
    "clientNameSlug",
    "titleSlug",
    "location",
    "regionLocation",
    "hoursPerWeekMin",
    "hoursPerWeekMax",
    "startDate",
    "endDate",
    "closingDateInvoice",
    "closingDateClient",
    "referenceCode",
    "referenceCodeClient",
    "hourlyRateMax",
    "numberOfPositions",
    "brokerUrl",
    "segmentName",
    "procedureSpecification",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.fixed_dictionaries({}, optional={field: JSON for field in FIELDS}),
    title=st.text(min_size=1, max_size=40).filter(str.strip),
    use_striive=st.booleans(),
)
def test_the_mapping_never_raises_on_arbitrary_json_values(values, title, use_striive):
    item = {"id": "c86af53e-dddb-4f96-9852-52189ed8a623", "title": title, **values}
    tender = (striive if use_striive else inhuurdesk)(item, fetched_at=NOW, now=NOW)
    assert tender.id.endswith(item["id"]) and tender.title


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_the_list_page_object_never_raises_anything_but_unrecognised(body):
    try:
        page = list_page(body)
    except UnrecognisedPage:
        return
    assert all(isinstance(item["id"], str) for item in page.items)
