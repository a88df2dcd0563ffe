"""ONE store suite, run by every backend (embedded always; a real OpenSearch node; a real
Elasticsearch node, or a whole cluster when TENDERWATCH_TEST_ES_URL is set; see
tests/store/backends.py). Data-driven: a corpus of tenders and (filter → expected ids) cases
that state the search semantics of `schemas/search.py`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas.events import TenderEvent
from schemas.search import SearchFilter, SearchPage
from schemas.tender import HoursRange, Listing, PayScale
from tests.store.backends import BACKENDS, analyzed, make_store, skip_unsupported

CEST = timezone(timedelta(hours=2))
NOW = datetime(2026, 3, 1, tzinfo=UTC)
S1, S2, S3 = "flextender:900001", "striive:900002", "flextender:900003"


def corpus(seed_tenders):
    """The five seeds (status as at 2026-03-01: three open, two expired) and three synthetic
    tenders."""
    base = seed_tenders["30922"]
    synthetic = [
        base.model_copy(
            update={
                "id": S1,
                "external_id": "900001",
                "title": "Projectleider netcongestie en eerder aanvragen",
                "region": "Noord-Holland",
                "client": "Gemeente Gooise Meren",
                "pay_scale": PayScale(min=9, max=10, label="9/10"),
                "hours_per_week": HoursRange(min=16, max=20),
                "deadline": datetime(2026, 9, 28, 9, 0, tzinfo=CEST),
                "education_level": "MBO",
                "das": False,
                "zzp_allowed": True,
                "description": "Netcongestie vraagt om een stevige aanpak van het stroomnet.",
            }
        ),
        base.model_copy(
            update={
                "id": S2,
                "source": "striive",
                "external_id": "900002",
                "title": "Beleidsadviseur Ruimte",
                "region": "Utrecht",
                "client": "Gemeente De Ronde Venen",
                "pay_scale": PayScale(min=10, max=10, label="10A"),
                "hours_per_week": HoursRange(min=36, max=36),
                "deadline": datetime(2026, 9, 23, 0, 0, tzinfo=CEST),
                "education_level": "WO",
                "das": True,
                "zzp_allowed": None,
                "description": "Je werkt samen met de projectleiders van de ruimtelijke ordening.",
            }
        ),
        base.model_copy(
            update={
                "id": S3,
                "external_id": "900003",
                "title": "Adviseur Wonen",
                "region": "Fryslân",
                "client": None,
                "pay_scale": None,
                "hours_per_week": None,
                "deadline": None,
                "status": "withdrawn",
                "education_level": None,
                "das": None,
                "zzp_allowed": None,
                "description": "Wonen in Fryslân.",
            }
        ),
    ]
    tenders = [*seed_tenders.values(), *synthetic]
    return [
        TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW) for tender in tenders
    ]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path, seed_tenders):
    store = make_store(request.param, request, tmp_path)
    store.backend = request.param
    result = store.write(corpus(seed_tenders))
    assert (result.written, result.stale, result.failures) == (8, 0, [])
    yield store
    store.close()


OPEN_BY_DEADLINE = ["flextender:28671", "flextender:30922", "flextender:31050", S2, S1]

CASES = {
    "open by default, soonest deadline first": ({}, OPEN_BY_DEADLINE),
    "all statuses, no deadline last": (
        {"status": "all"},
        [
            "flextender:27001",
            "flextender:28671",
            "flextender:30498",
            "flextender:30922",
            "flextender:31050",
            S2,
            S1,
            S3,
        ],
    ),
    "expired": ({"status": "expired"}, ["flextender:27001", "flextender:30498"]),
    "withdrawn": ({"status": "withdrawn"}, [S3]),
    "one region, any case": (
        {"regions": ["overijssel"]},
        ["flextender:28671", "flextender:30922", "flextender:31050"],
    ),
    "several regions": ({"regions": ["Utrecht", "Noord-Holland"]}, [S2, S1]),
    "region without accents": ({"regions": ["Fryslan"], "status": "all"}, [S3]),
    "pay scale from 11": ({"pay_scale_min": 11}, ["flextender:30922", "flextender:31050"]),
    "pay scale up to 10 (overlap with 9/10)": ({"pay_scale_max": 10}, ["flextender:28671", S2, S1]),
    "pay scale exactly 11": ({"pay_scale_min": 11, "pay_scale_max": 11}, ["flextender:30922"]),
    "hours from 20 (overlap)": ({"hours_min": 20}, ["flextender:28671", S2, S1]),
    "hours up to 16": ({"hours_max": 16}, ["flextender:28671", "flextender:31050", S1]),
    "deadline after is inclusive": (
        {"deadline_after": "2026-07-08"},
        ["flextender:30922", "flextender:31050", S2, S1],
    ),
    "a tender without a deadline matches no deadline filter": (
        {"deadline_after": "2000-01-01", "status": "all"},
        [
            "flextender:27001",
            "flextender:28671",
            "flextender:30498",
            "flextender:30922",
            "flextender:31050",
            S2,
            S1,
        ],
    ),
    "deadline before is inclusive": (
        {"deadline_before": "2026-07-08"},
        ["flextender:28671", "flextender:30922"],
    ),
    "midnight in Amsterdam is that day, not the UTC day before": (
        {"deadline_before": "2026-09-22"},
        ["flextender:28671", "flextender:30922", "flextender:31050"],
    ),
    "midnight deadline found on its own Amsterdam day": (
        {"deadline_after": "2026-09-23", "deadline_before": "2026-09-23"},
        [S2],
    ),
    "education level": ({"education_level": "HBO"}, ["flextender:28671", "flextender:30922"]),
    "DAS": ({"das": True}, ["flextender:28671", "flextender:31050", S2]),
    "not DAS": ({"das": False}, ["flextender:30922", S1]),
    "ZZP allowed": ({"zzp_allowed": True}, ["flextender:30922", S1]),
    "ZZP excluded": ({"zzp_allowed": False, "status": "all"}, ["flextender:27001"]),
    "client, any case": ({"client": "gemeente gooise meren"}, [S1]),
    "client shared by two": ({"client": "Zwolle"}, ["flextender:30922", "flextender:31050"]),
    "combined filters": (
        {"regions": ["Overijssel"], "pay_scale_min": 11, "das": True},
        ["flextender:31050"],
    ),
    "keyword, every word must match": (
        {"keyword": "procesregisseur jeugdhulp", "status": "all"},
        ["flextender:30498"],
    ),
    "keyword without accents finds accented words": (
        {"keyword": "coordinator sectorale"},
        ["flextender:31050"],
    ),
    "keyword with stop words among its words": (
        {"keyword": "de coordinator van"},
        ["flextender:31050"],
    ),
    "keyword with filters": (
        {"keyword": "procesregisseur", "status": "all", "regions": ["Drenthe"]},
        ["flextender:30498"],
    ),
    "one source": ({"sources": ["striive"]}, [S2]),
    "one source, any status": (
        {"sources": ["flextender"], "status": "all"},
        [
            "flextender:27001",
            "flextender:28671",
            "flextender:30498",
            "flextender:30922",
            "flextender:31050",
            S1,
            S3,
        ],
    ),
    "several sources": ({"sources": ["striive", "flextender"]}, OPEN_BY_DEADLINE),
    "a source with other filters": ({"sources": ["striive"], "regions": ["Overijssel"]}, []),
    "a source nobody indexed": ({"sources": ["inhuurdesk"]}, []),
}

# Filter cases that hold only through ASCII folding of keyword fields (normalizer `folded`).
FOLDED_CASES = {"region without accents"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_search_case(store, case):
    criteria, expected = CASES[case]
    if "keyword" in criteria:
        skip_unsupported(store.backend, "keyword_search")
    if case in FOLDED_CASES:
        skip_unsupported(store.backend, "ascii_folding")
    result = store.search(SearchFilter(**criteria), SearchPage(limit=50))
    assert [tender.id for tender in result.tenders] == expected
    assert result.total == len(expected)


def test_a_keyword_as_written_in_the_listing_finds_it(store):
    """The keyword query itself (multi_match over title and description, every word required),
    on every backend: words in the form the listing uses need no stemming or folding."""
    found = store.search(SearchFilter(keyword="netcongestie stroomnet", status="all"))
    assert [tender.id for tender in found.tenders] == [S1]
    assert store.search(SearchFilter(keyword="netcongestie woningbouw", status="all")).total == 0


def test_stemming_a_plural_finds_the_singular_and_title_ranks_first(store):
    skip_unsupported(store.backend, "keyword_search")
    result = store.search(SearchFilter(keyword="projectleiders"))
    assert [tender.id for tender in result.tenders] == [
        S1,
        S2,
    ]  # S1 in its title, S2 in its description


def test_keyword_relevance_then_deadline(store):
    skip_unsupported(store.backend, "keyword_search")
    result = store.search(SearchFilter(keyword="procesregisseur", status="all"))
    assert set(tender.id for tender in result.tenders) == {"flextender:30922", "flextender:30498"}


def test_paging(store):
    first = store.search(SearchFilter(), SearchPage(limit=2, offset=0))
    second = store.search(SearchFilter(), SearchPage(limit=2, offset=2))
    last = store.search(SearchFilter(), SearchPage(limit=2, offset=4))
    assert [t.id for t in first.tenders + second.tenders + last.tenders] == OPEN_BY_DEADLINE
    assert first.total == second.total == last.total == 5
    assert store.search(SearchFilter(), SearchPage(limit=2, offset=10)).tenders == []


def test_results_are_whole_tenders(store, seed_tenders):
    [tender] = store.search(
        SearchFilter(client="Zwolle", pay_scale_min=11, pay_scale_max=11)
    ).tenders
    assert tender == seed_tenders["30922"]
    assert store.get("flextender:30922") == seed_tenders["30922"]
    assert store.get("flextender:404") is None


def test_an_older_sequence_never_wins(store, seed_tenders):
    current = seed_tenders["30922"].model_copy(update={"title": "Procesregisseur Zilvermeeuw"})
    assert (
        store.write(
            [TenderEvent.build("nl.tenderwatch.tender.updated", current, 3, NOW, ["title"])]
        ).written
        == 1
    )
    older = seed_tenders["30922"].model_copy(update={"title": "Oude titel"})
    replay = store.write(
        [
            TenderEvent.build("nl.tenderwatch.tender.updated", older, 2, NOW, ["title"]),
            TenderEvent.build("nl.tenderwatch.tender.updated", current, 3, NOW, ["title"]),
        ]
    )
    assert (replay.written, replay.stale) == (0, 2)
    assert store.get("flextender:30922").title == "Procesregisseur Zilvermeeuw"


def test_a_stale_write_leaves_the_text_index_alone(store, seed_tenders):
    skip_unsupported(store.backend, "keyword_search")
    current = seed_tenders["30922"].model_copy(update={"title": "Procesregisseur Zilvermeeuw"})
    store.write([TenderEvent.build("nl.tenderwatch.tender.updated", current, 3, NOW, ["title"])])
    older = seed_tenders["30922"].model_copy(update={"title": "Oude titel"})
    store.write([TenderEvent.build("nl.tenderwatch.tender.updated", older, 2, NOW, ["title"])])
    assert store.search(SearchFilter(keyword="oude titel", status="all")).tenders == []
    assert [t.id for t in store.search(SearchFilter(keyword="zilvermeeuw")).tenders] == [
        "flextender:30922"
    ]


def test_events_for_one_tender_in_one_batch_apply_in_order(store, seed_tenders):
    tender = seed_tenders["28671"]
    batch = [
        TenderEvent.build(
            "nl.tenderwatch.tender.updated",
            tender.model_copy(update={"region": "Drenthe"}),
            2,
            NOW,
            ["region"],
        ),
        TenderEvent.build(
            "nl.tenderwatch.tender.expired",
            tender.model_copy(update={"region": "Drenthe", "status": "expired"}),
            3,
            NOW,
        ),
    ]
    assert store.write(batch).written == 2
    assert store.get("flextender:28671").status == "expired"


def test_status_change_keeps_the_tender_searchable(store, seed_tenders):
    expired = seed_tenders["30922"].model_copy(update={"status": "expired"})
    store.write([TenderEvent.build("nl.tenderwatch.tender.expired", expired, 2, NOW)])
    assert "flextender:30922" not in [t.id for t in store.search(SearchFilter()).tenders]
    assert [
        t.id for t in store.search(SearchFilter(status="expired", client="Zwolle")).tenders
    ] == ["flextender:30922"]


def test_relevance_order_holds_across_the_whole_store(store, seed_tenders):
    """Title matches first, then equal scores by deadline, however the store is laid out
    (the embedded store's parts each rank their own rows; the merge must keep the order)."""
    skip_unsupported(store.backend, "keyword_search")
    base = seed_tenders["30922"]
    description_only = [
        base.model_copy(
            update={
                "id": f"flextender:95000{number}",
                "external_id": f"95000{number}",
                "title": "Adviseur",
                "description": "Een kwartiermaker voor het nieuwe team.",
                "deadline": datetime(2026, 9, 30 - number, tzinfo=CEST),
            }
        )
        for number in range(5)
    ]
    in_title = base.model_copy(
        update={
            "id": "flextender:950009",
            "external_id": "950009",
            "title": "Kwartiermaker",
            "description": "Een nieuw team.",
        }
    )
    store.write(
        [
            TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
            for tender in [*description_only, in_title]
        ]
    )
    expected = ["flextender:950009", *[f"flextender:95000{number}" for number in (4, 3, 2, 1, 0)]]
    result = store.search(SearchFilter(keyword="kwartiermakers"))
    assert [tender.id for tender in result.tenders] == expected
    pages = [
        store.search(SearchFilter(keyword="kwartiermakers"), SearchPage(limit=2, offset=offset))
        for offset in (0, 2, 4)
    ]
    assert [tender.id for page in pages for tender in page.tenders] == expected
    assert [page.total for page in pages] == [6, 6, 6]


def test_setup_again_keeps_the_data(store):
    skip_unsupported(store.backend, "setup_twice")
    store.setup()
    assert store.search(SearchFilter(status="all")).total == 8


def test_a_version_bump_reindexes_and_moves_the_alias_in_one_step(store, seed_tenders):
    """`setup` with the next index version: a new index from the template, every tender copied
    (sequences kept as external versions), the alias moved; an older sequence still loses."""
    if store.backend.startswith("embedded"):
        pytest.skip(
            "the embedded store has no index versions: it rebuilds its full-text table at setup "
            "(test_embedded_store.py)"
        )
    skip_unsupported(store.backend, "reindex")
    store.version += 1
    store.setup()
    store.setup()  # again: nothing more to do
    assert store.calls.alias_indices(store.alias) == [store.index]
    assert store.search(SearchFilter(status="all")).total == 8
    old = seed_tenders["30922"]
    assert (
        store.write(
            [TenderEvent.build("nl.tenderwatch.tender.updated", old, 1, NOW, ["title"])]
        ).stale
        == 1
    )
    skip_unsupported(store.backend, "keyword_search")
    assert [
        tender.id for tender in store.search(SearchFilter(keyword="procesregisseurs")).tenders
    ] == ["flextender:30922"]


def test_hostile_keywords_are_just_words(store):
    skip_unsupported(store.backend, "keyword_search")
    for keyword in [
        '" OR 1=1 --',
        "title:*",
        "NEAR(a b)",
        "'; DROP TABLE tenders; --",
        '{"match_all":{}}',
        "sexpired",
        "swithdrawn",
        "facets",
    ]:
        assert store.search(SearchFilter(keyword=keyword, status="all")).tenders == [], keyword
    with pytest.raises(
        ValueError, match="no word to search for"
    ):  # query syntax alone is refused, not guessed at
        SearchFilter(keyword="* ?", status="all")
    for only_stop_words in (
        "de het een",
        "De En VAN",
        "  de  ",
    ):  # refused like "", not read as "everything"
        with pytest.raises(ValueError, match="too common to search for"):
            SearchFilter(keyword=only_stop_words, status="all")
    with pytest.raises(ValueError, match="no word to search for"):
        SearchFilter(keyword="", status="all")
    assert store.search(SearchFilter(status="all")).total == 8


ANALYSIS_SAMPLES = [
    "De projectleiders van gemeenten werken samen met beleidsmedewerkers",
    "Coördinator Sectorale Aanpak",
    "Procesregisseur Zorg- & Veiligheidshuis IJsselland",
    "Aantoonbare werkervaring met informatie- en archiefwetgeving",
    "Stressbestendigheid en kunnen schakelen onder tijdsdruk",
]


def test_python_analysis_equals_the_elasticsearch_analyzer(store):
    """The embedded store's Python analysis and the index template's `tender_dutch` analyzer
    make the same terms (so both stores match the same documents)."""
    if store.backend.startswith("embedded"):
        pytest.skip("the embedded store is the Python analysis itself")
    skip_unsupported(store.backend, "keyword_search")
    from schemas.analysis import analyze

    for text in ANALYSIS_SAMPLES:
        assert analyzed(store, text) == analyze(text), text


def _assignment(seed_tenders, *members):
    """The seeds `members` as listings of one assignment (the first is its oldest), as the crawler
    sends them."""
    tenders = [seed_tenders[number] for number in members]
    listings = [Listing(source=tender.source, id=tender.id, url=tender.url) for tender in tenders]
    return [
        TenderEvent.build(
            "nl.tenderwatch.tender.updated",
            tender.model_copy(
                update={
                    "assignment_id": tenders[0].id,
                    "also_on": [listing for listing in listings if listing.id != tender.id],
                }
            ),
            2,
            NOW,
            ["also_on"],
        )
        for tender in tenders
    ]


def test_one_hit_per_assignment_unless_every_listing_is_asked_for(store, seed_tenders):
    skip_unsupported(store.backend, "collapse")
    assert store.write(_assignment(seed_tenders, "28671", "31050")).written == 2
    collapsed = store.search(SearchFilter())
    assert [tender.id for tender in collapsed.tenders] == [
        "flextender:28671",
        "flextender:30922",
        S2,
        S1,
    ]
    assert collapsed.total == 4
    [first, *_] = collapsed.tenders
    assert (first.assignment_id, [listing.id for listing in first.also_on]) == (
        "flextender:28671",
        ["flextender:31050"],
    )
    every = store.search(SearchFilter(), SearchPage(all_listings=True))
    assert [tender.id for tender in every.tenders] == OPEN_BY_DEADLINE and every.total == 5
    pages = [store.search(SearchFilter(), SearchPage(limit=2, offset=offset)) for offset in (0, 2)]
    assert [tender.id for page in pages for tender in page.tenders] == [
        tender.id for tender in collapsed.tenders
    ]
    assert [page.total for page in pages] == [4, 4]
    # A filter only one listing matches shows that listing, the others named in also_on.
    [only] = store.search(SearchFilter(pay_scale_min=12)).tenders
    assert only.id == "flextender:31050" and [listing.id for listing in only.also_on] == [
        "flextender:28671"
    ]


def test_keyword_hits_are_collapsed_too(store, seed_tenders):
    skip_unsupported(store.backend, "keyword_search")
    skip_unsupported(store.backend, "collapse")
    store.write(_assignment(seed_tenders, "30922", "30498"))
    result = store.search(SearchFilter(keyword="procesregisseur", status="all"))
    every = store.search(
        SearchFilter(keyword="procesregisseur", status="all"), SearchPage(all_listings=True)
    )
    assert {tender.id for tender in every.tenders} == {
        "flextender:30922",
        "flextender:30498",
    } and every.total == 2
    # The best placed listing stands for the assignment: which one that is depends on the
    # engine's relevance scores (SQLite's bm25 and Lucene's differ on these two).
    assert [tender.id for tender in result.tenders] == [every.tenders[0].id] and result.total == 1
    [other] = [tender.id for tender in every.tenders[1:]]
    assert [listing.id for listing in result.tenders[0].also_on] == [other]


def test_history_lists_what_happened_to_a_tender_oldest_first(store, seed_tenders):
    tender = seed_tenders["30922"]
    moved = tender.model_copy(
        update={"deadline": tender.deadline.replace(day=tender.deadline.day + 1)}
    )
    store.write(
        [
            TenderEvent.build("nl.tenderwatch.tender.updated", moved, 2, NOW, ["deadline"]),
            TenderEvent.build(
                "nl.tenderwatch.tender.expired",
                moved.model_copy(update={"status": "expired"}),
                3,
                NOW,
            ),
        ]
    )
    store.write(
        [TenderEvent.build("nl.tenderwatch.tender.updated", moved, 2, NOW, ["deadline"])]
    )  # a replay
    history = store.history("flextender:30922")
    assert [(entry.sequence, entry.type, entry.changed_fields) for entry in history] == [
        (1, "nl.tenderwatch.tender.published", ()),
        (2, "nl.tenderwatch.tender.updated", ("deadline",)),
        (3, "nl.tenderwatch.tender.expired", ()),
    ]
    assert history[0].time == NOW
    assert store.history("flextender:404") == []


def test_the_rate_spread_counts_the_open_listings_that_state_a_rate(store, seed_tenders):
    base = seed_tenders["30922"]
    rates = [(80.0, "open"), (95.5, "open"), (110.0, "open"), (120.0, "open"), (None, "open")]
    rates.append((200.0, "expired"))  # closed: not what is paid now
    tenders = [
        base.model_copy(
            update={
                "id": f"striive:95000{number}",
                "source": "striive",
                "external_id": f"95000{number}",
                "assignment": f"striive:95000{number}",
                "title": f"Tariefonderzoeker {number}",
                "client": "Gemeente Tarievenstad",
                "max_hourly_rate": rate,
                "status": status,
            }
        )
        for number, (rate, status) in enumerate(rates)
    ]
    store.write([TenderEvent.build("nl.tenderwatch.tender.published", t, 1, NOW) for t in tenders])
    spread = store.rate_spread(SearchFilter(client="Gemeente Tarievenstad", status="all"))
    assert (spread.stated, spread.lowest, spread.median, spread.highest) == (4, 80, 102.75, 120)
    narrowed = store.rate_spread(SearchFilter(client="Gemeente Tarievenstad", hours_min=160))
    assert narrowed.stated == 0 and narrowed.median is None
    skip_unsupported(store.backend, "keyword_search")  # "…onderzoekers" finds "…onderzoeker"
    by_word = store.rate_spread(SearchFilter(keyword="tariefonderzoekers"))
    assert (by_word.stated, by_word.lowest, by_word.median) == (4, 80, 102.75)
