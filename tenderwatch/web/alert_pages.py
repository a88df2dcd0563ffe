"""Saving the search on screen as an alert, "My alerts", and an alert's calendar feed.

Saved searches are the same `SavedSearch` the CLI and the API create
(`consumers.alerts.service`), owned by the account's e-mail address; another account's saved
search answers 404, like one that does not exist. A new webhook secret is shown once.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from consumers.alerts.service import (
    TooManySavedSearches,
    change_saved_search,
    create_saved_search,
)
from consumers.alerts.webhook import UnsafeWebhook
from schemas.saved_search import SavedSearch, SavedSearchChange, SavedSearchRequest
from schemas.search_query import N_, FilterProblem, filter_of, page_query, query_values
from tenderwatch.common.i18n import LANGUAGES, problem_text, translations
from tenderwatch.web.accounts import Session
from tenderwatch.web.calendar import deadlines_calendar
from tenderwatch.web.dependencies import (
    AccountsDep,
    CheckedSession,
    ClockDep,
    RendererDep,
    RepositoryDep,
    SettingsDep,
    SignedIn,
    StoreDep,
)

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)
ACTIONS = ("pause", "resume", "delete", "feed", "unfeed")


class AlertForm(BaseModel):
    """The alert form's fields, as sent (the CSRF token is checked by the session's dependency)."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    query: str = ""
    frequency: str = "instant"
    by_email: str = ""
    webhook_url: str = ""
    updates: str = ""


FormDep = Annotated[AlertForm, Form()]


FIELD_PROBLEMS = {
    "name": N_("Name: 1 to 200 characters on one line"),
    "webhook_url": N_("Webhook URL: an http(s) address without a user name or password"),
    "webhook": N_("Webhook URL: an http(s) address without a user name or password"),
    "email": N_("E-mail: an e-mail address"),
}


def describe(problem: Exception, language: str) -> str:
    """What to change, in the page's language; the detail of a refused webhook as it came."""
    gettext = translations(language).gettext
    if isinstance(problem, FilterProblem):
        return problem_text(problem, language)
    if isinstance(problem, ValidationError):
        location = problem.errors()[0]["loc"]
        field = str(location[0]) if location else ""
        if field in FIELD_PROBLEMS:
            return gettext(FIELD_PROBLEMS[field])
    if isinstance(problem, UnsafeWebhook):
        return gettext(N_("Webhook URL: tenderwatch may not call this address")) + f" ({problem})"
    if isinstance(problem, TooManySavedSearches):
        return gettext(N_("you have as many alerts as an account may have: delete one first"))
    return gettext(N_("this cannot be saved as it is")) + f" ({problem})"


def form_page(
    request: Request,
    renderer,
    session: Session,
    saved: SavedSearch | None,
    query: str,
    problem: Exception | None = None,
) -> HTMLResponse:
    try:
        search = filter_of(
            query_values(query), renderer.clock.today(), known_sources=renderer.platforms
        )
    except FilterProblem:
        search = None  # the problem is shown; the query as it came
    return renderer.render(
        request,
        "alert_form.html",
        status_code=400 if problem else 200,
        saved=saved,
        query=query,
        search=search,
        email=session.email,
        problem=describe(problem, renderer.language(request)) if problem else None,
    )


def missing(request: Request, renderer) -> HTMLResponse:
    return renderer.render(request, "missing_alert.html", status_code=404)


def saved_page(request: Request, renderer, saved: SavedSearch, secret: str | None) -> Response:
    """To "My alerts"; with a new webhook secret, a page that shows it this once (the pages
    never show it again, like the calendar link): the receiver checks signatures with it."""
    if secret is None:
        return RedirectResponse("/alerts", status_code=303)
    return renderer.render(request, "webhook_secret.html", saved=saved, secret=secret)


@router.get("/alerts", response_class=HTMLResponse)
def my_alerts(
    request: Request,
    session: SignedIn,
    renderer: RendererDep,
    repository: RepositoryDep,
    accounts: AccountsDep,
    settings: SettingsDep,
) -> Response:
    searches = repository.list(owner=session.email)
    recent = {
        search.id: sorted(
            repository.alerts(search.id), key=lambda alert: alert.created, reverse=True
        )
        for search in searches
    }
    return renderer.render(
        request,
        "alerts.html",
        searches=searches,
        recent=recent,
        feeds={search.id: accounts.has_feed(search.id) for search in searches},
        new_feed=request.query_params.get("feed"),
        new_feed_for=request.query_params.get("for"),
        search_query=lambda saved: page_query(saved.filter),
        mail_language=mail_language(accounts, session, request, renderer),
        feed_base=settings.public_url.rstrip("/"),
    )


@router.get("/alerts/new", response_class=HTMLResponse)
def new_alert_form(request: Request, session: SignedIn, renderer: RendererDep) -> Response:
    query = urlencode(query_values(request.url.query).multi_items())
    return form_page(request, renderer, session, None, query)


@router.post("/alerts")
def create_alert(
    request: Request,
    session: CheckedSession,
    form: FormDep,
    renderer: RendererDep,
    repository: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    accounts: AccountsDep,
) -> Response:
    try:
        search = filter_of(
            query_values(form.query), clock.today(), known_sources=renderer.platforms
        )
        saved, secret = create_saved_search(
            settings,
            repository,
            session.email,
            SavedSearchRequest(
                name=form.name.strip() or "Zoekopdracht",
                filter=search,
                frequency=form.frequency,
                email=session.email if form.by_email else None,
                webhook_url=form.webhook_url.strip() or None,
                alert_on_updates=bool(form.updates),
                language=mail_language(accounts, session, request, renderer),
            ),
        )
    except (ValidationError, UnsafeWebhook, ValueError) as problem:
        return form_page(request, renderer, session, None, form.query, problem)
    log.info("saved_search_created_in_browser", saved_search=saved.id)
    return saved_page(request, renderer, saved, secret)


@router.get("/alerts/{saved_search_id}/edit", response_class=HTMLResponse)
def edit_alert_form(
    request: Request,
    saved_search_id: str,
    session: SignedIn,
    renderer: RendererDep,
    repository: RepositoryDep,
) -> Response:
    saved = repository.get(saved_search_id, owner=session.email)
    if saved is None:
        return missing(request, renderer)
    return form_page(request, renderer, session, saved, page_query(saved.filter))


def alert_change(saved: SavedSearch, form: AlertForm, session: Session, search) -> dict[str, Any]:
    """The change the edit form asks for; a new webhook receiver gets a new secret, shown once."""
    change: dict[str, Any] = {
        "name": form.name.strip() or saved.name,
        "frequency": form.frequency,
        "filter": search,
        "email": session.email if form.by_email else None,
        "alert_on_updates": bool(form.updates),
    }
    url = form.webhook_url.strip() or None
    if url != (saved.webhook.url if saved.webhook else None):
        change["webhook_url"] = url
        if url is not None:
            change["webhook_secret"] = secrets.token_urlsafe(32)
    return change


@router.post("/alerts/{saved_search_id}/edit")
def edit_alert(
    request: Request,
    saved_search_id: str,
    session: CheckedSession,
    form: FormDep,
    renderer: RendererDep,
    repository: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    saved = repository.get(saved_search_id, owner=session.email)
    if saved is None:
        return missing(request, renderer)
    try:
        search = filter_of(
            query_values(form.query), clock.today(), known_sources=renderer.platforms
        )
        change = alert_change(saved, form, session, search)
        changed = change_saved_search(
            settings,
            repository,
            session.email,
            saved_search_id,
            SavedSearchChange.model_validate(change),
        )
    except (ValidationError, UnsafeWebhook, ValueError) as problem:
        return form_page(request, renderer, session, saved, form.query, problem)
    if changed is None:
        return missing(request, renderer)
    return saved_page(request, renderer, changed[0], change.get("webhook_secret"))


def mail_language(accounts, session: Session, request: Request, renderer) -> str:
    """The account's mail language: chosen at its first sign-in, else the page's."""
    return accounts.language(session.email) or renderer.language(request)


@router.post("/alerts/language")
def choose_mail_language(
    session: CheckedSession,
    repository: RepositoryDep,
    accounts: AccountsDep,
    language: Annotated[str, Form()] = "",
) -> Response:
    """Every mail of the account in this language from now on: its saved searches and the ones
    it saves later. An unknown language changes nothing."""
    if language in LANGUAGES:
        accounts.choose_language(session.email, language)
        for saved in repository.list(owner=session.email):
            if saved.language != language:
                repository.save(saved.model_copy(update={"language": language}))
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/{saved_search_id}/{action}")
def alert_action(
    request: Request,
    saved_search_id: str,
    action: str,
    session: CheckedSession,
    renderer: RendererDep,
    repository: RepositoryDep,
    accounts: AccountsDep,
) -> Response:
    if action not in ACTIONS or repository.get(saved_search_id, owner=session.email) is None:
        return missing(request, renderer)
    if action in ("pause", "resume"):
        repository.set_active(saved_search_id, action == "resume", owner=session.email)
    elif action == "delete":
        repository.remove(saved_search_id, owner=session.email)
        accounts.revoke_feed(saved_search_id, session.email)
    elif action == "unfeed":
        accounts.revoke_feed(saved_search_id, session.email)
    else:
        token = accounts.new_feed_token(saved_search_id, session.email)
        return RedirectResponse(
            "/alerts?" + urlencode({"for": saved_search_id, "feed": token}), status_code=303
        )
    return RedirectResponse("/alerts", status_code=303)


@router.get("/feeds/{token}.ics")
def calendar_feed(
    token: str, accounts: AccountsDep, repository: RepositoryDep, store: StoreDep, clock: ClockDep
) -> Response:
    found = accounts.feed_search(token)
    saved = repository.get(found[0], owner=found[1]) if found else None
    if saved is None:
        return Response("no such calendar feed\n", status_code=404, media_type="text/plain")
    now = clock.now()
    tenders = {}
    for alert in repository.alerts(saved.id):
        current = store.tender(alert.tender.id) or alert.tender
        if current.status == "open" and current.deadline is not None and current.deadline > now:
            tenders[current.id] = current
    return Response(
        deadlines_calendar(saved.name, list(tenders.values()), now),
        media_type="text/calendar; charset=utf-8",
    )
