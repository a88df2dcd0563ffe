"""The search pages: search (`/`), a tender (`/tenders/{id}`) and its deadline as a calendar
file (`/tenders/{id}/deadline.ics`).

Server-rendered with no script at all; the search is a GET form, so every filter is in the
URL, in the one vocabulary of `schemas.search_query`. The store is the one `tenderwatch
search` uses (through the store port). A bad query value gives the page with a message
saying which, never an error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from consumers.store.base import RateSpread, SearchResult, StoreUnavailable
from schemas.analysis import analyze
from schemas.provinces import PROVINCES
from schemas.search import SearchFilter, SearchPage
from schemas.search_query import (
    CLOSING,
    TERM_OF_FIELD,
    FilterProblem,
    bounded_number,
    filter_of,
    loosen_hint,
    out_of_range,
)
from tenderwatch.web.calendar import deadline_calendar
from tenderwatch.web.dependencies import ClockDep, RendererDep, StoreDep
from tenderwatch.web.tender_view import description_parts

PAGE_SIZE = 20
DEEPEST_PAGE = 5000
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Segment:
    """A piece of a title; `marked` when it is a word the keyword matched."""

    text: str
    marked: bool = False


def highlighted(text: str, keyword: str | None) -> list[Segment]:
    """`text` cut into words and what lies between; the words whose Dutch analysis meets the
    keyword's are marked."""
    if not keyword:
        return [Segment(text)]
    wanted = set(analyze(keyword))
    return [
        Segment(part, part[0].isalnum() and bool(wanted.intersection(analyze(part))))
        for part in re.split(r"(\w+)", text)
        if part
    ]


def form_context(request: Request, renderer) -> dict[str, Any]:
    """What the search form needs, whatever the result."""
    return {
        "query": request.query_params,
        "province_choices": [(province, province) for province in PROVINCES],
        "platforms": renderer.platforms,
        "terms": TERM_OF_FIELD,
        "closing": CLOSING,
        "problem": None,
        "result": None,
        "search": None,
        "page": 1,
        "pages": 0,
    }


def result_context(query, found: Found) -> dict[str, Any]:
    """The result's part of the page: paging and the listings toggle keep the other values."""
    search, result, page = found.search, found.result, found.page
    all_listings = query.get("all") == "1"
    base = [(key, value) for key, value in query.multi_items() if key not in ("page", "lang")]
    without_all = [(key, value) for key, value in base if key != "all"]
    return dict(
        search=search,
        result=result,
        page=page,
        all_listings=all_listings,
        query_string=urlencode(without_all),
        pages=max(1, -(-result.total // PAGE_SIZE)),
        highlighted=highlighted,
        loosen=loosen_hint(search) if not result.total else None,
        page_url=lambda number: "/?" + urlencode([*base, ("page", str(number))]),
        toggle_url="/?" + urlencode(without_all + ([] if all_listings else [("all", "1")])),
    )


def _page_number(query) -> int:
    return bounded_number("page", (query.get("page") or "1").strip(), 1, DEEPEST_PAGE)


@dataclass(frozen=True)
class Found:
    """One search as the page and its JSON twin answer it; `result` None: nothing indexed yet."""

    search: SearchFilter
    page: int
    result: SearchResult | None
    rates: RateSpread | None


def run_search(query, store, clock, platforms) -> Found:
    """The URL query searched: raises FilterProblem for a value it cannot use (a page beyond
    the deepest one too) and StoreUnavailable when the store does not answer."""
    search = filter_of(query, clock.today(), known_sources=platforms)
    page = _page_number(query)
    try:
        result = store.search(
            search,
            SearchPage(
                limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, all_listings=query.get("all") == "1"
            ),
        )
    except ValueError as exc:  # past the deepest page the store pages through
        raise out_of_range("page", 1, DEEPEST_PAGE) from exc
    rates = store.rate_spread(search) if result is not None else None
    return Found(search, page, result, rates)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request, renderer: RendererDep, store: StoreDep, clock: ClockDep
) -> HTMLResponse:
    query = request.query_params
    context = form_context(request, renderer)
    try:
        found = run_search(query, store, clock, renderer.platforms)
    except FilterProblem as problem:
        return renderer.render(
            request, "search.html", status_code=400, **{**context, "problem": problem}
        )
    except StoreUnavailable:
        return renderer.render(request, "search.html", status_code=503, unavailable=True, **context)
    if found.result is None:
        return renderer.render(request, "search.html", nothing_indexed=True, **context)
    return renderer.render(
        request,
        "search.html",
        **{**context, **result_context(query, found), "rates": found.rates},
    )


@router.get("/tenders/{tender_id}/deadline.ics")
def deadline_file(tender_id: str, store: StoreDep, clock: ClockDep) -> Response:
    tender = store.tender(tender_id)
    if tender is None or tender.deadline is None:
        return Response("no such tender deadline\n", status_code=404, media_type="text/plain")
    name = (
        f"deadline-{tender.source}-{''.join(c for c in tender.external_id if c.isalnum())[:40]}.ics"
    )
    return Response(
        deadline_calendar(tender, clock.now()),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/tenders/{tender_id}", response_class=HTMLResponse)
def tender_page(
    request: Request, tender_id: str, renderer: RendererDep, store: StoreDep
) -> HTMLResponse:
    tender = store.tender(tender_id)
    if tender is None:
        return renderer.render(request, "missing.html", status_code=404, tender_id=tender_id)
    referer = request.headers.get("referer") or ""
    return renderer.render(
        request,
        "tender.html",
        tender=tender,
        description_parts=description_parts,
        history=store.history(tender_id),
        back=referer if referer.startswith(str(request.base_url)) else "/",
    )


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    return RedirectResponse("/static/favicon.svg")
