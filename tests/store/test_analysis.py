"""The Dutch analysis: table cases, and the fast path held to the regex reference on any text."""

from __future__ import annotations

import threading

import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import analysis
from schemas.analysis import DUTCH_STOP_WORDS, analyze, tokens_by_regex

_reference_stemmer = Stemmer.Stemmer("dutch_porter")


def reference_analyze(text: str) -> list[str]:
    """The analysis as first written: regex tokens, stop words out, every token stemmed."""
    return _reference_stemmer.stemWords(
        [token for token in tokens_by_regex(text) if token not in DUTCH_STOP_WORDS]
    )


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Projectleiders gemeenten", ["projectleider", "gemeent"]),
        ("Coördinator Welzijn", ["coordinator", "welzijn"]),
        ("de en van het", []),
        ("cv's 09.00 uur, 1,5 fte.", ["cv's", "09.00", "uur", "1,5", "fte"]),
        ("match_all a..b", ["match_all", "a", "b"]),
        ("collega’s “hybride” – €400", ["collega'", "hybrid", "400"]),
        ("Søren Ærø", ["søren", "ærø"]),  # letters without an ASCII decomposition keep their form
        ("ﬁets ½", ["fiet", "1", "2"]),
        ("", []),
    ],
)
def test_table(text, terms):
    assert analyze(text) == terms
    assert reference_analyze(text) == terms


TEXT = st.text(
    alphabet=st.sampled_from(list("abcdeënoöABZ019_'.,’ -–\n\t\u0301\u0308ø€“”éßΩ"))
    | st.characters(),
    max_size=80,
)


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_fast_path_equals_the_regex_reference(text):
    assert analysis._tokens(text) == tokens_by_regex(text)
    assert analyze(text) == reference_analyze(text)


def test_seed_descriptions_analyse_as_the_reference(seed_tenders):
    for tender in seed_tenders.values():
        assert analyze(tender.description) == reference_analyze(tender.description)


def test_the_stem_cache_starts_over_when_full_and_stays_right(monkeypatch):
    monkeypatch.setattr(analysis, "_MAX_CACHED_WORDS", 5)
    monkeypatch.setattr(analysis, "_stems", {})
    words = "projectleiders gemeenten wethouders inwoners afdelingen medewerkers"
    assert analyze(words) == reference_analyze(words)
    assert len(analysis._stems) <= 6


def test_threads_analysing_at_once_get_the_reference_terms(monkeypatch):
    monkeypatch.setattr(analysis, "_MAX_CACHED_WORDS", 50)  # the cache is replaced again and again
    monkeypatch.setattr(analysis, "_stems", {})
    texts = [
        f"projectleider{number} gemeenten{number} de beleidsadviseurs{number % 7}"
        for number in range(400)
    ]
    wrong: list[str] = []

    def work(offset: int) -> None:
        for text in texts[offset::4]:
            try:
                if analyze(text) != reference_analyze(text):
                    wrong.append(text)
            except Exception as exc:  # noqa: BLE001 - a failure in a thread must fail the test
                wrong.append(f"{text}: {exc!r}")

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
