"""The Haert spider: `GET <TENDERWATCH_HAERT_URL>/sitemap.xml`, then each assignment page
(`/opdrachten/<slug>-<number>`) that is new, changed or not read today, 2 s apart by default
(`TENDERWATCH_HAERT_REQUEST_DELAY`). Closing: the shared sitemap rules, and an assignment page
saying "Reactietermijn gesloten" is expired."""

from __future__ import annotations

from crawler.pages.structured import SitemapEntry
from crawler.sitemap_spider import SitemapSourceSpider
from crawler.sources.haert.normalize import SOURCE, external_id_of, normalise
from crawler.sources.haert.pages import ASSIGNMENT_PATH, SITEMAP_PATH, parse_page


class HaertSpider(SitemapSourceSpider):
    name = SOURCE
    source = SOURCE
    host_setting = "haert_url"
    delay_setting = "haert_request_delay"
    sitemap_path = SITEMAP_PATH

    def is_listing(self, entry: SitemapEntry) -> bool:
        return bool(ASSIGNMENT_PATH.match(entry.path))

    def listing_of(self, body: str, entry: SitemapEntry):
        page = parse_page(body)
        return external_id_of(page, entry.path), lambda: normalise(
            page, entry.url, fetched_at=self.fetch_moment(), now=self.now
        )
