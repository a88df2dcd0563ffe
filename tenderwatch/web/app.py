"""The web app `tenderwatch serve` runs: the saved-search API (`api`), the search pages
(`search_pages`), signing in (`signin`) and the alert pages (`alert_pages`), one router each,
over the shared parts this module puts on `app.state`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from consumers.alerts.repository import AlertRepository
from consumers.alerts.tokens import secret_key
from tenderwatch.common.settings import Settings
from tenderwatch.web import alert_pages, api, search_json, search_pages, signin
from tenderwatch.web.accounts import Accounts
from tenderwatch.web.dependencies import Refused, SignInFirst, refused, sign_in_first
from tenderwatch.web.rendering import Renderer
from tenderwatch.web.state import Clock, StoreAccess
from tenderwatch.web.transport import Cookies, SecurityHeaders

STATIC = Path(__file__).parent / "static"


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(
    settings: Settings,
    *,
    platforms: Mapping[str, str] | None = None,
    announce_signin_links: bool = False,
) -> FastAPI:
    """The API and the web pages. `platforms`: name → label of the sources crawled (the source
    filter and the footer; the shell passes the registry's). `announce_signin_links`: also log
    sign-in links (serving on loopback only, on the embedded default, its one user reads the
    console)."""
    # Swagger UI and ReDoc from the app's own static files, not a CDN: /docs works offline.
    app = FastAPIOffline(
        title="tenderwatch",
        version="1",
        description="Saved searches: tenderwatch alerts you about every new tender that matches "
        "one.",
    )
    cookies = Cookies(https=settings.served_over_https)
    accounts = Accounts.in_data_dir(settings.data_dir, secret_key(settings))
    clock = Clock(settings.now)
    app.state.settings, app.state.clock, app.state.cookies, app.state.accounts = (
        settings,
        clock,
        cookies,
        accounts,
    )
    app.state.store = StoreAccess(settings)
    app.state.repository = AlertRepository(settings.alerts_path)
    app.state.renderer = Renderer(accounts, cookies, clock, platforms or {})
    app.state.announce_signin_links = announce_signin_links
    for router in (
        api.router,
        search_json.router,
        search_pages.router,
        signin.router,
        alert_pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(SignInFirst, sign_in_first)
    app.add_exception_handler(Refused, refused)
    app.add_middleware(api.BodyLimit)
    app.add_middleware(SecurityHeaders, cookies=cookies)
    # Outermost: every other layer (and the sign-in limits) sees the client the proxy saw.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    return app
