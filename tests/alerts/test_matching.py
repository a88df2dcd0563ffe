"""The alert matcher: the store's search semantics exactly, and the index finds what the naive loop
finds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.alerts.matching import CompiledFilter, MatchIndex, TenderFacts
from schemas.saved_search import SavedSearch
from schemas.search import SearchFilter
from tests.store.test_store_suite import CASES, corpus


@pytest.fixture(scope="module")
def facts(seed_tenders):
    return {
        event.data.tender.id: TenderFacts.of(event.data.tender) for event in corpus(seed_tenders)
    }


def saved(saved_search_id: str, **criteria) -> SavedSearch:
    return SavedSearch(
        id=saved_search_id,
        owner="anna",
        name=saved_search_id,
        filter=SearchFilter(**criteria),
        email="anna@example.nl",
        created=datetime(2026, 3, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_matcher_agrees_with_every_store_suite_case(facts, case):
    """The shared store suite's cases, answered by the matcher over the same documents."""
    criteria, expected = CASES[case]
    compiled = CompiledFilter.of(SearchFilter(**criteria))
    assert sorted(
        tender_id for tender_id, tender_facts in facts.items() if compiled.holds(tender_facts)
    ) == sorted(expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_index_finds_the_case_too(facts, case):
    criteria, expected = CASES[case]
    index = MatchIndex()
    index.upsert(saved("ss_case", **criteria))
    found = sorted(
        tender_id for tender_id, tender_facts in facts.items() if index.match(tender_facts)
    )
    assert found == sorted(expected)


def test_reasons_name_the_keywords_where_found_and_the_filters(facts):
    compiled = CompiledFilter.of(
        SearchFilter(
            keyword="projectleiders netcongestie", regions=("noord-holland",), pay_scale_min=10
        )
    )
    reasons = compiled.reasons(facts["flextender:900001"])
    assert [(hit.keyword, hit.term, hit.found_in) for hit in reasons.keywords] == [
        ("projectleiders", "projectleider", ["title"]),
        ("netcongestie", "netcongestie", ["title", "description"]),
    ]
    assert reasons.filters == [
        "status is open",
        "region is Noord-Holland",
        "pay scale 9/10 is at least 10",
    ]


def test_inactive_and_removed_searches_do_not_match(facts):
    index = MatchIndex()
    index.upsert(saved("ss_a", keyword="projectleider"))
    index.upsert(saved("ss_b", regions=("Utrecht",)))
    index.upsert(saved("ss_c"))
    index.upsert(saved("ss_d", pay_scale_min=9, pay_scale_max=10))
    index.upsert(saved("ss_e", keyword="projectleiders", regions=("Utrecht", "Drenthe")))
    index.upsert(saved("ss_f", keyword="projectleiders", regions=("Drenthe",)))
    assert sorted(index.match(facts["striive:900002"])) == ["ss_a", "ss_b", "ss_c", "ss_d", "ss_e"]
    index.remove("ss_d")
    index.remove("ss_e")
    index.remove("ss_f")
    index.upsert(saved("ss_a", keyword="projectleider").model_copy(update={"active": False}))
    index.remove("ss_b")
    assert sorted(index.match(facts["striive:900002"])) == ["ss_c"]
    index.remove("ss_c")
    assert index.match(facts["striive:900002"]) == [] and len(index) == 0
    assert (
        index.by_term == {}
        and index.by_region == {}
        and index.by_pay_scale == {}
        and index.unanchored == set()
    )
    assert index.by_region_term == {}
    assert index.entries == {} and index.searches == {} and index.compiled_by_search == {}


def test_searches_sharing_a_filter_share_one_entry(facts):
    index = MatchIndex()
    for name in ("ss_1", "ss_2", "ss_3"):
        index.upsert(saved(name, regions=("Utrecht",)))
    assert len(index.entries) == 1
    assert sorted(index.match(facts["striive:900002"])) == ["ss_1", "ss_2", "ss_3"]
    index.remove("ss_2")
    assert sorted(index.match(facts["striive:900002"])) == ["ss_1", "ss_3"]


WORDS = [
    "projectleider",
    "projectleiders",
    "netcongestie",
    "jeugdhulp",
    "procesregisseur",
    "adviseur",
    "gemeente",
    "beleid",
    "wonen",
    "coördinator",
    "sectorale",
    "de",
    "zwolle",
    "ruimte",
    "onbekendwoord",
]
filters = st.builds(
    SearchFilter,
    keyword=st.one_of(
        st.none(),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)
        .filter(lambda words: set(words) != {"de"})
        .map(" ".join),
    ),  # stop words alone are refused
    regions=st.lists(
        st.sampled_from(["Overijssel", "Drenthe", "utrecht", "Fryslan", "Gelderland"]), max_size=2
    ).map(tuple),
    pay_scale_min=st.one_of(st.none(), st.integers(1, 12)),
    pay_scale_max=st.one_of(st.none(), st.integers(12, 18)),
    hours_max=st.one_of(st.none(), st.integers(8, 40)),
    deadline_after=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2026, 12, 31))),
    das=st.one_of(st.none(), st.booleans()),
    status=st.sampled_from(["open", "all", "expired"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(filters, min_size=1, max_size=40))
def test_the_index_matches_exactly_what_the_naive_loop_matches(facts, searches):
    index = MatchIndex()
    for number, criteria in enumerate(searches):
        index.upsert(saved(f"ss_{number:03d}", **criteria.model_dump()))
    for tender_facts in facts.values():
        assert sorted(index.match(tender_facts)) == sorted(index.match_naively(tender_facts))
        for entry in index.entries.values():  # the fast check and the explanation agree
            assert entry.compiled.holds(tender_facts) == (
                entry.compiled.reasons(tender_facts) is not None
            )


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ({"pay_scale_min": 10}, "pay scale 9/10 is at least 10"),
        ({"pay_scale_max": 9}, "pay scale 9/10 is at most 9"),
        ({"pay_scale_min": 9, "pay_scale_max": 11}, "pay scale 9/10 is within 9-11"),
        ({"deadline_after": date(2026, 3, 1)}, "is on or after 2026-03-01"),
        ({"deadline_before": date(2026, 12, 31)}, "is on or before 2026-12-31"),
        (
            {"deadline_after": date(2026, 3, 1), "deadline_before": date(2026, 12, 31)},
            "is within 2026-03-01 to 2026-12-31",
        ),
    ],
)
def test_open_ranges_read_as_words(facts, criteria, expected):
    reasons = CompiledFilter.of(SearchFilter(**criteria)).reasons(facts["flextender:900001"])
    assert any(reason.endswith(expected) for reason in reasons.filters), reasons.filters
    assert not any("…" in reason or "None" in reason for reason in reasons.filters)
