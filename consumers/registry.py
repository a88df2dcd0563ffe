"""The consumers `tenderwatch run` starts and `tenderwatch consume NAME` runs alone.

Each is a name, a consumer group, its topics and a handler factory: the indexer, the alert
consumer and the snapshot all register here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from consumers.alerts.consumer import AlertMatcher
from consumers.alerts.delivery import Deliverer
from consumers.alerts.repository import AlertRepository
from consumers.indexer import Indexer
from consumers.loop import ConsumeLoop, Handler
from consumers.snapshot import TenderSnapshot
from consumers.store.factory import open_store
from tenderwatch.common.settings import Settings


class Worker(Protocol):
    """Background work that goes with a consumer (the alert deliverer), on its own thread."""

    def run(self, stop: threading.Event) -> None: ...

    def settled(self) -> bool:
        """Nothing handed to it is still waiting for a first try."""


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    description: str
    group_id: str
    topics: Callable[[Settings], list[str]]
    handler: Callable[[Settings], Handler]
    # (settings, the platforms' own names) → the worker; the shell passes the registry's names
    worker: Callable[[Settings, Mapping[str, str]], Worker] | None = None

    def loop(self, settings: Settings) -> ConsumeLoop:
        """This consumer on the one consume loop, with the configured batch size."""
        return ConsumeLoop(
            name=self.name,
            group_id=self.group_id,
            topics=self.topics(settings),
            handler=self.handler(settings),
            settings=settings,
            max_records=settings.consumer_max_records,
        )


CONSUMERS: dict[str, ConsumerSpec] = {
    "snapshot": ConsumerSpec(
        name="snapshot",
        description="keeps the latest event of every tender in <data dir>/tenders.sqlite3",
        group_id="tenderwatch-snapshot",
        topics=lambda settings: [settings.tender_events_topic],
        handler=lambda settings: TenderSnapshot.for_settings(settings).handle,
    ),
    "indexer": ConsumerSpec(
        name="indexer",
        description="indexes every tender for search (Elasticsearch if configured, else the "
        "embedded store)",
        group_id="tenderwatch-indexer",
        topics=lambda settings: [settings.tender_events_topic],
        handler=lambda settings: Indexer(open_store(settings)).handle,
    ),
    "alerts": ConsumerSpec(
        name="alerts",
        description="matches tenders against saved searches; its deliverer sends the alerts "
        "(webhook, mail, alerts topic)",
        group_id="tenderwatch-alerts",
        topics=lambda settings: [settings.tender_events_topic],
        handler=lambda settings: AlertMatcher(AlertRepository(settings.alerts_path)).handle,
        worker=lambda settings, platforms: Deliverer(settings, platforms=platforms),
    ),
}
