"""The BlueTrail spider: `GET <TENDERWATCH_BLUETRAIL_URL>/job-sitemap.xml`, then each listing
page (`/opdrachten/<category>/<slug>/`) that is new, changed or not read today, 5 s apart by
default (robots.txt asks it: `TENDERWATCH_BLUETRAIL_REQUEST_DELAY`); the sitemap's URLs with a
query string (robots forbids them) are never fetched. Closing: the shared sitemap rules."""

from __future__ import annotations

from crawler.pages.structured import SitemapEntry
from crawler.sitemap_spider import SitemapSourceSpider
from crawler.sources.bluetrail.normalize import SOURCE, external_id_of, normalise
from crawler.sources.bluetrail.pages import LISTING_PATH, SITEMAP_PATH, parse_page


class BlueTrailSpider(SitemapSourceSpider):
    name = SOURCE
    source = SOURCE
    host_setting = "bluetrail_url"
    delay_setting = "bluetrail_request_delay"
    sitemap_path = SITEMAP_PATH

    def is_listing(self, entry: SitemapEntry) -> bool:
        return bool(LISTING_PATH.match(entry.path))

    def listing_of(self, body: str, entry: SitemapEntry):
        page = parse_page(body)
        return external_id_of(page, entry.url), lambda: normalise(
            page, entry.url, fetched_at=self.fetch_moment(), now=self.now
        )
