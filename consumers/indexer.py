"""The indexer consumer: batches of tender events → one bulk write to the store.

Stale writes (an older or repeated sequence) are counted and logged, not errors. A store
that cannot be reached, or single documents it refuses for a passing reason (429/5xx),
make the batch retry (the consume loop backs off and commits nothing); documents refused
for good (e.g. a mapping conflict) are dead-lettered with the store's reason. A store whose
set-up is refused (a cluster without the analysis module, a wrong password), or that refuses
our credentials later, is no fault of the events: the batch waits in Kafka and is retried, never
dead-lettered.
"""

from __future__ import annotations

import structlog

from consumers.loop import Message, Rejection, TransientError
from consumers.store.base import StoreUnavailable, TenderStore
from consumers.store.cluster import AccessRefused, ClusterRefused

log = structlog.get_logger(__name__)


class Indexer:
    def __init__(self, store: TenderStore) -> None:
        self.store = store
        self.stale = 0
        self._ready = False

    def handle(self, messages: list[Message]) -> list[Rejection]:
        try:
            if not self._ready:
                try:
                    self.store.setup()
                except ClusterRefused as exc:
                    raise TransientError(
                        f"store {self.store.name} refused the set-up (events wait): {exc}"
                    ) from exc
                self._ready = True
            result = self.store.write([message.payload for message in messages])
        except StoreUnavailable as exc:
            raise TransientError(f"store {self.store.name} unavailable: {exc}") from exc
        except AccessRefused as exc:
            raise TransientError(
                f"store {self.store.name} refused our credentials (events wait): {exc}"
            ) from exc
        if any(failure.retriable for failure in result.failures):
            raise TransientError(
                f"store {self.store.name} refused documents for now: "
                f"{[failure.reason for failure in result.failures if failure.retriable][:3]}"
            )
        if result.stale:
            self.stale += result.stale
            log.info("stale_events_ignored", stale=result.stale, total_stale=self.stale)
        by_event_id = {message.payload.id: message for message in messages}
        return [
            Rejection(
                by_event_id[failure.event_id], f"store {self.store.name} refused: {failure.reason}"
            )
            for failure in result.failures
        ]
