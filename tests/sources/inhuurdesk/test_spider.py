"""The Inhuurdesk spider against its replica: the same spider as Striive's (HeadFirst schema),
with its own path, an unknown page size (it pages until `total` ids or an empty page) and its
public URLs; the closing rules run through the same code (tests/sources/striive/)."""

from __future__ import annotations

import pytest

from crawler.sources.inhuurdesk.replica import InhuurdeskReplica
from tests.sources.headfirst_crawl import Crawler, events, many_items


@pytest.fixture
def site():
    with InhuurdeskReplica() as replica:
        yield replica


@pytest.fixture
def crawl(site, tmp_path):
    return Crawler("inhuurdesk", "TENDERWATCH_INHUURDESK_URL", site, tmp_path / "data")


def test_a_full_crawl_yields_every_open_listing_once(site, crawl):
    code, tenders, stderr = crawl()
    assert code == 0, stderr[-2000:]
    assert sorted(tender["external_id"] for tender in tenders) == sorted(
        item["id"] for item in site.items
    )
    assert all(tender["url"].startswith("https://inhuurdesk.nl/aanvragen/") for tender in tenders)
    assert site.requests == [1]  # `total` ids held after the first page


def test_paging_is_followed_until_total_ids_are_held(site, crawl):
    site.items = many_items(site, 50)
    code, tenders, stderr = crawl()
    assert code == 0, stderr[-2000:]
    assert site.requests == [1, 2, 3] and len(tenders) == 50  # 21 + 21 + 8


def test_missing_twice_is_withdrawn_and_a_failed_page_closes_nothing(site, crawl):
    site.items = many_items(site, 50)
    crawl()
    gone = site.items.pop()
    site.failing_pages = {3}
    code, tenders, _ = crawl()
    assert code == 4 and events(tenders, "withdrawn") == []
    site.failing_pages = set()
    assert crawl()[1] == []  # the first complete list without it
    code, tenders, _ = crawl()
    assert code == 0 and events(tenders, "withdrawn") == [f"inhuurdesk:{gone['id']}"]
