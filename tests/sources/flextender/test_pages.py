"""Page objects on saved responses, without Scrapy: the real listing sample, API jobs, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.flextender.normalize import normalise
from crawler.sources.flextender.pages import (
    FlextenderDetailPage,
    FlextenderListingPage,
    api_jobs,
    listing_from_ajax,
    search_form_fields,
)
from tests.conftest import FIXTURES

NOW = datetime(2026, 8, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample_cards():
    return list(
        FlextenderListingPage((FIXTURES / "flextender-listing-sample.html").read_bytes()).listings()
    )


def test_listing_sample_has_both_cards(sample_cards):
    assert [card.external_id for card in sample_cards] == ["32543", "32542"]
    assert [card.title for card in sample_cards] == [
        "Beleidsadviseur Ruimte",
        "Projectleider/adviseur netcongestie en eerder aanvragen",
    ]
    assert [card.client for card in sample_cards] == [
        "Gemeente De Ronde Venen",
        "Gemeente Gooise Meren",
    ]
    assert sample_cards[0].url == "https://www.flextender.nl/opdracht/?aanvraagnr=32543"


def test_listing_card_takes_the_desktop_block_and_drops_the_agenda_link(sample_cards):
    assert sample_cards[0].summary == {
        "request_number": "32543",
        "duration": "6 maanden",
        "extension": "2 maal 3 maand(en)",
        "hours_per_week": "36 uur",
        "das": "Ja",
        "start": "Z.s.m",
        "education_level": "HBO",
        "region": "Utrecht",
        "deadline_date": "23 september 2026",
        "deadline_time": "09:00 uur",
    }


def test_listing_cards_normalise(sample_cards):
    first, second = (normalise(card, fetched_at=NOW, now=NOW) for card in sample_cards)
    assert first.start.asap and first.extension.model_dump() == {"count": 2, "months": 3}
    assert first.deadline.isoformat() == "2026-09-23T09:00:00+02:00"
    assert first.hours_per_week.model_dump() == {"min": 36, "max": 36}
    assert second.education_level == "MBO" and second.region == "Noord-Holland"
    assert second.hours_per_week.model_dump() == {"min": 16, "max": 20}
    assert second.extension.model_dump() == {"count": 3, "months": 3}
    assert second.start.model_dump()["precision"] == "day"
    assert first.warnings == [] and second.warnings == []


def test_ajax_answer_wraps_the_cards():
    markup = (FIXTURES / "flextender-listing-sample.html").read_text(encoding="utf-8")
    assert [card.external_id for card in listing_from_ajax(json.dumps({"resultHtml": markup}))] == [
        "32543",
        "32542",
    ]


def test_empty_listing_with_register_panel_is_a_real_empty_list():
    answer = json.dumps({"resultHtml": '<div class="flx-register-panel">Registreer</div>'})
    assert listing_from_ajax(answer) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{}",
        b'{"resultHtml": 5}',
        b"<html>oops</html>",
        json.dumps({"resultHtml": "<div class='app'>nieuw</div>"}).encode(),
    ],
)
def test_unrecognised_listing_answers(body):
    with pytest.raises(UnrecognisedPage):
        listing_from_ajax(body)


def test_api_jobs_map_every_documented_field():
    job = {
        "avnummer": 30922,
        "opdracht": "Procesregisseur",
        "opdrachtgever": "Gemeente Zwolle",
        "omschrijving": "<p><strong>Functieschaal</strong></p><p>functieschaal 11</p>"
        "<p><b>Werkdagen</b></p><p>De opdracht wordt vervuld op de volgende werkdagen: "
        "ma-di-wo</p>",
        "opleiding": "HBO",
        "regio": "Overijssel",
        "sluiting_inschrijving": "2026-07-08T09:00:00",
        "urenperweek": "28 tot 32",
        "aanvang": "1 juli 2026",
        "duur": "12 weken",
        "aantal_professionals": "1-2",
        "verlengingsoptie": "3 x 6 maand(en)",
        "kvk": 12345678,
        "vakgebieden": ["Sociaal domein", None, 7],
    }
    [raw] = api_jobs(json.dumps({"resultaat": [job, "not a job"]}))
    tender = normalise(raw, fetched_at=NOW, now=NOW)
    assert tender.id == "flextender:30922" and tender.client == "Gemeente Zwolle"
    assert tender.deadline.isoformat() == "2026-07-08T09:00:00+02:00"
    assert tender.hours_per_week.model_dump() == {"min": 28, "max": 32}
    assert tender.duration_months == 3 and tender.professionals.model_dump() == {"min": 1, "max": 2}
    assert tender.pay_scale.label == "11" and tender.work_days == ["ma", "di", "wo"]
    assert tender.client_kvk == "12345678" and tender.fields_of_work == ["Sociaal domein", "7"]
    assert tender.status == "expired"  # NOW is after 8 July


def test_api_hours_as_a_number():
    [raw] = api_jobs(
        json.dumps({"resultaat": [{"avnummer": 1, "opdracht": "X", "urenperweek": 36}]})
    )
    assert normalise(raw, fetched_at=NOW).hours_per_week.model_dump() == {"min": 36, "max": 36}


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'{"result": []}', b"<html></html>"])
def test_unrecognised_api_answers(body):
    with pytest.raises(UnrecognisedPage):
        api_jobs(body)


def test_search_form_fields():
    page = (
        '<form><input type="hidden" name="action" value="kbs_flx_searchjobs">'
        '<input type="hidden" name="kbs_flx_widget_config" value="J795A"></form>'
    )
    assert search_form_fields(page) == {
        "action": "kbs_flx_searchjobs",
        "kbs_flx_widget_config": "J795A",
        "kbs_flx_joblsrc_freetext": "",
    }
    with pytest.raises(UnrecognisedPage):
        search_form_fields("<html><body>Onderhoud</body></html>")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<html><body><p>Pagina niet gevonden</p></body></html>",
        b'<div class="css-jobtitle">Alleen een titel</div>',
        b"\x00\x01\x02",
        b'{"json": true}',
    ],
)
def test_non_listing_pages_are_unrecognised(body):
    with pytest.raises(UnrecognisedPage):
        FlextenderDetailPage(body)


def test_truncated_detail_page_still_gives_what_it_has(replica_pages):
    page = replica_pages["30922"]
    truncated = page[: page.index("Competenties")]
    tender = normalise(FlextenderDetailPage(truncated).raw(), fetched_at=NOW, now=NOW)
    assert (
        tender.external_id == "30922"
        and tender.competencies == []
        and len(tender.knockout_criteria) == 4
    )


def test_expired_notice_is_detected_outside_the_description_only(replica_pages):
    assert FlextenderDetailPage(replica_pages["30498"]).expired_notice()
    assert not FlextenderDetailPage(
        replica_pages["30922"]
    ).expired_notice()  # says "reactietermijn ... duurt tot"


def test_windows_1252_page_is_decoded(replica_pages):
    body = (
        replica_pages["31050"].replace('charset="UTF-8"', 'charset="windows-1252"').encode("cp1252")
    )
    assert FlextenderDetailPage(body).title() == "Coördinator Sectorale Aanpak"


def test_request_number_from_url_when_the_summary_lacks_it(replica_pages):
    page = replica_pages["27001"].replace('<meta property="og:url"', '<meta property="og:gone"')
    assert FlextenderDetailPage(page).external_id() is None
    assert (
        FlextenderDetailPage(
            page, url="https://www.flextender.nl/opdracht/?aanvraagnr=27001"
        ).external_id()
        == "27001"
    )


CLASS_CASES = [
    '<div class="css-jobtitle">a</div><div class="css-jobtitle">b</div>',
    '<div class="x css-summary\ty">s</div><p class="css-summaryrow">not it</p>',
    '<div class="css-summaryrow"><span class="css-summary">deep</span></div>',
    '<div class="css-formattedjobdescriptionx">no</div><div '
    'class="\ncss-formattedjobdescription">yes</div>',
    '<div class="css-customer\u00a0z">nbsp is not XML white space</div>',
    '<div class="CSS-JOBTITLE">case matters</div><div>no class</div>',
]


@pytest.mark.parametrize("body", CLASS_CASES)
def test_one_pass_class_lookup_equals_one_xpath_per_class(body, replica_pages):
    """`first_with_classes` finds what the exact `_has_class` XPath finds, on hostile markup
    and on every replica page."""
    from lxml import etree

    from crawler.sources.flextender.pages import _has_class, first_with_classes, parse_document

    names = (
        "css-jobtitle",
        "css-summary",
        "css-formattedjobdescription",
        "css-customer",
        "css-summaryrow",
    )
    for document in [f"<html><body>{body}</body></html>", *replica_pages.values()]:
        root = parse_document(document)
        found = first_with_classes(root, names)
        for name in names:
            expected = etree.XPath(f"(//*[{_has_class(name)}])[1]")(root)
            assert found.get(name) is (expected[0] if expected else None), (name, body)
