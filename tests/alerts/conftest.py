from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consumers.alerts.consumer import AlertMatcher
from consumers.alerts.repository import AlertRepository
from consumers.loop import Message
from consumers.topics import create_topics
from schemas.events import TenderEvent
from schemas.saved_search import SavedSearch, Webhook
from schemas.search import SearchFilter
from tenderwatch.common.settings import Settings
from tests.kafka.conftest import settings_for

EVENT_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        alert_retry_base=0.05,
        webhook_allow_loopback=True,
        public_url="https://tenderwatch.example.nl",
    )


@pytest.fixture
def repository(settings):
    repository = AlertRepository(settings.alerts_path)
    yield repository
    repository.close()


def saved_search(
    saved_search_id: str,
    *,
    email: str | None = "anna@example.nl",
    webhook: tuple[str, str] | None = None,
    **options,
) -> SavedSearch:
    criteria = {key: options.pop(key) for key in list(options) if key in SearchFilter.model_fields}
    return SavedSearch(
        id=saved_search_id,
        owner=options.pop("owner", "anna"),
        name=options.pop("name", saved_search_id),
        filter=SearchFilter(**criteria),
        email=email,
        webhook=Webhook(url=webhook[0], secret=webhook[1]) if webhook else None,
        created=EVENT_TIME,
        **options,
    )


def message(event: TenderEvent, offset: int = 0) -> Message:
    return Message("events", 0, offset, event.key, event.encode(), [], payload=event)


def handle(matcher: AlertMatcher, *events: TenderEvent) -> None:
    assert matcher.handle([message(event, offset) for offset, event in enumerate(events)]) == []


@pytest.fixture
def kafka_alert_settings(broker, settings):
    topics = settings_for(broker.bootstrap_servers, settings.data_dir)
    configured = settings.model_copy(
        update={
            "kafka_bootstrap_servers": broker.bootstrap_servers,
            "alerts_topic": topics.alerts_topic,
            "tender_events_topic": topics.tender_events_topic,
            "dead_letter_topic": topics.dead_letter_topic,
        }
    )
    create_topics(configured)
    return configured
