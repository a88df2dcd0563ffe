"""The saved-search HTTP API (`tenderwatch serve`), FastAPI; OpenAPI docs at /docs.

Every /saved-searches call needs `Authorization: Bearer <personal API token>` (tokens come
from `tenderwatch user add NAME`). A user sees and changes only their own saved searches:
another user's id answers 404, exactly like an id that does not exist, so ids cannot be
probed. PATCH changes any field; a document read from GET may be sent back (the masked
secret keeps the secret), and POST takes the webhook in that shape too. /unsubscribe takes the signed token from an alert and needs no login: GET shows a
confirmation form, POST (also RFC 8058 one-click from mail clients) switches the search off.
Request bodies over 16 KiB are refused with 413 before they are read in full.
"""


import html
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import ValidationError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from common.settings import Settings
from consumers.alerts.repository import AlertRepository
from consumers.alerts.service import TooManySavedSearches, change_saved_search, create_saved_search
from consumers.alerts.tokens import secret_key, verify_unsubscribe_token
from consumers.alerts.webhook import UnsafeWebhook, names_loopback
from schemas.saved_search import SavedSearchChange, SavedSearchRequest
from web.account_pages import register_account_pages
from web.pages import register_pages

MAX_BODY_BYTES = 16 * 1024


class BodyLimit:
    """ASGI middleware: 413 for a body over the limit, by Content-Length or while streaming."""

    def __init__(self, app: Any, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await JSONResponse({"detail": f"request body over {self.limit} bytes"}, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(status_code=413, detail=f"request body over {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


def served_settings(settings: Settings, host: str) -> Settings:
    """The settings `serve` runs with when listening on `host`: reachable from other machines,
    a saved webhook must not reach services on this one, so loopback webhooks (allowed on the
    embedded default) stay allowed only on a loopback interface, unless the operator set
    TENDERWATCH_WEBHOOK_ALLOW_LOOPBACK."""
    if settings.webhook_allow_loopback is not None:
        return settings
    return settings.model_copy(update={"webhook_allow_loopback": names_loopback(host)
                                       and settings.webhooks_may_use_loopback})


def create_app(settings: Settings, *, announce_signin_links: bool = False) -> FastAPI:
    """The API and the web pages. `announce_signin_links`: also log sign-in links (serving on
    loopback only, on the embedded default, its one user reads the console)."""
    repository = AlertRepository(settings.alerts_path)
    key = secret_key(settings)
    bearer = HTTPBearer(auto_error=False)
    # Swagger UI and ReDoc from the app's own static files, not a CDN: /docs works offline.
    app = FastAPIOffline(title="tenderwatch", version="1",
                         description="Saved searches: tenderwatch alerts you about every new tender that matches one.")
    app.add_middleware(BodyLimit)

    def owner(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        found = repository.owner_of_token(credentials.credentials) if credentials else None
        if found is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid personal API token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        return found

    Owner = Annotated[str, Depends(owner)]

    def not_found() -> HTTPException:
        return HTTPException(status.HTTP_404_NOT_FOUND, "no such saved search")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/saved-searches", summary="Your saved searches")
    def list_saved_searches(user: Owner) -> dict:
        return {"saved_searches": [saved.public() for saved in repository.list(owner=user)]}

    @app.post("/saved-searches", status_code=status.HTTP_201_CREATED, summary="Save a search")
    def add_saved_search(request: SavedSearchRequest, user: Owner) -> dict:
        try:
            saved, secret = create_saved_search(settings, repository, user, request)
        except (UnsafeWebhook, TooManySavedSearches) as exc:
            raise HTTPException(422, str(exc)) from None
        document = saved.public()
        if secret is not None:
            document["webhook"]["secret"] = secret  # shown this once: it signs every webhook call
        return document

    @app.get("/saved-searches/{saved_search_id}", summary="One of your saved searches")
    def get_saved_search(saved_search_id: str, user: Owner) -> dict:
        saved = repository.get(saved_search_id, owner=user)
        if saved is None:
            raise not_found()
        return saved.public()

    @app.patch("/saved-searches/{saved_search_id}",
               summary="Change a saved search: any of its fields (a document read from GET may be sent back)")
    def patch_saved_search(saved_search_id: str, change: SavedSearchChange, user: Owner) -> dict:
        try:
            changed = change_saved_search(settings, repository, user, saved_search_id, change)
        except UnsafeWebhook as exc:
            raise HTTPException(422, str(exc)) from None
        except ValidationError as exc:
            raise HTTPException(422, [{"loc": list(error["loc"]), "msg": error["msg"]} for error in exc.errors()]) \
                from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        if changed is None:
            raise not_found()
        saved, secret = changed
        document = saved.public()
        if secret is not None:
            document["webhook"]["secret"] = secret  # made for a webhook added without one: shown this once
        return document

    @app.delete("/saved-searches/{saved_search_id}", status_code=status.HTTP_204_NO_CONTENT,
                summary="Remove a saved search")
    def remove_saved_search(saved_search_id: str, user: Owner) -> Response:
        if not repository.remove(saved_search_id, owner=user):
            raise not_found()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    def _search_of(token: str):
        saved_search_id = verify_unsubscribe_token(key, token)
        saved = repository.get(saved_search_id) if saved_search_id else None
        if saved is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "this unsubscribe link is not valid")
        return saved

    @app.get("/unsubscribe", response_class=HTMLResponse, summary="Unsubscribe page (link in every alert)")
    def unsubscribe_page(token: str) -> str:
        saved = _search_of(token)
        if not saved.active:
            return (f"<!DOCTYPE html><html><body><p>Alerts for \u201c{html.escape(saved.name)}\u201d are off: "
                    "you get no more mail for this search.</p></body></html>")
        return (f"<!DOCTYPE html><html><body><p>Stop alerts for \u201c{html.escape(saved.name)}\u201d?</p>"
                f"<form method=\"post\" action=\"/unsubscribe?token={html.escape(token, quote=True)}\">"
                "<button type=\"submit\">Unsubscribe</button></form></body></html>")

    @app.post("/unsubscribe", response_class=HTMLResponse, summary="One-click unsubscribe (RFC 8058)")
    def unsubscribe(token: str) -> str:
        saved = _search_of(token)
        repository.set_active(saved.id, False)
        return (f"<!DOCTYPE html><html><body><p>You will get no more alerts for "
                f"\u201c{html.escape(saved.name)}\u201d.</p></body></html>")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    app.state.repository = repository
    pages = register_pages(app, settings)  # the freelancers' web pages beside the API
    register_account_pages(app, settings, pages, repository, announce_links=announce_signin_links)
    # Outermost: every other layer (and the sign-in limits) sees the client the proxy saw.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    return app
