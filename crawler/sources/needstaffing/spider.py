"""The Need Staffing spider: the paged list (`GET <TENDERWATCH_NEEDSTAFFING_URL>/Opdrachten?
PageNumber=N&SortOrder=NewestFirst`, 20 cards a page, with `Accept-Language: nl-NL`),
collected by id until a page adds no new id, no next page is linked, or 15 pages; then a
detail page (`/Opdrachten/<id>`) only for cards that are new or changed, 1 s apart by default
(`TENDERWATCH_NEEDSTAFFING_REQUEST_DELAY`). The list is complete when every page answered and
the distinct ids equal its "N opdrachten" total. Closing: `crawler.closing` (cards stay listed
after their deadline, so the deadline decides; missing from two complete lists → withdrawn)."""

from __future__ import annotations

import structlog
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.items import entry_fingerprint
from crawler.list_spider import ListSourceSpider
from crawler.pages.raw import UnrecognisedPage
from crawler.sources.needstaffing.normalize import SOURCE, normalise
from crawler.sources.needstaffing.pages import DETAIL_PATH, LIST_PATH, Card, detail_page, list_page

log = structlog.get_logger(__name__)
MAX_PAGES = 15
HEADERS = {"Accept-Language": "nl-NL,nl;q=0.9"}


def card_fingerprint(card: Card) -> str:
    return entry_fingerprint(
        {
            "title": card.title,
            "client": card.client,
            "items": {label: vars(item) for label, item in card.items.items()},
        }
    )


class NeedStaffingSpider(ListSourceSpider):
    name = SOURCE
    source = SOURCE
    host_setting = "needstaffing_url"
    delay_setting = "needstaffing_request_delay"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404, 410]}

    async def start(self):
        self.cards: dict[str, Card] = {}
        self.total: int | None = None
        yield self.page_request(1)

    def page_request(self, page: int) -> Request:
        return Request(
            f"{self.host}{LIST_PATH.format(page=page)}",
            headers=HEADERS,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"page": page},
            dont_filter=True,
        )

    def parse_list(self, response: Response, page: int):
        try:
            if response.status != 200:
                raise UnrecognisedPage(f"HTTP {response.status}")
            found = list_page(response.body)
        except UnrecognisedPage as exc:
            if self.cards:  # a later page: keep what the earlier ones listed, close nothing
                log.error(
                    "list_page_unrecognised", source=SOURCE, url=response.url, reason=str(exc)
                )
                yield from self.list_done(
                    page, failed=f"list page {page} was not recognised: {exc}"
                )
                return
            log.error("list_unrecognised", source=SOURCE, url=response.url, reason=str(exc))
            self.crawler.stats.inc_value("tenderwatch/unrecognised_pages")
            yield from self.finish_list(
                set(), complete=False, reason=f"list page {page} was not recognised: {exc}"
            )
            return
        if page == 1:
            self.total = found.total
        new = [card for card in found.cards if card.external_id not in self.cards]
        self.cards.update({card.external_id: card for card in new})
        if new and found.has_next and page < MAX_PAGES:
            yield self.page_request(page + 1)
            return
        yield from self.list_done(page)

    def list_failed(self, failure: Failure):
        """A page after the first failed: the cards read so far are still mapped, but the list
        is not complete, so it closes nothing."""
        if not getattr(self, "cards", None):
            yield from super().list_failed(failure)
            return
        log.error("list_page_unavailable", source=SOURCE, error=failure.getErrorMessage())
        self.crawler.stats.inc_value("tenderwatch/list_failures")
        page = failure.request.cb_kwargs.get("page", 0)
        yield from self.list_done(
            page, failed=f"list page {page} failed: {failure.getErrorMessage()}"
        )

    def list_done(self, pages: int, failed: str | None = None):
        listed = {f"{SOURCE}:{external_id}" for external_id in self.cards}
        verdict = self.judge(len(self.cards))
        complete, reason = verdict.complete and failed is None, failed or verdict.reason
        if complete and self.total is not None and len(self.cards) != self.total:
            complete = False
            reason = (
                f"{len(self.cards)} distinct listings on {pages} pages, the header says "
                f"{self.total}"
            )
        for card in self.cards.values():
            fingerprint = card_fingerprint(card)
            if not self.unchanged(f"{SOURCE}:{card.external_id}", fingerprint):
                yield Request(
                    f"{self.host}{DETAIL_PATH.format(id=card.external_id)}",
                    headers=HEADERS,
                    callback=self.parse_detail,
                    errback=self.detail_failed,
                    cb_kwargs={"card": card, "fingerprint": fingerprint},
                )
        yield from self.finish_list(listed, complete=complete, reason=reason)

    def parse_detail(self, response: Response, card: Card, fingerprint: str):
        self.crawler.stats.inc_value("tenderwatch/details")
        detail = None
        if response.status == 200:
            try:
                detail = detail_page(response.body)
            except UnrecognisedPage as exc:
                log.warning("detail_unrecognised", source=SOURCE, url=response.url, reason=str(exc))
        if detail is None:
            self.crawler.stats.inc_value("tenderwatch/detail_failures")
        yield from self.mapped(card, detail, fingerprint if detail else None)

    def detail_failed(self, failure: Failure):
        self.fetch_failed(failure)
        yield from self.mapped(failure.request.cb_kwargs["card"], None, None)

    def mapped(self, card: Card, detail, fingerprint: str | None):
        """Without a detail the listing is recorded from its card and its fingerprint is not,
        so the next crawl asks for the detail again."""
        yield from self.item_of(
            card.external_id,
            lambda: normalise(card, detail, fetched_at=self.fetch_moment(), now=self.now),
            fingerprint,
        )
