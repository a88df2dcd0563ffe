"""Creating and changing a saved search, the same way from the CLI and the API."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from consumers.alerts.consumer import channels_for
from consumers.alerts.matching import MatchIndex, TenderFacts
from consumers.alerts.repository import AlertRepository
from consumers.alerts.webhook import check_webhook_url
from consumers.store.base import TenderStore
from schemas.saved_search import (
    Alert,
    SavedSearch,
    SavedSearchChange,
    SavedSearchRef,
    SavedSearchRequest,
    Webhook,
)
from schemas.search import MAX_OFFSET, SearchPage
from tenderwatch.common.settings import Settings

EXISTING_MATCH_EVENT = "existing"
PAGE_SIZE = 500


class TooManySavedSearches(ValueError):
    """The owner has as many saved searches as one account may have."""


def create_saved_search(
    settings: Settings, repository: AlertRepository, owner: str, request: SavedSearchRequest
) -> tuple[SavedSearch, str | None]:
    """Validate, store and return the new saved search and its webhook secret (None without a
    webhook).

    Raises `UnsafeWebhook` for a webhook URL that may not be used, `TooManySavedSearches` when
    the owner has `max_saved_searches` already (one account cannot fill the store or the
    matcher for everyone)."""
    if repository.count(owner) >= settings.max_saved_searches:
        raise TooManySavedSearches(
            f"an account has at most {settings.max_saved_searches} saved searches; "
            "remove one you no longer need first"
        )
    webhook = None
    secret = None
    if request.webhook_url is not None:
        check_webhook_url(
            request.webhook_url,
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhooks_may_use_loopback,
        )
        secret = request.webhook_secret or secrets.token_urlsafe(32)
        webhook = Webhook(url=request.webhook_url, secret=secret)
    saved_search = SavedSearch(
        id="ss_" + uuid.uuid4().hex[:20],
        owner=owner,
        name=request.name,
        filter=request.filter,
        email=request.email,
        webhook=webhook,
        frequency=request.frequency,
        alert_on_updates=request.alert_on_updates,
        created=datetime.now(UTC),
        language=request.language,
    )
    repository.save(saved_search)
    return saved_search, secret


def change_saved_search(
    settings: Settings,
    repository: AlertRepository,
    owner: str,
    saved_search_id: str,
    change: SavedSearchChange,
) -> tuple[SavedSearch, str | None] | None:
    """Apply a partial change to one of `owner`'s saved searches; None when it is not theirs.
    Also returns the webhook secret made for a webhook added without one (shown once), else None.

    Raises ValueError for a change that leaves it invalid, `UnsafeWebhook` for a new webhook URL
    that may not be used."""
    saved_search = repository.get(saved_search_id, owner=owner)
    if saved_search is None:
        return None
    generated = None
    if (
        change.webhook_url is not None
        and change.webhook_secret is None
        and saved_search.webhook is None
    ):
        generated = secrets.token_urlsafe(32)
        change = change.model_copy(update={"webhook_secret": generated})
    changed = change.apply(saved_search)
    if changed.webhook is not None and (
        saved_search.webhook is None or changed.webhook.url != saved_search.webhook.url
    ):
        check_webhook_url(
            changed.webhook.url,
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhooks_may_use_loopback,
        )
    repository.save(changed)
    return changed, generated


def current_matches(store: TenderStore, saved_search: SavedSearch) -> int:
    """How many tenders already in the store match the saved search now."""
    return store.search(saved_search.filter, SearchPage(limit=1)).total


def alert_existing_matches(
    repository: AlertRepository, store: TenderStore, saved_search: SavedSearch
) -> int:
    """Queue one alert for each tender already in the store that matches `saved_search` (the
    alert consumer only sees tenders published or changed after the search was saved).

    The alerts have the ids the consumer would give a first match (`<search>/<tender>`), so
    a later event of the same tender adds nothing; `event` is "existing", `sequence` 0.
    Returns how many alerts were queued; the deliverer of `run` sends them."""
    index = MatchIndex()
    index.upsert(saved_search)
    reference = SavedSearchRef(id=saved_search.id, name=saved_search.name, owner=saved_search.owner)
    queued = 0
    offset = 0
    while True:
        result = store.search(saved_search.filter, SearchPage(limit=PAGE_SIZE, offset=offset))
        alerts = []
        for tender in result.tenders:
            facts = TenderFacts.of(tender)
            if saved_search.id not in index.match(
                facts
            ):  # the store and the matcher share the semantics
                continue
            alerts.append(
                (
                    Alert(
                        id=f"{saved_search.id}/{tender.id}",
                        saved_search=reference,
                        kind="new",
                        event=EXISTING_MATCH_EVENT,
                        event_id=f"{EXISTING_MATCH_EVENT}:{saved_search.id}",
                        sequence=0,
                        tender=tender,
                        reasons=index.explain(saved_search.id, facts),
                        created=datetime.now(UTC),
                    ),
                    channels_for(saved_search),
                )
            )
        queued += repository.add_alerts(alerts) if alerts else 0
        offset += len(result.tenders)
        if not result.tenders or offset >= result.total or offset > MAX_OFFSET:
            return queued
