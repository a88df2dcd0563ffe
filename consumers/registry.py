"""The consumers `tenderwatch run` starts and `tenderwatch consume NAME` runs alone.

Each is a name, a consumer group, its topics and a handler factory; the indexer and the
alert consumer register here when they land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from consumers.indexer import Indexer, open_store
from consumers.loop import ConsumeLoop, Handler
from consumers.snapshot import TenderSnapshot
from crawler.config import Settings


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    description: str
    group_id: str
    topics: Callable[[Settings], list[str]]
    handler: Callable[[Settings], Handler]

    def loop(self, settings: Settings) -> ConsumeLoop:
        """This consumer on the one consume loop, with the configured batch size."""
        return ConsumeLoop(name=self.name, group_id=self.group_id, topics=self.topics(settings),
                           handler=self.handler(settings), settings=settings,
                           max_records=settings.consumer_max_records)


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
        description="indexes every tender for search (Elasticsearch if configured, else the embedded store)",
        group_id="tenderwatch-indexer",
        topics=lambda settings: [settings.tender_events_topic],
        handler=lambda settings: Indexer(open_store(settings)).handle,
    ),
}
