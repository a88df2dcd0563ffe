"""Signing in by e-mail link, and out. The same answer whether an address has an account, or
is one at all; sign-in requests are limited per address and per client
(`Accounts.refused_by`)."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from consumers.alerts import mail
from tenderwatch.common.settings import Settings
from tenderwatch.web.accounts import SESSION_VALID_S, signin_address
from tenderwatch.web.dependencies import (
    AccountsDep,
    AnonymousForm,
    CheckedSession,
    CookiesDep,
    RendererDep,
    SettingsDep,
    anonymous_form,
)
from tenderwatch.web.transport import SESSION

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)
NextPage = Annotated[str, Form()]


def safe_next(target: str) -> str:
    """Only a path of this site (never another host) to go to after signing in."""
    return (
        target
        if target.startswith("/") and not target.startswith("//") and "\\" not in target
        else "/alerts"
    )


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, renderer: RendererDep, next: str = "/alerts") -> HTMLResponse:
    return anonymous_form(request, renderer, "signin.html", next=safe_next(next))


@router.post("/signin", response_class=HTMLResponse, dependencies=[AnonymousForm])
def signin_request(
    request: Request,
    renderer: RendererDep,
    accounts: AccountsDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    next: NextPage = "/alerts",
) -> HTMLResponse:
    address = signin_address(email)
    client = request.client.host if request.client else "unknown"
    limit = accounts.refused_by(address or email.strip().lower()[:254], client)
    if limit is not None:
        return anonymous_form(
            request, renderer, "signin.html", status_code=429, next=safe_next(next), too_many=limit
        )
    if address is not None:
        language = renderer.language(request)
        link = f"{settings.public_url.rstrip('/')}/signin/confirm?" + urlencode(
            {"token": accounts.new_link_token(address), "next": safe_next(next), "lang": language}
        )
        send_link(settings, address, link, language)
        if (
            request.app.state.announce_signin_links
        ):  # on loopback only: its one user reads the console
            log.warning("signin_link", email=address, link=link)
    return anonymous_form(request, renderer, "signin.html", next=safe_next(next), sent=True)


@router.get("/signin/confirm", response_class=HTMLResponse)
def signin_confirm_form(
    request: Request,
    renderer: RendererDep,
    accounts: AccountsDep,
    token: str = "",
    next: str = "/alerts",
) -> HTMLResponse:
    address = accounts.link_address(token)
    if address is None:
        return anonymous_form(
            request,
            renderer,
            "signin.html",
            status_code=400,
            next=safe_next(next),
            link_invalid=True,
        )
    return anonymous_form(
        request, renderer, "signin_confirm.html", token=token, next=safe_next(next), address=address
    )


@router.post("/signin/confirm", dependencies=[AnonymousForm])
def signin_confirm(
    request: Request,
    renderer: RendererDep,
    accounts: AccountsDep,
    cookies: CookiesDep,
    token: Annotated[str, Form()] = "",
    next: NextPage = "/alerts",
) -> Response:
    email = accounts.use_link_token(token)
    if email is None:
        return anonymous_form(
            request,
            renderer,
            "signin.html",
            status_code=400,
            next=safe_next(next),
            link_invalid=True,
        )
    accounts.choose_language(email, renderer.language(request), first_time_only=True)
    cookie = accounts.start_session(email, previous_cookie=cookies.get(request, SESSION))
    response = RedirectResponse(safe_next(next), status_code=303)
    cookies.set(response, SESSION, cookie, max_age=SESSION_VALID_S)
    return response


@router.post("/signout")
def signout(
    request: Request, _session: CheckedSession, accounts: AccountsDep, cookies: CookiesDep
) -> Response:
    accounts.end_session(cookies.get(request, SESSION))
    response = RedirectResponse("/", status_code=303)
    cookies.delete(response, SESSION)
    return response


def send_link(settings: Settings, address: str, link: str, language: str) -> None:
    """The sign-in mail, in the page's language: to the SMTP server, or the mail folder as every
    mail on the embedded default."""
    message = mail.compose_signin(settings, address, link, language)
    try:
        mail.send(settings, message, f"signin-{secrets.token_hex(6)}")
    except mail.MailFailed as exc:
        log.error("signin_mail_failed", error=str(exc))
