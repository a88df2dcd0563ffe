"""The freelancers' web pages, served by `tenderwatch serve` beside the API: search (`/`), a
tender (`/tenders/{id}`) and its deadline as a calendar file (`/tenders/{id}/deadline.ics`).

Server-rendered (Jinja2, autoescaped: listing text is untrusted) with no script at all; the
search is a GET form, so every filter is in the URL. The store is the one `tenderwatch search`
uses (embedded or Elasticsearch, through the store port) and the filter the one `SearchFilter`.
A bad query value gives the page with a message saying which, never an error page.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from common.settings import Settings
from consumers.alerts.tokens import secret_key
from consumers.indexer import open_store, store_exists
from consumers.store.base import StoreUnavailable, TenderStore
from crawler.dutch import AMSTERDAM
from crawler.sources import SOURCES
from schemas.analysis import analyze
from schemas.provinces import PROVINCES
from schemas.search import SearchFilter, SearchPage
from schemas.tender import Tender
from web.accounts import Accounts
from web.calendar import deadline_calendar
from web.i18n import LANGUAGES, language_of, translations
from web.transport import LANGUAGE, SESSION, Cookies, SecurityHeaders

HERE = Path(__file__).parent
PAGE_SIZE = 20


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
    return [Segment(part, part[0].isalnum() and bool(wanted.intersection(analyze(part))))
            for part in re.split(r"(\w+)", text) if part]


class FilterProblem(ValueError):
    """A query value the page cannot use; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _int(query, name: str, low: int, high: int) -> int | None:
    value = query.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise FilterProblem(name, f"{low}-{high}")
    return int(value)


def _date(query, name: str) -> date | None:
    value = query.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterProblem(name, "YYYY-MM-DD") from None


def _yes_no(query, name: str) -> bool | None:
    value = query.get(name, "")
    if value in ("", "any"):
        return None
    if value not in ("yes", "no"):
        raise FilterProblem(name, "yes/no")
    return value == "yes"


def filter_of(query, today: date) -> SearchFilter:
    """The `SearchFilter` of the search form's query values."""
    closing = _int(query, "closing", 1, 365)
    deadline_after, deadline_before = _date(query, "deadline_after"), _date(query, "deadline_before")
    if closing is not None:
        deadline_after, deadline_before = today, today + timedelta(days=closing)
    regions = tuple(value for value in query.getlist("region") if value)
    if any(region not in PROVINCES for region in regions):
        raise FilterProblem("region", ", ".join(PROVINCES))
    sources = tuple(value for value in query.getlist("source") if value)
    if any(source not in SOURCES for source in sources):
        raise FilterProblem("source", ", ".join(SOURCES))
    education = query.get("education", "") or None
    status = query.get("status", "") or "open"
    try:
        return SearchFilter(
            keyword=query.get("q", "").strip() or None, regions=regions,
            pay_scale_min=_int(query, "pay_min", 1, 18), pay_scale_max=_int(query, "pay_max", 1, 18),
            hours_min=_int(query, "hours_min", 0, 168), hours_max=_int(query, "hours_max", 0, 168),
            deadline_after=deadline_after, deadline_before=deadline_before, education_level=education,
            das=_yes_no(query, "das"), zzp_allowed=_yes_no(query, "zzp"), sources=sources, status=status)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            name = str(error["loc"][0])
            field = {"keyword": "q", "education_level": "education"}.get(name, name)
        else:  # a range that runs backwards
            field = next(form for words, form in (("pay scale", "pay_min"), ("hours", "hours_min"),
                                                  ("deadline", "deadline_after")) if words in message)
        raise FilterProblem(field, message) from None


def page_query(search: SearchFilter) -> str:
    """The search page's URL query for `search` (the form's field names): what `filter_of` reads."""
    pairs: list[tuple[str, str]] = []
    if search.keyword:
        pairs.append(("q", search.keyword))
    pairs += [("region", region) for region in search.regions] + [("source", source) for source in search.sources]
    for name, value in (("pay_min", search.pay_scale_min), ("pay_max", search.pay_scale_max),
                        ("hours_min", search.hours_min), ("hours_max", search.hours_max),
                        ("deadline_after", search.deadline_after), ("deadline_before", search.deadline_before),
                        ("education", search.education_level)):
        if value is not None:
            pairs.append((name, str(value)))
    for name, flag in (("das", search.das), ("zzp", search.zzp_allowed)):
        if flag is not None:
            pairs.append((name, "yes" if flag else "no"))
    if search.status != "open":
        pairs.append(("status", search.status))
    return urlencode(pairs)


def loosen_hint(search: SearchFilter) -> str | None:
    """The filter most likely to have emptied the result, to loosen first."""
    for name, given in (("q", search.keyword), ("closing", search.deadline_before), ("pay", search.pay_scale_min
                        or search.pay_scale_max), ("hours", search.hours_min or search.hours_max),
                        ("region", search.regions), ("source", search.sources), ("education", search.education_level),
                        ("das", search.das is not None), ("zzp", search.zzp_allowed is not None)):
        if given:
            return name
    return "status" if search.status != "open" else None


def days_left(deadline: datetime | None, now: datetime) -> int | None:
    if deadline is None:
        return None
    return (deadline.astimezone(AMSTERDAM).date() - now.astimezone(AMSTERDAM).date()).days


@dataclass
class Pages:
    """What the page modules share: rendering (language, session), the store, the clock."""

    render: Any
    tender: Any  # id → the stored Tender or None
    now: Any
    today: Any  # the calendar date in Amsterdam: what "closing within 7 days" counts from
    accounts: Accounts
    cookies: Cookies


def page_environment(language: str) -> Environment:
    """The templates in one language. One environment per language, its translations installed
    once: requests run on many threads, and installing them per request on one shared
    environment let a page come out in another request's language."""
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                              extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    environment.filters["local"] = lambda moment: moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    environment.install_gettext_translations(translations(language), newstyle=True)
    return environment


def register_pages(app: FastAPI, settings: Settings) -> Pages:
    environments = {language: page_environment(language) for language in LANGUAGES}
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    cookies = Cookies(https=settings.served_over_https)
    app.add_middleware(SecurityHeaders, cookies=cookies)
    opened: list[TenderStore] = []
    store_lock = threading.Lock()  # one store connection; searches take turns (each is milliseconds)

    def store() -> TenderStore | None:
        if not opened:
            if not store_exists(settings):
                return None
            opened.append(open_store(settings))
            opened[0].setup()
        return opened[0]

    def now() -> datetime:
        return settings.now or datetime.now(UTC)

    def today() -> date:
        return now().astimezone(AMSTERDAM).date()

    accounts = Accounts.in_data_dir(settings.data_dir, secret_key(settings))

    def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        language = language_of(request.query_params.get("lang"), cookies.get(request, LANGUAGE),
                               request.headers.get("accept-language"))
        other = {key: value for key, value in request.query_params.multi_items() if key != "lang"}
        switch = {code: f"{request.url.path}?{urlencode([*other.items(), ('lang', code)])}" for code in LANGUAGES}
        session = accounts.session(cookies.get(request, SESSION))
        body = environments[language].get_template(template).render(language=language, switch=switch, now=now(),
                                                         days_left=days_left, session=session, **context)
        response = HTMLResponse(body, status_code=status_code)
        if request.query_params.get("lang") in LANGUAGES:
            cookies.set(response, LANGUAGE, request.query_params["lang"], max_age=365 * 86400)
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        query = request.query_params
        context: dict[str, Any] = {"query": query, "provinces": PROVINCES, "sources": list(SOURCES),
                                   "problem": None, "result": None, "search": None, "page": 1, "pages": 0}
        try:
            search = filter_of(query, today())
            page = _int(query, "page", 1, 5000) or 1
        except FilterProblem as problem:
            context["problem"] = problem
            return render(request, "search.html", status_code=400, **context)
        found = store()
        if found is None:
            return render(request, "search.html", nothing_indexed=True, **context)
        all_listings = query.get("all") == "1"
        try:
            with store_lock:
                result = found.search(search, SearchPage(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                                         all_listings=all_listings))
        except StoreUnavailable:
            return render(request, "search.html", status_code=503, unavailable=True, **context)
        except ValueError:  # past the deepest page
            context["problem"] = FilterProblem("page", "1-5000")
            return render(request, "search.html", status_code=400, **context)
        base = [(key, value) for key, value in query.multi_items() if key not in ("page", "lang")]
        context.update(search=search, result=result, page=page, all_listings=all_listings,
                       query_string=urlencode([(key, value) for key, value in base if key != "all"]),
                       pages=max(1, -(-result.total // PAGE_SIZE)), highlighted=highlighted,
                       loosen=loosen_hint(search) if not result.total else None,
                       page_url=lambda number: "/?" + urlencode([*base, ("page", str(number))]),
                       toggle_url="/?" + urlencode([(key, value) for key, value in base if key != "all"]
                                                   + ([] if all_listings else [("all", "1")])))
        return render(request, "search.html", **context)

    def tender_or_none(tender_id: str) -> Tender | None:
        found = store()
        if found is None:
            return None
        with store_lock:
            return found.get(tender_id)

    @app.get("/tenders/{tender_id}/deadline.ics", include_in_schema=False)
    def deadline_file(tender_id: str) -> Response:
        tender = tender_or_none(tender_id)
        if tender is None or tender.deadline is None:
            return Response("no such tender deadline\n", status_code=404, media_type="text/plain")
        return Response(deadline_calendar(tender, now()), media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="deadline-{tender.source}-'
                                                        f'{"".join(c for c in tender.external_id if c.isalnum())[:40]}.ics"'})

    @app.get("/tenders/{tender_id}", response_class=HTMLResponse, include_in_schema=False)
    def tender_page(request: Request, tender_id: str) -> HTMLResponse:
        tender = tender_or_none(tender_id)
        if tender is None:
            return render(request, "missing.html", status_code=404, tender_id=tender_id)
        with store_lock:
            history = opened[0].history(tender_id)
        return render(request, "tender.html", tender=tender, history=history,
                      back=request.headers.get("referer") if (request.headers.get("referer") or "").startswith(
                          str(request.base_url)) else "/")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg")

    return Pages(render=render, tender=tender_or_none, now=now, today=today, accounts=accounts, cookies=cookies)
