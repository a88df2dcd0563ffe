"""The spider of a HeadFirst list (Striive, Inhuurdesk): page through the complete open list,
one page at a time (AutoThrottle paces it), collecting items by id (the list can shift while
it is paged); stop at an empty page, a page shorter than the page size, once `total` distinct
ids are held, or after `MAX_PAGES`. Every item is the whole listing: there are no detail
pages. Closing: `crawler.closing`, through `ListSourceSpider.finish_list`.

A subclass names its platform (`platform`), its host setting (`host_setting`), its list path
and its page size; nothing else."""

from __future__ import annotations

import structlog
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.items import entry_fingerprint
from crawler.list_spider import ListSourceSpider
from crawler.pages.raw import UnrecognisedPage
from crawler.sources.headfirst.normalize import Platform, normalise
from crawler.sources.headfirst.pages import list_page

log = structlog.get_logger(__name__)

MAX_PAGES = 40


class HeadFirstListSpider(ListSourceSpider):
    platform: Platform
    list_path: str  # e.g. "/api/jobs?open=true"
    page_size: int | None = None  # None: unknown, stop at an empty page or at `total`

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.items, spider.total = {}, None
        return spider

    @property
    def source(self) -> str:
        return self.platform.source

    def page_url(self, number: int) -> str:
        separator = "&" if "?" in self.list_path else "?"
        return f"{self.host}{self.list_path}{separator}page={number}"

    def page_request(self, number: int) -> Request:
        return Request(
            self.page_url(number),
            headers={"Accept": "application/json"},
            callback=self.parse_page,
            errback=self.page_failed,
            cb_kwargs={"number": number},
            dont_filter=True,
        )

    async def start(self):
        yield self.page_request(1)

    def parse_page(self, response: Response, number: int):
        try:
            page = list_page(response.body)
        except UnrecognisedPage as exc:
            log.error(
                "list_page_unrecognised",
                source=self.source,
                page=number,
                url=response.url,
                reason=str(exc),
            )
            self.crawler.stats.inc_value("tenderwatch/unrecognised_pages")
            yield from self.finish(
                complete_pages=False, reason=f"page {number} not recognised: {exc}"
            )
            return
        for item in page.items:
            self.items.setdefault(item["id"].strip(), item)
        self.total = page.total if page.total is not None else self.total
        self.crawler.stats.inc_value("tenderwatch/list_pages")
        short = not page.items or (self.page_size is not None and len(page.items) < self.page_size)
        if (
            short
            or (self.total is not None and len(self.items) >= self.total)
            or number >= MAX_PAGES
        ):
            yield from self.finish(complete_pages=True)
        else:
            yield self.page_request(number + 1)

    def page_failed(self, failure: Failure):
        number = failure.request.cb_kwargs.get("number")
        log.error(
            "list_page_unavailable",
            source=self.source,
            page=number,
            error=failure.getErrorMessage(),
        )
        self.crawler.stats.inc_value("tenderwatch/list_failures")
        yield from self.finish(
            complete_pages=False, reason=f"page {number} failed: {failure.getErrorMessage()}"
        )

    def finish(self, *, complete_pages: bool, reason: str | None = None):
        """Map what the list holds that is new or changed; close only from a complete list."""
        complete = False
        if complete_pages:
            verdict = self.judge(len(self.items))
            complete, reason = verdict.complete, verdict.reason
        listed: set[str] = set()
        for external_id, item in self.items.items():
            tender_id = f"{self.source}:{external_id}"
            listed.add(tender_id)
            fingerprint = entry_fingerprint(item)
            if self.unchanged(tender_id, fingerprint):
                continue
            yield from self.item_of(
                external_id,
                lambda item=item: normalise(
                    item, self.platform, fetched_at=self.fetch_moment(), now=self.now
                ),
                fingerprint,
            )
        yield from self.finish_list(listed, complete=complete, reason=reason)
