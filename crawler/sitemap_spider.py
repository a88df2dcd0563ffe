"""What a source read through its sitemap shares (Haert, BlueTrail): the sitemap is the
complete list of its listings; a listing's page is fetched when its URL is new, its `lastmod`
changed, or it was last read on another day (so a page is re-read at most once a day: a
client may close early without the sitemap saying so). The sitemap names URLs on the real
host; their paths are fetched on the configured one, so a replica answers for it. URLs with a
query string are never fetched (robots.txt forbids them on BlueTrail). Closing is
`crawler.closing`: deadline passed → expired; missing from two complete sitemaps → withdrawn;
an empty or halved sitemap closes nothing."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.list_spider import ListSourceSpider
from crawler.pages.raw import UnrecognisedPage
from crawler.pages.structured import SitemapEntry, sitemap_entries
from schemas.tender import Tender
from schemas.zone import AMSTERDAM

log = structlog.get_logger(__name__)


class SitemapSourceSpider(ListSourceSpider):
    sitemap_path: str  # e.g. "/sitemap.xml"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404, 410]}

    def is_listing(self, entry: SitemapEntry) -> bool:
        """Whether a sitemap URL is one of the source's listings (not a CMS page)."""
        raise NotImplementedError

    def listing_of(self, body: str, entry: SitemapEntry) -> tuple[str, Callable[[], Tender]]:
        """(external id, the build of its `Tender`) of a listing's page; UnrecognisedPage when
        the page is not one."""
        raise NotImplementedError

    async def start(self):
        yield Request(
            f"{self.host}{self.sitemap_path}",
            callback=self.parse_sitemap,
            errback=self.list_failed,
            dont_filter=True,
        )

    def fingerprint(self, entry: SitemapEntry) -> str:
        """Changes with `lastmod` and with the Amsterdam day: a page is read at most once a day
        unless the sitemap says it changed."""
        return f"{entry.lastmod or '-'}|{self.now.astimezone(AMSTERDAM).date().isoformat()}"

    def parse_sitemap(self, response: Response):
        stats = self.crawler.stats
        try:
            entries = sitemap_entries(response.body)
        except UnrecognisedPage as exc:
            log.error("sitemap_unrecognised", source=self.source, url=response.url, reason=str(exc))
            stats.inc_value("tenderwatch/unrecognised_pages")
            yield from self.finish_list(
                set(), complete=False, reason=f"the sitemap was not recognised: {exc}"
            )
            return
        listings = {
            entry.url: entry for entry in entries if not entry.has_query and self.is_listing(entry)
        }
        verdict = self.judge(len(listings))
        known_by_url = self.state.listings_by_url(self.source)
        listed: set[str] = set()
        for entry in listings.values():
            fingerprint = self.fingerprint(entry)
            known = known_by_url.get(entry.url)
            if known is not None:
                listed.add(known.tender_id)
            if self.wanted(known, entry, fingerprint):
                yield Request(
                    f"{self.host}{entry.path}",
                    callback=self.parse_page,
                    errback=self.page_failed,
                    cb_kwargs={"entry": entry, "fingerprint": fingerprint},
                )
        yield from self.finish_list(listed, complete=verdict.complete, reason=verdict.reason)
        stats.set_value("tenderwatch/listed", len(listings))  # every listing named, known or new

    def wanted(self, known, entry: SitemapEntry, fingerprint: str) -> bool:
        """Whether to read a listed page: new; open and changed or not read today (`unchanged`);
        closed (still in the sitemap, as Haert keeps them) only when its `lastmod` changed."""
        if known is None:
            return True
        if known.status != "open":
            return (known.list_fingerprint or "").split("|")[0] != (entry.lastmod or "-")
        return not self.unchanged(known.tender_id, fingerprint)

    def parse_page(self, response: Response, entry: SitemapEntry, fingerprint: str):
        stats = self.crawler.stats
        if response.status in (404, 410):  # listed but gone: a failed fetch, not a closure
            log.warning("listed_page_gone", source=self.source, url=response.url)
            stats.inc_value("tenderwatch/detail_failures")
            return
        stats.inc_value("tenderwatch/details")
        try:
            external_id, build = self.listing_of(response.text, entry)
        except UnrecognisedPage as exc:
            log.error(
                "page_not_recognised_layout_changed",
                source=self.source,
                url=response.url,
                reason=str(exc),
            )
            stats.inc_value("tenderwatch/unrecognised_pages")
            return
        yield from self.item_of(external_id, build, fingerprint)

    def page_failed(self, failure: Failure) -> None:
        self.fetch_failed(failure, "page_unavailable")
