"""Signing in by e-mail link, saving the search on screen as an alert, and "My alerts".

Every form that changes something carries a CSRF token: the session's own once signed in,
before that one from a cookie of its own (double submit). Saved searches are the same
`SavedSearch` the CLI and the API create (`consumers.alerts.service`), owned by the account's
e-mail address; another account's saved search answers 404, like one that does not exist.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import parse_qsl, urlencode

import structlog
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from common.settings import Settings
from consumers.alerts import mail
from consumers.alerts.repository import AlertRepository
from consumers.alerts.service import change_saved_search, create_saved_search
from consumers.alerts.tokens import same_secret
from consumers.alerts.webhook import UnsafeWebhook
from schemas.saved_search import SavedSearch, SavedSearchChange, SavedSearchRequest
from web.accounts import SESSION_VALID_S, Session, signin_address
from web.calendar import deadlines_calendar
from web.pages import FilterProblem, Pages, filter_of, page_query
from web.transport import ANONYMOUS_CSRF, SESSION

log = structlog.get_logger(__name__)
SEARCH_KEYS = ("q", "region", "pay_min", "pay_max", "hours_min", "hours_max", "deadline_after", "deadline_before",
               "closing", "source", "education", "das", "zzp", "status")


def query_of(search_query: str) -> QueryParams:
    """Only the search form's own values of a query string."""
    return QueryParams([(key, value) for key, value in parse_qsl(search_query) if key in SEARCH_KEYS])


def register_account_pages(app: FastAPI, settings: Settings, pages: Pages, repository: AlertRepository,
                           *, announce_links: bool) -> None:
    accounts, cookies = pages.accounts, pages.cookies

    def session_of(request: Request) -> Session | None:
        return accounts.session(cookies.get(request, SESSION))

    def refused(request: Request) -> HTMLResponse:
        return pages.render(request, "refused.html", status_code=403)

    def anonymous_form(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        token = cookies.get(request, ANONYMOUS_CSRF) or secrets.token_urlsafe(24)
        response = pages.render(request, template, status_code=status_code, csrf=token, **context)
        cookies.set(response, ANONYMOUS_CSRF, token)
        return response

    def anonymous_csrf_ok(request: Request, given: str) -> bool:
        expected = cookies.get(request, ANONYMOUS_CSRF) or ""
        return bool(expected) and same_secret(expected, given)

    def signed_in(request: Request, given_csrf: str | None = None) -> Session | Response:
        """The session, or the response to give instead (to sign in, or refused for a bad token)."""
        session = session_of(request)
        if session is None:
            return RedirectResponse("/signin?" + urlencode({"next": str(request.url.path) + (
                "?" + request.url.query if request.url.query else "")}), status_code=303)
        if given_csrf is not None and not same_secret(session.csrf, given_csrf):
            return refused(request)
        return session

    def own(saved_search_id: str, session: Session) -> SavedSearch | None:
        return repository.get(saved_search_id, owner=session.email)

    # signing in ---------------------------------------------------------------------------

    @app.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_form(request: Request, next: str = "/alerts") -> HTMLResponse:
        return anonymous_form(request, "signin.html", next=safe_next(next))

    @app.post("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_request(request: Request, email: str = Form(""), csrf: str = Form(""),
                       next: str = Form("/alerts")) -> HTMLResponse:
        if not anonymous_csrf_ok(request, csrf):
            return refused(request)
        address = signin_address(email)
        client = request.client.host if request.client else "unknown"
        limit = accounts.refused_by(address or email.strip().lower()[:254], client)
        if limit is not None:
            return anonymous_form(request, "signin.html", status_code=429, next=safe_next(next), too_many=limit)
        if address is not None:
            token = accounts.new_link_token(address)
            link = f"{settings.public_url.rstrip('/')}/signin/confirm?" + urlencode({"token": token,
                                                                                   "next": safe_next(next)})
            send_link(settings, address, link)
            if announce_links:  # on loopback only: the one user of this machine reads the console
                log.warning("signin_link", email=address, link=link)
        # The same answer whether the address has an account, or is one at all.
        return anonymous_form(request, "signin.html", next=safe_next(next), sent=True)

    @app.get("/signin/confirm", response_class=HTMLResponse, include_in_schema=False)
    def signin_confirm_form(request: Request, token: str = "", next: str = "/alerts") -> HTMLResponse:
        address = accounts.link_address(token)
        if address is None:
            return anonymous_form(request, "signin.html", status_code=400, next=safe_next(next), link_invalid=True)
        return anonymous_form(request, "signin_confirm.html", token=token, next=safe_next(next), address=address)

    @app.post("/signin/confirm", include_in_schema=False)
    def signin_confirm(request: Request, token: str = Form(""), csrf: str = Form(""),
                       next: str = Form("/alerts")) -> Response:
        if not anonymous_csrf_ok(request, csrf):
            return refused(request)
        email = accounts.use_link_token(token)
        if email is None:
            return anonymous_form(request, "signin.html", status_code=400, next=safe_next(next), link_invalid=True)
        cookie = accounts.start_session(email, previous_cookie=cookies.get(request, SESSION))
        response = RedirectResponse(safe_next(next), status_code=303)
        cookies.set(response, SESSION, cookie, max_age=SESSION_VALID_S)
        return response

    @app.post("/signout", include_in_schema=False)
    def signout(request: Request, csrf: str = Form("")) -> Response:
        session = signed_in(request, csrf)
        if not isinstance(session, Session):
            return session
        accounts.end_session(cookies.get(request, SESSION))
        response = RedirectResponse("/", status_code=303)
        cookies.delete(response, SESSION)
        return response

    # my alerts ----------------------------------------------------------------------------

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def my_alerts(request: Request) -> Response:
        session = signed_in(request)
        if not isinstance(session, Session):
            return session
        searches = repository.list(owner=session.email)
        recent = {search.id: sorted(repository.alerts(search.id), key=lambda alert: alert.created, reverse=True)
                  for search in searches}
        feeds = {search.id: accounts.has_feed(search.id) for search in searches}
        return pages.render(request, "alerts.html", searches=searches, recent=recent, feeds=feeds,
                            new_feed=request.query_params.get("feed"), new_feed_for=request.query_params.get("for"),
                            search_query=lambda saved: page_query(saved.filter),
                            feed_base=settings.public_url.rstrip("/"))

    @app.get("/alerts/new", response_class=HTMLResponse, include_in_schema=False)
    def new_alert_form(request: Request) -> Response:
        session = signed_in(request)
        if not isinstance(session, Session):
            return session
        query = query_of(request.url.query)
        return pages.render(request, "alert_form.html", saved=None, query=urlencode(query.multi_items()),
                            email=session.email, problem=None)

    @app.post("/alerts", include_in_schema=False)
    def create_alert(request: Request, csrf: str = Form(""), name: str = Form(""), query: str = Form(""),
                     frequency: str = Form("instant"), by_email: str = Form(""), webhook_url: str = Form(""),
                     updates: str = Form("")) -> Response:
        session = signed_in(request, csrf)
        if not isinstance(session, Session):
            return session
        try:
            search = filter_of(query_of(query), pages.today())
            saved, secret = create_saved_search(settings, repository, session.email, SavedSearchRequest(
                name=name.strip() or "Zoekopdracht", filter=search, frequency=frequency,
                email=session.email if by_email else None, webhook_url=webhook_url.strip() or None,
                alert_on_updates=bool(updates)))
        except (FilterProblem, ValidationError, UnsafeWebhook, ValueError) as problem:
            return pages.render(request, "alert_form.html", status_code=400, saved=None, query=query,
                                email=session.email, problem=describe(problem))
        log.info("saved_search_created_in_browser", saved_search=saved.id)
        return saved_page(request, saved, secret)

    @app.get("/alerts/{saved_search_id}/edit", response_class=HTMLResponse, include_in_schema=False)
    def edit_alert_form(request: Request, saved_search_id: str) -> Response:
        session = signed_in(request)
        if not isinstance(session, Session):
            return session
        saved = own(saved_search_id, session)
        if saved is None:
            return pages.render(request, "missing_alert.html", status_code=404)
        return pages.render(request, "alert_form.html", saved=saved, query=page_query(saved.filter),
                            email=session.email, problem=None)

    @app.post("/alerts/{saved_search_id}/edit", include_in_schema=False)
    def edit_alert(request: Request, saved_search_id: str, csrf: str = Form(""), name: str = Form(""),
                   query: str = Form(""), frequency: str = Form("instant"), by_email: str = Form(""),
                   webhook_url: str = Form(""), updates: str = Form("")) -> Response:
        session = signed_in(request, csrf)
        if not isinstance(session, Session):
            return session
        saved = own(saved_search_id, session)
        if saved is None:
            return pages.render(request, "missing_alert.html", status_code=404)
        try:
            change: dict[str, Any] = {"name": name.strip() or saved.name, "frequency": frequency,
                                      "filter": filter_of(query_of(query), pages.today()),
                                      "email": session.email if by_email else None, "alert_on_updates": bool(updates)}
            url = webhook_url.strip() or None
            if url != (saved.webhook.url if saved.webhook else None):
                change["webhook_url"] = url
                if url is not None:  # a new receiver gets a new secret, shown once
                    change["webhook_secret"] = secrets.token_urlsafe(32)
            changed = change_saved_search(settings, repository, session.email, saved_search_id,
                                          SavedSearchChange.model_validate(change))
        except (FilterProblem, ValidationError, UnsafeWebhook, ValueError) as problem:
            return pages.render(request, "alert_form.html", status_code=400, saved=saved, query=query,
                                email=session.email, problem=describe(problem))
        if changed is None:
            return pages.render(request, "missing_alert.html", status_code=404)
        return saved_page(request, changed[0], change.get("webhook_secret"))

    def saved_page(request: Request, saved: SavedSearch, secret: str | None) -> Response:
        """To "My alerts"; with a new webhook secret, a page that shows it this once (the pages
        never show it again, like the calendar link): the receiver checks signatures with it."""
        if secret is None:
            return RedirectResponse("/alerts", status_code=303)
        return pages.render(request, "webhook_secret.html", saved=saved, secret=secret)

    @app.post("/alerts/{saved_search_id}/{action}", include_in_schema=False)
    def alert_action(request: Request, saved_search_id: str, action: str, csrf: str = Form("")) -> Response:
        session = signed_in(request, csrf)
        if not isinstance(session, Session):
            return session
        if own(saved_search_id, session) is None or action not in ("pause", "resume", "delete", "feed", "unfeed"):
            return pages.render(request, "missing_alert.html", status_code=404)
        if action in ("pause", "resume"):
            repository.set_active(saved_search_id, action == "resume", owner=session.email)
        elif action == "delete":
            repository.remove(saved_search_id, owner=session.email)
            accounts.revoke_feed(saved_search_id, session.email)
        elif action == "unfeed":
            accounts.revoke_feed(saved_search_id, session.email)
        else:
            token = accounts.new_feed_token(saved_search_id, session.email)
            return RedirectResponse("/alerts?" + urlencode({"for": saved_search_id, "feed": token}), status_code=303)
        return RedirectResponse("/alerts", status_code=303)

    @app.get("/feeds/{token}.ics", include_in_schema=False)
    def calendar_feed(token: str) -> Response:
        found = accounts.feed_search(token)
        saved = repository.get(found[0], owner=found[1]) if found else None
        if saved is None:
            return Response("no such calendar feed\n", status_code=404, media_type="text/plain")
        now = pages.now()
        tenders = {}
        for alert in repository.alerts(saved.id):
            current = pages.tender(alert.tender.id) or alert.tender
            if current.status == "open" and current.deadline is not None and current.deadline > now:
                tenders[current.id] = current
        return Response(deadlines_calendar(saved.name, list(tenders.values()), now),
                        media_type="text/calendar; charset=utf-8")


def safe_next(target: str) -> str:
    """Only a path of this site (never another host) to go to after signing in."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/alerts"


def describe(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        error = problem.errors()[0]
        return error["msg"].removeprefix("Value error, ")
    if isinstance(problem, FilterProblem):
        return f"{problem.field}: {problem}"
    return str(problem)


def send_link(settings: Settings, address: str, link: str) -> None:
    """The sign-in mail: to the SMTP server, or the mail folder as every mail on the embedded default."""
    message = EmailMessage()
    message["Subject"] = "Inloggen bij tenderwatch / Sign in to tenderwatch"
    message["From"] = settings.mail_from
    message["To"] = address
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="tenderwatch")
    message.set_content(
        "Log in bij tenderwatch met deze link (15 minuten geldig, één keer te gebruiken):\n"
        f"{link}\n\nSign in to tenderwatch with this link (valid 15 minutes, once):\n{link}\n\n"
        "Heb je dit niet gevraagd? Negeer deze mail. / Did not ask for it? Ignore this mail.\n")
    try:
        mail.send(settings, message, f"signin-{secrets.token_hex(6)}")
    except mail.MailFailed as exc:
        log.error("signin_mail_failed", error=str(exc))
