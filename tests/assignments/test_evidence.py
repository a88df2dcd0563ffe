"""The assignment rules, one by one, and on the labelled pairs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.assignments.evidence import (
    DEADLINE_TOLERANCE,
    code_key,
    codes_in,
    compatible_clients,
    same_assignment,
    title_key,
)
from tenderwatch.benchmarks.dedupe import load_pairs, measure, tender_of

BASE = {"first_seen": "2026-09-01T09:00:00+02:00", "deadline": "2026-10-01T12:00:00+02:00"}


def listing(source: str, external_id: str, title: str, client: str | None, **fields):
    return tender_of(
        {
            "source": source,
            "external_id": external_id,
            "title": title,
            "client": client,
            **BASE,
            **fields,
        }
    )


@pytest.mark.parametrize(
    "first, second, compatible",
    [
        ("Gemeente Zwolle", "Zwolle", True),
        ("HAERT inzake Gemeente Hoeksche Waard", "Gemeente Hoeksche Waard", True),
        ("Ministerie van Justitie en Veiligheid", "Justitie en Veiligheid", True),
        (
            "HR - De Dienst Justitiële Inrichtingen (DJI)",
            "De Dienst Justitiële Inrichtingen (DJI)",
            True,
        ),
        ("Shared Service Center-ICT (SSC-ICT)", "SSC-ICT", True),
        ("Provincie Utrecht", "Gemeente Utrecht", False),
        ("Gemeente Den Haag", "Gemeente Den Helder", False),
        ("Ministerie van Financiën", "Ministerie van Defensie", False),
        ("Gemeente Zwolle", None, False),
        ("B.V.", "B.V.", False),
    ],
)
def test_compatible_clients(first, second, compatible):
    assert compatible_clients(first, second) is compatible
    assert compatible_clients(second, first) is compatible


@pytest.mark.parametrize(
    "text, key",
    [("SRQ-178 209", "SRQ178209"), ("so26-1658", "SO261658"), ("2026.BZB.0457", "2026BZB0457")],
)
def test_codes_compare_without_case_spaces_and_dashes(text, key):
    assert code_key(text) == key


def test_codes_in_text_are_long_and_have_a_digit():
    assert codes_in("Aanvraag SRQ178209 in 2026, 32 uur, ref A0923873; zie www") == {
        "SRQ178209",
        "A0923873",
    }


@pytest.mark.parametrize(
    "title, key",
    [
        (
            "Junior projectleider energietransitie (SO26-1658)",
            "junior projectleider energietransitie",
        ),
        ("Adviseur Klimaat & Water", "adviseur klimaat en water"),
        ("Coördinator  Sectorale\nAanpak ", "coordinator sectorale aanpak"),
    ],
)
def test_title_keys(title, key):
    assert title_key(title) == key


def test_rule_origin_the_copy_names_the_listing_by_its_refs():
    original = listing(
        "striive",
        "c8",
        "Senior SAP Basis Consultant",
        "SSC-ICT",
        listing_refs=["striive:record:392359", "striive:ref:HFSSC000444"],
    )
    copy = listing(
        "opdrachtoverheid",
        "striive_HFSSC000444_392359",
        "Iets heel anders",
        "Andere klant",
        origin={
            "platform": "striive",
            "url": "https://supplier.striive.com/inbox/all/392359",
            "listing_refs": ["striive:record:392359"],
        },
    )
    assert same_assignment(original, copy) == same_assignment(copy, original) == "origin"


def test_rule_origin_by_url():
    original = listing(
        "flextender",
        "30922",
        "A",
        "Gemeente Zwolle",
        url="https://www.flextender.nl/opdracht/?aanvraagnr=30922",
    )
    copy = listing(
        "opdrachtoverheid",
        "x",
        "B",
        None,
        origin={
            "platform": "flextender",
            "url": "http://flextender.nl/opdracht/?aanvraagnr=30922/",
        },
    )
    assert same_assignment(original, copy) == "origin"


def test_rule_same_client_reference_with_compatible_clients_or_the_same_title():
    striive = listing(
        "striive",
        "e1",
        "Communicatieadviseur Bereikbaarheid",
        "Zuid-Holland Bereikbaar",
        client_reference="SRQ178209",
    )
    inhuurdesk = listing(
        "inhuurdesk",
        "SRQ178209",
        "Communicatieadviseur",
        "Zuid-Holland Bereikbaar",
        client_reference="srq-178209",
    )
    assert same_assignment(striive, inhuurdesk) == "client_reference"
    other_brand = listing(
        "striive",
        "e2",
        "Communicatieadviseur Bereikbaarheid",
        "Sogeti Nederland B.V.",
        client_reference="SRQ178209",
    )
    assert same_assignment(striive, other_brand) == "client_reference"  # same title
    unrelated = listing("striive", "e3", "Monteur", "Enexis", client_reference="SRQ178209")
    assert same_assignment(striive, unrelated) is None


def test_rule_reference_in_the_other_listings_text():
    striive = listing(
        "striive", "d", "UCC Specialist", "Ministerie van Defensie", client_reference="24835384"
    )
    flextender = listing(
        "flextender",
        "1",
        "Specialist Unified Communications",
        "Defensie",
        description="Referentie: 24835384",
    )
    assert same_assignment(striive, flextender) == "reference_in_text"
    elsewhere = listing(
        "flextender",
        "2",
        "Specialist Unified Communications",
        "Gemeente Utrecht",
        description="Referentie: 24835384",
    )
    assert same_assignment(striive, elsewhere) is None


def test_rule_title_with_compatible_clients():
    first = listing("flextender", "1", "Adviseur Openbare Ruimte", "Gemeente Deventer")
    second = listing("freep", "a", "Adviseur openbare ruimte", "Deventer")
    assert same_assignment(first, second) == "title"


def test_never_on_title_alone_across_clients():
    first = listing("flextender", "1", "Projectleider", "Gemeente Utrecht")
    assert (
        same_assignment(first, listing("striive", "a", "Projectleider", "Gemeente Zwolle")) is None
    )
    assert same_assignment(first, listing("striive", "b", "Projectleider", None)) is None


def test_never_one_client_with_two_codes():
    first = listing("striive", "a", "Jurist", "Gemeente Almere", client_reference="SRQ1000001")
    second = listing("inhuurdesk", "b", "Jurist", "Gemeente Almere", client_reference="SRQ1000002")
    assert same_assignment(first, second) is None
    in_titles = listing("opdrachtoverheid", "c", "Jurist (SO26-1614)", "Gemeente Almere")
    other_title_code = listing("flextender", "d", "Jurist (SO26-1700)", "Gemeente Almere")
    assert same_assignment(in_titles, other_title_code) is None


def test_never_a_re_publication_after_closing():
    first = listing(
        "flextender",
        "1",
        "Jurist",
        "Gemeente Almere",
        deadline="2026-06-01T12:00:00+02:00",
        first_seen="2026-05-10T09:00:00+02:00",
    )
    again = listing(
        "flextender",
        "2",
        "Jurist",
        "Gemeente Almere",
        deadline="2026-07-05T12:00:00+02:00",
        first_seen="2026-06-20T09:00:00+02:00",
    )
    assert same_assignment(first, again) is None


def test_deadlines_within_the_tolerance_and_not_beyond():
    first = listing("flextender", "1", "Jurist", "Gemeente Almere")
    deadline = first.deadline
    near = listing(
        "striive",
        "a",
        "Jurist",
        "Gemeente Almere",
        deadline=(deadline + DEADLINE_TOLERANCE).isoformat(),
    )
    far = listing(
        "striive",
        "b",
        "Jurist",
        "Gemeente Almere",
        deadline=(deadline + DEADLINE_TOLERANCE + timedelta(hours=1)).isoformat(),
    )
    assert same_assignment(first, near) == "title" and same_assignment(first, far) is None


def test_a_listing_is_not_its_own_pair():
    first = listing("flextender", "1", "Jurist", "Gemeente Almere")
    assert same_assignment(first, first) is None


def test_the_labelled_pairs_meet_the_goals():
    pairs = load_pairs()
    assert len(pairs) >= 40
    kinds = {frozenset((first.source, second.source)) for first, second, same, _ in pairs if same}
    sources = (
        "flextender",
        "striive",
        "inhuurdesk",
        "freep",
        "opdrachtoverheid",
    )  # the ones the pairs were written for
    assert {
        frozenset((a, b)) for a in sources for b in sources if a < b
    } <= kinds  # every combination
    figures = measure(pairs)
    assert figures["dedupe_precision"] == 1.0, figures["dedupe_wrong"]
    assert figures["dedupe_recall"] >= 0.95, figures["dedupe_wrong"]
