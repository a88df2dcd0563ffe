"""The search page's machine twin: `GET /search.json` takes the page's URL query (the one
vocabulary of `schemas.search_query`) and answers its hits, total, paging links and the rate
spread as JSON, as Datasette answers every table page. A value it cannot use is a 400 that
names the field, as on the page."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from consumers.store.base import RateSpread, StoreUnavailable
from schemas.search_query import FilterProblem
from schemas.tender import Tender
from tenderwatch.common.i18n import platform_name
from tenderwatch.web.dependencies import ClockDep, RendererDep, StoreDep
from tenderwatch.web.search_pages import PAGE_SIZE, run_search

router = APIRouter(tags=["search"])


class OtherListing(BaseModel):
    source: str
    platform: str = Field(description="The platform's own name")
    url: str


class Hit(BaseModel):
    """One hit as the page shows it; the whole tender is at `GET /tenders/{id}` as HTML."""

    id: str
    title: str
    client: str | None
    region: str | None
    status: Literal["open", "expired", "withdrawn"]
    deadline: datetime | None
    hours_per_week_min: int | None
    hours_per_week_max: int | None
    pay_scale: str | None
    max_hourly_rate: float | None = Field(description="EUR per hour, excl. VAT")
    start: date | None
    source: str
    platform: str = Field(description="The platform's own name, e.g. Flextender")
    url: str = Field(description="The listing on its platform")
    page: str = Field(description="The tender's page on tenderwatch")
    also_on: list[OtherListing]


class Rates(BaseModel):
    """Maximum hourly rates (EUR, excl. VAT) of the open listings the search matches."""

    stated: int = Field(description="How many of them state a rate")
    lowest: float | None
    median: float | None
    highest: float | None


class Links(BaseModel):
    html: str = Field(description="The same search as a page")
    self: str
    next: str | None
    prev: str | None


class SearchAnswer(BaseModel):
    total: int = Field(description="Assignments found (listings with all=1)")
    page: int
    pages: int
    page_size: int
    indexed: bool = Field(description="False: nothing has been collected yet")
    hits: list[Hit]
    rates: Rates
    links: Links


class Problem(BaseModel):
    detail: str
    field: str | None = None


def hit_of(tender: Tender, platforms) -> Hit:
    hours = tender.hours_per_week
    return Hit(
        id=tender.id,
        title=tender.title,
        client=tender.client,
        region=tender.region,
        status=tender.status,
        deadline=tender.deadline,
        hours_per_week_min=hours.min if hours else None,
        hours_per_week_max=hours.max if hours else None,
        pay_scale=tender.pay_scale.label if tender.pay_scale else None,
        max_hourly_rate=tender.max_hourly_rate,
        start=tender.start.date if tender.start else None,
        source=tender.source,
        platform=platform_name(tender.source, platforms),
        url=tender.url,
        page=f"/tenders/{quote(tender.id, safe=':')}",
        also_on=[
            OtherListing(
                source=listing.source,
                platform=platform_name(listing.source, platforms),
                url=listing.url,
            )
            for listing in tender.also_on
        ],
    )


def links_of(query, page: int, pages: int) -> Links:
    kept = [(key, value) for key, value in query.multi_items() if key not in ("page", "lang")]

    def at(path: str, number: int) -> str:
        return f"{path}?{urlencode([*kept, ('page', str(number))])}"

    return Links(
        html=at("/", page),
        self=at("/search.json", page),
        next=at("/search.json", page + 1) if page < pages else None,
        prev=at("/search.json", page - 1) if page > 1 else None,
    )


@router.get(
    "/search.json",
    response_model=SearchAnswer,
    responses={400: {"model": Problem}, 503: {"model": Problem}},
    summary="Search, as the search page does (the same URL query)",
)
def search_json(
    request: Request, renderer: RendererDep, store: StoreDep, clock: ClockDep
) -> SearchAnswer | JSONResponse:
    """Query values as on the search page: `q`, `region` (repeatable), `pay_min`, `pay_max`,
    `hours_min`, `hours_max`, `deadline_after`, `deadline_before`, `closing`, `source`
    (repeatable), `client`, `education`, `das`, `zzp`, `status`, `all=1` (every listing,
    not one per assignment), `page`."""
    query = request.query_params
    try:
        found = run_search(query, store, clock, renderer.platforms)
    except FilterProblem as problem:
        return JSONResponse(
            {
                "detail": f"{problem.field}: expected {problem.expected_text()}",
                "field": problem.field,
            },
            status_code=400,
        )
    except StoreUnavailable:
        return JSONResponse({"detail": "the search is unavailable; try again"}, status_code=503)
    result, rates = found.result, found.rates
    total = result.total if result else 0
    pages = max(1, -(-total // PAGE_SIZE))
    return SearchAnswer(
        total=total,
        page=found.page,
        pages=pages,
        page_size=PAGE_SIZE,
        indexed=result is not None,
        hits=[hit_of(tender, renderer.platforms) for tender in (result.tenders if result else [])],
        rates=Rates(**asdict(rates or RateSpread())),
        links=links_of(query, found.page, pages),
    )
