"""Amounts and dates the reader's way (Babel's CLDR data), and the tender page's description
shown once: pure functions, table-tested."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tenderwatch.common.i18n import day, moment, money
from tenderwatch.web.tender_view import description_parts


@pytest.mark.parametrize(
    "amount, language, written",
    [
        (110, "nl", "€ 110"),
        (110.0, "nl", "€ 110"),
        (110.5, "nl", "€ 110,50"),
        (1110.5, "nl", "€ 1.110,50"),
        (110, "en", "€110"),
        (1110.5, "en", "€1,110.50"),
    ],
)
def test_money(amount, language, written):
    assert money(amount, language) == written


def test_moments_are_amsterdam_time_in_words():
    summer = datetime(2026, 7, 8, 7, 0, tzinfo=UTC)
    assert moment(summer, "nl") == "8 jul 2026 09:00"
    assert moment(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), "en") == "2 Dec 2026 00:30"
    assert day(date(2026, 3, 1), "nl") == "1 mrt 2026"
    assert day(date(2026, 3, 1), "en", month_only=True) == "Mar 2026"


def _tender(seed_tenders, description, sections):
    return seed_tenders["30922"].model_copy(
        update={"description": description, "sections": sections}
    )


def test_the_description_is_its_sections_when_they_are_all_of_it(seed_tenders):
    tender = _tender(
        seed_tenders,
        "Welkom bij ons.\nOrganisatie\nWij zijn een gemeente.\nOpdracht\nJij adviseert.",
        {"Organisatie": "Wij zijn een gemeente.", "Opdracht": "Jij adviseert."},
    )
    assert description_parts(tender) == [
        (None, "Welkom bij ons.\n"),
        ("Organisatie", "Wij zijn een gemeente."),
        ("Opdracht", "Jij adviseert."),
    ]


@pytest.mark.parametrize(
    "description, sections",
    [
        (
            "Organisatie\nWij zijn een gemeente.\nEn nog meer.",
            {"Organisatie": "Wij zijn een gemeente."},
        ),
        ("Geen kopjes hier.", {"Organisatie": "Wij zijn een gemeente."}),
        ("Alleen tekst.", {}),
    ],
)
def test_otherwise_the_description_once_as_text(seed_tenders, description, sections):
    assert description_parts(_tender(seed_tenders, description, sections)) == [(None, description)]


def test_every_seed_shows_each_word_of_its_description_once(seed_tenders):
    for tender in seed_tenders.values():
        shown = " ".join(f"{heading or ''} {text}" for heading, text in description_parts(tender))
        assert shown.split() == tender.description.split(), tender.id
