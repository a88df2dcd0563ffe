"""`tenderwatch run --once` over the five replicas, which carry assignments listed on several
platforms: one search hit and one alert per assignment, `also_on` complete; replaying the
whole tender topic from offset 0 through the indexer's store and the alert handler changes
nothing and alerts nobody. Real processes: the replicas, a broker, `run`, the CLI."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from consumers.alerts.consumer import AlertMatcher
from consumers.alerts.repository import AlertRepository
from consumers.loop import Message
from consumers.store.embedded import EmbeddedStore
from consumers.topics import create_topics
from schemas.events import decode_event
from schemas.search import SearchFilter, SearchPage
from tests.kafka.conftest import read_topic, settings_for
from tests.kafka.test_search_after_run import SEED_TIME, tenderwatch

pytestmark = pytest.mark.slow  # whole run --once cycles against replicas: tens of seconds each

SAP_LISTING = "striive:08443f5d-66d3-4a94-893a-fa26a02bedc6"
# What the replicas list more than once (ids as in their answers).
CROSS_LISTED = [
    {"flextender:31050", "opdrachtoverheid:flextender_31050"},  # the copy names the listing
    {
        SAP_LISTING,
        "opdrachtoverheid:striive_HFSSC000444_392359",
        "inhuurdesk:6b2e1d3f-0000-4000-8000-00000000000f",
    },  # supplier record; request number SRQ202742
    {
        "striive:5a1d0c2e-0000-4000-8000-00000000000c",
        "striive:5a1d0c2e-0000-4000-8000-00000000000d",
    },  # two brands
    {"striive:7601f27b-6341-4a6a-98e5-c7ceee7998c4", "freep:101112"},  # DJI, same title
]


def search(data_dir: str, *options: str) -> list[dict]:
    result = tenderwatch("search", "--json", "--limit", "1000", "--data-dir", data_dir, *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_one_hit_and_one_alert_per_assignment_and_a_replay_changes_nothing(
    broker, tmp_path, replicas
):
    settings = settings_for(broker.bootstrap_servers, tmp_path / "data")
    create_topics(settings)
    data_dir = str(settings.data_dir)
    env = {
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
        "TENDERWATCH_SOURCES": "all",
        "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "TENDERWATCH_TENDER_EVENTS_TOPIC": settings.tender_events_topic,
        "TENDERWATCH_ALERTS_TOPIC": settings.alerts_topic,
        "TENDERWATCH_DEAD_LETTER_TOPIC": settings.dead_letter_topic,
        **replicas.environment(),
    }
    added = tenderwatch(
        "saved-search",
        "add",
        "--name",
        "everything open",
        "--email",
        "anna@example.nl",
        "--data-dir",
        data_dir,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    run = tenderwatch("run", "--once", "--data-dir", data_dir, env=env)
    assert run.returncode == 0, run.stderr[-3000:]

    every = search(data_dir, "--all-listings")
    groups: dict[str, set[str]] = defaultdict(set)
    for tender in every:
        groups[tender["assignment_id"]].add(tender["id"])
    assert all(group in groups.values() for group in CROSS_LISTED), sorted(
        map(sorted, groups.values())
    )
    assert sum(len(group) - 1 for group in groups.values()) == sum(
        len(group) - 1 for group in CROSS_LISTED
    )

    hits = search(data_dir)
    assert len(hits) == len(groups) == len(every) - 5
    for hit in hits:
        listed = {hit["id"], *(listing["id"] for listing in hit["also_on"])}
        assert listed == groups[hit["assignment_id"]], hit["id"]
        urls = {tender["id"]: tender["url"] for tender in every}
        assert all(listing["url"] == urls[listing["id"]] for listing in hit["also_on"])

    repository = AlertRepository.in_data_dir(settings.data_dir)
    alerts = repository.alerts()
    assert len(alerts) == len(groups)  # one per assignment, none per extra listing
    assert len({alert.tender.assignment_id for alert in alerts}) == len(groups)
    mails = list((settings.data_dir / "mail").glob("*.eml"))
    assert len(mails) == len(groups)
    # Striive is crawled before Inhuurdesk and Opdrachtoverheid: its listing is the oldest, and
    # the ids of those that joined later did not take the assignment over.
    (sap,) = [alert for alert in alerts if alert.tender.assignment_id == SAP_LISTING]
    assert (
        sap.tender.id == SAP_LISTING
    )  # alerted as the first listing; the others joined without a second alert

    # The whole topic again from offset 0, through the same handlers: nothing changes.
    records = read_topic(settings, settings.tender_events_topic, 100_000, timeout_s=5)
    events = [decode_event(record.value) for record in records]
    assert len(events) >= len(every)
    store = EmbeddedStore.in_data_dir(settings.data_dir)
    store.setup()
    before = store.search(SearchFilter(status="all"), SearchPage(limit=1000))
    written = store.write(events)
    assert (written.written, written.stale) == (0, len(events))
    assert store.search(SearchFilter(status="all"), SearchPage(limit=1000)) == before
    store.close()
    deliveries = len(repository.deliveries())
    matcher = AlertMatcher(repository)
    messages = [
        Message(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            record.value,
            [],
            payload=event,
        )
        for record, event in zip(records, events, strict=True)
    ]
    assert matcher.handle(messages) == []
    assert (len(repository.alerts()), len(repository.deliveries()), matcher.alerts_added) == (
        len(alerts),
        deliveries,
        0,
    )
    repository.close()
