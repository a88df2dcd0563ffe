"""The saved-search HTTP API (`tenderwatch serve`), FastAPI; OpenAPI docs at /docs.

Every /saved-searches call needs `Authorization: Bearer <personal API token>` (tokens come
from `tenderwatch user add NAME`). A user sees and changes only their own saved searches:
another user's id answers 404, exactly like an id that does not exist, so ids cannot be
probed. PATCH changes any field; a document read from GET may be sent back (the masked
secret keeps the secret), and POST takes the webhook in that shape too. /unsubscribe takes
the signed token from an alert and needs no login: GET shows a
confirmation form, POST (also RFC 8058 one-click from mail clients) switches the search off.
Request bodies over 16 KiB are refused with 413 before they are read in full.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from consumers.alerts.service import TooManySavedSearches, change_saved_search, create_saved_search
from consumers.alerts.tokens import secret_key, verify_unsubscribe_token
from consumers.alerts.webhook import UnsafeWebhook, names_loopback
from schemas.saved_search import SavedSearch, SavedSearchChange, SavedSearchRequest
from tenderwatch.common.settings import Settings
from tenderwatch.web.dependencies import RendererDep, RepositoryDep, SettingsDep

MAX_BODY_BYTES = 16 * 1024
router = APIRouter()
bearer = HTTPBearer(auto_error=False)


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
            await JSONResponse(
                {"detail": f"request body over {self.limit} bytes"}, status_code=413
            )(scope, receive, send)
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
    return settings.model_copy(
        update={
            "webhook_allow_loopback": names_loopback(host) and settings.webhooks_may_use_loopback
        }
    )


def owner(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    repository: RepositoryDep,
) -> str:
    found = repository.owner_of_token(credentials.credentials) if credentials else None
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid personal API token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


Owner = Annotated[str, Depends(owner)]


def not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "no such saved search")


def with_secret(saved: SavedSearch, secret: str | None) -> dict:
    """The saved search as the API shows it; a secret generated or given in this call is
    shown this once (it signs every webhook call)."""
    document = saved.public()
    if secret is not None:
        document["webhook"]["secret"] = secret
    return document


@router.get("/healthz", include_in_schema=False)
def health() -> dict:
    return {"status": "ok"}


@router.get("/saved-searches", summary="Your saved searches")
def list_saved_searches(user: Owner, repository: RepositoryDep) -> dict:
    return {"saved_searches": [saved.public() for saved in repository.list(owner=user)]}


@router.post("/saved-searches", status_code=status.HTTP_201_CREATED, summary="Save a search")
def add_saved_search(
    request: SavedSearchRequest, user: Owner, repository: RepositoryDep, settings: SettingsDep
) -> dict:
    try:
        saved, secret = create_saved_search(settings, repository, user, request)
    except (UnsafeWebhook, TooManySavedSearches) as exc:
        raise HTTPException(422, str(exc)) from None
    return with_secret(saved, secret)


@router.get("/saved-searches/{saved_search_id}", summary="One of your saved searches")
def get_saved_search(saved_search_id: str, user: Owner, repository: RepositoryDep) -> dict:
    saved = repository.get(saved_search_id, owner=user)
    if saved is None:
        raise not_found()
    return saved.public()


@router.patch(
    "/saved-searches/{saved_search_id}",
    summary="Change a saved search: any of its fields (a document read from GET may be sent back)",
)
def patch_saved_search(
    saved_search_id: str,
    change: SavedSearchChange,
    user: Owner,
    repository: RepositoryDep,
    settings: SettingsDep,
) -> dict:
    try:
        changed = change_saved_search(settings, repository, user, saved_search_id, change)
    except UnsafeWebhook as exc:
        raise HTTPException(422, str(exc)) from None
    except ValidationError as exc:
        raise HTTPException(
            422, [{"loc": list(error["loc"]), "msg": error["msg"]} for error in exc.errors()]
        ) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    if changed is None:
        raise not_found()
    return with_secret(*changed)


@router.delete(
    "/saved-searches/{saved_search_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a saved search",
)
def remove_saved_search(saved_search_id: str, user: Owner, repository: RepositoryDep) -> Response:
    if not repository.remove(saved_search_id, owner=user):
        raise not_found()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def search_of_token(token: str, repository: RepositoryDep, settings: SettingsDep) -> SavedSearch:
    saved_search_id = verify_unsubscribe_token(secret_key(settings), token)
    saved = repository.get(saved_search_id) if saved_search_id else None
    if saved is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this unsubscribe link is not valid")
    return saved


Unsubscribing = Annotated[SavedSearch, Depends(search_of_token)]


@router.get(
    "/unsubscribe", response_class=HTMLResponse, summary="Unsubscribe page (link in every alert)"
)
def unsubscribe_page(
    request: Request, token: str, saved: Unsubscribing, renderer: RendererDep
) -> HTMLResponse:
    """In the saved search's language (its mails' language) unless the reader switched."""
    return renderer.render(
        request, "unsubscribe.html", saved=saved, token=token, default_language=saved.language
    )


@router.post(
    "/unsubscribe", response_class=HTMLResponse, summary="One-click unsubscribe (RFC 8058)"
)
def unsubscribe(
    request: Request, saved: Unsubscribing, repository: RepositoryDep, renderer: RendererDep
) -> HTMLResponse:
    repository.set_active(saved.id, False)
    return renderer.render(
        request, "unsubscribe.html", saved=saved, done=True, default_language=saved.language
    )
