"""Creating a saved search, the same way from the CLI and the API."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from consumers.alerts.repository import AlertRepository
from consumers.alerts.webhook import check_webhook_url
from crawler.config import Settings
from schemas.saved_search import SavedSearch, SavedSearchRequest, Webhook


def create_saved_search(settings: Settings, repository: AlertRepository, owner: str,
                        request: SavedSearchRequest) -> tuple[SavedSearch, str | None]:
    """Validate, store and return the new saved search and its webhook secret (None without a webhook).

    Raises `UnsafeWebhook` for a webhook URL that may not be used."""
    webhook = None
    secret = None
    if request.webhook_url is not None:
        check_webhook_url(request.webhook_url, allow_private=settings.webhook_allow_private,
                          allow_loopback=settings.webhooks_may_use_loopback)
        secret = request.webhook_secret or secrets.token_urlsafe(32)
        webhook = Webhook(url=request.webhook_url, secret=secret)
    saved_search = SavedSearch(
        id="ss_" + uuid.uuid4().hex[:20], owner=owner, name=request.name, filter=request.filter, email=request.email,
        webhook=webhook, frequency=request.frequency, alert_on_updates=request.alert_on_updates,
        created=datetime.now(UTC))
    repository.save(saved_search)
    return saved_search, secret
