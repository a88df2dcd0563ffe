"""Property-based tests: no input makes the page objects or the normaliser crash."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler import dutch
from crawler.pages.raw import RawListing, RawSection, UnrecognisedPage
from crawler.sources.flextender.normalize import normalise
from crawler.sources.flextender.pages import FlextenderDetailPage, api_jobs, listing_from_ajax
from schemas.tender import Tender

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SUMMARY_KEYS = [
    "start",
    "duration",
    "extension",
    "education_level",
    "region",
    "hours_per_week",
    "deadline_date",
    "deadline_time",
    "deadline",
    "das",
    "professionals",
]
HEADERS = [
    "Vereisten / knock-outcriteria",
    "Selectiecriteria",
    "Competenties",
    "Functieschaal",
    "Fee Flextender",
    "Benodigd aantal professionals",
    "Werkdagen",
    "Planning",
    "Overige informatie",
    "Uitvoeringsvoorwaarde",
    "Meer informatie",
]
# Text that looks like listing values, so the parsers get past their first checks.
dutchish = st.lists(
    st.sampled_from(
        list("0123456789 -–/.,:;()€xX")
        + [
            "uur",
            "tot",
            "juli",
            "maandag",
            " 2026",
            "punten",
            "ja",
            "nee",
            "schaal",
            "ma",
            "vrij",
            "t/m",
            "zzp",
            "niet",
            "\n",
        ]
    ),
    max_size=30,
).map("".join)
any_text = st.one_of(st.text(max_size=80), dutchish)


@st.composite
def raw_listings(draw) -> RawListing:
    sections = draw(
        st.lists(
            st.builds(
                RawSection,
                st.one_of(st.sampled_from(HEADERS), st.text(max_size=30)),
                st.lists(any_text, max_size=6).map(tuple),
            ),
            max_size=6,
        )
    )
    return RawListing(
        source="flextender",
        external_id=draw(st.one_of(st.none(), st.from_regex(r"\d{1,6}", fullmatch=True))),
        url=draw(st.text(max_size=20)),
        title=draw(st.one_of(st.none(), any_text)),
        client=draw(st.one_of(st.none(), any_text)),
        summary=draw(
            st.dictionaries(st.sampled_from(SUMMARY_KEYS), any_text, max_size=len(SUMMARY_KEYS))
        ),
        sections=tuple(sections),
        expired_notice=draw(st.booleans()),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_listings())
def test_normaliser_never_raises(raw):
    tender = normalise(raw, fetched_at=NOW, now=NOW)
    assert isinstance(tender, Tender)
    Tender.model_validate_json(tender.model_dump_json())  # the output is always a valid contract


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_every_parser_either_parses_or_refuses_cleanly(text):
    for parser in (
        dutch.parse_date,
        dutch.parse_local_datetime,
        dutch.parse_clock_time,
        dutch.parse_hours_per_week,
        dutch.parse_start,
        dutch.parse_duration,
        dutch.parse_extension,
        dutch.parse_yes_no,
        dutch.parse_education_level,
        dutch.parse_pay_scale,
        dutch.parse_euro,
        dutch.parse_fee_per_hour,
        dutch.parse_work_days,
        dutch.parse_int_range,
    ):
        try:
            parser(text)
        except dutch.UnparsableValue:
            pass


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_page_objects_give_a_clear_error_or_a_listing(body):
    for parse in (lambda b: FlextenderDetailPage(b).raw(), listing_from_ajax, api_jobs):
        try:
            parse(body)
        except UnrecognisedPage as exc:
            assert str(exc)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_truncated_replica_pages_never_crash(replica_pages, data):
    page = replica_pages[data.draw(st.sampled_from(sorted(replica_pages)))]
    cut = data.draw(st.integers(min_value=0, max_value=len(page)))
    try:
        raw = FlextenderDetailPage(page[:cut]).raw()
    except UnrecognisedPage:
        return
    assert isinstance(normalise(raw, fetched_at=NOW, now=NOW), Tender)


def _seconds(function, text: str, repeats: int = 5) -> float:
    """The fastest of `repeats` calls: a busy machine (the suite runs on 4 workers) only ever
    makes a call slower, and a backtracking regex is slow every time."""
    fastest = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            function(text)
        except (dutch.UnparsableValue, UnrecognisedPage):
            pass
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


def test_long_hostile_values_stay_linear():
    """Regular expressions must not backtrack catastrophically: 100 KB of near-matches must
    not take more than a few hundred times as long as 1 KB (linear would be 100×)."""
    for pattern in (
        "1 " * 50,
        "maandag " * 20,
        "€ 1." * 30,
        "ma-" * 40,
        "z.s.m " * 20,
        "functieschaal " * 10,
    ):
        short, long = pattern * (1000 // len(pattern) + 1), pattern * (100_000 // len(pattern) + 1)
        for parser in (
            dutch.parse_work_days,
            dutch.parse_local_datetime,
            dutch.parse_euro,
            dutch.parse_hours_per_week,
            dutch.parse_pay_scale,
            dutch.parse_start,
        ):
            long_time = _seconds(parser, long)
            assert long_time < 2.0, (parser.__name__, pattern)
            # a floor of 1 ms: the short call takes ~0.1 ms, all noise on a busy machine
            assert long_time < 400 * max(_seconds(parser, short), 1e-3), (parser.__name__, pattern)
