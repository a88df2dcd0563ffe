"""The alert consumer's handler: tender events → alerts persisted with their deliveries.

Sending is not done here but by the `Deliverer` (its own thread), so a slow webhook never
holds up the consume loop, and offsets are committed as soon as the alerts are safely in
the alert store. Which event alerts:

- the first time a tender matches a saved search (published, or an update
  that makes it match): one alert, key `<search>/<tender>`;
- later, only for searches with `alert_on_updates`, an update that changed a
  material field (`schemas.saved_search.MATERIAL_FIELDS`): key `<search>/<tender>/<sequence>`.

The keys make a redelivered or replayed event add nothing: at most one alert per key, ever.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from consumers.alerts.matching import MatchIndex, TenderFacts
from consumers.alerts.repository import AlertRepository
from consumers.loop import Message, Rejection
from schemas.events import PUBLISHED, UPDATED, TenderEvent
from schemas.saved_search import MATERIAL_FIELDS, Alert, Reasons, SavedSearch, SavedSearchRef

log = structlog.get_logger(__name__)
ALERTING_EVENTS = frozenset({PUBLISHED, UPDATED})


def channels_for(saved_search: SavedSearch) -> list[tuple[str, str]]:
    channels = [("topic", "pending")]
    if saved_search.webhook is not None:
        channels.append(("webhook", "pending"))
    if saved_search.email is not None:
        channels.append(("email", "digest" if saved_search.frequency == "daily" else "pending"))
    return channels


class AlertMatcher:
    def __init__(self, repository: AlertRepository) -> None:
        self.repository = repository
        self.index = MatchIndex()
        self.revision = 0
        self.alerts_added = 0

    def refresh(self) -> None:
        """Take in the saved searches added, changed or removed since the last look."""
        self.revision, changes = self.repository.changed_since(self.revision)
        for saved_search_id, saved_search in changes:
            if saved_search is None:
                self.index.remove(saved_search_id)
            else:
                self.index.upsert(saved_search)
        if changes:
            log.info(
                "saved_searches_loaded",
                changed=len(changes),
                active=len(self.index),
                revision=self.revision,
            )

    def handle(self, messages: list[Message]) -> list[Rejection]:
        self.refresh()
        alerts: list[tuple[Alert, list[tuple[str, str]]]] = []
        alerted: dict[
            str, set[str]
        ] = {}  # assignment → searches alerted about it, stored or in this batch
        for message in messages:
            event: TenderEvent = message.payload
            if event.type not in ALERTING_EVENTS or not len(self.index):
                continue
            facts = TenderFacts.of(event.data.tender)
            matched = sorted(self.index.match(facts))
            if not matched:
                continue
            tender = event.data.tender
            assignment = tender.assignment
            if assignment not in alerted:
                listings = {tender.id, *(listing.id for listing in tender.also_on)}
                alerted[assignment] = self.repository.searches_alerted(assignment, listings)
            for saved_search_id in matched:
                saved_search = self.index.searches[saved_search_id]
                keyed = self._alert_key(saved_search, event, alerted[assignment])
                if keyed is not None:
                    reasons = self.index.explain(saved_search.id, facts)
                    alerts.append(
                        (
                            self._alert(*keyed, saved_search, event, reasons),
                            channels_for(saved_search),
                        )
                    )
        if alerts:
            added = self.repository.add_alerts(alerts)
            self.alerts_added += added
            log.info("alerts_created", alerts=added, replayed=len(alerts) - added)
        return []

    @staticmethod
    def _alert_key(
        saved_search: SavedSearch, event: TenderEvent, alerted: set[str]
    ) -> tuple[str, str] | None:
        """(alert id, kind) when this match alerts, else None. `alerted`: the searches that
        already had their first alert about this tender's assignment (updated here). The first
        alert is keyed by the assignment (the tender id of its first listing), so a second
        listing of one assignment alerts nobody who heard of the first."""
        tender_id = event.data.tender.id
        if saved_search.id not in alerted:
            alerted.add(saved_search.id)
            return f"{saved_search.id}/{event.data.tender.assignment}", "new"
        if (
            event.type == UPDATED
            and saved_search.alert_on_updates
            and MATERIAL_FIELDS.intersection(event.data.changed_fields)
        ):
            return f"{saved_search.id}/{tender_id}/{event.data.sequence}", "changed"
        return None

    @staticmethod
    def _alert(
        alert_id: str, kind: str, saved_search: SavedSearch, event: TenderEvent, reasons: Reasons
    ) -> Alert:
        return Alert(
            id=alert_id,
            saved_search=SavedSearchRef(
                id=saved_search.id, name=saved_search.name, owner=saved_search.owner
            ),
            kind=kind,
            event=event.type,
            event_id=event.id,
            sequence=event.data.sequence,
            tender=event.data.tender,
            reasons=reasons,
            created=datetime.now(UTC),
        )
