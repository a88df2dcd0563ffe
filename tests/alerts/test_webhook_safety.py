"""Webhook receivers that misbehave, on real sockets: one that trickles its answer a byte at a
time, one that answers without end, and a name whose DNS answer changes between the check and
the POST. None of them may hold another user's alert or reach an address that was not checked."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consumers.alerts import webhook
from consumers.alerts.delivery import Deliverer
from tests.alerts.conftest import saved_search
from tests.alerts.peers import WebhookReceiver
from tests.alerts.test_delivery import SECRET, alert_for

TRICKLE_BYTES = 40  # the trickler stops by itself after this many bytes (bounded)


class Trickler:
    """Reads the POST, then sends its answer one byte every `interval_s`; `sending` while it
    does."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.sending = threading.Event()
        self.done = threading.Event()
        trickler = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                trickler.sending.set()
                try:
                    for byte in (b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * TRICKLE_BYTES)[
                        :TRICKLE_BYTES
                    ]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(interval_s)
                except OSError:
                    pass  # the deliverer hung up: what it should do
                finally:
                    trickler.sending.clear()
                    trickler.done.set()
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Trickler:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_trickling_receiver_is_cut_off_at_the_deadline_and_holds_no_one_else(
    kafka_alert_settings, repository, seed_tenders
):
    settings = kafka_alert_settings.model_copy(update={"webhook_timeout": 2.0})
    with Trickler() as trickler, WebhookReceiver(SECRET) as honest:
        alert_for(
            repository,
            seed_tenders["30922"],
            saved_search(
                "ss_slow", email=None, webhook=(trickler.url, SECRET), regions=("Overijssel",)
            ),
            saved_search(
                "ss_honest", email=None, webhook=(honest.url, SECRET), regions=("Overijssel",)
            ),
        )
        deliverer = Deliverer(settings, repository)
        honest_while_trickling: list[bool] = []

        def watch() -> None:  # the honest call arrives before the trickler's answer has ended
            while not honest.calls and not trickler.done.is_set():
                time.sleep(0.01)
            honest_while_trickling.append(bool(honest.calls) and not trickler.done.is_set())

        watcher = threading.Thread(target=watch)
        watcher.start()
        deliverer.deliver_due()
        watcher.join(timeout=30)
        assert trickler.done.wait(timeout=30)
    assert honest_while_trickling == [True]
    by_alert = {(d.alert_id, d.channel): d for d in repository.deliveries()}
    assert by_alert[("ss_honest/flextender:30922", "webhook")].status == "delivered"
    slow = by_alert[("ss_slow/flextender:30922", "webhook")]
    assert slow.status == "pending" and slow.last_error == "no complete answer within 2 s"


def test_a_huge_answer_is_not_read_whole(kafka_alert_settings):
    """A receiver that answers 200 with a body that never ends: the status counts, the body is
    read no further than a few KB, and the attempt ends."""
    sent = {"bytes": 0}

    class Endless(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            try:
                for _ in range(10_000):  # bounded: at most ~640 MB, never reached
                    self.wfile.write(b"x" * 65536)
                    sent["bytes"] += 65536
            except OSError:
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status = webhook.post(
            f"http://127.0.0.1:{server.server_address[1]}/hook",
            SECRET,
            {"a": 1},
            alert_id="x",
            timeout_s=5.0,
            allow_private=False,
            allow_loopback=True,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (
        status == 200 and sent["bytes"] < 50 * 2**20
    )  # the sender was stopped early by the closed socket


@pytest.mark.parametrize(
    "address", ["100.64.1.1", "10.0.0.1", "169.254.169.254", "fd00::1", "0.0.0.0", "::1"]
)
def test_every_address_that_is_not_on_the_internet_is_refused(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(webhook.UnsafeWebhook, match="private or reserved|is this machine"):
        webhook.check_webhook_url(
            f"http://{host}:8080/hook", allow_private=False, allow_loopback=False
        )


def test_a_refusal_names_the_host_never_the_address_it_resolved_to():
    with pytest.raises(webhook.UnsafeWebhook) as refused:
        webhook.check_webhook_url(
            "http://localhost:8080/hook", allow_private=False, allow_loopback=False
        )
    message = str(refused.value)
    assert "localhost" in message and "127.0.0.1" not in message and "::1" not in message


def test_the_post_goes_to_the_address_that_was_checked_not_to_a_second_dns_answer(monkeypatch):
    """DNS rebinding. Mock: this machine has no DNS server whose answers can be changed between
    two look-ups, so `getaddrinfo` answers for one made-up name: the checked receiver first,
    another one (which must never be called) after."""
    with WebhookReceiver(SECRET) as checked, WebhookReceiver(SECRET) as rebound:
        ports = iter(
            [
                int(checked.url.split(":")[2].split("/")[0]),
                int(rebound.url.split(":")[2].split("/")[0]),
            ]
        )
        real = socket.getaddrinfo

        def answers(host, port, *args, **kwargs):
            if host == "receiver.rebind.invalid":
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", next(ports, 9)))]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", answers)
        # The receivers can only listen on loopback here, which a name may not reach unless it
        # is written as loopback (the test below): this test is about pinning, so it lets the name
        # be.
        monkeypatch.setattr(
            webhook, "names_loopback", lambda host: host == "receiver.rebind.invalid"
        )
        port = int(checked.url.split(":")[2].split("/")[0])
        status = webhook.post(
            f"http://receiver.rebind.invalid:{port}/hook",
            SECRET,
            {"a": 1},
            alert_id="x",
            timeout_s=5.0,
            allow_private=False,
            allow_loopback=True,
        )
    assert status == 204 and len(checked.calls) == 1 and rebound.calls == []


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("127.9.9.9", True),
        ("receiver.rebind.invalid", False),
    ],
)
def test_loopback_is_reached_only_by_a_url_that_names_it(monkeypatch, host, allowed):
    """A name that resolves to this machine is a rebinding attempt even where loopback webhooks
    are allowed. Mock: the one DNS answer this machine cannot give for real (a name → 127.0.0.1)."""
    real = socket.getaddrinfo

    def answers(name, port, *args, **kwargs):
        if name == "receiver.rebind.invalid":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(name, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", answers)
    url = f"http://{host}:8080/hook"
    if allowed:
        assert webhook.check_webhook_url(url, allow_private=False, allow_loopback=True) is not None
    else:
        with pytest.raises(webhook.UnsafeWebhook, match="loopback"):
            webhook.check_webhook_url(url, allow_private=False, allow_loopback=True)
    with pytest.raises(webhook.UnsafeWebhook, match="loopback"):
        webhook.check_webhook_url(url, allow_private=True, allow_loopback=False)
