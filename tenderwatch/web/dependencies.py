"""What routes ask for with `Depends`: the shared parts on `app.state`, the signed-in user
(a redirect to sign in otherwise) and the CSRF check of a form that changes something (the
session's own token once signed in; before that a double-submit cookie of its own)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from consumers.alerts.repository import AlertRepository
from consumers.alerts.tokens import same_secret
from tenderwatch.common.settings import Settings
from tenderwatch.web.accounts import Accounts, Session
from tenderwatch.web.rendering import Renderer
from tenderwatch.web.state import Clock, StoreAccess
from tenderwatch.web.transport import ANONYMOUS_CSRF, SESSION, Cookies


def _state(name: str):
    def shared(request: Request) -> Any:
        return getattr(request.app.state, name)

    shared.__name__ = f"app_state_{name}"
    return Depends(shared)


SettingsDep = Annotated[Settings, _state("settings")]
ClockDep = Annotated[Clock, _state("clock")]
StoreDep = Annotated[StoreAccess, _state("store")]
RepositoryDep = Annotated[AlertRepository, _state("repository")]
AccountsDep = Annotated[Accounts, _state("accounts")]
CookiesDep = Annotated[Cookies, _state("cookies")]
RendererDep = Annotated[Renderer, _state("renderer")]


class SignInFirst(Exception):
    """Answered with a redirect to the sign-in page, coming back to `target` after."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class Refused(Exception):
    """A form without its CSRF token: answered with the "refused" page (403)."""


def signed_in(request: Request, accounts: AccountsDep, cookies: CookiesDep) -> Session:
    session = accounts.session(cookies.get(request, SESSION))
    if session is None:
        raise SignInFirst(request.url.path + ("?" + request.url.query if request.url.query else ""))
    return session


SignedIn = Annotated[Session, Depends(signed_in)]


def checked_form(session: SignedIn, csrf: Annotated[str, Form()] = "") -> Session:
    """The signed-in session of a form that carries the session's CSRF token."""
    if not same_secret(session.csrf, csrf):
        raise Refused()
    return session


CheckedSession = Annotated[Session, Depends(checked_form)]


def checked_anonymous_form(
    request: Request, cookies: CookiesDep, csrf: Annotated[str, Form()] = ""
) -> None:
    """A form sent before signing in: its token must equal its cookie's (double submit)."""
    expected = cookies.get(request, ANONYMOUS_CSRF) or ""
    if not (expected and same_secret(expected, csrf)):
        raise Refused()


AnonymousForm = Depends(checked_anonymous_form)


def anonymous_form(
    request: Request, renderer: Renderer, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with a form sent before signing in, with its CSRF token and cookie."""
    token = renderer.cookies.get(request, ANONYMOUS_CSRF) or secrets.token_urlsafe(24)
    response = renderer.render(request, template, status_code=status_code, csrf=token, **context)
    renderer.cookies.set(response, ANONYMOUS_CSRF, token)
    return response


def sign_in_first(_request: Request, exc: SignInFirst) -> Response:
    return RedirectResponse("/signin?" + urlencode({"next": exc.target}), status_code=303)


def refused(request: Request, _exc: Refused) -> Response:
    return request.app.state.renderer.render(request, "refused.html", status_code=403)
