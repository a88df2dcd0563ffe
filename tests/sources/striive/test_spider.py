"""The Striive spider against its replica: the complete list once, paging to the end, and
each closing rule (deadline passed, missing from two complete lists, nothing closed by a list
that is not complete)."""

from __future__ import annotations

import pytest

from crawler.sources.striive.replica import StriiveReplica
from tests.sources.headfirst_crawl import Crawler, events, many_items


@pytest.fixture
def site():
    with StriiveReplica() as replica:
        yield replica


@pytest.fixture
def crawl(site, tmp_path):
    return Crawler("striive", "TENDERWATCH_STRIIVE_URL", site, tmp_path / "data")


def test_a_full_crawl_yields_every_open_listing_once(site, crawl):
    code, tenders, stderr = crawl()
    assert code == 0, stderr[-2000:]
    assert sorted(tender["external_id"] for tender in tenders) == sorted(
        item["id"] for item in site.items
    )
    assert all(tender["id"].startswith("striive:") for tender in tenders)
    # listed, but its deadline (15 June) had passed: recorded as expired from the start
    assert events(tenders, "expired") == ["striive:5a1d0c2e-0000-4000-8000-00000000000b"]
    assert site.requests == [1]  # 10 items: one short page ends the list
    code, tenders, _ = crawl()  # nothing changed: nothing to tell
    assert (code, tenders) == (0, [])
    status = crawl.status()
    assert (
        status["open_listings"] == 9
        and status["failing_since"] is None
        and status["last_complete_crawl"]
    )


def test_paging_is_followed_to_the_end(site, crawl):
    site.items = many_items(site, 55)
    code, tenders, stderr = crawl()
    assert code == 0, stderr[-2000:]
    assert site.requests == [1, 2, 3]  # 25 + 25 + 5: the short page ends it
    assert len({tender["id"] for tender in tenders}) == len(tenders) == 55


def test_a_listing_whose_deadline_passed_is_expired(site, crawl):
    crawl()
    code, tenders, _ = crawl(
        now="2026-09-22T14:30:00+02:00"
    )  # after 21 Sept 12:00, 22 Sept 08:00, 12:00, 13:00
    assert code == 0
    assert events(tenders, "expired") == [
        "striive:08443f5d-66d3-4a94-893a-fa26a02bedc6",
        "striive:43aa4842-aea7-451a-9a4b-9e9c2f7fc935",
        "striive:6cb79652-dcef-4ca0-9713-f82e8b03e5a9",
        "striive:7601f27b-6341-4a6a-98e5-c7ceee7998c4",
    ]
    assert events(tenders, "open") == []  # the others did not change


def test_a_listing_missing_from_two_complete_lists_in_a_row_is_withdrawn(site, crawl):
    crawl()
    gone = site.items.pop(0)
    code, tenders, stderr = crawl()
    assert (code, tenders) == (
        0,
        [],
    ) and "listing_missing_from_the_list" in stderr  # once is not enough
    code, tenders, _ = crawl()
    assert code == 0 and events(tenders, "withdrawn") == [f"striive:{gone['id']}"]
    assert crawl()[1] == []  # withdrawn once


def test_a_listing_back_on_the_list_starts_counting_again(site, crawl):
    crawl()
    gone = site.items.pop(0)
    crawl()
    site.items.append(gone)
    assert crawl()[1] == []
    site.items.remove(gone)
    code, tenders, _ = crawl()
    assert (code, tenders) == (0, [])  # missing once again: not yet withdrawn


@pytest.mark.parametrize(
    "breakage, exit_code",
    [("failed page", 4), ("shrank", 4), ("empty", 4), ("html error page", 3), ("not json", 3)],
)
def test_a_list_that_is_not_complete_closes_nothing_and_exits_non_zero(
    site, crawl, breakage, exit_code
):
    """4: the list could not be had whole; 3: an answer was not recognised (layout changed)."""
    site.items = many_items(site, 55)
    assert crawl()[0] == 0
    if breakage == "failed page":
        site.failing_pages = {2}
    elif breakage == "shrank":
        site.items = site.items[:20]
    elif breakage == "empty":
        site.items = []
    elif breakage == "html error page":
        site.answer_override = (200, "<html><body>Onderhoud</body></html>", "text/html")
    else:
        site.answer_override = (200, "{truncated", "application/json")
    for _ in range(2):  # not even twice in a row
        code, tenders, stderr = crawl()
        assert code == exit_code, stderr[-2000:]
        assert events(tenders, "withdrawn") == [] and "list_incomplete_closes_nothing" in stderr
    status = crawl.status()
    assert status["failing_since"] and status["last_error"] and status["open_listings"] == 55
