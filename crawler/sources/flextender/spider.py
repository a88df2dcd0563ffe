"""The Flextender spider.

1. Fetch the complete list of open listings: the JSON API, or the WordPress listing
   (search form + `admin-ajax.php`) when the API fails.
2. Fetch the detail page of every listing that is new, changed in the list, or reopened.
3. Closing: a listing known open but missing from the complete list has its detail page
   fetched again (expired notice or passed deadline → `expired`, otherwise `withdrawn`;
   gone (404/410) → `withdrawn`); a listing whose deadline has passed is `expired`. A list
   that is empty or shrank by more than half closes nothing (`crawler.closing.judge_list`).

The settings, clock, crawl state and the unchanged check are the shared `SourceSpider`'s.

Unrecognised pages (layout changed) are logged, counted as
`tenderwatch/unrecognised_pages` and make `tenderwatch crawl` exit non-zero; no empty
tender is ever emitted for them.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import structlog
from scrapy.http import FormRequest, Request, Response
from twisted.python.failure import Failure

from crawler.closing import closed_copy, deadline_passed
from crawler.items import TenderItem, entry_fingerprint
from crawler.list_spider import SourceSpider
from crawler.pages.raw import RawListing, UnrecognisedPage
from crawler.sources.flextender.normalize import normalise
from crawler.sources.flextender.pages import (
    SOURCE,
    FlextenderDetailPage,
    api_jobs,
    detail_url,
    listing_from_ajax,
    search_form_fields,
)
from crawler.state import KnownListing

log = structlog.get_logger(__name__)

GONE = (404, 410)


def list_fingerprint(raw: RawListing) -> str:
    """Hash of a listing's entry in the complete list: when it changes, the detail page is
    fetched again."""
    return entry_fingerprint(asdict(raw))


class FlextenderSpider(SourceSpider):
    name = source = SOURCE
    custom_settings = {"HTTPERROR_ALLOWED_CODES": list(GONE)}

    def __init__(self, base_url: str | None = None, api_url: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base_url_argument, self._api_url_argument = base_url, api_url

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = (spider._base_url_argument or spider.config.flextender_base_url).rstrip(
            "/"
        )
        spider.api_url = (spider._api_url_argument or spider.config.flextender_api_url).rstrip("/")
        return spider

    # 1. the complete list ------------------------------------------------------------

    async def start(self):
        yield Request(
            f"{self.api_url}/v1/getjobs",
            headers={"Accept": "application/json"},
            callback=self.parse_api,
            errback=self.api_failed,
        )

    def listing_request(self) -> Request:
        return Request(
            f"{self.base_url}/opdrachten/",
            callback=self.parse_search_form,
            errback=self.list_failed,
        )

    def api_failed(self, failure: Failure):
        log.warning(
            "api_unavailable_falling_back_to_listing",
            source=SOURCE,
            error=failure.getErrorMessage(),
        )
        self.crawler.stats.inc_value("tenderwatch/api_failures")
        yield self.listing_request()

    def parse_api(self, response: Response):
        try:
            listings = api_jobs(response.body, self.base_url)
        except UnrecognisedPage as exc:
            log.warning(
                "api_answer_unrecognised_falling_back_to_listing", source=SOURCE, reason=str(exc)
            )
            self.crawler.stats.inc_value("tenderwatch/api_failures")
            yield self.listing_request()
            return
        self.crawler.stats.set_value("tenderwatch/list_source", "api")
        yield from self.handle_complete_list(listings)

    def parse_search_form(self, response: Response):
        try:
            fields = search_form_fields(response.body)
        except UnrecognisedPage as exc:
            self.unrecognised(response, exc)
            return
        yield FormRequest(
            f"{self.base_url}/wp-admin/admin-ajax.php",
            formdata=fields,
            callback=self.parse_listing,
            errback=self.list_failed,
        )

    def parse_listing(self, response: Response):
        try:
            listings = listing_from_ajax(response.body, self.base_url)
        except UnrecognisedPage as exc:
            self.unrecognised(response, exc)
            return
        self.crawler.stats.set_value("tenderwatch/list_source", "listing")
        yield from self.handle_complete_list(listings)

    def list_failed(self, failure: Failure) -> None:
        log.error("listing_unavailable", source=SOURCE, error=failure.getErrorMessage())
        self.crawler.stats.inc_value("tenderwatch/list_failures")
        self.state.record_list_failure(
            SOURCE, f"no list of open listings: {failure.getErrorMessage()}", self.now
        )

    # 2. and 3. what to fetch from the list ------------------------------------------

    def handle_complete_list(self, listings: list[RawListing]):
        self.crawler.stats.set_value("tenderwatch/listed", len(listings))
        judged = self.judge(len(listings))
        if judged.complete:
            self.state.record_complete_list(SOURCE, len(listings), self.now)
        else:
            log.warning(
                "list_incomplete_closes_nothing",
                source=SOURCE,
                reason=judged.reason,
                listed=len(listings),
            )
            self.crawler.stats.set_value("tenderwatch/list_incomplete", judged.reason)
            self.state.record_list_failure(SOURCE, judged.reason or "incomplete list", self.now)
        listed: set[str] = set()
        for raw in listings:
            if not raw.external_id:
                log.warning(
                    "listing_without_request_number", source=SOURCE, url=raw.url, title=raw.title
                )
                continue
            tender_id = f"{SOURCE}:{raw.external_id}"
            if tender_id in listed:
                continue
            listed.add(tender_id)
            fingerprint = list_fingerprint(raw)
            if not self.unchanged(tender_id, fingerprint):
                yield self.detail_request(raw.external_id, listed_as=raw, fingerprint=fingerprint)
        for known in self.state.open_listings(SOURCE):
            if known.tender_id not in listed and (
                judged.complete or deadline_passed(known, self.now)
            ):
                log.info("listing_left_the_list", tender_id=known.tender_id, source=SOURCE)
                yield self.detail_request(known.external_id, closing=known)

    def detail_request(
        self,
        external_id: str,
        *,
        listed_as: RawListing | None = None,
        fingerprint: str | None = None,
        closing: KnownListing | None = None,
    ) -> Request:
        return Request(
            detail_url(self.base_url, external_id),
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={
                "external_id": external_id,
                "listed_as": listed_as,
                "fingerprint": fingerprint,
                "closing": closing,
            },
        )

    def parse_detail(
        self,
        response: Response,
        external_id: str,
        listed_as: RawListing | None,
        fingerprint: str | None,
        closing: KnownListing | None,
    ):
        with structlog.contextvars.bound_contextvars(
            tender_id=f"{SOURCE}:{external_id}", source=SOURCE
        ):
            if response.status in GONE:
                if closing is not None:
                    yield from self.withdrawn_without_page(closing)
                else:
                    log.warning("listed_detail_page_gone", url=response.url, status=response.status)
                return
            try:
                page = FlextenderDetailPage(response.body, url=response.url)
            except UnrecognisedPage as exc:
                self.unrecognised(response, exc)
                return
            raw = page.raw(self.base_url)
            if raw.external_id is None:
                raw = replace(
                    raw, external_id=external_id, url=detail_url(self.base_url, external_id)
                )
            if listed_as is not None:
                raw = replace(
                    raw, fields_of_work=listed_as.fields_of_work, client_kvk=listed_as.client_kvk
                )
            tender = normalise(raw, fetched_at=self.fetch_moment(), now=self.now)
            if closing is not None and tender.status == "open":
                tender = tender.model_copy(update={"status": "withdrawn"})
            for warning in tender.warnings:
                log.info("value_not_parsed", warning=warning)
            self.crawler.stats.inc_value(f"tenderwatch/tenders/{tender.status}")
            yield TenderItem(tender=tender, list_fingerprint=fingerprint)

    def withdrawn_without_page(self, closing: KnownListing):
        tender = closed_copy(self.state, closing, "withdrawn", self.now)
        if tender is not None:
            self.crawler.stats.inc_value("tenderwatch/tenders/withdrawn")
            yield TenderItem(tender=tender)

    def detail_failed(self, failure: Failure) -> None:
        log.error(
            "detail_page_unavailable", url=failure.request.url, error=failure.getErrorMessage()
        )
        self.crawler.stats.inc_value("tenderwatch/detail_failures")

    def unrecognised(self, response: Response, exc: UnrecognisedPage) -> None:
        log.error(
            "page_not_recognised_layout_changed",
            url=response.url,
            status=response.status,
            reason=str(exc),
        )
        self.crawler.stats.inc_value("tenderwatch/unrecognised_pages")
        self.state.record_list_failure(
            SOURCE, f"page not recognised ({response.url}): {exc}", self.now
        )
