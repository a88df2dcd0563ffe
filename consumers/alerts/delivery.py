"""The deliverer: sends persisted alerts over their channels, retrying with backoff.

It polls the alert store for due deliveries (a cheap indexed query), so it can run beside
the alert consumer or in a process of its own. Per delivery: a success marks it delivered;
a failure schedules the next try `alert_retry_base * 2**attempts` seconds later (at most an
hour); after `alert_max_attempts` tries the alert goes to the dead-letter topic with the
reason and the delivery is marked dead. A search removed or paused before its alert went out
gets nothing (cancelled). A crash between sending and marking means one more send on restart:
receivers get the `X-Tenderwatch-Alert-Id` header (mail: the alert id in the file name or
Message-ID) to drop such a repeat.

Daily searches: their mail waits (status `digest`) and goes out as one digest per search
once a day, at `digest_hour` Amsterdam time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaError

from consumers.alerts import mail, webhook
from consumers.alerts.repository import AlertRepository, Delivery
from consumers.alerts.tokens import secret_key, unsubscribe_url
from consumers.kafka_clients import make_producer
from schemas.events import CONTENT_TYPE
from schemas.saved_search import Alert, AlertEvent, SavedSearch
from schemas.zone import AMSTERDAM
from tenderwatch.common.settings import Settings

log = structlog.get_logger(__name__)
MAX_BACKOFF_S = 3600.0


PARALLEL_DELIVERIES = 8  # mails and webhook calls under way at once
PER_RECEIVER = 2  # webhook calls to one host at once: one receiver cannot take every slot


def unexpected(exc: Exception) -> str:
    """The reason kept with an alert that failed in a way delivery does not expect."""
    return f"could not be composed or sent: {type(exc).__name__}: {str(exc)[:300]}"


def is_permanent(exc: Exception) -> bool:
    """A failure that will repeat on every try (a value the mail or HTTP library refuses): the
    alert is dead at once instead of retried `alert_max_attempts` times."""
    return isinstance(exc, ValueError | TypeError | UnicodeError)


class Deliverer:
    def __init__(
        self,
        settings: Settings,
        repository: AlertRepository | None = None,
        *,
        producer: KafkaProducer | None = None,
        clock: Callable[[], float] = time.time,
        poll_interval_s: float = 0.1,
        platforms: Mapping[str, str] | None = None,
    ) -> None:
        """`platforms`: the platforms' own names (name → label, the crawler's registry), which
        the mails show; without them a platform is named as in its tenders."""
        self.settings = settings
        self.platforms = dict(platforms or {})
        self.repository = repository or AlertRepository(settings.alerts_path)
        self._producer = producer
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self.key = secret_key(settings)
        self._digest_not_before: dict[str, float] = {}
        # Deliveries of one round run side by side, so a slow receiver holds only its own.
        self.pool = ThreadPoolExecutor(
            max_workers=PARALLEL_DELIVERIES, thread_name_prefix="delivery"
        )

    # the worker ------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        log.info("deliverer_started")
        try:
            while not stop.is_set():
                sent = self.deliver_due()
                self.send_digests()
                if not sent:
                    stop.wait(self.poll_interval_s)
        finally:
            if self._producer is not None:
                self._producer.close(timeout=5)
            self.pool.shutdown(wait=True)
            log.info("deliverer_stopped")

    @property
    def producer(self) -> KafkaProducer:
        """Made on first use: a deliverer without alerts for the topic never connects."""
        self._producer = self._producer or make_producer(self.settings)
        return self._producer

    def settled(self) -> bool:
        """Every alert had its first try and no digest is due (what `run --once` waits for)."""
        return self.repository.unattempted() == 0 and not self.due_digests()

    # instant deliveries ----------------------------------------------------------------

    def deliver_due(self) -> int:
        due = self.repository.due(self.clock())
        if not due:
            return 0
        topic = [delivery for delivery in due if delivery.channel == "topic"]
        if topic:
            self._publish(topic)
        this_round: list[Delivery] = []
        per_receiver: Counter[str] = Counter()
        for delivery in due:
            if delivery.channel == "topic":
                continue
            receiver = self._receiver(delivery)
            if receiver is None or per_receiver[receiver] < PER_RECEIVER:
                per_receiver[receiver or ""] += 1
                this_round.append(delivery)
        # Every attempt ends by its deadline (webhook_timeout), so a round does too; the
        # deliveries past a receiver's share wait for the next round.
        list(self.pool.map(self._deliver, this_round))
        return len(topic) + len(this_round)

    def _receiver(self, delivery: Delivery) -> str | None:
        """The host a webhook delivery goes to (at most PER_RECEIVER at once); None for mail."""
        if delivery.channel != "webhook":
            return None
        alert = self.repository.alert(delivery.alert_id)
        saved_search = self.repository.get(alert.saved_search.id)
        if saved_search is None or saved_search.webhook is None:
            return None
        return urlsplit(saved_search.webhook.url).hostname or ""

    def _deliver(self, delivery: Delivery) -> None:
        alert = self.repository.alert(delivery.alert_id)
        saved_search = self.repository.get(alert.saved_search.id)
        bound = log.bind(
            alert_id=alert.id,
            channel=delivery.channel,
            tender_id=alert.tender.id,
            saved_search_id=alert.saved_search.id,
            attempt=delivery.attempts + 1,
        )
        if saved_search is None or not saved_search.active:
            self.repository.mark_cancelled(alert.id, delivery.channel)
            bound.info("alert_cancelled_search_gone")
            return
        try:
            if delivery.channel == "webhook":
                self._post(saved_search, alert)
            else:
                self._mail(saved_search, [alert], name=alert.id)
        except webhook.UnsafeWebhook as exc:
            self._failed(delivery, alert, f"unsafe webhook: {exc}", final=True, bound=bound)
        except (webhook.DeliveryFailed, mail.MailFailed) as exc:
            self._failed(delivery, alert, str(exc), final=False, bound=bound)
        except Exception as exc:  # noqa: BLE001 - one alert must never stop the deliverer for everyone
            self._failed(delivery, alert, unexpected(exc), final=is_permanent(exc), bound=bound)
        else:
            self.repository.mark_delivered([alert.id], delivery.channel)
            bound.info(
                "alert_delivered",
                latency_ms=round((datetime.now(UTC) - alert.created).total_seconds() * 1000),
            )

    def _post(self, saved_search: SavedSearch, alert: Alert) -> None:
        assert saved_search.webhook is not None
        document = alert.webhook_body()
        document["unsubscribe"] = unsubscribe_url(self.settings, self.key, saved_search.id)
        webhook.post(
            saved_search.webhook.url,
            saved_search.webhook.secret.get_secret_value(),
            document,
            alert_id=alert.id,
            timeout_s=self.settings.webhook_timeout,
            allow_private=self.settings.webhook_allow_private,
            allow_loopback=self.settings.webhooks_may_use_loopback,
        )

    def _mail(self, saved_search: SavedSearch, alerts: list[Alert], name: str) -> None:
        message = mail.compose(
            self.settings,
            saved_search,
            alerts,
            unsubscribe_url(self.settings, self.key, saved_search.id),
            self.platforms,
        )
        mail.send(self.settings, message, name)

    def _publish(self, deliveries: list[Delivery]) -> None:
        alerts = [self.repository.alert(delivery.alert_id) for delivery in deliveries]
        try:
            futures = [
                self.producer.send(
                    self.settings.alerts_topic,
                    key=event.key,
                    value=event.encode(),
                    headers=[("content-type", CONTENT_TYPE.encode())],
                )
                for event in map(AlertEvent.of, alerts)
            ]
            self.producer.flush()
            for future in futures:
                future.get(timeout=0)
        except KafkaError as exc:
            for delivery, alert in zip(deliveries, alerts, strict=True):
                self._failed(
                    delivery,
                    alert,
                    f"alerts topic: {exc}",
                    final=False,
                    bound=log.bind(alert_id=alert.id),
                )
            return
        self.repository.mark_delivered([alert.id for alert in alerts], "topic")

    def _failed(self, delivery: Delivery, alert: Alert, reason: str, *, final: bool, bound) -> None:
        attempts = delivery.attempts + 1
        if final or attempts >= self.settings.alert_max_attempts:
            self.repository.mark_failed(alert.id, delivery.channel, reason, None)
            bound.error("alert_dead_lettered", reason=reason, attempts=attempts)
            self._dead_letter(alert, delivery.channel, reason)
            return
        wait = min(MAX_BACKOFF_S, self.settings.alert_retry_base * 2 ** (attempts - 1))
        self.repository.mark_failed(alert.id, delivery.channel, reason, self.clock() + wait)
        bound.warning("alert_delivery_failed", reason=reason, retry_in_s=wait)

    def _dead_letter(self, alert: Alert, channel: str, reason: str) -> None:
        event = AlertEvent.of(alert)
        headers = [
            ("dlq.reason", reason.encode()),
            ("dlq.channel", channel.encode()),
            ("dlq.consumer", b"alerts-deliverer"),
            ("dlq.time", datetime.now(UTC).isoformat().encode()),
        ]
        try:
            self.producer.send(
                self.settings.dead_letter_topic,
                key=event.key,
                value=event.encode(),
                headers=headers,
            ).get(timeout=30)
        except KafkaError as exc:  # the alert stays in the store, marked dead, with its reason
            log.error("dead_letter_failed", alert_id=alert.id, error=str(exc))

    # daily digests ---------------------------------------------------------------------

    def _today(self) -> str | None:
        """Amsterdam's date when digests may go out now (from `digest_hour` on), else None."""
        moment = datetime.fromtimestamp(self.clock(), UTC).astimezone(AMSTERDAM)
        return moment.date().isoformat() if moment.hour >= self.settings.digest_hour else None

    def due_digests(self) -> dict[str, list[str]]:
        """Saved search id → its waiting alert ids, for each digest due now (not sent today,
        not waiting after a failed try)."""
        today = self._today()
        if today is None:
            return {}
        return {
            saved_search_id: alert_ids
            for saved_search_id, alert_ids in self.repository.digest_waiting().items()
            if self.repository.last_digest_day(saved_search_id) != today
            and self._digest_not_before.get(saved_search_id, 0.0) <= self.clock()
        }

    def send_digests(self) -> int:
        today = self._today()
        if today is None:
            return 0
        sent = 0
        for saved_search_id, alert_ids in self.due_digests().items():
            saved_search = self.repository.get(saved_search_id)
            if saved_search is None or not saved_search.active:
                for alert_id in alert_ids:
                    self.repository.mark_cancelled(alert_id, "email")
                continue
            try:
                self._mail(
                    saved_search,
                    [self.repository.alert(alert_id) for alert_id in alert_ids],
                    name=f"digest-{saved_search_id}-{today}",
                )
            except mail.MailFailed as exc:
                self._digest_not_before[saved_search_id] = (
                    self.clock() + 60 * self.settings.alert_retry_base
                )
                log.warning("digest_failed", saved_search_id=saved_search_id, reason=str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - one digest must never stop the deliverer for everyone
                reason = unexpected(exc)
                if is_permanent(exc):  # it would fail the same way every time: its alerts are dead
                    for alert_id in alert_ids:
                        self.repository.mark_failed(alert_id, "email", reason, None)
                    log.error(
                        "digest_dead",
                        saved_search_id=saved_search_id,
                        reason=reason,
                        alerts=len(alert_ids),
                    )
                else:
                    self._digest_not_before[saved_search_id] = (
                        self.clock() + 60 * self.settings.alert_retry_base
                    )
                    log.warning("digest_failed", saved_search_id=saved_search_id, reason=reason)
                continue
            self.repository.digest_sent(saved_search_id, today, alert_ids)
            log.info("digest_sent", saved_search_id=saved_search_id, alerts=len(alert_ids))
            sent += 1
        return sent
