"""The whole tender topic replayed from offset 0 (a new consumer group, as after a reset):
the index and the alerts end up exactly as they were; no alert is sent twice."""

from __future__ import annotations

import pytest

from consumers.alerts.consumer import AlertMatcher
from consumers.alerts.repository import AlertRepository
from consumers.indexer import Indexer
from consumers.loop import ConsumeLoop
from consumers.store.embedded import EmbeddedStore
from schemas.events import TenderEvent
from schemas.search import SearchFilter, SearchPage
from tests.alerts.conftest import EVENT_TIME, saved_search
from tests.faults.test_consumer_faults import run_until
from tests.kafka.test_consume_loop import committed, produce


def tender_events(seed_tenders) -> list[TenderEvent]:
    regions = ["Overijssel", "Drenthe", "Utrecht"]
    events = []
    for number in range(30):
        tender = seed_tenders["30922"].model_copy(
            update={
                "id": f"flextender:{70000 + number}",
                "external_id": str(70000 + number),
                "region": regions[number % 3],
            }
        )
        events.append(TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, EVENT_TIME))
        if number < 5:  # the deadline moves: a material update
            moved = tender.model_copy(update={"deadline": tender.deadline.replace(year=2027)})
            events.append(
                TenderEvent.build(
                    "nl.tenderwatch.tender.updated", moved, 2, EVENT_TIME, ["deadline"]
                )
            )
    return events


def state_of(store: EmbeddedStore, repository: AlertRepository) -> tuple:
    found = store.search(SearchFilter(status="all"), SearchPage(limit=1000))
    return (
        [(tender.id, tender.deadline) for tender in found.tenders],
        sorted(alert.id for alert in repository.alerts()),
        len(repository.deliveries()),
    )


@pytest.mark.timeout(120)
def test_replay_of_the_whole_topic_from_offset_zero(
    kafka_settings, seed_tenders, tmp_path, fault_report
):
    events = tender_events(seed_tenders)
    produce(kafka_settings, [(event.key, event.encode()) for event in events])
    store = EmbeddedStore(tmp_path / "search.sqlite3")
    repository = AlertRepository(tmp_path / "alerts.sqlite3")
    repository.save(saved_search("ss_overijssel", regions=("Overijssel",), alert_on_updates=True))
    repository.save(saved_search("ss_drenthe", regions=("Drenthe",)))
    repository.save(saved_search("ss_keyword", keyword="procesregisseurs"))

    def consume(group_suffix: str) -> Indexer:
        indexer = Indexer(store)
        for name, handler in (
            ("indexer", indexer.handle),
            ("alerts", AlertMatcher(repository).handle),
        ):
            group = f"replay-{name}-{group_suffix}"
            loop = ConsumeLoop(
                name=name,
                group_id=group,
                topics=[kafka_settings.tender_events_topic],
                handler=handler,
                settings=kafka_settings,
                backoff_base_s=0.05,
            )
            run_until(loop, lambda group=group: committed(kafka_settings, group) == len(events))
        return indexer

    consume("first")
    before = state_of(store, repository)
    replayed = consume("replay")
    after = state_of(store, repository)
    store.close()
    repository.close()
    new_alerts = len(after[1]) - len(before[1])
    fault_report(
        events_in=len(events),
        events_out=len(events),
        lost=0,
        duplicated=new_alerts,
        note=f"replay: {replayed.stale} of {len(events)} writes stale (ignored), {len(before[1])} "
        "alerts, "
        f"{new_alerts} new",
    )
    assert (
        len(before[0]) == 30 and len(before[1]) == 30 + 10 + 10 + 2
    )  # keyword, two regions, 2 Overijssel updates
    assert after == before
    assert replayed.stale == len(events)
