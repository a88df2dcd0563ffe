"""The Opdrachtoverheid spider.

1. The search endpoint (`POST <TENDERWATCH_OPDRACHTOVERHEID_API_URL>/v7/vacancies/search`) with
   the site's own filter body, 100 records a page: raise `offset` by 100 until a page is
   shorter, never more than 40 pages; records are collected by `tender_id`.
2. When the endpoint fails or answers an unknown shape (logged as such), the fallback: the
   sitemap (`<TENDERWATCH_OPDRACHTOVERHEID_URL>/sitemap.xml`) and the JobPosting JSON-LD of each
   detail page. The fallback records only listings not known yet (what the JSON-LD lacks,
   such as the closing moment, must not overwrite what the search said) and closes nothing:
   a sitemap is not trusted as the open list. The source counts as failing meanwhile.
3. Closing from the search: `crawler.closing` (deadline passed; missing from two complete
   lists; a list that is not complete closes nothing).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import structlog
from scrapy.http import JsonRequest, Request, Response
from twisted.python.failure import Failure

from crawler.items import entry_fingerprint
from crawler.list_spider import ListSourceSpider
from crawler.pages.raw import UnrecognisedPage
from crawler.pages.structured import job_posting
from crawler.sources import SOURCES
from crawler.sources.opdrachtoverheid.normalize import SOURCE, from_job_posting, normalise
from crawler.sources.opdrachtoverheid.pages import (
    PAGE_SIZE,
    SEARCH_PATH,
    SITEMAP_PATH,
    is_closed_page,
    records,
    search_body,
    sitemap_urls,
    web_key_of,
)

PUBLIC_SITE = SOURCES["opdrachtoverheid"].default("opdrachtoverheid_url")  # the real site

log = structlog.get_logger(__name__)

MAX_PAGES = 40


VOLATILE_FIELDS = ("tender_last_seen", "similarity_score")  # change every day without news


class OpdrachtoverheidSpider(ListSourceSpider):
    name = SOURCE
    source = SOURCE
    host_setting = "opdrachtoverheid_api_url"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site = spider.config.opdrachtoverheid_url.rstrip("/")
        spider.records = {}
        return spider

    def search_request(self, page: int) -> JsonRequest:
        return JsonRequest(
            f"{self.host}{SEARCH_PATH}",
            data=search_body(page * PAGE_SIZE, self.now),
            callback=self.parse_search,
            errback=self.search_failed,
            cb_kwargs={"page": page},
            dont_filter=True,
        )

    async def start(self):
        yield self.search_request(0)

    def parse_search(self, response: Response, page: int):
        try:
            found = records(response.body)
        except UnrecognisedPage as exc:
            log.error(
                "search_answer_unrecognised_falling_back_to_sitemap",
                source=SOURCE,
                page=page,
                reason=str(exc),
            )
            self.crawler.stats.inc_value("tenderwatch/api_failures")
            yield self.sitemap_request(f"the search answered an unknown shape: {exc}")
            return
        for record in found:
            self.records.setdefault(record["tender_id"].strip(), record)
        self.crawler.stats.inc_value("tenderwatch/list_pages")
        if len(found) >= PAGE_SIZE and page + 1 < MAX_PAGES:
            yield self.search_request(page + 1)
            return
        yield from self.finish_search()

    def search_failed(self, failure: Failure):
        page = failure.request.cb_kwargs.get("page")
        log.error(
            "search_unavailable_falling_back_to_sitemap",
            source=SOURCE,
            page=page,
            error=failure.getErrorMessage(),
        )
        self.crawler.stats.inc_value("tenderwatch/api_failures")
        yield self.sitemap_request(f"the search failed on page {page}: {failure.getErrorMessage()}")

    def finish_search(self):
        verdict = self.judge(len(self.records))
        listed: set[str] = set()
        for external_id, record in self.records.items():
            tender_id = f"{SOURCE}:{external_id}"
            listed.add(tender_id)
            fingerprint = entry_fingerprint(record, leave_out=VOLATILE_FIELDS)
            if self.unchanged(tender_id, fingerprint):
                continue
            yield from self.item_of(
                external_id,
                lambda record=record: normalise(
                    record, fetched_at=self.fetch_moment(), now=self.now
                ),
                fingerprint,
            )
        yield from self.finish_list(listed, complete=verdict.complete, reason=verdict.reason)

    # the fallback ---------------------------------------------------------------------

    def sitemap_request(self, reason: str) -> Request:
        return Request(
            f"{self.site}{SITEMAP_PATH}",
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            cb_kwargs={"reason": reason},
            dont_filter=True,
        )

    def sitemap_failed(self, failure: Failure):
        reason = failure.request.cb_kwargs["reason"]
        log.error("sitemap_unavailable", source=SOURCE, error=failure.getErrorMessage())
        self.crawler.stats.inc_value("tenderwatch/list_failures")
        yield from self.finish_list(
            set(), complete=False, reason=f"{reason}; the sitemap failed too"
        )

    def parse_sitemap(self, response: Response, reason: str):
        try:
            urls = sitemap_urls(response.body)
        except UnrecognisedPage as exc:
            log.error("sitemap_unrecognised", source=SOURCE, reason=str(exc))
            self.crawler.stats.inc_value("tenderwatch/unrecognised_pages")
            yield from self.finish_list(
                set(), complete=False, reason=f"{reason}; the sitemap was not recognised"
            )
            return
        known = self.state.external_ids_by_url_suffix(SOURCE)
        for url in urls:
            web_key = web_key_of(url)
            if web_key is not None and web_key not in known:
                yield Request(
                    url,
                    callback=self.parse_detail_page,
                    errback=self.detail_failed,
                    cb_kwargs={"web_key": web_key},
                )
        self.crawler.stats.set_value("tenderwatch/sitemap_pages", len(urls))
        yield from self.finish_list(
            set(),
            complete=False,
            reason=f"{reason}; the sitemap fallback was used",
            fallback="sitemap",
        )

    def parse_detail_page(self, response: Response, web_key: str):
        if is_closed_page(response.text):
            self.crawler.stats.inc_value("tenderwatch/closed_pages_skipped")
            return
        try:
            posting = job_posting(response.text)
        except UnrecognisedPage as exc:
            log.warning(
                "detail_page_unrecognised", source=SOURCE, url=response.url, reason=str(exc)
            )
            self.crawler.stats.inc_value("tenderwatch/unrecognised_pages")
            return
        public = PUBLIC_SITE + unquote(
            urlsplit(response.url).path
        )  # the real page, whatever host was crawled
        yield from self.item_of(
            web_key,
            lambda: from_job_posting(
                posting,
                external_id=web_key,
                url=public,
                fetched_at=self.fetch_moment(),
                now=self.now,
            ),
            None,
        )

    def detail_failed(self, failure: Failure) -> None:
        self.fetch_failed(failure, "detail_page_unavailable")
