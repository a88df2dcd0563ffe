"""Real peers for alert delivery: the webhook receiver (shared with the benchmarks) and an SMTP
server (aiosmtpd)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from consumers.broker import free_port
from tenderwatch.benchmarks.peers import Received, WebhookReceiver
from tests.kafka.conftest import wait_for

__all__ = ["Received", "SmtpServer", "WebhookReceiver"]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on a free local port; received mail in `.messages`."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[EmailMessage]:
        wait_for(lambda: len(self.messages) >= count, timeout_s=timeout_s, interval_s=0.05)
        return self.messages
